/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The baselines' header walk (ceiling.bpf.c, and the `lookup` baseline in
 * xdpct_bench.bpf.c): Ethernet, two VLAN tags, IPv4 with options and
 * fragments, IPv6 extension headers, TCP header and flags, as the datapath
 * parses them, but with nothing kept beyond what a baseline needs.
 *
 * With m NULL (the ceiling) nothing is recorded and the compiler drops the
 * stores; with m, the fields flow_key() (bpf/lib/table.h) reads: family,
 * VLAN ids, addresses, ports.
 */
#ifndef XDPCT_BENCH_HDR_PARSE_H
#define XDPCT_BENCH_HDR_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/tcp.h"
#include "lib/parse.h"

enum {
	C_PACKETS,
	C_TCP,
	C_NON_TCP,
	C_INVALID,
	C_FRAG,
	C_MAX,
};

/* Stop on a malformed TCP flag byte as nf_conntrack does: SYN with RST/FIN, no ACK. */
static __always_inline int hdr_flags_ok(__u8 f)
{
	f &= TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_PSH | TCPF_ACK | TCPF_URG;
	if (f & TCPF_SYN)
		return !(f & (TCPF_FIN | TCPF_RST));
	if (f & TCPF_RST)
		return !(f & TCPF_FIN);
	return !!(f & TCPF_ACK);
}

static __always_inline int hdr_tcp(__u8 *th, void *end, __u32 l4_len, struct pkt_meta *m)
{
	__u32 doff;

	if ((void *)(th + 20) > end || l4_len < 20)
		return C_INVALID;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || doff > l4_len || (void *)(th + doff) > end)
		return C_INVALID;
	if (!hdr_flags_ok(th[13]))
		return C_INVALID;
	if (m) {
		m->sport = bpf_ntohs(*(__u16 *)th);
		m->dport = bpf_ntohs(*(__u16 *)(th + 2));
		m->flags = th[13];
	}
	return C_TCP;
}

/* C_TCP, C_NON_TCP, C_FRAG or C_INVALID; m (may be NULL) zeroed by the caller. */
static __always_inline int hdr_parse(struct xdp_md *ctx, struct pkt_meta *m)
{
	__u8 *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = 14, room;
	__u16 proto;
	int i;

	if ((void *)(data + 14) > end)
		return C_INVALID;
	proto = *(__u16 *)(data + 12);
#pragma unroll
	for (i = 0; i < 2; i++) {
		if (proto != bpf_htons(0x8100) && proto != bpf_htons(0x88a8))
			break;
		if ((void *)(data + off + 4) > end)
			return C_INVALID;
		if (m)
			m->vlan[i] = bpf_ntohs(*(__u16 *)(data + off)) & 0x0fff;
		proto = *(__u16 *)(data + off + 2);
		off += 4;
	}
	room = end - (void *)data - off;
	if (proto == bpf_htons(0x0800)) {
		struct iphdr *ip = (void *)(data + off);
		__u32 ihl, tot;

		if ((void *)(ip + 1) > end || (*(__u8 *)ip >> 4) != 4)
			return C_INVALID;
		ihl = (*(__u8 *)ip & 0x0f) * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (ihl < 20 || tot < ihl || tot > room)
			return C_INVALID;
		if (ip->protocol != 6)
			return C_NON_TCP;
		if (bpf_ntohs(ip->frag_off) & 0x1fff)
			return C_FRAG;
		if (ihl > 60)
			return C_INVALID;
		if (m) {
			m->family = 4;
			m->saddr[0] = ip->saddr;
			m->daddr[0] = ip->daddr;
		}
		return hdr_tcp(data + off + ihl, end, tot - ihl, m);
	}
	if (proto == bpf_htons(0x86dd)) {
		struct ipv6hdr *ip6 = (void *)(data + off);
		__u32 plen, l4 = off + 40;
		__u8 nh;

		if ((void *)(ip6 + 1) > end || (*(__u8 *)ip6 >> 4) != 6)
			return C_INVALID;
		plen = bpf_ntohs(ip6->payload_len);
		if (40 + plen > room)
			return C_INVALID;
		nh = ip6->nexthdr;
		for (i = 0; i < 8; i++) {
			__u8 *h;

			if (nh == 6)
				break;
			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				return C_NON_TCP;
			if (l4 > 512)
				return C_INVALID;
			h = data + l4;
			if ((void *)(h + 8) > end)
				return C_INVALID;
			if (nh == 44 && ((h[2] << 8 | h[3]) & 0xfff8))
				return C_FRAG;
			l4 += nh == 44 ? 8 : (h[1] + 1) * 8;
			nh = h[0];
		}
		if (nh != 6 || l4 > 512 || l4 - off - 40 > plen)
			return C_INVALID;
		if (m) {
			m->family = 6;
			__builtin_memcpy(m->saddr, &ip6->saddr, 16);
			__builtin_memcpy(m->daddr, &ip6->daddr, 16);
		}
		return hdr_tcp(data + l4, end, plen - (l4 - off - 40), m);
	}
	return C_NON_TCP;
}

#endif /* XDPCT_BENCH_HDR_PARSE_H */
