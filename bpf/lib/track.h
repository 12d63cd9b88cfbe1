/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Everything after parsing, for one TCP segment: find its flow (one
 * lookup), decide what happens to it, run the state machine under the
 * entry's lock or start a new entry, and report.
 *
 * The handshake offloader's decision is made here, and only here (XDP,
 * cfg.sc_mode on, a segment to a protected port):
 *
 *   bare SYN                 answered here (sc_synack.h): a SYN-ACK, or
 *                            dropped when malformed or its checksum is bad;
 *                            a flood costs one lookup (is a live flow on
 *                            the 4-tuple? then it is the endpoint's, RFC
 *                            5961 4.2) and no entry.  With cookies off for
 *                            the port, or a live flow, tracked as usual.
 *   a live flow              tracked as usual: no cookie work.
 *   no live flow, no SYN     the cookie check (sc_check.h): a valid cookie
 *                            ACK starts its flow ESTABLISHED; otherwise
 *                            dropped, or tracked as usual (cookies off, or
 *                            a connection the local stack knows).
 *   SYN-ACK                  tracked as usual.
 */
#ifndef XDPCT_TRACK_H
#define XDPCT_TRACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "cfg.h"
#include "fsm.h"
#include "maps.h"
#include "work.h"
#include "events.h"
#include "table.h"
#include "verdict.h"
#include "sc_maps.h"
#include "sc_action.h"
#include "sc_synack.h"
#include "sc_check.h"
#include "csum.h"
#include "hazard.h"

/*
 * Bench instrumentation: `xdpct-bench micro` loads its copy of the datapath
 * (bench/bpf/xdpct_bench.bpf.c) with a .rodata stage that ends the packet
 * where that stage ends, to measure each part (bench/gen.h, enum
 * bench_stage).  Everywhere else XDPCT_BENCH_STOP() is 0 and compiles away.
 */
#ifndef XDPCT_BENCH_STOP
#define XDPCT_BENCH_STOP(stage) 0
#endif

/*
 * The state machine's view of the parsed segment, its key, a fresh report.
 * Only what every path reads is cleared: the snapshot is written before it
 * is read (only when there is an event), the key by flow_key(), and the
 * time is read once the flow is known (track_clock()).
 */
static __always_inline void seg_from_meta(struct xdpct_work *w)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;

	__builtin_memset(&rep->out, 0, sizeof(rep->out));
	g->seq = w->meta.seq;
	g->ack = w->meta.ack;
	g->win = w->meta.win;
	g->len = w->meta.payload;
	g->ip_bytes = w->meta.ip_bytes;
	g->flags = w->meta.flags;
	g->sport = w->meta.sport;
	g->dport = w->meta.dport;
	g->d = flow_key(&rep->key, &w->meta);
	rep->tag = flow_tag(&rep->key);
	rep->tcp_flags = w->meta.flags;
}

/* flow_segment(): the entry was being deleted (table.h): take it for none. */
#define SEG_GONE (-1)

/*
 * The common segment: both ends ESTABLISHED, no SYN, FIN or RST.  Read
 * without the lock, so only a hint: it picks the clock.  Such a segment
 * changes no state (fsm_on_segment: no transition is possible from
 * ESTABLISHED/ESTABLISHED without a FIN or RST), so its time is only
 * last_seen.  Should another CPU move the flow on meanwhile, a transition
 * this segment then makes is timed by the coarse clock: within one tick.
 */
static __always_inline int flow_established_hint(const struct xdpct_flow *f,
						 const struct xdpct_seg *g)
{
	return f->state[0] == XDPCT_S_ESTABLISHED && f->state[1] == XDPCT_S_ESTABLISHED &&
	       !(g->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST));
}

/* The segment's time: fine for handshakes and transitions, coarse for the rest. */
static __always_inline __u64 track_clock(const struct xdpct_flow *f, struct xdpct_work *w)
{
	return f && flow_established_hint(f, &w->seg) ? clock_coarse_ns(&w->clock) : clock_ns();
}

/*
 * The segment's time as the entry's last_seen, never earlier than what it
 * holds: the coarse clock (track_clock()) runs up to a tick behind the fine
 * one that timed the handshake and the transitions, so a segment right
 * after them would move last_seen back, before first_seen even, and an end
 * record (events.h; IPFIX flowEndMilliseconds) would end before its flow
 * began.  Two CPUs racing on the lock-free path may leave the smaller of
 * their two times: both are this segment's, within a tick.
 */
static __always_inline void flow_seen(struct xdpct_flow *f, __u64 now)
{
	if (now > f->last_seen_ns)
		f->last_seen_ns = now;
}

