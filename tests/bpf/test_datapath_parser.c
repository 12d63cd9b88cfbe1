// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The parser, through the real datapath: non-TCP traffic, IPv4 and IPv6
 * fragments, IPv6 extension chains, and every malformed case (every
 * truncation point of every header, bad IHL, doff < 5, doff past the end,
 * bad IP version, three VLAN tags, impossible flag combinations).  A
 * malformed packet is counted in its invalid_* counter, creates and
 * changes no flow, emits nothing, and is passed (dropped with
 * cfg.drop_invalid).  Every counter's delta is checked, not only the one
 * the case is about.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>
#include "conn.h"

struct cexp {
	int id;
	int d;
};

#define E(x, n) { XDPCT_STAT_##x, n }

static struct harness H;

static void load(const struct xdpct_cfg *cfg, bool frags)
{
	int err = frags ? h_open_frags(&H, cfg, 0) : h_open(&H, cfg, 0);

	cr_assert(!err, "load failed: %d", err);
}

static void load_drop(bool drop, bool frags)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_invalid = drop;
	load(&cfg, frags);
}

/*
 * Run one frame; its verdict and every counter delta must be as listed
 * (packets +1 is implied); no event may appear unless events are listed.
 */
static void run_frame(const void *buf, __u32 len, int verdict, const struct cexp *e, int n,
		      const char *what, int arg)
{
	__u64 before[XDPCT_STAT_SLOTS], after[XDPCT_STAT_SLOTS];
	__s64 want[XDPCT_STAT_SLOTS] = { 0 };
	int i, r, nev;

	h_stats(&H, before);
	r = h_run(&H, buf, len);
	cr_assert_eq(r, verdict, "%s (%d): verdict %d, expected %d", what, arg, r, verdict);
	want[XDPCT_STAT_PACKETS] = 1;
	for (i = 0; i < n; i++)
		want[e[i].id] += e[i].d;
	h_stats(&H, after);
	for (i = 0; i < XDPCT_STAT_MAX; i++)
		cr_assert_eq((__s64)(after[i] - before[i]), want[i],
			     "%s (%d): counter %s moved by %lld, expected %lld", what, arg,
			     h_stat_name(i), (long long)(after[i] - before[i]),
			     (long long)want[i]);
	h_clear_events(&H);
	nev = h_drain(&H);
	cr_assert_eq(nev, want[XDPCT_STAT_EVENTS], "%s (%d): %d events", what, arg, nev);
}

#define RUN(buf, len, verdict, what, arg, ...)					\
	do {									\
		const struct cexp _e[] = { __VA_ARGS__ };			\
		run_frame(buf, len, verdict, _e, sizeof(_e) / sizeof(_e[0]),	\
			  what, arg);						\
	} while (0)

static void build(struct pkt *p, const struct pkt_spec *s)
{
	cr_assert(pkt_build(p, s) > 0);
}

/* ---- non-TCP ---------------------------------------------------------- */

static void check_non_tcp(bool drop)
{
	const __u16 vl[2] = { 7, 8 };
	struct pkt_spec s;
	struct pkt p;

	load_drop(drop, false);
	pkt_spec_arp(&s, "10.0.0.1", "10.0.0.2");
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "arp", 0, E(NON_TCP, 1));
	pkt_spec_vlans(&s, 2, vl);
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "qinq arp", 0, E(NON_TCP, 1), E(VLAN, 1));

	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 5353, 53);
	s.proto = IPPROTO_UDP;
	s.payload_len = 30;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "udp4", 0, E(NON_TCP, 1), E(IPV4, 1));
	s.proto = IPPROTO_ICMP;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "icmp4", 0, E(NON_TCP, 1), E(IPV4, 1));
	s.proto = 50;	/* ESP */
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "esp4", 0, E(NON_TCP, 1), E(IPV4, 1));

	pkt_spec_v6(&s, "fd00::1", "fd00::2", 5353, 53);
	s.proto = IPPROTO_UDP;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "udp6", 0, E(NON_TCP, 1), E(IPV6, 1));
	s.proto = IPPROTO_ICMPV6;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "icmp6", 0, E(NON_TCP, 1), E(IPV6, 1));
	/* behind an extension chain, and QinQ */
	pkt_spec_vlans(&s, 2, vl);
	pkt_spec_add_ext(&s, PKT_EXT_HOP, 0);
	pkt_spec_add_ext(&s, PKT_EXT_DSTOPT, 2);
	pkt_spec_add_ext(&s, PKT_EXT_ROUTING, 1);
	s.proto = IPPROTO_UDP;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "qinq udp6 ext", 0, E(NON_TCP, 1), E(IPV6, 1), E(VLAN, 1));
	s.proto = 59;	/* no next header */
	s.payload_len = 0;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "no-next6", 0, E(NON_TCP, 1), E(IPV6, 1), E(VLAN, 1));
	s.proto = 50;	/* ESP after the chain */
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "esp6", 0, E(NON_TCP, 1), E(IPV6, 1), E(VLAN, 1));
	/* an extension header the parser does not walk (mobility) */
	pkt_spec_v6(&s, "fd00::1", "fd00::2", 1, 2);
	s.proto = 135;
	s.payload_len = 8;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "mobility6", 0, E(NON_TCP, 1), E(IPV6, 1));

	/* an ethertype nobody parses (LLDP) */
	pkt_spec_arp(&s, "10.0.0.1", "10.0.0.2");
	s.ethertype = 0x88cc;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "lldp", 0, E(NON_TCP, 1));
	cr_assert_eq(h_flow_count(&H), 0);
	h_close(&H);
}

