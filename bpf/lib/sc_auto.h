/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, auto mode: each SYN to a protected port adds to its
 * counter; a BPF timer turns the counters into rates every
 * XDPCT_SC_WINDOW_NS and switches the port's cookies on and off
 * (XDPCT_EV_MODE event, sc_mode_switch counter).  In "always" mode cookies
 * are simply on.
 */
#ifndef XDPCT_SC_AUTO_H
#define XDPCT_SC_AUTO_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/cookie.h"
#include "xdpct/event.h"
#include "xdpct/stats.h"
#include "cfg.h"
#include "maps.h"
#include "events.h"

/*
 * One entry per protected port, all inserted by the loader (preallocated;
 * the datapath never inserts, so a flood cannot grow it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);			/* set at load: protected ports */
	__type(key, __u32);
	__type(value, struct xdpct_sc_port);
} xdpct_sc_state SEC(".maps");

struct xdpct_sc_clock {
	struct bpf_timer timer;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_clock);
} xdpct_sc_timer SEC(".maps");

/* Are cookies answered on this port now?  count: one more SYN for the rate. */
static __always_inline int sc_cookies_on(__u16 port, int count)
{
	struct xdpct_sc_port *ps;
	__u32 k = port;

	if (cfg.sc_mode == XDPCT_SC_ALWAYS)
		return 1;
	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	ps = bpf_map_lookup_elem(&xdpct_sc_state, &k);
	if (!ps)
		return 1;		/* protected without state: the safe side */
	if (count)
		__sync_fetch_and_add(&ps->syns, 1);
	return ps->on;
}

struct sc_eval_ctx {
	__u64 now;
	struct xdpct_stats *st;
};

static __always_inline void sc_emit_mode(__u16 port, __u8 on, __u64 rate, __u64 now,
					 struct xdpct_stats *st)
{
	struct xdpct_event *e;

	st->c[XDPCT_STAT_SC_MODE_SWITCH]++;
	e = bpf_ringbuf_reserve(&xdpct_events, sizeof(*e), 0);
	if (!e) {
		st->c[XDPCT_STAT_EVENTS_LOST]++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->type = XDPCT_EV_MODE;
	e->reason = on;
	e->server_port = port;
	e->packets[0] = rate;
	bpf_ringbuf_submit(e, rb_submit_flags());
	st->c[XDPCT_STAT_EVENTS]++;
}

/*
 * One port's window: its rate, and the switch.  On at the threshold; off
 * only after XDPCT_SC_CALM_WINDOWS windows below half of it, so a rate
 * hovering near the threshold does not flap.
 */
static long sc_eval_port(struct bpf_map *map, __u32 *port, struct xdpct_sc_port *ps,
			 struct sc_eval_ctx *c)
{
	__u64 syns = ps->syns, rate = 0;

	if (!c->st)
		return 1;
	if (ps->last_ns && c->now > ps->last_ns)
		rate = (syns - ps->last_syns) * XDPCT_NSEC_PER_SEC / (c->now - ps->last_ns);
	ps->last_syns = syns;
	ps->last_ns = c->now;
	ps->rate = rate;
	if (!ps->on) {
		if (rate >= cfg.sc_threshold) {
			ps->on = 1;
			ps->calm = 0;
			sc_emit_mode(*port, 1, rate, c->now, c->st);
		}
	} else if (rate * 2 < cfg.sc_threshold) {
		if (++ps->calm >= XDPCT_SC_CALM_WINDOWS) {
			ps->on = 0;
			ps->calm = 0;
			sc_emit_mode(*port, 0, rate, c->now, c->st);
		}
	} else {
		ps->calm = 0;
	}
	return 0;
}

/* One evaluation of every port at time now (the timer; xdpct_sc_tick). */
static __always_inline void sc_eval_all(__u64 now)
{
	struct sc_eval_ctx c = { .now = now };
	__u32 zero = 0;

	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return;
	c.st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (c.st)
		bpf_for_each_map_elem(&xdpct_sc_state, sc_eval_port, &c, 0);
}

static int sc_timer_cb(void *map, __u32 *key, struct xdpct_sc_clock *t)
{
	sc_eval_all(clock_ns());
	t->runs++;
	bpf_timer_start(&t->timer, XDPCT_SC_WINDOW_NS, 0);
	return 0;
}

/* Start the rate timer (auto mode; xdpct_arm, once per load).  0 or -1. */
static __always_inline int sc_arm(void)
{
	struct xdpct_sc_clock *t;
	__u32 zero = 0;

	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	t = bpf_map_lookup_elem(&xdpct_sc_timer, &zero);
	if (!t)
		return -1;
	bpf_timer_init(&t->timer, &xdpct_sc_timer, 1 /* CLOCK_MONOTONIC */);
	if (bpf_timer_set_callback(&t->timer, sc_timer_cb))
		return -1;
	if (bpf_timer_start(&t->timer, XDPCT_SC_WINDOW_NS, 0))
		return -1;
	return 0;
}

#endif /* XDPCT_SC_AUTO_H */
