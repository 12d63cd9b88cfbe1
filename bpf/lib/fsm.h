/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-flow TCP state machine: both endpoints' RFC 9293 states, inferred
 * by an observer that sees the segments of both directions.
 *
 * Pure logic on a flow entry: no helpers, no maps.  The datapath calls it
 * with the entry's spin lock held; the unit tests call it directly.
 *
 * One handler per event, after RFC 9293 3.10.7 "SEGMENT ARRIVES": a bare
 * SYN (fsm_on_syn), an RST (fsm_on_rst), and everything else
 * (fsm_on_segment): a SYN-ACK's own checks (fsm_synack_check), then, for
 * every segment with an ACK, data or a FIN, the same checks and effects in
 * the RFC's order: the ACK field (fsm_on_ack), then the FIN (fsm_on_fin).
 * Endpoint d sent the segment, r = !d receives it.  Each handler checks
 * first and writes only once the segment is accepted: an invalid segment
 * (o->invalid) changes nothing.  All sequence arithmetic is modulo 2^32.
 */
#ifndef XDPCT_TCP_FSM_H
#define XDPCT_TCP_FSM_H

#include "xdpct/config.h"
#include "xdpct/expiry.h"
#include "fsm_state.h"
#include "fsm_open.h"
#include "fsm_window.h"

/* ---- SYN ---------------------------------------------------------------- */

/*
 * Would the TIME_WAIT end (r) take d's SYN as a new connection?  As Linux's
 * tcp_timewait_state_process() does: the SYN's sequence number is after
 * all r received (its RCV.NXT: d's end), or, with timestamps on both
 * ends, its TSval is newer than the last one r saw from d (RFC 6191 2).
 * Otherwise it is an old duplicate, which r answers with an ACK of the
 * old connection.
 */
static __always_inline int fsm_tw_takes_syn(const struct xdpct_flow *f,
					    const struct xdpct_seg *g)
{
	const struct xdpct_dir *s = &f->dir[g->d & 1], *p = &f->dir[!(g->d & 1)];

	if (seq_after(g->seq, s->end))
		return 1;
	return (g->opts & XDPCT_D_TS) && (s->flags & XDPCT_D_TS) && (p->flags & XDPCT_D_TS) &&
	       (__s32)(s->ts_recent - g->tsval) < 0;
}

/*
 * A SYN where the connection is over (d CLOSED or TIME_WAIT, r too or
 * LISTEN): a new connection on the old 4-tuple, unless it is the old SYN
 * again, or an old duplicate a TIME_WAIT end would refuse.  Neither is
 * invalid: the TIME_WAIT end's answer (an ACK) is a valid segment, and
 * the RST d sends back at it ends TIME_WAIT exactly (RFC 9293 3.10.7.4).
 */
static __always_inline void fsm_syn_reuse(struct xdpct_flow *f, const struct xdpct_seg *g,
					  __u64 now, struct xdpct_fsm_out *o)
{
	const struct xdpct_dir *s = &f->dir[g->d & 1];

	if ((s->flags & XDPCT_D_SYN) && g->seq == s->isn) {
		o->note = XDPCT_STAT_SYN_RETRANS;
		return;
	}
	if (f->state[!(g->d & 1)] == XDPCT_S_TIME_WAIT && !fsm_tw_takes_syn(f, g)) {
		o->note = XDPCT_STAT_SYN_TW_DUP;	/* passed, counted */
		return;
	}
	fsm_reopen(f, g, now, o);
}

/*
 * The client in SYN_SENT gave up and connects again from the same port
 * with a new ISN (nf_conntrack: sSS -> sSS, tcp_in_window() re-inits the
 * sender when after(end, td_end)): its direction starts over, and a
 * server that answered the old SYN is back in LISTEN (its SYN-ACK acked a
 * SYN that no longer exists; Linux drops that request on the client's RST).
 */
static __always_inline void fsm_syn_retry(struct xdpct_flow *f, const struct xdpct_seg *g,
					  __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];

	s->flags = 0;
	s->ack = 0;
	s->fin_seq = 0;
	fsm_init_dir(s, g);
	if (f->state[r] == XDPCT_S_SYN_RCVD) {
		p->isn = p->end = p->maxend = p->maxwin = p->ack = p->fin_seq = 0;
		p->ts_recent = 0;
		p->mss = 0;
		p->wscale = 0;
		p->flags = 0;
		fsm_set(f, o, r, XDPCT_S_LISTEN, now);
	}
	f->syn_us = xdpct_hs_enc(f, now);
	f->synack_us = 0;
}

