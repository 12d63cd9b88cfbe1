/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verifying a received TCP segment's checksum (RFC 9293 3.1, RFC 1071) on
 * XDP ingress: the one implementation, for the tracker (track.h) and the
 * handshake offloader alike.  The fold and the pseudo-header sums are
 * tcp.h's.
 *
 * The segment is copied in 256-byte chunks (bpf_xdp_load_bytes, so a
 * multi-buffer frame works too) into a per-CPU buffer and summed with
 * bpf_csum_diff; chunks are even-sized, so only the last one can end on an
 * odd byte, which is padded with zero as RFC 1071 says.
 *
 * Only XDP ingress verifies.  At TC egress a host's own segments carry a
 * partial checksum (CHECKSUM_PARTIAL: only the pseudo-header's sum, the NIC
 * or the stack's software fallback completes it after TC), so a check there
 * would fail every segment.  IP fragments are not verified either: the
 * checksum covers the whole segment, which only reassembly sees.
 */
#ifndef XDPCT_CSUM_H
#define XDPCT_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tcp.h"
#include "parse.h"

#define XDPCT_CSUM_CHUNK	256
/* 40 chunks: 10 KiB, a jumbo frame's TCP segment */
#define XDPCT_CSUM_MAX_CHUNKS	40

struct xdpct_csum_buf {
	__u8 b[XDPCT_CSUM_CHUNK + 4];
	/* the walk's state: in the map value, where the verifier does not
	 * track it, so its check of the loop body converges at once */
	__u64 sum;
	__u32 off, left;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_csum_buf);
} xdpct_csum_buf SEC(".maps");

struct csum_walk {
	struct xdp_md *ctx;
	struct xdpct_csum_buf *cb;
	int err;
};

/* One chunk into the sum; 1 stops (done, or the bytes are not there). */
static long csum_chunk(__u64 i, struct csum_walk *c)
{
	struct xdpct_csum_buf *cb = c->cb;
	__u32 n = cb->left;

	if (!n)
		return 1;
	n = n < XDPCT_CSUM_CHUNK ? n : XDPCT_CSUM_CHUNK;
	n = ((n - 1) & (XDPCT_CSUM_CHUNK - 1)) + 1;	/* 1..256, for the verifier */
	/* the pad word of an odd or short tail: zeroed, then loaded over */
	*(__u32 *)(cb->b + (n & (XDPCT_CSUM_CHUNK - 4))) = 0;
	if (bpf_xdp_load_bytes(c->ctx, cb->off, cb->b, n)) {
		c->err = 1;
		return 1;
	}
	cb->sum += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)cb->b, (n + 3) & ~3U, 0);
	cb->off += n;
	cb->left -= n;
	return 0;
}

/*
 * The pseudo-header's sum for the parsed segment (m: parse.h's findings;
 * l4_len is the TCP header plus payload) into *sum; 0, or -1 when it
 * cannot be told.  IPv6 with a Routing header that has segments left: the
 * destination is the final one, read from the frame into scratch (RFC 8200
 * 8.1: "the final destination"; Linux: tcp_v6_rcv() checks the checksum at
 * that final node, where the header's dst is it); a routing type whose
 * final address parse.h does not know: -1, not verified.
 */
static __always_inline int tcp_pseudo_sum(struct xdp_md *ctx, const struct pkt_meta *m,
					  __u8 *scratch, __u64 *sum)
{
	if (m->family == 4) {
		*sum = csum_pseudo_v4(m->saddr[0], m->daddr[0], IPPROTO_TCP_, m->l4_len);
		return 0;
	}
	if (m->rt_final == RT_FINAL_UNKNOWN)
		return -1;
	if (m->rt_final == RT_FINAL_AT) {
		if (bpf_xdp_load_bytes(ctx, m->rt_off, scratch, 16))
			return -1;
		*sum = csum_pseudo_v6(m->saddr, (const __be32 *)scratch, IPPROTO_TCP_,
				      m->l4_len);
		return 0;
	}
	*sum = csum_pseudo_v6(m->saddr, m->daddr, IPPROTO_TCP_, m->l4_len);
	return 0;
}

/*
 * 1: the checksum of the TCP segment m describes is right; 0: it is wrong;
 * -1: it cannot be told (no buffer, a segment longer than the bound, bytes
 * missing from the frame).  ctx: the XDP frame the segment is in.
 */
static __always_inline int tcp_csum_ok(struct xdp_md *ctx, const struct pkt_meta *m)
{
	struct csum_walk c = { .ctx = ctx };
	__u32 zero = 0;

	c.cb = bpf_map_lookup_elem(&xdpct_csum_buf, &zero);
	if (!c.cb || m->l4_len > XDPCT_CSUM_CHUNK * XDPCT_CSUM_MAX_CHUNKS)
		return -1;
	if (tcp_pseudo_sum(ctx, m, c.cb->b, &c.cb->sum))
		return -1;
	c.cb->off = m->l4_off;
	c.cb->left = m->l4_len;
	bpf_loop(XDPCT_CSUM_MAX_CHUNKS, csum_chunk, &c, 0);
	if (c.err || c.cb->left)
		return -1;
	return csum_fold(c.cb->sum) == 0;
}

/*
 * The same as a global function: verified once, however many paths of the
 * caller reach it.  1 good, 0 bad, -1 unknown.
 */
__noinline int xdpct_tcp_csum(struct xdp_md *ctx, const struct pkt_meta *m)
{
	if (!ctx || !m)
		return -1;
	return tcp_csum_ok(ctx, m);
}

#endif /* XDPCT_CSUM_H */
