/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload: reading the ACK that returns a cookie, as XDP (the
 * cookie check, sc_check.h) and TC ingress (the request socket,
 * sc_reqsk.h) both do: its options, xdpct's own cookie, its socket tuple.
 */
#ifndef XDPCT_SC_ACK_H
#define XDPCT_SC_ACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpct/cookie.h"
#include "tcp.h"
#include "tcp_opts.h"
#include "parse.h"
#include "cfg.h"
#include "sc_maps.h"

/* The lookup key of the segment's socket (bpf_skc_lookup_tcp()); its size. */
static __always_inline __u32 sc_tuple(struct bpf_sock_tuple *t, const struct pkt_meta *m)
{
	__builtin_memset(t, 0, sizeof(*t));
	if (m->family == 4) {
		t->ipv4.saddr = m->saddr[0];
		t->ipv4.daddr = m->daddr[0];
		t->ipv4.sport = bpf_htons(m->sport);
		t->ipv4.dport = bpf_htons(m->dport);
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, m->saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, m->daddr, 16);
	t->ipv6.sport = bpf_htons(m->sport);
	t->ipv6.dport = bpf_htons(m->dport);
	return sizeof(t->ipv6);
}

/* Bytes of TCP options from the data-offset byte; 0 for none or garbage. */
static __always_inline __u32 sc_optlen(__u8 b)
{
	__u32 olen = ((b >> 4) * 4 - 20) & 0x3c;

	/* masked and compared as is, so both compilers leave the verifier
	 * a range of 4..40 for the load that follows */
	if (olen < 4 || olen > TCP_MAX_OPT_LEN)
		return 0;
	return olen;
}

/* The ACK's timestamp option, if any (o->buf holds olen bytes of options). */
static __always_inline void sc_ack_opts(struct sc_ack *a, struct tcp_opts *o, __u32 olen)
{
	a->has_ts = 0;
	a->tsbits = 0;
	if (!olen)
		return;
	o->len = olen;
	xdpct_parse_opts(o);
	if (o->flags & XDPCT_D_TS) {
		a->has_ts = 1;
		a->tsbits = o->tsecr & XDPCT_TS_BITS;
	}
}

/*
 * The client's window scale, kept in the timestamp bits: -1 when it
 * offered none (RFC 7323 2.3: a shift above 14 counts as 14).
 */
static __always_inline int sc_ack_wscale(const struct sc_ack *a)
{
	__u8 ws = a->tsbits & XDPCT_TS_WSCALE_MASK;

	if (ws == XDPCT_TS_WSCALE_MASK)
		return -1;
	return ws > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : ws;
}

/*
 * xdpct's own cookie of the ACK in m (reqsk completion): XDPCT_COOKIE_*,
 * and the client's MSS in a->mss.
 */
static __always_inline int sc_check_own(const struct pkt_meta *m, struct sc_ack *a,
					struct xdpct_cookie_in *in)
{
	__u32 idx = 0;
	int r;

	__builtin_memset(in, 0, sizeof(*in));
	__builtin_memcpy(in->caddr, m->saddr, 16);
	__builtin_memcpy(in->saddr, m->daddr, 16);
	in->cport = m->sport;
	in->sport = m->dport;
	in->isn = m->seq - 1;
	in->family = m->family;
	in->tsbits = a->has_ts ? a->tsbits : XDPCT_TS_NONE;
	r = xdpct_cookie_check(xdpct_sc_key[0], xdpct_sc_key[1], in, m->ack - 1, clock_ns(),
			       &idx);
	a->mss = r == XDPCT_COOKIE_OK ? xdpct_mss_value(m->family, idx) : 0;
	return r;
}

#endif /* XDPCT_SC_ACK_H */
