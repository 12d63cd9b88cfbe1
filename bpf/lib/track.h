/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Everything after parsing, for one TCP segment: find its flow (one
 * lookup), decide what happens to it, run the state machine under the
 * entry's lock or start a new entry, and report.
 *
 * The handshake offloader's decision is made here, and only here (XDP,
 * cfg.sc_mode on, a segment to a protected port):
 *
 *   bare SYN                 answered before any lookup (sc_synack.h): a
 *                            SYN-ACK, or dropped when malformed; a flood
 *                            costs neither a lookup nor an entry.  With
 *                            cookies off for the port, tracked as usual.
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

/* The state machine's view of the parsed segment, its key, a fresh report. */
static __always_inline void seg_from_meta(struct xdpct_work *w)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;

	__builtin_memset(rep, 0, sizeof(*rep));
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
	rep->now = clock_ns();
	rep->tcp_flags = w->meta.flags;
}

/* flow_segment(): the entry was being deleted (table.h): take it for none. */
#define SEG_GONE (-1)

/*
 * A segment of an existing entry.  The state machine, the per-direction
 * counters and last_seen are only touched under the entry's lock, so two
 * CPUs updating one entry serialise; the report is built from a snapshot
 * taken under it (ring-buffer helpers may not run under a spin lock).
 * First, under the lock, the entry must still be this key's and alive (its
 * tag): else SEG_GONE, and nothing was touched.  The segment that makes the
 * entry evictable queues it as a candidate (table.h).
 */
static __always_inline int flow_segment(struct xdpct_flow *f, struct xdpct_work *w,
					struct xdpct_stats *st)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;
	int was, became;

	bpf_spin_lock(&f->lock);
	if (f->tag != rep->tag) {
		bpf_spin_unlock(&f->lock);
		return SEG_GONE;
	}
	was = xdpct_evictable(f);
	fsm_segment(f, g, rep->now, &cfg, &rep->out);
	f->dir[g->d & 1].packets++;
	f->dir[g->d & 1].bytes += g->ip_bytes;
	if (!rep->out.invalid)
		f->last_seen_ns = rep->now;
	became = !was && xdpct_evictable(f);
	take_snap(f, &rep->sn);
	bpf_spin_unlock(&f->lock);

	if (became)
		victim_push(&rep->key);
	xdpct_report(rep, st);
	if (rep->out.invalid)
		return account_invalid(st, rep->out.invalid);
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
static __always_inline void flow_retire_dead(struct xdpct_flow *f, struct xdpct_report *rep)
{
	int dead;

	bpf_spin_lock(&f->lock);
	dead = f->tag == rep->tag && fsm_flow_dead(f);
	if (dead)
		f->tag = 0;	/* dying: ours to delete */
	bpf_spin_unlock(&f->lock);
	if (dead)
		bpf_map_delete_elem(&xdpct_flows, &rep->key);
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

	nf->dir[g->d & 1].packets = 1;
	nf->dir[g->d & 1].bytes = g->ip_bytes;
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
		flow_retire_dead(f, rep);
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
