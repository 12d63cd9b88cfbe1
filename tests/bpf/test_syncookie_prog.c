// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshake offload in the real datapath (BPF_PROG_TEST_RUN): the SYN-ACK
 * XDP builds, byte by byte (options, both checksums recomputed here, VLAN
 * tags kept, IPv4 options and IPv6 extension headers gone), malformed SYNs
 * dropped, cookie ACKs accepted and refused (bad, tampered, stale), RSTs
 * without a flow, auto mode switching on the rate and back.  Every
 * syncookie setting through the verifier, with every object: test_verifier.c.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <criterion/criterion.h>
#include "harness.h"
#include "xdpct.skel.h"
#include "xdpct/cookie.h"

#define PORT		8080		/* protected */
#define OPEN_PORT	9090		/* not protected */
#define T0		(1000ULL * XDPCT_NSEC_PER_SEC)
#define CISN		0x11223344u
#define CTSVAL		0x01020304u	/* pkt_opts_linux_syn()'s TSval */
#define TICK		(1ULL << XDPCT_COOKIE_TICK_SHIFT)

static struct harness H;

static void sc_open(__u8 mode, __u8 completion, __u32 threshold)
{
	struct xdpct_sc_portmap pm = {};
	struct xdpct_sc_port ps = {};
	struct xdpct_cfg cfg;
	__u32 zero = 0, port = PORT;

	h_default_cfg(&cfg);
	cfg.sc_mode = mode;
	cfg.sc_completion = completion;
	cfg.sc_mss4 = XDPCT_SC_DEF_MSS4;
	cfg.sc_mss6 = XDPCT_SC_DEF_MSS6;
	cfg.sc_wscale = XDPCT_SC_DEF_WSCALE;
	cfg.sc_ttl = XDPCT_SC_DEF_TTL;
	cfg.sc_threshold = threshold;
	cr_assert_eq(h_open(&H, &cfg, 0), 0, "datapath did not load");
	xdpct_sc_port_set(&pm, PORT);
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.xdpct_sc_ports), &zero, &pm,
					 BPF_ANY), 0);
	if (mode == XDPCT_SC_AUTO)
		cr_assert_eq(bpf_map_update_elem(bpf_map__fd(H.skel->maps.xdpct_sc_state), &port,
						 &ps, BPF_NOEXIST), 0);
	h_set_now(&H, T0);
}

static void sc_close(void)
{
	h_close(&H);
}

/* One frame through xdpct_xdp, with the frame that comes out. */
static int run_out(const struct pkt *p, __u8 *out, __u32 *outlen)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->buf, .data_size_in = p->len,
		    .data_out = out, .data_size_out = PKT_MAX, .repeat = 1);

	cr_assert_eq(bpf_prog_test_run_opts(H.xdp_fd, &o), 0, "test run: %s", strerror(errno));
	*outlen = o.data_size_out;
	return o.retval;
}

/* RFC 1071, written out here: the datapath's checksums, recomputed. */
static __u16 csum16(const __u8 *p, size_t n, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (__u32)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)p[0] << 8 | p[1];
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

/* A SYN-ACK as it came out, taken apart; every length and checksum checked. */
struct synack {
	int nvlan, family;
	const __u8 *eth, *ip, *tcp;
	__u32 seq, ack, tcplen;
	__u8 flags, ttl;
	__u16 win, mss, sport, dport;
	int sack, ts, ws;
	__u8 wscale;
	__u32 tsval, tsecr;
	__u8 opts[40];
	__u32 optlen;
};

static void parse_synack(const __u8 *b, __u32 len, struct synack *a)
{
	__u32 off = 12, sum, i;
	__u16 et;

	memset(a, 0, sizeof(*a));
	a->eth = b;
	while ((et = get16(b + off)) == 0x8100 || et == 0x88a8) {
		a->nvlan++;
		off += 4;
	}
	off += 2;
	a->ip = b + off;
	if (et == 0x0800) {
		a->family = 4;
		cr_assert_eq(a->ip[0], 0x45, "IPv4 header with options: 0x%02x", a->ip[0]);
		cr_assert_eq(csum16(a->ip, 20, 0), 0, "IPv4 header checksum");
		cr_assert_eq(get16(a->ip + 2), len - off, "IPv4 total length");
		cr_assert_eq(a->ip[9], 6);
		a->ttl = a->ip[8];
		a->tcp = a->ip + 20;
		a->tcplen = len - off - 20;
		sum = get16(a->ip + 12) + get16(a->ip + 14) + get16(a->ip + 16) +
		      get16(a->ip + 18) + 6 + a->tcplen;
	} else {
		cr_assert_eq(et, 0x86dd, "ethertype %#x", et);
		a->family = 6;
		cr_assert_eq(get32(a->ip), 0x60000000, "IPv6 first word");
		cr_assert_eq(a->ip[6], 6, "next header: extension headers left in");
		cr_assert_eq(get16(a->ip + 4), len - off - 40, "IPv6 payload length");
		a->ttl = a->ip[7];
		a->tcp = a->ip + 40;
		a->tcplen = len - off - 40;
		for (sum = 0, i = 0; i < 32; i += 2)
			sum += get16(a->ip + 8 + i);
		sum += a->tcplen + 6;
	}
	cr_assert_eq(csum16(a->tcp, a->tcplen, sum), 0, "TCP checksum");
	cr_assert_eq((a->tcp[12] >> 4) * 4u, a->tcplen, "TCP data offset vs. length");
	a->sport = get16(a->tcp);
	a->dport = get16(a->tcp + 2);
	a->seq = get32(a->tcp + 4);
	a->ack = get32(a->tcp + 8);
	a->flags = a->tcp[13];
	a->win = get16(a->tcp + 14);
	cr_assert_eq(get16(a->tcp + 18), 0, "urgent pointer");
	a->optlen = a->tcplen - 20;
	memcpy(a->opts, a->tcp + 20, a->optlen);
	for (i = 0; i < a->optlen;) {
		__u8 k = a->opts[i];

		if (k == 1) {
			i++;
			continue;
		}
		cr_assert(k != 0, "EOL inside the SYN-ACK's options");
		if (k == 2)
			a->mss = get16(a->opts + i + 2);
		else if (k == 3)
			a->ws = 1, a->wscale = a->opts[i + 2];
		else if (k == 4)
			a->sack = 1;
		else if (k == 8)
			a->ts = 1, a->tsval = get32(a->opts + i + 2),
			a->tsecr = get32(a->opts + i + 6);
		i += a->opts[i + 1];
	}
}

