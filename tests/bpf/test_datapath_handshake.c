// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Opening a connection, through the real datapath (BPF_PROG_TEST_RUN):
 * three-way handshake, retransmitted SYNs and SYN-ACKs, simultaneous open,
 * Fast Open data and ECN on the SYN, bogus handshake segments.  Every
 * sequence runs in every variant of conn.c (IPv4/IPv6, untagged/VLAN/QinQ,
 * IP options / a 6-header IPv6 extension chain, ISNs wrapping past 2^32),
 * with all of conn_step()'s checks after each packet.
 */
#include <criterion/criterion.h>
#include "conn.h"

static void seq_handshake(struct conn *c)
{
	struct xdpct_flow f;

	HANDSHAKE(c);
	/* data both ways: no transition, bookkeeping moves */
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 101, .len = 1000, .st = { EST, EST });
	STEP(c, .who = C, .flags = ACK, .seq = 101, .ack = 1001, .win = 30000,
	     .st = { EST, EST });
	conn_flow(c, &f);
	/* handshake timings: SYN at +1 ms, SYN-ACK +2 ms, ACK +3 ms */
	cr_assert_eq(xdpct_flow_synack_ns(&f) - xdpct_flow_syn_ns(&f), 1000000);
	cr_assert_eq(xdpct_flow_est_ns(&f) - xdpct_flow_synack_ns(&f), 1000000);
	cr_assert_eq(f.dir[conn_idx(c, C)].isn, c->isn[C]);
	cr_assert_eq(f.dir[conn_idx(c, S)].isn, c->isn[S]);
	cr_assert(f.dir[conn_idx(c, C)].flags & XDPCT_D_SYN_ACKED);
	cr_assert(f.dir[conn_idx(c, S)].flags & XDPCT_D_SYN_ACKED);
	cr_assert_eq(f.dir[conn_idx(c, C)].end, c->isn[C] + 101);
	cr_assert_eq(f.dir[conn_idx(c, S)].end, c->isn[S] + 1001);
}

Test(handshake, three_way)
{
	conn_run_all_cfg(NULL, seq_handshake);
}

/* Options on both SYNs: MSS, SACK-permitted, timestamps, window scale 7. */
static void seq_options(struct conn *c)
{
	struct xdpct_flow f;
	int ci = conn_idx(c, C), si = conn_idx(c, S);

	conn_handshake(c, true);
	conn_flow(c, &f);
	cr_assert_eq(f.dir[ci].mss, 1460);
	cr_assert_eq(f.dir[si].wscale, 7);
	cr_assert_eq(f.dir[ci].flags & (XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS),
		     XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS);
	/* SYN windows are never scaled; the server's maxwin is its SYN-ACK's */
	cr_assert_eq(f.dir[si].maxwin, 65535);
	/* the client's ACK after the handshake is: 65535 << 7 */
	cr_assert_eq(f.dir[ci].maxwin, 65535u << 7);
	/* after the handshake windows are: 1000 << 7 */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1, .win = 1000, .st = { EST, EST });
	conn_flow(c, &f);
	cr_assert_eq(f.dir[si].ts_recent, 0x01020304);	/* its SYN-ACK's TSval */
	cr_assert_eq(f.dir[si].maxwin, 1000 << 7);
	/* 100000 bytes ahead: beyond 65535 but inside the scaled window */
	STEP(c, .who = C, .flags = PA, .seq = 1 + 100000, .ack = 1, .len = 10,
	     .st = { EST, EST });
}

Test(handshake, options_and_window_scale)
{
	conn_run_all_cfg(NULL, seq_options);
}

/* Retransmitted SYNs and SYN-ACKs: counted, no transition, entry unchanged. */
static void seq_retrans(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .cnt = { { N(SYN_RETRANS), 1 } }, .dt = 1000000000);
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .cnt = { { N(SYN_RETRANS), 1 } }, .dt = 2000000000);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	/* the SYN-ACK crossed a retransmitted SYN */
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, SRCVD },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	/* a late duplicate SYN-ACK once established */
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { EST, EST },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	/*
	 * the old SYN again, after ESTABLISHED: RFC 5961 4.2, ignored, counted
	 * invalid; the entry remembers it (a stale entry's next connection)
	 */
	STEP(c, .who = C, .flags = SYN, .st = { EST, EST }, .cnt = { { N(INV_STATE), 1 } },
	     .psyn = true);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10, .st = { EST, EST });
}

Test(handshake, syn_and_synack_retransmission)
{
	conn_run_all_cfg(NULL, seq_retrans);
}