Test(parser, non_tcp_passes)
{
	check_non_tcp(false);
	check_non_tcp(true);
}

/* ---- fragments --------------------------------------------------------- */

Test(parser, ipv4_fragments)
{
	struct pkt_spec s;
	struct pkt p;
	struct h_tuple t;
	struct xdpct_flow f;

	load_drop(true, false);
	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	s.flags = TH_SYN;
	s.seq = 77;
	s.mf = 1;
	s.payload_len = 500;
	pkt_opts_linux_syn(&s, 1460, 7);
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "first fragment", 0, E(TCP, 1), E(IPV4, 1), E(FRAG_FIRST, 1),
	    E(FLOWS_CREATED, 1), E(TRANSITIONS, 1), E(EVENTS, 1));
	h_tuple_from_spec(&t, &s);
	cr_assert(!h_lookup(&H, &t, &f));
	cr_assert_eq(f.dir[f.client].isn, 77);
	cr_assert_eq(f.dir[f.client].mss, 1460);
	/* later fragments: counted, passed, never parsed as TCP */
	s.mf = 1;
	s.frag_off = 66;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "middle fragment", 0, E(FRAG_LATER, 1), E(IPV4, 1));
	s.mf = 0;
	s.frag_off = 132;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "last fragment", 0, E(FRAG_LATER, 1), E(IPV4, 1));
	/* a later fragment whose payload looks like a TCP RST of the flow */
	{
		struct pkt_spec r = s;
		struct pkt tcp;

		r.frag_off = 0;
		r.mf = 0;
		r.flags = TH_RST;
		r.seq = 78;
		r.payload_len = 0;
		pkt_opts_clear(&r);
		build(&tcp, &r);
		s.payload = tcp.buf + tcp.l4_off;
		s.payload_len = 20;
		s.frag_off = 1;
		build(&p, &s);
		/* offset 8 bytes: it would rewrite the TCP header on
		 * reassembly (RFC 1858 3.2, RFC 3128): invalid, dropped */
		RUN(p.buf, p.len, XDP_DROP, "rst-like fragment", 0, E(INV_FRAG, 1), E(IPV4, 1),
		    E(DROPPED, 1));
		s.payload = NULL;
	}
	cr_assert(!h_lookup(&H, &t, &f));
	cr_assert_eq(f.state[f.client], XDPCT_S_SYN_SENT);
	/* a first fragment that does not hold the whole TCP header */
	s.frag_off = 0;
	s.mf = 1;
	s.payload_len = 0;
	pkt_opts_clear(&s);
	build(&p, &s);
	pkt_ipv4_set_tot_len(&p, 20 + 8);
	/* RFC 1858 3.1, the tiny fragment: invalid_fragment, not a bad header */
	RUN(p.buf, p.len, XDP_DROP, "short first fragment", 0, E(INV_FRAG, 1), E(IPV4, 1),
	    E(DROPPED, 1));
	h_close(&H);
}

