/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Verifying a TCP checksum (RFC 9293 3.1, RFC 1071): the ones' complement
 * sum of the pseudo-header (tcp.h's csum_pseudo_v4/v6) and the whole
 * segment, header and payload, folds to zero.  What the kernel does on
 * receive (tcp_v4_rcv -> tcp_checksum_complete) before a SYN reaches a
 * listener, and what the kernel selftest's XDP synproxy does before it
 * answers one.
 *
 * The segment is copied to a caller's buffer in chunks and summed with
 * bpf_csum_diff(), so it works wherever the frame is (XDP or skb, linear
 * or not).  A chunk's tail is zero-padded to 4 bytes (bpf_csum_diff sums
 * 32-bit words; zeros add nothing), and every chunk but the last is even,
 * so the partial sums chain.  On TC egress a locally built segment may
 * still carry a partial checksum (CHECKSUM_PARTIAL): check only what came
 * from the wire.
 */
#ifndef XDPCT_CSUM_H
#define XDPCT_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tcp.h"

#define CSUM_CHUNK	512	/* bpf_csum_diff's largest input */
#define CSUM_MAX_CHUNKS	18	/* 9216 bytes: a jumbo frame's segment */

/* The caller's room: one chunk and its padding word. */
struct csum_buf {
	__u8 b[CSUM_CHUNK + 4];
};

/*
 * 1 if the len bytes of TCP segment at off (from the frame's start) sum
 * with the pseudo-header's sum to the all-ones value; 0 if not, or if the
 * segment cannot be read or is longer than CSUM_MAX_CHUNKS chunks.
 */
static __always_inline int tcp_csum_ok(void *ctx, int is_xdp, __u32 off, __u32 len,
				       __u64 pseudo, struct csum_buf *buf)
{
	__u64 sum = pseudo;
	__u32 i, n, done = 0;
	__s64 r;

	if (len < 20 || len > CSUM_CHUNK * CSUM_MAX_CHUNKS)
		return 0;
	for (i = 0; i < CSUM_MAX_CHUNKS && done < len; i++) {
		n = len - done;
		if (n > CSUM_CHUNK)
			n = CSUM_CHUNK;
		/*
		 * Bounds the verifier sees on the register every use below
		 * takes (clang-14 otherwise clamps one copy and uses another):
		 * the empty asm makes the compiler forget what n was.
		 */
		asm volatile("" : "+r"(n));
		n &= 2 * CSUM_CHUNK - 1;
		if (!n || n > CSUM_CHUNK)
			break;
		asm volatile("" : "+r"(n));
		/* the bytes past n up to the next word boundary must be zero */
		if (n & 3) {
			*(__u32 *)&buf->b[n & ~3u] = 0;
		}
		if (is_xdp ? bpf_xdp_load_bytes(ctx, off + done, buf->b, n) :
			     bpf_skb_load_bytes(ctx, off + done, buf->b, n))
			return 0;
		r = bpf_csum_diff(NULL, 0, (__be32 *)buf->b, (n + 3) & ~3u, 0);
		if (r < 0)
			return 0;
		sum += (__u32)r;
		done += n;
	}
	return csum_fold(sum) == 0;
}

/*
 * tcp_csum_ok() at XDP, as a global function: the verifier checks its
 * loop once, not once per path of the caller that reaches it.
 */
__noinline int tcp_csum_ok_xdp(struct xdp_md *ctx, __u32 off, __u32 len, __u64 pseudo,
			       struct csum_buf *buf)
{
	if (!ctx || !buf)
		return 0;
	return tcp_csum_ok(ctx, 1, off, len, pseudo, buf);
}

#endif /* XDPCT_CSUM_H */
