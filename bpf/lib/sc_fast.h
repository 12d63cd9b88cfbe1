/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, XDP: the SYN flood's fast path.  The common SYN (no
 * VLAN tag, IPv4 without options, no payload, no fragment, the options a
 * Linux, BSD or hping3 client sends: none, MSS only, or MSS, SACK-permitted,
 * timestamps, NOP, window scale) to a protected port, cookies "always",
 * is answered here before the general pipeline runs: read once with direct
 * packet access, everything kept in registers, the SYN-ACK written over
 * the SYN in place, both checksums summed from the values written (no
 * helper, no copy, no second pass over the options).  Per SYN: the port
 * bitmap, the counters, the live-flow filter (flow_bins.h; the flow-table
 * lookup only when the SYN's bin holds an entry: a live flow makes it the
 * endpoint's, RFC 5961 4.2), the coarse clock's per-CPU cache (cfg.h) and
 * two of the cookie's three SipHash blocks (the first one's state is kept
 * per CPU: xdpct/cookie.h).
 *
 * Anything else returns -1 and takes the general path (handle.h ->
 * track.h -> sc_synack.h), which decides the same way, more slowly: the
 * tests run both (tests/bpf/test_syncookie_prog.c).
 */
#ifndef XDPCT_SC_FAST_H
#define XDPCT_SC_FAST_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpct/cookie.h"
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "tcp.h"
#include "cfg.h"
#include "maps.h"
#include "fsm_state.h"
#include "sc_maps.h"
#include "flow_bins.h"
#include "sc_local.h"

/* The SYN's options, as far as the fast path reads them. */
struct sc_fast_opts {
	__u32 tsval;		/* network order, echoed as is */
	__u16 mss;		/* 0: none */
	__u8 has_ts, sack, has_ws, ws;
};

/*
 * The options at o (len bytes, within the packet): 0 when they are one of
 * the layouts the fast path knows, -1 otherwise.
 */
static __always_inline int sc_fast_opts(const __u8 *o, __u32 len, struct sc_fast_opts *f)
{
	if (len == 0)
		return 0;
	if (o[0] != TCPOPT_MSS || o[1] != TCPOLEN_MSS)
		return -1;
	f->mss = (__u16)o[2] << 8 | o[3];
	if (len == 4)
		return 0;
	/* Linux: MSS, SACK-permitted, timestamps, NOP, window scale */
	if (len != 20 || o[4] != TCPOPT_SACK_PERM || o[5] != TCPOLEN_SACK_PERM ||
	    o[6] != TCPOPT_TIMESTAMP || o[7] != TCPOLEN_TIMESTAMP || o[16] != TCPOPT_NOP ||
	    o[17] != TCPOPT_WINDOW || o[18] != TCPOLEN_WINDOW)
		return -1;
	f->sack = 1;
	f->has_ts = 1;
	f->tsval = *(__u32 *)(o + 8);
	f->has_ws = 1;
	f->ws = o[19] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o[19];	/* RFC 7323 2.3 */
	return 0;
}

static __always_inline int sc_fast_martian(__u32 s, __u32 d, __u16 sport, __u16 dport)
{
	s = bpf_ntohl(s);
	d = bpf_ntohl(d);
	return !sport || !dport || (s >> 28) == 0xe || s == 0xffffffff || !s ||
	       (s >> 24) == 127 || (d >> 28) == 0xe || d == 0xffffffff || s == d;
}

/* Is a live flow on this 4-tuple (no VLAN tag)?  flow_key()'s canonical key. */
static __always_inline int sc_fast_live(__u32 saddr, __u32 daddr, __u16 sport, __u16 dport)
{
	struct xdpct_flow_key4 k = {};	/* the IPv4 table's key */
	struct xdpct_flow *f;
	__u32 a = bpf_ntohl(saddr), b = bpf_ntohl(daddr);
	int swap = a != b ? a > b : sport > dport;

	if (swap) {
		k.addr[0] = daddr;
		k.addr[1] = saddr;
		k.port[0] = dport;
		k.port[1] = sport;
	} else {
		k.addr[0] = saddr;
		k.addr[1] = daddr;
		k.port[0] = sport;
		k.port[1] = dport;
	}
	f = bpf_map_lookup_elem(&xdpct_flows, &k);
	return f && !fsm_flow_dead(f);
}

#define SC_PUT32(p, off, v, sum) do {			\
		__u32 _v = (v);				\
		*(__u32 *)((p) + (off)) = _v;		\
		sum += _v;				\
	} while (0)

/*
 * XDP action for a SYN the fast path answers or drops; -1: not its kind.
 * Global: its stack frame is its own, and the verifier checks it once.
 */
