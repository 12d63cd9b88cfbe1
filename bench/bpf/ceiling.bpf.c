// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark baselines on the receiving veth.
 *
 *   ceiling     parses the headers xdpct parses (Ethernet, two VLAN tags,
 *               IPv4 with options and fragments, IPv6 extension headers,
 *               TCP header and flags), counts the outcome and drops: the
 *               most packets this machine's path can carry through XDP.
 *   count_pass  counts and passes: the receiver of the "kernel" baselines,
 *               where nf_conntrack, SYN cookies or SYNPROXY do the work.
 *               (A veth only takes XDP frames at speed with a program on it.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/tcp.h"

enum {
	C_PACKETS,
	C_TCP,
	C_NON_TCP,
	C_INVALID,
	C_FRAG,
	C_MAX,
};

struct ceiling_stats {
	__u64 c[C_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ceiling_stats);
} ceiling_stats SEC(".maps");

/* Stop on a malformed TCP flag byte as nf_conntrack does: SYN with RST/FIN, no ACK. */
static __always_inline int flags_ok(__u8 f)
{
	f &= TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_PSH | TCPF_ACK | TCPF_URG;
	if (f & TCPF_SYN)
		return !(f & (TCPF_FIN | TCPF_RST));
	if (f & TCPF_RST)
		return !(f & TCPF_FIN);
	return !!(f & TCPF_ACK);
}

static __always_inline int parse_tcp(__u8 *th, void *end, __u32 l4_len)
{
	__u32 doff;

	if ((void *)(th + 20) > end || l4_len < 20)
		return C_INVALID;
	doff = (th[12] >> 4) * 4;
	if (doff < 20 || doff > l4_len || (void *)(th + doff) > end)
		return C_INVALID;
	if (!flags_ok(th[13]))
		return C_INVALID;
	return C_TCP;
}

static __always_inline int parse(struct xdp_md *ctx)
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
		return parse_tcp(data + off + ihl, end, tot - ihl);
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
		return parse_tcp(data + l4, end, plen - (l4 - off - 40));
	}
	return C_NON_TCP;
}

SEC("xdp")
int ceiling(struct xdp_md *ctx)
{
	struct ceiling_stats *st;
	__u32 zero = 0;
	int r;

	st = bpf_map_lookup_elem(&ceiling_stats, &zero);
	if (!st)
		return XDP_DROP;
	st->c[C_PACKETS]++;
	r = parse(ctx);
	if (r > 0 && r < C_MAX)
		st->c[r]++;
	return XDP_DROP;
}

SEC("xdp")
int count_pass(struct xdp_md *ctx)
{
	struct ceiling_stats *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&ceiling_stats, &zero);
	if (st)
		st->c[C_PACKETS]++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
