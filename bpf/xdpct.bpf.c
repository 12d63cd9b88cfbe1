// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct datapath: the entry points.  Per packet (lib/handle.h, lib/track.h):
 *
 *   parse -> count -> SYN options -> [offloader's decision] -> flow lookup
 *         -> state machine under the entry's lock, or a new entry -> report
 *
 *   xdpct_xdp     XDP ingress (the production program; replay runs it too)
 *   xdpct_tc      TC egress: the same pipeline for a host's own packets
 *   xdpct_sweep   expiry sweep, run by the timer and by `replay`
 *   xdpct_arm     starts the timers (run once by the loader)
 *   xdpct_sc_tc   TC ingress: cookie ACKs become request sockets (reqsk)
 *   xdpct_sc_tick one auto-mode rate evaluation, for tests and `replay`
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/cfg.h"
#include "lib/maps.h"
#include "lib/handle.h"
#include "lib/sweep.h"
#include "lib/sc_auto.h"
#include "lib/sc_reqsk.h"

/*
 * xdpct commands find an instance from its XDP program's map ids; maps only
 * the helper programs use must be referenced here too, or they would not be
 * listed (nor kept alive by the attachment).  The branch is never taken.
 */
static __always_inline void reference_maps(void)
{
	__u32 zero = 0;

	if (cfg.replay_clock > 1) {
		bpf_map_lookup_elem(&xdpct_ifaces, &zero);
		bpf_map_lookup_elem(&xdpct_sweeper, &zero);
	}
}

SEC("xdp")
int xdpct_xdp(struct xdp_md *ctx)
{
	reference_maps();
	return xdpct_handle_xdp(ctx);
}

SEC("tc")
int xdpct_tc(struct __sk_buff *skb)
{
	return xdpct_handle_tc(skb);
}

SEC("xdp")
int xdpct_sweep(struct xdp_md *ctx)
{
	sweep_all(clock_ns());
	return XDP_PASS;
}

SEC("xdp")
int xdpct_arm(struct xdp_md *ctx)
{
	if (sweep_arm() || sc_arm())
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("tc")
int xdpct_sc_tc(struct __sk_buff *skb)
{
	/* an observer: never decides a packet's fate, other filters still run */
	if (cfg.sc_mode != XDPCT_SC_OFF && cfg.sc_completion == XDPCT_SC_REQSK)
		xdpct_sc_reqsk(skb);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int xdpct_sc_tick(struct xdp_md *ctx)
{
	sc_eval_all(clock_ns());
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
