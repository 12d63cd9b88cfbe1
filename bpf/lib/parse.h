/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parser: Ethernet, up to two VLAN tags, IPv4 (options, fragments),
 * IPv6 (extension header chain), TCP (header and flags; where a SYN's
 * options are, for tcp_opts.h).
 *
 * One bounds-checked step per header, in packet order.  Works on any
 * [data, data_end) window, so XDP and TC share it.
 */
#ifndef XDPCT_PARSE_H
#define XDPCT_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpct/stats.h"
#include "tcp.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define IPPROTO_TCP_	6

#define XDPCT_MAX_VLAN		2
#define XDPCT_MAX_IPV6_EXT	8	/* extension headers walked before giving up */

enum parse_result {
	PARSE_TCP = 0,
	PARSE_NON_TCP,
	PARSE_FRAG_LATER,
	PARSE_INVALID,		/* pkt->invalid holds the XDPCT_STAT_INV_* */
};

/* What the parser found, as plain values (no packet pointers). */
struct pkt_meta {
	__u32 pkt_len;		/* bytes from the Ethernet header to the end */
	__u32 ip_bytes;		/* IP datagram length (header + payload) */
	__u32 payload;		/* TCP payload bytes in this packet */
	__u32 saddr[4];
	__u32 daddr[4];
	__u16 vlan[XDPCT_MAX_VLAN];
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u8 family;
	__u8 frag_first;	/* 1: first fragment; 2: IPv6 atomic fragment
				 * (offset 0, M=0: RFC 6946, no fragment) */
	__u8 invalid;
	__u8 flags;		/* TCP flags byte */
	__u32 seq, ack;		/* host byte order */
	__u32 win;
	__u32 opt_off;		/* TCP options of a SYN: offset from data */
	__u32 opt_len;		/* and length (0: none) */
	__u32 l4_off;		/* TCP header offset from data */
	__u32 l4_len;		/* TCP header + payload bytes (checksummed, csum.h) */
	/* IP fragments (frag.h): frag_first is a first fragment (offset 0,
	 * more to come); a later one has PARSE_FRAG_LATER, payload its bytes */
	__u32 frag_id;		/* IPv4 id or IPv6 identification */
	__u16 frag_off;		/* bytes into the fragmentable part */
	__u16 frag_l4_skip;	/* first fragment: its bytes before the TCP header */
	__u8 frag_more;		/* more fragments follow */
	__u8 frag_tcp;		/* a later fragment of TCP (IPv6: next header) */
	__u8 frag_later;	/* a later fragment, as a segment (frag.h) */
	/*
	 * IPv6 Routing header with segments left (RFC 8200 8.1: the TCP
	 * pseudo-header's destination is then the final one, csum.h):
	 * RT_FINAL_AT, the final address is 16 bytes at rt_off from data;
	 * RT_FINAL_UNKNOWN, a routing type whose final address is not parsed
	 * here (the checksum cannot be told).  0: none, the header's dst.
	 */
	__u8 rt_final;
	__u16 rt_off;
	__u16 rt_pad;
	__u32 slot;		/* launder() scratch when pkt_meta is in a map */
};

struct pkt {
	void *data;
	void *data_end;
	volatile __u32 *slot;	/* see launder() */
	struct pkt_meta m;
};

static __always_inline int parse_invalid(struct pkt *p, __u8 reason)
{
	p->m.invalid = reason;
	return PARSE_INVALID;
}

/*
 * nf_conntrack's table of acceptable flag combinations (tcp_valid_flags[]),
 * PSH, ECE and CWR aside: S, S|U, S|A, R, R|A, F|A, F|A|U, A, A|U.
 */
static __always_inline int tcp_flags_valid(__u8 f)
{
	f &= TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK | TCPF_URG;
	switch (f) {
	case TCPF_SYN:
	case TCPF_SYN | TCPF_URG:
	case TCPF_SYN | TCPF_ACK:
	case TCPF_RST:
	case TCPF_RST | TCPF_ACK:
	case TCPF_FIN | TCPF_ACK:
	case TCPF_FIN | TCPF_ACK | TCPF_URG:
	case TCPF_ACK:
	case TCPF_ACK | TCPF_URG:
		return 1;
	}
	return 0;
}

