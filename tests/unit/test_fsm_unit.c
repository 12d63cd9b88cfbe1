// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Host-compiled unit tests of the pure state machine (bpf/tcp_fsm.h) and
 * the expiry rule (include/xdpct_expiry.h): the exact code the datapath
 * runs, called directly.  Sequence arithmetic at the 2^32 edge, the
 * transition record, expiry and eviction decisions at their boundaries,
 * and a seeded random walk of a million segments checking the invariants
 * every step must keep (possible state pairs, transitions that replay to
 * the new states, invalid segments that change nothing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <criterion/criterion.h>
#include "lib/fsm.h"
#include "pairs.h"

#define SEC XDPCT_NSEC_PER_SEC

static struct xdpct_cfg def_cfg(void)
{
	struct xdpct_cfg c = XDPCT_CFG_DEFAULTS;

	return c;
}

/* ---- sequence arithmetic ------------------------------------------------ */

Test(fsm_unit, seq_compare_wraps)
{
	cr_assert(seq_before(0xfffffff0u, 0x10));
	cr_assert(seq_after(0x10, 0xfffffff0u));
	cr_assert(!seq_before(5, 5) && !seq_after(5, 5));
	cr_assert(seq_before(0x7fffffffu, 0x80000000u));
	cr_assert(seq_after(0, 0xffffffffu));
	/* half the space away: "before" by the sign of the difference */
	cr_assert(seq_before(0, 0x7fffffffu));
	cr_assert(!seq_before(0, 0x80000001u));
}

Test(fsm_unit, ack_range_is_half_open)
{
	/* (lo, hi] */
	cr_assert(!seq_in_ack_range(100, 100, 101));
	cr_assert(seq_in_ack_range(101, 100, 101));
	cr_assert(!seq_in_ack_range(102, 100, 101));
	cr_assert(!seq_in_ack_range(99, 100, 101));
	/* across 2^32 */
	cr_assert(seq_in_ack_range(0, 0xffffffffu, 5));
	cr_assert(seq_in_ack_range(5, 0xffffffffu, 5));
	cr_assert(!seq_in_ack_range(6, 0xffffffffu, 5));
	cr_assert(!seq_in_ack_range(0xffffffffu, 0xffffffffu, 5));
}

Test(fsm_unit, segment_end_counts_syn_and_fin)
{
	struct xdpct_seg g = { .seq = 0xfffffffeu, .len = 1, .flags = TCPF_SYN | TCPF_ACK };

	cr_assert_eq(seg_end(&g), 0);
	g.flags = TCPF_FIN | TCPF_ACK;
	cr_assert_eq(seg_end(&g), 0);
	g.flags = TCPF_ACK;
	cr_assert_eq(seg_end(&g), 0xffffffffu);
}

/* ---- transition record -------------------------------------------------- */

Test(fsm_unit, transition_record_is_bounded)
{
	struct xdpct_flow f = {};
	struct xdpct_fsm_out o = {};
	int i;

	for (i = 0; i < 2 * XDPCT_MAX_TRANS; i++)
		fsm_set(&f, &o, i & 1, (__u8)(XDPCT_S_LISTEN + i),
			(1000 + i) * XDPCT_NS_PER_MS);
	cr_assert_eq(o.n, XDPCT_MAX_TRANS);
	/* the states move on even when the record is full */
	cr_assert_eq(f.state[1], XDPCT_S_LISTEN + 2 * XDPCT_MAX_TRANS - 1);
	/* one state time per flow, in ms (issue 14) */
	cr_assert_eq(xdpct_flow_state_ns(&f), (1000 + 2 * XDPCT_MAX_TRANS - 1) * XDPCT_NS_PER_MS);
	cr_assert_eq(o.t[0].ep, 0);
	cr_assert_eq(o.t[0].from, XDPCT_S_NONE);
	cr_assert_eq(o.t[1].from, XDPCT_S_NONE);
	cr_assert_eq(o.t[2].from, XDPCT_S_LISTEN);
	/* no-op transitions are not recorded */
	memset(&o, 0, sizeof(o));
	fsm_set(&f, &o, 0, f.state[0], 5);
	cr_assert_eq(o.n, 0);
	cr_assert_eq(o.victim, 0);
	fsm_set(&f, &o, 0, XDPCT_S_TIME_WAIT, 5);
	cr_assert_eq(o.victim, 1);
}

/* ---- new entries ---------------------------------------------------------- */

Test(fsm_unit, new_from_syn)
{
	struct xdpct_flow f = {};
	struct xdpct_fsm_out o = {};
	struct xdpct_seg g = { .seq = 7, .win = 1000, .flags = TCPF_SYN, .d = 1, .mss = 1460,
			       .wscale = 7, .opts = XDPCT_D_WSCALE | XDPCT_D_TS };

	fsm_new_syn(&f, &g, 42, &o);
	cr_assert_eq(f.client, 1);
	cr_assert_eq(f.state[1], XDPCT_S_SYN_SENT);
	cr_assert_eq(f.state[0], XDPCT_S_LISTEN);
	cr_assert_eq(o.n, 1);
	cr_assert(o.victim);
	cr_assert_eq(f.dir[1].isn, 7);
	cr_assert_eq(f.dir[1].end, 8);
	cr_assert_eq(f.dir[1].maxwin, 1000);
	cr_assert_eq(f.dir[1].flags, XDPCT_D_SYN | XDPCT_D_WSCALE | XDPCT_D_TS);
	cr_assert_eq(xdpct_flow_syn_ns(&f), 42);
	cr_assert_eq(xdpct_flow_state_ns(&f), 42);
}

Test(fsm_unit, new_midstream)
{
	struct xdpct_flow f = {};
	struct xdpct_fsm_out o = {};
	struct xdpct_seg g = { .seq = 100, .ack = 200, .len = 10, .win = 500,
			       .flags = TCPF_ACK | TCPF_FIN, .d = 0, .sport = 80, .dport = 50000 };

	/* an RST starts nothing */
	g.flags = TCPF_RST | TCPF_ACK;
	cr_assert_eq(fsm_new_midstream(&f, &g, 1, &o), 0);
	g.flags = TCPF_ACK | TCPF_FIN;
	cr_assert_eq(fsm_new_midstream(&f, &g, 1, &o), 1);
	/* the higher port is the client: the receiver here */
	cr_assert_eq(f.client, 1);
	cr_assert_eq(f.state[0], XDPCT_S_FIN_WAIT_1);
	cr_assert_eq(f.state[1], XDPCT_S_CLOSE_WAIT);
	cr_assert_eq(o.n, 4);
	cr_assert_eq(f.dir[0].fin_seq, 110);
	cr_assert_eq(f.dir[0].end, 111);
	cr_assert_eq(f.dir[1].end, 200);
	cr_assert_eq(f.flags, XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL);
	cr_assert_eq(xdpct_flow_est_ns(&f), 1);
	/* equal ports: the sender is taken as client */
	memset(&f, 0, sizeof(f));
	g.flags = TCPF_ACK;
	g.dport = 80;
	fsm_new_midstream(&f, &g, 1, &o);
	cr_assert_eq(f.client, 0);
}

/* ---- expiry and eviction ----------------------------------------------------- */

/* States a and b, the flow's last state change at state_ns (first seen at 0). */
static struct xdpct_flow flow_in(__u8 a, __u8 b, __u64 state_ns, __u64 last)
{
	struct xdpct_flow f = {};

	f.state[0] = a;
	f.state[1] = b;
	xdpct_flow_set_state_ns(&f, state_ns);
	f.last_seen_ns = last;
	return f;
}

Test(fsm_unit, expiry_boundaries)
{
	struct xdpct_cfg cfg = def_cfg();
	struct xdpct_flow f;
	__u8 r = 0;
	__u64 t0 = 1000 * SEC;

	/*
	 * TIME_WAIT: 2*MSL from the flow's last state change (issue 14: one
	 * state time per flow; with both ends in TIME_WAIT that is the later
	 * of the two, no longer the earlier), whatever segments came since
	 */
	f = flow_in(XDPCT_S_TIME_WAIT, XDPCT_S_CLOSED, t0, t0 + 50 * SEC);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.time_wait_ns - 1, &cfg, &r), XDPCT_KEEP);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.time_wait_ns, &cfg, &r), XDPCT_TW_DONE);
	f = flow_in(XDPCT_S_TIME_WAIT, XDPCT_S_TIME_WAIT, t0 + SEC, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 + SEC + cfg.time_wait_ns, &cfg, &r), XDPCT_TW_DONE);
	cr_assert_eq(xdpct_expiry(&f, t0 + SEC + cfg.time_wait_ns - 1, &cfg, &r), XDPCT_KEEP);
	/* a transition past the 32-bit offset's range: last_seen stands in */
	f = flow_in(XDPCT_S_TIME_WAIT, XDPCT_S_CLOSED, 50 * 86400 * SEC, 50 * 86400 * SEC + SEC);
	cr_assert_eq(f.state_ms, XDPCT_T32_SAT);
	cr_assert_eq(xdpct_flow_state_ns(&f), 50 * 86400 * SEC + SEC);
	/* CLOSED lingers close_ns after the later of the two */
	f = flow_in(XDPCT_S_CLOSED, XDPCT_S_CLOSED, t0 + SEC, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 + SEC + cfg.close_ns - 1, &cfg, &r), XDPCT_KEEP);
	cr_assert_eq(xdpct_expiry(&f, t0 + SEC + cfg.close_ns, &cfg, &r), XDPCT_DELETE);
	cr_assert_eq(r, XDPCT_EXP_CLOSED);
	/* ESTABLISHED: idle time */
	f = flow_in(XDPCT_S_ESTABLISHED, XDPCT_S_ESTABLISHED, 0, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.established_ns - 1, &cfg, &r), XDPCT_KEEP);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.established_ns, &cfg, &r), XDPCT_DELETE);
	cr_assert_eq(r, XDPCT_EXP_IDLE);
	/* half-open */
	f = flow_in(XDPCT_S_SYN_SENT, XDPCT_S_LISTEN, 0, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.syn_ns - 1, &cfg, &r), XDPCT_KEEP);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.syn_ns, &cfg, &r), XDPCT_DELETE);
	cr_assert_eq(r, XDPCT_EXP_HALF_OPEN);
	/* closing */
	f = flow_in(XDPCT_S_FIN_WAIT_2, XDPCT_S_CLOSE_WAIT, 0, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.closing_ns - 1, &cfg, &r), XDPCT_KEEP);
	cr_assert_eq(xdpct_expiry(&f, t0 + cfg.closing_ns, &cfg, &r), XDPCT_DELETE);
	cr_assert_eq(r, XDPCT_EXP_CLOSING);
	/* a clock behind last_seen (replay, other CPU) is no time at all */
	cr_assert_eq(xdpct_since(5, 10), 0);
	f = flow_in(XDPCT_S_SYN_SENT, XDPCT_S_LISTEN, 0, t0);
	cr_assert_eq(xdpct_expiry(&f, t0 - SEC, &cfg, &r), XDPCT_KEEP);
}

