/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, reqsk completion (TC ingress, xdpct_sc_tc): an ACK to
 * a protected port meets the listener.  If it carries one of our cookies,
 * the listener gets a request socket built from it
 * (bpf_sk_assign_tcp_reqsk(), Linux 6.9+), with the options decoded from
 * the cookie, so the kernel creates the connection as for one of its own
 * cookies and accept() returns an ordinary connection.
 */
#ifndef XDPCT_SC_REQSK_H
#define XDPCT_SC_REQSK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/cookie.h"
#include "xdpct/stats.h"
#include "parse.h"
#include "cfg.h"
#include "maps.h"
#include "sc_maps.h"
#include "sc_ack.h"

/* A kernel function: weak, so the object loads where it is missing. */
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym __weak;

/* The request socket's options, from what the cookie ACK says (a). */
static __always_inline void sc_reqsk_attrs(struct bpf_tcp_req_attrs *attrs,
					   const struct sc_ack *a, const struct tcp_opts *o)
{
	int ws;

	attrs->mss = a->mss;
	if (!a->has_ts)
		return;
	attrs->tstamp_ok = 1;
	attrs->rcv_tsval = o->tsval;
	attrs->rcv_tsecr = o->tsecr;
	attrs->sack_ok = !!(a->tsbits & XDPCT_TS_SACK);
	attrs->ecn_ok = !!(a->tsbits & XDPCT_TS_ECN);
	ws = sc_ack_wscale(a);
	if (ws >= 0) {
		attrs->wscale_ok = 1;
		attrs->snd_wscale = ws;
		attrs->rcv_wscale = cfg.sc_wscale;
	}
}

/* An observer: never decides the packet's fate.  Always 0. */
__noinline int xdpct_sc_reqsk(struct __sk_buff *skb)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct xdpct_sc_scratch *s;
	struct sc_ack a = {};
	struct xdpct_stats *st;
	struct bpf_sock *skc;
	struct sock *sk;
	struct pkt p = {};
	__u32 zero = 0, sz, olen;
	__u8 b;

	if (!skb)
		return 0;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	s = bpf_map_lookup_elem(&xdpct_sc_work, &zero);
	if (!st || !s)
		return 0;
	if (parse_packet(&p, (void *)(long)skb->data, (void *)(long)skb->data_end, skb->len,
			 &s->slot) != PARSE_TCP)
		return 0;
	if ((p.m.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_ACK || !sc_protected(p.m.dport))
		return 0;

	sz = sc_tuple(&s->tuple, &p.m);
	skc = bpf_skc_lookup_tcp(skb, &s->tuple, sz, -1 /* current netns */, 0);
	if (!skc)
		return 0;
	if (skc->state != BPF_TCP_LISTEN)
		goto release;
	sk = (struct sock *)bpf_skc_to_tcp_sock(skc);
	if (!sk)
		goto release;

	if (bpf_skb_load_bytes(skb, p.m.l4_off + 12, &b, 1))
		goto release;
	olen = sc_optlen(b);
	if (olen) {
		__builtin_memset(&s->opts, 0, sizeof(s->opts));
		if (bpf_skb_load_bytes(skb, p.m.l4_off + 20, s->opts.buf, olen))
			goto release;
	}
	sc_ack_opts(&a, &s->opts, olen);
	if (sc_check_own(&p.m, &a, &s->in) != XDPCT_COOKIE_OK)
		goto release;		/* not ours: the kernel decides */

	sc_reqsk_attrs(&attrs, &a, &s->opts);
	if (bpf_sk_assign_tcp_reqsk(skb, sk, &attrs, sizeof(attrs)))
		st->c[XDPCT_STAT_SC_REQSK_FAILED]++;
	else
		st->c[XDPCT_STAT_SC_HANDSHAKE_DONE]++;
release:
	bpf_sk_release(skc);
	return 0;
}

#endif /* XDPCT_SC_REQSK_H */