/* A SYN from an endpoint in SYN_SENT: its retransmission, same ISN, or a retry. */
static __always_inline void fsm_syn_again(struct xdpct_flow *f, const struct xdpct_seg *g,
					  __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, sr = f->state[!d];

	if (g->seq == f->dir[d].isn)
		o->note = XDPCT_STAT_SYN_RETRANS;
	else if (f->client == d && !(f->flags & XDPCT_F_SIMOPEN) &&
		 (sr == XDPCT_S_LISTEN || sr == XDPCT_S_SYN_RCVD) &&
		 seq_after(seg_end(g), f->dir[d].end))
		fsm_syn_retry(f, g, now, o);
	else
		o->invalid = XDPCT_STAT_INV_STATE;
}

/*
 * A SYN inside a synchronized connection: RFC 5961 4.2, it moves nothing
 * (the endpoint answers a challenge ACK).  But the connection may be gone
 * without our seeing its end, and this the first SYN of the next one on
 * the 4-tuple: it is remembered (fsm_stale_answered()), counted, and
 * passed even with --drop-invalid, as nf_conntrack ignores rather than
 * refuses it.  In the handshake it is plain invalid.
 */
static __always_inline void fsm_syn_in_conn(struct xdpct_flow *f, const struct xdpct_seg *g,
					    struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1;

	o->invalid = XDPCT_STAT_INV_STATE;
	if (!xdpct_state_synced(f->state[d]) && !xdpct_state_synced(f->state[!d]))
		return;
	f->pend = XDPCT_PEND_SYN;
	f->pend_ep = d;
	f->pend_seq = g->seq;
	f->pend_win = g->win;
	f->pend_wscale = g->wscale;
	f->pend_opts = g->opts & (XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS);
	o->ignored = 1;
}

/*
 * RFC 9293 3.5 (figure 8), simultaneous initiation: the SYNs crossed, so
 * the endpoint we took for the server sends a SYN of its own.
 */
static __always_inline void fsm_syn_crossed(struct xdpct_flow *f, const struct xdpct_seg *g,
					    __u64 now, struct xdpct_fsm_out *o)
{
	fsm_init_dir(&f->dir[g->d & 1], g);
	f->flags |= XDPCT_F_SIMOPEN;
	fsm_set(f, o, g->d & 1, XDPCT_S_SYN_SENT, now);
}

/* A SYN without ACK, by the state of the endpoint that sent it. */
static __always_inline void fsm_on_syn(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	__u8 sd = f->state[d], sr = f->state[r];

	if ((is_closed_or_tw(sd) && (is_closed_or_tw(sr) || sr == XDPCT_S_LISTEN)) ||
	    fsm_both_closed(f))
		fsm_syn_reuse(f, g, now, o);
	else if (sd == XDPCT_S_SYN_SENT)
		fsm_syn_again(f, g, now, o);
	else if ((sd == XDPCT_S_LISTEN || sd == XDPCT_S_NONE) && sr == XDPCT_S_SYN_SENT &&
		 !(f->dir[d].flags & XDPCT_D_SYN))
		fsm_syn_crossed(f, g, now, o);
	else
		fsm_syn_in_conn(f, g, o);
}

/* ---- RST ---------------------------------------------------------------- */

/* RFC 9293 3.5.3 with RFC 5961's exact-match acceptance: may it reset? */
static __always_inline int fsm_rst_acceptable(const struct xdpct_flow *f,
					      const struct xdpct_seg *g)
{
	__u8 d = g->d & 1, r = !d;
	const struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u32 hi;

	/*
	 * RFC 9293 3.10.7.3, SYN-SENT: "If the ACK bit is set ... If the RST
	 * bit is set ... the RST is acceptable if the ACK field acknowledges
	 * the SYN".
	 */
	if (f->state[r] == XDPCT_S_SYN_SENT && !(s->flags & XDPCT_D_SYN))
		return (g->flags & TCPF_ACK) && seq_in_ack_range(g->ack, p->isn, p->end);
	/*
	 * RFC 5961 3.2: only an RST at the receiver's RCV.NXT resets; one
	 * elsewhere in the window earns a challenge ACK, to which the real
	 * peer answers with an RST at exactly RCV.NXT.  An observer knows
	 * RCV.NXT as the sender's highest sequence sent (its end: all it sent
	 * arrived) or as the receiver's latest acknowledgement (what it said
	 * it has): those two numbers, nothing between them.  A blind attacker
	 * hits one with odds 2 / 2^32, whatever the windows.
	 */
	hi = s->end;
	if (g->seq == hi)
		return 1;
	return (p->flags & XDPCT_D_ACKED_ANY) && g->seq == p->ack;
}