Test(parser, ipv6_fragments)
{
	struct pkt_spec s;
	struct pkt p;

	load_drop(false, false);
	pkt_spec_v6(&s, "fd00::1", "fd00::2", 40000, 80);
	s.flags = TH_SYN;
	pkt_spec_add_ext(&s, PKT_EXT_HOP, 0);
	pkt_spec_add_frag(&s, 0, 1);
	s.payload_len = 300;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "first fragment", 0, E(TCP, 1), E(IPV6, 1), E(FRAG_FIRST, 1),
	    E(FLOWS_CREATED, 1), E(TRANSITIONS, 1), E(EVENTS, 1));
	s.ext[1].frag_off = 40;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "later fragment", 0, E(FRAG_LATER, 1), E(IPV6, 1));
	s.ext[1].mf = 0;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "last fragment", 0, E(FRAG_LATER, 1), E(IPV6, 1));
	cr_assert_eq(h_flow_count(&H), 1);
	h_close(&H);
}

/* ---- IPv6 extension chains ---------------------------------------------- */

Test(parser, ipv6_extension_chain_lengths)
{
	static const __u8 types[] = { PKT_EXT_HOP, PKT_EXT_DSTOPT, PKT_EXT_ROUTING,
				      PKT_EXT_FRAG, PKT_EXT_AH, PKT_EXT_DSTOPT,
				      PKT_EXT_DSTOPT, PKT_EXT_DSTOPT, PKT_EXT_DSTOPT };
	struct pkt_spec s;
	struct pkt p;
	int n, i;

	load_drop(false, false);
	/* 1..8 headers are walked (the issue asks for at least 6) */
	for (n = 1; n <= 9; n++) {
		pkt_spec_v6(&s, "fd00::1", "fd00::2", 1000 + n, 80);
		s.flags = TH_SYN;
		for (i = 0; i < n; i++) {
			if (types[i] == PKT_EXT_FRAG)
				pkt_spec_add_frag(&s, 0, 0);
			else
				pkt_spec_add_ext(&s, types[i], i & 1);
		}
		build(&p, &s);
		if (n <= 8)
			RUN(p.buf, p.len, XDP_PASS, "chain", n, E(TCP, 1), E(IPV6, 1),
			    /* its fragment header is atomic (RFC 6946): no fragment */
			    E(FLOWS_CREATED, 1), E(TRANSITIONS, 1),
			    E(EVENTS, 1));
		else
			/* longer chains are not walked: invalid, not misparsed */
			RUN(p.buf, p.len, XDP_PASS, "chain", n, E(INV_IPV6_EXT, 1), E(IPV6, 1));
	}
	/* an extension header longer than the payload */
	pkt_spec_v6(&s, "fd00::1", "fd00::2", 999, 80);
	s.flags = TH_SYN;
	pkt_spec_add_ext(&s, PKT_EXT_HOP, 0);
	pkt_spec_add_ext(&s, PKT_EXT_DSTOPT, 0);
	build(&p, &s);
	pkt_set_u8(&p, p.ext_off[1] + 1, 30);
	RUN(p.buf, p.len, XDP_PASS, "ext too long", 0, E(INV_IPV6_EXT, 1), E(IPV6, 1));
	cr_assert_eq(h_flow_count(&H), 8);
	h_close(&H);
}

/* ---- truncation at every point ------------------------------------------ */

/* The parser's reasons are counters; which header a byte count cuts. */
struct cut_case {
	const struct variant *v;
	struct pkt full;
	__u32 min_ip;		/* fixed IP header length */
};

static void spec_for(struct pkt_spec *s, const struct variant *v, int idx)
{
	const __u16 vl[2] = { 11, 12 };
	static const __u8 ipopts[12] = { 0x94, 0x04, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0 };

	if (v->family == 4)
		pkt_spec_v4(s, "10.0.0.1", "10.0.0.2", 20000 + idx, 80);
	else
		pkt_spec_v6(s, "fd00::1", "fd00::2", 20000 + idx, 80);
	pkt_spec_vlans(s, v->nvlan, vl);
	if (v->ext && v->family == 4) {
		memcpy(s->ip_opts, ipopts, sizeof(ipopts));
		s->ip_opts_len = sizeof(ipopts);
	}
	if (v->ext && v->family == 6) {
		pkt_spec_add_ext(s, PKT_EXT_HOP, 0);
		pkt_spec_add_ext(s, PKT_EXT_DSTOPT, 1);
		pkt_spec_add_ext(s, PKT_EXT_ROUTING, 0);
		pkt_spec_add_frag(s, 0, 0);
		pkt_spec_add_ext(s, PKT_EXT_AH, 0);
		pkt_spec_add_ext(s, PKT_EXT_DSTOPT, 0);
	}
	s->flags = TH_SYN;
	s->seq = 4242;
	pkt_opts_linux_syn(s, 1400, 5);
	s->payload_len = 16;
}

