/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow table layout shared by the BPF datapath and userspace.
 *
 * One entry per connection covers both directions.  The key is canonical:
 * endpoint 0 is the (addr, port) pair that sorts lower, endpoint 1 the other,
 * so both directions of a connection hash to the same entry.  "client" in the
 * value says which endpoint sent the first SYN.
 */
#ifndef XDPCT_FLOW_H
#define XDPCT_FLOW_H

#include "xdpct/types.h"
#ifndef __BPF__
#include <linux/bpf.h>		/* struct bpf_spin_lock (vmlinux.h on BPF) */
#endif

/* RFC 9293 endpoint states, as an observer in the middle infers them. */
enum xdpct_tcp_state {
	XDPCT_S_NONE = 0,	/* nothing seen from/for this endpoint */
	XDPCT_S_LISTEN,		/* server before it answered the first SYN */
	XDPCT_S_SYN_SENT,
	XDPCT_S_SYN_RCVD,
	XDPCT_S_ESTABLISHED,
	XDPCT_S_FIN_WAIT_1,
	XDPCT_S_FIN_WAIT_2,
	XDPCT_S_CLOSE_WAIT,
	XDPCT_S_CLOSING,
	XDPCT_S_LAST_ACK,
	XDPCT_S_TIME_WAIT,
	XDPCT_S_CLOSED,
	XDPCT_S_MAX,
};

/* struct xdpct_flow.flags */
enum {
	XDPCT_F_MIDSTREAM	= 1 << 0, /* first packet seen was not a SYN */
	XDPCT_F_SYNCOOKIE	= 1 << 1, /* handshake completed by the cookie offloader */
	XDPCT_F_SIMOPEN		= 1 << 2, /* simultaneous open: both sides sent a bare SYN */
	XDPCT_F_LIBERAL		= 1 << 3, /* windows unknown (midstream): no window checks */
	XDPCT_F_REUSED		= 1 << 4, /* entry reopened by a SYN after TIME_WAIT/CLOSED */
	XDPCT_F_RESET		= 1 << 5, /* closed by an RST */
};

/* struct xdpct_flow.pend */
enum {
	XDPCT_PEND_SYN		= 1,
	XDPCT_PEND_RESYNC	= 2,
};

/* struct xdpct_dir.flags: what one endpoint has sent / had acknowledged */
enum {
	XDPCT_D_SYN		= 1 << 0, /* sent a SYN (isn valid) */
	XDPCT_D_SYN_ACKED	= 1 << 1, /* its SYN was acknowledged by the peer */
	XDPCT_D_FIN		= 1 << 2, /* sent a FIN (fin_seq valid) */
	XDPCT_D_FIN_ACKED	= 1 << 3, /* its FIN was acknowledged by the peer */
	XDPCT_D_WSCALE		= 1 << 4, /* offered window scaling on its SYN */
	XDPCT_D_SACK_PERM	= 1 << 5, /* offered SACK on its SYN */
	XDPCT_D_TS		= 1 << 6, /* sent timestamps on its SYN */
	XDPCT_D_ACKED_ANY	= 1 << 7, /* has sent at least one ACK (ack valid) */
};

/*
 * The key.  IPv4 and IPv6 flows live in two tables (bpf/lib/maps.h), each
 * keyed by a prefix of this struct, so one built key serves both and no
 * copy is made: an IPv4 flow by its first 16 bytes (struct
 * xdpct_flow_key4), an IPv6 flow by its first 40 (xdpct_flow_key6).  An
 * IPv4 table entry costs 32 bytes less than one keyed by all 44 (the
 * kernel's hash rounds keys to 8) and hashes and compares 4 words, not 11
 * (issue 14).  Addresses: xdpct_key_addr() / xdpct_key_set_addr().
 */
struct xdpct_flow_key {
	__u16 vlan[2];		/* outer, inner VLAN id; 0 = no tag */
	__u16 port[2];		/* endpoint 0, endpoint 1, host byte order */
	union {			/* network byte order */
		__u32 addr4[2];		/* IPv4: endpoint 0, 1; the rest is 0 */
		__u32 addr6[2][4];	/* IPv6: endpoint 0, 1 */
	};
	__u8 family;		/* 4 or 6: which table, not part of its key */
	__u8 pad[3];
};

