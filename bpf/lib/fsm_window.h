/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The window check, as nf_conntrack makes it (tcp_in_window() in
 * net/netfilter/nf_conntrack_proto_tcp.c): four bounds on the segment's
 * sequence and acknowledgement numbers from what each direction has sent
 * and been allowed, then the bookkeeping that moves those bounds.
 *
 * The check only reads, the update only writes: a handler checks first
 * and updates once the whole segment is accepted.
 */
#ifndef XDPCT_FSM_WINDOW_H
#define XDPCT_FSM_WINDOW_H

#include "fsm_state.h"

/* nf_conntrack's MAXACKWINDOW(): an ack may lag this far behind td_end. */
#define XDPCT_MIN_MAXACK 66000

/*
 * What the check needs of the sender's direction: its own (fsm_sender_of),
 * or the one its SYN-ACK is about to record (fsm_sender_after_syn), so a
 * SYN-ACK is judged as if accepted without writing anything first.
 */
struct fsm_sender {
	__u32 end, maxend, maxwin;
	__u8 syn;		/* has sent its SYN */
};

static __always_inline void fsm_sender_of(struct fsm_sender *v, const struct xdpct_dir *s)
{
	v->end = s->end;
	v->maxend = s->maxend;
	v->maxwin = s->maxwin;
	v->syn = !!(s->flags & XDPCT_D_SYN);
}

/* As fsm_init_dir() will leave it. */
static __always_inline void fsm_sender_after_syn(struct fsm_sender *v,
						 const struct xdpct_seg *g)
{
	v->end = seg_end(g);
	v->maxend = v->end;
	v->maxwin = g->win ? g->win : 1;
	v->syn = 1;
}

/* The ack a segment carries; without the ACK bit, the peer's end (acks all). */
static __always_inline __u32 fsm_seg_ack(const struct xdpct_flow *f, const struct xdpct_seg *g)
{
	return (g->flags & TCPF_ACK) ? g->ack : f->dir[!(g->d & 1)].end;
}

/*
 * The ack checks III and IV take, as nf_conntrack's tcp_sack() in
 * tcp_in_window(): the highest SACK right edge when it is beyond the ack
 * and the receiver r offered SACK on its SYN (RFC 2018 2: only then may d
 * send SACK blocks).  Data SACKed past a hole is acknowledged as far as
 * an observer can check: r must have sent it (III), whatever the ack.
 * The window edges still move by the cumulative ack (fsm_window_update).
 */
static __always_inline __u32 fsm_check_ack(const struct xdpct_flow *f, const struct xdpct_seg *g)
{
	__u32 ack = fsm_seg_ack(f, g);

	if (g->has_sack && (f->dir[!(g->d & 1)].flags & XDPCT_D_SACK_PERM) &&
	    (g->flags & TCPF_ACK) && seq_after(g->sack, ack))
		return g->sack;
	return ack;
}

/*
 * Check I: the segment lies inside what the receiver allowed, its data
 * ending at or before maxend (the receiver's last ack + window, or one past
 * a zero window's edge for the probe RFC 9293 3.8.6.1 allows).
 * nf_conntrack tests only the start, before(seq, td_maxend + 1), so data
 * sent contiguously past the window (each segment starting at the last
 * one's end) is never caught once the first has overrun: refusing the
 * overrun here also keeps maxend where the receiver put it.  A FIN takes
 * the sequence number after the data and may sit at the edge itself.
 */
static __always_inline int fsm_seq_in_allowed(const struct xdpct_seg *g, __u32 maxend)
{
	return seq_before(g->seq + g->len, maxend + 1) &&
	       (g->len || seq_before(g->seq, maxend + 1));
}

/*
 * fsm_window_check()'s answer for a flow picked up midstream: its window
 * scale is unknown, so fsm_mid_check() judges it (under the entry's lock:
 * the lock-free path takes any nonzero answer for "not mine").  Not a
 * counter index: it never reaches o->invalid.
 */
#define XDPCT_WIN_UNSCALED 0xff

/*
 * tcp_in_window()'s checks I-IV.  0, or the XDPCT_STAT_INV_* that failed.
 * No bound is known before both directions announced a window; a
 * midstream entry is fsm_mid_check()'s (XDPCT_WIN_UNSCALED).
 */