static void syn_spec(struct pkt_spec *s, int family, __u16 dport)
{
	if (family == 4)
		pkt_spec_v4(s, "10.1.0.1", "10.1.0.2", 40000, dport);
	else
		pkt_spec_v6(s, "fd01::1", "fd01::2", 40000, dport);
	s->flags = TH_SYN;
	s->seq = CISN;
	s->win = 64240;
	pkt_opts_linux_syn(s, family == 4 ? 1460 : 1440, 10);
}

/* The cookie the datapath should have made (reqsk mode; the test key is 0). */
static __u32 own_cookie(const struct pkt_spec *s, __u8 tsbits, __u16 cmss, __u64 now)
{
	struct xdpct_cookie_in in = {};

	memcpy(in.caddr, s->saddr, 16);
	memcpy(in.saddr, s->daddr, 16);
	in.cport = s->sport;
	in.sport = s->dport;
	in.isn = s->seq;
	in.family = s->family;
	in.tsbits = tsbits;
	return xdpct_cookie_make(0, 0, &in, now, xdpct_mss_index(s->family, cmss));
}

/* SYN in, SYN-ACK out: the general checks; returns the parsed SYN-ACK. */
static void syn_to_synack(const struct pkt_spec *s, struct synack *a, __u8 *out)
{
	struct pkt p;
	__u32 len;

	cr_assert_gt(pkt_build(&p, s), 0);
	cr_assert_eq(run_out(&p, out, &len), XDP_TX, "the SYN was not answered");
	parse_synack(out, len, a);
	cr_assert_eq(memcmp(a->eth, s->smac, 6), 0, "destination MAC");
	cr_assert_eq(memcmp(a->eth + 6, s->dmac, 6), 0, "source MAC");
	cr_assert_eq(a->nvlan, s->nvlan);
	cr_assert_eq(memcmp(a->eth + 12, p.buf + 12, 4 * s->nvlan), 0, "VLAN tags changed");
	if (s->family == 4) {
		cr_assert_eq(memcmp(a->ip + 12, s->daddr, 4), 0);
		cr_assert_eq(memcmp(a->ip + 16, s->saddr, 4), 0);
		cr_assert_eq(get16(a->ip + 6), 0x4000, "DF, not a fragment");
		cr_assert_eq(a->ip[1], 0, "TOS: no ECT on a SYN-ACK");
	} else {
		cr_assert_eq(memcmp(a->ip + 8, s->daddr, 16), 0);
		cr_assert_eq(memcmp(a->ip + 24, s->saddr, 16), 0);
	}
	cr_assert_eq(a->ttl, XDPCT_SC_DEF_TTL);
	cr_assert_eq(a->sport, s->dport);
	cr_assert_eq(a->dport, s->sport);
	cr_assert_eq(a->ack, s->seq + 1, "ack = client ISN + 1");
	cr_assert_eq(a->flags & ~TH_ECE, TH_SYN | TH_ACK);
	cr_assert_eq(a->mss, s->family == 4 ? XDPCT_SC_DEF_MSS4 : XDPCT_SC_DEF_MSS6);
	cr_assert_eq(h_flow_count(&H), 0, "a SYN answered by XDP costs no flow entry");
}

static void check_linux_synack(int family, int nvlan, bool ipopts, bool ext)
{
	static const __u16 ids[2] = { 100, 200 };
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;
	__u8 bits = 10 | XDPCT_TS_SACK;
	static const __u8 want_opts[] = { 2, 4, 0, 0, 4, 2, 8, 10 };

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, family, PORT);
	pkt_spec_vlans(&s, nvlan, ids);
	if (ipopts) {
		s.ip_opts_len = 8;	/* NOP x3, EOL-padded: the kernel accepts it */
		memset(s.ip_opts, 1, 3);
	}
	if (ext) {
		pkt_spec_add_ext(&s, PKT_EXT_HOP, 0);
		pkt_spec_add_ext(&s, PKT_EXT_DSTOPT, 1);
	}
	syn_to_synack(&s, &a, out);
	/* MSS, SACK-permitted + timestamps, NOP + window scale, as Linux */
	cr_assert_eq(a.optlen, 20);
	cr_assert_eq(memcmp(a.opts, want_opts, 2), 0);
	cr_assert_eq(memcmp(a.opts + 4, want_opts + 4, 4), 0);
	cr_assert_eq(a.opts[16], 1);
	cr_assert(a.sack && a.ts && a.ws);
	cr_assert_eq(a.wscale, XDPCT_SC_DEF_WSCALE);
	cr_assert_eq(a.tsecr, CTSVAL, "TSecr echoes the client's TSval");
	cr_assert_eq(a.tsval & XDPCT_TS_BITS, bits, "options in the TSval: %#x", a.tsval);
	cr_assert_eq(a.tsval & ~XDPCT_TS_BITS, (__u32)(T0 / 1000000) & ~XDPCT_TS_BITS);
	cr_assert_eq(a.seq, own_cookie(&s, bits, family == 4 ? 1460 : 1440, T0), "cookie");
	cr_assert_eq(a.win, 10 * (family == 4 ? 1460 : 1440), "window: ten segments");
	cr_assert_eq(a.flags, TH_SYN | TH_ACK, "no ECE without an ECN-setup SYN");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_SEEN), 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_CREATED), 0);
	sc_close();
}

Test(synack, ipv4_options_checksums)		{ check_linux_synack(4, 0, false, false); }
Test(synack, ipv6_options_checksums)		{ check_linux_synack(6, 0, false, false); }
Test(synack, ipv4_vlan_kept)			{ check_linux_synack(4, 1, false, false); }
Test(synack, ipv6_qinq_kept)			{ check_linux_synack(6, 2, false, false); }
Test(synack, ipv4_options_stripped)		{ check_linux_synack(4, 1, true, false); }
Test(synack, ipv6_extension_headers_dropped)	{ check_linux_synack(6, 0, false, true); }

