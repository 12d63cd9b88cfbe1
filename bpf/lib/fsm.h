/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-flow TCP state machine: both endpoints' RFC 9293 states, inferred
 * by an observer that sees the segments of both directions.
 *
 * Pure logic on a flow entry: no helpers, no maps.  The datapath calls it
 * with the entry's spin lock held; the unit tests call it directly.
 *
 * Endpoint d sent the segment, r = !d receives it.  Order of work for one
 * segment:
 *   1. TIME_WAIT past 2*MSL -> both CLOSED (so a new SYN can reopen).
 *   2. SYN / RST handled on their own (they start or end connections).
 *   3. The window check (nf_conntrack's tcp_in_window()): an out-of-window
 *      segment is invalid and changes nothing.
 *   4. Its ACK: may acknowledge r's SYN (handshake) or r's FIN (close).
 *   5. Its FIN: d starts or finishes closing.
 * All sequence arithmetic is modulo 2^32.
 */
#ifndef XDPCT_TCP_FSM_H
#define XDPCT_TCP_FSM_H

#include "xdpct/flow.h"
#include "xdpct/config.h"
#include "xdpct/stats.h"
#include "xdpct/expiry.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FSM_FIN 0x01
#define FSM_SYN 0x02
#define FSM_RST 0x04
#define FSM_ACK 0x10

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
	__u8 pad[2];
	__u16 sport, dport;	/* sender's and receiver's port */
};

struct xdpct_trans {
	__u8 ep;		/* endpoint index */
	__u8 from, to;
};

struct xdpct_fsm_out {
	struct xdpct_trans t[XDPCT_MAX_TRANS];
	__u8 n;
	__u8 invalid;		/* XDPCT_STAT_INV_* or 0 */
	__u8 note;		/* XDPCT_STAT_SYN_RETRANS/FIN_RETRANS/... or 0 */
	__u8 closed;		/* the connection just became CLOSED on both ends */
	__u8 reopened;
	__u8 victim;		/* now a candidate for eviction */
	__u8 window_fail;	/* invalid came from the window check */
	/*
	 * fsm_segment()'s undo record for a SYN-ACK that was refused after
	 * it opened d's side or set synack_ns.  Here, not on the stack: the
	 * datapath's call chain has no stack left (this is in a map value).
	 */
	__u8 fresh;
	__u8 saved_flags;
	__u8 synack_set;
	__u8 pad[2];
	__u32 saved_maxend;
};

static __always_inline int seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

/* a in (lo, hi] modulo 2^32 */
static __always_inline int seq_in_ack_range(__u32 a, __u32 lo, __u32 hi)
{
	return a - lo - 1 <= hi - lo - 1 && a != lo;
}

/*
 * Hide a value's origin from the compiler.  Without it clang may fold a
 * stack address and a small index with "|", which the verifier rejects.
 */
#define XDPCT_OPAQUE(x) asm volatile("" : "+r"(x))

