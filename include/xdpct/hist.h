/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU log2 histograms the datapath fills when a connection ends (the
 * transition that ends it, or its expiry), read by `xdpct exporter` and
 * `xdpct top` without walking the table: SYN->SYN-ACK and SYN-ACK->ACK
 * handshake times and lifetimes, one histogram per kind and end reason.
 *
 * Bucket k counts values v (ns) with 2^(k-1) < v <= 2^k (bucket 0: v <= 1),
 * so "le 2^k ns" is exact; the last bucket takes everything above.  Count
 * and sum are exact too.
 */
#ifndef XDPCT_HIST_H
#define XDPCT_HIST_H

#include "xdpct/types.h"

/* how a connection ended (struct xdpct_event.end) */
enum xdpct_end {
	XDPCT_END_NONE = 0,		/* not an end (a transition, a closed flow's removal) */
	XDPCT_END_CLOSED,		/* both ends closed after FINs */
	XDPCT_END_RESET,		/* an RST ended an established connection */
	XDPCT_END_REFUSED,		/* it ended before it was ever established */
	XDPCT_END_EXPIRED,		/* removed by a timeout or evicted, not closed */
	XDPCT_END_MAX,
};

enum xdpct_hist_kind {
	XDPCT_H_SYN_SYNACK,		/* first SYN -> first SYN-ACK */
	XDPCT_H_SYNACK_ACK,		/* first SYN-ACK -> both ESTABLISHED */
	XDPCT_H_LIFETIME,		/* first packet -> end */
	XDPCT_H_KINDS,
};

#define XDPCT_HIST_BUCKETS 64

struct xdpct_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 bucket[XDPCT_HIST_BUCKETS];
};

/* The map's value at key e (an end reason; key 0 unused): one lookup per end. */
struct xdpct_hist_set {
	struct xdpct_hist h[XDPCT_H_KINDS];
};

/* the bucket of v: the smallest k with v <= 2^k, at most the last */
static __always_inline __u32 xdpct_hist_bucket(__u64 v)
{
	__u32 k = 1;

	if (v <= 1)
		return 0;
	v -= 1;
	if (v >> 32) { k += 32; v >>= 32; }
	if (v >> 16) { k += 16; v >>= 16; }
	if (v >> 8) { k += 8; v >>= 8; }
	if (v >> 4) { k += 4; v >>= 4; }
	if (v >> 2) { k += 2; v >>= 2; }
	if (v >> 1) { k += 1; }
	return k < XDPCT_HIST_BUCKETS ? k : XDPCT_HIST_BUCKETS - 1;
}

#endif /* XDPCT_HIST_H */
