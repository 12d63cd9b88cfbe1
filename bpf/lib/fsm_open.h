/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a connection's entry starts: from its SYN, from a segment of a
 * connection that ran before we looked (midstream), from the ACK that
 * completes a SYN-cookie handshake, or over a dead connection's entry when
 * a new SYN reuses its 4-tuple.
 */
#ifndef XDPCT_FSM_OPEN_H
#define XDPCT_FSM_OPEN_H

#include "fsm_state.h"

/* Fresh entry from a bare SYN: d is the client. */
static __always_inline void fsm_new_syn(struct xdpct_flow *f, const struct xdpct_seg *g,
					__u64 now, struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1;

	f->client = d;
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	f->syn_us = xdpct_hs_enc(f, now);
	fsm_init_dir(&f->dir[d], g);
	f->state[!d] = XDPCT_S_LISTEN;
	xdpct_flow_set_state_ns(f, now);
	fsm_set(f, o, d, XDPCT_S_SYN_SENT, now);
	o->victim = 1;			/* half-open: first to go when full */
}

/*
 * An entry that starts with both ends ESTABLISHED (client's end first, as
 * a watcher expects) from a segment of d, which may already carry d's FIN:
 * then d has closed (FIN_WAIT_1) and its peer has that FIN (CLOSE_WAIT).
 */
static __always_inline void fsm_open_established(struct xdpct_flow *f,
						 const struct xdpct_seg *g, __u64 now,
						 struct xdpct_fsm_out *o)
{
	__u8 d = g->d & 1;
	struct xdpct_dir *s = &f->dir[d];

	fsm_set(f, o, f->client, XDPCT_S_ESTABLISHED, now);
	fsm_set(f, o, !f->client, XDPCT_S_ESTABLISHED, now);
	f->est_us = xdpct_hs_enc(f, now);
	if (g->flags & TCPF_FIN) {
		s->flags |= XDPCT_D_FIN;
		s->fin_seq = g->seq + g->len;
		fsm_set(f, o, d, XDPCT_S_FIN_WAIT_1, now);
		fsm_set(f, o, !d, XDPCT_S_CLOSE_WAIT, now);
	}
}

/*
 * Both directions of a connection that ran before we looked, from d's
 * segment g (not a SYN): d's as it sent it, r's end at g's ack.
 */
static __always_inline void fsm_mid_dirs(struct xdpct_flow *f, const struct xdpct_seg *g)
{
	struct xdpct_dir *s = &f->dir[g->d & 1], *p = &f->dir[!(g->d & 1)];

	s->isn = g->seq;
	s->end = seg_end(g);
	s->maxwin = g->win ? g->win : 1;
	s->maxend = s->end;		/* what d claims: fsm_mid_check() */
	s->ts_recent = (g->opts & XDPCT_D_TS) ? g->tsval : 0;
	s->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY;
	s->ack = g->ack;
	p->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED;
	p->isn = g->ack - 1;
	p->end = g->ack;
	p->maxend = g->ack;
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

	if (g->flags & TCPF_RST)
		return 0;		/* an RST never starts anything */
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	f->flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL;
	if (g->flags & TCPF_SYN) {
		/* SYN-ACK first: its receiver is the client, its SYN was acked */
		f->client = r;
		f->synack_us = xdpct_hs_enc(f, now);
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
	fsm_mid_dirs(f, g);
	fsm_open_established(f, g, now, o);
	return 1;
}

/*
 * What the SYN and the cookie SYN-ACK settled, recovered from a valid
 * cookie ACK (sc_check.h): the handshake left no entry behind.
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
	f->syn_us = xdpct_hs_enc(f, now);	/* the SYN and SYN-ACK times were not kept */
	f->synack_us = f->syn_us;
	f->state[c] = XDPCT_S_SYN_SENT;
	f->state[sv] = XDPCT_S_SYN_RCVD;

	sd->isn = g->ack - 1;
	sd->end = g->ack;
	sd->ack = g->seq;
	/*
	 * A synproxy SYN-ACK offers window 0 and SYNPROXY's own window update
	 * opens it later (on egress, which XDP may not see): until the server's
	 * first segment its window is unknown, so the client's data is not
	 * checked against it (fsm_window_check(): no bound before both windows).
	 */
	sd->maxwin = h->synack_win;
	sd->mss = h->smss;
	sd->wscale = h->swscale;
	sd->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY | h->opts;

	if (h->opts & XDPCT_D_WSCALE)
		cwin <<= h->cwscale;
	cd->isn = g->seq - 1;
	cd->end = seg_end(g);
	cd->ack = g->ack;
	cd->ts_recent = (g->opts & XDPCT_D_TS) ? g->tsval : 0;
	cd->maxwin = cwin ? cwin : 1;
	cd->mss = h->cmss;
	cd->wscale = h->cwscale;
	cd->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY | h->opts;
	/* each may send up to what the other acknowledged plus its window */
	cd->maxend = g->seq + sd->maxwin;
	if (seq_after(cd->end, cd->maxend))
		cd->maxend = cd->end;
	sd->maxend = g->ack + cd->maxwin;

	fsm_open_established(f, g, now, o);
}

/*
 * Wipe an entry for a new connection on the same 4-tuple (keeps the lock),
 * opened by endpoint d; its SYN is recorded by the caller.
 */
static __always_inline void fsm_reopen_by(struct xdpct_flow *f, __u8 d, __u64 now,
					  struct xdpct_fsm_out *o)
{
	__u32 gen = f->gen + 1;

	/* the new connection's times run from now (xdpct/flow.h) */
	f->first_seen_ns = now;
	/* tell the watcher both ends left their old state */
	fsm_set(f, o, d & 1, XDPCT_S_SYN_SENT, now);
	fsm_set(f, o, !d, XDPCT_S_LISTEN, now);
	__builtin_memset(&f->dir, 0, sizeof(f->dir));
	__builtin_memset(&f->octets, 0, sizeof(f->octets));
	__builtin_memset(&f->pkts, 0, sizeof(f->pkts));
	f->tcp_flags_seen[0] = f->tcp_flags_seen[1] = 0;
	f->flags = XDPCT_F_REUSED;
	f->pend = 0;
	f->gen = gen;
	f->synack_us = 0;
	f->est_us = 0;
	f->client = d;
	f->syn_us = xdpct_hs_enc(f, now);
	xdpct_flow_set_state_ns(f, now);
	o->reopened = 1;
	o->victim = 1;
}

/* A new connection from d's SYN g over a dead connection's entry. */
static __always_inline void fsm_reopen(struct xdpct_flow *f, const struct xdpct_seg *g,
				       __u64 now, struct xdpct_fsm_out *o)
{
	fsm_reopen_by(f, g->d & 1, now, o);
	fsm_init_dir(&f->dir[g->d & 1], g);
}
#endif /* XDPCT_FSM_OPEN_H */