static __always_inline void fsm_set(struct xdpct_flow *f, struct xdpct_fsm_out *o,
				    __u8 ep, __u8 to, __u64 now)
{
	__u8 from = f->state[ep & 1];
	struct xdpct_trans *t = o->t;

	if (from == to)
		return;
	f->state[ep & 1] = to;
	f->dir[ep & 1].state_ns = now;
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

static __always_inline __u32 seg_end(const struct xdpct_seg *s)
{
	return s->seq + s->len + !!(s->flags & FSM_SYN) + !!(s->flags & FSM_FIN);
}

/* Record what endpoint d announced on its SYN or SYN-ACK. */
static __always_inline void fsm_init_dir(struct xdpct_dir *s, const struct xdpct_seg *g)
{
	s->isn = g->seq;
	s->end = seg_end(g);
	s->maxend = s->end;
	s->maxwin = g->win ? g->win : 1;	/* SYN windows are never scaled */
	s->win = g->win;
	s->mss = g->mss;
	s->wscale = g->wscale;
	s->flags = (s->flags & ~(XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS)) |
		   XDPCT_D_SYN | g->opts;
}

/* Fresh entry from a bare SYN: d is the client. */
static __always_inline void fsm_new_syn(struct xdpct_flow *f, const struct xdpct_seg *g,
					__u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1;

	f->client = d;
	f->syn_ns = now;
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	fsm_init_dir(&f->dir[d], g);
	f->state[!d] = XDPCT_S_LISTEN;
	f->dir[!d].state_ns = now;
	fsm_set(f, o, d, XDPCT_S_SYN_SENT, now);
	o->victim = 1;			/* half-open: first to go when full */
}

/*
 * Fresh entry from a segment that is not a bare SYN: the connection was
 * running before we looked (or its SYN was missed).
 */
static __always_inline int fsm_new_midstream(struct xdpct_flow *f, const struct xdpct_seg *g,
					     __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];

	if (g->flags & FSM_RST)
		return 0;		/* an RST never starts anything */
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	f->flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL;
	if (g->flags & FSM_SYN) {
		/* SYN-ACK first: its receiver is the client, its SYN was acked */
		f->client = r;
		f->synack_ns = now;
		fsm_init_dir(s, g);
		p->isn = g->ack - 1;
		p->end = g->ack;
		p->maxend = g->ack;
		p->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED;
		s->ack = g->ack;
		s->flags |= XDPCT_D_ACKED_ANY;
		fsm_set(f, o, r, XDPCT_S_SYN_SENT, now);
		fsm_set(f, o, d, XDPCT_S_SYN_RCVD, now);
		o->victim = 1;
		return 1;
	}
	/* The side on the higher (ephemeral-looking) port is taken as client. */
	f->client = g->sport > g->dport ? d : (g->sport < g->dport ? r : d);
	s->isn = g->seq;
	s->end = seg_end(g);
	s->maxwin = g->win ? g->win : 1;
	s->maxend = s->end + s->maxwin;
	s->win = g->win;
	s->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY;
	s->ack = g->ack;
	p->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED;
	p->isn = g->ack - 1;
	p->end = g->ack;
	p->maxend = g->ack;
	fsm_set(f, o, f->client, XDPCT_S_ESTABLISHED, now);
	fsm_set(f, o, !f->client, XDPCT_S_ESTABLISHED, now);
	f->est_ns = now;
	if (g->flags & FSM_FIN) {
		s->flags |= XDPCT_D_FIN;
		s->fin_seq = g->seq + g->len;
		fsm_set(f, o, d, XDPCT_S_FIN_WAIT_1, now);
		fsm_set(f, o, r, XDPCT_S_CLOSE_WAIT, now);
	}
	return 1;
}

/*
 * What the SYN and the cookie SYN-ACK settled, recovered from a valid
 * cookie ACK (bpf/syncookie.h): the handshake left no entry behind.
 */
struct xdpct_cookie_hs {
	__u16 cmss;		/* client's MSS from the cookie (0: unknown) */
	__u16 smss;		/* MSS the SYN-ACK offered */
	__u16 synack_win;	/* window the SYN-ACK offered (unscaled) */
	__u8 cwscale;		/* client's window scale (if XDPCT_D_WSCALE) */
	__u8 swscale;		/* the SYN-ACK's window scale */
	__u8 opts;		/* XDPCT_D_WSCALE | SACK_PERM | TS, both ends agreed */
	__u8 pad[3];
};

/*
 * Fresh entry from the ACK that completes a SYN-cookie handshake: d is the
 * client.  Both ends start where the SYN and SYN-ACK left them (client
 * SYN_SENT, server SYN_RCVD) and this ACK moves both to ESTABLISHED, so a
 * watcher sees the usual last two transitions of a handshake.  The windows
 * are known exactly (the SYN-ACK's is ours), so no liberal tracking.
 */
static __always_inline void fsm_new_cookie(struct xdpct_flow *f, const struct xdpct_seg *g,
					   const struct xdpct_cookie_hs *h, __u64 now,
					   struct xdpct_fsm_out *o)
{
	__u8 c = g->d & 1, sv = !c;
	struct xdpct_dir *cd = &f->dir[c], *sd = &f->dir[sv];
	__u32 cwin = g->win;

	f->client = c;
	f->flags = XDPCT_F_SYNCOOKIE;
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	f->syn_ns = now;	/* the SYN and SYN-ACK times were not kept */
	f->synack_ns = now;
	f->state[c] = XDPCT_S_SYN_SENT;
	f->state[sv] = XDPCT_S_SYN_RCVD;

	sd->isn = g->ack - 1;
	sd->end = g->ack;
	sd->ack = g->seq;
	sd->win = h->synack_win;
	sd->maxwin = h->synack_win ? h->synack_win : 1;
	sd->mss = h->smss;
	sd->wscale = h->swscale;
	sd->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY | h->opts;

