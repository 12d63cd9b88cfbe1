// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct datapath: parse every TCP segment, find its flow, run the state
 * machine under the entry's lock, then report transitions on the ring buffer.
 *
 *   xdpct_xdp    XDP ingress (the production program; replay runs it too)
 *   xdpct_tc     TC egress: the same pipeline for a host's own packets
 *   xdpct_sweep  expiry sweep, run by the timer and by `replay`
 *   xdpct_arm    starts the sweep timer (run once by the loader)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/parse.h"
#include "lib/fsm.h"
#include "xdpct/event.h"
#include "xdpct/expiry.h"
#include "lib/maps.h"

const volatile struct xdpct_cfg cfg = XDPCT_CFG_DEFAULTS;

/* xdpct replay sets this to each packet's capture time (cfg.replay_clock) */
volatile __u64 replay_now_ns;

static __always_inline __u64 clock_ns(void)
{
	return cfg.replay_clock ? replay_now_ns : bpf_ktime_get_ns();
}

#include "lib/events.h"

/* Canonical key: endpoint 0 is the lower (addr, port). Returns the sender's index. */
static __always_inline __u8 make_key(struct xdpct_flow_key *k, const struct pkt_meta *p)
{
	int i, swap = 0, decided = 0;

	__builtin_memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->vlan[0] = p->vlan[0];
	k->vlan[1] = p->vlan[1];
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 a = bpf_ntohl(p->saddr[i]), b = bpf_ntohl(p->daddr[i]);

		if (!decided && a != b) {
			swap = a > b;
			decided = 1;
		}
	}
	if (!decided)
		swap = p->sport > p->dport;
	if (!swap) {
		__builtin_memcpy(k->addr[0], p->saddr, 16);
		__builtin_memcpy(k->addr[1], p->daddr, 16);
		k->port[0] = p->sport;
		k->port[1] = p->dport;
	} else {
		__builtin_memcpy(k->addr[0], p->daddr, 16);
		__builtin_memcpy(k->addr[1], p->saddr, 16);
		k->port[0] = p->dport;
		k->port[1] = p->sport;
	}
	return swap;
}

/* The state machine's view of the parsed segment, and its flow key. */
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
	g->d = make_key(&rep->key, &w->meta);
	rep->now = clock_ns();
	rep->tcp_flags = w->meta.flags;
}

/* Make room in a full table: give up a half-open or closed flow. */
static __always_inline int evict_one(struct xdpct_scratch *sc, struct xdpct_stats *st,
				     __u64 now)
{
	int i;

	for (i = 0; i < XDPCT_EVICT_TRIES; i++) {
		struct xdpct_flow *v;
		struct xdpct_snap sn;

		if (bpf_map_pop_elem(&xdpct_victims, &sc->key))
			return 0;
		v = bpf_map_lookup_elem(&xdpct_flows, &sc->key);
		if (!v)
			continue;
		bpf_spin_lock(&v->lock);
		if (!xdpct_evictable(v)) {
			bpf_spin_unlock(&v->lock);
			continue;
		}
		take_snap(v, &sn);
		bpf_spin_unlock(&v->lock);
		if (bpf_map_delete_elem(&xdpct_flows, &sc->key))
			continue;
		st->c[XDPCT_STAT_FLOWS_EVICTED]++;
		emit_expired(&sc->key, &sn, XDPCT_EXP_EVICTED, now, st);
		return 1;
	}
	return 0;
}

/* VERDICT_TX: XDP only, the frame was turned into a reply (syncookie.h);
 * VERDICT_SC_NOFLOW: xdpct_track's question to xdpct_sc_ack, never returned */
enum { VERDICT_PASS = 0, VERDICT_DROP = 1, VERDICT_TX = 2, VERDICT_SC_NOFLOW = 3 };

static __always_inline int account_invalid(struct xdpct_stats *st, __u8 reason)
{
	int drop;

	st->c[reason & XDPCT_STAT_MASK]++;
	if (reason == XDPCT_STAT_INV_SEQ || reason == XDPCT_STAT_INV_ACK ||
	    reason == XDPCT_STAT_INV_RST)
		drop = cfg.drop_window;
	else
		drop = cfg.drop_invalid;
	if (drop)
		st->c[XDPCT_STAT_DROPPED]++;
	return drop ? VERDICT_DROP : VERDICT_PASS;
}

