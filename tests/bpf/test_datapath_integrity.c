// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet integrity through the real datapath: TCP checksums (--checksum
 * control|all|off) and IP fragments.
 *
 * Checksums: nf_conntrack verifies them (nf_conntrack_checksum=1,
 * tcp_error() -> nf_checksum()), and so does the receiving endpoint
 * (tcp_v4_rcv() -> tcp_checksum_complete()): a segment with a wrong one is
 * discarded there, so here it must move nothing either, only be counted
 * (invalid_checksum) and, with --drop-invalid, dropped.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include "conn.h"

/*
 * Send c's step s with its checksum spoiled: verdict, counters (only the
 * parse counters, invalid_checksum and dropped move), no events, and the
 * entry exactly as it was (or still none).
 */
static void bad_step(struct conn *c, const struct step *s, bool drop, int line)
{
	__u64 before[XDPCT_STAT_SLOTS], after[XDPCT_STAT_SLOTS];
	__s64 want[XDPCT_STAT_SLOTS] = { 0 };
	struct xdpct_flow f0, f1;
	bool had;
	struct pkt p;
	int i, r;

	conn_build(c, s, &p);
	pkt_tcp_bad_csum(&p);
	had = h_lookup_key(c->h, &c->key, &f0) == 0;
	h_stats(c->h, before);
	h_clear_events(c->h);
	r = h_run_pkt(c->h, &p);
	h_stats(c->h, after);
	cr_assert_eq(r, drop ? XDP_DROP : XDP_PASS, "%s line %d: verdict %d", c->name, line, r);
	want[XDPCT_STAT_PACKETS] = 1;
	want[XDPCT_STAT_TCP] = 1;
	want[c->v->family == 4 ? XDPCT_STAT_IPV4 : XDPCT_STAT_IPV6] = 1;
	want[XDPCT_STAT_VLAN] = c->v->nvlan > 0;
	want[XDPCT_STAT_INV_CHECKSUM] = 1;
	want[XDPCT_STAT_DROPPED] = drop;
	for (i = 0; i < XDPCT_STAT_MAX; i++)
		cr_assert_eq((__s64)(after[i] - before[i]), want[i],
			     "%s line %d: counter %s moved by %lld, expected %lld", c->name, line,
			     h_stat_name(i), (long long)(after[i] - before[i]),
			     (long long)want[i]);
	cr_assert_eq(h_drain(c->h), 0, "%s line %d: a bad checksum made events", c->name, line);
	if (had) {
		cr_assert(!h_lookup_key(c->h, &c->key, &f1), "%s line %d: entry gone", c->name, line);
		cr_assert(!memcmp(&f0, &f1, sizeof(f0)), "%s line %d: entry changed", c->name,
			  line);
	} else {
		cr_assert_eq(h_lookup_key(c->h, &c->key, &f1), -ENOENT,
			     "%s line %d: a bad SYN made an entry", c->name, line);
	}
	conn_resync(c);
}
#define BAD(c, drop, ...) bad_step((c), &(struct step){ __VA_ARGS__ }, (drop), __LINE__)

/* Send a spoiled segment that is not verified: it counts as a good one. */
static void unverified(struct conn *c, const struct step *s, int line)
{
	struct xdpct_flow f;
	__u64 inv = h_stat(c->h, XDPCT_STAT_INV_CHECKSUM);
	struct pkt p;

	conn_build(c, s, &p);
	pkt_tcp_bad_csum(&p);
	cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS, "%s line %d", c->name, line);
	cr_assert_eq(h_stat(c->h, XDPCT_STAT_INV_CHECKSUM), inv, "%s line %d: verified",
		     c->name, line);
	conn_flow(c, &f);
	cr_assert_eq(xdpct_flow_packets(&f, conn_idx(c, s->who)), c->pk[s->who] + 1,
		     "%s line %d: not counted in its flow", c->name, line);
	c->pk[s->who]++;
	c->by[s->who] += p.ip_len;
	c->tfl[s->who] |= s->flags;	/* the entry records the flags it saw (issue 15) */
	h_clear_events(c->h);
	h_drain(c->h);
	conn_resync(c);
}

/*
 * --checksum control: a SYN, RST, FIN, the handshake's last ACK and the
 * ACK of a FIN with a wrong checksum all move nothing; a data segment of
 * an established flow is not verified.
 */
static bool g_drop;

