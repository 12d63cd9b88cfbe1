/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The end-of-connection histograms (xdpct/hist.h), filled where a
 * connection's end is already reported: a transition that leaves both
 * endpoints CLOSED/TIME_WAIT (the rule `watch` uses for its "closed"
 * line), or an expiry/eviction of a flow that had not closed.  Never on a
 * segment that changes no state: the established path does not get here.
 */
#ifndef XDPCT_BPF_HIST_H
#define XDPCT_BPF_HIST_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"
#include "xdpct/hist.h"
#include "fsm_state.h"
#include "work.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDPCT_END_MAX);
	__type(key, __u32);
	__type(value, struct xdpct_hist_set);
} xdpct_hist SEC(".maps");

static __always_inline void hist_add(struct xdpct_hist *h, __u64 v)
{
	h->count++;
	h->sum_ns += v;
	h->bucket[xdpct_hist_bucket(v) & (XDPCT_HIST_BUCKETS - 1)]++;
}

/* How the connection in sn ended, by the rule watch prints it with. */
static __always_inline __u8 hist_end_of(const struct xdpct_snap *sn)
{
	if (!sn->est_ns)
		return XDPCT_END_REFUSED;
	return sn->flags & XDPCT_F_RESET ? XDPCT_END_RESET : XDPCT_END_CLOSED;
}

/*
 * The map's keys as constants in .rodata: a key taken from there needs no
 * stack, and the packet path's frames are at the verifier's 512-byte
 * limit (xdpct_tc -> xdpct_track_tc -> xdpct_report, clang-14).
 */
static const __u32 hist_keys[XDPCT_END_MAX] = {
	XDPCT_END_NONE, XDPCT_END_CLOSED, XDPCT_END_RESET, XDPCT_END_REFUSED, XDPCT_END_EXPIRED,
};

/* A connection ended at now: its three figures. */
static __always_inline void hist_end(const struct xdpct_snap *sn, __u8 end, __u64 now)
{
	struct xdpct_hist_set *hs;

	if (end == XDPCT_END_NONE || end >= XDPCT_END_MAX)
		return;
	hs = bpf_map_lookup_elem(&xdpct_hist, &hist_keys[end]);
	if (!hs)
		return;
	if (sn->syn_ns && sn->synack_ns > sn->syn_ns)
		hist_add(&hs->h[XDPCT_H_SYN_SYNACK], sn->synack_ns - sn->syn_ns);
	if (sn->synack_ns && sn->est_ns > sn->synack_ns)
		hist_add(&hs->h[XDPCT_H_SYNACK_ACK], sn->est_ns - sn->synack_ns);
	if (now > sn->first_seen_ns)
		hist_add(&hs->h[XDPCT_H_LIFETIME], now - sn->first_seen_ns);
}

/*
 * The end a run of transitions makes, or NONE: the last one leaves both
 * endpoints CLOSED or TIME_WAIT and does not come from TIME_WAIT (TIME_WAIT
 * running out ends nothing new).
 */
static __always_inline __u8 hist_transitions_end(const struct xdpct_snap *sn,
						 const struct xdpct_fsm_out *o)
{
	__u8 n = o->n, to, from;

	if (!n || n > XDPCT_MAX_TRANS)
		return XDPCT_END_NONE;
	to = o->t[(n - 1) & (XDPCT_MAX_TRANS - 1)].to;
	from = o->t[(n - 1) & (XDPCT_MAX_TRANS - 1)].from;
	if (!is_closed_or_tw(to) || from == XDPCT_S_TIME_WAIT ||
	    !is_closed_or_tw(sn->state[0]) || !is_closed_or_tw(sn->state[1]))
		return XDPCT_END_NONE;
	return hist_end_of(sn);
}

#endif /* XDPCT_BPF_HIST_H */