	if (h->opts & XDPCT_D_WSCALE)
		cwin <<= h->cwscale;
	cd->isn = g->seq - 1;
	cd->end = seg_end(g);
	cd->ack = g->ack;
	cd->win = g->win;
	cd->maxwin = cwin ? cwin : 1;
	cd->mss = h->cmss;
	cd->wscale = h->cwscale;
	cd->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY | h->opts;
	/* each may send up to what the other acknowledged plus its window */
	cd->maxend = g->seq + sd->maxwin;
	if (seq_after(cd->end, cd->maxend))
		cd->maxend = cd->end;
	sd->maxend = g->ack + cd->maxwin;

	fsm_set(f, o, c, XDPCT_S_ESTABLISHED, now);
	fsm_set(f, o, sv, XDPCT_S_ESTABLISHED, now);
	f->est_ns = now;
	if (g->flags & FSM_FIN) {
		cd->flags |= XDPCT_D_FIN;
		cd->fin_seq = g->seq + g->len;
		fsm_set(f, o, c, XDPCT_S_FIN_WAIT_1, now);
		fsm_set(f, o, sv, XDPCT_S_CLOSE_WAIT, now);
	}
}

/* Wipe an entry for a new connection on the same 4-tuple (keeps the lock). */
static __always_inline void fsm_reopen(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1;
	__u32 gen = f->gen + 1;

	/* tell the watcher both ends left their old state */
	fsm_set(f, o, d, XDPCT_S_SYN_SENT, now);
	fsm_set(f, o, !d, XDPCT_S_LISTEN, now);
	__builtin_memset(&f->dir, 0, sizeof(f->dir));
	f->flags = XDPCT_F_REUSED;
	f->gen = gen;
	f->synack_ns = 0;
	f->est_ns = 0;
	f->client = d;
	f->syn_ns = now;
	f->first_seen_ns = now;
	fsm_init_dir(&f->dir[d], g);
	f->dir[d].state_ns = now;
	f->dir[!d].state_ns = now;
	o->reopened = 1;
	o->victim = 1;
}

static __always_inline int is_closed_or_tw(__u8 s)
{
	return s == XDPCT_S_CLOSED || s == XDPCT_S_TIME_WAIT;
}

static __always_inline void fsm_close_both(struct xdpct_flow *f, struct xdpct_fsm_out *o,
					   __u64 now)
{
	__u8 c = f->client & 1;

	if (f->state[0] == XDPCT_S_CLOSED && f->state[1] == XDPCT_S_CLOSED)
		return;
	fsm_set(f, o, c, XDPCT_S_CLOSED, now);
	fsm_set(f, o, !c, XDPCT_S_CLOSED, now);
	o->closed = 1;
}

/* RST: RFC 9293 3.5.3 with RFC 5961's exact-match acceptance. */
static __always_inline void fsm_rst(struct xdpct_flow *f, const struct xdpct_seg *g,
				    __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	int ok;

	if (f->state[0] == XDPCT_S_CLOSED && f->state[1] == XDPCT_S_CLOSED)
		return;			/* nothing left to reset */
	if (f->state[r] == XDPCT_S_SYN_SENT && !(s->flags & XDPCT_D_SYN)) {
		/* answer to a SYN: acceptable only if it acks that SYN */
		ok = (g->flags & FSM_ACK) && seq_in_ack_range(g->ack, p->isn, p->end);
	} else {
		/*
		 * RFC 5961 3.2: only an RST at the receiver's RCV.NXT resets; one
		 * elsewhere in the window earns a challenge ACK, to which the
		 * real peer answers with an exact RST.  An observer knows RCV.NXT
		 * lies between what the receiver last acknowledged and what the
		 * sender has sent (data in flight), so that is the range taken.
		 * A blind attacker hits it with odds (bytes in flight + 1) / 2^32.
		 */
		__u32 lo = (p->flags & XDPCT_D_ACKED_ANY) ? p->ack : s->end;
		__u32 hi = s->end;

		if (seq_before(hi, lo))
			ok = g->seq == lo || g->seq == hi;
		else
			ok = g->seq - lo <= hi - lo;
	}
	if (!ok) {
		o->invalid = XDPCT_STAT_INV_RST;
		return;
	}
	f->flags |= XDPCT_F_RESET;
	fsm_close_both(f, o, now);
}

