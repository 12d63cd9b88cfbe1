/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The state machine's vocabulary: a segment as it sees it, what one run
 * reports, and the primitive changes every rule is made of (move an
 * endpoint to a state, record a direction's SYN, close both ends).
 *
 * Pure logic on a flow entry: no helpers, no maps (the unit tests compile
 * it with gcc).  Endpoint d sent the segment, r = !d receives it.
 */
#ifndef XDPCT_FSM_STATE_H
#define XDPCT_FSM_STATE_H

#include "xdpct/types.h"
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "tcp.h"

#define XDPCT_MAX_TRANS 4

/* One segment as the state machine needs it (host byte order). */
struct xdpct_seg {
	__u32 seq, ack, win;
	__u32 len;		/* TCP payload bytes */
	__u32 ip_bytes;
	__u16 mss;
	__u8 wscale;
	__u8 opts;		/* XDPCT_D_WSCALE | SACK_PERM | TS from the SYN */
	__u8 flags;		/* TCP flags byte */
	__u8 d;			/* sending endpoint index */
	__u8 has_sack;		/* sack holds a SACK block's right edge */
	__u8 pad;
	__u16 sport, dport;	/* sender's and receiver's port */
	__u32 tsval;		/* timestamp option's TSval (opts has XDPCT_D_TS) */
	__u32 sack;		/* highest right edge of its SACK blocks (RFC 2018) */
};

struct xdpct_trans {
	__u8 ep;		/* endpoint index */
	__u8 from, to;
};

/* What one run of the state machine reports (events.h turns it into events). */
struct xdpct_fsm_out {
	struct xdpct_trans t[XDPCT_MAX_TRANS];
	__u8 n;
	__u8 invalid;		/* XDPCT_STAT_INV_* or 0 */
	__u8 note;		/* XDPCT_STAT_SYN_RETRANS/FIN_RETRANS/... or 0 */
	__u8 closed;		/* the connection just became CLOSED on both ends */
	__u8 reopened;
	__u8 victim;		/* now a candidate for eviction */
	__u8 window_fail;	/* invalid came from the window check */
	__u8 ignored;		/* invalid, counted, but passed even with
				 * --drop-invalid (nf_conntrack's "ignored") */
};

/*
 * Hide a value's origin from the compiler.  Without it clang may fold a
 * stack address and a small index with "|", which the verifier rejects.
 */
#define XDPCT_OPAQUE(x) asm volatile("" : "+r"(x))

/* Endpoint ep enters state to: recorded for the watcher, timed for expiry. */
static __always_inline void fsm_set(struct xdpct_flow *f, struct xdpct_fsm_out *o,
				    __u8 ep, __u8 to, __u64 now)
{
	__u8 from = f->state[ep & 1];
	struct xdpct_trans *t = o->t;

	if (from == to)
		return;
	f->state[ep & 1] = to;
	xdpct_flow_set_state_ns(f, now);
	if (o->n < XDPCT_MAX_TRANS) {
		XDPCT_OPAQUE(t);
		t += o->n & (XDPCT_MAX_TRANS - 1);
		t->ep = ep;
		t->from = from;
		t->to = to;
		o->n++;
	}
	if (to == XDPCT_S_TIME_WAIT || to == XDPCT_S_CLOSED)
		o->victim = 1;
}

/* The sequence space a segment occupies ends here: SYN and FIN count one. */
static __always_inline __u32 seg_end(const struct xdpct_seg *s)
{
	return s->seq + s->len + !!(s->flags & TCPF_SYN) + !!(s->flags & TCPF_FIN);
}

/* Record what endpoint d announced on its SYN or SYN-ACK. */
static __always_inline void fsm_init_dir(struct xdpct_dir *s, const struct xdpct_seg *g)
{
	s->isn = g->seq;
	s->end = seg_end(g);
	s->maxend = s->end;
	s->maxwin = g->win ? g->win : 1;	/* SYN windows are never scaled */
	s->ts_recent = (g->opts & XDPCT_D_TS) ? g->tsval : 0;
	s->mss = g->mss;
	s->wscale = g->wscale;
	s->flags = (s->flags & ~(XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS)) |
		   XDPCT_D_SYN | g->opts;
}

static __always_inline int is_closed_or_tw(__u8 s)
{
	return s == XDPCT_S_CLOSED || s == XDPCT_S_TIME_WAIT;
}

/*
 * The connection is over: both ends CLOSED, or the active opener CLOSED
 * and the passive one back in LISTEN (an RST in SYN_RCVD, RFC 9293
 * 3.10.7.4).  LISTEN opposite anything else is a handshake starting.
 */
static __always_inline int fsm_both_closed(const struct xdpct_flow *f)
{
	__u8 a = f->state[0], b = f->state[1];

	return (a == XDPCT_S_CLOSED && (b == XDPCT_S_CLOSED || b == XDPCT_S_LISTEN)) ||
	       (b == XDPCT_S_CLOSED && a == XDPCT_S_LISTEN);
}

/* Both ends CLOSED or TIME_WAIT (or over): a new connection may take the 4-tuple. */
static __always_inline int fsm_flow_dead(const struct xdpct_flow *f)
{
	return (is_closed_or_tw(f->state[0]) && is_closed_or_tw(f->state[1])) ||
	       fsm_both_closed(f);
}

/*
 * Could a SYN or SYN-ACK on f reopen it?  fsm_on_syn() reopens when the
 * sender's end is CLOSED or TIME_WAIT and the other's too or LISTEN, or
 * both are closed (fsm_syn_reuse); fsm_stale_reopen() needs remembered
 * evidence (pend).  Symmetric in the two ends, so a superset: it says
 * where the datapath must keep the old connection's figures and wait for
 * lock-free writers first (track.h flow_segment, hazard.h).
 */
static __always_inline int fsm_may_reopen(const struct xdpct_flow *f)
{
	__u8 a = f->state[0], b = f->state[1];

	return f->pend || fsm_flow_dead(f) ||
	       (is_closed_or_tw(a) && b == XDPCT_S_LISTEN) ||
	       (is_closed_or_tw(b) && a == XDPCT_S_LISTEN);
}

/* Endpoint states while the handshake runs. */
static __always_inline int in_handshake(__u8 st)
{
	return st == XDPCT_S_NONE || st == XDPCT_S_LISTEN ||
	       st == XDPCT_S_SYN_SENT || st == XDPCT_S_SYN_RCVD;
}

/* Both ends CLOSED: the client's end first, as a watcher expects. */
static __always_inline void fsm_close_both(struct xdpct_flow *f, struct xdpct_fsm_out *o,
					   __u64 now)
{
	__u8 c = f->client & 1;

	if (fsm_both_closed(f))
		return;
	fsm_set(f, o, c, XDPCT_S_CLOSED, now);
	fsm_set(f, o, !c, XDPCT_S_CLOSED, now);
	f->pend = 0;
	o->closed = 1;
}

#endif /* XDPCT_FSM_STATE_H */