Test(fsm_unit, evictable)
{
	struct xdpct_flow f;

	f = flow_in(XDPCT_S_SYN_SENT, XDPCT_S_LISTEN, 0, 0);
	cr_assert(xdpct_evictable(&f));
	f = flow_in(XDPCT_S_SYN_RCVD, XDPCT_S_SYN_SENT, 0, 0);
	cr_assert(xdpct_evictable(&f));
	f = flow_in(XDPCT_S_TIME_WAIT, XDPCT_S_CLOSED, 0, 0);
	cr_assert(xdpct_evictable(&f));
	f = flow_in(XDPCT_S_TIME_WAIT, XDPCT_S_LAST_ACK, 0, 0);
	cr_assert(xdpct_evictable(&f));
	f = flow_in(XDPCT_S_CLOSED, XDPCT_S_CLOSED, 0, 0);
	cr_assert(xdpct_evictable(&f));
	f = flow_in(XDPCT_S_ESTABLISHED, XDPCT_S_ESTABLISHED, 0, 0);
	cr_assert(!xdpct_evictable(&f));
	f = flow_in(XDPCT_S_FIN_WAIT_2, XDPCT_S_CLOSE_WAIT, 0, 0);
	cr_assert(!xdpct_evictable(&f));
	f = flow_in(XDPCT_S_CLOSING, XDPCT_S_CLOSING, 0, 0);
	cr_assert(!xdpct_evictable(&f));
	f = flow_in(XDPCT_S_CLOSED, XDPCT_S_LISTEN, 0, 0);
	cr_assert(xdpct_evictable(&f));
}

