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
	cr_assert_eq(f.dir[conn_idx(c, s->who)].packets, c->pk[s->who] + 1,
		     "%s line %d: not counted in its flow", c->name, line);
	c->pk[s->who]++;
	c->by[s->who] += p.ip_len;
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
