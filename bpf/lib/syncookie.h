/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload: SYN cookies answered in XDP (xdpct attach --syncookie).
 *
 * For TCP to a protected port (XDP ingress only; TC egress just tracks):
 *
 *   bare SYN, cookies on     the SYN-ACK is built in place and sent back
 *                            with XDP_TX (xdpct_sc_syn); no flow entry, so
 *                            a flood costs the table nothing.
 *   bare SYN, cookies off    (auto mode, quiet port) tracked and passed as
 *                            without --syncookie: the kernel answers.
 *   malformed SYN            (bad header or flags, fragment, martian
 *                            addresses) dropped and counted.
 *   no live flow, ACK        its cookie is checked (xdpct_sc_ack): valid ->
 *                            a flow starts ESTABLISHED on both ends with
 *                            flag "syncookie" and the segment passes on;
 *                            invalid -> passed and picked up only when the
 *                            local stack knows the connection (a socket in
 *                            reqsk mode, a conntrack entry in synproxy
 *                            mode: connections older than the attach),
 *                            otherwise dropped and counted by reason.
 *   no flow, RST             dropped unless the stack knows the connection.
 *   a flow exists            the state machine as always: no cookie work.
 *
 * The ACK then reaches the listener one of two ways (cfg.sc_completion):
 *   reqsk     xdpct_sc_tc, a TC ingress program, turns it into a request
 *             socket of the listener (bpf_sk_assign_tcp_reqsk) with the
 *             options decoded from the cookie: accept() returns an ordinary
 *             connection.  xdpct's own cookie (include/xdpct_syncookie.h).
 *   synproxy  the kernel's SYNPROXY (nftables rules installed by xdpct)
 *             checks the kernel cookie again and opens the connection to
 *             the server itself.  Kernel cookies (bpf_tcp_raw_*_syncookie).
 *
 * auto mode: each SYN to a protected port adds to its counter; a BPF timer
 * turns the counters into rates every XDPCT_SC_WINDOW_NS and switches the
 * port's cookies on and off (XDPCT_EV_MODE event, sc_mode_switch counter).
 */
#ifndef XDPCT_SYNCOOKIE_BPF_H
#define XDPCT_SYNCOOKIE_BPF_H

#include "xdpct/cookie.h"

#define TC_ACT_UNSPEC_	(-1)
#define IP_DF_		0x4000

/* Kernel functions: weak, so the object loads where one is missing. */
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym __weak;
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;

/* SipHash key of xdpct's own cookies: random, set by the loader. */
const volatile __u64 xdpct_sc_key[2];

/* Protected ports: a bitmap, one element (written by the loader). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_portmap);
} xdpct_sc_ports SEC(".maps");

/*
 * auto mode: one entry per protected port, all inserted by the loader
 * (preallocated; the datapath never inserts, so a flood cannot grow it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);			/* set at load: protected ports */
	__type(key, __u32);
	__type(value, struct xdpct_sc_port);
} xdpct_sc_state SEC(".maps");

struct xdpct_sc_clock {
	struct bpf_timer timer;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_clock);
} xdpct_sc_timer SEC(".maps");

