/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, XDP: a segment to a protected port without a live
 * flow (track.h decided).  Cookies handed out leave no entry, so such a
 * segment is either the ACK that returns one, or belongs to a connection
 * the local stack knows although xdpct does not (older than the attach, or
 * its entry expired), or is to be dropped:
 *
 *   valid cookie ACK    SC_START_FLOW: a flow starts ESTABLISHED on both
 *                       ends, flag "syncookie", and the ACK passes on
 *   RST, other ACKs     SC_TRACK when cookies are off for the port (auto
 *                       mode, quiet) or the stack knows the connection (a
 *                       socket in reqsk mode, a conntrack entry in synproxy
 *                       mode); otherwise SC_DROP, counted by reason
 */
#ifndef XDPCT_SC_CHECK_H
#define XDPCT_SC_CHECK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/cookie.h"
#include "xdpct/stats.h"
#include "parse.h"
#include "cfg.h"
#include "maps.h"
#include "work.h"
#include "sc_maps.h"
#include "sc_auto.h"
#include "sc_frame.h"
#include "sc_ack.h"
#include "sc_action.h"
#include "sc_local.h"

/* Kernel functions: weak, so the object loads where one is missing. */
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;

/*
 * Does the local stack know this connection although xdpct has no flow?
 * reqsk: a socket other than the listener; synproxy: a confirmed conntrack
 * entry.
 */
static __always_inline int sc_stack_knows(struct xdp_md *ctx, const struct pkt_meta *m,
					  struct xdpct_sc_scratch *s)
{
	struct bpf_sock_tuple *t = &s->tuple;
	__u32 sz = sc_tuple(t, m);
	int known;

	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		struct bpf_ct_opts *o = &s->ct_opts;
		struct nf_conn *ct;

		__builtin_memset(o, 0, sizeof(*o));
		o->netns_id = -1;
		o->l4proto = IPPROTO_TCP_;
		ct = bpf_xdp_ct_lookup(ctx, t, sz, o, sizeof(*o));
		if (!ct)
			return 0;
		known = !!(ct->status & IPS_CONFIRMED);
		bpf_ct_release(ct);
		return known;
	} else {
		struct bpf_sock *sk;

		sk = bpf_skc_lookup_tcp(ctx, t, sz, -1 /* current netns */, 0);
		if (!sk)
			return 0;
		known = sk->state != BPF_TCP_LISTEN;
		bpf_sk_release(sk);
		return known;
	}
}

/*
 * The ACK's cookie: XDPCT_COOKIE_*, what else it says in s->ack.  synproxy:
 * the kernel's cookie (SYNPROXY checks it again); reqsk: xdpct's own.
 */
static __always_inline int sc_check_cookie(struct xdp_md *ctx, struct xdpct_work *w,
					   struct xdpct_sc_scratch *s)
{
	struct pkt_meta *m = &w->meta;
	__u32 l4 = m->l4_off, olen;

	if (bpf_xdp_load_bytes(ctx, l4, s->l4, 20))
		return XDPCT_COOKIE_BAD;
	olen = sc_optlen(s->l4[12]);
	if (olen) {
		__builtin_memset(&w->opts, 0, sizeof(w->opts));
		if (bpf_xdp_load_bytes(ctx, l4 + 20, w->opts.buf, olen))
			return XDPCT_COOKIE_BAD;
	}
	sc_ack_opts(&s->ack, &w->opts, olen);

	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		__s64 r;

		int l3 = sc_l3_off(ctx, s);

		if (l3 < 0 || bpf_xdp_load_bytes(ctx, l3 & 31, s->l3, m->family == 4 ? 20 : 40))
			return XDPCT_COOKIE_BAD;
		if (m->family == 4)
			r = bpf_tcp_raw_check_syncookie_ipv4((struct iphdr *)s->l3,
							     (struct tcphdr *)s->l4);
		else
			r = bpf_tcp_raw_check_syncookie_ipv6((struct ipv6hdr *)s->l3,
							     (struct tcphdr *)s->l4);
		s->ack.mss = 0;		/* inside the kernel's cookie: not ours to read */
		return r ? XDPCT_COOKIE_BAD : XDPCT_COOKIE_OK;
	}
	return sc_check_own(m, &s->ack, &s->in);
}

/* What the SYN and our SYN-ACK settled, from a valid cookie ACK. */
static __always_inline void sc_handshake(const struct sc_ack *a, __u8 family,
					 struct xdpct_cookie_hs *h)
{
	int ws;

	__builtin_memset(h, 0, sizeof(*h));
	h->cmss = a->mss;
	h->smss = family == 6 ? cfg.sc_mss6 : cfg.sc_mss4;
	h->swscale = cfg.sc_wscale;
	if (cfg.sc_completion == XDPCT_SC_REQSK && h->cmss)
		h->synack_win = sc_synack_win(h->cmss);
	if (!a->has_ts)
		return;
	h->opts = XDPCT_D_TS;
	ws = sc_ack_wscale(a);
	if (ws >= 0) {
		h->opts |= XDPCT_D_WSCALE;
		h->cwscale = ws;
	}
	if (a->tsbits & XDPCT_TS_SACK)
		h->opts |= XDPCT_D_SACK_PERM;
}

/* No cookie: pass what the stack knows (or all, cookies off), drop the rest. */
static __always_inline int sc_no_cookie(struct xdp_md *ctx, const struct pkt_meta *m,
					struct xdpct_sc_scratch *s, struct xdpct_stats *st,
					__u8 reason)
{
	if (!sc_cookies_on(m->dport, 0))
		return SC_TRACK;	/* quiet port: as without cookies */
	if (sc_stack_knows(ctx, m, s)) {
		st->c[XDPCT_STAT_SC_KNOWN_PASSED]++;
		return SC_TRACK;
	}
	st->c[reason & XDPCT_STAT_MASK]++;
	return SC_DROP;
}

/*
 * A segment to a protected port, not a SYN, without a live flow: SC_TRACK,
 * SC_DROP, or SC_START_FLOW with the handshake in w->hs.
 */
static __always_inline int sc_no_flow(struct xdp_md *ctx, struct xdpct_work *w,
				      struct xdpct_sc_scratch *s, struct xdpct_stats *st)
{
	int r;

	/* another host's flow, routed through: no cookie of ours to check (sc_local.h) */
	if (!sc_dst_local(ctx, &w->sc_local, clock_coarse_ns(&w->clock), w->meta.family,
			  w->meta.saddr, w->meta.daddr)) {
		st->c[XDPCT_STAT_SC_NOT_LOCAL_PASSED]++;
		return SC_TRACK;
	}
	if (w->meta.flags & TCPF_RST)
		return sc_no_cookie(ctx, &w->meta, s, st, XDPCT_STAT_SC_RST_DROPPED);

	/* checked even with cookies off: the port may have handed some out */
	r = sc_check_cookie(ctx, w, s);
	if (r == XDPCT_COOKIE_OK) {
		st->c[XDPCT_STAT_SC_COOKIE_ACCEPTED]++;
		if (cfg.sc_completion == XDPCT_SC_SYNPROXY)
			st->c[XDPCT_STAT_SC_HANDSHAKE_DONE]++;	/* SYNPROXY takes it from here */
		sc_handshake(&s->ack, w->meta.family, &w->hs);
		return SC_START_FLOW;
	}
	return sc_no_cookie(ctx, &w->meta, s, st, r == XDPCT_COOKIE_STALE ?
			    XDPCT_STAT_SC_COOKIE_STALE : XDPCT_STAT_SC_COOKIE_BAD);
}

#endif /* XDPCT_SC_CHECK_H */