/* Without timestamps the options have nowhere to go: MSS only, no ECN. */
Test(synack, no_timestamps_mss_only)
{
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 4, PORT);
	pkt_opts_clear(&s);
	pkt_opt_mss(&s, 1300);
	pkt_opt_sackperm(&s);
	pkt_opt_wscale(&s, 7);
	s.flags |= TH_ECE | TH_CWR;
	syn_to_synack(&s, &a, out);
	cr_assert_eq(a.optlen, 4, "only MSS: %u option bytes", a.optlen);
	cr_assert(!a.ts && !a.sack && !a.ws);
	cr_assert_eq(a.flags, TH_SYN | TH_ACK, "ECN needs the timestamp to survive");
	cr_assert_eq(a.seq, own_cookie(&s, XDPCT_TS_NONE, 1300, T0));
	cr_assert_eq(a.win, 13000);
	sc_close();
}

/* A bare SYN with no options at all (hping3's): the frame grows for MSS. */
Test(synack, bare_syn_grows)
{
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 4, PORT);
	pkt_opts_clear(&s);
	syn_to_synack(&s, &a, out);
	cr_assert_eq(a.optlen, 4);
	cr_assert_eq(a.seq, own_cookie(&s, XDPCT_TS_NONE, 0, T0), "no MSS: the smallest");
	cr_assert_eq(a.win, 5360);
	sc_close();
}

/* RFC 3168: an ECN-setup SYN (ECE+CWR) gets ECE, not CWR, and bit 5. */
Test(synack, ecn_setup)
{
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 6, PORT);
	s.flags |= TH_ECE | TH_CWR;
	syn_to_synack(&s, &a, out);
	cr_assert_eq(a.flags, TH_SYN | TH_ACK | TH_ECE);
	cr_assert_eq(a.tsval & XDPCT_TS_BITS, 10 | XDPCT_TS_SACK | XDPCT_TS_ECN);
	sc_close();
}

/* Fast Open data on the SYN: answered, data not acknowledged, frame shrinks. */
Test(synack, syn_with_data)
{
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 4, PORT);
	s.payload_len = 300;
	syn_to_synack(&s, &a, out);
	cr_assert_eq(a.ack, CISN + 1);
	sc_close();
}

static void expect_drop(const struct pkt *p, int counter, const char *what)
{
	__u8 out[PKT_MAX];
	__u32 len;
	__u64 before = h_stat(&H, counter);

	cr_assert_eq(run_out(p, out, &len), XDP_DROP, "%s: not dropped", what);
	cr_assert_eq(h_stat(&H, counter), before + 1, "%s: %s not counted", what,
		     h_stat_name(counter));
	cr_assert_eq(h_flow_count(&H), 0, "%s: made a flow", what);
}

Test(malformed, dropped_and_counted)
{
	struct pkt_spec s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 4, PORT);
	s.flags = TH_SYN | TH_FIN;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "SYN+FIN");
	s.flags = TH_SYN | TH_RST;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "SYN+RST");

	syn_spec(&s, 4, PORT);
	pkt_build(&p, &s);
	pkt_tcp_set_doff(&p, 15);		/* options past the end */
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "doff past the end");

	syn_spec(&s, 4, PORT);
	pkt_build(&p, &s);
	p.buf[p.l3_off + 10] ^= 0x55;		/* IPv4 header checksum */
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "bad IPv4 header checksum");

	syn_spec(&s, 4, PORT);
	s.mf = 1;				/* first fragment */
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_FRAGMENT, "IPv4 first fragment");

	syn_spec(&s, 6, PORT);
	pkt_spec_add_frag(&s, 0, 1);
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_FRAGMENT, "IPv6 first fragment");

	pkt_spec_v4(&s, "224.0.0.5", "10.1.0.2", 40000, PORT);
	s.flags = TH_SYN;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "multicast source");

	pkt_spec_v4(&s, "10.1.0.2", "10.1.0.2", 40000, PORT);
	s.flags = TH_SYN;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "source = destination (land)");

	pkt_spec_v6(&s, "ff02::1", "fd01::2", 40000, PORT);
	s.flags = TH_SYN;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_MALFORMED, "IPv6 multicast source");

	/* the same SYN+FIN to a port nobody protects: counted invalid, passed */
	syn_spec(&s, 4, OPEN_PORT);
	s.flags = TH_SYN | TH_FIN;
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_MALFORMED), 7);
	sc_close();
}

/* The client's ACK of a SYN-ACK: seq ISN + 1, ack cookie + 1, TS echoed. */
static void ack_spec(struct pkt_spec *ack, const struct pkt_spec *syn, const struct synack *a,
		     __u32 tsecr)
{
	*ack = *syn;
	ack->flags = TH_ACK;
	ack->seq = syn->seq + 1;
	ack->ack = a->seq + 1;
	ack->win = 502;
	pkt_opts_clear(ack);
	if (a->ts) {
		pkt_opt_nop(ack);
		pkt_opt_nop(ack);
		pkt_opt_ts(ack, CTSVAL + 1, tsecr);
	}
}