/*
 * The old connection's ends, kept when it ends or gives way on evidence a
 * blind injector could forge in pairs (fsm_rst_answers_syn(),
 * fsm_stale_answered()): what fsm_undo() recognises it by.
 */
static __always_inline void fsm_keep_old_ends(struct xdpct_flow *f)
{
	f->old_ends = f->dir[0].end ^ f->dir[1].end;
}

/*
 * An RST from the other side acknowledging exactly the SYN
 * fsm_syn_in_conn() remembered: that stack has no connection on the
 * 4-tuple (RFC 9293 3.10.7.1, "If the state is CLOSED ... a reset is sent
 * ... <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>"), so the entry is stale.
 * nf_conntrack closes on it too (tcp_packet(), "RST sent to invalid SYN
 * we had let through": ack == last_end, window check skipped).  The
 * retrying client's next SYN then opens a clean connection.
 */
static __always_inline int fsm_rst_answers_syn(const struct xdpct_flow *f,
					       const struct xdpct_seg *g)
{
	return f->pend == XDPCT_PEND_SYN && f->pend_ep != (g->d & 1) &&
	       (g->flags & TCPF_ACK) && g->ack == f->pend_seq + 1;
}

/* RFC 9293 3.10.7.4, second, "check the RST bit": the connection is gone. */
static __always_inline void fsm_on_rst(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;

	if (fsm_both_closed(f))
		return;			/* nothing left to reset */
	if (fsm_rst_answers_syn(f, g)) {
		fsm_keep_old_ends(f);	/* fsm_undo(), should it be forged */
	} else if (!fsm_rst_acceptable(f, g)) {
		o->invalid = XDPCT_STAT_INV_RST;
		return;
	}
	f->flags |= XDPCT_F_RESET;
	/*
	 * 3.10.7.4, SYN-RECEIVED: "If this connection was initiated with a
	 * passive OPEN (i.e., came from the LISTEN state), then return this
	 * connection to LISTEN state".  The active opener is CLOSED.
	 */
	if (f->state[r] == XDPCT_S_SYN_RCVD && r != (f->client & 1) &&
	    !(f->flags & XDPCT_F_SIMOPEN)) {
		fsm_set(f, o, d, XDPCT_S_CLOSED, now);
		fsm_set(f, o, r, XDPCT_S_LISTEN, now);
		o->closed = 1;
		return;
	}
	fsm_close_both(f, o, now);
}

/* ---- what every accepted ACK, data segment or FIN must pass -------------- */

/* Can an endpoint in state st legitimately send a FIN? */
static __always_inline int fin_allowed(__u8 st)
{
	return st == XDPCT_S_ESTABLISHED || st == XDPCT_S_SYN_RCVD ||
	       st == XDPCT_S_CLOSE_WAIT || st == XDPCT_S_FIN_WAIT_1 ||
	       st == XDPCT_S_FIN_WAIT_2 || st == XDPCT_S_CLOSING ||
	       st == XDPCT_S_LAST_ACK || st == XDPCT_S_TIME_WAIT;
}

/*
 * Does d's state allow what the segment carries?  0 or XDPCT_STAT_INV_STATE.
 * Nothing but a SYN may arrive once both ends are CLOSED.  A FIN needs a
 * state that can send one; in the handshake only a FIN on an ACK that
 * acknowledges the peer's SYN (now or before): one from SYN_SENT that acks
 * nothing is impossible, and would close a connection that never opened.
 * A retransmission of d's FIN is fine in any state: a LAST_ACK side we saw
 * acked (now CLOSED) resends it when that last ACK was lost.  No data may
 * follow d's own FIN.
 */