static void seq_control(struct conn *c)
{
	BAD(c, g_drop, .who = C, .flags = SYN);
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	BAD(c, g_drop, .who = S, .flags = SA, .ack = 1);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	BAD(c, g_drop, .who = C, .flags = ACK, .seq = 1, .ack = 1);
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	/* the in-window RST an attacker would send: RFC 5961 3.2 exact seq */
	BAD(c, g_drop, .who = S, .flags = RA, .seq = 1, .ack = 1);
	BAD(c, g_drop, .who = C, .flags = RST, .seq = 1);
	unverified(c, &(struct step){ .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10 },
		   __LINE__);
	BAD(c, g_drop, .who = C, .flags = FA, .seq = 11, .ack = 1);
	STEP(c, .who = C, .flags = FA, .seq = 11, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	/* the ACK of that FIN */
	BAD(c, g_drop, .who = S, .flags = ACK, .seq = 1, .ack = 12);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 12, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	BAD(c, g_drop, .who = S, .flags = RA, .seq = 1, .ack = 12);
	STEP(c, .who = S, .flags = RA, .seq = 1, .ack = 12, .st = { CLOSED, CLOSED },
	     .ev = { { C, FW2, CLOSED }, { S, CW, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET, .nocheck_seq = true);
}

Test(checksum, control_moves_nothing)
{
	g_drop = false;
	conn_run_all_cfg(NULL, seq_control);
}

Test(checksum, control_drop_invalid)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cr_assert_eq(cfg.checksum, XDPCT_CSUM_CONTROL, "control is the default");
	cfg.drop_invalid = 1;
	g_drop = true;
	conn_run_all_cfg(&cfg, seq_control);
}

/* --checksum all: the established flow's data segment is verified too. */
static void seq_all(struct conn *c)
{
	HANDSHAKE(c);
	BAD(c, false, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10);
	BAD(c, false, .who = S, .flags = ACK, .seq = 1, .ack = 1);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10, .st = { EST, EST });
}

Test(checksum, all_verifies_every_segment)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.checksum = XDPCT_CSUM_ALL;
	conn_run_all_cfg(&cfg, seq_all);
}

/* --checksum off: what xdpct did before; a spoiled RST closes the flow. */
static void seq_off(struct conn *c)
{
	struct xdpct_flow f;
	struct pkt p;

	HANDSHAKE(c);
	conn_build(c, &(struct step){ .who = S, .flags = RA, .seq = 1, .ack = 1 }, &p);
	pkt_tcp_bad_csum(&p);
	cr_assert_eq(h_run_pkt(c->h, &p), XDP_PASS);
	cr_assert_eq(h_stat(c->h, XDPCT_STAT_INV_CHECKSUM), 0, "%s: verified", c->name);
	conn_flow(c, &f);
	cr_assert(f.state[0] == XDPCT_S_CLOSED && f.state[1] == XDPCT_S_CLOSED,
		  "%s: not verified, so the RST closed it", c->name);
}

Test(checksum, off_verifies_nothing)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.checksum = XDPCT_CSUM_OFF;
	conn_run_all_cfg(&cfg, seq_off);
}

/* A good checksum on an odd-length segment and one of several chunks. */
static void seq_lengths(struct conn *c)
{
	static const __u16 lens[] = { 1, 3, 255, 256, 257, 511, 1000, 1201 };
	__u32 seq = 1;
	unsigned int i;

	HANDSHAKE(c);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		STEP(c, .who = C, .flags = PA, .seq = seq, .ack = 1, .len = lens[i],
		     .st = { EST, EST });
		BAD(c, false, .who = C, .flags = PA, .seq = seq + lens[i], .ack = 1,
		    .len = lens[i]);
		seq += lens[i];
	}
}

Test(checksum, every_length_summed_right)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.checksum = XDPCT_CSUM_ALL;
	conn_run_all_cfg(&cfg, seq_lengths);
}

/* ---- IP fragments ----------------------------------------------------------- */

static void put16be(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
}

/*
 * One fragment of full's IP payload, bytes [from, to): the headers copied
 * (Ethernet, VLAN tags, the IP header; IPv6 gets a fragment header after
 * its fixed one, full must have no extension headers), id as given.
 */
static void fragment(const struct pkt *full, __u32 from, __u32 to, int more, __u32 id,
		     struct pkt *out)
{
	const __u8 *ip = full->buf + full->l3_off;
	__u32 l3 = full->l3_off, n = to - from;