static void cookie_accept(int family, __u8 completion, int nvlan)
{
	static const __u16 ids[2] = { 7, 8 };
	struct pkt_spec s, k;
	struct xdpct_flow f;
	struct h_tuple t;
	struct synack a;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;
	int ci, si, i, ntrans = 0;

	sc_open(XDPCT_SC_ALWAYS, completion, 0);
	syn_spec(&s, family, PORT);
	pkt_spec_vlans(&s, nvlan, ids);
	syn_to_synack(&s, &a, out);
	if (completion == XDPCT_SC_SYNPROXY)
		cr_assert_eq(a.win, 0, "synproxy: SYNPROXY opens the window later");
	h_clear_events(&H);

	ack_spec(&k, &s, &a, a.tsval);
	pkt_build(&p, &k);
	h_set_now(&H, T0 + 5000000);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "valid cookie ACK not passed");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_COOKIE_ACCEPTED), 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_CREATED), 1);
	h_tuple_from_spec(&t, &k);
	cr_assert_eq(h_lookup(&H, &t, &f), 0, "no flow for the cookie ACK");
	ci = f.client & 1;
	si = !ci;
	cr_assert_eq(f.flags, XDPCT_F_SYNCOOKIE);
	cr_assert_eq(f.state[ci], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.state[si], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.dir[ci].isn, CISN);
	cr_assert_eq(f.dir[si].isn, a.seq, "server ISN = the cookie");
	cr_assert_eq(f.dir[ci].wscale, 10);
	cr_assert_eq(f.dir[si].wscale, XDPCT_SC_DEF_WSCALE);
	cr_assert_eq(f.dir[ci].flags & (XDPCT_D_TS | XDPCT_D_SACK_PERM | XDPCT_D_WSCALE),
		     XDPCT_D_TS | XDPCT_D_SACK_PERM | XDPCT_D_WSCALE);
	if (completion == XDPCT_SC_REQSK)
		cr_assert_eq(f.dir[ci].mss, family == 4 ? 1460 : 1440, "MSS from the cookie");
	h_drain(&H);
	for (i = 0; i < H.nev; i++) {
		if (H.ev[i].type != XDPCT_EV_TRANSITION)
			continue;
		cr_assert_eq(H.ev[i].flow_flags, XDPCT_F_SYNCOOKIE);
		cr_assert_eq(H.ev[i].to, XDPCT_S_ESTABLISHED);
		cr_assert_eq(H.ev[i].from, H.ev[i].side ? XDPCT_S_SYN_RCVD : XDPCT_S_SYN_SENT);
		cr_assert_eq(H.ev[i].vlan[0], nvlan ? ids[0] : 0);
		ntrans++;
	}
	cr_assert_eq(ntrans, 2, "transitions: client then server to ESTABLISHED");

	/* an established flow: data both ways, no cookie work */
	k.flags = TH_ACK | TH_PSH;
	k.payload_len = 100;
	pkt_build(&p, &k);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS);
	pkt_spec_reverse(&k);
	k.seq = a.seq + 1;
	k.ack = CISN + 101;
	k.payload_len = 200;
	pkt_opts_clear(&k);
	pkt_build(&p, &k);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS);
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert_eq(f.state[ci], XDPCT_S_ESTABLISHED);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_COOKIE_ACCEPTED), 1, "cookie work on a flow");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_INV_SEQ) + h_stat(&H, XDPCT_STAT_INV_ACK), 0,
		     "the cookie flow's windows are wrong");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_COOKIE_BAD), 0);
	sc_close();
}

Test(cookie, accept_ipv4_reqsk)		{ cookie_accept(4, XDPCT_SC_REQSK, 0); }
Test(cookie, accept_ipv6_reqsk)		{ cookie_accept(6, XDPCT_SC_REQSK, 0); }
Test(cookie, accept_vlan_reqsk)		{ cookie_accept(4, XDPCT_SC_REQSK, 1); }
Test(cookie, accept_qinq_ipv6_reqsk)	{ cookie_accept(6, XDPCT_SC_REQSK, 2); }
Test(cookie, accept_ipv4_synproxy)	{ cookie_accept(4, XDPCT_SC_SYNPROXY, 0); }
Test(cookie, accept_ipv6_synproxy)	{ cookie_accept(6, XDPCT_SC_SYNPROXY, 1); }

/*
 * ACKs that must not pass: a wrong cookie, a right cookie whose option bits
 * in the TSecr were changed, one past its lifetime; none makes a flow.
 */
static void cookie_reject(int family, __u8 completion)
{
	struct pkt_spec s, k;
	struct synack a;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;

	sc_open(XDPCT_SC_ALWAYS, completion, 0);
	syn_spec(&s, family, PORT);
	syn_to_synack(&s, &a, out);

	/*
	 * xdpct's cookie hashes every bit; the kernel's lets its low bits
	 * (the MSS index) move with the ack and seq, so it gets a bigger jolt
	 */
	ack_spec(&k, &s, &a, a.tsval);
	k.ack += completion == XDPCT_SC_REQSK ? 1 : 0x100;
	pkt_build(&p, &k);
	expect_drop(&p, XDPCT_STAT_SC_COOKIE_BAD, "wrong cookie");

	ack_spec(&k, &s, &a, a.tsval);
	k.seq += completion == XDPCT_SC_REQSK ? 1 : 0x1000;	/* not the ISN it was for */
	pkt_build(&p, &k);
	expect_drop(&p, XDPCT_STAT_SC_COOKIE_BAD, "wrong sequence number");

	if (completion == XDPCT_SC_REQSK) {
		/* claim SACK was never offered: the hash covers the bits */
		ack_spec(&k, &s, &a, a.tsval & ~XDPCT_TS_SACK);
		pkt_build(&p, &k);
		expect_drop(&p, XDPCT_STAT_SC_COOKIE_BAD, "option bits changed");

		/* one tick later still good (checked below), three ticks: stale */
		ack_spec(&k, &s, &a, a.tsval);
		pkt_build(&p, &k);
		h_set_now(&H, T0 + 3 * TICK);
		expect_drop(&p, XDPCT_STAT_SC_COOKIE_STALE, "stale cookie");
		h_set_now(&H, T0 + TICK);
		cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "a cookie from the last tick");
		cr_assert_eq(h_flow_count(&H), 1);
	} else {
		ack_spec(&k, &s, &a, a.tsval);
		pkt_build(&p, &k);
		cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "the kernel's cookie");
		cr_assert_eq(h_flow_count(&H), 1);
	}
	sc_close();
}

Test(cookie, reject_ipv4_reqsk)		{ cookie_reject(4, XDPCT_SC_REQSK); }
Test(cookie, reject_ipv6_reqsk)		{ cookie_reject(6, XDPCT_SC_REQSK); }
Test(cookie, reject_ipv4_synproxy)	{ cookie_reject(4, XDPCT_SC_SYNPROXY); }
Test(cookie, reject_ipv6_synproxy)	{ cookie_reject(6, XDPCT_SC_SYNPROXY); }