/* What the IPv4 table's key is: the first 16 bytes of struct xdpct_flow_key. */
struct xdpct_flow_key4 {
	__u16 vlan[2];
	__u16 port[2];
	__u32 addr[2];
};

/* What the IPv6 table's key is: the first 40 bytes of struct xdpct_flow_key. */
struct xdpct_flow_key6 {
	__u16 vlan[2];
	__u16 port[2];
	__u32 addr[2][4];
};

_Static_assert(sizeof(struct xdpct_flow_key4) == 16 &&
	       __builtin_offsetof(struct xdpct_flow_key, addr4) ==
	       __builtin_offsetof(struct xdpct_flow_key4, addr),
	       "the IPv4 table's key is a prefix of xdpct_flow_key");
_Static_assert(sizeof(struct xdpct_flow_key6) == 40 &&
	       __builtin_offsetof(struct xdpct_flow_key, addr6) ==
	       __builtin_offsetof(struct xdpct_flow_key6, addr) &&
	       __builtin_offsetof(struct xdpct_flow_key, family) == 40,
	       "the IPv6 table's key is a prefix of xdpct_flow_key");

/* Endpoint ep's address in 16 bytes (IPv4: the first 4, then zeros). */
static inline void xdpct_key_addr(const struct xdpct_flow_key *k, int ep, __u32 out[4])
{
	ep &= 1;
	if (k->family == 4) {
		out[0] = k->addr4[ep];
		out[1] = out[2] = out[3] = 0;
		return;
	}
	out[0] = k->addr6[ep][0];
	out[1] = k->addr6[ep][1];
	out[2] = k->addr6[ep][2];
	out[3] = k->addr6[ep][3];
}

/* Set endpoint ep's address from 16 bytes (IPv4: the first 4); family first. */
static inline void xdpct_key_set_addr(struct xdpct_flow_key *k, int ep, const __u32 in[4])
{
	ep &= 1;
	if (k->family == 4) {
		k->addr4[ep] = in[0];
		return;
	}
	k->addr6[ep][0] = in[0];
	k->addr6[ep][1] = in[1];
	k->addr6[ep][2] = in[2];
	k->addr6[ep][3] = in[3];
}

/* A 32-bit word from network to host byte order, in BPF and userspace. */
static inline __u32 xdpct_ntohl(__u32 x)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(x);
#else
	return x;
#endif
}

/*
 * The key of a segment from saddr:sport to daddr:dport (addresses in
 * network order, 4 bytes for IPv4, 16 for IPv6; ports in host order), in
 * the one order both directions share: the lower address as a number is
 * endpoint 0, and on equal addresses the lower port.  Returns 1 when the
 * sender is endpoint 1.  The datapath's flow_key() (bpf/lib/table.h) and
 * the CLI's lookups from an event (cmd_export.c) both build keys here;
 * tests/lib/harness.c keeps its own copy on purpose, as the oracle.
 */
static inline __attribute__((always_inline)) int
xdpct_key_build(struct xdpct_flow_key *k, __u8 family, const __u16 vlan[2],
		const __u32 *saddr, const __u32 *daddr, __u16 sport, __u16 dport)
{
	int i, swap = 0, decided = 0;

	__builtin_memset(k, 0, sizeof(*k));
	k->family = family;
	k->vlan[0] = vlan[0];
	k->vlan[1] = vlan[1];
	if (family == 4) {
		/* the same order as below, on the one word an IPv4 address has */
		__u32 a = xdpct_ntohl(saddr[0]), b = xdpct_ntohl(daddr[0]);

		swap = a != b ? a > b : sport > dport;
		k->addr4[0] = swap ? daddr[0] : saddr[0];
		k->addr4[1] = swap ? saddr[0] : daddr[0];
		k->port[0] = swap ? dport : sport;
		k->port[1] = swap ? sport : dport;
		return swap;
	}
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 4; i++) {
		__u32 a = xdpct_ntohl(saddr[i]), b = xdpct_ntohl(daddr[i]);

		if (!decided && a != b) {
			swap = a > b;
			decided = 1;
		}
	}
	if (!decided)
		swap = sport > dport;
	if (!swap) {
		__builtin_memcpy(k->addr6[0], saddr, 16);
		__builtin_memcpy(k->addr6[1], daddr, 16);
		k->port[0] = sport;
		k->port[1] = dport;
	} else {
		__builtin_memcpy(k->addr6[0], daddr, 16);
		__builtin_memcpy(k->addr6[1], saddr, 16);
		k->port[0] = dport;
		k->port[1] = sport;
	}
	return swap;
}

