/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet builder for the datapath tests: Ethernet, 0-3 VLAN tags, IPv4
 * (options, fragments), IPv6 (extension header chains), TCP (flags,
 * options, payload), UDP, ICMP and raw Ethernet payloads (ARP).
 *
 * A test fills a struct pkt_spec, pkt_build() writes the frame with correct
 * lengths and checksums and records where each header starts, so the
 * malformed-packet tests can truncate or corrupt exactly one field.
 */
#ifndef XDPCT_TEST_PKT_H
#define XDPCT_TEST_PKT_H

#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX		2048
#define PKT_MAX_VLAN	3	/* one more than the datapath accepts */
#define PKT_MAX_EXT	10

#define PKT_ETH_IP	0x0800
#define PKT_ETH_ARP	0x0806
#define PKT_ETH_IPV6	0x86DD
#define PKT_ETH_8021Q	0x8100
#define PKT_ETH_8021AD	0x88A8

/* IPv6 extension header types */
enum {
	PKT_EXT_HOP = 0,
	PKT_EXT_ROUTING = 43,
	PKT_EXT_FRAG = 44,
	PKT_EXT_AH = 51,
	PKT_EXT_DSTOPT = 60,
};

/* TCP flags byte */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

struct pkt_ext {
	__u8 type;		/* PKT_EXT_* (or anything, for the invalid cases) */
	__u8 hlen;		/* the header's length field: HOP/ROUTING/DSTOPT
				 * (hlen + 1) * 8 bytes, AH (hlen + 2) * 4 bytes
				 * (0 picks the smallest legal: AH 4 = 24 bytes) */
	__u16 frag_off;		/* PKT_EXT_FRAG: offset in 8-byte units */
	__u8 mf;		/* PKT_EXT_FRAG: more-fragments bit */
};

struct pkt_spec {
	__u8 dmac[6], smac[6];
	__u8 nvlan;			/* 0..3 tags, outer first */
	__u16 vlan[PKT_MAX_VLAN];	/* VLAN ids (PCP/DEI bits allowed) */
	__u16 tpid[PKT_MAX_VLAN];	/* 0: 802.1ad outer of two, else 802.1Q */

	__u8 family;			/* 4, 6, or 0: raw ethertype + payload */
	__u16 ethertype;		/* family 0 only */
	__u8 saddr[16], daddr[16];	/* IPv4 in the first 4 bytes */
	__u8 proto;			/* IPPROTO_*; TCP when 0 */
	__u8 tos;			/* IPv4 TOS / IPv6 traffic class */
	__u8 ttl;			/* 64 when 0 */

	__u8 ip_opts_len;		/* IPv4 options, padded to 4 bytes */
	__u8 ip_opts[40];
	__u16 frag_off;			/* IPv4: offset in 8-byte units */
	__u32 ip_id;			/* IPv4 id / IPv6 identification; 0: a fixed one */
	__u8 mf, df;			/* IPv4 flags */

	__u8 next;			/* IPv6 extension headers in order */
	struct pkt_ext ext[PKT_MAX_EXT];

	__u16 sport, dport;		/* TCP/UDP ports, host order */
	__u32 seq, ack;
	__u8 flags;			/* TH_* */
	__u16 win;
	__u8 tcp_opts_len;		/* padded with EOL to 4 bytes */
	__u8 tcp_opts[40];

	__u16 payload_len;		/* L4 payload (or raw payload for family 0) */
	const __u8 *payload;		/* NULL: a counting pattern */
};

/* A built frame and where its headers start (0 when absent). */
struct pkt {
	__u8 buf[PKT_MAX];
	__u32 len;
	__u32 vlan_off[PKT_MAX_VLAN];
	__u32 l3_off;
	__u32 ext_off[PKT_MAX_EXT];
	__u32 l4_off;			/* TCP/UDP/ICMP header; 0 for later fragments */
	__u32 data_off;			/* payload */
	__u32 ip_len;			/* IPv4 tot_len / IPv6 40 + payload_len */
};

/* Fill a spec with addresses (text, via inet_pton) and ports; TCP, no flags. */
void pkt_spec_v4(struct pkt_spec *s, const char *src, const char *dst,
		 __u16 sport, __u16 dport);
void pkt_spec_v6(struct pkt_spec *s, const char *src, const char *dst,
		 __u16 sport, __u16 dport);
/* An ARP request for tip from sip (family 0, ethertype ARP). */
void pkt_spec_arp(struct pkt_spec *s, const char *sip, const char *tip);

/* Swap source and destination (MACs, addresses, ports): the reply direction. */
void pkt_spec_reverse(struct pkt_spec *s);

/* VLAN tags: outer first. */
void pkt_spec_vlans(struct pkt_spec *s, int n, const __u16 *ids);
/* IPv6 extension header chain. */
void pkt_spec_add_ext(struct pkt_spec *s, __u8 type, __u8 hlen);
void pkt_spec_add_frag(struct pkt_spec *s, __u16 off, int mf);

/* TCP options, appended in call order. */
void pkt_opt_nop(struct pkt_spec *s);
void pkt_opt_mss(struct pkt_spec *s, __u16 mss);
void pkt_opt_wscale(struct pkt_spec *s, __u8 shift);
void pkt_opt_sackperm(struct pkt_spec *s);
void pkt_opt_ts(struct pkt_spec *s, __u32 tsval, __u32 tsecr);
void pkt_opt_raw(struct pkt_spec *s, const __u8 *bytes, int n);
/* A Linux-like SYN option block: MSS, SACK-perm, TS, NOP, wscale. */
void pkt_opts_linux_syn(struct pkt_spec *s, __u16 mss, __u8 wscale);
void pkt_opts_clear(struct pkt_spec *s);

/* Build the frame; returns its length, or -1 when the spec does not fit. */
int pkt_build(struct pkt *p, const struct pkt_spec *s);

/* Mutations for the malformed cases (no checksum fix-up: nobody checks). */
void pkt_truncate(struct pkt *p, __u32 len);
void pkt_set_u8(struct pkt *p, __u32 off, __u8 v);
void pkt_set_be16(struct pkt *p, __u32 off, __u16 v);
void pkt_ip_set_version(struct pkt *p, __u8 version);
void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl);		/* 32-bit words */
void pkt_ipv4_set_tot_len(struct pkt *p, __u16 len);
void pkt_ipv6_set_plen(struct pkt *p, __u16 len);
void pkt_tcp_set_doff(struct pkt *p, __u8 doff);	/* 32-bit words */
void pkt_tcp_set_flags(struct pkt *p, __u8 flags);

/*
 * An IPv6 SYN fd00::1 -> fd00::2 behind a Routing header of type rt_type,
 * segments left 1, its one address (the final destination, RFC 8200 8.1)
 * fd00::9; the TCP checksum over the pseudo-header with destination
 * csum_dst (the final address: right; the header's dst: wrong).  0, or -1.
 */
int pkt_v6_routed_syn(struct pkt *p, __u8 rt_type, const char *csum_dst, __u16 sport,
		      __u16 dport);

/* Internet checksum helpers (exported for the tests of the builder). */
__u16 pkt_csum(const void *data, size_t len, __u32 sum);
void pkt_tcp_fix_csum(struct pkt *p);	/* after a cut or an edit */
void pkt_tcp_bad_csum(struct pkt *p);	/* one bit of the checksum flipped */

#endif /* XDPCT_TEST_PKT_H */
