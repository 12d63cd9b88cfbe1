/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, XDP: a bare SYN to a protected port answered in place.
 * The SYN-ACK is built over the SYN and sent back with XDP_TX; no flow
 * entry, so a flood costs the table nothing.  Its sequence number is the
 * cookie: xdpct's own (reqsk completion, include/xdpct/cookie.h) or the
 * kernel's (synproxy completion, bpf_tcp_raw_gen_syncookie_ipv4/6).
 * Malformed SYNs (bad header or flags, fragments, martian addresses) are
 * dropped and counted rather than left to the kernel.
 */
#ifndef XDPCT_SC_SYNACK_H
#define XDPCT_SC_SYNACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xdpct/cookie.h"
#include "xdpct/stats.h"
#include "tcp.h"
#include "cfg.h"
#include "maps.h"
#include "fsm_state.h"
#include "table.h"
#include "csum.h"
#include "sc_maps.h"
#include "sc_auto.h"
#include "sc_frame.h"
#include "sc_action.h"
#include "flow_bins.h"
#include "sc_local.h"

#define IP_DF		0x4000	/* IPv4 "don't fragment" */

/* A SYN no host sends: martian addresses, port 0, multicast source MAC. */
static __always_inline int sc_martian(const struct pkt_meta *m, const __u8 *mac)
{
	if (mac[6] & 1)
		return 1;
	if (!m->sport || !m->dport)
		return 1;
	if (m->family == 4) {
		__u32 s = bpf_ntohl(m->saddr[0]), d = bpf_ntohl(m->daddr[0]);

		if ((s >> 28) == 0xe || s == 0xffffffff || !s || (s >> 24) == 127 ||
		    (d >> 28) == 0xe || d == 0xffffffff || s == d)
			return 1;
		return 0;
	}
	if ((bpf_ntohl(m->saddr[0]) >> 24) == 0xff || (bpf_ntohl(m->daddr[0]) >> 24) == 0xff)
		return 1;
	if (!(m->saddr[0] | m->saddr[1] | m->saddr[2]) &&
	    (!m->saddr[3] || m->saddr[3] == bpf_htonl(1)))
		return 1;		/* :: or ::1 */
	return m->saddr[0] == m->daddr[0] && m->saddr[1] == m->daddr[1] &&
	       m->saddr[2] == m->daddr[2] && m->saddr[3] == m->daddr[3];
}

#define SC_IP_AT 32	/* where the IP header goes in scratch.frame */

static __always_inline void sc_put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* What goes into the SYN-ACK's TCP header. */
struct sc_synack {
	__u32 cookie;
	__u32 tsval, tsecr;
	__u16 mss;		/* ours */
	__u16 win;
	__u8 tflags;
	__u8 has_ts;
	__u8 sack;
	__u8 wscale;		/* client offered one (in the timestamp bits) */
};

/*
 * The SYN-ACK's TCP header at t: options in the order Linux sends them
 * (MSS, SACK-permitted, timestamps, NOP, window scale).  Returns its length.
 */
static __always_inline __u32 sc_put_tcp(__u8 *t, const struct pkt_meta *m,
					const struct sc_synack *a)
{
	__u32 n = 24;

	t[0] = m->dport >> 8;
	t[1] = m->dport;
	t[2] = m->sport >> 8;
	t[3] = m->sport;
	sc_put32(t + 4, a->cookie);
	sc_put32(t + 8, m->seq + 1);
	t[13] = a->tflags;
	t[14] = a->win >> 8;
	t[15] = a->win;
	t[16] = 0;
	t[17] = 0;
	t[18] = 0;
	t[19] = 0;
	t[20] = TCPOPT_MSS;
	t[21] = TCPOLEN_MSS;
	t[22] = a->mss >> 8;
	t[23] = a->mss;
	if (a->has_ts) {
		/* SACK-permitted or NOP NOP */
		t[24] = a->sack ? TCPOPT_SACK_PERM : TCPOPT_NOP;
		t[25] = a->sack ? TCPOLEN_SACK_PERM : TCPOPT_NOP;
		t[26] = TCPOPT_TIMESTAMP;
		t[27] = TCPOLEN_TIMESTAMP;
		sc_put32(t + 28, a->tsval);
		sc_put32(t + 32, a->tsecr);
		n = 36;
		if (a->wscale) {
			t[36] = TCPOPT_NOP;
			t[37] = TCPOPT_WINDOW;
			t[38] = TCPOLEN_WINDOW;
			t[39] = cfg.sc_wscale;
			n = 40;
		}
	}
	t[12] = (n / 4) << 4;
	return n;
}