/*
 * Endpoint d sent a packet of ip_bytes: its counters (xdpct/flow.h), by
 * atomic adds (both paths add, the lock-free one without the lock).  The
 * packet count's bits past 32 live in octets' top byte: the add that
 * wraps pkts to 0 carries there.  One direction's packets come in on one
 * CPU (RSS, as flow_fast() says), so the wrap is seen by the adder that
 * made it; were two to race at that one packet in 2^32, the count could
 * be 2^32 short.
 */
static __always_inline void flow_count(struct xdpct_flow *f, __u8 d, __u32 ip_bytes)
{
	d &= 1;
	__sync_fetch_and_add(&f->octets[d], ip_bytes);
	__sync_fetch_and_add(&f->pkts[d], 1);
	if (!XDPCT_READ_ONCE(f->pkts[d]))
		__sync_fetch_and_add(&f->octets[d], 1ULL << 56);
}

/* Has the run anything to count or send beyond the invalid reason? */
static __always_inline int report_needed(const struct xdpct_fsm_out *o)
{
	return o->n | o->note | o->closed | o->reopened | o->victim;
}

/*
 * The lock-free path, for the common segment on an ESTABLISHED/ESTABLISHED
 * flow: an ACK with or without data, no SYN, FIN or RST, inside the window
 * and inside what the window already allows.  Everything else takes the
 * entry's lock (flow_segment below).
 *
 * It is the state machine's own run, not a second one: the same checks
 * (fsm_state_check, fsm_window_check), and of fsm_accept()'s effects
 * exactly those that can happen under the conditions below, which make
 * the rest no-ops (fsm_window_update: no window growth, no send past
 * maxend, so neither maxwin nor s->maxend moves; fsm_on_ack: the peer's
 * SYN is acked and neither side has a FIN, so no flag and no state moves;
 * no handshake).  tests/bpf/test_datapath_fastpath.c runs the same
 * segments through the datapath and through fsm_segment() and compares
 * the entries field by field: a rule added to the state machine for such
 * segments must come here too (or a condition that sends them to the lock).
 *
 * Why no lock is needed: of the entry it writes only what the sender d
 * owns, each a single aligned 32-bit store that only moves a sequence
 * edge forward (d's end and ack), the peer's maxend (moved
 * forward by d's acks), the flags d has sent (its own byte), d's counters
 * by atomic adds, and last_seen (any CPU's recent time is right).  The other direction's segments write the
 * mirror fields, so both directions at once on two CPUs
 * (tests/bpf/test_datapath_concurrency.c) lose nothing.  One field has a
 * second writer: the peer's maxend also moves when the peer sends past it,
 * which takes the lock; should the two race, one forward move is lost
 * until d's next ack, and the peer's next segment (it starts at its own
 * end, within what either move allowed) is still accepted unless the peer
 * overran every window d advertised.  One direction of a flow arrives on
 * one receive queue (RSS), so its own segments do not race each other;
 * were they to, the counters still stay exact (atomic) and an edge could
 * lag by one segment.  State, flags, isn, fin_seq, maxwin and the times
 * are written under the lock only; a segment that would change any of
 * them goes there.  Reads are unlocked: each field is seen before or after
 * another CPU's store, and every edge only moves forward, so the checks
 * are off by at most that one concurrent segment, as the locked path is
 * when the other CPU takes the lock first.
 *
 * 1: done (verdict in *verdict); 0: take the lock.
 */
/*
 * Which connection instance an entry holds (flow_fast()): first_seen and
 * gen folded into one word.  Two instances collide only if their
 * first_seen differ by exactly gen's change shifted 32 bits.
 */
static __always_inline __u64 flow_instance(const struct xdpct_flow *f)
{
	return XDPCT_READ_ONCE(f->first_seen_ns) ^ ((__u64)XDPCT_READ_ONCE(f->gen) << 32);
}

