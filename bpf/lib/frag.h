/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP fragments of TCP segments.  XDP cannot reassemble, but it can account
 * for the whole segment: the first fragment (offset 0, more-fragments set)
 * carries the TCP header and is tracked like any segment, except that its
 * FIN (if any) is held back, since the FIN's place in sequence space is
 * after the last fragment's data.  Its header is remembered in a small
 * map keyed by the datagram's identity (addresses and IPv4 id / IPv6
 * identification; RFC 791, RFC 8200 4.5), and each later fragment then
 * becomes a segment of its own for the state machine: the first one's
 * ports, ack and window, the sequence range its bytes occupy, and the FIN
 * on the last one.  The receiver's ACK of the whole segment is then in
 * the window, and the close completes.
 *
 * The map is bounded (an LRU: a flood of first fragments pushes out the
 * oldest) and entries expire after XDPCT_FRAG_TIMEOUT_NS, Linux's
 * ipfrag_time.  A later fragment that arrives before its first one is
 * passed and counted (frag_unknown): its bytes are not accounted.
 *
 * Attacks on filters (RFC 1858 3, RFC 3128): a first fragment too short
 * for the TCP header (the flags may sit in the second), and a later
 * fragment that overlaps the TCP header (offset 8 bytes: rewrites the
 * flags on reassembly).  Both are invalid_fragment; the datagram is marked
 * so that, with --drop-invalid, every later fragment of it is dropped too.
 */
#ifndef XDPCT_FRAG_H
#define XDPCT_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/stats.h"
#include "cfg.h"
#include "tcp.h"
#include "parse.h"
#include "maps.h"
#include "verdict.h"

#define XDPCT_FRAG_TIMEOUT_NS	(30 * 1000000000ULL)	/* ipfrag_time: 30 s */
#define XDPCT_FRAG_MAX		4096			/* datagrams remembered */
#define XDPCT_TCP_MIN_HDR	20

struct xdpct_frag_key {
	__u32 id;		/* IPv4 id (16 bits) or IPv6 identification */
	__u8 family;
	__u8 pad[3];
	__u32 saddr[4];
	__u32 daddr[4];
};

struct xdpct_frag {
	__u64 seen_ns;		/* first fragment's time (expiry) */
	__u32 seq;		/* the first fragment's TCP header fields */
	__u32 ack;
	__u32 win;
	__u16 sport, dport;
	__u16 l4_skip;		/* fragmentable part's bytes before the TCP header */
	__u8 doff;		/* TCP header bytes */
	__u8 flags;		/* TCP flags, FIN included */
	__u8 bad;		/* RFC 1858: every fragment of it is invalid */
	__u8 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XDPCT_FRAG_MAX);
	__type(key, struct xdpct_frag_key);
	__type(value, struct xdpct_frag);
} xdpct_frags SEC(".maps");

static __always_inline void frag_key(struct xdpct_frag_key *k, const struct pkt_meta *m)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->id = m->frag_id;
	k->family = m->family;
	__builtin_memcpy(k->saddr, m->saddr, 16);
	__builtin_memcpy(k->daddr, m->daddr, 16);
}

/* What a later fragment is to do (xdpct_frag_later) */
enum {
	FRAG_PASS = 0,		/* counted, passed */
	FRAG_DROP,		/* invalid, and --drop-invalid */
	FRAG_TRACK,		/* w->meta now describes its segment: track it */
};

/*
 * A first fragment, before tracking: its FIN is held back (noted in the
 * map by the caller, xdpct_frag_first), and it is remembered.
 */
__noinline int xdpct_frag_first(struct pkt_meta *m)
{
	struct xdpct_frag_key k;
	struct xdpct_frag v = {};

	if (!m)
		return 0;
	frag_key(&k, m);
	v.seen_ns = clock_ns();
	v.seq = m->seq;
	v.ack = m->ack;
	v.win = m->win;
	v.sport = m->sport;
	v.dport = m->dport;
	v.l4_skip = m->frag_l4_skip;
	v.doff = m->l4_len - m->payload;
	v.flags = m->flags;
	bpf_map_update_elem(&xdpct_frags, &k, &v, BPF_ANY);
	m->flags &= ~TCPF_FIN;
	return 0;
}

/* A datagram found invalid (RFC 1858): remember it, so its later fragments go too. */
__noinline int xdpct_frag_bad(const struct pkt_meta *m)
{
	struct xdpct_frag_key k;
	struct xdpct_frag v = {};

	if (!m)
		return 0;
	frag_key(&k, m);
	v.seen_ns = clock_ns();
	v.bad = 1;
	bpf_map_update_elem(&xdpct_frags, &k, &v, BPF_ANY);
	return 0;
}

/*
 * A later fragment (m: its parse, w->meta): FRAG_* above; for FRAG_TRACK
 * m is rewritten into the segment its bytes are.
 */
__noinline int xdpct_frag_later(struct pkt_meta *m, struct xdpct_stats *st)
{
	struct xdpct_frag_key k;
	struct xdpct_frag *v;
	__u32 hdr_end, last;
	__u64 now;

	if (!m || !st)
		return FRAG_PASS;
	frag_key(&k, m);
	v = bpf_map_lookup_elem(&xdpct_frags, &k);
	now = clock_ns();
	if (v && now - v->seen_ns > XDPCT_FRAG_TIMEOUT_NS) {
		bpf_map_delete_elem(&xdpct_frags, &k);
		v = NULL;
	}
	/* RFC 1858 3.2 / RFC 3128: data placed over the TCP header */
	hdr_end = v && !v->bad ? v->l4_skip + v->doff : XDPCT_TCP_MIN_HDR;
	if (m->frag_off < hdr_end || (v && v->bad)) {
		if (!v)
			xdpct_frag_bad(m);
		else
			v->bad = 1;
		return account_invalid(st, XDPCT_STAT_INV_FRAG) == VERDICT_DROP ?
		       FRAG_DROP : FRAG_PASS;
	}
	st->c[XDPCT_STAT_FRAG_LATER]++;
	if (!v) {
		st->c[XDPCT_STAT_FRAG_UNKNOWN]++;
		return FRAG_PASS;
	}
	/* a SYN's or RST's later bytes move nothing: the first one did it all */
	if ((v->flags & (TCPF_SYN | TCPF_RST)) || !(v->flags & TCPF_ACK))
		return FRAG_PASS;
	last = !m->frag_more;
	m->sport = v->sport;
	m->dport = v->dport;
	m->seq = v->seq + (m->frag_off - hdr_end);
	m->ack = v->ack;
	m->win = v->win;
	m->flags = (v->flags & ~TCPF_FIN) | (last ? v->flags & TCPF_FIN : 0);
	m->opt_len = 0;
	m->opt_off = 0;
	m->frag_first = 1;	/* a fragment: its checksum cannot be verified */
	m->frag_later = 1;	/* and it starts no flow (track.h) */
	/* kept until it expires: fragments may come out of order */
	return FRAG_TRACK;
}

#endif /* XDPCT_FRAG_H */