/*
 * Everything the SYN-ACK needs, from the SYN in w (options already parsed
 * by xdpct_handle) and the cookie.  Returns 0, 1 (malformed: drop as such)
 * or 2 (could not be built).
 */
static __always_inline int sc_synack_fields(struct xdp_md *ctx, struct xdpct_work *w,
					    struct xdpct_sc_scratch *s, struct sc_synack *a)
{
	struct pkt_meta *m = &w->meta;
	__u32 l3 = s->l3_off, l4 = m->l4_off, thl, iphl;
	__u8 o = w->seg.opts, fam = m->family, tsbits = XDPCT_TS_NONE;
	__u64 now = clock_coarse_ns(&w->clock);	/* as sc_fast.h */

	if (l3 > XDPCT_MAX_L3_OFF || m->opt_len > 40)
		return 2;
	if (fam == 4) {
		if (l4 - l3 > 60)
			return 1;
		iphl = (l4 - l3) & 0x3c;
		if (iphl < 20)
			return 1;
		if (bpf_xdp_load_bytes(ctx, l3, s->l3, iphl))
			return 2;
		/* the kernel drops a bad IPv4 header checksum: so do we */
		if (csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)s->l3, iphl, 0)))
			return 1;
	} else if (bpf_xdp_load_bytes(ctx, l3, s->l3, 40)) {
		return 2;
	}

	__builtin_memset(a, 0, sizeof(*a));
	a->tflags = TCPF_SYN | TCPF_ACK;
	a->mss = fam == 6 ? cfg.sc_mss6 : cfg.sc_mss4;
	if (o & XDPCT_D_TS) {
		int ecn = (m->flags & (TCPF_ECE | TCPF_CWR)) == (TCPF_ECE | TCPF_CWR);

		a->has_ts = 1;
		a->sack = !!(o & XDPCT_D_SACK_PERM);
		a->wscale = !!(o & XDPCT_D_WSCALE);
		tsbits = (a->wscale ? (w->seg.wscale & XDPCT_TS_WSCALE_MASK) : XDPCT_TS_WSCALE_MASK) |
			 (a->sack ? XDPCT_TS_SACK : 0) | (ecn ? XDPCT_TS_ECN : 0);
		a->tsval = (w->clock.ms & ~XDPCT_TS_BITS) | tsbits;
		a->tsecr = w->opts.tsval;
		if (ecn)
			a->tflags |= TCPF_ECE;	/* RFC 3168: ECN-setup SYN-ACK */
	}

	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		__s64 r;

		thl = (20 + m->opt_len) & 0x3c;
		if (thl < 20)
			return 2;
		if (bpf_xdp_load_bytes(ctx, l4, s->l4, thl))
			return 2;
		if (fam == 4)
			r = bpf_tcp_raw_gen_syncookie_ipv4((struct iphdr *)s->l3,
							   (struct tcphdr *)s->l4, thl);
		else
			r = bpf_tcp_raw_gen_syncookie_ipv6((struct ipv6hdr *)s->l3,
							   (struct tcphdr *)s->l4, thl);
		if (r < 0)
			return 2;
		a->cookie = (__u32)r;
		/* SYNPROXY's own window update opens the window later */
		a->win = 0;
	} else {
		struct xdpct_cookie_in *in = &s->in;
		__u32 idx = xdpct_mss_index(fam, w->seg.mss);

		__builtin_memset(in, 0, sizeof(*in));
		__builtin_memcpy(in->caddr, m->saddr, 16);
		__builtin_memcpy(in->saddr, m->daddr, 16);
		in->cport = m->sport;
		in->sport = m->dport;
		in->isn = m->seq;
		in->family = fam;
		in->tsbits = tsbits;
		a->cookie = xdpct_cookie_make(xdpct_sc_key[0], xdpct_sc_key[1], in, now, idx);
		a->win = sc_synack_win(xdpct_mss_value(fam, idx));
	}
	return 0;
}