/*
 * nf_conntrack's tcp_in_window() checks I-IV and its bookkeeping.  Returns
 * 0 and updates both directions, or the XDPCT_STAT_INV_* that failed.
 */
static __always_inline int fsm_window(struct xdpct_flow *f, const struct xdpct_seg *g)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u32 end = seg_end(g);
	__u32 ack = (g->flags & FSM_ACK) ? g->ack : p->end;
	__u32 win = g->win;
	__u32 maxack;

	if (!(g->flags & FSM_SYN) && (s->flags & XDPCT_D_WSCALE) &&
	    (p->flags & XDPCT_D_WSCALE))
		win <<= s->wscale;

	if (!(f->flags & XDPCT_F_LIBERAL) && p->maxwin && (s->flags & XDPCT_D_SYN)) {
		maxack = s->maxwin > 66000 ? s->maxwin : 66000;
		if (!seq_before(g->seq, s->maxend + 1))
			return XDPCT_STAT_INV_SEQ;			/* I */
		if (!seq_after(end, s->end - p->maxwin - 1))
			return XDPCT_STAT_INV_SEQ;			/* II */
		if (!seq_before(ack, p->end + 1))
			return XDPCT_STAT_INV_ACK;			/* III */
		if (!seq_after(ack, p->end - maxack - 1))
			return XDPCT_STAT_INV_ACK;			/* IV */
	}

	if (!(g->flags & FSM_SYN)) {
		if (s->maxwin < win)
			s->maxwin = win;
		s->win = g->win;
	}
	if (seq_after(end, s->end)) {
		/* sending past what the peer allowed so far grows its window */
		if (p->maxwin && seq_after(end, s->maxend))
			p->maxwin += end - s->maxend;
		s->end = end;
	}
	if (seq_after(ack + win, p->maxend - 1))
		p->maxend = ack + (win ? win : 1);
	if (!s->maxend || seq_after(s->end, s->maxend))
		s->maxend = s->end;
	if (g->flags & FSM_ACK) {
		if (!(s->flags & XDPCT_D_ACKED_ANY) || seq_after(g->ack, s->ack))
			s->ack = g->ack;
		s->flags |= XDPCT_D_ACKED_ANY;
	}
	return 0;
}

/* Can endpoint d legitimately send a FIN now? */
static __always_inline int fin_allowed(__u8 st)
{
	return st == XDPCT_S_ESTABLISHED || st == XDPCT_S_SYN_RCVD ||
	       st == XDPCT_S_CLOSE_WAIT || st == XDPCT_S_FIN_WAIT_1 ||
	       st == XDPCT_S_FIN_WAIT_2 || st == XDPCT_S_CLOSING ||
	       st == XDPCT_S_LAST_ACK || st == XDPCT_S_TIME_WAIT;
}

/* Endpoint states while the handshake runs. */
static __always_inline int in_handshake(__u8 st)
{
	return st == XDPCT_S_NONE || st == XDPCT_S_LISTEN ||
	       st == XDPCT_S_SYN_SENT || st == XDPCT_S_SYN_RCVD;
}