/* Both sides send a bare SYN; each answers the other's with a SYN-ACK. */
static void seq_simopen(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SYN, .st = { SSENT, SSENT },
	     .ev = { { S, LISTEN, SSENT } }, .set_flags = XDPCT_F_SIMOPEN);
	/* the server's SYN retransmitted */
	STEP(c, .who = S, .flags = SYN, .st = { SSENT, SSENT },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	STEP(c, .who = C, .flags = SA, .seq = 0, .ack = 1, .st = { SRCVD, SSENT },
	     .ev = { { C, SSENT, SRCVD } });
	STEP(c, .who = S, .flags = SA, .seq = 0, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SRCVD, EST }, { S, SSENT, EST } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 20, .st = { EST, EST });
}

Test(handshake, simultaneous_open)
{
	conn_run_all_cfg(NULL, seq_simopen);
}

/* TCP Fast Open: data on the SYN, acknowledged by the SYN-ACK. */
static void seq_tfo(struct conn *c)
{
	struct xdpct_flow f;

	STEP(c, .who = C, .flags = SYN, .len = 100, .opts = true, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	conn_flow(c, &f);
	cr_assert_eq(f.dir[conn_idx(c, C)].end, c->isn[C] + 101);
	STEP(c, .who = S, .flags = SA, .ack = 101, .opts = true, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 101, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 101, .len = 500, .st = { EST, EST });
}

Test(handshake, fast_open_data_on_syn)
{
	conn_run_all_cfg(NULL, seq_tfo);
}

/* ECN negotiation: SYN with ECE|CWR, SYN-ACK with ECE; flags reach the events. */
static void seq_ecn(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN | TH_ECE | TH_CWR, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA | TH_ECE, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	STEP(c, .who = C, .flags = PA | TH_CWR, .seq = 1, .ack = 1, .len = 10,
	     .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK | TH_ECE, .seq = 1, .ack = 11, .st = { EST, EST });
}

Test(handshake, ecn_on_syn)
{
	conn_run_all_cfg(NULL, seq_ecn);
}

/* Handshake segments that do not fit: counted, entry unchanged. */
static void seq_bogus(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	/* the server ACKs without ever sending its SYN */
	STEP(c, .who = S, .flags = ACK, .seq = 0, .ack = 1, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } });
	/* a SYN-ACK that does not acknowledge the SYN */
	STEP(c, .who = S, .flags = SA, .ack = 5, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_SYNACK), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 0, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_SYNACK), 1 } });
	/* the client cannot SYN-ACK its own SYN */
	STEP(c, .who = C, .flags = SA, .ack = 1, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_SYNACK), 1 } });
	/*
	 * a second SYN with an ISN before the first while SYN_SENT: not a
	 * retry (nf_conntrack re-inits only when after(end, td_end)), invalid
	 */
	STEP(c, .who = C, .flags = SYN, .seq = -7777, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	/* a SYN-ACK with another ISN than the first */
	STEP(c, .who = S, .flags = SA, .seq = 99, .ack = 1, .st = { SSENT, SRCVD },
	     .cnt = { { N(INV_SYNACK), 1 } });
	/* an ACK that does not acknowledge the SYN-ACK leaves the handshake open */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 0, .st = { SSENT, SRCVD });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

Test(handshake, bogus_handshake_segments)
{
	conn_run_all_cfg(NULL, seq_bogus);
}

/* Drop option: invalid handshake segments are dropped only with drop_invalid. */
static void seq_bogus_drop(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 5, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_SYNACK), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = S, .flags = ACK, .ack = 1, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .cnt = { { N(SYN_RETRANS), 1 } });
}

Test(handshake, drop_invalid_option)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	conn_run_all_cfg(&cfg, seq_bogus_drop);
}

/* ---- SYN_SENT: a retry with a new ISN (nf_conntrack sSS -> sSS) ---------- */

/*
 * The client's SYN got no answer; it gives up and connects again from the
 * same port with a later ISN: its direction starts over
 * (tcp_in_window(): sender re-initialised when after(end, td_end)), and
 * the handshake that follows completes with no invalid segment.
 */
static void seq_syn_retry(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .opts = true, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	c->isn[C] += 1000000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .retry = true,
	     .dt = 3 * XDPCT_NSEC_PER_SEC);
	/* the old SYN, late: before the new ISN, invalid, nothing moves */
	STEP(c, .who = C, .flags = SYN, .seq = -1000000, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } }, .verdict = XDP_DROP);
	/* a SYN-ACK for the old ISN is no answer to the new one */
	STEP(c, .who = S, .flags = SA, .ack = -999999, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_SYNACK), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 20, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 21, .st = { EST, EST });
}