/*
 * Turn the SYN in the frame into its SYN-ACK: MACs swapped, VLAN tags kept,
 * a fresh IP header without options, the TCP header above.
 */
static __always_inline int sc_rewrite(struct xdp_md *ctx, struct xdpct_work *w,
				      struct xdpct_sc_scratch *s, const struct sc_synack *a)
{
	struct pkt_meta *m = &w->meta;
	__u32 l3 = s->l3_off, iphl, tcpl, len;
	__u8 *out = s->frame + SC_IP_AT, *e;
	__u64 sum;
	__s64 cs;
	int delta;

	/* Ethernet and VLAN tags first: the 22 bytes copied may run into
	 * the IP header's place, which is written next */
	if (l3 < 14 || l3 > 22)
		return -1;
	e = s->frame + ((SC_IP_AT - l3) & 31);	/* masked: the verifier's bound */
	__builtin_memcpy(e, s->eth, 22);
	__builtin_memcpy(e, s->eth + 6, 6);	/* MACs swapped */
	__builtin_memcpy(e + 6, s->eth, 6);

	if (m->family == 4) {
		__u8 *ip = out;

		iphl = 20;
		tcpl = sc_put_tcp(out + 20, m, a);
		ip[0] = 0x45;
		ip[1] = 0;
		ip[2] = (20 + tcpl) >> 8;
		ip[3] = 20 + tcpl;
		ip[4] = 0;			/* id 0 with DF, as Linux */
		ip[5] = 0;
		ip[6] = IP_DF >> 8;
		ip[7] = 0;
		ip[8] = cfg.sc_ttl;
		ip[9] = IPPROTO_TCP_;
		ip[10] = 0;
		ip[11] = 0;
		__builtin_memcpy(ip + 12, &m->daddr[0], 4);
		__builtin_memcpy(ip + 16, &m->saddr[0], 4);
		cs = bpf_csum_diff(NULL, 0, (__be32 *)ip, 20, 0);
		if (cs < 0)
			return -1;
		*(__u16 *)(ip + 10) = csum_fold(cs);
		cs = bpf_csum_diff(NULL, 0, (__be32 *)(out + 20), tcpl & 63, 0);
		if (cs < 0)
			return -1;
		sum = cs + csum_pseudo_v4(m->saddr[0], m->daddr[0], IPPROTO_TCP_, tcpl);
		*(__u16 *)(out + 20 + 16) = csum_fold(sum);
	} else {
		__u8 *ip = out;

		iphl = 40;
		tcpl = sc_put_tcp(out + 40, m, a);
		ip[0] = 0x60;			/* traffic class 0, flow label 0 */
		ip[1] = 0;
		ip[2] = 0;
		ip[3] = 0;
		ip[4] = tcpl >> 8;
		ip[5] = tcpl;
		ip[6] = IPPROTO_TCP_;
		ip[7] = cfg.sc_ttl;
		__builtin_memcpy(ip + 8, m->daddr, 16);
		__builtin_memcpy(ip + 24, m->saddr, 16);
		cs = bpf_csum_diff(NULL, 0, (__be32 *)(out + 40), tcpl & 63, 0);
		if (cs < 0)
			return -1;
		sum = cs + csum_pseudo_v6(m->saddr, m->daddr, IPPROTO_TCP_, tcpl);
		*(__u16 *)(out + 40 + 16) = csum_fold(sum);
	}

	len = (iphl + tcpl) & 127;
	if (len < 44)
		return -1;
	delta = (int)(l3 + len) - (int)((long)ctx->data_end - (long)ctx->data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	/* one store: MACs, tags, IP and TCP headers */
	len = (l3 + len) & 255;
	if (len < 58 || len > 160)
		return -1;
	if (bpf_xdp_store_bytes(ctx, 0, e, len))
		return -1;
	return 0;
}

/*
 * A SYN on a connection the table holds as live (established, closing,
 * or a handshake the kernel answered): a new ISN on a running connection
 * is the endpoint's to answer with its challenge ACK (RFC 5961 4.2); a
 * cookie SYN-ACK would only make the client's ACK invalid on the old flow.
 */
static __always_inline int sc_syn_on_live_flow(const struct pkt_meta *m,
					       struct xdpct_sc_scratch *s)
{
	struct xdpct_flow *f;