/*
 * Frame cut to len bytes, IP lengths left as they were (a truncated
 * frame).  Everything after the VLAN tags is "IP datagram longer than the
 * frame": invalid_ip.
 */
static int raw_reason(const struct pkt *p, __u32 len)
{
	if (len < p->l3_off)
		return XDPCT_STAT_INV_ETH;
	return XDPCT_STAT_INV_IP;
}

/*
 * Datagram cut to len bytes with its IP length fields saying so (a short
 * but self-consistent packet): the reason is the header the cut falls in.
 * 0: nothing is cut but payload, the segment is valid.
 */
static int consistent_reason(const struct pkt *p, const struct variant *v, __u32 len)
{
	__u32 ihl = p->l4_off - p->l3_off;

	if (v->family == 4 && len < p->l3_off + ihl)
		return XDPCT_STAT_INV_IP;
	if (v->family == 6 && len < p->l4_off)
		return XDPCT_STAT_INV_IPV6_EXT;
	if (len < p->data_off)
		return XDPCT_STAT_INV_TCP_HDR;
	return 0;
}

static void cut_one(const struct variant *v, int idx, bool drop)
{
	struct pkt_spec s;
	struct pkt full, p;
	__u32 len, min_ip;
	int reason, fam = v->family == 4 ? XDPCT_STAT_IPV4 : XDPCT_STAT_IPV6;
	int inv = drop ? XDP_DROP : XDP_PASS;

	spec_for(&s, v, idx);
	build(&full, &s);
	/* 1. frame cuts: 0 .. len-1 bytes */
	for (len = 0; len < full.len; len++) {
		/* the outer VLAN id counts once its tag is complete */
		int vlan = v->nvlan && len >= 18;

		reason = raw_reason(&full, len);
		RUN(full.buf, len, inv, v->name, (int)len, { reason, 1 }, E(VLAN, vlan),
		    E(DROPPED, drop));
	}
	/* 2. consistent cuts: the IP header whole, its length fields shortened */
	min_ip = full.l3_off + (v->family == 4 ? 20 : 40);
	for (len = min_ip; len < full.len; len++) {
		p = full;
		p.len = len;
		if (v->family == 4)
			pkt_ipv4_set_tot_len(&p, len - p.l3_off);
		else
			pkt_ipv6_set_plen(&p, len - p.l3_off - 40);
		reason = consistent_reason(&full, v, len);
		if (reason == XDPCT_STAT_INV_IP) {
			RUN(p.buf, p.len, inv, v->name, -(int)len, { reason, 1 },
			    E(VLAN, v->nvlan > 0), E(DROPPED, drop));
		} else if (reason) {
			/* IP parsed: the family is known and counted */
			RUN(p.buf, p.len, inv, v->name, -(int)len, { reason, 1 }, { fam, 1 },
			    E(VLAN, v->nvlan > 0), E(DROPPED, drop));
		} else {
			/* payload cut: a valid (shorter) SYN, tracked, once its
			 * checksum covers what is left (--checksum control) */
			struct h_tuple t;

			RUN(p.buf, p.len, inv, v->name, -(int)len, { fam, 1 }, E(TCP, 1),
			    E(VLAN, v->nvlan > 0), E(INV_CHECKSUM, 1), E(DROPPED, drop));
			pkt_tcp_fix_csum(&p);
			RUN(p.buf, p.len, XDP_PASS, v->name, -(int)len, { fam, 1 }, E(TCP, 1),
			    E(VLAN, v->nvlan > 0), E(FLOWS_CREATED, 1), E(TRANSITIONS, 1), E(EVENTS, 1));
			h_tuple_from_spec(&t, &s);
			cr_assert(!h_delete(&H, &t));
		}
		cr_assert_eq(h_flow_count(&H), 0, "%s: cut at %u left a flow", v->name, len);
	}
}

static void check_cuts(bool drop)
{
	int i;

	load_drop(drop, true);
	/* the wrap twins add nothing here: every other variant */
	for (i = 0; i < conn_nvariants; i += 2)
		cut_one(&conn_variants[i], i, drop);
	h_close(&H);
}

Test(parser, every_truncation_point)
{
	check_cuts(false);
}