__noinline int xdpct_sc_fast_syn(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct sc_fast_opts o = {};
	struct xdpct_sc_portmap *pm;
	struct xdpct_stats *st;
	struct xdpct_work *w;
	__u32 zero = 0, saddr, daddr, isn, thl, nthl, tsval = 0, cookie, idx, i;
	__u16 sport, dport, win, smss;
	__u8 *t, tsbits = XDPCT_TS_NONE, tflags = TCPF_SYN | TCPF_ACK;
	__u64 sum = 0, now;
	int delta, ecn;

	if (!ctx)
		return -1;
	if (cfg.sc_mode != XDPCT_SC_ALWAYS)	/* auto: the rate counts on the general path */
		return -1;
	if ((void *)(p + 54) > end)
		return -1;
	if (*(__u16 *)(p + 12) != bpf_htons(ETH_P_IP) || p[14] != 0x45 || p[23] != IPPROTO_TCP_)
		return -1;
	if (*(__u16 *)(p + 20) & bpf_htons(0x3fff))	/* a fragment: sc_frag.h */
		return -1;
	t = p + 34;
	if ((t[13] & (TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_ACK | TCPF_URG)) != TCPF_SYN)
		return -1;
	thl = (t[12] >> 4) * 4;
	/* no payload, the datagram inside the frame */
	if (thl < 20 || bpf_ntohs(*(__u16 *)(p + 16)) != 20 + thl)
		return -1;
	if (thl == 24) {
		if ((void *)(t + 24) > end || sc_fast_opts(t + 20, 4, &o))
			return -1;
	} else if (thl == 40) {
		if ((void *)(t + 40) > end || sc_fast_opts(t + 20, 20, &o))
			return -1;
	} else if (thl != 20) {
		return -1;
	}
	sport = bpf_ntohs(*(__u16 *)t);
	dport = bpf_ntohs(*(__u16 *)(t + 2));
	pm = bpf_map_lookup_elem(&xdpct_sc_ports, &zero);
	if (!pm || !xdpct_sc_port_isset(pm, dport))
		return -1;
	saddr = *(__u32 *)(p + 26);
	daddr = *(__u32 *)(p + 30);
	isn = bpf_ntohl(*(__u32 *)(t + 4));
	w = bpf_map_lookup_elem(&xdpct_work, &zero);
	if (!w)
		return -1;
	/*
	 * The coarse clock's per-CPU cache (the last tick's time, a few ms
	 * old at most) costs a load and a compare where the exact clock
	 * reads the clock source, slow on a VM.
	 */
	now = clock_coarse_ns(&w->clock);
	/* another host's (routed through): the general path counts and passes it */
	if (!sc_dst_local(ctx, &w->sc_local, now, 4, &saddr, &daddr))
		return -1;
	/* an empty bin: no entry, no key to build, no lookup's cache miss */
	if (flow_bin_count(flow_bin_v4(saddr, daddr, sport, dport)) &&
	    sc_fast_live(saddr, daddr, sport, dport))
		return -1;	/* the endpoint's (counted there) */
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (!st)
		return -1;
	st->c[XDPCT_STAT_PACKETS]++;
	st->c[XDPCT_STAT_IPV4]++;
	st->c[XDPCT_STAT_TCP]++;
	st->c[XDPCT_STAT_SC_SYN_SEEN]++;

	/* checks: martians, the IPv4 header checksum, the TCP checksum */
	if ((p[6] & 1) || sc_fast_martian(saddr, daddr, sport, dport)) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return XDP_DROP;
	}
#pragma unroll
	for (i = 0; i < 5; i++)
		sum += *(__u32 *)(p + 14 + 4 * i);
	if (csum_fold(sum)) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return XDP_DROP;
	}
	sum = csum_pseudo_v4(saddr, daddr, IPPROTO_TCP_, thl);
	/* the fixed header within the 54 bytes checked; options: one check each */