static __always_inline int fsm_state_check(const struct xdpct_flow *f,
					   const struct xdpct_seg *g)
{
	__u8 d = g->d & 1, r = !d;
	const struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u8 fl = g->flags;

	if (fsm_both_closed(f))
		return XDPCT_STAT_INV_STATE;
	if ((fl & TCPF_FIN) && !fin_allowed(f->state[d]) &&
	    !(fl & TCPF_ACK && in_handshake(f->state[d]) &&
	      ((p->flags & XDPCT_D_SYN_ACKED) ||
	       ((p->flags & XDPCT_D_SYN) && seq_in_ack_range(g->ack, p->isn, p->end)))) &&
	    !((s->flags & XDPCT_D_FIN) && g->seq + g->len == s->fin_seq))
		return XDPCT_STAT_INV_STATE;
	if ((s->flags & XDPCT_D_FIN) && g->len && seq_after(g->seq + g->len, s->fin_seq))
		return XDPCT_STAT_INV_STATE;
	return 0;
}

/*
 * Gaps: segments of d the tracker never saw (capture loss, asymmetric
 * routing, a packet it could not parse) leave d's peer acknowledging
 * beyond d's end and d sending beyond the window we know, each refused
 * forever.  Called only for a segment the window check refused:
 *  - the peer r acknowledges past d's end in a segment whose own sequence
 *    number fits r's window (checks I and II: not blind): remembered
 *    (XDPCT_PEND_RESYNC), still refused;
 *  - d then sends a segment that fits the window r's acknowledgement
 *    opened (checks I and II as if d's direction were at that ack: data
 *    in flight from there), with an acknowledgement that fits r's
 *    direction (checks III and IV): the two endpoints agree on what we
 *    missed, so d's direction takes it (counted `resync`) and the
 *    segment is accepted.
 * One segment alone never moves anything, and a blind injector must guess
 * both sequence spaces of the connection at once.  Returns 1 to accept.
 */
#ifdef __BPF__
/*
 * Not inlined: a static subprogram (callable under the entry's lock), so
 * its locals do not grow the stack frame every segment's path runs in.
 */
static __attribute__((noinline))
#else
static inline
#endif
int fsm_resync(struct xdpct_flow *f, const struct xdpct_seg *g, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u32 win, at = f->pend_seq;

	if ((g->flags & (TCPF_SYN | TCPF_ACK)) != TCPF_ACK || !(s->flags & XDPCT_D_SYN_ACKED) ||
	    !(p->flags & XDPCT_D_SYN_ACKED))
		return 0;
	win = f->pend_win;
	if ((p->flags & XDPCT_D_WSCALE) && (s->flags & XDPCT_D_WSCALE))
		win <<= p->wscale;
	win = win ? win : 1;
	if (f->pend == XDPCT_PEND_RESYNC && f->pend_ep == d &&
	    seq_before(g->seq, at + win + 1) && seq_after(seg_end(g), at - p->maxwin - 1) &&
	    fsm_ack_fits(s, p, g->ack)) {
		if (seq_after(at, s->end))
			s->end = at;
		if (seq_after(at + win, s->maxend))
			s->maxend = at + win;
		if (seq_after(f->pend_seq, p->ack))
			p->ack = f->pend_seq;
		f->pend = 0;
		o->note = XDPCT_STAT_RESYNC;
		return 1;
	}
	/* midstream: r's own segment must also be anchored (fsm_mid_check()) */
	if (fsm_seq_fits(s, p, g) && seq_after(g->ack, p->end) &&
	    (!(f->flags & XDPCT_F_MIDSTREAM) || !seq_after(g->seq, s->end))) {
		f->pend = XDPCT_PEND_RESYNC;
		f->pend_ep = r;
		f->pend_seq = g->ack;
		f->pend_win = g->win;
	}
	return 0;
}

/*
 * RFC 9293 3.10.7.4, first, "check sequence number", as far as an observer
 * can: the endpoints' states, then the window (v: the sender as it is, or
 * as its SYN-ACK will leave it).  Nonzero when the segment may move
 * nothing: refused (the reason in o->invalid), or a midstream segment no
 * endpoint vouched for (XDPCT_MID_UNANCHORED: passed, o->invalid 0).
 */