Test(parser, every_truncation_point_dropped)
{
	check_cuts(true);
}

/* ---- header fields ------------------------------------------------------- */

Test(parser, bad_ihl_version_doff)
{
	struct pkt_spec s;
	struct pkt full, p;
	int i;

	load_drop(false, false);
	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	s.flags = TH_SYN;
	build(&full, &s);
	for (i = 0; i < 5; i++) {
		p = full;
		pkt_ipv4_set_ihl(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "ihl < 5", i, E(INV_IP, 1));
	}
	/* IHL beyond tot_len, and beyond the frame */
	p = full;
	pkt_ipv4_set_ihl(&p, 15);
	RUN(p.buf, p.len, XDP_PASS, "ihl > tot_len", 15, E(INV_IP, 1));
	p = full;
	pkt_ipv4_set_ihl(&p, 15);
	pkt_ipv4_set_tot_len(&p, 60);
	RUN(p.buf, p.len, XDP_PASS, "ihl past the frame", 15, E(INV_IP, 1));
	/* tot_len below the header, and beyond the frame */
	p = full;
	pkt_ipv4_set_tot_len(&p, 19);
	RUN(p.buf, p.len, XDP_PASS, "tot_len < ihl", 19, E(INV_IP, 1));
	p = full;
	pkt_ipv4_set_tot_len(&p, full.ip_len + 1);
	RUN(p.buf, p.len, XDP_PASS, "tot_len > frame", 0, E(INV_IP, 1));
	/* versions that are not 4 behind the IPv4 ethertype */
	for (i = 0; i < 16; i++) {
		if (i == 4)
			continue;
		p = full;
		pkt_ip_set_version(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "ipv4 version", i, E(INV_IP, 1));
	}
	/* doff < 5, and past the segment */
	for (i = 0; i < 5; i++) {
		p = full;
		pkt_tcp_set_doff(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "doff < 5", i, E(INV_TCP_HDR, 1), E(IPV4, 1));
	}
	for (i = 6; i < 16; i++) {
		p = full;
		pkt_tcp_set_doff(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "doff past end", i, E(INV_TCP_HDR, 1), E(IPV4, 1));
	}
	/* doff past the segment but inside the frame (Ethernet padding) */
	p = full;
	memset(p.buf + p.len, 0, 60 - p.len);
	p.len = 60;
	pkt_tcp_set_doff(&p, 6);
	RUN(p.buf, p.len, XDP_PASS, "doff into padding", 6, E(INV_TCP_HDR, 1), E(IPV4, 1));

	pkt_spec_v6(&s, "fd00::1", "fd00::2", 40000, 80);
	s.flags = TH_SYN;
	build(&full, &s);
	for (i = 0; i < 16; i++) {
		if (i == 6)
			continue;
		p = full;
		pkt_ip_set_version(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "ipv6 version", i, E(INV_IP, 1));
	}
	p = full;
	pkt_ipv6_set_plen(&p, full.ip_len - 40 + 1);
	RUN(p.buf, p.len, XDP_PASS, "payload_len > frame", 0, E(INV_IP, 1));
	for (i = 0; i < 5; i++) {
		p = full;
		pkt_tcp_set_doff(&p, i);
		RUN(p.buf, p.len, XDP_PASS, "doff6 < 5", i, E(INV_TCP_HDR, 1), E(IPV6, 1));
	}
	p = full;
	pkt_tcp_set_doff(&p, 15);
	RUN(p.buf, p.len, XDP_PASS, "doff6 past end", 15, E(INV_TCP_HDR, 1), E(IPV6, 1));
	cr_assert_eq(h_flow_count(&H), 0);
	h_close(&H);
}

Test(parser, ipv4_options_full_length)
{
	struct pkt_spec s;
	struct pkt p;

	load_drop(false, false);
	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	s.flags = TH_SYN;
	memset(s.ip_opts, 1, 39);	/* 39 NOPs and EOL: IHL 15 */
	s.ip_opts_len = 40;
	pkt_opts_linux_syn(&s, 1200, 3);
	build(&p, &s);
	cr_assert_eq(p.l4_off - p.l3_off, 60);
	RUN(p.buf, p.len, XDP_PASS, "ihl 15", 0, E(TCP, 1), E(IPV4, 1), E(FLOWS_CREATED, 1),
	    E(TRANSITIONS, 1), E(EVENTS, 1));
	h_close(&H);
}