/* Per-CPU room for header copies and the SYN-ACK under construction. */
struct xdpct_sc_scratch {
	__u8 l3[64];		/* the segment's IP header */
	__u8 l4[64];		/* its TCP header */
	/*
	 * The SYN-ACK's headers: IP and TCP at SC_IP_AT, Ethernet and VLAN
	 * tags right before them, so one store writes them all.
	 */
	__u8 frame[192];
	__u8 eth[24];		/* the SYN's first 22 bytes: MACs, tags, type */
	struct tcp_opts opts;	/* TC: the ACK's options */
	struct xdpct_cookie_in in;
	struct bpf_sock_tuple tuple;
	struct bpf_ct_opts ct_opts;
	struct xdpct_cookie_hs hs;
	__u32 l3_off;		/* the SYN's IP header */
	__u32 slot;		/* launder() (TC parse) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_scratch);
} xdpct_sc_work SEC(".maps");

static __always_inline int sc_protected(__u16 port)
{
	struct xdpct_sc_portmap *m;
	__u32 zero = 0;

	m = bpf_map_lookup_elem(&xdpct_sc_ports, &zero);
	return m ? xdpct_sc_port_isset(m, port) : 0;
}

/* Are cookies answered on this port now?  count: one more SYN for the rate. */
static __always_inline int sc_cookies_on(__u16 port, int count)
{
	struct xdpct_sc_port *ps;
	__u32 k = port;

	if (cfg.sc_mode == XDPCT_SC_ALWAYS)
		return 1;
	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	ps = bpf_map_lookup_elem(&xdpct_sc_state, &k);
	if (!ps)
		return 1;		/* protected without state: the safe side */
	if (count)
		__sync_fetch_and_add(&ps->syns, 1);
	return ps->on;
}

/* ones' complement sum folded to 16 bits and inverted: a header checksum */
static __always_inline __u16 sc_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

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

/*
 * Where the IP header starts: after the Ethernet header and the VLAN tags
 * the parser walked (they were valid, or we would not be here).  Read from
 * the frame: the parser's VLAN ids cannot tell a priority tag (id 0) from
 * none.  -1 on failure.
 */
static __always_inline int sc_l3_off(struct xdp_md *ctx, struct xdpct_sc_scratch *s)
{
	__u8 *e = s->eth + 12;
	int off = 14;

	/* a TCP segment's frame is longer than 22 bytes */
	if (bpf_xdp_load_bytes(ctx, 0, s->eth, 22))
		return -1;
	if ((e[0] == 0x81 && e[1] == 0x00) || (e[0] == 0x88 && e[1] == 0xa8)) {
		off = 18;
		if ((e[4] == 0x81 && e[5] == 0x00) || (e[4] == 0x88 && e[5] == 0xa8))
			off = 22;
	}
	return off;
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
	t[20] = 2;			/* MSS */
	t[21] = 4;
	t[22] = a->mss >> 8;
	t[23] = a->mss;
	if (a->has_ts) {
		t[24] = a->sack ? 4 : 1;	/* SACK-permitted or NOP NOP */
		t[25] = a->sack ? 2 : 1;
		t[26] = 8;			/* timestamps */
		t[27] = 10;
		sc_put32(t + 28, a->tsval);
		sc_put32(t + 32, a->tsecr);
		n = 36;
		if (a->wscale) {
			t[36] = 1;		/* NOP, window scale */
			t[37] = 3;
			t[38] = 3;
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
	__u64 now = clock_ns();
	__u16 cmss;

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
		if (sc_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)s->l3, iphl, 0)))
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
		a->tsval = ((__u32)(now / 1000000) & ~XDPCT_TS_BITS) | tsbits;
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
		/*
		 * Ten segments: the client's first flight is that much anyway,
		 * and the listener's first window is never smaller.
		 */
		cmss = xdpct_mss_value(fam, idx);
		a->win = cmss * 10 > 65535 ? 65535 : cmss * 10;
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
	int i, delta;

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
		ip[6] = IP_DF_ >> 8;
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
		*(__u16 *)(ip + 10) = sc_csum_fold(cs);
		cs = bpf_csum_diff(NULL, 0, (__be32 *)(out + 20), tcpl & 63, 0);
		if (cs < 0)
			return -1;
		sum = (__u64)cs + m->saddr[0] + m->daddr[0] + bpf_htonl((IPPROTO_TCP_ << 16) | tcpl);
		*(__u16 *)(out + 20 + 16) = sc_csum_fold(sum);
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
		sum = (__u64)cs + bpf_htonl(tcpl) + bpf_htonl(IPPROTO_TCP_);
#pragma unroll
		for (i = 0; i < 4; i++)
			sum += (__u64)m->saddr[i] + m->daddr[i];
		*(__u16 *)(out + 40 + 16) = sc_csum_fold(sum);
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
 * XDP, before tracking: marks TCP to a protected port in w->sc and answers
 * a bare SYN there when cookies are on.  VERDICT_PASS: track it.
 */
__noinline int xdpct_sc_syn(struct xdp_md *ctx, struct xdpct_work *w)
{
	struct xdpct_sc_scratch *s;
	struct xdpct_stats *st;
	struct sc_synack a;
	__u32 zero = 0;
	int r;

	if (!ctx || !w || !sc_protected(w->meta.dport))
		return VERDICT_PASS;
	w->sc.flags = XDPCT_SC_PKT_PROTECTED;
	if (!(w->meta.flags & TCPF_SYN))
		w->sc.flags |= XDPCT_SC_PKT_ASK;
	if ((w->meta.flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
		return VERDICT_PASS;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	s = bpf_map_lookup_elem(&xdpct_sc_work, &zero);
	if (!st || !s)
		return VERDICT_PASS;
	st->c[XDPCT_STAT_SC_SYN_SEEN]++;
	if (!sc_cookies_on(w->meta.dport, 1)) {
		st->c[XDPCT_STAT_SC_SYN_PASSED]++;
		return VERDICT_PASS;
	}
	if (w->meta.frag_first) {
		st->c[XDPCT_STAT_SC_SYN_FRAGMENT]++;
		return VERDICT_DROP;
	}
	r = sc_l3_off(ctx, s);
	if (r < 0 || sc_martian(&w->meta, s->eth)) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return VERDICT_DROP;
	}
	s->l3_off = r;
	r = sc_synack_fields(ctx, w, s, &a);
	if (r == 1) {
		st->c[XDPCT_STAT_SC_SYN_MALFORMED]++;
		return VERDICT_DROP;
	}
	if (r || sc_rewrite(ctx, w, s, &a)) {
		st->c[XDPCT_STAT_SC_SYNACK_FAILED]++;
		return VERDICT_DROP;
	}
	st->c[XDPCT_STAT_SC_SYNACK_SENT]++;
	return VERDICT_TX;
}

/* A segment the parser found malformed: a SYN we must not pass (counted)? */
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

static __always_inline __u32 sc_tuple(struct bpf_sock_tuple *t, const struct pkt_meta *m)
{
	__builtin_memset(t, 0, sizeof(*t));
	if (m->family == 4) {
		t->ipv4.saddr = m->saddr[0];
		t->ipv4.daddr = m->daddr[0];
		t->ipv4.sport = bpf_htons(m->sport);
		t->ipv4.dport = bpf_htons(m->dport);
		return sizeof(t->ipv4);
	}
	__builtin_memcpy(t->ipv6.saddr, m->saddr, 16);
	__builtin_memcpy(t->ipv6.daddr, m->daddr, 16);
	t->ipv6.sport = bpf_htons(m->sport);
	t->ipv6.dport = bpf_htons(m->dport);
	return sizeof(t->ipv6);
}

/*
 * Does the local stack know this connection although xdpct has no flow
 * (it predates the attach, or its entry expired)?  reqsk: a socket other
 * than the listener; synproxy: a confirmed conntrack entry.
 */
static __always_inline int sc_stack_knows(struct xdp_md *ctx, const struct pkt_meta *m,
					  struct xdpct_sc_scratch *s)
{
	struct bpf_sock_tuple *t = &s->tuple;
	__u32 sz = sc_tuple(t, m);
	int known;

	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		struct bpf_ct_opts *o = &s->ct_opts;
		struct nf_conn *ct;

		__builtin_memset(o, 0, sizeof(*o));
		o->netns_id = -1;
		o->l4proto = IPPROTO_TCP_;
		ct = bpf_xdp_ct_lookup(ctx, t, sz, o, sizeof(*o));
		if (!ct)
			return 0;
		known = !!(ct->status & IPS_CONFIRMED);
		bpf_ct_release(ct);
		return known;
	} else {
		struct bpf_sock *sk;

		sk = bpf_skc_lookup_tcp(ctx, t, sz, -1 /* current netns */, 0);
		if (!sk)
			return 0;
		known = sk->state != BPF_TCP_LISTEN;
		bpf_sk_release(sk);
		return known;
	}
}

/* Bytes of TCP options from the data-offset byte; 0 for none or garbage. */
static __always_inline __u32 sc_optlen(__u8 b)
{
	__u32 olen = ((b >> 4) * 4 - 20) & 0x3c;

	/* masked and compared as is, so both compilers leave the verifier
	 * a range of 4..40 for the load that follows */
	if (olen < 4 || olen > 40)
		return 0;
	return olen;
}

/* The ACK's timestamp option, if any, into sc->has_ts / o->tsval, tsecr. */
static __always_inline void sc_ack_opts(struct xdpct_sc_pkt *sc, struct tcp_opts *o,
					__u32 olen)
{
	sc->has_ts = 0;
	sc->tsbits = 0;
	if (!olen)
		return;
	o->len = olen;
	xdpct_parse_opts(o);
	if (o->flags & XDPCT_D_TS) {
		sc->has_ts = 1;
		sc->tsbits = o->tsecr & XDPCT_TS_BITS;
	}
}

/*
 * xdpct's own cookie of the ACK in m (reqsk mode): XDPCT_COOKIE_* and the
 * client's MSS in sc->mss.
 */
static __always_inline int sc_check_own(const struct pkt_meta *m, struct xdpct_sc_pkt *sc,
					struct xdpct_cookie_in *in)
{
	__u32 idx = 0;
	int r;