/*
 * Offsets between headers pass through memory the verifier does not track
 * (a per-CPU map value) and are re-bounded on the way out.  Every way of
 * reaching a header (0-2 VLAN tags, any IPv4 IHL, any IPv6 extension
 * chain) then looks the same to the verifier, and the next stage is checked
 * once instead of once per combination.
 */
#define XDPCT_MAX_L3_OFF	(14 + 4 * XDPCT_MAX_VLAN)
#define XDPCT_MAX_L4_OFF	512

static __always_inline __u32 launder(volatile __u32 *slot, __u32 v)
{
	*slot = v;
	return *slot;
}

/*
 * Could a segment's options (doff bytes of header) hold a SACK block?  It
 * needs 10 bytes (RFC 2018 3).  The common ACK's 12 are exactly RFC 7323
 * appendix A's NOP, NOP, timestamp: one word read, and no walk.
 */
static __always_inline int tcp_opts_may_sack(const struct tcphdr *th, __u32 doff,
					     const void *data_end)
{
	const __u32 *w = (const void *)(th + 1);

	if ((const void *)(w + 1) > data_end)
		return 0;
	return doff != sizeof(*th) + 12 || bpf_ntohl(*w) != TCPOPT_TS_WORD;
}

static __always_inline int parse_tcp(struct pkt *p, __u32 l4off, __u32 l4_len)
{
	struct tcphdr *th;
	__u32 doff;

	l4off = launder(p->slot, l4off);
	if (l4off > XDPCT_MAX_L4_OFF)
		return parse_invalid(p, XDPCT_STAT_INV_TCP_HDR);
	th = p->data + l4off;
	if ((void *)(th + 1) > p->data_end || l4_len < sizeof(*th))
		return parse_invalid(p, XDPCT_STAT_INV_TCP_HDR);
	/* ports and flags even of a bad segment: a SYN to a port under
	 * handshake offload is dropped rather than passed (sc_synack.h) */
	p->m.flags = ((__u8 *)th)[13];
	p->m.sport = bpf_ntohs(th->source);
	p->m.dport = bpf_ntohs(th->dest);
	doff = th->doff * 4;
	if (doff < sizeof(*th) || doff > l4_len || (void *)th + doff > p->data_end)
		return parse_invalid(p, XDPCT_STAT_INV_TCP_HDR);
	if (!tcp_flags_valid(p->m.flags))
		return parse_invalid(p, XDPCT_STAT_INV_TCP_FLAGS);
	p->m.seq = bpf_ntohl(th->seq);
	p->m.ack = bpf_ntohl(th->ack_seq);
	p->m.win = bpf_ntohs(th->window);
	p->m.payload = l4_len - doff;
	p->m.l4_off = l4off;
	p->m.l4_len = l4_len;
	if ((p->m.flags & (TCPF_SYN | TCPF_FIN)) && doff > sizeof(*th)) {
		/*
		 * copied and walked by the caller, which knows its context:
		 * a SYN's options, and a FIN's timestamp (what a TIME_WAIT
		 * end last saw, for RFC 6191); on the data path only when
		 * the options may hold SACK blocks (below)
		 */
		p->m.opt_off = l4off + sizeof(*th);
		p->m.opt_len = doff - sizeof(*th);
	} else if (doff >= sizeof(*th) + TCPOLEN_SACK_MIN && tcp_opts_may_sack(th, doff, p->data_end)) {
		/* SACK blocks, for the ack checks (fsm_window.h fsm_check_ack()) */
		p->m.opt_off = l4off + sizeof(*th);
		p->m.opt_len = doff - sizeof(*th);
	}
	return PARSE_TCP;
}