static __always_inline int fsm_refused(struct xdpct_flow *f, const struct xdpct_seg *g,
				       const struct fsm_sender *v, struct xdpct_fsm_out *o)
{
	int err = fsm_state_check(f, g);

	if (!err) {
		err = fsm_window_check(f, g, v);
		if (err == XDPCT_WIN_UNSCALED)
			err = fsm_mid_check(f, g);
		if (err == XDPCT_MID_UNANCHORED) {
			/* passed, moving nothing an endpoint has not vouched for */
			fsm_mid_claim(f, g);
			if (f->pend)
				f->pend = 0;
			return err;
		}
		/* only once the window check failed: nothing on the fast path */
		if (err && fsm_resync(f, g, o))
			err = 0;
		o->window_fail = !!err;
		/* liberal: what nothing can check is counted, never dropped */
		if (err && (f->flags & XDPCT_F_LIBERAL))
			o->ignored = 1;
	}
	o->invalid = err;
	return err;
}

/* ---- ACK ---------------------------------------------------------------- */

/*
 * RFC 9293 3.10.7.4, fifth, "check the ACK field", in the state of r, the
 * endpoint being acknowledged:
 *   its SYN     SYN-RECEIVED: "If SND.UNA < SEG.ACK =< SND.NXT, then enter
 *               ESTABLISHED state"; here once both SYNs are acknowledged.
 *   its FIN     FIN-WAIT-1: "if the FIN segment is now acknowledged, then
 *               enter FIN-WAIT-2"; CLOSING: "if the ACK acknowledges our
 *               FIN, then enter the TIME-WAIT state"; LAST-ACK: "If our FIN
 *               is now acknowledged, delete the TCB, enter the CLOSED state".
 */
static __always_inline void fsm_on_ack(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];

	if ((p->flags & XDPCT_D_SYN) && !(p->flags & XDPCT_D_SYN_ACKED) &&
	    seq_in_ack_range(g->ack, p->isn, p->end))
		p->flags |= XDPCT_D_SYN_ACKED;

	/*
	 * The FIN comes after r's SYN in sequence space: an ack that does not
	 * cover the SYN cannot cover the FIN (only a liberal, windowless entry
	 * would otherwise believe one that wraps).
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

	if (!in_handshake(f->state[0]) && !in_handshake(f->state[1]))
		return;
	if ((s->flags & XDPCT_D_SYN_ACKED) && (p->flags & XDPCT_D_SYN_ACKED)) {
		__u8 c = f->client & 1;

		/*
		 * An endpoint whose peer already sent a FIN (a Fast Open server
		 * closing in SYN_RCVD) has received it: CLOSE_WAIT, not
		 * ESTABLISHED.
		 */
		if (in_handshake(f->state[c]))
			fsm_set(f, o, c, f->dir[!c].flags & XDPCT_D_FIN ?
				XDPCT_S_CLOSE_WAIT : XDPCT_S_ESTABLISHED, now);
		if (in_handshake(f->state[!c]))
			fsm_set(f, o, !c, f->dir[c].flags & XDPCT_D_FIN ?
				XDPCT_S_CLOSE_WAIT : XDPCT_S_ESTABLISHED, now);
		if (!f->est_us)
			f->est_us = xdpct_hs_enc(f, now);
	} else if ((p->flags & XDPCT_D_SYN_ACKED) && (s->flags & XDPCT_D_SYN) &&
		   in_handshake(f->state[d])) {
		/* d acknowledged r's SYN and sent its own: it has answered */
		fsm_set(f, o, d, XDPCT_S_SYN_RCVD, now);
	}
}

/* ---- FIN ---------------------------------------------------------------- */

/*
 * A FIN from d.  d itself (the CLOSE call, RFC 9293 3.10.4): ESTABLISHED
 * "enter FIN-WAIT-1", CLOSE-WAIT "enter LAST-ACK".  Its receiver r
 * (3.10.7.4, eighth, "check the FIN bit"): SYN-RECEIVED, ESTABLISHED
 * "Enter the CLOSE-WAIT state"; FIN-WAIT-1 "If our FIN has been ACKed
 * (perhaps in this segment), then enter TIME-WAIT ...; otherwise, enter
 * the CLOSING state" (fsm_on_ack ran first: an acked FIN_WAIT_1 is
 * FIN_WAIT_2 by now); FIN-WAIT-2 "Enter the TIME-WAIT state".
 */