	__builtin_memset(in, 0, sizeof(*in));
	__builtin_memcpy(in->caddr, m->saddr, 16);
	__builtin_memcpy(in->saddr, m->daddr, 16);
	in->cport = m->sport;
	in->sport = m->dport;
	in->isn = m->seq - 1;
	in->family = m->family;
	in->tsbits = sc->has_ts ? sc->tsbits : XDPCT_TS_NONE;
	r = xdpct_cookie_check(xdpct_sc_key[0], xdpct_sc_key[1], in, m->ack - 1, clock_ns(),
			       &idx);
	sc->mss = r == XDPCT_COOKIE_OK ? xdpct_mss_value(m->family, idx) : 0;
	return r;
}

static __always_inline int sc_check_cookie(struct xdp_md *ctx, struct xdpct_work *w,
					   struct xdpct_sc_scratch *s)
{
	struct pkt_meta *m = &w->meta;
	__u32 l4 = m->l4_off, olen;

	if (bpf_xdp_load_bytes(ctx, l4, s->l4, 20))
		return XDPCT_COOKIE_BAD;
	olen = sc_optlen(s->l4[12]);
	if (olen) {
		__builtin_memset(&w->opts, 0, sizeof(w->opts));
		if (bpf_xdp_load_bytes(ctx, l4 + 20, w->opts.buf, olen))
			return XDPCT_COOKIE_BAD;
	}
	sc_ack_opts(&w->sc, &w->opts, olen);

