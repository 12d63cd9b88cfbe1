// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the datapath as the benchmark runs it.
 *
 * This is bpf/xdpct.bpf.c itself (same source, same compiler and flags, so
 * xdpct_xdp here is the production program) plus two entry points that run
 * the very same per-frame function, xdpct_handle_xdp() (bpf/lib/handle.h):
 *
 *   xdpct_drop   tracks, then drops: xdpct's own cost against the
 *                parse-and-drop ceiling, without the kernel's receive path
 *                that XDP_PASS hands the packet to.
 *   xdpct_micro  for BPF_PROG_TEST_RUN micro-costs: rewrites the frame
 *                before tracking it, so one repeated test run visits many
 *                flows (a new flow each run: the insert path; or N
 *                pre-populated flows in turn: lookups at scale).
 *                Or (VARY_SYN) put the SYN back that the last run turned
 *                into its SYN-ACK: the cost of one cookie answer.
 *   micro_base   the rewrite alone, subtracted from xdpct_micro's figure.
 *   lookup       the `lookup` baseline, the floor of any tracker: the
 *                ceiling's header walk (hdr_parse.h), xdpct's key
 *                (flow_key(), bpf/lib/table.h), one bpf_map_lookup_elem in
 *                bench_lookup_flows or, for IPv6, bench_lookup_flows6
 *                (hashes made as xdpct_flows and xdpct_flows6: the same
 *                keys, capacity, value size and flags; filled with the
 *                same flows), one write to the value found, and
 *                xdpct_drop's verdict.
 *
 * bench_stage (.rodata, enum bench_stage in gen.h) cuts the datapath short
 * for `micro`'s breakdown; 0 everywhere else, where the verifier drops the
 * checks.
 *
 * (Wrapping the skeleton's own xdpct_xdp with freplace would need
 * BPF_PROG_TYPE_EXT, which this kernel refuses to load.)
 */
#include "vmlinux.h"
#include "gen.h"

const volatile __u32 bench_stage = BENCH_STAGE_ALL;
#define XDPCT_BENCH_STOP(s) (bench_stage == BENCH_STAGE_##s)

#include "xdpct.bpf.c"
#include "hdr_parse.h"

enum { VARY_NONE, VARY_NEW_FLOW, VARY_WALK, VARY_SYN };

volatile __u32 vary;		/* VARY_* */
volatile __u32 vary_n;		/* VARY_WALK: flows 0..vary_n-1 */
volatile __u32 vary_client_net;	/* as the generator's cfg */
volatile __u32 vary_isn_salt;
volatile __u64 vary_cnt;
__u64 vary_syn[GEN_FRAME_LEN / 8 + 1];	/* VARY_SYN: the frame, as first given */

SEC("xdp")
int xdpct_drop(struct xdp_md *ctx)
{
	xdpct_handle_xdp(ctx);
	return XDP_DROP;
}

/* Frame: Ethernet, IPv4 without options, TCP; client -> server. */
static __always_inline void rewrite(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	__u64 c = vary_cnt++;
	__u32 i;

	__be32 old[4], new[4];
	__s64 d;

	if (vary == VARY_SYN) {
		/* back to the SYN's length (GEN_SYN_LEN), then the SYN's bytes */
		int d = GEN_SYN_LEN - (int)((long)ctx->data_end - (long)ctx->data);

		if (d && bpf_xdp_adjust_tail(ctx, d))
			return;
		bpf_xdp_store_bytes(ctx, 0, vary_syn, GEN_SYN_LEN);
		return;
	}
	if ((void *)(p + 54) > (void *)(long)ctx->data_end)
		return;
	/* the words rewritten: address, ports, seq, ack (TCP checksum kept right) */
	old[0] = *(__u32 *)(p + 26);
	old[1] = *(__u32 *)(p + 34);
	old[2] = *(__u32 *)(p + 38);
	old[3] = *(__u32 *)(p + 42);
	if (vary == VARY_NEW_FLOW) {
		*(__u32 *)(p + 26) = bpf_htonl((10u << 24 | 128u << 16) + (__u32)c);
	} else {
		i = vary_n ? c % vary_n : 0;
		*(__u32 *)(p + 26) = bpf_htonl(gen_client_addr(vary_client_net, i));
		*(__u16 *)(p + 34) = bpf_htons(gen_client_port(i));
		*(__u32 *)(p + 38) = bpf_htonl(gen_cisn(vary_isn_salt, i) + 1);
		*(__u32 *)(p + 42) = bpf_htonl(gen_sisn(vary_isn_salt, i) + 1);
	}
	new[0] = *(__u32 *)(p + 26);
	new[1] = *(__u32 *)(p + 34);
	new[2] = *(__u32 *)(p + 38);
	new[3] = *(__u32 *)(p + 42);
	d = bpf_csum_diff(old, sizeof(old), new, sizeof(new),
			  (__u16)~*(__u16 *)(p + 50));
	if (d >= 0)
		*(__u16 *)(p + 50) = csum_fold((__u32)d);
}

SEC("xdp")
int xdpct_micro(struct xdp_md *ctx)
{
	if (vary)
		rewrite(ctx);
	return xdpct_handle_xdp(ctx);
}

SEC("xdp")
int micro_base(struct xdp_md *ctx)
{
	if (vary)
		rewrite(ctx);
	return XDP_PASS;
}

/* ---- the lookup baseline ------------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);		/* set at load: xdpct_flows' */
	__type(key, struct xdpct_flow_key4);
	__type(value, struct xdpct_flow);
} bench_lookup_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);		/* set at load: xdpct_flows6' */
	__type(key, struct xdpct_flow_key6);
	__type(value, struct xdpct_flow);
} bench_lookup_flows6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} bench_lookup_stats SEC(".maps");

SEC("xdp")
int lookup(struct xdp_md *ctx)
{
	struct xdpct_flow_key k;
	struct pkt_meta m = {};
	struct xdpct_flow *f;
	__u32 zero = 0;
	__u64 *cnt;
	__u8 d;

	cnt = bpf_map_lookup_elem(&bench_lookup_stats, &zero);
	if (!cnt)
		return XDP_DROP;
	(*cnt)++;
	if (hdr_parse(ctx, &m) != C_TCP)
		return XDP_DROP;
	d = flow_key(&k, &m);
	/* as table_lookup() (bpf/lib/maps.h) */
	if (k.family == 4) {
		f = bpf_map_lookup_elem(&bench_lookup_flows, &k);
		XDPCT_KEEP_CALL(f);	/* inlined, as xdpct's */
	} else {
		f = bpf_map_lookup_elem(&bench_lookup_flows6, &k);
	}
	if (f)
		f->pkts[d & 1]++;	/* the value's cache line, written */
	return XDP_DROP;
}