/*
 * The server answered, but its SYN-ACK was lost before the client: the
 * client retries with a new ISN.  The server's answer was to a SYN that is
 * gone: it is back in LISTEN (Linux drops the request when the client
 * RSTs its ACK of the new SYN) and answers the new SYN with a new ISN.
 */
static void seq_syn_retry_after_synack(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	c->isn[C] += 77777;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .retry = true,
	     .ev = { { S, SRCVD, LISTEN } });
	c->isn[S] += 123456;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
}

Test(handshake, syn_sent_retry_with_new_isn)
{
	conn_run_all_cfg(conn_drop_cfg(), seq_syn_retry);
	conn_run_all_cfg(NULL, seq_syn_retry_after_synack);
	conn_run_all_cfg(conn_drop_cfg(), seq_syn_retry_after_synack);
}

/* ---- a stale ESTABLISHED entry and the next connection (nf_conntrack) ---- */

/*
 * The connection died without our seeing its end (the client rebooted;
 * its RST was lost).  The client connects again from the same port: its
 * SYN is ignored (RFC 5961 4.2: a SYN moves nothing in a synchronized
 * state), counted invalid_state, but passed even with --drop-invalid; the
 * server, which has no connection, answers with a SYN-ACK acknowledging
 * exactly that SYN: the old connection is over, a new one starts on the
 * entry (generation + 1, reused).
 */
static void seq_stale_established(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 500, .st = { EST, EST });
	c->isn[C] += 0x40000000;
	STEP(c, .who = C, .flags = SYN, .opts = true, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true, .dt = 3600 * XDPCT_NSEC_PER_SEC);
	/* its retransmission, the same */
	STEP(c, .who = C, .flags = SYN, .opts = true, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	c->isn[S] += 0x12345678;
	STEP(c, .who = S, .flags = SA, .ack = 1, .opts = true, .st = { SSENT, SRCVD },
	     .ev = { { C, EST, SSENT }, { S, EST, LISTEN }, { S, LISTEN, SRCVD } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } }, .stale = true);
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	/* the windows were taken from the remembered SYN: scaled by 7 */
	STEP(c, .who = S, .flags = PA, .seq = 1 + 100000, .ack = 1, .len = 10,
	     .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
}

/*
 * The connection is alive: the server answers the SYN with a challenge
 * ACK (RFC 5961 4.2), which is valid and forgets the SYN; a SYN-ACK for
 * it afterwards (forged, or very late) is invalid and reopens nothing.
 */