	if (cfg.sc_completion == XDPCT_SC_SYNPROXY) {
		__s64 r;

		int l3 = sc_l3_off(ctx, s);

		if (l3 < 0 || bpf_xdp_load_bytes(ctx, l3 & 31, s->l3, m->family == 4 ? 20 : 40))
			return XDPCT_COOKIE_BAD;
		if (m->family == 4)
			r = bpf_tcp_raw_check_syncookie_ipv4((struct iphdr *)s->l3,
							     (struct tcphdr *)s->l4);
		else
			r = bpf_tcp_raw_check_syncookie_ipv6((struct ipv6hdr *)s->l3,
							     (struct tcphdr *)s->l4);
		w->sc.mss = 0;		/* inside the kernel's cookie: not ours to read */
		return r ? XDPCT_COOKIE_BAD : XDPCT_COOKIE_OK;
	}
	return sc_check_own(m, &w->sc, &s->in);
}

/* Both ends CLOSED or TIME_WAIT: a new connection may take the 4-tuple. */
static __always_inline int sc_flow_dead(const struct xdpct_flow *f)
{
	__u8 a = f->state[0], b = f->state[1];

	return (a == XDPCT_S_CLOSED || a == XDPCT_S_TIME_WAIT) &&
	       (b == XDPCT_S_CLOSED || b == XDPCT_S_TIME_WAIT);
}

/* What the handshake settled, from the cookie ACK's verdict in w->sc. */
static __always_inline void sc_handshake(const struct xdpct_work *w, struct xdpct_cookie_hs *h)
{
	__u8 ws;

	__builtin_memset(h, 0, sizeof(*h));
	h->cmss = w->sc.mss;
	h->smss = w->meta.family == 6 ? cfg.sc_mss6 : cfg.sc_mss4;
	h->swscale = cfg.sc_wscale;
	if (cfg.sc_completion == XDPCT_SC_REQSK && h->cmss)
		h->synack_win = h->cmss * 10 > 65535 ? 65535 : h->cmss * 10;
	if (!w->sc.has_ts)
		return;
	h->opts = XDPCT_D_TS;
	ws = w->sc.tsbits & XDPCT_TS_WSCALE_MASK;
	if (ws != XDPCT_TS_WSCALE_MASK) {
		h->opts |= XDPCT_D_WSCALE;
		h->cwscale = ws > 14 ? 14 : ws;
	}
	if (w->sc.tsbits & XDPCT_TS_SACK)
		h->opts |= XDPCT_D_SACK_PERM;
}

/*
 * The flow of a valid cookie ACK: both ends ESTABLISHED, flag "syncookie".
 * 0 when it was inserted (or could not be: counted), 1 when an entry of
 * another CPU got there first and xdpct_track should run on it.
 */
static __always_inline int sc_start_flow(struct xdpct_work *w, struct xdpct_sc_scratch *s,
					 struct xdpct_stats *st)
{
	struct xdpct_report *rep = &w->rep;
	struct xdpct_seg *g = &w->seg;
	struct xdpct_scratch *sc;
	struct xdpct_flow *nf, *f;
	__u32 zero = 0;
	int err;

