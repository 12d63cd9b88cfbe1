/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One frame through the datapath: parse it, count what it is, read a SYN's
 * options, then hand the segment to track.h.  XDP (xdpct_xdp, and the
 * bench's programs) and TC egress (xdpct_tc) share all of it.
 */
#ifndef XDPCT_HANDLE_H
#define XDPCT_HANDLE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/stats.h"
#include "cfg.h"
#include "parse.h"
#include "tcp_opts.h"
#include "maps.h"
#include "verdict.h"
#include "sc_synack.h"
#include "sc_frag.h"
#include "sc_fast.h"
#include "track.h"
#include "frag.h"

/*
 * TC: a tag the kernel keeps outside the frame (skb->vlan_tci, e.g. put
 * there by a VLAN device above this one) is the outermost on the wire,
 * where XDP on the other side sees it: both directions must key the flow
 * the same way.
 */
static __always_inline void tc_outer_vlan(struct __sk_buff *skb, struct pkt_meta *m)
{
	if (!skb->vlan_present)
		return;
	m->vlan[1] = m->vlan[0];
	m->vlan[0] = skb->vlan_tci & 0x0fff;
}

static __always_inline void count_parsed(struct xdpct_stats *st, const struct pkt_meta *m)
{
	if (m->vlan[0])
		st->c[XDPCT_STAT_VLAN]++;
	if (m->family == 4)
		st->c[XDPCT_STAT_IPV4]++;
	else if (m->family == 6)
		st->c[XDPCT_STAT_IPV6]++;
}

/* A SYN's options, a FIN's (its timestamp), a segment's SACK blocks: into w->seg. */
static __always_inline void read_syn_opts(void *ctx, int is_xdp, struct xdpct_work *w)
{
	struct tcp_opts *o = &w->opts;
	__u32 len = w->meta.opt_len;

	if (!len)
		return;
	__builtin_memset(o, 0, sizeof(*o));
	if (len > sizeof(o->buf))
		len = sizeof(o->buf);
	if (is_xdp ? bpf_xdp_load_bytes(ctx, w->meta.opt_off, o->buf, len) :
		     bpf_skb_load_bytes(ctx, w->meta.opt_off, o->buf, len))
		return;
	o->len = len;
	xdpct_parse_opts(o);
	w->seg.has_sack = o->has_sack;
	w->seg.sack = o->sack;
	/* the rest is a SYN's or a FIN's (a data segment's options: SACK only) */
	if (!(w->meta.flags & (TCPF_SYN | TCPF_FIN)))
		return;
	w->seg.mss = o->mss;
	w->seg.wscale = o->wscale;
	w->seg.opts = o->flags;
	w->seg.tsval = o->tsval;
}

/* VERDICT_*.  pkt_len: the whole frame's (TC: skb->len; data_end may end earlier). */
static __always_inline int handle_frame(void *ctx, int is_xdp, void *data, void *data_end,
					__u32 pkt_len)
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
	if (!is_xdp)
		tc_outer_vlan(ctx, &p.m);
	count_parsed(st, &p.m);
	if (is_xdp && cfg.sc_mode && xdpct_sc_fragment(&p.m, r))
		return VERDICT_DROP;
	if (r == PARSE_INVALID) {
		if (is_xdp && cfg.sc_mode && xdpct_sc_bad_syn(&p.m))
			return VERDICT_DROP;
		/* a first fragment without its whole TCP header: RFC 1858 3.1 */
		if (p.m.frag_first && p.m.invalid == XDPCT_STAT_INV_TCP_HDR) {
			p.m.invalid = XDPCT_STAT_INV_FRAG;
			xdpct_frag_bad(&p.m);
		}
		return account_invalid(st, p.m.invalid);
	}
	if (r == PARSE_NON_TCP) {
		st->c[XDPCT_STAT_NON_TCP]++;
		return VERDICT_PASS;
	}
	/* from here on only values, so every way of parsing ends in one call */
	__builtin_memcpy(&w->meta, &p.m, sizeof(p.m));
	__builtin_memset(&w->seg, 0, sizeof(w->seg));
	if (r == PARSE_FRAG_LATER) {
		if (!w->meta.frag_tcp) {
			st->c[XDPCT_STAT_FRAG_LATER]++;
			return VERDICT_PASS;
		}
		/* counts frag_later, or invalid_fragment */
		r = xdpct_frag_later(&w->meta, st);
		if (r != FRAG_TRACK)
			return r == FRAG_DROP ? VERDICT_DROP : VERDICT_PASS;
		return is_xdp ? xdpct_track_xdp(ctx, w) : xdpct_track_tc(w);
	}
	st->c[XDPCT_STAT_TCP]++;
	if (w->meta.frag_first) {
		st->c[XDPCT_STAT_FRAG_FIRST]++;
		xdpct_frag_first(&w->meta);	/* its FIN waits for the last one */
	}
	read_syn_opts(ctx, is_xdp, w);
	if (XDPCT_BENCH_STOP(PARSE))
		return VERDICT_PASS;
	return is_xdp ? xdpct_track_xdp(ctx, w) : xdpct_track_tc(w);
}

/* One frame at XDP: its XDP action. */
static __always_inline int xdpct_handle_xdp(struct xdp_md *ctx)
{
	void *data, *data_end;
	int r;

	/* a SYN flood's common SYN, answered before anything else runs */
	if (cfg.sc_mode == XDPCT_SC_ALWAYS) {
		r = xdpct_sc_fast_syn(ctx);
		if (r >= 0)
			return r;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	return verdict_xdp(handle_frame(ctx, 1, data, data_end, data_end - data));
}

/* One packet at TC egress: its TC action. */
static __always_inline int xdpct_handle_tc(struct __sk_buff *skb)
{
	/* headers of interest fit in 256 bytes; GSO payload stays unpulled */
	bpf_skb_pull_data(skb, skb->len < 256 ? skb->len : 256);
	return verdict_tc(handle_frame(skb, 0, (void *)(long)skb->data,
				       (void *)(long)skb->data_end, skb->len));
}

#endif /* XDPCT_HANDLE_H */
