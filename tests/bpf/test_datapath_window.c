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