	memset(out, 0, sizeof(*out));
	memcpy(out->buf, full->buf, l3);
	out->l3_off = l3;
	if ((ip[0] >> 4) == 4) {
		__u32 ihl = (ip[0] & 15) * 4;
		__u8 *o = out->buf + l3;

		memcpy(o, ip, ihl);
		memcpy(o + ihl, full->buf + full->l4_off + from, n);
		put16be(o + 2, ihl + n);
		put16be(o + 4, id);
		put16be(o + 6, (from / 8) | (more ? 0x2000 : 0));
		o[10] = o[11] = 0;
		put16be(o + 10, pkt_csum(o, ihl, 0));
		out->len = l3 + ihl + n;
		out->ip_len = ihl + n;
	} else {
		__u8 *o = out->buf + l3, *fh = o + 40;

		memcpy(o, ip, 40);
		o[6] = 44;
		fh[0] = IPPROTO_TCP;
		fh[1] = 0;
		put16be(fh + 2, (from & ~7u) | (more ? 1 : 0));
		fh[4] = id >> 24;
		fh[5] = id >> 16;
		fh[6] = id >> 8;
		fh[7] = id;
		memcpy(fh + 8, full->buf + full->l4_off + from, n);
		put16be(o + 4, 8 + n);
		out->len = l3 + 48 + n;
		out->ip_len = 48 + n;
	}
}

/* Run a frame; its verdict and these counter deltas (others: the parse counters). */
static void run_frag(struct conn *c, const struct pkt *p, int verdict, int id, int d, int line)
{
	__u64 inv = h_stat(c->h, XDPCT_STAT_INV_FRAG), later = h_stat(c->h, XDPCT_STAT_FRAG_LATER);
	__u64 x = id >= 0 ? h_stat(c->h, id) : 0;
	int r = h_run_pkt(c->h, p);

	cr_assert_eq(r, verdict, "%s line %d: verdict %d", c->name, line, r);
	if (id >= 0)
		cr_assert_eq(h_stat(c->h, id) - x, (__u64)d, "%s line %d: %s moved by %lld",
			     c->name, line, h_stat_name(id), (long long)(h_stat(c->h, id) - x));
	if (id != XDPCT_STAT_INV_FRAG)
		cr_assert_eq(h_stat(c->h, XDPCT_STAT_INV_FRAG), inv, "%s line %d", c->name, line);
	(void)later;
}

/*
 * A FIN segment of 1000 bytes in three fragments: 512, 504 and 4 bytes of
 * its IP payload (TCP header included), as a router with a small MTU cuts
 * it (RFC 791 3.2).  The later fragments extend the client's sequence
 * space, the last one places the FIN at 1 + 1000: the server's ACK of it
 * is in the window, and the close completes.
 */