#pragma unroll
	for (i = 0; i < 5; i++)
		sum += *(__u32 *)(t + 4 * i);
	if (thl >= 24) {
		if ((void *)(t + 24) > end)
			return XDP_DROP;
		sum += *(__u32 *)(t + 20);
	}
	if (thl == 40) {
		if ((void *)(t + 40) > end)
			return XDP_DROP;
#pragma unroll
		for (i = 6; i < 10; i++)
			sum += *(__u32 *)(t + 4 * i);
	}
	if (csum_fold(sum)) {
		st->c[XDPCT_STAT_SC_SYN_BAD_CSUM]++;
		return XDP_DROP;
	}

	/*
	 * The answer's values.  The clock's milliseconds were divided once a
	 * tick (above); the cookie's tick is 68.7 s and the TSval a
	 * millisecond count, for which a tick's age is nothing.
	 */
	smss = cfg.sc_mss4;
	ecn = o.has_ts && (t[13] & (TCPF_ECE | TCPF_CWR)) == (TCPF_ECE | TCPF_CWR);
	if (o.has_ts) {
		tsbits = (o.has_ws ? (o.ws & XDPCT_TS_WSCALE_MASK) : XDPCT_TS_WSCALE_MASK) |
			 (o.sack ? XDPCT_TS_SACK : 0) | (ecn ? XDPCT_TS_ECN : 0);
		tsval = (w->clock.ms & ~XDPCT_TS_BITS) | tsbits;
		if (ecn)
			tflags |= TCPF_ECE;	/* RFC 3168: ECN-setup SYN-ACK */
	}
	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		__s64 r;

		/* the kernel reads the SYN's options itself: constant lengths */
		if (thl == 40 && (void *)(t + 40) <= end)
			r = bpf_tcp_raw_gen_syncookie_ipv4((void *)(p + 14), (void *)t, 40);
		else if (thl == 24 && (void *)(t + 24) <= end)
			r = bpf_tcp_raw_gen_syncookie_ipv4((void *)(p + 14), (void *)t, 24);
		else
			r = bpf_tcp_raw_gen_syncookie_ipv4((void *)(p + 14), (void *)t, 20);
		if (r < 0) {
			st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
			return XDP_DROP;
		}
		cookie = (__u32)r;
		win = 0;		/* SYNPROXY opens the window later */
	} else {
		struct xdpct_cookie_prefix *c = &w->sc_prefix;
		__u64 tick = now >> XDPCT_COOKIE_TICK_SHIFT;
		struct xdpct_sip s;

		/* the first block's state: once per server address and tick */
		if (!c->valid || c->tick != tick || c->saddr != daddr) {
			xdpct_cookie_prefix4(&c->s, xdpct_sc_key[0], xdpct_sc_key[1], tick, daddr);
			c->tick = tick;
			c->saddr = daddr;
			c->valid = 1;
		}
		s = c->s;
		idx = xdpct_mss_index(4, o.mss);
		cookie = (xdpct_cookie_finish4(&s, saddr, sport, dport, isn, idx, tsbits) &
			  XDPCT_COOKIE_HASH_MASK) | (__u32)(tick & 3) << 2 | idx;
		win = sc_synack_win(xdpct_mss_value(4, idx));
	}
	nthl = o.has_ts ? (o.has_ws ? 40 : 36) : 24;

	/* the frame to its new length: grown first (a bare SYN), trimmed last */
	delta = (int)(34 + nthl) - (int)((long)end - (long)p);
	if (delta > 0) {
		if (bpf_xdp_adjust_tail(ctx, delta)) {
			st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
			return XDP_DROP;
		}
		p = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		delta = 0;
	}
	if ((void *)(p + 58) > end) {
		st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
		return XDP_DROP;
	}
	t = p + 34;

	/* Ethernet: MACs swapped */
	{
		__u32 m0 = *(__u32 *)p;
		__u16 m1 = *(__u16 *)(p + 4);

		*(__u32 *)p = *(__u32 *)(p + 6);
		*(__u16 *)(p + 4) = *(__u16 *)(p + 10);
		*(__u32 *)(p + 6) = m0;
		*(__u16 *)(p + 10) = m1;
	}
	/* IPv4: a fresh header, addresses swapped, id 0 with DF as Linux */
	sum = 0;
	SC_PUT32(p + 14, 0, bpf_htonl(0x45000000 | (20 + nthl)), sum);
	SC_PUT32(p + 14, 4, bpf_htonl(0x00004000), sum);
	*(__u32 *)(p + 22) = bpf_htonl((__u32)cfg.sc_ttl << 24 | IPPROTO_TCP_ << 16);
	sum += *(__u32 *)(p + 22);
	SC_PUT32(p + 14, 12, daddr, sum);
	SC_PUT32(p + 14, 16, saddr, sum);
	*(__u16 *)(p + 24) = csum_fold(sum);

	/* TCP: ports swapped, the cookie, ISN + 1, options as Linux orders them */
	sum = csum_pseudo_v4(daddr, saddr, IPPROTO_TCP_, nthl);
	SC_PUT32(t, 0, bpf_htonl((__u32)dport << 16 | sport), sum);
	SC_PUT32(t, 4, bpf_htonl(cookie), sum);
	SC_PUT32(t, 8, bpf_htonl(isn + 1), sum);
	SC_PUT32(t, 12, bpf_htonl((__u32)(nthl / 4) << 28 | (__u32)tflags << 16 | win), sum);
	*(__u32 *)(t + 16) = 0;		/* checksum (below), urgent pointer */
	SC_PUT32(t, 20, bpf_htonl((__u32)TCPOPT_MSS << 24 | TCPOLEN_MSS << 16 | smss), sum);
	if (nthl >= 36) {
		if ((void *)(t + 36) > end) {
			st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
			return XDP_DROP;
		}
		SC_PUT32(t, 24, bpf_htonl(o.sack ? (TCPOPT_SACK_PERM << 24 | TCPOLEN_SACK_PERM << 16 |
						    TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP) :
					       (TCPOPT_NOP << 24 | TCPOPT_NOP << 16 |
						TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP)), sum);
		SC_PUT32(t, 28, bpf_htonl(tsval), sum);
		SC_PUT32(t, 32, o.tsval, sum);
	}
	if (nthl == 40) {
		if ((void *)(t + 40) > end) {
			st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
			return XDP_DROP;
		}
		SC_PUT32(t, 36, bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_WINDOW << 16 |
					  TCPOLEN_WINDOW << 8 | cfg.sc_wscale), sum);
	}
	*(__u16 *)(t + 16) = csum_fold(sum);

	if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta)) {
		st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
		return XDP_DROP;
	}
	st->c[XDPCT_STAT_SC_SYNACK_SENT]++;
	return XDP_TX;
}

#endif /* XDPCT_SC_FAST_H */