Test(parser, vlan_depth)
{
	const __u16 ids[3] = { 1, 2, 3 };
	struct pkt_spec s;
	struct pkt p;

	load_drop(true, false);
	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	s.flags = TH_SYN;
	pkt_spec_vlans(&s, 3, ids);
	build(&p, &s);
	RUN(p.buf, p.len, XDP_DROP, "three tags", 0, E(INV_VLAN_DEPTH, 1), E(VLAN, 1),
	    E(DROPPED, 1));
	/* two tags, then an 802.1ad TPID again */
	s.tpid[2] = PKT_ETH_8021AD;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_DROP, "three tags (ad)", 0, E(INV_VLAN_DEPTH, 1), E(VLAN, 1),
	    E(DROPPED, 1));
	/* two 802.1Q tags (not QinQ TPIDs) are two tags all the same */
	pkt_spec_vlans(&s, 2, ids);
	s.tpid[0] = PKT_ETH_8021Q;
	s.tpid[1] = PKT_ETH_8021Q;
	build(&p, &s);
	RUN(p.buf, p.len, XDP_PASS, "q-in-q with 8100", 0, E(TCP, 1), E(IPV4, 1), E(VLAN, 1),
	    E(FLOWS_CREATED, 1), E(TRANSITIONS, 1), E(EVENTS, 1));
	cr_assert_eq(h_flow_count(&H), 1);
	h_close(&H);
}

/* ---- TCP flags ------------------------------------------------------------- */

static const __u8 bad_flags[] = {
	TH_SYN | TH_FIN, TH_SYN | TH_RST, TH_SYN | TH_FIN | TH_RST, TH_SYN | TH_FIN | TH_ACK,
	TH_SYN | TH_RST | TH_ACK, 0 /* NULL */, TH_FIN /* no ACK */, TH_FIN | TH_PSH | TH_URG,
	TH_PSH, TH_URG, TH_RST | TH_FIN, TH_RST | TH_FIN | TH_ACK, TH_ECE, TH_CWR | TH_FIN,
	0xff & ~TH_ACK, 0xff,
	/* outside nf_conntrack's tcp_valid_flags[] too */
	TH_SYN | TH_ACK | TH_URG, TH_RST | TH_URG, TH_RST | TH_ACK | TH_URG,
};

static const __u8 good_flags[] = {
	TH_SYN, TH_SYN | TH_ACK, TH_SYN | TH_ECE | TH_CWR, TH_ACK, TH_PSH | TH_ACK,
	TH_URG | TH_ACK, TH_FIN | TH_ACK, TH_FIN | TH_PSH | TH_ACK, TH_RST, TH_RST | TH_ACK,
	TH_ACK | TH_ECE | TH_CWR, TH_SYN | TH_URG, TH_FIN | TH_ACK | TH_URG,
};

Test(parser, impossible_flag_combinations)
{
	struct pkt_spec s;
	struct pkt p;
	size_t i;

	load_drop(true, false);
	for (i = 0; i < sizeof(bad_flags); i++) {
		pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000 + i, 80);
		s.flags = bad_flags[i];
		build(&p, &s);
		RUN(p.buf, p.len, XDP_DROP, "bad flags", bad_flags[i], E(INV_TCP_FLAGS, 1),
		    E(IPV4, 1), E(DROPPED, 1));
		pkt_spec_v6(&s, "fd00::1", "fd00::2", 40000 + i, 80);
		s.flags = bad_flags[i];
		build(&p, &s);
		RUN(p.buf, p.len, XDP_DROP, "bad flags6", bad_flags[i], E(INV_TCP_FLAGS, 1),
		    E(IPV6, 1), E(DROPPED, 1));
	}
	cr_assert_eq(h_flow_count(&H), 0);
	/* the accepted ones reach the state machine (outcome is its business) */
	for (i = 0; i < sizeof(good_flags); i++) {
		__u64 before = h_stat(&H, XDPCT_STAT_TCP);

		pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 50000 + i, 80);
		s.flags = good_flags[i];
		build(&p, &s);
		cr_assert_eq(h_run_pkt(&H, &p), XDP_PASS);
		cr_assert_eq(h_stat(&H, XDPCT_STAT_TCP), before + 1, "flags %#x", good_flags[i]);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_INV_TCP_FLAGS), 2 * sizeof(bad_flags));
	h_close(&H);
}

/* ---- malformed packets never touch an existing flow ------------------------ */

