/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Building ring-buffer events.  Ring-buffer helpers may not run under a
 * bpf_spin_lock, so the state machine records transitions and the entry's
 * figures are copied (take_snap) before the lock is dropped.
 */
#ifndef XDPCT_EVENTS_H
#define XDPCT_EVENTS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/event.h"
#include "xdpct/stats.h"
#include "maps.h"
#include "hist.h"

static __always_inline void take_snap(const struct xdpct_flow *f, struct xdpct_snap *s)
{
	s->client = f->client & 1;
	s->state[0] = f->state[0];
	s->state[1] = f->state[1];
	s->flags = f->flags;
	s->gen = f->gen;
	s->first_seen_ns = f->first_seen_ns;
	s->last_seen_ns = f->last_seen_ns;
	s->syn_ns = xdpct_flow_syn_ns(f);
	s->synack_ns = xdpct_flow_synack_ns(f);
	s->est_ns = xdpct_flow_est_ns(f);
	s->packets[0] = xdpct_flow_packets(f, 0);
	s->packets[1] = xdpct_flow_packets(f, 1);
	s->bytes[0] = xdpct_flow_bytes(f, 0);
	s->bytes[1] = xdpct_flow_bytes(f, 1);
}

/*
 * Waking the reader costs an interrupt per event (several microseconds).
 * Instead the reader polls on a short timeout and is woken only as the
 * backlog crosses a quarter of the ring, so a burst cannot overrun it
 * between polls; with no reader at all, nothing is woken.
 */
static __always_inline __u64 rb_submit_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&xdpct_events, BPF_RB_AVAIL_DATA);
	__u64 quarter = bpf_ringbuf_query(&xdpct_events, BPF_RB_RING_SIZE) / 4;

	return avail >= quarter && avail < quarter + 2 * sizeof(struct xdpct_event) + 16 ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline struct xdpct_event *
event_start(const struct xdpct_flow_key *k, const struct xdpct_snap *sn, __u8 type,
	    __u64 now, struct xdpct_stats *st)
{
	struct xdpct_event *e;

	e = bpf_ringbuf_reserve(&xdpct_events, sizeof(*e), 0);
	if (!e) {
		st->c[XDPCT_STAT_EVENTS_LOST]++;
		return NULL;
	}
	e->ts_ns = now;
	e->type = type;
	e->family = k->family;
	e->side = 0;
	e->from = 0;
	e->to = 0;
	e->tcp_flags = 0;
	e->flow_flags = sn->flags;
	e->reason = 0;
	e->vlan[0] = k->vlan[0];
	e->vlan[1] = k->vlan[1];
	if (sn->client == 0) {
		xdpct_key_addr(k, 0, e->client_addr);
		xdpct_key_addr(k, 1, e->server_addr);
		e->client_port = k->port[0];
		e->server_port = k->port[1];
		e->packets[0] = sn->packets[0];
		e->packets[1] = sn->packets[1];
		e->bytes[0] = sn->bytes[0];
		e->bytes[1] = sn->bytes[1];
	} else {
		xdpct_key_addr(k, 1, e->client_addr);
		xdpct_key_addr(k, 0, e->server_addr);
		e->client_port = k->port[1];
		e->server_port = k->port[0];
		e->packets[0] = sn->packets[1];
		e->packets[1] = sn->packets[0];
		e->bytes[0] = sn->bytes[1];
		e->bytes[1] = sn->bytes[0];
	}
	e->gen = sn->gen;
	e->cstate = sn->client == 0 ? sn->state[0] : sn->state[1];
	e->sstate = sn->client == 0 ? sn->state[1] : sn->state[0];
	e->last = 0;
	e->pad = 0;
	e->first_seen_ns = sn->first_seen_ns;
	e->last_seen_ns = sn->last_seen_ns;
	e->syn_ns = sn->syn_ns;
	e->synack_ns = sn->synack_ns;
	e->est_ns = sn->est_ns;
	return e;
}

static __always_inline void emit_expired(const struct xdpct_flow_key *k,
					 const struct xdpct_snap *sn, __u8 reason,
					 __u64 now, struct xdpct_stats *st)
{
	struct xdpct_event *e;
	/* a flow that had closed ended then (hist.h); this one ends now */
	__u8 end = is_closed_or_tw(sn->state[0]) && is_closed_or_tw(sn->state[1]) ?
		   XDPCT_END_NONE : XDPCT_END_EXPIRED;

	hist_end(sn, end, now);
	e = event_start(k, sn, XDPCT_EV_EXPIRED, now, st);
	if (!e)
		return;
	e->reason = reason;
	bpf_ringbuf_submit(e, rb_submit_flags());
	st->c[XDPCT_STAT_EVENTS]++;
}

static __always_inline void emit_transitions(const struct xdpct_flow_key *k,
					     const struct xdpct_snap *sn,
					     const struct xdpct_fsm_out *o, __u8 tcp_flags,
					     __u64 now, struct xdpct_stats *st)
{
	int i;

	st->c[XDPCT_STAT_TRANSITIONS] += o->n;
#pragma unroll
	for (i = 0; i < XDPCT_MAX_TRANS; i++) {
		struct xdpct_event *e;

		if (i >= o->n)
			break;
		e = event_start(k, sn, XDPCT_EV_TRANSITION, now, st);
		if (!e)
			continue;
		e->side = o->t[i].ep == sn->client ? 0 : 1;
		e->from = o->t[i].from;
		e->to = o->t[i].to;
		e->tcp_flags = tcp_flags;
		e->last = i + 1 == o->n;
		bpf_ringbuf_submit(e, rb_submit_flags());
		st->c[XDPCT_STAT_EVENTS]++;
	}
}

/*
 * The end record of the connection a reopen replaced (fsm_reopen_by(), or
 * the cookie path's flow start over a dead entry): its figures as of the
 * moment before the new connection's first segment, snapshotted under the
 * lock into r->old.  A global function: both callers are at the verifier's
 * stack limit.
 */
__noinline int xdpct_report_reopened(struct xdpct_report *r, struct xdpct_stats *st)
{
	if (!r || !st)
		return 0;
	emit_expired(&r->key, &r->old, XDPCT_EXP_REOPENED, r->now, st);
	return 0;
}

/*
 * Everything that follows one segment's state-machine run: counters and
 * events.  A global function, so the verifier checks it once instead of
 * once per path through the state machine.
 */
__noinline int xdpct_report(struct xdpct_report *r, struct xdpct_stats *st)
{
	if (!r || !st)
		return 0;
	/* first, while little else is live: the packet path's frames are at
	 * the verifier's limit */
	hist_end(&r->sn, hist_transitions_end(&r->sn, &r->out), r->now);
	if (r->out.reopened) {
		st->c[XDPCT_STAT_FLOWS_REOPENED]++;
		xdpct_report_reopened(r, st);
	}
	if (r->out.note)
		st->c[r->out.note & XDPCT_STAT_MASK]++;
	if (r->out.closed)
		st->c[XDPCT_STAT_FLOWS_CLOSED]++;
	emit_transitions(&r->key, &r->sn, &r->out, r->tcp_flags, r->now, st);
	return 0;
}

#endif /* XDPCT_EVENTS_H */