static void seq_live_challenge_ack(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = SYN, .seq = 5000, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST });
	STEP(c, .who = S, .flags = SA, .seq = 777, .ack = 5001, .abs_seq = true,
	     .st = { EST, EST }, .cnt = { { N(INV_SYNACK), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10, .st = { EST, EST });
	/* a SYN-ACK from the SYN's own sender answers nothing */
	STEP(c, .who = C, .flags = SYN, .seq = 9000, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	STEP(c, .who = C, .flags = SA, .seq = 9000, .ack = 9001, .abs_ack = true,
	     .st = { EST, EST }, .cnt = { { N(INV_SYNACK), 1 } }, .verdict = XDP_DROP);
	/* a SYN-ACK acking another number than the SYN's reopens nothing */
	STEP(c, .who = C, .flags = SYN, .seq = 9000, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	STEP(c, .who = S, .flags = SA, .seq = 4, .ack = 9002, .st = { EST, EST },
	     .cnt = { { N(INV_SYNACK), 1 } }, .verdict = XDP_DROP);
}

/*
 * A blind injector who knows the 4-tuple forges both halves of that
 * evidence on a LIVE connection: a SYN "from the client", then a SYN-ACK
 * "from the server" acknowledging exactly it (nf_conntrack's rule in
 * tcp_packet(): last_index SYN, last_dir != dir, ack == last_end: it
 * resynchronises on the pair as well).  The pair alone cannot be told
 * from the real thing; the live endpoints then speak in the old sequence
 * space: the server's challenge ACK to the SYN (RFC 5961 4.2, <SEQ=SND.NXT>
 * <ACK=RCV.NXT>), the client's to the SYN-ACK (RFC 9293 3.10.7.4, "first
 * check sequence number": an unacceptable segment is answered with an
 * ACK).  The first such segment - its seq and ack both the old ends, odds
 * 2^-32 for a blind guess - takes the old connection back (stale_undone):
 * both ESTABLISHED, picked up midstream (liberal) at those ends, and it is
 * passed, as is all the old connection's traffic after it: nothing is
 * dropped even with --drop-invalid.
 */
static void seq_forged_pair_undone(struct conn *c)
{
	__u32 old_c, old_s;

	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 500, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 501, .len = 300, .st = { EST, EST });
	old_c = c->isn[C];
	old_s = c->isn[S];
	c->isn[C] += 0x40000000;
	STEP(c, .who = C, .flags = SYN, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	c->isn[S] += 0x12345678;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { C, EST, SSENT }, { S, EST, LISTEN }, { S, LISTEN, SRCVD } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } }, .stale = true);
	/* the real server's challenge ACK: its end, the client's end */
	STEP(c, .who = S, .flags = ACK, .seq = old_s + 301, .ack = old_c + 501,
	     .abs_seq = true, .abs_ack = true, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } },
	     .cnt = { { N(STALE_UNDONE), 1 } },
	     .set_flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL, .clr_flags = XDPCT_F_REUSED,
	     .nocheck_seq = true);
	{
		struct xdpct_flow f;

		conn_flow(c, &f);
		cr_assert(f.dir[conn_idx(c, S)].end == old_s + 301 &&
			  f.dir[conn_idx(c, C)].end == old_c + 501 && !f.old_ends && !f.pend,
			  "%s: the old connection's ends are back", c->name);
	}
	c->isn[C] = old_c;
	c->isn[S] = old_s;
	/* the old connection goes on: data both ways, then its close */
	STEP(c, .who = C, .flags = PA, .seq = 501, .ack = 301, .len = 100, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	STEP(c, .who = S, .flags = PA, .seq = 301, .ack = 601, .len = 10, .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 601, .ack = 311, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
}

/*
 * The same pair again, but the second half an RST "from the server"
 * acknowledging the forged SYN (what fsm_rst_answers_syn() takes as the
 * stack's answer to a SYN it has no connection for): the entry closes;
 * the old connection's next segment takes it back.
 */
static void seq_forged_rst_undone(struct conn *c)
{
	__u32 old_c, old_s;

	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 500, .st = { EST, EST });
	old_c = c->isn[C];
	old_s = c->isn[S];
	STEP(c, .who = C, .flags = SYN, .seq = 0x40000000, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true);
	STEP(c, .who = S, .flags = RA, .seq = 0, .abs_seq = true, .ack = old_c + 0x40000001,
	     .abs_ack = true, .st = { CLOSED, CLOSED },
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
	/* the real client's data: its end, the server's end */
	STEP(c, .who = C, .flags = PA, .seq = 501, .ack = 1, .len = 20, .st = { EST, EST },
	     .ev = { { C, CLOSED, EST }, { S, CLOSED, EST } },
	     .cnt = { { N(STALE_UNDONE), 1 } },
	     .set_flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL,
	     .clr_flags = XDPCT_F_RESET, .nocheck_seq = true);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 521, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	(void)old_s;
}

/*
 * The stale entry of seq_stale_established, but the server's stack
 * answers the client's new SYN with an RST (nothing listens there now):
 * RFC 9293 3.10.7.1, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.  That RST
 * acknowledges exactly the remembered SYN: the entry is stale and ends
 * (nf_conntrack tcp_packet(): "RST sent to invalid SYN we had let
 * through", window check skipped), so the client's next SYN from the same
 * port - a retry once the service is back - opens a clean connection.
 */
static void seq_stale_rst_answers_syn(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 500, .st = { EST, EST });
	c->isn[C] += 0x40000000;
	STEP(c, .who = C, .flags = SYN, .st = { EST, EST },
	     .cnt = { { N(INV_STATE), 1 } }, .psyn = true, .dt = 3600 * XDPCT_NSEC_PER_SEC);
	STEP(c, .who = S, .flags = RA, .seq = 0, .abs_seq = true, .ack = 1,
	     .st = { CLOSED, CLOSED }, .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
	c->isn[C] += 1000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, CLOSED, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	c->isn[S] += 0x777;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10, .st = { EST, EST });
}

Test(handshake, stale_entry_rst_answers_remembered_syn)
{
	conn_run_all_cfg(NULL, seq_stale_rst_answers_syn);
	conn_run_all_cfg(conn_drop_cfg(), seq_stale_rst_answers_syn);
}

Test(handshake, forged_syn_and_answer_taken_back)
{
	conn_run_all_cfg(NULL, seq_forged_pair_undone);
	conn_run_all_cfg(conn_drop_cfg(), seq_forged_pair_undone);
	conn_run_all_cfg(NULL, seq_forged_rst_undone);
	conn_run_all_cfg(conn_drop_cfg(), seq_forged_rst_undone);
}

Test(handshake, stale_established_entry_gives_way)
{
	conn_run_all_cfg(NULL, seq_stale_established);
	conn_run_all_cfg(conn_drop_cfg(), seq_stale_established);
	conn_run_all_cfg(conn_drop_cfg(), seq_live_challenge_ack);
}