Test(fsm_unit, possible_pairs_set)
{
	/* the set itself: a few that must be in, a few that must not */
	cr_assert(xdpct_pair_possible(XDPCT_S_SYN_SENT, XDPCT_S_LISTEN));
	cr_assert(!xdpct_pair_possible(XDPCT_S_LISTEN, XDPCT_S_SYN_SENT));
	cr_assert(xdpct_pair_possible(XDPCT_S_CLOSE_WAIT, XDPCT_S_FIN_WAIT_2));
	cr_assert(!xdpct_pair_possible(XDPCT_S_ESTABLISHED, XDPCT_S_FIN_WAIT_2));
	cr_assert(!xdpct_pair_possible(XDPCT_S_NONE, XDPCT_S_ESTABLISHED));
	cr_assert(!xdpct_pair_possible(XDPCT_S_LAST_ACK, XDPCT_S_FIN_WAIT_1));
	cr_assert(!xdpct_pair_possible(XDPCT_S_CLOSED, XDPCT_S_ESTABLISHED));
	cr_assert(!xdpct_pair_possible(XDPCT_S_FIN_WAIT_1, XDPCT_S_LISTEN));
	/* RFC 9293 figure 13: a simultaneous close never shows LAST_ACK */
	cr_assert(!xdpct_pair_possible(XDPCT_S_CLOSING, XDPCT_S_LAST_ACK));
	cr_assert(xdpct_pair_possible(XDPCT_S_CLOSING, XDPCT_S_CLOSING));
	/* 3.10.7.4: RST in SYN_RCVD returns a passive open to LISTEN */
	cr_assert(xdpct_pair_possible(XDPCT_S_CLOSED, XDPCT_S_LISTEN));
	cr_assert(!xdpct_pair_possible(XDPCT_S_LISTEN, XDPCT_S_CLOSED));
}