static __always_inline int flow_fast(struct xdpct_flow *f, struct xdpct_work *w,
				     int *verdict)
{
	struct xdpct_seg *g = &w->seg;
	__u8 d = g->d & 1, r = !d;
	struct xdpct_dir *s = &f->dir[d], *p = &f->dir[r];
	__u8 sf = s->flags, pf = p->flags;
	struct fsm_sender v;
	__u32 end, ack, win, maxend;

	if (!flow_established_hint(f, g) || !(g->flags & TCPF_ACK))
		return 0;
	/* evidence pending (a remembered SYN, a gap): fsm_accept() clears it, under the lock */
	if (f->pend)
		return 0;
	/* dying, or no longer this key's (table.h): the locked path says SEG_GONE */
	if (XDPCT_READ_ONCE(f->tag) != w->rep.tag)
		return 0;
	/*
	 * The connection instance the checks below are made on, kept in the
	 * per-CPU work area, not on the stack: the program's call chain is at
	 * the verifier's 512-byte bound.
	 */
	w->inst = flow_instance(f);
	if ((sf & (XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY | XDPCT_D_FIN)) !=
	    (XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_ACKED_ANY) ||
	    (pf & (XDPCT_D_SYN_ACKED | XDPCT_D_FIN)) != XDPCT_D_SYN_ACKED)
		return 0;
	/* the window as fsm_window_update() scales it */
	win = g->win;
	if ((sf & XDPCT_D_WSCALE) && (pf & XDPCT_D_WSCALE))
		win <<= s->wscale;
	end = seg_end(g);
	ack = g->ack;
	maxend = s->maxend;
	/* no window growth, nothing sent past what the peer allowed */
	if (win > s->maxwin || !maxend || seq_after(end, maxend) || seq_after(s->end, maxend))
		return 0;
	fsm_sender_of(&v, s);
	if (fsm_state_check(f, g) || fsm_window_check(f, g, &v))
		return 0;	/* refused: the locked path counts it, as it decides */
	/*
	 * Published, then checked again just before the writes (hazard.h):
	 * while the checks ran, another CPU may have marked the entry dying
	 * and deleted it, its element been reused (another key: the tag; this
	 * key again: first_seen), a SYN reopened it (gen), or a segment left
	 * evidence or moved a state a reopen starts from (pend, the states).
	 * Then the locked path decides (SEG_GONE or the new connection's
	 * run).  A decider that comes after this re-check waits for the slot
	 * to clear: nothing of this segment lands in a stranger's entry or in
	 * the next connection's.
	 */
	hazard_set(w, w->rep.tag);
	if (XDPCT_READ_ONCE(f->tag) != w->rep.tag || flow_instance(f) != w->inst ||
	    XDPCT_READ_ONCE(f->pend) || XDPCT_READ_ONCE(f->state[0]) != XDPCT_S_ESTABLISHED ||
	    XDPCT_READ_ONCE(f->state[1]) != XDPCT_S_ESTABLISHED) {
		hazard_clear(w);
		return 0;
	}
	*verdict = VERDICT_PASS;
	if (XDPCT_BENCH_STOP(LOCK)) {
		hazard_clear(w);
		return 1;	/* the bench's "lock" stage: here, the checks */
	}

	/* fsm_window_update(), what remains of it under the conditions above */
	if (seq_after(end, s->end))
		s->end = end;
	if (seq_after(ack + win, p->maxend - 1))
		p->maxend = ack + (win ? win : 1);
	if (seq_after(ack, s->ack))
		s->ack = ack;
	if ((f->tcp_flags_seen[d] | g->flags) != f->tcp_flags_seen[d])
		f->tcp_flags_seen[d] |= g->flags;	/* d's own byte */
	flow_count(f, d, g->ip_bytes);
	flow_seen(f, w->rep.now);
	hazard_clear(w);
	return 1;
}

/*
 * A segment of an existing entry: the lock-free path above, or the state
 * machine under the entry's lock, so two CPUs changing anything else of
 * one entry serialise.  Only a run with transitions takes a
 * snapshot for its events (ring-buffer helpers may not run under a spin
 * lock), and only a run with something to report calls the report.
 * Under the lock the entry must first still be this key's and alive (its
 * tag): else SEG_GONE, and nothing was touched.  The segment that makes the
 * entry evictable queues it as a candidate (table.h).
 */