	sc = bpf_map_lookup_elem(&xdpct_scratch, &zero);
	if (!sc)
		return 0;
	seg_from_meta(w);

	f = bpf_map_lookup_elem(&xdpct_flows, &rep->key);
	if (f) {
		if (!sc_flow_dead(f))
			return 1;
		/* a closed connection's entry gives way to the new one */
		bpf_map_delete_elem(&xdpct_flows, &rep->key);
	}
	nf = (struct xdpct_flow *)sc->flow;
	__builtin_memset(sc->flow, 0, sizeof(sc->flow));
	sc_handshake(w, &s->hs);
	fsm_new_cookie(nf, g, &s->hs, rep->now, &rep->out);
	nf->dir[g->d & 1].packets = 1;
	nf->dir[g->d & 1].bytes = g->ip_bytes;
	err = bpf_map_update_elem(&xdpct_flows, &rep->key, nf, BPF_NOEXIST);
	if (err == -17 /* EEXIST */)
		return 1;
	if (err && evict_one(sc, st, rep->now))
		err = bpf_map_update_elem(&xdpct_flows, &rep->key, nf, BPF_NOEXIST);
	if (err) {
		st->c[XDPCT_STAT_INSERT_FAILED]++;
		return 0;
	}
	st->c[XDPCT_STAT_FLOWS_CREATED]++;
	take_snap(nf, &rep->sn);
	xdpct_report(rep, st);
	return 0;
}

/*
 * A segment to a protected port that has no live flow (xdpct_track said
 * VERDICT_SC_NOFLOW).  Returns VERDICT_PASS (done), VERDICT_DROP, or
 * VERDICT_SC_NOFLOW: track it after all, as w->sc.verdict says.
 */
__noinline int xdpct_sc_ack(struct xdp_md *ctx, struct xdpct_work *w)
{
	struct xdpct_sc_scratch *s;
	struct xdpct_stats *st;
	struct pkt_meta *m;
	__u32 zero = 0;
	int r;

	if (!ctx || !w)
		return VERDICT_PASS;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	s = bpf_map_lookup_elem(&xdpct_sc_work, &zero);
	if (!st || !s)
		return VERDICT_PASS;
	m = &w->meta;
	w->sc.flags &= ~XDPCT_SC_PKT_ASK;	/* asked: track it next time */
	w->sc.verdict = XDPCT_SC_V_TRACK;
	if (m->flags & TCPF_RST) {
		if (!sc_cookies_on(m->dport, 0))
			return VERDICT_SC_NOFLOW;
		if (sc_stack_knows(ctx, m, s)) {
			w->sc.verdict = XDPCT_SC_V_KNOWN;
			st->c[XDPCT_STAT_SC_KNOWN_PASSED]++;
			return VERDICT_SC_NOFLOW;
		}
		st->c[XDPCT_STAT_SC_RST_DROPPED]++;
		return VERDICT_DROP;
	}

	r = sc_check_cookie(ctx, w, s);
	if (r == XDPCT_COOKIE_OK) {
		w->sc.verdict = XDPCT_SC_V_VALID;
		st->c[XDPCT_STAT_SC_COOKIE_ACCEPTED]++;
		if (cfg.sc_completion == XDPCT_SC_SYNPROXY)
			st->c[XDPCT_STAT_SC_HANDSHAKE_DONE]++;	/* SYNPROXY takes it from here */
		return sc_start_flow(w, s, st) ? VERDICT_SC_NOFLOW : VERDICT_PASS;
	}
	if (!sc_cookies_on(m->dport, 0))
		return VERDICT_SC_NOFLOW;	/* quiet port: as without cookies */
	if (sc_stack_knows(ctx, m, s)) {
		w->sc.verdict = XDPCT_SC_V_KNOWN;
		st->c[XDPCT_STAT_SC_KNOWN_PASSED]++;
		return VERDICT_SC_NOFLOW;
	}
	st->c[r == XDPCT_COOKIE_STALE ? XDPCT_STAT_SC_COOKIE_STALE : XDPCT_STAT_SC_COOKIE_BAD]++;
	return VERDICT_DROP;
}

/* ---- auto mode -------------------------------------------------------- */

struct sc_eval_ctx {
	__u64 now;
	struct xdpct_stats *st;
};

static __always_inline void sc_emit_mode(__u16 port, __u8 on, __u64 rate, __u64 now,
					 struct xdpct_stats *st)
{
	struct xdpct_event *e;