static __always_inline int parse_ipv4(struct pkt *p, __u32 l3off)
{
	struct iphdr *ip = p->data + l3off;
	__u32 ihl, tot;
	__u16 frag;

	if ((void *)(ip + 1) > p->data_end)
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	if (ip->version != 4)
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	/* p->m.ip_bytes holds the room left in the frame for the datagram */
	if (ihl < sizeof(*ip) || tot < ihl || (void *)ip + ihl > p->data_end ||
	    tot > p->m.ip_bytes)
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	p->m.family = 4;
	p->m.ip_bytes = tot;
	p->m.saddr[0] = ip->saddr;
	p->m.daddr[0] = ip->daddr;
	if (ip->protocol != IPPROTO_TCP_)
		return PARSE_NON_TCP;
	frag = bpf_ntohs(ip->frag_off);
	p->m.frag_id = bpf_ntohs(ip->id);
	p->m.frag_more = !!(frag & 0x2000);
	if (frag & 0x1fff) {
		p->m.frag_off = (frag & 0x1fff) * 8;
		p->m.frag_tcp = 1;
		p->m.payload = tot - ihl;
		return PARSE_FRAG_LATER;
	}
	if (frag & 0x2000)
		p->m.frag_first = 1;
	return parse_tcp(p, l3off + ihl, tot - ihl);
}

enum { RT_FINAL_AT = 1, RT_FINAL_UNKNOWN = 2 };

/*
 * A Routing header at off (h) with segments left: where its final
 * destination is (RFC 8200 8.1).  Types 0 (RFC 2460, deprecated by RFC
 * 5095 but still parseable) and 2 (RFC 6275): a list of addresses after
 * 8 bytes, the final one last; type 4, the Segment Routing Header (RFC
 * 8754 4.1): Segment List[0], right after 8 bytes, is the final segment.
 * Any other type (3, RPL's compressed list; experimental ones) leaves it
 * unknown: the conservative rule, nothing is verified against a guess.
 */
static __always_inline void ipv6_rt_final(struct pkt *p, const __u8 *h, __u32 off)
{
	__u32 n = h[1] / 2;	/* 16-byte addresses that fit in the header */

	p->m.rt_final = RT_FINAL_UNKNOWN;
	if (!n)
		return;
	if (h[2] == 0 || h[2] == 2) {
		p->m.rt_final = RT_FINAL_AT;
		p->m.rt_off = off + 8 + 16 * ((n - 1) & 127);
	} else if (h[2] == 4) {
		p->m.rt_final = RT_FINAL_AT;
		p->m.rt_off = off + 8;
	}
}

/*
 * One IPv6 extension header at p->m.l4_off (used as the cursor).
 * Returns 1 to go on, 0 when TCP follows, <0 to stop with that result.
 */
static __always_inline int ipv6_ext_step(struct pkt *p, __u8 *nexthdr, __u32 *used,
					 __u32 plen)
{
	__u32 off = launder(p->slot, p->m.l4_off);
	__u8 *h;
	__u32 len;

	if (*nexthdr == IPPROTO_TCP_)
		return 0;
	if (*nexthdr != 0 && *nexthdr != 43 && *nexthdr != 60 &&
	    *nexthdr != 44 && *nexthdr != 51)
		return -PARSE_NON_TCP;	/* incl. 59 no-next, ESP */
	if (off > XDPCT_MAX_L4_OFF)
		return -PARSE_INVALID;
	h = p->data + off;
	if ((void *)(h + 8) > p->data_end)
		return -PARSE_INVALID;
	if (*nexthdr == 44) {		/* fragment */
		__u16 fo = ((__u16)h[2] << 8) | h[3];

		p->m.frag_id = (__u32)h[4] << 24 | (__u32)h[5] << 16 | (__u32)h[6] << 8 | h[7];
		p->m.frag_more = fo & 1;
		if (fo & 0xfff8) {
			p->m.frag_off = fo & 0xfff8;
			p->m.frag_tcp = h[0] == IPPROTO_TCP_;
			p->m.payload = plen - *used - 8;
			return -PARSE_FRAG_LATER;
		}
		/* offset 0 and M=0: an atomic fragment, the whole packet
		 * (RFC 8200 4.5, RFC 6946): not a fragment at all */
		if (fo & 1) {
			p->m.frag_first = 1;
			/* where the fragmentable part starts, for now */
			p->m.frag_l4_skip = *used + 8;
		}
		len = 8;
	} else if (*nexthdr == 51) {	/* AH */
		len = ((__u32)h[1] + 2) * 4;
	} else {			/* hop-by-hop, routing, destination options */
		len = ((__u32)h[1] + 1) * 8;
		if (*nexthdr == 43 && h[3])
			ipv6_rt_final(p, h, off);
	}
	*nexthdr = h[0];
	*used += len;
	if (*used > plen)
		return -PARSE_INVALID;
	p->m.l4_off = off + len;
	return 1;
}