	flow_key(&s->key, m);
	/* an empty bin: no entry, and no lookup's cache miss (flow_bins.h) */
	if (!flow_bin_count(xdpct_flow_bin(&s->key)))
		return 0;
	f = table_lookup(&s->key);
	return f && !fsm_flow_dead(f);
}

/*
 * A bare SYN to a protected port (track.h decided): answered when cookies
 * are on for it (SC_TX, or SC_DROP when it is malformed, its checksum is
 * bad or no SYN-ACK could be built), otherwise left to the kernel and
 * tracked (SC_TRACK): cookies off, or a live flow holds its 4-tuple.
 */
static __always_inline int sc_answer_syn(struct xdp_md *ctx, struct xdpct_work *w,
					 struct xdpct_sc_scratch *s, struct xdpct_stats *st)
{
	struct sc_synack a;
	int r;

	st->c[XDPCT_STAT_SC_SYN_SEEN]++;
	if (!sc_cookies_on(w->meta.dport, 1)) {
		st->c[XDPCT_STAT_SC_SYN_PASSED]++;
		return SC_TRACK;
	}
	r = sc_l3_off(ctx, s);
	if (r < 0 || sc_martian(&w->meta, s->eth)) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return SC_DROP;
	}
	s->l3_off = r;
	/*
	 * An IPv6 Routing header with segments left: this host is a waypoint
	 * and the SYN's destination the header's final address (RFC 8200 4.4,
	 * 8.1), which a cookie would answer for.  Linux drops such a SYN by
	 * default (type 0 since RFC 5095; RPL and SRv6 only where rpl_enabled
	 * or seg6_enabled is set); where it does process one, the segment can
	 * end at a local address (type 2's home address is one by definition),
	 * past XDP, at the listener.  Dropped, before the checksum that
	 * depends on the final address, so no routed SYN passes unanswered
	 * and none is answered in another node's name.
	 */
	if (w->meta.rt_final) {
		st->c[XDPCT_STAT_SC_SYN_ROUTED]++;
		return SC_DROP;
	}
	/* another host's (a router's forwarded SYN): its own stack answers (sc_local.h) */
	if (!sc_dst_local(ctx, &w->sc_local, clock_coarse_ns(&w->clock), w->meta.family,
			  w->meta.saddr, w->meta.daddr)) {
		st->c[XDPCT_STAT_SC_SYN_NOT_LOCAL]++;
		return SC_TRACK;
	}
	/*
	 * The SYN's TCP checksum: the kernel drops a bad one, so do we.  One
	 * that cannot be told (a segment past csum.h's bound) is dropped too,
	 * so no SYN passes unprotected, but counted for its header, not as a
	 * bad checksum.
	 */
	r = xdpct_tcp_csum(ctx, &w->meta);
	if (r != 1) {
		st->c[r == 0 ? XDPCT_STAT_SC_SYN_BAD_CSUM : XDPCT_STAT_SC_SYN_MALFORMED]++;
		return SC_DROP;
	}
	if (sc_syn_on_live_flow(&w->meta, s)) {
		st->c[XDPCT_STAT_SC_SYN_LIVE]++;
		return SC_TRACK;
	}
	r = sc_synack_fields(ctx, w, s, &a);
	if (r == 1) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return SC_DROP;
	}
	if (r || sc_rewrite(ctx, w, s, &a)) {
		st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
		return SC_DROP;
	}
	st->c[XDPCT_STAT_SC_SYNACK_SENT]++;
	return SC_TX;
}

/*
 * A segment the parser found malformed: a bare SYN to a protected port,
 * which must not reach the kernel either?  Counted as seen and malformed.
 */
__noinline int xdpct_sc_bad_syn(struct pkt_meta *m)
{
	struct xdpct_stats *st;
	__u32 zero = 0;

	if (!m || !(m->flags & TCPF_SYN) || (m->flags & TCPF_ACK) || !m->family)
		return 0;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (!st)
		return 0;
	if (m->invalid != XDPCT_STAT_INV_TCP_HDR && m->invalid != XDPCT_STAT_INV_TCP_FLAGS)
		return 0;
	if (!sc_protected(m->dport))
		return 0;
	st->c[XDPCT_STAT_SC_SYN_SEEN]++;
	st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
	return 1;
}

#endif /* XDPCT_SC_SYNACK_H */
