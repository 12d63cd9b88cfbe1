/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP facts, each written once: the flag bits, the option kinds, sequence
 * number comparisons (modulo 2^32) and the Internet checksum's fold and
 * pseudo-header sums.  Pure: the BPF side, the bench's BPF programs and the
 * unit tests (gcc) all compile it.
 */
#ifndef XDPCT_TCP_H
#define XDPCT_TCP_H

#include "xdpct/types.h"
#include <bpf/bpf_endian.h>

/* The flags byte of the TCP header (byte 13; RFC 9293 3.1, RFC 3168 23.2) */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

/* Option kinds and their lengths (RFC 9293 3.2, RFC 7323, RFC 2018) */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8

#define TCPOLEN_MSS		4
#define TCPOLEN_WINDOW		3
#define TCPOLEN_SACK_PERM	2
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_SACK_BLOCK	8	/* RFC 2018 3: left edge, right edge */
#define TCPOLEN_SACK_MIN	(2 + TCPOLEN_SACK_BLOCK)
/* RFC 7323 appendix A's layout of a segment's timestamp: NOP, NOP, TS, 10 */
#define TCPOPT_TS_WORD		0x0101080au

#define TCP_MAX_WSCALE		14	/* RFC 7323 2.3: larger shifts count as 14 */
#define TCP_MAX_OPT_LEN		40	/* data offset 15 words minus the header */

/* a before b, modulo 2^32 (the kernel's before()) */
static __always_inline int seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/* a after b, modulo 2^32 (the kernel's after()) */
static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

/* a in (lo, hi] modulo 2^32: an acknowledgement of what lies in [lo, hi) */
static __always_inline int seq_in_ack_range(__u32 a, __u32 lo, __u32 hi)
{
	return a - lo - 1 <= hi - lo - 1 && a != lo;
}

/*
 * A ones' complement sum (RFC 1071) folded to 16 bits and inverted: the
 * checksum field.  Two 32-bit folds then two 16-bit folds take any 64-bit
 * sum of 16- or 32-bit words to its 16-bit value.
 */
static __always_inline __u16 csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/*
 * The IPv4 pseudo-header's sum (RFC 9293 3.1): addresses as they are in
 * the header (network order), protocol and the TCP length.
 */
static __always_inline __u64 csum_pseudo_v4(__be32 saddr, __be32 daddr, __u8 proto,
					    __u16 len)
{
	return (__u64)saddr + daddr + bpf_htons(proto) + bpf_htons(len);
}

/* The IPv6 pseudo-header's sum (RFC 8200 8.1): 32-bit length and next header. */
static __always_inline __u64 csum_pseudo_v6(const __be32 *saddr, const __be32 *daddr,
					    __u8 proto, __u32 len)
{
	return (__u64)bpf_htonl(len) + bpf_htonl(proto) +
	       saddr[0] + saddr[1] + saddr[2] + saddr[3] +
	       daddr[0] + daddr[1] + daddr[2] + daddr[3];
}

#endif /* XDPCT_TCP_H */