/*
 * One direction of the flow: what endpoint i has sent.  Field names follow
 * nf_conntrack's tcp_in_window(): end = td_end, maxend = td_maxend,
 * maxwin = td_maxwin.  Its counters are the entry's pkts[i] and octets[i].
 */
struct xdpct_dir {
	__u32 isn;		/* initial sequence number (its SYN's seq) */
	__u32 end;		/* highest seq + len sent (SYN and FIN count one) */
	__u32 maxend;		/* highest seq the peer's ack + window allows */
	__u32 maxwin;		/* largest (scaled) window it advertised */
	__u32 ack;		/* highest ack it sent */
	__u32 fin_seq;		/* sequence number its FIN occupies */
	__u32 ts_recent;	/* latest TSval on its SYN or FIN (RFC 7323), 0 = none */
	__u16 mss;		/* MSS option on its SYN, 0 = none */
	__u8 wscale;		/* window scale option on its SYN */
	__u8 flags;		/* XDPCT_D_* */
};

/*
 * The entry: 152 bytes (issue 14; 184 before).  Times are CLOCK_MONOTONIC
 * ns in first_seen_ns and last_seen_ns; the others are 32-bit offsets
 * from first_seen_ns, read and written only through the helpers below
 * (xdpct_flow_syn_ns() ...).  Counters likewise (xdpct_flow_packets()).
 */
struct xdpct_flow {
	struct bpf_spin_lock lock;
	__u32 tag;		/* hash of the key, never 0 (bpf/lib/table.h); 0: the
				 * entry is being deleted, packets take it for none */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	/*
	 * Per endpoint: bytes (IP level) it sent in the low 56 bits of
	 * octets, packets in pkts and, past 2^32, the top 8 bits of octets
	 * (xdpct_flow_count()): 40-bit packet and 56-bit byte counts.
	 */
	__u64 octets[2];
	__u32 pkts[2];
	__u8 state[2];		/* enum xdpct_tcp_state of endpoint 0 and 1 */
	__u8 client;		/* endpoint index (0/1) that sent the first SYN */
	__u8 flags;		/* XDPCT_F_* */
	__u32 gen;		/* connection generation on this entry (reuse) */
	__u8 tcp_flags_seen[2];	/* OR of the TCP flags endpoint 0 and 1 sent (this
				 * generation); in the entry only, not in events */
	/*
	 * Evidence one endpoint gave that only the other can confirm, kept
	 * until the next accepted segment (as nf_conntrack's last_index,
	 * last_seq, last_end):
	 *   XDPCT_PEND_SYN     a bare SYN from pend_ep while synchronized
	 *                      (RFC 5961 4: it moves nothing); a SYN-ACK
	 *                      acking exactly it starts a new connection
	 *                      over the stale entry (pend_* is that SYN)
	 *   XDPCT_PEND_RESYNC  pend_ep's peer acknowledged pend_seq, beyond
	 *                      all pend_ep was seen to send (segments we
	 *                      missed), with window pend_win; pend_ep then
	 *                      sending from there resynchronises its direction
	 */
	__u8 pend_ep;		/* endpoint whose word awaits the other's */
	__u8 pend;		/* XDPCT_PEND_*, 0: none */
	/*
	 * Both directions, right after what every segment reads: the fields a
	 * segment on the established path touches are the entry's first 124
	 * bytes (pend included, the lock-free path's first check), and the
	 * ones only a handshake, a state change or evidence writes (pend_seq
	 * ... old_ends) come after them (issue 14: fewer
	 * cache lines a packet when the table is larger than the cache).
	 */
	struct xdpct_dir dir[2];
	__u32 pend_seq;
	__u16 pend_win;
	__u8 pend_wscale;
	__u8 pend_opts;		/* XDPCT_D_WSCALE | SACK_PERM | TS */
	/*
	 * When the flow last changed state (either endpoint): ms after
	 * first_seen_ns, XDPCT_T32_SAT past 49.7 days (then last_seen_ns
	 * stands in).  TIME_WAIT and CLOSED run from it (xdpct/expiry.h).
	 */
	__u32 state_ms;
	/*
	 * The handshake: first SYN of this connection, first SYN-ACK, both
	 * endpoints ESTABLISHED.  0: not seen (not kept); else microseconds
	 * after first_seen_ns, plus one; XDPCT_T32_SAT past 71 minutes.
	 */
	__u32 syn_us;
	__u32 synack_us;
	__u32 est_us;
	/*
	 * A connection ended or replaced on evidence a blind injector could
	 * forge in pairs (a SYN remembered in a synchronized state, then the
	 * other side's SYN-ACK or RST answering exactly it: nf_conntrack's
	 * rule): the XOR of both directions' ends as they were, 0 if none.  A
	 * segment the entry refuses whose seq ^ ack equals it comes from the
	 * old connection, alive: it is taken back (bpf/lib/fsm.h fsm_undo()).
	 * In the tail padding: the entry stays 152 bytes.
	 */
	__u32 old_ends;
};
_Static_assert(sizeof(struct xdpct_flow) == 152, "the flow entry is 152 bytes (issue 14)");
_Static_assert(__builtin_offsetof(struct xdpct_flow, pend_seq) == 124,
	       "what the established path touches ends with dir[1], at 124 bytes");