/* A segment of an existing flow.  The caller holds f->lock. */
static __always_inline void fsm_segment(struct xdpct_flow *f, const struct xdpct_seg *g,
					__u64 now, const volatile struct xdpct_cfg *cfg,
					struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u8 fl = g->flags;
	int err;

	/* 1. 2*MSL over: whatever lingered in TIME_WAIT is gone now */
	if ((f->state[0] == XDPCT_S_TIME_WAIT &&
	     xdpct_since(now, f->dir[0].state_ns) >= cfg->time_wait_ns) ||
	    (f->state[1] == XDPCT_S_TIME_WAIT &&
	     xdpct_since(now, f->dir[1].state_ns) >= cfg->time_wait_ns))
		fsm_close_both(f, o, now);

	/* 2a. bare SYN */
	if ((fl & (FSM_SYN | FSM_ACK)) == FSM_SYN) {
		if (is_closed_or_tw(f->state[d]) &&
		    (is_closed_or_tw(f->state[r]) || f->state[r] == XDPCT_S_LISTEN)) {
			if ((s->flags & XDPCT_D_SYN) && g->seq == s->isn) {
				o->note = XDPCT_STAT_SYN_RETRANS;
				return;
			}
			fsm_reopen(f, g, now, o);
			return;
		}
		if (f->state[d] == XDPCT_S_SYN_SENT && g->seq == s->isn) {
			o->note = XDPCT_STAT_SYN_RETRANS;
			return;
		}
		if ((f->state[d] == XDPCT_S_LISTEN || f->state[d] == XDPCT_S_NONE) &&
		    f->state[r] == XDPCT_S_SYN_SENT && !(s->flags & XDPCT_D_SYN)) {
			/* simultaneous open: the SYNs crossed */
			fsm_init_dir(s, g);
			f->flags |= XDPCT_F_SIMOPEN;
			fsm_set(f, o, d, XDPCT_S_SYN_SENT, now);
			return;
		}
		/* a SYN inside a running connection: RFC 5961 4.2, ignore */
		o->invalid = XDPCT_STAT_INV_STATE;
		return;
	}

	/* 2b. RST */
	if (fl & FSM_RST) {
		fsm_rst(f, g, now, o);
		return;
	}

	/* 2c. SYN-ACK */
	if (fl & FSM_SYN) {
		if (!(p->flags & XDPCT_D_SYN) ||
		    !seq_in_ack_range(g->ack, p->isn, p->end)) {
			o->invalid = XDPCT_STAT_INV_SYNACK;
			return;
		}
		if (s->flags & XDPCT_D_SYN) {
			if (g->seq != s->isn) {
				o->invalid = XDPCT_STAT_INV_SYNACK;
				return;
			}
			if (p->flags & XDPCT_D_SYN_ACKED) {
				/* duplicate SYN-ACK */
				o->note = XDPCT_STAT_SYN_RETRANS;
				return;
			}
			/* simultaneous open: d answers with its own ISN again */
		} else {
			if (!in_handshake(f->state[d])) {
				o->invalid = XDPCT_STAT_INV_SYNACK;
				return;
			}
			/* the checks below may still refuse it: see refuse */
			o->saved_maxend = s->maxend;
			o->saved_flags = s->flags;
			o->fresh = 1;
			fsm_init_dir(s, g);
		}
		if (!f->synack_ns) {
			f->synack_ns = now;
			o->synack_set = 1;
		}
	} else if (!(s->flags & XDPCT_D_SYN)) {
		/* d never opened its side (e.g. a bare ACK answering a SYN) */
		o->invalid = XDPCT_STAT_INV_STATE;
		return;
	}

	/* nothing but a SYN may arrive once both ends are CLOSED */
	if (f->state[0] == XDPCT_S_CLOSED && f->state[1] == XDPCT_S_CLOSED) {
		o->invalid = XDPCT_STAT_INV_STATE;
		goto refuse;
	}
	/*
	 * FIN in a state that cannot send one, or data after d's own FIN.
	 * In the handshake only a FIN on an ACK that acknowledges the peer's
	 * SYN (now or before): one from SYN_SENT that acks nothing is
	 * impossible, and would close a connection that never opened.
	 * A retransmission of d's FIN is fine in any state: a LAST_ACK side
	 * we saw acked (now CLOSED) resends it when that last ACK was lost.
	 */
	if ((fl & FSM_FIN) && !fin_allowed(f->state[d]) &&
	    !(fl & FSM_ACK && in_handshake(f->state[d]) &&
	      ((p->flags & XDPCT_D_SYN_ACKED) ||
	       ((p->flags & XDPCT_D_SYN) && seq_in_ack_range(g->ack, p->isn, p->end)))) &&
	    !((s->flags & XDPCT_D_FIN) && g->seq + g->len == s->fin_seq)) {
		o->invalid = XDPCT_STAT_INV_STATE;
		goto refuse;
	}
	if ((s->flags & XDPCT_D_FIN) && g->len &&
	    seq_after(g->seq + g->len, s->fin_seq)) {
		o->invalid = XDPCT_STAT_INV_STATE;
		goto refuse;
	}

	/* 3. window */
	err = fsm_window(f, g);
	if (err) {
		o->invalid = err;
		o->window_fail = 1;
		goto refuse;
	}

	/* 4. what the ACK acknowledges */
	if (fl & FSM_ACK) {
		if ((p->flags & XDPCT_D_SYN) && !(p->flags & XDPCT_D_SYN_ACKED) &&
		    seq_in_ack_range(g->ack, p->isn, p->end))
			p->flags |= XDPCT_D_SYN_ACKED;

		/*
		 * The FIN comes after r's SYN in sequence space: an ack that
		 * does not cover the SYN cannot cover the FIN (only a liberal,
		 * windowless entry would otherwise believe one that wraps).
		 */
		if ((p->flags & XDPCT_D_FIN) && !(p->flags & XDPCT_D_FIN_ACKED) &&
		    (p->flags & XDPCT_D_SYN_ACKED) && seq_after(g->ack, p->fin_seq)) {
			p->flags |= XDPCT_D_FIN_ACKED;
			if (f->state[r] == XDPCT_S_FIN_WAIT_1)
				fsm_set(f, o, r, XDPCT_S_FIN_WAIT_2, now);
			else if (f->state[r] == XDPCT_S_CLOSING)
				fsm_set(f, o, r, XDPCT_S_TIME_WAIT, now);
			else if (f->state[r] == XDPCT_S_LAST_ACK)
				fsm_set(f, o, r, XDPCT_S_CLOSED, now);
		}

		if (in_handshake(f->state[0]) || in_handshake(f->state[1])) {
			if ((s->flags & XDPCT_D_SYN_ACKED) && (p->flags & XDPCT_D_SYN_ACKED)) {
				__u8 c = f->client & 1;

				/*
				 * An endpoint whose peer already sent a FIN (a
				 * Fast Open server closing in SYN_RCVD) has
				 * received it: CLOSE_WAIT, not ESTABLISHED.
				 */
				if (in_handshake(f->state[c]))
					fsm_set(f, o, c, f->dir[!c].flags & XDPCT_D_FIN ?
						XDPCT_S_CLOSE_WAIT : XDPCT_S_ESTABLISHED, now);
				if (in_handshake(f->state[!c]))
					fsm_set(f, o, !c, f->dir[c].flags & XDPCT_D_FIN ?
						XDPCT_S_CLOSE_WAIT : XDPCT_S_ESTABLISHED, now);
				if (!f->est_ns)
					f->est_ns = now;
			} else if ((p->flags & XDPCT_D_SYN_ACKED) && (s->flags & XDPCT_D_SYN) &&
				   in_handshake(f->state[d])) {
				fsm_set(f, o, d, XDPCT_S_SYN_RCVD, now);
			}
		}
	}

	/* 5. FIN */
	if (fl & FSM_FIN) {
		__u32 fin_seq = g->seq + g->len;

		if (s->flags & XDPCT_D_FIN) {
			if (fin_seq == s->fin_seq)
				o->note = XDPCT_STAT_FIN_RETRANS;
		} else {
			s->flags |= XDPCT_D_FIN;
			s->fin_seq = fin_seq;
			if (f->state[d] == XDPCT_S_CLOSE_WAIT)
				fsm_set(f, o, d, XDPCT_S_LAST_ACK, now);
			else
				fsm_set(f, o, d, XDPCT_S_FIN_WAIT_1, now);

			if (f->state[r] == XDPCT_S_FIN_WAIT_2)
				fsm_set(f, o, r, XDPCT_S_TIME_WAIT, now);
			else if (f->state[r] == XDPCT_S_FIN_WAIT_1)
				fsm_set(f, o, r, XDPCT_S_CLOSING, now);
			else if (f->state[r] == XDPCT_S_ESTABLISHED ||
				 f->state[r] == XDPCT_S_SYN_RCVD)
				fsm_set(f, o, r, XDPCT_S_CLOSE_WAIT, now);
		}
	}

	if (f->state[0] == XDPCT_S_CLOSED && f->state[1] == XDPCT_S_CLOSED)
		o->closed = 1;
	return;

refuse:
	/*
	 * An invalid segment changes nothing, not even by a refused SYN-ACK's
	 * ISN.  Before its SYN an endpoint's direction holds zeros but for
	 * maxend (moved by the peer's acks) and flags: undo fsm_init_dir()
	 * with those two saved values.
	 */
	if (o->synack_set)
		f->synack_ns = 0;
	if (o->fresh) {
		s->isn = 0;
		s->end = 0;
		s->maxend = o->saved_maxend;
		s->maxwin = 0;
		s->win = 0;
		s->mss = 0;
		s->wscale = 0;
		s->flags = o->saved_flags;
	}
}

#endif /* XDPCT_TCP_FSM_H */