static void seq_frag_fin(struct conn *c)
{
	struct pkt full, f[3];
	struct xdpct_flow fl;
	__u64 pk0, by0;
	int ci = conn_idx(c, C), i;

	if (c->v->ext)
		return;		/* headers before TCP: covered by the parser tests */
	HANDSHAKE(c);
	conn_build(c, &(struct step){ .who = C, .flags = FA, .seq = 1, .ack = 1, .len = 1000 },
		   &full);
	fragment(&full, 0, 512, 1, 0x1000 + c->nstep, &f[0]);
	fragment(&full, 512, 1016, 1, 0x1000 + c->nstep, &f[1]);
	fragment(&full, 1016, 1020, 0, 0x1000 + c->nstep, &f[2]);
	conn_flow(c, &fl);
	pk0 = xdpct_flow_packets(&fl, ci);
	by0 = xdpct_flow_bytes(&fl, ci);
	run_frag(c, &f[0], XDP_PASS, XDPCT_STAT_FRAG_FIRST, 1, __LINE__);
	conn_flow(c, &fl);
	cr_assert_eq(fl.state[ci], EST, "%s: the FIN waits for the last fragment", c->name);
	run_frag(c, &f[1], XDP_PASS, XDPCT_STAT_FRAG_LATER, 1, __LINE__);
	conn_flow(c, &fl);
	cr_assert_eq(fl.state[ci], EST, "%s", c->name);
	cr_assert_eq(fl.dir[ci].end, c->isn[C] + 1 + 1016 - 20, "%s: end %u", c->name,
		     fl.dir[ci].end - c->isn[C]);
	run_frag(c, &f[2], XDP_PASS, XDPCT_STAT_FRAG_LATER, 1, __LINE__);
	conn_flow(c, &fl);
	cr_assert_eq(fl.state[ci], FW1, "%s: the last fragment placed the FIN", c->name);
	cr_assert_eq(fl.state[!ci], CW, "%s", c->name);
	cr_assert_eq(fl.dir[ci].fin_seq, c->isn[C] + 1001, "%s", c->name);
	cr_assert_eq(xdpct_flow_packets(&fl, ci), pk0 + 3, "%s", c->name);
	for (i = 0; i < 3; i++)
		by0 += f[i].ip_len;
	cr_assert_eq(xdpct_flow_bytes(&fl, ci), by0, "%s: every fragment's bytes", c->name);
	c->pk[C] += 3;
	c->by[C] = by0;
	c->tfl[C] |= FA;	/* the datagram's flags: its FIN placed by the last fragment */
	h_clear_events(c->h);
	h_drain(c->h);
	conn_resync(c);
	/* the server acknowledges the whole segment and its FIN: in the window */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1002, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1002, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 1002, .ack = 2, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

Test(fragments, later_fragments_extend_and_place_the_fin)
{
	conn_run_all_cfg(NULL, seq_frag_fin);
}

/*
 * RFC 1858 3.1, the tiny fragment: a first fragment of 8 bytes (ports and
 * sequence number; the flags are in the next one).  Invalid, and with
 * --drop-invalid every fragment of that datagram is dropped, the later
 * ones at a harmless offset too.
 */
static void seq_tiny(struct conn *c)
{
	struct pkt full, f;

	if (c->v->ext)
		return;
	HANDSHAKE(c);
	conn_build(c, &(struct step){ .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 200 },
		   &full);
	fragment(&full, 0, 8, 1, 0x2000 + c->nstep, &f);
	run_frag(c, &f, g_drop ? XDP_DROP : XDP_PASS, XDPCT_STAT_INV_FRAG, 1, __LINE__);
	fragment(&full, 8, 24, 1, 0x2000 + c->nstep, &f);
	run_frag(c, &f, g_drop ? XDP_DROP : XDP_PASS, XDPCT_STAT_INV_FRAG, 1, __LINE__);
	fragment(&full, 24, 220, 0, 0x2000 + c->nstep, &f);
	run_frag(c, &f, g_drop ? XDP_DROP : XDP_PASS, XDPCT_STAT_INV_FRAG, 1, __LINE__);
	/* another datagram of the same flow is not affected */
	fragment(&full, 0, 64, 1, 0x2100 + c->nstep, &f);
	run_frag(c, &f, XDP_PASS, XDPCT_STAT_FRAG_FIRST, 1, __LINE__);
	h_clear_events(c->h);
	h_drain(c->h);
	conn_resync(c);
}

/*
 * RFC 1858 3.2, the overlapping fragment: after a good first fragment, one
 * at offset 8 (FO=1, RFC 3128) would rewrite the flags on reassembly.
 * Invalid; it and every later fragment of the datagram are dropped.
 */
static void seq_overlap(struct conn *c)
{
	struct pkt full, f;
	struct xdpct_flow a, b;

	if (c->v->ext)
		return;
	HANDSHAKE(c);
	conn_build(c, &(struct step){ .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 200 },
		   &full);
	fragment(&full, 0, 64, 1, 0x3000 + c->nstep, &f);
	run_frag(c, &f, XDP_PASS, XDPCT_STAT_FRAG_FIRST, 1, __LINE__);
	conn_flow(c, &a);
	fragment(&full, 8, 64, 1, 0x3000 + c->nstep, &f);
	run_frag(c, &f, g_drop ? XDP_DROP : XDP_PASS, XDPCT_STAT_INV_FRAG, 1, __LINE__);
	fragment(&full, 64, 220, 0, 0x3000 + c->nstep, &f);
	run_frag(c, &f, g_drop ? XDP_DROP : XDP_PASS, XDPCT_STAT_INV_FRAG, 1, __LINE__);
	conn_flow(c, &b);
	cr_assert(!memcmp(&a, &b, sizeof(a)), "%s: an invalid fragment moved the flow", c->name);
	h_clear_events(c->h);
	h_drain(c->h);
	conn_resync(c);
}

Test(fragments, rfc1858_tiny_and_overlapping)
{
	struct xdpct_cfg cfg;

	g_drop = false;
	conn_run_all_cfg(NULL, seq_tiny);
	conn_run_all_cfg(NULL, seq_overlap);
	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	g_drop = true;
	conn_run_all_cfg(&cfg, seq_tiny);
	conn_run_all_cfg(&cfg, seq_overlap);
}

/* A later fragment whose first one never came: counted, passed, no flow made. */
Test(fragments, later_fragment_without_first)
{
	static struct harness h;
	struct pkt full, f;
	struct conn c;

	cr_assert(!h_open(&h, NULL, 0));
	conn_init(&c, &h, &conn_variants[0], 0);
	conn_build(&c, &(struct step){ .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 200 },
		   &full);
	fragment(&full, 64, 220, 0, 0x4000, &f);
	run_frag(&c, &f, XDP_PASS, XDPCT_STAT_FRAG_UNKNOWN, 1, __LINE__);
	cr_assert_eq(h_flow_count(&h), 0);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FRAG_LATER), 1);
	h_close(&h);
}