/* Garbage ACKs (an ACK flood) and RSTs: dropped, counted, no flow. */
Test(cookie, ack_flood_and_rst)
{
	struct pkt_spec s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len, i;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	for (i = 0; i < 200; i++) {
		pkt_spec_v4(&s, "10.1.0.1", "10.1.0.2", 1024 + i, PORT);
		s.flags = TH_ACK;
		s.seq = i * 7919;
		s.ack = i * 104729;
		pkt_build(&p, &s);
		cr_assert_eq(run_out(&p, out, &len), XDP_DROP);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_COOKIE_BAD) + h_stat(&H, XDPCT_STAT_SC_COOKIE_STALE),
		     200);
	pkt_spec_v4(&s, "10.1.0.1", "10.1.0.2", 40000, PORT);
	s.flags = TH_RST;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_RST_DROPPED, "RST without a connection");
	cr_assert_eq(h_flow_count(&H), 0);

	/* the same to a port nobody protects: tracked as before */
	pkt_spec_v4(&s, "10.1.0.1", "10.1.0.2", 40000, OPEN_PORT);
	s.flags = TH_RST;
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS);
	s.flags = TH_ACK;
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS);
	cr_assert_eq(h_flow_count(&H), 1, "midstream pickup on an open port");
	sc_close();
}

static int run_tick(void)
{
	__u8 frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(H.skel->progs.xdpct_sc_tick), &o),
		     0);
	return o.retval;
}

static int mode_events(int *last)
{
	int i, n = 0;

	h_drain(&H);
	for (i = 0; i < H.nev; i++)
		if (H.ev[i].type == XDPCT_EV_MODE) {
			cr_assert_eq(H.ev[i].server_port, PORT);
			*last = H.ev[i].reason;
			n++;
		}
	return n;
}

static int send_syn(__u16 sport)
{
	struct pkt_spec s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;

	syn_spec(&s, 4, PORT);
	s.sport = sport;
	pkt_build(&p, &s);
	return run_out(&p, out, &len);
}

/*
 * auto: below the threshold SYNs go to the kernel and are tracked; a window
 * at or above it turns cookies on; five windows below half turn them off.
 */
Test(auto_mode, switches_on_and_off)
{
	__u64 w = XDPCT_SC_WINDOW_NS;
	int i, last = -1;

	sc_open(XDPCT_SC_AUTO, XDPCT_SC_REQSK, 100);
	run_tick();
	h_set_now(&H, T0 + w / 2);
	for (i = 0; i < 10; i++)
		cr_assert_eq(send_syn(20000 + i), XDP_PASS, "quiet port: the kernel answers");
	cr_assert_eq(h_flow_count(&H), 10, "quiet port: SYNs tracked as usual");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_PASSED), 10);
	h_set_now(&H, T0 + w);
	run_tick();				/* 10 in 0.2 s: 50/s < 100 */
	cr_assert_eq(mode_events(&last), 0);
	for (i = 0; i < 30; i++)
		send_syn(21000 + i);
	h_set_now(&H, T0 + 2 * w);
	run_tick();				/* 30 in 0.2 s: 150/s */
	cr_assert_eq(mode_events(&last), 1, "no switch at 150 SYN/s");
	cr_assert_eq(last, 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_MODE_SWITCH), 1);
	cr_assert_eq(send_syn(22000), XDP_TX, "cookies on: answered by XDP");
	cr_assert_eq(h_flow_count(&H), 40, "cookies on: no flow for the SYN");
	for (i = 3; i < 7; i++) {
		h_set_now(&H, T0 + i * w);
		run_tick();
		cr_assert_eq(send_syn(22000 + i), XDP_TX, "cookies stay on for a second");
	}
	h_clear_events(&H);
	h_set_now(&H, T0 + 7 * w);
	run_tick();				/* fifth quiet window */
	cr_assert_eq(mode_events(&last), 1, "not switched off after 1 s of calm");
	cr_assert_eq(last, 0);
	cr_assert_eq(send_syn(23000), XDP_PASS, "cookies off again");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_MODE_SWITCH), 2);
	sc_close();
}

/* ---- issue 13: what the endpoint would not answer ------------------------ */

static int run_spec(const struct pkt_spec *s)
{
	__u8 out[PKT_MAX];
	struct pkt p;
	__u32 len;

	cr_assert_gt(pkt_build(&p, s), 0);
	return run_out(&p, out, &len);
}

/*
 * A SYN whose TCP checksum is wrong is not a SYN the kernel would answer
 * (tcp_v4_rcv/tcp_v6_rcv -> tcp_checksum_complete drop it), so no cookie
 * either: dropped, counted, nothing sent.  The checksum covers the
 * pseudo-header (RFC 9293 3.1, RFC 8200 8.1), the header and the payload:
 * a flipped bit in each of them is caught; odd-length and multi-chunk
 * payloads (csum.h sums 512-byte chunks) are still answered when right.
 */
static void bad_checksum(int family)
{
	static const __u16 lens[] = { 0, 1, 3, 511, 512, 513, 1200 };
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;
	struct pkt p;
	__u32 i, len;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		syn_spec(&s, family, PORT);
		s.sport = 30000 + i;
		s.payload_len = lens[i];
		syn_to_synack(&s, &a, out);	/* right checksum: answered */

		pkt_build(&p, &s);
		p.buf[p.l4_off + 16] ^= 0x01;	/* the checksum field */
		expect_drop(&p, XDPCT_STAT_SC_SYN_BAD_CSUM, "checksum field");
		pkt_build(&p, &s);
		p.buf[p.l4_off + 4] ^= 0x80;	/* the ISN */
		expect_drop(&p, XDPCT_STAT_SC_SYN_BAD_CSUM, "header bit");
		pkt_build(&p, &s);
		p.buf[p.l4_off + 22] ^= 0x10;	/* the MSS option */
		expect_drop(&p, XDPCT_STAT_SC_SYN_BAD_CSUM, "option bit");
		if (lens[i]) {
			pkt_build(&p, &s);
			p.buf[p.len - 1] ^= 0x01;	/* the last payload byte */
			expect_drop(&p, XDPCT_STAT_SC_SYN_BAD_CSUM, "payload bit");
		}
	}
	/* the pseudo-header: another source address, the segment unchanged */
	syn_spec(&s, family, PORT);
	pkt_build(&p, &s);
	p.buf[p.l3_off + (family == 4 ? 15 : 23)] ^= 0x02;
	if (family == 4)	/* the IPv4 header checksum stays right */
		p.buf[p.l3_off + 11] ^= 0x02;
	expect_drop(&p, XDPCT_STAT_SC_SYN_BAD_CSUM, "pseudo-header address");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_BAD_CSUM), 3 * 7 + 6 + 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 7, "a bad SYN was answered");
	cr_assert_eq(run_out(&p, out, &len), XDP_DROP);
	sc_close();
}