static void mangle_established(struct conn *c)
{
	struct xdpct_flow before, after;
	struct pkt full, p;
	__u32 len;
	size_t i;

	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 40, .st = { EST, EST });
	conn_flow(c, &before);
	conn_build(c, &(struct step){ .who = S, .flags = FA, .seq = 1, .ack = 41, .len = 8 },
		   &full);
	for (len = 0; len < full.len; len++)
		cr_assert_eq(h_run(c->h, full.buf, len), XDP_PASS);
	for (i = 0; i < sizeof(bad_flags); i++) {
		p = full;
		pkt_tcp_set_flags(&p, bad_flags[i]);
		cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS);
	}
	for (i = 0; i < 5; i++) {
		p = full;
		pkt_tcp_set_doff(&p, i);
		cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS);
		if (i == c->v->family)
			continue;
		p = full;
		pkt_ip_set_version(&p, i);
		cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS);
	}
	p = full;
	pkt_tcp_set_doff(&p, 15);
	cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS);
	conn_flow(c, &after);
	cr_assert(!memcmp(&before, &after, sizeof(before)), "%s: a malformed packet changed it",
		  c->name);
	h_clear_events(c->h);
	cr_assert_eq(h_drain(c->h), 0, "%s: events from malformed packets", c->name);
	conn_resync(c);
	/* and the real FIN still works */
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 41, .len = 8, .st = { CW, FW1 },
	     .ev = { { S, EST, FW1 }, { C, EST, CW } });
}

Test(parser, malformed_never_changes_a_flow)
{
	static struct harness h;
	int i;

	cr_assert(!h_open_frags(&h, NULL, 0));
	for (i = 0; i < conn_nvariants; i++) {
		struct conn c;

		conn_init(&c, &h, &conn_variants[i], i);
		mangle_established(&c);
		h_delete(&h, &c.tup);
	}
	h_close(&h);
}

/* ---- keys -------------------------------------------------------------------- */

/*
 * Same address on both ends: the ports order the endpoints, on IPv4 (the
 * one-word branch of flow_key(), bpf/lib/table.h) and IPv6 (its loop),
 * the client on the higher port and on the lower.
 */
static void seq_same_addr(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1, .st = { CW, FW1 },
	     .ev = { { S, EST, FW1 }, { C, EST, CW } });
}

Test(parser, same_address_both_ends)
{
	static struct harness h;
	struct conn c;
	int k, swap;

	cr_assert(!h_open(&h, NULL, 0));
	for (k = 0; k < 4; k++) {
		swap = k & 1;
		conn_init(&c, &h, &conn_variants[k < 2 ? 0 : 10], 0);
		memcpy(c.spec[S].saddr, c.spec[C].saddr, 16);
		memcpy(c.spec[C].daddr, c.spec[C].saddr, 16);
		memcpy(c.spec[S].daddr, c.spec[C].saddr, 16);
		if (swap) {	/* client on the lower port this time */
			c.spec[C].sport = 80;
			c.spec[C].dport = 5000;
			c.spec[S].sport = 5000;
			c.spec[S].dport = 80;
		}
		h_tuple_from_spec(&c.tup, &c.spec[C]);
		c.cidx = h_make_key(&c.key, &c.tup);
		cr_assert_eq(c.cidx, !swap);
		seq_same_addr(&c);
		h_delete(&h, &c.tup);
	}
	h_close(&h);
}

/* Ethernet padding after a short datagram is not payload. */
static void seq_padding(struct conn *c)
{
	struct xdpct_flow f;
	struct pkt p;
	int si = conn_idx(c, S);
	__u64 bytes;

	HANDSHAKE(c);
	conn_flow(c, &f);
	bytes = xdpct_flow_bytes(&f, si);
	conn_build(c, &(struct step){ .who = S, .flags = ACK, .seq = 1, .ack = 1 }, &p);
	memset(p.buf + p.len, 0xee, 24);
	cr_assert_eq(h_run(c->h, p.buf, p.len + 24), XDP_PASS);
	conn_flow(c, &f);
	cr_assert_eq(xdpct_flow_bytes(&f, si), bytes + p.ip_len);
	cr_assert_eq(f.dir[si].end, c->isn[S] + 1, "padding counted as payload");
	cr_assert_eq(h_stat(c->h, XDPCT_STAT_INV_SEQ), 0);
}

Test(parser, ethernet_padding)
{
	conn_run_all_cfg(NULL, seq_padding);
}
