/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The TCP options walk: MSS, window scale, SACK-permitted, timestamps, and
 * the highest right edge of a segment's SACK blocks (RFC 2018).
 *
 * The option bytes are copied into tcp_opts.buf by the caller (it knows its
 * context: XDP or TC) and walked by a global function: the verifier checks
 * it once on its own, and its results reach the caller as plain scalars, so
 * the many paths through the option walk do not multiply the paths through
 * the rest of the datapath.
 */
#ifndef XDPCT_TCP_OPTS_H
#define XDPCT_TCP_OPTS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"
#include "tcp.h"

/*
 * 60 bytes: xdpct_parse_opts() keeps a copy on its stack (bpf_loop()'s
 * context), in the call chain that is at the verifier's 512-byte bound.
 */
struct tcp_opts {
	__u8 buf[TCP_MAX_OPT_LEN];
	__u32 tsval, tsecr;
	__u32 sack;		/* highest SACK right edge (has_sack) */
	__u16 mss;
	__u8 len;		/* option bytes in buf, <= TCP_MAX_OPT_LEN */
	__u8 pos;
	__u8 wscale;
	__u8 flags;		/* XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS */
	__u8 has_sack;
	__u8 pad;
};
_Static_assert(sizeof(struct tcp_opts) == 60, "tcp_opts: xdpct_parse_opts() stack");

static __always_inline __u32 opt_get32(const __u8 *p)
{
	return ((__u32)p[0] << 24) | ((__u32)p[1] << 16) | ((__u32)p[2] << 8) | p[3];
}

/*
 * The SACK option at pos, len bytes (RFC 2018 3: 2 + 8n, n = 1..4): the
 * highest right edge of its blocks, as nf_conntrack's tcp_sack() takes it.
 */
static __always_inline void opt_sack(struct tcp_opts *o, __u32 pos, __u8 len)
{
	int i;

	if ((len - 2) % TCPOLEN_SACK_BLOCK || len < TCPOLEN_SACK_MIN)
		return;
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 at = pos + 2 + i * TCPOLEN_SACK_BLOCK + 4, edge;

		if (2 + (i + 1) * TCPOLEN_SACK_BLOCK > len || at > TCP_MAX_OPT_LEN - 4)
			break;
		edge = opt_get32(&o->buf[at]);
		if (!o->has_sack || seq_after(edge, o->sack))
			o->sack = edge;
		o->has_sack = 1;
	}
}

/*
 * One option at o->pos; bpf_loop() callback, so it is verified once.
 * The bounds on pos are spelled out for the verifier: each read stays in buf.
 */
static long tcp_opt_step(__u64 i, void *ctx)
{
	struct tcp_opts *o = ctx;
	__u32 pos = o->pos;
	__u8 kind, len;

	if (pos >= o->len || pos >= TCP_MAX_OPT_LEN - 1)
		return 1;
	kind = o->buf[pos];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		o->pos = pos + 1;
		return 0;
	}
	len = o->buf[pos + 1];
	if (len < 2 || pos + len > o->len || pos + len > TCP_MAX_OPT_LEN)
		return 1;		/* malformed: stop, as Linux does */
	if (kind == TCPOPT_MSS && len == TCPOLEN_MSS && pos < 37) {
		o->mss = ((__u16)o->buf[pos + 2] << 8) | o->buf[pos + 3];
	} else if (kind == TCPOPT_WINDOW && len == TCPOLEN_WINDOW && pos < 38) {
		o->wscale = o->buf[pos + 2] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o->buf[pos + 2];
		o->flags |= XDPCT_D_WSCALE;
	} else if (kind == TCPOPT_SACK_PERM && len == TCPOLEN_SACK_PERM) {
		o->flags |= XDPCT_D_SACK_PERM;
	} else if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP && pos < 31) {
		o->tsval = opt_get32(&o->buf[pos + 2]);
		o->tsecr = opt_get32(&o->buf[pos + 6]);
		o->flags |= XDPCT_D_TS;
	} else if (kind == TCPOPT_SACK) {
		opt_sack(o, pos, len);
	}
	o->pos = pos + len;
	return 0;
}

/* Walk out->buf[0 .. out->len): out's mss, wscale, tsval/tsecr, flags, sack. */
__noinline int xdpct_parse_opts(struct tcp_opts *out)
{
	struct tcp_opts o;

	if (!out)
		return 0;
	__builtin_memcpy(&o, out, sizeof(o));
	o.pos = 0;
	bpf_loop(TCP_MAX_OPT_LEN, tcp_opt_step, &o, 0);
	__builtin_memcpy(out, &o, sizeof(o));
	return 0;
}

#endif /* XDPCT_TCP_OPTS_H */