static __always_inline void fsm_on_fin(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d];
	__u32 fin_seq = g->seq + g->len;

	if (s->flags & XDPCT_D_FIN) {
		if (fin_seq != s->fin_seq)
			return;
		o->note = XDPCT_STAT_FIN_RETRANS;
		/*
		 * 3.10.7.4, TIME-WAIT: "The only thing that can arrive in this
		 * state is a retransmission of the remote FIN.  Acknowledge it,
		 * and restart the 2 MSL timeout" (Linux: inet_twsk_reschedule).
		 */
		if (f->state[r] == XDPCT_S_TIME_WAIT)
			xdpct_flow_set_state_ns(f, now);
		return;
	}
	s->flags |= XDPCT_D_FIN;
	s->fin_seq = fin_seq;
	if (f->state[r] == XDPCT_S_FIN_WAIT_1) {
		/*
		 * The FINs crossed (RFC 9293 figure 13): this one does not
		 * acknowledge r's (fsm_on_ack left r in FIN_WAIT_1), so d sent
		 * it before r's FIN reached it: d closed from ESTABLISHED
		 * (FIN-WAIT-1), not from the CLOSE-WAIT we assumed, and r's
		 * FIN, already past us, takes it to CLOSING.  r gets d's FIN
		 * with its own unacknowledged: CLOSING.  Each goes on to
		 * TIME-WAIT when its FIN is acknowledged (fsm_on_ack).
		 */
		fsm_set(f, o, d, XDPCT_S_FIN_WAIT_1, now);
		if (f->dir[r].flags & XDPCT_D_FIN)
			fsm_set(f, o, d, XDPCT_S_CLOSING, now);
		fsm_set(f, o, r, XDPCT_S_CLOSING, now);
		return;
	}
	if (f->state[d] == XDPCT_S_CLOSE_WAIT)
		fsm_set(f, o, d, XDPCT_S_LAST_ACK, now);
	else
		fsm_set(f, o, d, XDPCT_S_FIN_WAIT_1, now);

	if (f->state[r] == XDPCT_S_FIN_WAIT_2)
		fsm_set(f, o, r, XDPCT_S_TIME_WAIT, now);
	else if (f->state[r] == XDPCT_S_ESTABLISHED || f->state[r] == XDPCT_S_SYN_RCVD)
		fsm_set(f, o, r, XDPCT_S_CLOSE_WAIT, now);
}

/* An accepted segment with the ACK bit, data or FIN: its effects in order. */
static __always_inline void fsm_accept(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	if (f->flags & XDPCT_F_MIDSTREAM)
		fsm_mid_update(f, g);
	else
		fsm_window_update(f, g);
	if (f->pend)
		f->pend = 0;		/* the SYN it remembered was not answered */
	if (g->flags & TCPF_ACK)
		fsm_on_ack(f, g, now, o);
	if (g->flags & TCPF_FIN)
		fsm_on_fin(f, g, now, o);
	if (fsm_both_closed(f))
		o->closed = 1;
}

/* ---- SYN-ACK ------------------------------------------------------------ */

/*
 * RFC 9293 3.10.7.3, SYN-SENT: "If the ACK bit is set: If SEG.ACK =< ISS
 * or SEG.ACK > SND.NXT ... send a reset"; it must acknowledge r's SYN.
 * Returns 0 and sets *fresh when this is d's first SYN (its direction is
 * to be recorded), -1 for a duplicate (noted), or XDPCT_STAT_INV_SYNACK.
 */
static __always_inline int fsm_synack_check(const struct xdpct_flow *f,
					    const struct xdpct_seg *g,
					    struct xdpct_fsm_out *o, int *fresh)
{
	__u8 d = g->d & 1, r = !d;
	const struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];

	*fresh = 0;
	if (!(p->flags & XDPCT_D_SYN) || !seq_in_ack_range(g->ack, p->isn, p->end))
		return XDPCT_STAT_INV_SYNACK;
	if (!(s->flags & XDPCT_D_SYN)) {
		if (!in_handshake(f->state[d]))
			return XDPCT_STAT_INV_SYNACK;
		*fresh = 1;
		return 0;
	}
	if (g->seq != s->isn)
		return XDPCT_STAT_INV_SYNACK;
	if (p->flags & XDPCT_D_SYN_ACKED) {
		o->note = XDPCT_STAT_SYN_RETRANS;	/* duplicate SYN-ACK */
		return -1;
	}
	return 0;	/* simultaneous open: d answers with its own ISN again */
}

