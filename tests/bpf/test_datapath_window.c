// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Window checks (nf_conntrack's tcp_in_window() I-IV), through the real
 * datapath: a segment whose sequence or acknowledgement lies outside what
 * the peers announced is counted (invalid_seq / invalid_ack), moves no
 * state and changes nothing in the entry; cfg.drop_window drops it.
 * Without window scaling both sides announce 65535 here, so after the
 * handshake the client may send up to relative sequence 1 + 65535.
 */
#include <criterion/criterion.h>
#include "conn.h"

static int drop;	/* expected verdict for out-of-window segments */

static void seq_window(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	HANDSHAKE(c);
	/* I: starts beyond the receiver's window */
	STEP(c, .who = C, .flags = PA, .seq = 1 + 65536, .ack = 1, .len = 10,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* II: ends before anything the receiver could still accept */
	STEP(c, .who = C, .flags = PA, .seq = 1 - 70000, .ack = 1, .len = 10,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* III: acks data the server never sent */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 2, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	/* IV: acks too far back */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1 - 66001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	/* ... but an old ack inside the bound is fine, and does not move ack back */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1 - 66000, .st = { EST, EST });
	/* an out-of-window FIN moves no state */
	STEP(c, .who = C, .flags = FA, .seq = 1 + 70000, .ack = 1, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 5, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	/* data and a retransmission of it */
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101, .st = { EST, EST });
	/* the last byte the window allows: 101 + 65535 - 1 */
	STEP(c, .who = C, .flags = PA, .seq = 101 + 65535 - 1, .ack = 1, .len = 1,
	     .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 101 + 65535, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	/* an ack beyond the FIN does not finish it */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101 + 65535 + 2, .st = { FW1, CW },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101 + 65535 + 1, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
}

Test(window, out_of_window_counted)
{
	drop = 0;
	conn_run_all_cfg(NULL, seq_window);
}

Test(window, out_of_window_dropped)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_window = 1;
	drop = 1;
	conn_run_all_cfg(&cfg, seq_window);
}

/* drop_invalid alone does not drop window failures */
Test(window, drop_invalid_keeps_window_failures)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	drop = 0;
	conn_run_all_cfg(&cfg, seq_window);
}

/* The server's window grows with its ACKs: the client may send further. */
static void seq_window_grows(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1 + 65536, .ack = 1, .len = 10,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } });
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1001, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 1 + 65536, .ack = 1, .len = 10,
	     .st = { EST, EST });
}

Test(window, window_moves_with_acks)
{
	conn_run_all_cfg(NULL, seq_window_grows);
}

/*
 * Issue 11 rule 6, check I on the data's end.  The server offers a
 * 1000-byte window; the client sends contiguous segments, each
 * starting where the last ended.  Under nf_conntrack's test of the start
 * alone (before(seq, td_maxend + 1)) the segment that crosses the edge is
 * accepted, the sender's maxend follows its end, and every later segment
 * then "fits": data keeps flowing past the advertised window unseen.
 * Here the crossing segment is refused (invalid_seq), maxend stays where
 * the receiver put it, so the next contiguous one is refused too; the
 * window's last byte and a FIN right after it (RFC 9293 3.4: a FIN takes
 * the sequence number after the data) are accepted, and a one-byte probe
 * into a zero window (RFC 9293 3.8.6.1) fits the one byte nf_conntrack's
 * td_maxend leaves past a zero window.
 */
/* The handshake, the server's SYN-ACK offering a 1000-byte window (never scaled: RFC 7323 2.2). */
static void handshake_small_window(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .win = 1000, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

static void seq_contiguous_overrun(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	/* the server's window: the client may send 1..1000 */
	handshake_small_window(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 600, .st = { EST, EST });
	/* 601..1100 crosses the edge at 1001: refused */
	STEP(c, .who = C, .flags = PA, .seq = 601, .ack = 1, .len = 500, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* and so is the contiguous one after it: the edge did not move */
	STEP(c, .who = C, .flags = PA, .seq = 1101, .ack = 1, .len = 500, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* up to the last byte the window allows: accepted */
	STEP(c, .who = C, .flags = PA, .seq = 601, .ack = 1, .len = 400, .st = { EST, EST });
	/* a FIN right after the window's last byte */
	STEP(c, .who = C, .flags = FA, .seq = 1001, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
}

Test(window, contiguous_overrun_counted)
{
	drop = 0;
	conn_run_all_cfg(NULL, seq_contiguous_overrun);
}

Test(window, contiguous_overrun_dropped)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_window = 1;
	drop = 1;
	conn_run_all_cfg(&cfg, seq_contiguous_overrun);
}

/* A zero window: a one-byte probe at the edge fits; two bytes do not. */
static void seq_zero_window_probe(struct conn *c)
{
	handshake_small_window(c);
	/* the client fills the window; the server acks it all with window 0 */
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1001, .zero_win = true, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 1001, .ack = 1, .len = 2, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } });
	STEP(c, .who = C, .flags = PA, .seq = 1001, .ack = 1, .len = 1, .st = { EST, EST });
}

Test(window, zero_window_probe)
{
	conn_run_all_cfg(NULL, seq_zero_window_probe);
}

/* ---- gaps: segments the tracker missed, and resynchronising (issue 11, rule 9) ---- */

/*
 * The tracker missed the client's bytes 1001..100000 and the server's
 * ACKs of them (capture loss, asymmetric routing, an unparsable packet).
 * The server's next ACK acknowledges beyond all the client was seen to
 * send: refused (III), remembered.  The client then sends from exactly
 * there, its ack fitting the server's direction: both endpoints agree on
 * what we missed, so the client's direction takes it (resync) and
 * tracking goes on; the close after the gap is tracked.
 */