/*
 * An IPv6 atomic fragment (offset 0, M=0: RFC 6946, RFC 8200 4.5) is the
 * whole packet: not counted as a fragment, and its checksum is verified.
 */
Test(fragments, ipv6_atomic_fragment_is_whole)
{
	static struct harness h;
	struct pkt_spec s;
	struct pkt p;

	cr_assert(!h_open(&h, NULL, 0));
	pkt_spec_v6(&s, "fd00::1", "fd00::2", 40000, 80);
	s.flags = TH_SYN;
	pkt_spec_add_frag(&s, 0, 0);
	cr_assert(pkt_build(&p, &s) > 0);
	pkt_tcp_bad_csum(&p);
	cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FRAG_FIRST), 0);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_INV_CHECKSUM), 1, "verified: not a fragment");
	cr_assert_eq(h_flow_count(&h), 0);
	pkt_tcp_bad_csum(&p);
	cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_CREATED), 1);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FRAG_FIRST), 0);
	h_close(&h);
}

/* ---- IPv6 Routing header: the pseudo-header's final destination ------------ */

/* To port 80, final destination fd00::9, checksum over dst (tests/lib/pkt.c). */
static void rt_syn(struct pkt *p, __u8 rt_type, const char *dst, __u16 sport)
{
	cr_assert(!pkt_v6_routed_syn(p, rt_type, dst, sport, 80));
}

/*
 * RFC 8200 8.1: with a Routing header, the pseudo-header's destination is
 * the final destination, "the last element of the Routing header at the
 * originating node"; so is the endpoint's check (Linux tcp_v6_rcv() runs
 * at the final node, where the header's dst has become that address).  A
 * checksum over the final address is right, one over the header's dst (the
 * next hop) wrong.  Types 0 (RFC 2460/5095) and 2 (RFC 6275): the list's
 * last address; type 4 (SRH, RFC 8754): Segment List[0], the same slot in
 * this one-segment header.  A type whose final address xdpct does not
 * parse (3, RPL's compressed list) is not verified (conservative: no
 * segment refused on a guess).  Segments left 0: the header's dst is final
 * (every other test's routing header, type 253, is that case).
 */
Test(checksum, ipv6_routing_header_final_destination)
{
	static const __u8 types[] = { 0, 2, 4 };
	static struct harness h;
	struct xdpct_cfg cfg;
	struct pkt p;
	__u16 port = 41000;
	unsigned int i;

	h_default_cfg(&cfg);
	cr_assert(!h_open(&h, &cfg, 0));
	for (i = 0; i < sizeof(types); i++) {
		__u64 inv = h_stat(&h, XDPCT_STAT_INV_CHECKSUM);
		__u64 made = h_stat(&h, XDPCT_STAT_FLOWS_CREATED);

		rt_syn(&p, types[i], "fd00::9", port++);
		cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_INV_CHECKSUM), inv,
			     "type %u: the checksum over the final destination is right", types[i]);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_CREATED), made + 1,
			     "type %u: its SYN starts a flow", types[i]);
		rt_syn(&p, types[i], "fd00::2", port++);
		cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_INV_CHECKSUM), inv + 1,
			     "type %u: the checksum over the header's dst (the next hop) is wrong",
			     types[i]);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_CREATED), made + 1,
			     "type %u: a bad one moves nothing", types[i]);
	}
	/* an unparsed routing type: not verified, whichever address */
	rt_syn(&p, 3, "fd00::2", port++);
	cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
	rt_syn(&p, 3, "fd00::9", port++);
	pkt_tcp_bad_csum(&p);
	cr_assert_eq(h_run_pkt(&h, &p), XDP_PASS);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_INV_CHECKSUM), 3, "type 3: not verified");
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_CREATED), 5);
	h_close(&h);
}