/*
 * A SYN-ACK that passed fsm_synack_check(): v is d as its SYN will leave
 * it, or as it is (simultaneous open, d's SYN is known).
 */
static __always_inline void fsm_synack_sender(const struct xdpct_flow *f,
					      const struct xdpct_seg *g, int fresh,
					      struct fsm_sender *v)
{
	if (fresh)
		fsm_sender_after_syn(v, g);
	else
		fsm_sender_of(v, &f->dir[g->d & 1]);
}

/* An accepted SYN-ACK records d's SYN (unless known) and the SYN-ACK's time. */
static __always_inline void fsm_synack_record(struct xdpct_flow *f, const struct xdpct_seg *g,
					      int fresh, __u64 now)
{
	struct xdpct_dir *s = &f->dir[g->d & 1], *p = &f->dir[!(g->d & 1)];

	if (fresh)
		fsm_init_dir(s, g);
	/*
	 * d may send as far as the SYN's window (never scaled, RFC 7323 2.2)
	 * before the peer's first ACK: a TFO server's data and FIN in SYN_RCVD.
	 */
	if (p->maxwin && seq_after(s->end + p->maxwin, s->maxend))
		s->maxend = s->end + p->maxwin;
	if (!f->synack_us)
		f->synack_us = xdpct_hs_enc(f, now);
}

/* ---- everything but a bare SYN or an RST: SYN-ACK, ACK, data, FIN ------- */

/*
 * A SYN-ACK acknowledging exactly the SYN fsm_syn_in_conn() remembered,
 * from the other end: that end took the SYN as a new connection, so the
 * old one is over (it ended without our seeing it).  nf_conntrack does
 * the same (tcp_packet(): a SYN/ACK answering the ignored SYN).
 */
static __always_inline int fsm_stale_answered(const struct xdpct_flow *f,
					      const struct xdpct_seg *g)
{
	return f->pend == XDPCT_PEND_SYN && f->pend_ep != (g->d & 1) &&
	       g->ack == f->pend_seq + 1 &&
	       !fsm_flow_dead(f);
}

/* The new connection over the stale entry, from the remembered SYN. */
static __always_inline void fsm_stale_reopen(struct xdpct_flow *f, __u64 now,
					     struct xdpct_fsm_out *o)
{
	__u8 d = f->pend_ep & 1;
	struct xdpct_dir *s = &f->dir[d];
	__u32 seq = f->pend_seq;
	__u16 win = f->pend_win;
	__u8 wscale = f->pend_wscale, opts = f->pend_opts;

	fsm_keep_old_ends(f);
	fsm_reopen_by(f, d, now, o);
	/* as fsm_init_dir() records a SYN (its TSval was not kept) */
	s->isn = seq;
	s->end = seq + 1;
	s->maxend = seq + 1;
	s->maxwin = win ? win : 1;
	s->mss = 0;		/* not kept (nothing checks it) */
	s->wscale = wscale;
	s->flags = XDPCT_D_SYN | opts;
	/*
	 * d sent that SYN in this connection, whose client it is.  Its packet
	 * and bytes stay where they were counted as they came, the old
	 * connection's (its end record); its flag is the new one's, which
	 * would otherwise read as picked up without a handshake.
	 */
	f->tcp_flags_seen[d] = TCPF_SYN;
	f->syn_us = 0;		/* when that SYN came was not kept */
}

/*
 * A segment the entry refuses, after a stale reopen or close
 * (fsm_keep_old_ends()): its seq and ack are the old connection's two
 * ends, as a live endpoint's next segment, its challenge ACK to the SYN
 * (RFC 5961 4.2) or its answer to the SYN-ACK carry them.  The SYN and
 * its answer were forged (a blind injector hits the XOR of both ends with
 * odds 2^-32 per segment): the old connection is alive.
 */
static __always_inline int fsm_old_speaks(const struct xdpct_flow *f,
					  const struct xdpct_seg *g)
{
	return f->old_ends && (g->flags & (TCPF_SYN | TCPF_RST | TCPF_ACK)) == TCPF_ACK &&
	       (g->seq ^ g->ack) == f->old_ends;
}

