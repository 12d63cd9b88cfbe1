/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Expiry: a BPF timer walks the flow table every cfg.sweep_ns, so an
 * attached instance expires flows with no xdpct process running.  The same
 * walk is an XDP program (xdpct_sweep) that `replay` runs at capture time.
 * The rule itself (when a flow goes) is xdpct/expiry.h, shared with
 * userspace.
 */
#ifndef XDPCT_SWEEP_H
#define XDPCT_SWEEP_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/expiry.h"
#include "cfg.h"
#include "fsm_state.h"
#include "maps.h"
#include "events.h"
#include "table.h"
#include "hazard.h"

struct sweep_ctx {
	__u64 now;
	struct xdpct_stats *st;
};

/* One entry of family's table; k is that table's key, len bytes. */
static __always_inline long sweep_one(const void *k, __u32 len, __u8 family,
				      struct xdpct_flow *f, struct sweep_ctx *c)
{
	struct xdpct_fsm_out out = {};
	struct xdpct_stats *st = c->st;
	struct xdpct_flow_key key;
	struct xdpct_snap sn;
	__u8 reason = 0;
	int act;

	if (!st)
		return 1;
	/*
	 * k points into the element: once deleted it can be reused for
	 * another key at once (table.h), so the delete and the events use a
	 * copy, taken before the decision and checked against the entry's tag
	 * under the lock (an element reused under the walk is not ours).
	 */
	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memcpy(&key, k, len);		/* the table's key: a prefix */
	key.family = family;
	bpf_spin_lock(&f->lock);
	if (f->tag != flow_tag(&key)) {
		/* another CPU is deleting it, or it is another key's (table.h) */
		bpf_spin_unlock(&f->lock);
		return 0;
	}
	act = xdpct_expiry(f, c->now, &cfg, &reason);
	if (act == XDPCT_TW_DONE)
		fsm_close_both(f, &out, c->now);
	if (act == XDPCT_DELETE)
		flow_mark_dying(f, &sn);	/* decided here, under the lock */
	else
		take_snap(f, &sn);
	bpf_spin_unlock(&f->lock);

	if (out.closed)
		st->c[XDPCT_STAT_FLOWS_CLOSED]++;
	emit_transitions(&key, &sn, &out, 0, c->now, st);
	if (act == XDPCT_DELETE) {
		/* no lock-free write is still landing (hazard.h): final figures */
		xdpct_hazard_wait(flow_tag(&key), st);
		take_snap(f, &sn);
		/* ours alone to delete (the mark): this entry and no other */
		if (!table_delete(&key))
			flow_bin_sub(&key);
		st->c[XDPCT_STAT_FLOWS_EXPIRED]++;
		emit_expired(&key, &sn, reason, c->now, st);
	}
	return 0;
}

static long sweep_one4(struct bpf_map *map, struct xdpct_flow_key4 *k,
		       struct xdpct_flow *f, struct sweep_ctx *c)
{
	return sweep_one(k, sizeof(*k), 4, f, c);
}

static long sweep_one6(struct bpf_map *map, struct xdpct_flow_key6 *k,
		       struct xdpct_flow *f, struct sweep_ctx *c)
{
	return sweep_one(k, sizeof(*k), 6, f, c);
}

/* One walk over both tables at time now. */
static __always_inline void sweep_all(__u64 now)
{
	struct sweep_ctx c = { .now = now };
	__u32 zero = 0;

	c.st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (!c.st)
		return;
	c.st->c[XDPCT_STAT_SWEEPS]++;
	bpf_for_each_map_elem(&xdpct_flows, sweep_one4, &c, 0);
	bpf_for_each_map_elem(&xdpct_flows6, sweep_one6, &c, 0);
}

static int sweep_timer_cb(void *map, __u32 *key, struct xdpct_sweeper *sw)
{
	__u64 now = clock_ns();

	sweep_all(now);
	sw->last_ns = now;
	sw->runs++;
	bpf_timer_start(&sw->timer, cfg.sweep_ns, 0);
	return 0;
}

/* Start the sweep timer (xdpct_arm, once per load).  0 or -1. */
static __always_inline int sweep_arm(void)
{
	struct xdpct_sweeper *sw;
	__u32 zero = 0;

	sw = bpf_map_lookup_elem(&xdpct_sweeper, &zero);
	if (!sw)
		return -1;
	/* -EBUSY: already initialised, start() below re-arms it */
	bpf_timer_init(&sw->timer, &xdpct_sweeper, 1 /* CLOCK_MONOTONIC */);
	if (bpf_timer_set_callback(&sw->timer, sweep_timer_cb))
		return -1;
	if (bpf_timer_start(&sw->timer, cfg.sweep_ns, 0))
		return -1;
	return 0;
}

#endif /* XDPCT_SWEEP_H */