	st->c[XDPCT_STAT_SC_MODE_SWITCH]++;
	e = bpf_ringbuf_reserve(&xdpct_events, sizeof(*e), 0);
	if (!e) {
		st->c[XDPCT_STAT_EVENTS_LOST]++;
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->type = XDPCT_EV_MODE;
	e->reason = on;
	e->server_port = port;
	e->packets[0] = rate;
	bpf_ringbuf_submit(e, rb_submit_flags());
	st->c[XDPCT_STAT_EVENTS]++;
}

static long sc_eval_port(struct bpf_map *map, __u32 *port, struct xdpct_sc_port *ps,
			 struct sc_eval_ctx *c)
{
	__u64 syns = ps->syns, rate = 0;

	if (!c->st)
		return 1;
	if (ps->last_ns && c->now > ps->last_ns)
		rate = (syns - ps->last_syns) * XDPCT_NSEC_PER_SEC / (c->now - ps->last_ns);
	ps->last_syns = syns;
	ps->last_ns = c->now;
	ps->rate = rate;
	if (!ps->on) {
		if (rate >= cfg.sc_threshold) {
			ps->on = 1;
			ps->calm = 0;
			sc_emit_mode(*port, 1, rate, c->now, c->st);
		}
	} else if (rate * 2 < cfg.sc_threshold) {
		if (++ps->calm >= XDPCT_SC_CALM_WINDOWS) {
			ps->on = 0;
			ps->calm = 0;
			sc_emit_mode(*port, 0, rate, c->now, c->st);
		}
	} else {
		ps->calm = 0;
	}
	return 0;
}

static __always_inline void sc_eval_all(__u64 now)
{
	struct sc_eval_ctx c = { .now = now };
	__u32 zero = 0;

	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return;
	c.st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (c.st)
		bpf_for_each_map_elem(&xdpct_sc_state, sc_eval_port, &c, 0);
}

static int sc_timer_cb(void *map, __u32 *key, struct xdpct_sc_clock *t)
{
	sc_eval_all(clock_ns());
	t->runs++;
	bpf_timer_start(&t->timer, XDPCT_SC_WINDOW_NS, 0);
	return 0;
}

/* Start the rate timer (auto mode); run from xdpct_arm. 0 or -1. */
static __always_inline int sc_arm(void)
{
	struct xdpct_sc_clock *t;
	__u32 zero = 0;

	if (cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	t = bpf_map_lookup_elem(&xdpct_sc_timer, &zero);
	if (!t)
		return -1;
	bpf_timer_init(&t->timer, &xdpct_sc_timer, 1 /* CLOCK_MONOTONIC */);
	if (bpf_timer_set_callback(&t->timer, sc_timer_cb))
		return -1;
	if (bpf_timer_start(&t->timer, XDPCT_SC_WINDOW_NS, 0))
		return -1;
	return 0;
}

/* One rate evaluation at the datapath's clock: tests and replay run it. */
SEC("xdp")
int xdpct_sc_tick(struct xdp_md *ctx)
{
	sc_eval_all(clock_ns());
	return XDP_PASS;
}

/* ---- reqsk completion: TC ingress ------------------------------------- */

/*
 * An ACK to a protected port meets the listener: if it carries one of our
 * cookies, give the listener a request socket built from it, so the kernel
 * creates the connection as for one of its own cookies.
 */
__noinline int xdpct_sc_reqsk(struct __sk_buff *skb)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct xdpct_sc_scratch *s;
	struct xdpct_sc_pkt sc = {};
	struct xdpct_stats *st;
	struct bpf_sock *skc;
	struct sock *sk;
	struct pkt p = {};
	__u32 zero = 0, sz, olen;
	__u8 b;

	if (!skb)
		return 0;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	s = bpf_map_lookup_elem(&xdpct_sc_work, &zero);
	if (!st || !s)
		return 0;
	if (parse_packet(&p, (void *)(long)skb->data, (void *)(long)skb->data_end, skb->len,
			 &s->slot) != PARSE_TCP)
		return 0;
	if ((p.m.flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_ACK || !sc_protected(p.m.dport))
		return 0;

	sz = sc_tuple(&s->tuple, &p.m);
	skc = bpf_skc_lookup_tcp(skb, &s->tuple, sz, -1 /* current netns */, 0);
	if (!skc)
		return 0;
	if (skc->state != BPF_TCP_LISTEN)
		goto release;
	sk = (struct sock *)bpf_skc_to_tcp_sock(skc);
	if (!sk)
		goto release;

	if (bpf_skb_load_bytes(skb, p.m.l4_off + 12, &b, 1))
		goto release;
	olen = sc_optlen(b);
	if (olen) {
		__builtin_memset(&s->opts, 0, sizeof(s->opts));
		if (bpf_skb_load_bytes(skb, p.m.l4_off + 20, s->opts.buf, olen))
			goto release;
	}
	sc_ack_opts(&sc, &s->opts, olen);
	if (sc_check_own(&p.m, &sc, &s->in) != XDPCT_COOKIE_OK)
		goto release;		/* not ours: the kernel decides */

	attrs.mss = sc.mss;
	if (sc.has_ts) {
		__u8 ws = sc.tsbits & XDPCT_TS_WSCALE_MASK;

		attrs.tstamp_ok = 1;
		attrs.rcv_tsval = s->opts.tsval;
		attrs.rcv_tsecr = s->opts.tsecr;
		attrs.sack_ok = !!(sc.tsbits & XDPCT_TS_SACK);
		attrs.ecn_ok = !!(sc.tsbits & XDPCT_TS_ECN);
		if (ws != XDPCT_TS_WSCALE_MASK) {
			attrs.wscale_ok = 1;
			attrs.snd_wscale = ws > 14 ? 14 : ws;
			attrs.rcv_wscale = cfg.sc_wscale;
		}
	}
	if (bpf_sk_assign_tcp_reqsk(skb, sk, &attrs, sizeof(attrs)))
		st->c[XDPCT_STAT_SC_REQSK_FAILED]++;
	else
		st->c[XDPCT_STAT_SC_HANDSHAKE_DONE]++;
release:
	bpf_sk_release(skc);
	return 0;
}

SEC("tc")
int xdpct_sc_tc(struct __sk_buff *skb)
{
	/* an observer: never decides a packet's fate, other filters still run */
	if (cfg.sc_mode != XDPCT_SC_OFF && cfg.sc_completion == XDPCT_SC_REQSK)
		xdpct_sc_reqsk(skb);
	return TC_ACT_UNSPEC_;
}

#endif /* XDPCT_SYNCOOKIE_BPF_H */
