/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SYN cookies: what the datapath (bpf/lib/sc_*.h) and userspace share.
 *
 * Two cookie formats, one per way of completing the handshake:
 *
 *  reqsk (default): xdpct's own cookie.  The TC ingress program hands the
 *    validated ACK to the listener as a request socket
 *    (bpf_sk_assign_tcp_reqsk), so nothing but xdpct ever checks it and the
 *    format is ours:
 *
 *      seq of the SYN-ACK  | 31 ........ 4 | 3 2  | 1 0     |
 *                          |  hash[31:4]   | tick | MSS idx |
 *
 *    hash = SipHash-2-4(key; tick, addresses, ports, client ISN, MSS index,
 *    family, option bits), key 128 random bits made at attach: no bit of
 *    the cookie can be changed unnoticed.  IPv4: the first block is the
 *    tick (32 bits) and the server address, which a flood to one server
 *    shares for 68.7 s, so the fast path keeps SipHash's state after it
 *    per CPU (struct xdpct_cookie_prefix) and computes two blocks a SYN,
 *    not three; then client address and ISN; the final block's seven
 *    message bytes are the ports, MSS index, family and option bits.
 *    IPv6: five blocks (addresses; ports and ISN) and a final block of
 *    the tick, MSS index, family and option bits.
 *    tick = clock >> 36 (68.7 s); a cookie is good in its tick
 *    and the next one (69-137 s, like the kernel's 2 minutes).  28 bits of
 *    hash: a blind guess succeeds with odds 2^-28.
 *
 *  synproxy: the kernel's own cookie (bpf_tcp_raw_gen_syncookie_ipv4/6),
 *    because the kernel's SYNPROXY target validates the ACK again with the
 *    kernel's secret and builds the server-side handshake from it.
 *
 * The options the client offered travel in the timestamp, in both modes the
 * kernel's scheme (SYNPROXY decodes it): our TSval is the millisecond clock
 * with its low 6 bits replaced by
 *
 *      | 5   | 4    | 3 ... 0                  |
 *      | ECN | SACK | window scale (15 = none) |
 *
 * and the client echoes it in every TSecr.  In reqsk mode these bits are
 * also hashed into the cookie, so they cannot be changed on the way back.
 * Without timestamps there is nowhere to keep the options: the SYN-ACK then
 * offers MSS only (no window scaling, SACK or ECN), as the kernel does.
 */
#ifndef XDPCT_SYNCOOKIE_H
#define XDPCT_SYNCOOKIE_H

#include "xdpct/types.h"

/* the BPF side inlines these: a call would add a frame to a deep chain */
#ifdef __BPF__
#define XDPCT_SC_INLINE static inline __attribute__((always_inline))
#else
#define XDPCT_SC_INLINE static inline
#endif

enum xdpct_sc_mode {
	XDPCT_SC_OFF = 0,	/* not configured, or --syncookie-mode off */
	XDPCT_SC_ALWAYS,	/* every SYN to a protected port answered by XDP */
	XDPCT_SC_AUTO,		/* only while the port's SYN rate is high */
};

enum xdpct_sc_completion {
	XDPCT_SC_REQSK = 1,	/* TC ingress: bpf_sk_assign_tcp_reqsk (Linux 6.9+) */
	XDPCT_SC_SYNPROXY,	/* the kernel's SYNPROXY (nftables rules) */
};

#define XDPCT_SC_DEF_MSS4	1460
#define XDPCT_SC_DEF_MSS6	1440
#define XDPCT_SC_DEF_WSCALE	7
#define XDPCT_SC_DEF_TTL	64
#define XDPCT_SC_DEF_THRESHOLD	1000	/* SYN/s per port (auto mode) */

/*
 * auto mode: the rate is measured per port over windows of
 * XDPCT_SC_WINDOW_NS by a BPF timer.  Cookies go on in the first window
 * whose rate reaches the threshold and off after XDPCT_SC_CALM_WINDOWS
 * windows in a row below half of it (hysteresis: no flapping at the edge).
 */
#define XDPCT_SC_WINDOW_NS	200000000ULL
#define XDPCT_SC_CALM_WINDOWS	5

/* Protected ports: one bit per port, one map element. */
struct xdpct_sc_portmap {
	__u64 bits[1024];
};

static inline int xdpct_sc_port_isset(const struct xdpct_sc_portmap *m, __u16 port)
{
	return (m->bits[(port >> 6) & 1023] >> (port & 63)) & 1;
}

static inline void xdpct_sc_port_set(struct xdpct_sc_portmap *m, __u16 port)
{
	m->bits[(port >> 6) & 1023] |= 1ULL << (port & 63);
}

/* Per protected port (auto mode): written by the datapath and the timer. */
struct xdpct_sc_port {
	__u64 syns;		/* SYNs seen, ever (datapath, atomic add) */
	__u64 last_syns;	/* syns at the last evaluation (timer only) */
	__u64 last_ns;		/* time of the last evaluation */
	__u64 rate;		/* SYN/s over the last window */
	__u32 on;		/* cookies answered now */
	__u32 calm;		/* windows in a row below threshold / 2 */
};

/* Option bits in the low 6 bits of the SYN-ACK's TSval. */
#define XDPCT_TS_WSCALE_MASK	0x0f	/* client's window scale; 0xf: none */
#define XDPCT_TS_SACK		0x10
#define XDPCT_TS_ECN		0x20
#define XDPCT_TS_BITS		0x3f
#define XDPCT_TS_NONE		0x40	/* hashed when the client sent no timestamp */

/* ---- xdpct's own cookie (reqsk mode) --------------------------------- */

#define XDPCT_COOKIE_TICK_SHIFT	36	/* 2^36 ns = 68.7 s */
#define XDPCT_COOKIE_MAX_AGE	1	/* ticks after its own one a cookie stays good */
#define XDPCT_COOKIE_HASH_MASK	0xfffffff0u

enum xdpct_cookie_result {
	XDPCT_COOKIE_OK = 0,
	XDPCT_COOKIE_BAD,	/* does not match: forged, or not ours */
	XDPCT_COOKIE_STALE,	/* matched a tick that is too old */
};

/*
 * MSS the cookie can carry: the largest table entry not above the client's.
 * IPv4 536, 1300, 1460, 8960; IPv6 1220, 1420, 1440, 8940 (minimum,
 * tunnels, Ethernet, jumbo frames).  Written as code, not arrays, so the
 * BPF side keeps no table in memory.
 */
XDPCT_SC_INLINE __u16 xdpct_mss_value(__u8 family, __u32 idx)
{
	switch (idx & 3) {
	case 0: return family == 6 ? 1220 : 536;
	case 1: return family == 6 ? 1420 : 1300;
	case 2: return family == 6 ? 1440 : 1460;
	}
	return family == 6 ? 8940 : 8960;
}

XDPCT_SC_INLINE __u32 xdpct_mss_index(__u8 family, __u16 mss)
{
	if (mss >= xdpct_mss_value(family, 3))
		return 3;
	if (mss >= xdpct_mss_value(family, 2))
		return 2;
	if (mss >= xdpct_mss_value(family, 1))
		return 1;
	return 0;	/* also no option at all: RFC 9293's default */
}

/* What the cookie is computed over; addresses network order, ports host. */
struct xdpct_cookie_in {
	__u32 caddr[4];		/* client; IPv4 in [0] */
	__u32 saddr[4];		/* server */
	__u16 cport, sport;
	__u32 isn;		/* client's ISN */
	__u8 family;
	__u8 tsbits;		/* XDPCT_TS_* bits, or XDPCT_TS_NONE */
	__u8 pad[2];
};

/* SipHash-2-4 (Aumasson, Bernstein), 64-bit words in, 64 bits out. */
struct xdpct_sip {
	__u64 v0, v1, v2, v3;
	__u32 n;		/* bytes absorbed */
};

#define XDPCT_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

XDPCT_SC_INLINE void xdpct_sip_round(struct xdpct_sip *s)
{
	s->v0 += s->v1; s->v1 = XDPCT_ROTL64(s->v1, 13); s->v1 ^= s->v0;
	s->v0 = XDPCT_ROTL64(s->v0, 32);
	s->v2 += s->v3; s->v3 = XDPCT_ROTL64(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = XDPCT_ROTL64(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = XDPCT_ROTL64(s->v1, 17); s->v1 ^= s->v2;
	s->v2 = XDPCT_ROTL64(s->v2, 32);
}

XDPCT_SC_INLINE void xdpct_sip_init(struct xdpct_sip *s, __u64 k0, __u64 k1)
{
	s->v0 = 0x736f6d6570736575ULL ^ k0;
	s->v1 = 0x646f72616e646f6dULL ^ k1;
	s->v2 = 0x6c7967656e657261ULL ^ k0;
	s->v3 = 0x7465646279746573ULL ^ k1;
	s->n = 0;
}

XDPCT_SC_INLINE void xdpct_sip_word(struct xdpct_sip *s, __u64 m)
{
	s->v3 ^= m;
	xdpct_sip_round(s);
	xdpct_sip_round(s);
	s->v0 ^= m;
	s->n += 8;
}

/* The last block: tail holds up to 7 bytes of message (tail_len of them). */
XDPCT_SC_INLINE __u64 xdpct_sip_final(struct xdpct_sip *s, __u64 tail, __u32 tail_len)
{
	__u64 b = (__u64)((s->n + tail_len) & 0xff) << 56 | (tail & 0x00ffffffffffffffULL);

	s->v3 ^= b;
	xdpct_sip_round(s);
	xdpct_sip_round(s);
	s->v0 ^= b;
	s->v2 ^= 0xff;
	xdpct_sip_round(s);
	xdpct_sip_round(s);
	xdpct_sip_round(s);
	xdpct_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * IPv4's first block, the tick (its low 32 bits) and the server address:
 * SipHash's state after it is the same for every SYN to one server in one
 * tick.  Whoever keeps it (sc_fast.h, per CPU) names it by both.
 */
struct xdpct_cookie_prefix {
	struct xdpct_sip s;
	__u64 tick;
	__u32 saddr;
	__u32 valid;		/* 0: never computed */
};

XDPCT_SC_INLINE void xdpct_cookie_prefix4(struct xdpct_sip *s, __u64 k0, __u64 k1, __u64 tick,
					  __u32 saddr)
{
	xdpct_sip_init(s, k0, k1);
	xdpct_sip_word(s, (tick & 0xffffffffULL) << 32 | saddr);
}

/*
 * IPv4 from the first block's state s (used up): a block of the client's
 * address and ISN, then the final block's seven message bytes, the ports,
 * MSS index, family and option bits, which cost no block of their own.
 */
XDPCT_SC_INLINE __u32 xdpct_cookie_finish4(struct xdpct_sip *s, __u32 caddr, __u16 cport,
					   __u16 sport, __u32 isn, __u32 mss_idx, __u8 tsbits)
{
	xdpct_sip_word(s, (__u64)caddr << 32 | isn);
	return (__u32)xdpct_sip_final(s, (__u64)cport << 40 | (__u64)sport << 24 |
					 (__u64)(mss_idx & 3) << 16 | 4 << 8 | tsbits, 7);
}

/* IPv6's final block: the tick (32 bits), the MSS index, family, option bits. */
XDPCT_SC_INLINE __u64 xdpct_cookie_tail6(__u64 tick, __u32 mss_idx, __u8 tsbits)
{
	return (tick & 0xffffffffULL) << 24 | (__u64)(mss_idx & 3) << 16 | 6 << 8 | tsbits;
}

XDPCT_SC_INLINE __u32 xdpct_cookie_hash(__u64 k0, __u64 k1, const struct xdpct_cookie_in *c,
				      __u64 tick, __u32 mss_idx)
{
	struct xdpct_sip s;

	if (c->family != 6) {
		xdpct_cookie_prefix4(&s, k0, k1, tick, c->saddr[0]);
		return xdpct_cookie_finish4(&s, c->caddr[0], c->cport, c->sport, c->isn,
					    mss_idx, c->tsbits);
	}
	xdpct_sip_init(&s, k0, k1);
	xdpct_sip_word(&s, (__u64)c->caddr[0] << 32 | c->caddr[1]);
	xdpct_sip_word(&s, (__u64)c->caddr[2] << 32 | c->caddr[3]);
	xdpct_sip_word(&s, (__u64)c->saddr[0] << 32 | c->saddr[1]);
	xdpct_sip_word(&s, (__u64)c->saddr[2] << 32 | c->saddr[3]);
	xdpct_sip_word(&s, (__u64)c->cport << 48 | (__u64)c->sport << 32 | c->isn);
	return (__u32)xdpct_sip_final(&s, xdpct_cookie_tail6(tick, mss_idx, c->tsbits), 7);
}

XDPCT_SC_INLINE __u32 xdpct_cookie_make(__u64 k0, __u64 k1, const struct xdpct_cookie_in *c,
				      __u64 now_ns, __u32 mss_idx)
{
	__u64 tick = now_ns >> XDPCT_COOKIE_TICK_SHIFT;

	return (xdpct_cookie_hash(k0, k1, c, tick, mss_idx) & XDPCT_COOKIE_HASH_MASK) |
	       (__u32)(tick & 3) << 2 | (mss_idx & 3);
}

/*
 * Check the cookie a client returned (its ACK's ack - 1).  The tick bits
 * name the tick modulo 4: the hash is checked for that tick and the MSS
 * index the cookie names (both are hashed, so neither can be changed), so
 * garbage is "bad" whatever its low bits say; then its age.
 */
XDPCT_SC_INLINE int xdpct_cookie_check(__u64 k0, __u64 k1, const struct xdpct_cookie_in *c,
				     __u32 cookie, __u64 now_ns, __u32 *mss_idx)
{
	__u64 now_tick = now_ns >> XDPCT_COOKIE_TICK_SHIFT;
	__u64 age = (now_tick - ((cookie >> 2) & 3)) & 3;

	if ((xdpct_cookie_hash(k0, k1, c, now_tick - age, cookie & 3) ^ cookie) &
	    XDPCT_COOKIE_HASH_MASK)
		return XDPCT_COOKIE_BAD;
	if (age > XDPCT_COOKIE_MAX_AGE)
		return XDPCT_COOKIE_STALE;
	*mss_idx = cookie & 3;
	return XDPCT_COOKIE_OK;
}

#endif /* XDPCT_SYNCOOKIE_H */