/*
 * An entry's tag (struct xdpct_flow.tag): a 32-bit hash of its key, never 0.
 * Whoever writes an entry (the datapath's table_insert(), a loader filling
 * the table) sets it; a packet takes an entry whose tag differs for none.
 *
 * NH, the multilinear hash at the core of UMAC (RFC 4418) and Adiantum:
 * the key's words in pairs, each word offset by a fixed constant mod 2^32,
 * the pair multiplied into 64 bits, the products summed; then one
 * multiply-shift takes 32 bits from all 64 (the sum's halves alone
 * collide up to 2.6x as often as random on keys differing in a few low
 * bits).  The six products do not depend on each other, so they issue in
 * parallel: the chain of eleven dependent multiplies this replaces cost
 * every packet ~18 ns of its ~130 (`xdpct-bench micro`, issue 14).
 * tests/unit/test_flow_tag.c holds it to random tags' collision rate on
 * structured key sets.  The tag only tells a reused or dying element
 * from this key's (table.h), never guards against a chosen key: the
 * constants need not be secret.
 */
/* the key read as words: may_alias, or an optimiser may read them before
 * the 16-bit stores that built the key (C's aliasing rules) */
typedef __u32 __attribute__((__may_alias__)) xdpct_key_word;

#define XDPCT_NH(a, ka, b, kb) ((__u64)(__u32)((a) + (ka)) * (__u32)((b) + (kb)))

_Static_assert(sizeof(struct xdpct_flow_key) == 44, "xdpct_flow_tag() hashes 11 words");

static inline __u32 xdpct_flow_tag(const struct xdpct_flow_key *k)
{
	const xdpct_key_word *w = (const xdpct_key_word *)k;
	__u64 h = XDPCT_NH(w[0], 0x9e3779b9u, w[1], 0x7f4a7c15u) +
		  XDPCT_NH(w[2], 0x85ebca6bu, w[3], 0xc2b2ae35u) +
		  XDPCT_NH(w[4], 0x27d4eb2fu, w[5], 0x165667b1u) +
		  XDPCT_NH(w[6], 0xd3a2646du, w[7], 0xfd7046c5u) +
		  XDPCT_NH(w[8], 0xb55a4f09u, w[9], 0x94d049bbu) +
		  XDPCT_NH(w[10], 0x2545f491u, 0, 0x4f6cdd1du);

	h ^= h >> 32;
	return (__u32)((h * 0x9e3779b97f4a7c15ull) >> 32) | 1;
}

/*
 * The key's bin in the offloader's live-flow filter (bpf/lib/flow_bins.h):
 * its words folded by XOR, so both endpoints' order does not matter and
 * the IPv4 fast path computes it from the header's fields, then
 * multiplied into the top 13 bits.
 */
#define XDPCT_FLOW_BIN_BITS 13
#define XDPCT_FLOW_BINS (1u << XDPCT_FLOW_BIN_BITS)