static __always_inline int fsm_window_check(const struct xdpct_flow *f,
					    const struct xdpct_seg *g,
					    const struct fsm_sender *s)
{
	const struct xdpct_dir *p = &f->dir[!(g->d & 1)];
	__u32 end = seg_end(g), ack = fsm_check_ack(f, g);
	__u32 maxack;

	if (f->flags & XDPCT_F_MIDSTREAM)
		return XDPCT_WIN_UNSCALED;
	if (!p->maxwin || !s->syn)
		return 0;
	maxack = s->maxwin > XDPCT_MIN_MAXACK ? s->maxwin : XDPCT_MIN_MAXACK;
	/* I: inside what the receiver allowed (fsm_seq_in_allowed) */
	if (!fsm_seq_in_allowed(g, s->maxend))
		return XDPCT_STAT_INV_SEQ;
	/* II: after(end, sender->td_end - receiver->td_maxwin - 1) */
	if (!seq_after(end, s->end - p->maxwin - 1))
		return XDPCT_STAT_INV_SEQ;
	/* III: before(sack, receiver->td_end + 1) (fsm_check_ack) */
	if (!seq_before(ack, p->end + 1))
		return XDPCT_STAT_INV_ACK;
	/* IV: after(sack, receiver->td_end - MAXACKWINDOW(sender) - 1) */
	if (!seq_after(ack, p->end - maxack - 1))
		return XDPCT_STAT_INV_ACK;
	return 0;
}

/* Checks I and II alone, for a segment (not a SYN) of s to p. */
static __always_inline int fsm_seq_fits(const struct xdpct_dir *s, const struct xdpct_dir *p,
					const struct xdpct_seg *g)
{
	return fsm_seq_in_allowed(g, s->maxend) &&
	       seq_after(seg_end(g), s->end - p->maxwin - 1);
}

/* Checks III and IV alone, for a segment with the ACK bit of s to p. */
static __always_inline int fsm_ack_fits(const struct xdpct_dir *s, const struct xdpct_dir *p,
					__u32 ack)
{
	__u32 maxack = s->maxwin > XDPCT_MIN_MAXACK ? s->maxwin : XDPCT_MIN_MAXACK;

	return seq_before(ack, p->end + 1) && seq_after(ack, p->end - maxack - 1);
}

/* tcp_in_window()'s bookkeeping for an accepted segment. */
static __always_inline void fsm_window_update(struct xdpct_flow *f, const struct xdpct_seg *g)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u32 end = seg_end(g), ack = fsm_seg_ack(f, g);
	__u32 win = g->win;

	/* RFC 7323 2.2: the window of a SYN is never scaled */
	if (!(g->flags & TCPF_SYN) && (s->flags & XDPCT_D_WSCALE) &&
	    (p->flags & XDPCT_D_WSCALE))
		win <<= s->wscale;

	if (!(g->flags & TCPF_SYN) && s->maxwin < win)
		s->maxwin = win;
	/* the latest TSval (read on SYNs and FINs), for a TIME_WAIT end's RFC 6191 check */
	if ((g->opts & XDPCT_D_TS) && (__s32)(g->tsval - s->ts_recent) > 0)
		s->ts_recent = g->tsval;
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
	if (g->flags & TCPF_ACK) {
		if (!(s->flags & XDPCT_D_ACKED_ANY) || seq_after(g->ack, s->ack))
			s->ack = g->ack;
		s->flags |= XDPCT_D_ACKED_ANY;
	}
}

/* ---- flows picked up midstream: window scale unknown ------------------ */

/*
 * The largest window any scale allows (65535 << 14, RFC 7323 2.3): what
 * "not knowing the window scale" widens the sequence checks to.
 */
#define XDPCT_WIDEST_WIN (0xffffu << 14)

/* fsm_mid_check(): passed, but it moves nothing (no endpoint vouches for it) */
#define XDPCT_MID_UNANCHORED 0xfe