static __always_inline int flow_segment(struct xdpct_flow *f, struct xdpct_work *w,
					struct xdpct_stats *st)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;
	int verdict, was, became;

	if (flow_fast(f, w, &verdict))
		return verdict;
	/*
	 * A SYN or SYN-ACK may reopen the entry (fsm_reopen over a dead
	 * connection, fsm_stale_reopen over remembered evidence): first wait
	 * for any CPU writing into it without the lock (hazard.h).  What a
	 * reopen starts from (the closed states, pend) was left by earlier
	 * segments this one follows causally (the close before the next SYN,
	 * the SYN before its answer), so reading it here, before the wait, is
	 * the mark the lock-free path's re-check fails on.
	 */
	if ((g->flags & TCPF_SYN) && fsm_may_reopen(f))
		xdpct_hazard_wait(rep->tag, st);
	bpf_spin_lock(&f->lock);
	if (f->tag != rep->tag) {
		bpf_spin_unlock(&f->lock);
		return SEG_GONE;
	}
	was = xdpct_evictable(f);
	if (XDPCT_BENCH_STOP(LOCK)) {
		bpf_spin_unlock(&f->lock);
		return VERDICT_PASS;
	}
	/* the old connection's figures, where this run may reopen the entry */
	if ((g->flags & TCPF_SYN) && fsm_may_reopen(f))
		take_snap(f, &rep->old);
	fsm_segment(f, g, rep->now, &cfg, &rep->out);
	f->tcp_flags_seen[g->d & 1] |= g->flags;
	/* atomic: the lock-free path adds to them without the lock */
	flow_count(f, g->d, g->ip_bytes);
	if (!rep->out.invalid)
		flow_seen(f, rep->now);
	became = !was && xdpct_evictable(f);
	if (XDPCT_BENCH_STOP(FSM)) {
		bpf_spin_unlock(&f->lock);
		return VERDICT_PASS;
	}
	if (rep->out.n)
		take_snap(f, &rep->sn);
	bpf_spin_unlock(&f->lock);

	if (became)
		victim_push(&rep->key);
	if (XDPCT_BENCH_STOP(SNAP))
		return VERDICT_PASS;
	if (report_needed(&rep->out))
		xdpct_report(rep, st);
	if (rep->out.invalid && !rep->out.ignored)
		return account_invalid(st, rep->out.invalid);
	if (rep->out.invalid)
		st->c[rep->out.invalid & XDPCT_STAT_MASK]++;	/* counted, passed */
	return VERDICT_PASS;
}

/*
 * --checksum: does this segment's checksum need verifying?  control: every
 * segment that can change state: a SYN, FIN or RST; one without an entry
 * (it may start one); and any segment of an entry not established on both
 * ends (the handshake's last ACK, the ACK of a FIN).  The entry's states are
 * read without its lock: a state another CPU changes meanwhile decides only
 * whether this segment is verified.  IP fragments cannot be (csum.h).
 */
static __always_inline int csum_wanted(const struct xdpct_flow *f, const struct pkt_meta *m)
{
	if (cfg.checksum == XDPCT_CSUM_OFF || m->frag_first)
		return 0;
	if (cfg.checksum == XDPCT_CSUM_ALL)
		return 1;
	if (m->flags & (TCPF_SYN | TCPF_FIN | TCPF_RST))
		return 1;
	return !f || f->state[0] != XDPCT_S_ESTABLISHED ||
	       f->state[1] != XDPCT_S_ESTABLISHED;
}

/*
 * The cookie path's flow start on a closed connection's entry: the entry
 * gives way, decided under its lock (still dead, not already dying), and
 * deleted as table.h's rule says.  Another CPU may have revived it
 * meanwhile: then it stays, live.
 */
static __always_inline void flow_retire_dead(struct xdpct_flow *f, struct xdpct_work *w,
					     struct xdpct_stats *st)
{
	struct xdpct_report *rep = &w->rep;
	int dead;

	bpf_spin_lock(&f->lock);
	dead = f->tag == rep->tag && fsm_flow_dead(f);
	if (dead)
		f->tag = 0;	/* dying: ours to delete */
	bpf_spin_unlock(&f->lock);
	if (!dead)
		return;
	/* no lock-free write is still landing (hazard.h): the figures are final */
	xdpct_hazard_wait(rep->tag, st);
	take_snap(f, &rep->old);
	if (!table_delete(&rep->key))
		flow_bin_sub(&rep->key);
	/* the new connection's entry is counted created (flow_insert) */
	xdpct_report_reopened(rep, st);
}

/*
 * A new entry, built in sc->flow by its first segment: counted, inserted,
 * reported.  TABLE_*: on TABLE_RACED the segment is one of the winner's.
 */
static __always_inline int flow_insert(struct xdpct_work *w, struct xdpct_scratch *sc,
				       struct xdpct_stats *st)
{
	struct xdpct_flow *nf = (struct xdpct_flow *)sc->flow;
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;
	int r;

	nf->tcp_flags_seen[g->d & 1] = g->flags;
	xdpct_flow_set_count(nf, g->d, 1, g->ip_bytes);
	r = table_insert(sc, st, &rep->key, rep->tag, nf, rep->now);
	if (r == TABLE_INSERTED) {
		take_snap(nf, &rep->sn);
		xdpct_report(rep, st);
	}
	return r;
}

/*
 * A new entry in the per-CPU scratch area from a segment without one; 0 if
 * it starts none.  Global: checked once, not on every path that gets here.
 */
