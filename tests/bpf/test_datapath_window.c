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