#include "lib/syncookie.h"

/* A new entry in the per-CPU scratch area; 0 if this segment starts none. */
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

/*
 * Everything after parsing: find or create the flow, run the state machine,
 * report.  A global function: the parser's many exits (VLAN depth, IPv4
 * options, IPv6 extension chains) all end in this one call, so the verifier
 * checks the state machine once rather than once per way of parsing.
 */
__noinline int xdpct_track(struct xdpct_work *w)
{
	struct xdpct_report *rep;
	struct xdpct_scratch *sc;
	struct xdpct_stats *st;
	struct xdpct_flow *f;
	struct xdpct_seg *g;
	__u32 zero = 0;

	if (!w)
		return VERDICT_PASS;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	sc = bpf_map_lookup_elem(&xdpct_scratch, &zero);
	if (!st || !sc)
		return VERDICT_PASS;
	rep = &w->rep;
	g = &w->seg;
	seg_from_meta(w);

	f = bpf_map_lookup_elem(&xdpct_flows, &rep->key);
	/* handshake offload: no live flow means a cookie to check first */
	if ((w->sc.flags & XDPCT_SC_PKT_ASK) && (!f || sc_flow_dead(f)))
		return VERDICT_SC_NOFLOW;
	if (!f) {
		struct xdpct_flow *nf = (struct xdpct_flow *)sc->flow;
		int err;

		__builtin_memset(sc->flow, 0, sizeof(sc->flow));
		if (!xdpct_new_flow(nf, g, &rep->out, rep->now)) {
			st->c[XDPCT_STAT_NO_FLOW]++;
			return VERDICT_PASS;
		}
		nf->dir[g->d & 1].packets = 1;
		nf->dir[g->d & 1].bytes = g->ip_bytes;
		err = bpf_map_update_elem(&xdpct_flows, &rep->key, nf, BPF_NOEXIST);
		if (err == -17 /* EEXIST: the other CPU was first */) {
			f = bpf_map_lookup_elem(&xdpct_flows, &rep->key);
			if (!f)
				return VERDICT_PASS;
			__builtin_memset(&rep->out, 0, sizeof(rep->out));
			goto existing;
		}
		if (err && evict_one(sc, st, rep->now))
			err = bpf_map_update_elem(&xdpct_flows, &rep->key, nf, BPF_NOEXIST);
		if (err) {
			st->c[XDPCT_STAT_INSERT_FAILED]++;
			return VERDICT_PASS;
		}
		st->c[XDPCT_STAT_FLOWS_CREATED]++;
		if (nf->flags & XDPCT_F_MIDSTREAM)
			st->c[XDPCT_STAT_FLOWS_MIDSTREAM]++;
		take_snap(nf, &rep->sn);
		xdpct_report(rep, st);
		return VERDICT_PASS;
	}

existing:
	bpf_spin_lock(&f->lock);
	fsm_segment(f, g, rep->now, &cfg, &rep->out);
	f->dir[g->d & 1].packets++;
	f->dir[g->d & 1].bytes += g->ip_bytes;
	if (!rep->out.invalid)
		f->last_seen_ns = rep->now;
	take_snap(f, &rep->sn);
	bpf_spin_unlock(&f->lock);

	xdpct_report(rep, st);
	if (rep->out.invalid)
		return account_invalid(st, rep->out.invalid);
	return VERDICT_PASS;
}

