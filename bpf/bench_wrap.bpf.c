// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct bench: a frame around the datapath on the receiving veth.
 *
 * xdpct passes what it tracks to the stack, so alone it measures the
 * kernel's receive path as much as itself.  bench_wrap calls xdpct_verdict(),
 * which the benchmark replaces (freplace, BPF_PROG_TYPE_EXT) with xdpct's
 * own XDP program loaded from its skeleton, then returns xdpct's verdict
 * ("xdpct-pass": tracking in front of the kernel's forwarding path) or drops
 * ("xdpct": tracking cost against the parse-and-drop ceiling).  The call
 * costs a few ns; the micro benchmark measures it and subtracts it.
 *
 * For BPF_PROG_TEST_RUN micro-costs the wrapper can rewrite the frame before
 * each run, so one repeated test run visits many flows: a new flow every run
 * (the insert path) or N pre-populated flows in turn (lookups at scale).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "gen.h"

enum { VARY_NONE, VARY_NEW_FLOW, VARY_WALK };

volatile __u32 drop_after;
volatile __u32 vary;		/* VARY_* */
volatile __u32 vary_n;		/* VARY_WALK: flows 0..vary_n-1 */
volatile __u32 client_net;	/* as the generator's cfg */
volatile __u32 isn_salt;
volatile __u64 vary_cnt;

__noinline int xdpct_verdict(struct xdp_md *ctx)
{
	volatile int ret = XDP_PASS;

	if (!ctx)
		return XDP_ABORTED;
	return ret;
}

/* Frame: Ethernet, IPv4 without options, TCP; client -> server. */
static __always_inline void rewrite(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	__u64 c = vary_cnt++;
	__u32 i;

	if ((void *)(p + 54) > (void *)(long)ctx->data_end)
		return;
	if (vary == VARY_NEW_FLOW) {
		*(__u32 *)(p + 26) = bpf_htonl((10u << 24 | 128u << 16) + (__u32)c);
		return;
	}
	i = vary_n ? c % vary_n : 0;
	*(__u32 *)(p + 26) = bpf_htonl(gen_client_addr(client_net, i));
	*(__u16 *)(p + 34) = bpf_htons(gen_client_port(i));
	*(__u32 *)(p + 38) = bpf_htonl(gen_cisn(isn_salt, i) + 1);
	*(__u32 *)(p + 42) = bpf_htonl(gen_sisn(isn_salt, i) + 1);
}

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	int r;

	if (vary)
		rewrite(ctx);
	r = xdpct_verdict(ctx);
	if (drop_after)
		return XDP_DROP;
	return r;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