static __always_inline int parse_ipv6(struct pkt *p, __u32 l3off)
{
	struct ipv6hdr *ip6 = p->data + l3off;
	__u32 plen, used = 0;
	__u8 nexthdr;
	int i, r;

	if ((void *)(ip6 + 1) > p->data_end)
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	if (ip6->version != 6)
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	plen = bpf_ntohs(ip6->payload_len);
	if (sizeof(*ip6) + plen > p->m.ip_bytes)	/* ip_bytes: room left */
		return parse_invalid(p, XDPCT_STAT_INV_IP);
	p->m.family = 6;
	p->m.ip_bytes = sizeof(*ip6) + plen;
	__builtin_memcpy(p->m.saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->m.daddr, &ip6->daddr, 16);
	nexthdr = ip6->nexthdr;
	p->m.l4_off = l3off + sizeof(*ip6);

	for (i = 0; i < XDPCT_MAX_IPV6_EXT; i++) {
		r = ipv6_ext_step(p, &nexthdr, &used, plen);
		if (r == 0)
			break;
		if (r == -PARSE_INVALID)
			return parse_invalid(p, XDPCT_STAT_INV_IPV6_EXT);
		if (r < 0)
			return -r;
	}
	if (nexthdr != IPPROTO_TCP_)
		return parse_invalid(p, XDPCT_STAT_INV_IPV6_EXT);
	if (p->m.frag_first)
		p->m.frag_l4_skip = used - p->m.frag_l4_skip;
	return parse_tcp(p, p->m.l4_off, plen - used);
}

/*
 * Parse from the Ethernet header.  pkt_len is the whole frame's length
 * (XDP: data_end - data; TC: skb->len, where data_end may end earlier).
 * slot: a __u32 in a map value, for launder().
 */
static __always_inline int parse_packet(struct pkt *p, void *data, void *data_end,
					__u32 pkt_len, volatile __u32 *slot)
{
	struct ethhdr *eth = data;
	__u32 l3off = sizeof(*eth);
	__u16 proto;
	int i;

	p->data = data;
	p->data_end = data_end;
	p->slot = slot;
	p->m.pkt_len = pkt_len;
	if ((void *)(eth + 1) > data_end)
		return parse_invalid(p, XDPCT_STAT_INV_ETH);
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < XDPCT_MAX_VLAN; i++) {
		struct vlan_hdr *vh = data + l3off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > data_end)
			return parse_invalid(p, XDPCT_STAT_INV_ETH);
		p->m.vlan[i] = bpf_ntohs(vh->h_vlan_TCI) & 0x0fff;
		proto = vh->h_vlan_encapsulated_proto;
		l3off += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return parse_invalid(p, XDPCT_STAT_INV_VLAN_DEPTH);

	l3off = launder(slot, l3off);
	if (l3off > XDPCT_MAX_L3_OFF || l3off > pkt_len)
		return parse_invalid(p, XDPCT_STAT_INV_ETH);
	/* room left for the IP datagram; the IP parsers compare against it */
	p->m.ip_bytes = pkt_len - l3off;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(p, l3off);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(p, l3off);
	return PARSE_NON_TCP;
}

#endif /* XDPCT_PARSE_H */
