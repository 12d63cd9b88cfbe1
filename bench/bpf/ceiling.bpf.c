// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Benchmark baselines on the receiving veth.
 *
 *   ceiling     parses the headers xdpct parses (hdr_parse.h: Ethernet,
 *               two VLAN tags, IPv4 with options and fragments, IPv6
 *               extension headers, TCP header and flags), counts the
 *               outcome and drops: the most packets this machine's path
 *               can carry through XDP.
 *   count_pass  counts and passes: the receiver of the "kernel" baselines,
 *               where nf_conntrack, SYN cookies or SYNPROXY do the work.
 *               (A veth only takes XDP frames at speed with a program on it.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "hdr_parse.h"

struct ceiling_stats {
	__u64 c[C_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ceiling_stats);
} ceiling_stats SEC(".maps");

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
	r = hdr_parse(ctx, NULL);
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