/* ---- random walk --------------------------------------------------------------- */

static __u64 rng_state;

static __u32 rnd(void)
{
	/* xorshift64*: small, seedable, good enough to pick segments */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (__u32)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static const __u8 valid_flags[] = {
	TCPF_SYN, TCPF_SYN | TCPF_ACK, TCPF_ACK, TCPF_ACK | 0x08, TCPF_FIN | TCPF_ACK, TCPF_RST,
	TCPF_RST | TCPF_ACK,
};

/* A segment from endpoint d, mostly plausible given what the entry knows. */
static void gen_seg(const struct xdpct_flow *f, struct xdpct_seg *g, __u8 d)
{
	const struct xdpct_dir *s = &f->dir[d], *p = &f->dir[!d];
	__u32 k = rnd() % 12;

	memset(g, 0, sizeof(*g));
	g->d = d;
	g->sport = d == (f->client & 1) ? 40000 : 80;
	g->dport = d == (f->client & 1) ? 80 : 40000;
	g->win = rnd() % 4 ? 65535 : rnd() & 0xffff;
	g->seq = s->end;
	g->ack = p->end;
	g->flags = TCPF_ACK;
	switch (k) {
	case 0:		/* SYN: a retransmission or a new ISN */
		g->flags = TCPF_SYN;
		g->seq = rnd() % 2 ? s->isn : rnd();
		g->len = rnd() % 4 ? 0 : rnd() % 100;
		g->ack = 0;
		break;
	case 1:		/* SYN-ACK */
		g->flags = TCPF_SYN | TCPF_ACK;
		g->seq = (s->flags & XDPCT_D_SYN) && rnd() % 4 ? s->isn : rnd();
		g->ack = rnd() % 4 ? p->isn + 1 : p->end;
		break;
	case 2:		/* pure ACK */
		break;
	case 3:		/* data */
		g->len = 1 + rnd() % 1400;
		g->flags |= 0x08;
		break;
	case 4:		/* FIN, maybe with data, maybe again */
		g->flags = TCPF_FIN | TCPF_ACK;
		if ((s->flags & XDPCT_D_FIN) && rnd() % 2)
			g->seq = s->fin_seq;
		else
			g->len = rnd() % 3 ? 0 : rnd() % 100;
		/* the FINs crossed: it does not ack the peer's (RFC 9293 figure 13) */
		if ((p->flags & XDPCT_D_FIN) && rnd() % 2)
			g->ack = p->fin_seq;
		break;
	case 5:		/* RST at the edge of the window or anywhere */
		g->flags = rnd() % 2 ? TCPF_RST : TCPF_RST | TCPF_ACK;
		if (rnd() % 3 == 0)
			g->seq = rnd();
		break;
	case 6:		/* old segment or old ack */
		g->seq = s->end - rnd() % 5000;
		g->ack = p->end - rnd() % 5000;
		g->len = rnd() % 100;
		break;
	case 7:		/* anything */
		g->flags = valid_flags[rnd() % sizeof(valid_flags)];
		g->seq = rnd();
		g->ack = rnd();
		g->len = rnd() % 2000;
		break;
	case 8:		/* an ack one short or one past */
		g->ack = p->end + (rnd() % 2 ? 1 : -1);
		break;
	case 9:		/* a bare ACK with no ACK flag value (ack of nothing) */
		g->ack = p->isn;
		break;
	default:	/* more of the ordinary */
		g->len = rnd() % 3 ? 0 : 1 + rnd() % 500;
		break;
	}
}

static struct xdpct_seg last_seg;

/* CLOSED/CLOSED, or CLOSED opposite a passive end back in LISTEN (RST in SYN_RCVD) */
static int over(__u8 a, __u8 b)
{
	return (a == XDPCT_S_CLOSED && (b == XDPCT_S_CLOSED || b == XDPCT_S_LISTEN)) ||
	       (b == XDPCT_S_CLOSED && a == XDPCT_S_LISTEN);
}

static int both_closed(const struct xdpct_flow *f)
{
	return over(f->state[0], f->state[1]);
}

/* Replaying the transitions, did both ends reach CLOSED (a reopen may follow)? */
static int became_closed(const struct xdpct_flow *before, const struct xdpct_fsm_out *o)
{
	__u8 st[2] = { before->state[0], before->state[1] };
	int i;

	if (both_closed(before))
		return 0;
	for (i = 0; i < o->n && i < XDPCT_MAX_TRANS; i++) {
		st[o->t[i].ep & 1] = o->t[i].to;
		if (over(st[0], st[1]))
			return 1;
	}
	return 0;
}

/* What a failing step saw, for the log. */
static void dump(const char *tag, const struct xdpct_flow *f)
{
	int i;

	cr_log_error("%s: client %u states %u/%u flags %#x gen %u", tag, f->client,
		     f->state[0], f->state[1], f->flags, f->gen);
	for (i = 0; i < 2; i++)
		cr_log_error("  dir%d isn %u end %u maxend %u maxwin %u ack %u fin %u "
			     "flags %#x ts %u", i, f->dir[i].isn, f->dir[i].end,
			     f->dir[i].maxend, f->dir[i].maxwin, f->dir[i].ack,
			     f->dir[i].fin_seq, f->dir[i].flags, f->dir[i].ts_recent);
}

static void dump_step(const struct xdpct_flow *before, const struct xdpct_flow *f,
		      const struct xdpct_fsm_out *o)
{
	const struct xdpct_seg *g = &last_seg;

	cr_log_error("segment d %u flags %#x seq %u ack %u len %u win %u -> n %u invalid %u "
		     "note %u", g->d, g->flags, g->seq, g->ack, g->len, g->win, o->n,
		     o->invalid, o->note);
	dump("before", before);
	dump("after", f);
}


/*
 * An invalid segment changes nothing; an ignored SYN (o->ignored: one in a
 * synchronized connection, RFC 5961 4.2) only makes the entry remember it;
 * a liberal entry's refused segment (ignored too: counted, passed) moves
 * nothing either.
 */
static bool unchanged(const struct xdpct_flow *before, const struct xdpct_flow *f,
		      const struct xdpct_fsm_out *o)
{
	struct xdpct_flow e = *before;

	if (o->ignored && f->pend != XDPCT_PEND_SYN && !(before->flags & XDPCT_F_LIBERAL))
		return false;
	/* what a refused segment may leave: evidence for the peer to confirm */
	{
		e.pend = f->pend;
		e.pend_ep = f->pend_ep;
		e.pend_seq = f->pend_seq;
		e.pend_win = f->pend_win;
		e.pend_wscale = f->pend_wscale;
		e.pend_opts = f->pend_opts;
	}
	return !memcmp(&e, f, sizeof(*f));
}

static void check_step(const struct xdpct_flow *before, const struct xdpct_flow *f,
		       const struct xdpct_fsm_out *o, __u64 now, const char *what,
		       unsigned walk, unsigned step, __u64 seed)
{
	__u8 st[2] = { before->state[0], before->state[1] };
	int i, bad;

	bad = !xdpct_flow_pair_possible(f) || (o->invalid && !o->n && !unchanged(before, f, o)) ||
	      !!o->closed != became_closed(before, o);
	if (bad)
		dump_step(before, f, o);
	cr_assert(xdpct_flow_pair_possible(f),
		  "seed %llu walk %u step %u (%s): impossible pair client %u server %u "
		  "(before %u %u)", (unsigned long long)seed, walk, step, what,
		  f->state[f->client & 1], f->state[!(f->client & 1)],
		  before->state[before->client & 1], before->state[!(before->client & 1)]);
	cr_assert_leq(o->n, XDPCT_MAX_TRANS);
	for (i = 0; i < o->n; i++) {
		cr_assert_lt(o->t[i].ep, 2);
		cr_assert_eq(o->t[i].from, st[o->t[i].ep],
			     "seed %llu walk %u step %u: transition %d from %u, state was %u",
			     (unsigned long long)seed, walk, step, i, o->t[i].from,
			     st[o->t[i].ep]);
		cr_assert_neq(o->t[i].from, o->t[i].to);
		st[o->t[i].ep] = o->t[i].to;
		cr_assert_eq(xdpct_flow_state_ns(f), now);
	}
	if (st[0] != f->state[0] || st[1] != f->state[1])
		dump_step(before, f, o);
	cr_assert(st[0] == f->state[0] && st[1] == f->state[1],
		  "seed %llu walk %u step %u: transitions do not replay to the states",
		  (unsigned long long)seed, walk, step);
	if (o->invalid && !o->n)
		cr_assert(unchanged(before, f, o),
			  "seed %llu walk %u step %u: invalid segment changed the entry",
			  (unsigned long long)seed, walk, step);
	if (o->invalid)
		for (i = 0; i < o->n; i++)	/* only the TIME_WAIT timeout */
			cr_assert_eq(o->t[i].to, XDPCT_S_CLOSED);
	if (o->note == XDPCT_STAT_SYN_RETRANS)
		cr_assert(!memcmp(before, f, sizeof(*f)) || o->n,
			  "seed %llu walk %u step %u: SYN retransmission changed the entry",
			  (unsigned long long)seed, walk, step);
	cr_assert_eq(!!o->closed, became_closed(before, o),
		     "seed %llu walk %u step %u: closed flag %u", (unsigned long long)seed,
		     walk, step, o->closed);
	if (o->reopened)
		cr_assert(f->state[f->client & 1] == XDPCT_S_SYN_SENT && f->gen == before->gen + 1);
}

Test(fsm_unit, random_walk_invariants)
{
	struct xdpct_cfg cfg = def_cfg();
	const char *env = getenv("XDPCT_SEED");
	__u64 seed = env ? strtoull(env, NULL, 0) : 0x5eed2024ULL;
	unsigned walk, step, steps = 0;
	unsigned long pairs[XDPCT_S_MAX][XDPCT_S_MAX] = { { 0 } };
	int a, b, seen = 0;

	rng_state = seed | 1;
	for (walk = 0; walk < 25000; walk++) {
		struct xdpct_flow f = {}, before;
		struct xdpct_fsm_out o = {};
		struct xdpct_seg g;
		__u64 now = 1000 * SEC;

		gen_seg(&f, &g, rnd() % 2);
		if (rnd() % 10 < 7) {
			g.flags = TCPF_SYN;
			fsm_new_syn(&f, &g, now, &o);
		} else if (!fsm_new_midstream(&f, &g, now, &o)) {
			continue;
		}
		cr_assert(xdpct_flow_pair_possible(&f), "new entry: impossible pair");
		for (step = 0; step < 40; step++, steps++) {
			__u8 d = rnd() % 2;

			now += rnd() % 50 == 0 ? cfg.time_wait_ns : 1000000;
			before = f;
			memset(&o, 0, sizeof(o));
			if (rnd() % 20 == 0) {
				/* what the sweep does */
				__u8 reason;
				int act = xdpct_expiry(&f, now, &cfg, &reason);

				if (act == XDPCT_DELETE)
					break;
				if (act == XDPCT_TW_DONE)
					fsm_close_both(&f, &o, now);
				check_step(&before, &f, &o, now, "sweep", walk, step, seed);
				continue;
			}
			gen_seg(&f, &g, d);
			last_seg = g;
			fsm_segment(&f, &g, now, &cfg, &o);
			check_step(&before, &f, &o, now, "segment", walk, step, seed);
			pairs[f.state[f.client & 1]][f.state[!(f.client & 1)]]++;
		}
	}
	for (a = 0; a < XDPCT_S_MAX; a++)
		for (b = 0; b < XDPCT_S_MAX; b++)
			if (pairs[a][b])
				seen++;
	cr_log_info("seed %#llx: %u steps, %d distinct (client, server) pairs reached",
		    (unsigned long long)seed, steps, seen);
	for (a = 0; a < XDPCT_S_MAX; a++)
		for (b = 0; b < XDPCT_S_MAX; b++)
			if (pairs[a][b])
				cr_log_info("  client %2d server %2d: %lu", a, b, pairs[a][b]);
	/* the walk must reach the interesting places, or it proves little */
	cr_assert(pairs[XDPCT_S_ESTABLISHED][XDPCT_S_ESTABLISHED]);
	cr_assert(pairs[XDPCT_S_TIME_WAIT][XDPCT_S_CLOSED] ||
		  pairs[XDPCT_S_CLOSED][XDPCT_S_TIME_WAIT]);
	/* RFC 9293 figure 13: crossed FINs, both CLOSING, then TIME_WAIT */
	cr_assert(pairs[XDPCT_S_CLOSING][XDPCT_S_CLOSING]);
	cr_assert(pairs[XDPCT_S_CLOSING][XDPCT_S_TIME_WAIT] ||
		  pairs[XDPCT_S_TIME_WAIT][XDPCT_S_CLOSING]);
	/* an RST in SYN_RCVD: the passive end back in LISTEN */
	cr_assert(pairs[XDPCT_S_CLOSED][XDPCT_S_LISTEN]);
	cr_assert(pairs[XDPCT_S_SYN_SENT][XDPCT_S_SYN_SENT]);
	cr_assert(pairs[XDPCT_S_CLOSED][XDPCT_S_CLOSED]);
	cr_assert(pairs[XDPCT_S_FIN_WAIT_2][XDPCT_S_CLOSE_WAIT] ||
		  pairs[XDPCT_S_CLOSE_WAIT][XDPCT_S_FIN_WAIT_2]);
}