static void seq_gap_resync(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1001, .st = { EST, EST });
	/* missed: client 1001..100001 */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 100001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 100001, .ack = 1, .len = 1000, .st = { EST, EST },
	     .cnt = { { N(RESYNC), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101001, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 101001, .len = 10, .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 101001, .ack = 11, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 11, .ack = 101002, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 101002, .ack = 12, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}



/*
 * Bulk data in flight: the client's first segment seen after the server's
 * ACK is well past it (sent before that ACK arrived), inside the window
 * the ACK opened: that is continuing from there too.
 */
static void seq_gap_in_flight(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	HANDSHAKE(c);
	/* missed: client 1..200001; the first segment seen is beyond the window */
	STEP(c, .who = C, .flags = PA, .seq = 240001, .ack = 1, .len = 1000, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 200001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 241001, .ack = 1, .len = 1000, .st = { EST, EST },
	     .cnt = { { N(RESYNC), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 242001, .st = { EST, EST });
}

/* The same with the client's FIN right after the gap (a pure FIN from there). */
static void seq_gap_then_fin(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	HANDSHAKE(c);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 300001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = FA, .seq = 300001, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } }, .cnt = { { N(RESYNC), 1 } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 300002, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 300002, .ack = 2, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

/*
 * No hole for blind injection (RFC 5961): what one forged segment, or two
 * that do not both fit the connection, can do is nothing.
 */
static void seq_gap_blind(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	HANDSHAKE(c);
	/* one segment alone beyond the window: refused, moves nothing */
	STEP(c, .who = C, .flags = PA, .seq = 500001, .ack = 1, .len = 100, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 500001, .ack = 1, .len = 100, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* an ACK beyond whose own seq does not fit the server's window: not evidence */
	STEP(c, .who = S, .flags = ACK, .seq = 1 + 900000, .ack = 500001, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 500001, .ack = 1, .len = 100, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* evidence, but the client's segment is outside the window it opened */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 500001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 500001 + 65536, .ack = 1, .len = 100,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = PA, .seq = 500001 - 70000, .ack = 1, .len = 100,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* ... or does, but acknowledges what the server never sent */
	STEP(c, .who = C, .flags = PA, .seq = 500001, .ack = 70000, .len = 100,
	     .st = { EST, EST }, .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* a valid segment in between forgets the evidence */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 500001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 500001, .ack = 1, .len = 100, .st = { EST, EST },
	     .cnt = { { N(INV_SEQ), 1 } }, .verdict = v);
	/* and the connection still works */
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 101, .st = { EST, EST });
}

Test(window, gap_resynchronised)
{
	drop = 0;
	conn_run_all_cfg(NULL, seq_gap_resync);
	conn_run_all_cfg(NULL, seq_gap_in_flight);
	conn_run_all_cfg(NULL, seq_gap_then_fin);
	conn_run_all_cfg(NULL, seq_gap_blind);
}

Test(window, gap_resynchronised_drop)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	cfg.drop_window = 1;
	drop = 1;
	conn_run_all_cfg(&cfg, seq_gap_resync);
	conn_run_all_cfg(&cfg, seq_gap_in_flight);
	conn_run_all_cfg(&cfg, seq_gap_then_fin);
	conn_run_all_cfg(&cfg, seq_gap_blind);
}

/*
 * Rule 6, SACK in the ack checks as nf_conntrack makes them (tcp_sack() in
 * nf_conntrack_proto_tcp.c: with SACK permitted, checks III and IV take
 * the highest SACK right edge when it is beyond the ack).  The server
 * sends three segments, the tracker sees them all, the second is lost
 * after it: the client acks the first and SACKs the third (RFC 2018 4,
 * "the data receiver ... SHOULD send an ACK ... with a SACK option"),
 * valid - no counter, no resync - with and without timestamps (the SACK
 * then follows NOP, NOP, TS: 24 option bytes).  A SACK edge beyond all
 * the server sent is an ack of data never sent: invalid_ack (III), even
 * though the cumulative ack is fine.  Without SACK permitted by the
 * server's SYN (RFC 2018 2: the client may not send SACK then), the
 * blocks are not read, as nf_conntrack does.
 */
static void seq_sack(struct conn *c)
{
	int v = drop ? XDP_DROP : XDP_PASS;

	conn_handshake(c, true);	/* both SYNs: SACK-permitted, wscale 7 */
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 1001, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = PA, .seq = 2001, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1001, .sack = true,
	     .sack_l = 2001, .sack_r = 3001, .st = { EST, EST });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1001, .sack = true, .ts = 77,
	     .sack_l = 2001, .sack_r = 3001, .st = { EST, EST });
	/* past what the server sent: refused, moves nothing */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1001, .sack = true,
	     .sack_l = 2001, .sack_r = 3002, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1001, .sack = true, .ts = 78,
	     .sack_l = 3001, .sack_r = 9001, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } }, .verdict = v);
	/* the hole filled: the cumulative ack catches up */
	STEP(c, .who = S, .flags = PA, .seq = 1001, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 3001, .st = { EST, EST });
}

static void seq_sack_not_permitted(struct conn *c)
{
	HANDSHAKE(c);		/* no options: SACK not permitted */
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	/* a block past all the server sent is not read: the ack decides */
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1001, .sack = true,
	     .sack_l = 2001, .sack_r = 3001, .st = { EST, EST });
}

Test(window, sack_in_the_ack_checks)
{
	drop = 0;
	conn_run_all_cfg(NULL, seq_sack);
	conn_run_all_cfg(NULL, seq_sack_not_permitted);
	drop = 1;
	conn_run_all_cfg(conn_drop_cfg(), seq_sack);
	conn_run_all_cfg(conn_drop_cfg(), seq_sack_not_permitted);
}