/*
 * Take the old connection back, from the segment that proved it alive:
 * both ends ESTABLISHED at its seq and ack, as a connection picked up
 * midstream (the rest of the old entry is gone; the windows are learned
 * again, liberal), counted `stale_undone`.  The segment is accepted.
 */
static __always_inline void fsm_undo(struct xdpct_flow *f, const struct xdpct_seg *g,
				     __u64 now, struct xdpct_fsm_out *o)
{
	__u32 est = f->est_us;

	__builtin_memset(&f->dir, 0, sizeof(f->dir));
	fsm_mid_dirs(f, g);
	f->flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL;
	f->pend = 0;
	f->old_ends = 0;
	fsm_open_established(f, g, now, o);
	if (est)
		f->est_us = est;	/* the handshake times stay what was seen */
	o->invalid = 0;
	o->window_fail = 0;
	o->ignored = 0;
	o->note = XDPCT_STAT_STALE_UNDONE;
}

/* Refused for reason err, unless it is the old connection speaking. */
static __always_inline void fsm_refuse(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o, int err)
{
	if (fsm_old_speaks(f, g))
		fsm_undo(f, g, now, o);
	else
		o->invalid = err;
}

/*
 * Checked in full first (the SYN-ACK's own rules, d's state, the window),
 * then applied: a SYN-ACK's SYN, then fsm_accept().
 */
static __always_inline void fsm_on_segment(struct xdpct_flow *f, const struct xdpct_seg *g,
					   __u64 now, struct xdpct_fsm_out *o)
{
	int synack = !!(g->flags & TCPF_SYN), fresh = 0, err;
	struct fsm_sender v;

	if (fsm_both_closed(f)) {
		/* nothing but a SYN may arrive once the connection is over */
		fsm_refuse(f, g, now, o, XDPCT_STAT_INV_STATE);
		return;
	}
	if (synack) {
		if (fsm_stale_answered(f, g))
			fsm_stale_reopen(f, now, o);
		err = fsm_synack_check(f, g, o, &fresh);
		if (err) {
			if (err > 0)
				o->invalid = err;
			return;
		}
		fsm_synack_sender(f, g, fresh, &v);
	} else if (!(f->dir[g->d & 1].flags & XDPCT_D_SYN)) {
		/* d never opened its side (e.g. a bare ACK answering a SYN) */
		fsm_refuse(f, g, now, o, XDPCT_STAT_INV_STATE);
		return;
	} else {
		fsm_sender_of(&v, &f->dir[g->d & 1]);
	}
	if (fsm_refused(f, g, &v, o)) {
		if (o->invalid)
			fsm_refuse(f, g, now, o, o->invalid);
		return;
	}
	if (synack)
		fsm_synack_record(f, g, fresh, now);
	fsm_accept(f, g, now, o);
}

/* ---- one segment ---------------------------------------------------------- */

/* 2*MSL over: whatever lingered in TIME_WAIT is gone now (time, not the segment). */
static __always_inline void fsm_time_wait_over(struct xdpct_flow *f, __u64 now,
					       const volatile struct xdpct_cfg *cfg,
					       struct xdpct_fsm_out *o)
{
	if ((f->state[0] == XDPCT_S_TIME_WAIT || f->state[1] == XDPCT_S_TIME_WAIT) &&
	    xdpct_since(now, xdpct_flow_state_ns(f)) >= cfg->time_wait_ns)
		fsm_close_both(f, o, now);
}

/* A segment of an existing flow.  The caller holds f->lock. */
static __always_inline void fsm_segment(struct xdpct_flow *f, const struct xdpct_seg *g,
					__u64 now, const volatile struct xdpct_cfg *cfg,
					struct xdpct_fsm_out *o)
{
	__u8 fl = g->flags;

	/* first: so that a new SYN can reopen what just expired */
	fsm_time_wait_over(f, now, cfg, o);
	if ((fl & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		fsm_on_syn(f, g, now, o);
	else if (fl & TCPF_RST)
		fsm_on_rst(f, g, now, o);
	else
		fsm_on_segment(f, g, now, o);
}

#endif /* XDPCT_TCP_FSM_H */