static inline __u32 xdpct_flow_bin_mix(__u32 x)
{
	return (x * 0x9e3779b1u) >> (32 - XDPCT_FLOW_BIN_BITS);
}

static inline __u32 xdpct_flow_bin(const struct xdpct_flow_key *k)
{
	__u32 x = (k->vlan[0] | (__u32)k->vlan[1] << 16) ^ (k->port[0] ^ k->port[1]) ^ k->family;
	unsigned int i;

	/* an IPv4 key's words past addr4 are 0 */
	for (i = 0; i < 4; i++)
		x ^= k->addr6[0][i] ^ k->addr6[1][i];
	return xdpct_flow_bin_mix(x);
}

/* ---- the entry's times and counters ---------------------------------------
 *
 * The one place that converts.  Offsets saturate (XDPCT_T32_SAT), never
 * wrap: a time past the range reads as the range's end (state_ms: as
 * last_seen_ns).  Divisions happen only where a time is written (state
 * changes, the handshake), never on the established path.
 */
#define XDPCT_T32_SAT 0xffffffffU
#define XDPCT_NS_PER_US 1000ULL
#define XDPCT_NS_PER_MS 1000000ULL

static inline __u32 xdpct_t32(__u64 t, __u64 base, __u64 unit, __u32 plus)
{
	__u64 v = (t > base ? t - base : 0) / unit + plus;

	return v >= XDPCT_T32_SAT ? XDPCT_T32_SAT : (__u32)v;
}

/* A handshake time (syn_us, synack_us, est_us) of t; 0 stays "not seen". */
static inline __u32 xdpct_hs_enc(const struct xdpct_flow *f, __u64 t)
{
	return t ? xdpct_t32(t, f->first_seen_ns, XDPCT_NS_PER_US, 1) : 0;
}

static inline __u64 xdpct_hs_dec(const struct xdpct_flow *f, __u32 v)
{
	return v ? f->first_seen_ns + (__u64)(v - 1) * XDPCT_NS_PER_US : 0;
}

static inline __u64 xdpct_flow_syn_ns(const struct xdpct_flow *f)
{
	return xdpct_hs_dec(f, f->syn_us);
}

static inline __u64 xdpct_flow_synack_ns(const struct xdpct_flow *f)
{
	return xdpct_hs_dec(f, f->synack_us);
}

static inline __u64 xdpct_flow_est_ns(const struct xdpct_flow *f)
{
	return xdpct_hs_dec(f, f->est_us);
}

/* When the flow last changed state (xdpct/expiry.h). */
static inline __u64 xdpct_flow_state_ns(const struct xdpct_flow *f)
{
	if (f->state_ms == XDPCT_T32_SAT)
		return f->last_seen_ns;
	return f->first_seen_ns + (__u64)f->state_ms * XDPCT_NS_PER_MS;
}

static inline void xdpct_flow_set_state_ns(struct xdpct_flow *f, __u64 now)
{
	f->state_ms = xdpct_t32(now, f->first_seen_ns, XDPCT_NS_PER_MS, 0);
}

/* 56 bits of bytes, 8 of packets above pkts' 32 */
#define XDPCT_OCTETS_MASK ((1ULL << 56) - 1)

static inline __u64 xdpct_flow_packets(const struct xdpct_flow *f, int d)
{
	return (f->octets[d & 1] >> 56) << 32 | f->pkts[d & 1];
}

static inline __u64 xdpct_flow_bytes(const struct xdpct_flow *f, int d)
{
	return f->octets[d & 1] & XDPCT_OCTETS_MASK;
}

/* Set endpoint d's counters (an entry userspace writes, a new entry). */
static inline void xdpct_flow_set_count(struct xdpct_flow *f, int d, __u64 packets,
					__u64 bytes)
{
	f->pkts[d & 1] = (__u32)packets;
	f->octets[d & 1] = (bytes & XDPCT_OCTETS_MASK) | (packets >> 32) << 56;
}

/* An endpoint is "synchronized" once it reached ESTABLISHED or later. */
static inline int xdpct_state_synced(__u8 s)
{
	return s >= XDPCT_S_ESTABLISHED && s <= XDPCT_S_TIME_WAIT;
}

#endif /* XDPCT_FLOW_H */