__noinline int xdpct_new_flow(struct xdpct_flow *nf, struct xdpct_seg *g,
			      struct xdpct_fsm_out *out, __u64 now)
{
	if (!nf || !g || !out)
		return 0;
	if ((g->flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN) {
		fsm_new_syn(nf, g, now, out);
		return 1;
	}
	if (cfg.no_midstream)
		return 0;
	return fsm_new_midstream(nf, g, now, out);
}

/* The whole decision above; xdp is NULL on TC, where the offloader has no part. */
static __always_inline int track(struct xdp_md *xdp, struct xdpct_work *w)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_sc_scratch *scs = NULL;
	struct xdpct_scratch *sc;
	struct xdpct_stats *st;
	struct xdpct_flow *f, *nf;
	int ask = 0, act = SC_TRACK, r;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	sc = bpf_map_lookup_elem(&xdpct_scratch, &zero);
	if (!st || !sc)
		return VERDICT_PASS;
	if (xdp && cfg.sc_mode && sc_protected(w->meta.dport))
		scs = bpf_map_lookup_elem(&xdpct_sc_work, &zero);
	if (scs) {
		if ((w->meta.flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
			act = sc_answer_syn(xdp, w, scs, st);
		else
			ask = !(w->meta.flags & TCPF_SYN);
	}
	if (act == SC_TX)
		return VERDICT_TX;
	if (act == SC_DROP)
		return VERDICT_DROP;

	seg_from_meta(w);
	f = flow_find(&rep->key, rep->tag, st);
	if (XDPCT_BENCH_STOP(LOOKUP))
		return VERDICT_PASS;
	rep->now = track_clock(f, w);
	if (XDPCT_BENCH_STOP(CLOCK))
		return VERDICT_PASS;
	if (!f && w->meta.frag_later) {
		/* a later fragment's flow is gone (evicted, expired): it starts none */
		st->c[XDPCT_STAT_FRAG_UNKNOWN]++;
		return VERDICT_PASS;
	}
	if (ask && scs && (!f || fsm_flow_dead(f)))
		act = sc_no_flow(xdp, w, scs, st);
	if (act == SC_DROP)
		return VERDICT_DROP;
	/* a bad checksum moves nothing: the endpoint discards the segment too */
	if (xdp && csum_wanted(f, &w->meta) && xdpct_tcp_csum(xdp, &w->meta) == 0)
		return account_invalid(st, XDPCT_STAT_INV_CHECKSUM);
	if (act == SC_START_FLOW && f && fsm_flow_dead(f)) {
		/* a closed connection's entry gives way to the new one */
		flow_retire_dead(f, w, st);
		f = flow_find(&rep->key, rep->tag, st);
	}

	/*
	 * An entry that turns out to be dying (another CPU's sweep or eviction
	 * decided on it after our lookup) is no flow: the segment waits for it
	 * to go and starts its flow again.
	 */
	if (f) {
		r = flow_segment(f, w, st);
		if (r != SEG_GONE)
			return r;
		f = flow_find(&rep->key, rep->tag, st);
		if (f)
			goto busy;	/* already someone else's new entry */
	}
	nf = (struct xdpct_flow *)sc->flow;
	__builtin_memset(sc->flow, 0, sizeof(sc->flow));
	if (act == SC_START_FLOW) {
		fsm_new_cookie(nf, &w->seg, &w->hs, rep->now, &rep->out);
	} else if (!xdpct_new_flow(nf, &w->seg, &rep->out, rep->now)) {
		st->c[XDPCT_STAT_NO_FLOW]++;
		return VERDICT_PASS;
	}
	if (flow_insert(w, sc, st) != TABLE_RACED)
		return VERDICT_PASS;
	/* another CPU inserted it first: this segment is one of its entry's */
	__builtin_memset(&rep->out, 0, sizeof(rep->out));
	f = flow_find(&rep->key, rep->tag, st);
	if (!f)
		goto busy;
	r = flow_segment(f, w, st);
	if (r != SEG_GONE)
		return r;
busy:
	st->c[XDPCT_STAT_FLOW_BUSY]++;
	return VERDICT_PASS;
}

/*
 * Global functions: the parser's many exits (VLAN depth, IPv4 options,
 * IPv6 extension chains) all end in one call, so the verifier checks the
 * state machine once rather than once per way of parsing.  One per program
 * type: only XDP has the offloader (its helpers take an XDP context).
 */
__noinline int xdpct_track_xdp(struct xdp_md *ctx, struct xdpct_work *w)
{
	if (!ctx || !w)
		return VERDICT_PASS;
	return track(ctx, w);
}

__noinline int xdpct_track_tc(struct xdpct_work *w)
{
	if (!w)
		return VERDICT_PASS;
	return track(NULL, w);
}

#endif /* XDPCT_TRACK_H */