Test(issue13, bad_tcp_checksum_ipv4)	{ bad_checksum(4); }
Test(issue13, bad_tcp_checksum_ipv6)	{ bad_checksum(6); }

/*
 * A bare SYN with a new ISN on a connection the table holds as
 * ESTABLISHED: the endpoint's to answer (RFC 5961 4.2, a challenge ACK),
 * so it passes, no cookie, the flow untouched.  Once the connection is
 * gone (an RST closed it), a SYN on the 4-tuple is a new connection and
 * gets its cookie again.
 */
static void syn_on_live_flow(int family)
{
	struct pkt_spec s, k, syn2;
	struct xdpct_flow f;
	struct h_tuple t;
	struct synack a;
	__u8 out[PKT_MAX];

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, family, PORT);
	syn_to_synack(&s, &a, out);
	ack_spec(&k, &s, &a, a.tsval);
	cr_assert_eq(run_spec(&k), XDP_PASS, "cookie ACK");
	h_tuple_from_spec(&t, &k);
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert_eq(f.state[f.client & 1], XDPCT_S_ESTABLISHED);

	syn2 = s;
	syn2.seq = CISN + 0x10000000;	/* a new ISN */
	cr_assert_eq(run_spec(&syn2), XDP_PASS, "SYN on an established flow: not passed");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_LIVE), 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 1, "answered with a cookie");
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED, "the SYN changed the flow");
	cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.dir[f.client & 1].isn, CISN, "the SYN's ISN taken");
	/* the same SYN again (a retransmission): still the endpoint's */
	cr_assert_eq(run_spec(&syn2), XDP_PASS);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_LIVE), 2);

	/* the client resets the connection (in window): the flow is dead */
	k = s;
	k.flags = TH_RST;
	k.seq = CISN + 1;
	pkt_opts_clear(&k);
	cr_assert_eq(run_spec(&k), XDP_PASS, "RST of the connection");
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert(f.state[0] == XDPCT_S_CLOSED && f.state[1] == XDPCT_S_CLOSED,
		  "RST did not close the flow: %u %u", f.state[0], f.state[1]);
	cr_assert_eq(run_spec(&syn2), XDP_TX, "SYN on a closed flow: a new connection");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_LIVE), 2);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 2);

	/*
	 * Its cookie ACK completes it: the closed connection's entry gives way
	 * (track.h flow_retire_dead), and the old connection's end record goes
	 * out first (issue 12): reason reopened, its states (CLOSED, CLOSED)
	 * and its figures, all from the client: the first cookie ACK, the two
	 * SYNs passed to the endpoint, the RST.  The new entry is the new
	 * connection's alone: one packet, the ACK.
	 */
	h_drain(&H);
	h_clear_events(&H);
	{
		/* syn_to_synack() expects an empty table: the dead entry is here */
		struct pkt p;
		__u32 len;

		cr_assert_gt(pkt_build(&p, &syn2), 0);
		cr_assert_eq(run_out(&p, out, &len), XDP_TX);
		parse_synack(out, len, &a);
	}
	ack_spec(&k, &syn2, &a, a.tsval);
	cr_assert_eq(run_spec(&k), XDP_PASS, "the new connection's cookie ACK");
	h_drain(&H);
	cr_assert_geq(H.nev, 3, "%d events", H.nev);
	cr_assert_eq(H.ev[0].type, XDPCT_EV_EXPIRED, "first event: the old connection's end");
	cr_assert_eq(H.ev[0].reason, XDPCT_EXP_REOPENED);
	cr_assert_eq(H.ev[0].cstate, XDPCT_S_CLOSED);
	cr_assert_eq(H.ev[0].sstate, XDPCT_S_CLOSED);
	cr_assert_eq(H.ev[0].packets[0], 4, "old connection: %llu client packets",
		     (unsigned long long)H.ev[0].packets[0]);
	cr_assert_eq(H.ev[0].packets[1], 0);
	cr_assert(H.ev[0].flow_flags & XDPCT_F_RESET);
	cr_assert_eq(H.ev[1].type, XDPCT_EV_TRANSITION, "then the new connection's");
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
	cr_assert_eq(xdpct_flow_packets(&f, 0) + xdpct_flow_packets(&f, 1), 1);
	cr_assert_eq(f.dir[f.client & 1].isn, syn2.seq, "the new connection's ISN");
	/* the retired entry left the offloader's bins (bpf/lib/flow_bins.h) */
	cr_assert_eq(h_bins_mismatch(&H), 0);
	sc_close();
}

Test(issue13, syn_on_established_ipv4)	{ syn_on_live_flow(4); }
Test(issue13, syn_on_established_ipv6)	{ syn_on_live_flow(6); }

/* A flow the kernel answered (cookies off in auto mode) is live too. */
Test(issue13, syn_on_kernel_handshake)
{
	struct pkt_spec s;

	sc_open(XDPCT_SC_AUTO, XDPCT_SC_REQSK, 100);
	syn_spec(&s, 4, PORT);
	cr_assert_eq(run_spec(&s), XDP_PASS, "quiet port: the kernel answers");
	cr_assert_eq(h_flow_count(&H), 1);
	/* cookies go on (a window at 150 SYN/s) */
	run_tick();
	for (int i = 0; i < 30; i++)
		send_syn(21000 + i);
	h_set_now(&H, T0 + XDPCT_SC_WINDOW_NS);
	run_tick();
	cr_assert_eq(send_syn(22000), XDP_TX, "cookies on");
	/* the first client retransmits its SYN: the kernel's request socket has it */
	cr_assert_eq(run_spec(&s), XDP_PASS, "retransmitted SYN of a tracked handshake");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_LIVE), 1);
	sc_close();
}

/*
 * IP fragments of TCP under the offloader (sc_frag.h): the kernel would
 * reassemble a SYN behind XDP's back (RFC 1858's tiny fragment: 8 bytes
 * of TCP header in the first), so TCP fragments to protected ports are
 * dropped, first and later ones, as the kernel selftest's XDP synproxy
 * does; fragments to other ports and of other protocols are untouched.
 */
