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
 * tcp_in_window()'s checks I-IV.  0, or the XDPCT_STAT_INV_* that failed.
 * No bound is known before both directions announced a window, nor on a
 * liberal (midstream) entry.
 */
static __always_inline int fsm_window_check(const struct xdpct_flow *f,
					    const struct xdpct_seg *g,
					    const struct fsm_sender *s)
{
	const struct xdpct_dir *p = &f->dir[!(g->d & 1)];
	__u32 end = seg_end(g), ack = fsm_seg_ack(f, g);
	__u32 maxack;

	if ((f->flags & XDPCT_F_LIBERAL) || !p->maxwin || !s->syn)
		return 0;
	maxack = s->maxwin > XDPCT_MIN_MAXACK ? s->maxwin : XDPCT_MIN_MAXACK;
	/* I: inside what the receiver allowed (fsm_seq_in_allowed) */
	if (!fsm_seq_in_allowed(g, s->maxend))
		return XDPCT_STAT_INV_SEQ;
	/* II: after(end, sender->td_end - receiver->td_maxwin - 1) */
	if (!seq_after(end, s->end - p->maxwin - 1))
		return XDPCT_STAT_INV_SEQ;
	/* III: before(ack, receiver->td_end + 1) */
	if (!seq_before(ack, p->end + 1))
		return XDPCT_STAT_INV_ACK;
	/* IV: after(ack, receiver->td_end - MAXACKWINDOW(sender) - 1) */
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

#endif /* XDPCT_FSM_WINDOW_H */