static __always_inline int xdpct_handle(void *ctx, int is_xdp, void *data,
					void *data_end, __u32 pkt_len)
{
	struct xdpct_stats *st;
	struct xdpct_work *w;
	struct pkt p = {};
	__u32 zero = 0;
	int r;

	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	w = bpf_map_lookup_elem(&xdpct_work, &zero);
	if (!st || !w)
		return VERDICT_PASS;
	st->c[XDPCT_STAT_PACKETS]++;

	r = parse_packet(&p, data, data_end, pkt_len, &w->meta.slot);
	if (!is_xdp && ((struct __sk_buff *)ctx)->vlan_present) {
		/*
		 * TC: a tag the kernel keeps outside the frame (skb->vlan_tci,
		 * e.g. put there by a VLAN device above this one) is the
		 * outermost on the wire, where XDP on the other side sees it:
		 * both directions must key the flow the same way.
		 */
		p.m.vlan[1] = p.m.vlan[0];
		p.m.vlan[0] = ((struct __sk_buff *)ctx)->vlan_tci & 0x0fff;
	}
	if (p.m.vlan[0])
		st->c[XDPCT_STAT_VLAN]++;
	if (p.m.family == 4)
		st->c[XDPCT_STAT_IPV4]++;
	else if (p.m.family == 6)
		st->c[XDPCT_STAT_IPV6]++;
	if (r == PARSE_INVALID) {
		if (is_xdp && cfg.sc_mode && xdpct_sc_bad_syn(&p.m))
			return VERDICT_DROP;
		return account_invalid(st, p.m.invalid);
	}
	if (r == PARSE_NON_TCP) {
		st->c[XDPCT_STAT_NON_TCP]++;
		return VERDICT_PASS;
	}
	if (r == PARSE_FRAG_LATER) {
		st->c[XDPCT_STAT_FRAG_LATER]++;
		return VERDICT_PASS;
	}
	st->c[XDPCT_STAT_TCP]++;
	if (p.m.frag_first)
		st->c[XDPCT_STAT_FRAG_FIRST]++;

	/*
	 * From here on only values: hand them to the global function, so
	 * every way of parsing ends in one verified call.
	 */
	__builtin_memcpy(&w->meta, &p.m, sizeof(p.m));
	__builtin_memset(&w->seg, 0, sizeof(w->seg));
	if (p.m.opt_len) {
		struct tcp_opts *o = &w->opts;
		__u32 len = p.m.opt_len;

		__builtin_memset(o, 0, sizeof(*o));
		if (len > sizeof(o->buf))
			len = sizeof(o->buf);
		if (len && !(is_xdp ? bpf_xdp_load_bytes(ctx, p.m.opt_off, o->buf, len) :
				      bpf_skb_load_bytes(ctx, p.m.opt_off, o->buf, len))) {
			o->len = len;
			xdpct_parse_opts(o);
			w->seg.mss = o->mss;
			w->seg.wscale = o->wscale;
			w->seg.opts = o->flags;
		}
	}

	__builtin_memset(&w->sc, 0, sizeof(w->sc));
	if (is_xdp && cfg.sc_mode) {
		r = xdpct_sc_syn((struct xdp_md *)ctx, w);
		if (r != VERDICT_PASS)
			return r;
	}
	r = xdpct_track(w);
	if (is_xdp && r == VERDICT_SC_NOFLOW) {
		/* a segment without a live flow to a protected port */
		r = xdpct_sc_ack((struct xdp_md *)ctx, w);
		if (r == VERDICT_SC_NOFLOW)
			r = xdpct_track(w);
	}
	return r == VERDICT_SC_NOFLOW ? VERDICT_PASS : r;
}

/*
 * xdpct commands find an instance from its XDP program's map ids; maps only
 * the helper programs use must be referenced here too, or they would not be
 * listed (nor kept alive by the attachment).  The branch is never taken.
 */
static __always_inline void reference_maps(void)
{
	__u32 zero = 0;

	if (cfg.replay_clock > 1) {
		bpf_map_lookup_elem(&xdpct_ifaces, &zero);
		bpf_map_lookup_elem(&xdpct_sweeper, &zero);
	}
}

SEC("xdp")
int xdpct_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	int r;

	reference_maps();
	r = xdpct_handle(ctx, 1, data, data_end, data_end - data);
	if (r == VERDICT_DROP)
		return XDP_DROP;
	return r == VERDICT_TX ? XDP_TX : XDP_PASS;
}

SEC("tc")
int xdpct_tc(struct __sk_buff *skb)
{
	/* headers of interest fit in 256 bytes; GSO payload stays unpulled */
	bpf_skb_pull_data(skb, skb->len < 256 ? skb->len : 256);
	if (xdpct_handle(skb, 0, (void *)(long)skb->data, (void *)(long)skb->data_end,
			 skb->len) == VERDICT_DROP)
		return 2; /* TC_ACT_SHOT */
	return 0; /* TC_ACT_OK */
}

#include "lib/sweep.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