Test(issue13, ipv4_fragments_dropped)
{
	struct pkt_spec s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	/* tiny first fragment: 8 bytes of TCP, ports only */
	syn_spec(&s, 4, PORT);
	pkt_opts_clear(&s);
	s.mf = 1;
	pkt_build(&p, &s);
	pkt_ipv4_set_tot_len(&p, 20 + 8);
	pkt_truncate(&p, p.l3_off + 28);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "tiny first fragment");
	/* cut before the ports: the port is unknown, dropped all the same */
	pkt_build(&p, &s);
	pkt_ipv4_set_tot_len(&p, 20 + 2);
	pkt_truncate(&p, p.l3_off + 22);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "2-byte first fragment");
	/* its second fragment, the rest of the header (offset 8 bytes) */
	syn_spec(&s, 4, PORT);
	s.frag_off = 1;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "later fragment");
	s.frag_off = 185;		/* the last one: MF clear */
	s.mf = 0;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "last fragment");
	/* a whole SYN as first fragment, and an ACK's first fragment */
	syn_spec(&s, 4, PORT);
	s.mf = 1;
	s.payload_len = 100;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_FRAGMENT, "SYN first fragment");
	s.flags = TH_ACK;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "ACK first fragment");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 0);

	/* to a port nobody protects: tracked as before */
	syn_spec(&s, 4, OPEN_PORT);
	s.mf = 1;
	s.payload_len = 100;
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "first fragment to an open port");
	cr_assert_eq(h_flow_count(&H), 1);
	/* not TCP: untouched */
	syn_spec(&s, 4, PORT);
	s.proto = 17;
	s.frag_off = 1;
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "UDP later fragment");
	/* DF clear but no fragment (offset 0, MF 0): a plain SYN, answered */
	syn_spec(&s, 4, PORT);
	s.df = 0;
	cr_assert_eq(run_spec(&s), XDP_TX, "non-DF unfragmented SYN");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_FRAG_DROPPED), 5);
	/* still one class per packet: tcp + non_tcp + frag_later + invalid_* */
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FRAG_LATER), 2, "later fragments not counted");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_INV_TCP_HDR), 2, "tiny fragments not counted");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FRAG_FIRST), 3, "first fragments not counted");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_PACKETS),
		     h_stat(&H, XDPCT_STAT_TCP) + h_stat(&H, XDPCT_STAT_NON_TCP) +
		     h_stat(&H, XDPCT_STAT_FRAG_LATER) + h_stat(&H, XDPCT_STAT_INV_TCP_HDR));
	sc_close();
}

Test(issue13, ipv6_fragments_dropped)
{
	struct pkt_spec s;
	struct pkt p;
	__u8 out[PKT_MAX];
	__u32 len;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	/* tiny first fragment: fragment header, 8 bytes of TCP */
	syn_spec(&s, 6, PORT);
	pkt_opts_clear(&s);
	pkt_spec_add_frag(&s, 0, 1);
	pkt_build(&p, &s);
	pkt_ipv6_set_plen(&p, 8 + 8);
	pkt_truncate(&p, p.l3_off + 40 + 16);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "tiny first fragment");
	syn_spec(&s, 6, PORT);
	pkt_spec_add_ext(&s, PKT_EXT_HOP, 0);
	pkt_spec_add_frag(&s, 1, 1);
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "later fragment");
	s.ext[1].mf = 0;
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_FRAG_DROPPED, "last fragment");
	syn_spec(&s, 6, PORT);
	pkt_spec_add_frag(&s, 0, 1);
	pkt_build(&p, &s);
	expect_drop(&p, XDPCT_STAT_SC_SYN_FRAGMENT, "SYN first fragment");
	/* a later fragment of UDP: not ours */
	syn_spec(&s, 6, PORT);
	s.proto = 17;
	pkt_spec_add_frag(&s, 1, 0);
	pkt_build(&p, &s);
	cr_assert_eq(run_out(&p, out, &len), XDP_PASS, "UDP later fragment");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_FRAG_DROPPED), 3);
	sc_close();
}

/*
 * RFC 6946: a fragment header with offset 0 and M=0 (an "atomic
 * fragment") makes no fragment; the packet is processed as unfragmented.
 * Such a SYN gets its SYN-ACK, without the fragment header.
 */
Test(issue13, ipv6_atomic_fragment_answered)
{
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	syn_spec(&s, 6, PORT);
	pkt_spec_add_frag(&s, 0, 0);
	syn_to_synack(&s, &a, out);
	cr_assert_eq(a.seq, own_cookie(&s, 10 | XDPCT_TS_SACK, 1440, T0), "cookie");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_FRAGMENT), 0);
	sc_close();
}

/*
 * The flood's fast path (sc_fast.h: untagged IPv4, known option layouts)
 * and the general path (sc_synack.h: here the same SYN behind a VLAN tag)
 * must answer alike, byte for byte from the IP header on, in both
 * completion modes: no options, MSS only, Linux's, Linux's with ECN setup,
 * with a window scale above 14, with a jumbo MSS.
 */
static void paths_agree(__u8 completion)
{
	static const __u16 id = 42;
	__u8 fast[PKT_MAX], slow[PKT_MAX];
	struct pkt_spec s, v;
	struct synack a, b;
	int k;

	sc_open(XDPCT_SC_ALWAYS, completion, 0);
	for (k = 0; k < 6; k++) {
		syn_spec(&s, 4, PORT);
		s.sport = 41000 + k;
		if (k == 0)
			pkt_opts_clear(&s);
		if (k == 1) {
			pkt_opts_clear(&s);
			pkt_opt_mss(&s, 1300);
		}
		if (k == 3)
			s.flags |= TH_ECE | TH_CWR;
		if (k == 4) {		/* a shift above 14 counts as 14 (RFC 7323 2.3) */
			pkt_opts_clear(&s);
			pkt_opts_linux_syn(&s, 1460, 15);
		}
		if (k == 5) {		/* jumbo frames: the largest MSS index */
			pkt_opts_clear(&s);
			pkt_opts_linux_syn(&s, 9000, 0);
		}
		v = s;
		pkt_spec_vlans(&v, 1, &id);
		syn_to_synack(&s, &a, fast);
		syn_to_synack(&v, &b, slow);
		cr_assert_eq(a.nvlan, 0);
		cr_assert_eq(b.nvlan, 1);
		cr_assert_eq(a.tcplen, b.tcplen, "layout %d: TCP lengths differ", k);
		cr_assert_eq(memcmp(a.ip, b.ip, 20 + a.tcplen), 0,
			     "layout %d: the fast path answered differently", k);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 12);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_SEEN), 12);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_PACKETS), 12);
	sc_close();
}