/*
 * A midstream entry has no SYN of either side, so it never knows the
 * window scale: the window checks are widened to the widest window, and
 * what the segment may move is decided by what the endpoints confirm,
 * never by one segment alone (issue 11 rule 8).  Per direction, end is
 * what the tracker vouches for (RFC 5961's RST edge), maxend the highest
 * end it was seen to claim, maxwin the largest raw window it sent (0: not
 * seen yet, its end only inferred from the peer's ack).
 *
 * A segment of d is refused (counted; passed while the entry is still
 * liberal) when no window could allow it: it ends past d's end plus the
 * widest window, or before d's end minus it (I and II widened); or, once
 * r has been seen, it acknowledges past all r was seen to send, or lags
 * r's end by more than the widest window (III exact, IV widened).
 *
 * It is anchored - taken, moving edges, states and all - when it starts
 * at or before d's end (data contiguous with what d was seen to send, or
 * a retransmission of it, not older than the usual ack window: RFC 9293
 * 3.10.7.4's acceptability test around an RCV.NXT the tracker knows).  A
 * blind injector hits that with odds ~ len / 2^32.  The first segment of
 * a direction not yet seen (nf_conntrack: td_maxwin == 0, "we are in the
 * middle of a connection") is anchored by its ack instead, which must
 * fall within the usual ack window below the peer's end.
 *
 * Anything else in the widest window (data past d's end: segments we
 * missed, or reordered, or forged) passes and moves nothing but d's
 * claimed end (maxend), until r acknowledges it: data of d acknowledged
 * by r in an anchored segment of r moves d's end (fsm_mid_update()).
 */
static __always_inline int fsm_mid_check(const struct xdpct_flow *f,
					 const struct xdpct_seg *g)
{
	const struct xdpct_dir *s = &f->dir[g->d & 1], *p = &f->dir[!(g->d & 1)];
	__u32 end = seg_end(g), ack = g->ack;

	if (seq_after(end, s->end + XDPCT_WIDEST_WIN) ||
	    !seq_after(end, s->end - XDPCT_WIDEST_WIN - 1))
		return XDPCT_STAT_INV_SEQ;
	if (!s->maxwin) {
		/* d's first segment: anchored by an ack close to r's end */
		if ((g->flags & TCPF_ACK) && !seq_after(ack, p->end) &&
		    seq_after(ack, p->end - XDPCT_MIN_MAXACK - 1))
			return 0;
		return XDPCT_MID_UNANCHORED;
	}
	if ((g->flags & TCPF_ACK) && p->maxwin &&
	    (seq_after(ack, p->maxend) || !seq_after(ack, p->end - XDPCT_WIDEST_WIN - 1)))
		return XDPCT_STAT_INV_ACK;
	if (seq_after(g->seq, s->end) || !seq_after(end, s->end - XDPCT_MIN_MAXACK - 1))
		return XDPCT_MID_UNANCHORED;
	return 0;
}

/* An unanchored segment of d: what d claims to have sent, nothing more. */
static __always_inline void fsm_mid_claim(struct xdpct_flow *f, const struct xdpct_seg *g)
{
	struct xdpct_dir *s = &f->dir[g->d & 1];
	__u32 end = seg_end(g);

	if (s->maxwin && seq_after(end, s->maxend))
		s->maxend = end;
}

/*
 * fsm_window_update() for a midstream entry's anchored segment: d's end
 * and ack move; d's ack confirms r's data up to it (r's end follows, at
 * most to what r was seen to claim once r was seen: fsm_mid_check()); the
 * raw window is learned as it comes.  A direction's first anchored
 * segment makes both known: the entry leaves liberal mode.
 */
static __always_inline void fsm_mid_update(struct xdpct_flow *f, const struct xdpct_seg *g)
{
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u32 end = seg_end(g), win = g->win ? g->win : 1;

	if (!s->maxwin && p->maxwin)
		f->flags &= ~XDPCT_F_LIBERAL;
	if (s->maxwin < win)
		s->maxwin = win;
	if ((g->opts & XDPCT_D_TS) && (__s32)(g->tsval - s->ts_recent) > 0)
		s->ts_recent = g->tsval;
	if (seq_after(end, s->end))
		s->end = end;
	if (seq_after(s->end, s->maxend))
		s->maxend = s->end;
	if (!(g->flags & TCPF_ACK))
		return;
	if (!(s->flags & XDPCT_D_ACKED_ANY) || seq_after(g->ack, s->ack))
		s->ack = g->ack;
	s->flags |= XDPCT_D_ACKED_ANY;
	if (seq_after(g->ack, p->end))
		p->end = g->ack;
	if (seq_after(p->end, p->maxend))
		p->maxend = p->end;
}

#endif /* XDPCT_FSM_WINDOW_H */