Test(issue13, fast_path_agrees_reqsk)		{ paths_agree(XDPCT_SC_REQSK); }
Test(issue13, fast_path_agrees_synproxy)	{ paths_agree(XDPCT_SC_SYNPROXY); }

/*
 * The fast path keeps SipHash's state after the IPv4 cookie's first block
 * (the tick and the server address) per CPU (sc_fast.h): a SYN to another
 * server address, or in another tick, must not reuse it.  Each answer is
 * checked against the cookie computed from nothing (xdpct_cookie_make),
 * as the ACK's check (sc_ack.h) computes it: server A, B, A again, then A
 * in the next tick, B in it, and A back in the first tick (replay's clock
 * may go back).
 */
Test(issue13, fast_path_cookie_prefix_follows_server_and_tick)
{
	static const struct { const char *server; __u64 t; } steps[] = {
		{ "10.1.0.2", T0 }, { "10.1.0.3", T0 }, { "10.1.0.2", T0 },
		{ "10.1.0.2", T0 + TICK }, { "10.1.0.3", T0 + TICK }, { "10.1.0.2", T0 },
	};
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;
	unsigned int i;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		h_set_now(&H, steps[i].t);
		syn_spec(&s, 4, PORT);
		pkt_spec_v4(&s, "10.1.0.1", steps[i].server, 40000 + i, PORT);
		s.flags = TH_SYN;
		s.seq = CISN + i;
		s.win = 64240;
		pkt_opts_linux_syn(&s, 1460, 10);
		syn_to_synack(&s, &a, out);
		cr_assert_eq(a.seq, own_cookie(&s, 10 | XDPCT_TS_SACK, 1460, steps[i].t),
			     "step %u: the cookie is not the one the ACK's check computes", i);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), i);
	sc_close();
}

/*
 * A SYN with an IPv6 Routing header with segments left is on its way to
 * another node, the header's final address (RFC 8200 4.4): a cookie would
 * answer in that node's name, and where Linux processes the header (SRv6,
 * RPL, Mobile IPv6's type 2, whose home address is local by definition)
 * the segment can end at a local listener behind XDP.  Every type is
 * dropped and counted syn_routed, before its checksum (which depends on
 * the final address, RFC 8200 8.1) is looked at: a right one over the
 * final address (types 0, 2, 4), a wrong one over the next hop, RPL's
 * (type 3) that xdpct cannot verify.  (Until 2026-12-04 a right checksum
 * got a cookie and the others counted syn_bad_csum or syn_malformed.)
 * The same SYN with the header's segments left at 0 is for this host
 * (RFC 8200 4.4: the header is ignored) and is answered.
 */
Test(issue13, routed_syn_is_dropped_not_answered)
{
	static const struct {
		__u8 type;
		const char *csum_dst, *what;
	} cases[] = {
		{ 4, "fd00::9", "SRH, checksum over the final address" },
		{ 4, "fd00::2", "SRH, checksum over the next hop" },
		{ 0, "fd00::9", "type 0, checksum over the final address" },
		{ 2, "fd00::9", "type 2, checksum over the home address" },
		{ 3, "fd00::9", "RPL, checksum over the final address" },
		{ 3, "fd00::2", "RPL, checksum over the next hop" },
	};
	__u8 out[PKT_MAX];
	struct pkt p;
	unsigned int i;
	__u32 len;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert(!pkt_v6_routed_syn(&p, cases[i].type, cases[i].csum_dst, 41001 + i,
					     PORT));
		expect_drop(&p, XDPCT_STAT_SC_SYN_ROUTED, cases[i].what);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_ROUTED), i);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_BAD_CSUM), 0);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_MALFORMED), 0);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 0);

	/* segments left 0: the checksum over the header's dst, answered */
	cr_assert(!pkt_v6_routed_syn(&p, 4, "fd00::2", 41100, PORT));
	p.buf[p.ext_off[0] + 3] = 0;
	cr_assert_eq(run_out(&p, out, &len), XDP_TX, "segments left 0: not answered");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYNACK_SENT), 1);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_SC_SYN_ROUTED), i);
	sc_close();
}

/*
 * The SYN-ACK's TSval is the millisecond clock (RFC 7323 5.4: 1 ms to 1 s
 * per tick) with the option bits in its low 6 bits; the milliseconds come
 * from the coarse clock's per-CPU cache (bpf/lib/cfg.h), divided once per
 * clock change, not per SYN.  Across clock steps, forward by a millisecond
 * and a second, across a cookie tick and back (replay's clock may go
 * back), each answer of the fast path (untagged) and of the general path
 * (VLAN-tagged) carries the current time's milliseconds.
 */
Test(synack, tsval_follows_the_clock)
{
	static const __u64 steps[] = {
		T0, T0 + 64000000, T0 + 64000000 + XDPCT_NSEC_PER_SEC, T0 + TICK, T0,
	};
	static const __u16 id = 7;
	__u8 out[PKT_MAX];
	struct pkt_spec s;
	struct synack a;
	unsigned int i, v;

	sc_open(XDPCT_SC_ALWAYS, XDPCT_SC_REQSK, 0);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		h_set_now(&H, steps[i]);
		for (v = 0; v < 2; v++) {
			syn_spec(&s, 4, PORT);
			s.sport = 42000 + 2 * i + v;
			pkt_spec_vlans(&s, v, &id);
			syn_to_synack(&s, &a, out);
			cr_assert_eq(a.tsval & ~XDPCT_TS_BITS,
				     (__u32)(steps[i] / 1000000) & ~XDPCT_TS_BITS,
				     "step %u, %s path: TSval %#x at %llu ns", i,
				     v ? "general" : "fast", a.tsval,
				     (unsigned long long)steps[i]);
			cr_assert_eq(a.tsval & XDPCT_TS_BITS, 10 | XDPCT_TS_SACK);
		}
	}
	sc_close();
}
