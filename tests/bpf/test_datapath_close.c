// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Closing a connection, through the real datapath: four-way close from
 * either side, FIN with data, half-close, FIN retransmissions, simultaneous
 * close (CLOSING), TIME_WAIT ending after 2*MSL (lazily on the next packet
 * and by the sweep), and a new SYN reopening a TIME_WAIT/CLOSED entry.
 * Every sequence runs in every variant of conn.c.
 */
#include <criterion/criterion.h>
#include "conn.h"

/* client closes first; ends in TIME_WAIT / CLOSED */
static void close_client_first(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 101, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 102, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 102, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

static void seq_close_client_first(struct conn *c)
{
	close_client_first(c);
	/* a duplicate ACK in TIME_WAIT changes nothing */
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, CLOSED });
}

Test(close, client_closes_first)
{
	conn_run_all_cfg(NULL, seq_close_client_first);
}

static void seq_close_server_first(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 101, .st = { CW, FW1 },
	     .ev = { { S, EST, FW1 }, { C, EST, CW } });
	STEP(c, .who = C, .flags = ACK, .seq = 101, .ack = 2, .st = { CW, FW2 },
	     .ev = { { S, FW1, FW2 } });
	STEP(c, .who = C, .flags = FA, .seq = 101, .ack = 2, .st = { LA, TW },
	     .ev = { { C, CW, LA }, { S, FW2, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 102, .st = { CLOSED, TW },
	     .ev = { { C, LA, CLOSED } });
}

Test(close, server_closes_first)
{
	conn_run_all_cfg(NULL, seq_close_server_first);
}

/* FIN on a data segment: fin_seq is after the data; acking only the data is not enough */
static void seq_fin_with_data(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA | PSH, .seq = 1, .ack = 1, .len = 50, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 51, .st = { FW1, CW });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 52, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(c, .who = S, .flags = FA | PSH, .seq = 1, .ack = 52, .len = 30, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 52, .ack = 31, .st = { TW, LA });
	STEP(c, .who = C, .flags = ACK, .seq = 52, .ack = 32, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

Test(close, fin_carrying_data)
{
	conn_run_all_cfg(NULL, seq_fin_with_data);
}

/* Half-close: the side that has not sent FIN keeps sending data. */
static void seq_half_close(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 2, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 2, .len = 1000, .st = { FW2, CW });
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 1001, .st = { FW2, CW });
	STEP(c, .who = S, .flags = PA, .seq = 1001, .ack = 2, .len = 1000, .st = { FW2, CW });
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2001, .st = { FW2, CW });
	/* no new data from the side that closed: invalid, nothing changes */
	STEP(c, .who = C, .flags = PA, .seq = 2, .ack = 2001, .len = 10, .st = { FW2, CW },
	     .cnt = { { N(INV_STATE), 1 } });
	STEP(c, .who = S, .flags = FA, .seq = 2001, .ack = 2, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2002, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

Test(close, half_close_data_after_fin)
{
	conn_run_all_cfg(NULL, seq_half_close);
}

/* FIN retransmissions in every closing state: counted, no transition. */
static void seq_fin_retrans(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .cnt = { { N(FIN_RETRANS), 1 } }, .dt = 200000000);
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 2, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW2, CW },
	     .cnt = { { N(FIN_RETRANS), 1 } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	/* the FIN again reaches the client in TIME_WAIT: its 2*MSL restarts */
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .cnt = { { N(FIN_RETRANS), 1 } }, .restart = 1 << C, .dt = 200000000);
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
	/*
	 * the last ACK was lost on its way: the server sends its FIN again,
	 * which restarts the client's 2*MSL (RFC 9293 3.10.7.4 TIME-WAIT);
	 * the client's re-ACK is valid
	 */
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, CLOSED },
	     .cnt = { { N(FIN_RETRANS), 1 } }, .restart = 1 << C, .dt = 400000000);
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, CLOSED });
}

Test(close, fin_retransmission)
{
	conn_run_all_cfg(NULL, seq_fin_retrans);
}

/*
 * Simultaneous close, RFC 9293 figure 13: the second FIN does not ack the
 * first, so its sender closed before the first FIN reached it.  Each end
 * goes FIN_WAIT_1 -> CLOSING -> TIME_WAIT as its FIN is acknowledged
 * (the second FIN's sender, taken for CLOSE_WAIT until its FIN showed
 * otherwise, is corrected to FIN_WAIT_1 first).  Nobody is ever LAST_ACK.
 */
static void seq_simclose(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1, .st = { CLOSING, CLOSING },
	     .ev = { { S, CW, FW1 }, { S, FW1, CLOSING }, { C, FW1, CLOSING } });
	/* the client acks the server's FIN first */
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2, .st = { CLOSING, TW },
	     .ev = { { S, CLOSING, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, TW },
	     .ev = { { C, CLOSING, TW } });
	/* a FIN retransmitted into TIME_WAIT restarts that end's 2*MSL */
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 2, .st = { TW, TW },
	     .cnt = { { N(FIN_RETRANS), 1 } }, .restart = 1 << S);
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, TW });
}

static void seq_simclose2(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1, .st = { CW, FW1 },
	     .ev = { { S, EST, FW1 }, { C, EST, CW } });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { CLOSING, CLOSING },
	     .ev = { { C, CW, FW1 }, { C, FW1, CLOSING }, { S, FW1, CLOSING } });
	/* the ack of the first FIN first this time */
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2, .st = { CLOSING, TW },
	     .ev = { { S, CLOSING, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, TW },
	     .ev = { { C, CLOSING, TW } });
}

/*
 * Both TIME_WAIT: 2*MSL after the later one entered it, both CLOSED
 * (sweep).  One state time per flow (issue 14): the server entered
 * TIME_WAIT 1 ms before the client, and 2*MSL runs from the client's
 * entry, the flow's last state change (it ran from the server's before).
 */
static void seq_simclose_expires(struct conn *c)
{
	const struct ev_exp done[] = { { C, TW, CLOSED }, { S, TW, CLOSED } };

	seq_simclose2(c);
	conn_sweep(c, 60 * XDPCT_NSEC_PER_SEC - 1000000, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1000000, done, 2, 0, __LINE__);
}

/* With data in flight on both sides: each FIN counts after its data. */
static void seq_simclose_data(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA | PSH, .seq = 1, .ack = 1, .len = 100, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA | PSH, .seq = 1, .ack = 1, .len = 50,
	     .st = { CLOSING, CLOSING },
	     .ev = { { S, CW, FW1 }, { S, FW1, CLOSING }, { C, FW1, CLOSING } });
	/* acking the data alone moves nothing */
	STEP(c, .who = S, .flags = ACK, .seq = 52, .ack = 101, .st = { CLOSING, CLOSING });
	STEP(c, .who = S, .flags = ACK, .seq = 52, .ack = 102, .st = { TW, CLOSING },
	     .ev = { { C, CLOSING, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 52, .st = { TW, TW },
	     .ev = { { S, CLOSING, TW } });
}

Test(close, simultaneous_close)
{
	conn_run_all_cfg(NULL, seq_simclose);
	conn_run_all_cfg(NULL, seq_simclose2);
	conn_run_all_cfg(NULL, seq_simclose_data);
	conn_run_all_cfg(NULL, seq_simclose_expires);
}

/* The second FIN acks the first at once: FIN_WAIT_2 and TIME_WAIT in one packet. */
static void seq_fin_acks_fin(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 2, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } });
}

Test(close, fin_acking_fin)
{
	conn_run_all_cfg(NULL, seq_fin_acks_fin);
}

/* The ACK that completes the handshake carries a FIN. */
static void seq_fin_on_handshake_ack(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST }, { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
}

Test(close, fin_on_the_handshake_ack)
{
	conn_run_all_cfg(NULL, seq_fin_on_handshake_ack);
}

/*
 * TIME_WAIT ends 2*MSL (cfg.time_wait_ns) after it began: here on the next
 * packet.  That late ACK finds the connection over (invalid_state) but its
 * arrival is what closes it.
 */
static void seq_tw_lazy(struct conn *c)
{
	close_client_first(c);
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, CLOSED },
	     .dt = 59 * XDPCT_NSEC_PER_SEC);
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { CLOSED, CLOSED },
	     .ev = { { C, TW, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 }, { N(INV_STATE), 1 } }, .keep = -1,
	     .dt = 1 * XDPCT_NSEC_PER_SEC);
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 102, .st = { CLOSED, CLOSED },
	     .cnt = { { N(INV_STATE), 1 } });
	/* an RST has nothing left to reset */
	STEP(c, .who = S, .flags = RST, .seq = 2, .st = { CLOSED, CLOSED }, .keep = 1);
}

Test(close, time_wait_ends_on_next_packet)
{
	conn_run_all_cfg(NULL, seq_tw_lazy);
}

/* The same, by the expiry sweep; the CLOSED entry goes close_ns later. */
static void seq_tw_sweep(struct conn *c)
{
	const struct ev_exp tw_done[] = { { C, TW, CLOSED } };

	close_client_first(c);
	conn_sweep(c, 30 * XDPCT_NSEC_PER_SEC, NULL, 0, 0, __LINE__);
	conn_sweep(c, 30 * XDPCT_NSEC_PER_SEC - 3000000, NULL, 0, 0, __LINE__);
	conn_sweep(c, 3000000, tw_done, 1, 0, __LINE__);
	conn_sweep(c, 9 * XDPCT_NSEC_PER_SEC, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1 * XDPCT_NSEC_PER_SEC, NULL, 0, XDPCT_EXP_CLOSED, __LINE__);
}

Test(close, time_wait_ends_by_sweep)
{
	conn_run_all_cfg(NULL, seq_tw_sweep);
}

/* Shorter TIME_WAIT from the configuration. */
Test(close, time_wait_configurable)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.time_wait_ns = 2 * XDPCT_NSEC_PER_SEC;
	conn_run_all_cfg(&cfg, close_client_first);
	/*
	 * 2 s after the flow's last state change the next packet closes it:
	 * one state time per flow (issue 14), so that is the server's CLOSED,
	 * 1 ms after the client's TIME_WAIT began (it ran from that before)
	 */
	{
		static struct harness h;
		struct conn c;

		cr_assert(!h_open(&h, &cfg, 0));
		conn_init(&c, &h, &conn_variants[0], 0);
		close_client_first(&c);
		STEP(&c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, CLOSED },
		     .dt = 2 * XDPCT_NSEC_PER_SEC - 1);
		STEP(&c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { CLOSED, CLOSED },
		     .ev = { { C, TW, CLOSED } },
		     .cnt = { { N(FLOWS_CLOSED), 1 }, { N(INV_STATE), 1 } }, .keep = -1);
		h_close(&h);
	}
}

/* A new SYN (new ISN) on a TIME_WAIT entry starts generation 1 of it. */
static void seq_reopen_tw(struct conn *c)
{
	close_client_first(c);
	/* the old SYN again is a retransmission, not a new connection */
	STEP(c, .who = C, .flags = SYN, .st = { TW, CLOSED }, .cnt = { { N(SYN_RETRANS), 1 } });
	c->isn[C] += 100000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, TW, SSENT }, { S, CLOSED, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	c->isn[S] += 777777;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	/* and it closes like any other */
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1, .st = { CW, FW1 },
	     .ev = { { S, EST, FW1 }, { C, EST, CW } });
}

Test(close, syn_reopens_time_wait)
{
	conn_run_all_cfg(NULL, seq_reopen_tw);
}

/* ... and on a CLOSED one (after TIME_WAIT ran out). */
static void seq_reopen_closed(struct conn *c)
{
	close_client_first(c);
	c->isn[C] += 5;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, TW, CLOSED }, { C, CLOSED, SSENT }, { S, CLOSED, LISTEN } },
	     .cnt = { { N(FLOWS_CLOSED), 1 }, { N(FLOWS_REOPENED), 1 } },
	     .dt = 61 * XDPCT_NSEC_PER_SEC);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

Test(close, syn_reopens_closed)
{
	conn_run_all_cfg(NULL, seq_reopen_closed);
}

/* The former server opens the next connection: roles swap. */
static void seq_reopen_by_server(struct conn *c)
{
	close_client_first(c);
	conn_swap_roles(c);
	c->isn[C] += 31337;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, TW, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

Test(close, former_server_reopens)
{
	conn_run_all_cfg(NULL, seq_reopen_by_server);
}

/*
 * A Fast Open server answers and closes before the handshake is over: its
 * FIN leaves SYN_RCVD for FIN_WAIT_1.  When the client's ACK (of the
 * SYN-ACK, the data and the FIN) completes the handshake, the client has
 * received that FIN: it is in CLOSE_WAIT, and its own FIN is a LAST_ACK.
 */
static void seq_tfo_server_closes(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .len = 100, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 101, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = S, .flags = FA | PSH, .seq = 1, .ack = 101, .len = 50,
	     .st = { SSENT, FW1 }, .ev = { { S, SRCVD, FW1 } });
	STEP(c, .who = C, .flags = ACK, .seq = 101, .ack = 52, .st = { CW, FW2 },
	     .ev = { { S, FW1, FW2 }, { C, SSENT, CW } });
	STEP(c, .who = C, .flags = FA, .seq = 101, .ack = 52, .st = { LA, TW },
	     .ev = { { C, CW, LA }, { S, FW2, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 52, .ack = 102, .st = { CLOSED, TW },
	     .ev = { { C, LA, CLOSED } });
}

/* The same when the client's FIN rides on that ACK: four transitions at once. */
static void seq_tfo_both_close(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .len = 100, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 101, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = S, .flags = FA | PSH, .seq = 1, .ack = 101, .len = 50,
	     .st = { SSENT, FW1 }, .ev = { { S, SRCVD, FW1 } });
	STEP(c, .who = C, .flags = FA, .seq = 101, .ack = 52, .st = { LA, TW },
	     .ev = { { S, FW1, FW2 }, { C, SSENT, CW }, { C, CW, LA }, { S, FW2, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 52, .ack = 102, .st = { CLOSED, TW },
	     .ev = { { C, LA, CLOSED } });
}

Test(close, server_closes_during_handshake)
{
	conn_run_all_cfg(NULL, seq_tfo_server_closes);
	conn_run_all_cfg(NULL, seq_tfo_both_close);
}

/* ---- a SYN reaching a TIME_WAIT end (RFC 6191, tcp_timewait_state_process) ---- */

/*
 * The server closed first and sits in TIME_WAIT; the client connects again
 * from the same port with an ISN below what the server received (its
 * RCV.NXT, client seq 102): Linux takes it for an old duplicate
 * (tcp_timewait_state_process(): !after(seq, tw_rcv_nxt), no timestamps)
 * and answers with the old connection's ACK.  Nothing reopens; that ACK is
 * valid; the client's RST at it (RFC 9293 3.10.7.1: seq = SEG.ACK) ends
 * TIME_WAIT exactly; the SYN retransmitted then opens the connection.
 */
static void seq_tw_old_duplicate(struct conn *c)
{
	seq_close_server_first(c);
	STEP(c, .who = C, .flags = SYN, .seq = -1000, .st = { CLOSED, TW }, .keep = 1,
	     .cnt = { { N(SYN_TW_DUP), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 102, .st = { CLOSED, TW });
	STEP(c, .who = C, .flags = RST, .seq = 102, .st = { CLOSED, CLOSED },
	     .ev = { { S, TW, CLOSED } }, .cnt = { { N(FLOWS_CLOSED), 1 } },
	     .set_flags = XDPCT_F_RESET);
	c->isn[C] -= 1000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, CLOSED, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	c->isn[S] += 999;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

/* An ISN after the TIME_WAIT end's RCV.NXT: a new connection at once. */
static void seq_tw_syn_after(struct conn *c)
{
	seq_close_server_first(c);
	c->isn[C] += 102;	/* exactly RCV.NXT: not after it */
	STEP(c, .who = C, .flags = SYN, .st = { CLOSED, TW }, .keep = 1,
	     .cnt = { { N(SYN_TW_DUP), 1 } });
	c->isn[C] += 1;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, TW, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	c->isn[S] += 64000;
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

/*
 * (Each old duplicate is counted syn_tw_old_dup: passed, no reopen.)
 *
 * RFC 6191 section 2: with timestamps on both ends, a SYN whose TSval is
 * newer than the last one the TIME_WAIT end saw is accepted whatever its
 * ISN; an older TSval with an old ISN is a duplicate.
 */
static void seq_tw_syn_timestamps(struct conn *c)
{
	conn_handshake(c, true);	/* both SYNs: TS, TSval 0x01020304 */
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .ts = 0x01020400,
	     .st = { EST, EST });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 101, .ts = 0x01020304,
	     .st = { CW, FW1 }, .ev = { { S, EST, FW1 }, { C, EST, CW } });
	STEP(c, .who = C, .flags = FA, .seq = 101, .ack = 2, .ts = 0x01020500,
	     .st = { LA, TW }, .ev = { { S, FW1, FW2 }, { C, CW, LA }, { S, FW2, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 2, .ack = 102, .st = { CLOSED, TW },
	     .ev = { { C, LA, CLOSED } });
	c->isn[C] -= 50000;	/* before RCV.NXT */
	/* TSval older than the client's last (0x01020500): an old duplicate */
	STEP(c, .who = C, .flags = SYN, .opts = true, .ts = 0x010204ff,
	     .st = { CLOSED, TW }, .keep = 1, .cnt = { { N(SYN_TW_DUP), 1 } });
	/* the same TSval is not newer either */
	STEP(c, .who = C, .flags = SYN, .opts = true, .ts = 0x01020500,
	     .st = { CLOSED, TW }, .keep = 1, .cnt = { { N(SYN_TW_DUP), 1 } });
	STEP(c, .who = C, .flags = SYN, .opts = true, .ts = 0x01020501,
	     .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, TW, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } });
	c->isn[S] += 3;
	STEP(c, .who = S, .flags = SA, .ack = 1, .opts = true, .ts = 0x7000,
	     .st = { SSENT, SRCVD }, .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .ts = 0x01020502,
	     .st = { EST, EST }, .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

Test(close, syn_on_time_wait_follows_rfc6191)
{
	conn_run_all_cfg(NULL, seq_tw_old_duplicate);
	conn_run_all_cfg(conn_drop_cfg(), seq_tw_old_duplicate);
	conn_run_all_cfg(NULL, seq_tw_syn_after);
	conn_run_all_cfg(conn_drop_cfg(), seq_tw_syn_after);
	conn_run_all_cfg(NULL, seq_tw_syn_timestamps);
	conn_run_all_cfg(conn_drop_cfg(), seq_tw_syn_timestamps);
}

/*
 * RFC 9293 3.10.7.4 TIME-WAIT: a retransmitted FIN restarts the 2*MSL
 * timeout (Linux: inet_twsk_reschedule()): the sweep closes the entry
 * 2*MSL after the last FIN, not after TIME_WAIT began.
 */
static void seq_tw_fin_restarts(struct conn *c)
{
	const struct ev_exp done[] = { { C, TW, CLOSED } };

	close_client_first(c);
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 102, .st = { TW, CLOSED },
	     .cnt = { { N(FIN_RETRANS), 1 } }, .restart = 1 << C,
	     .dt = 30 * XDPCT_NSEC_PER_SEC);
	STEP(c, .who = C, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, CLOSED });
	/* 60 s after TIME_WAIT began: kept */
	conn_sweep(c, 30 * XDPCT_NSEC_PER_SEC, NULL, 0, 0, __LINE__);
	conn_sweep(c, 30 * XDPCT_NSEC_PER_SEC - 1000000 - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, done, 1, 0, __LINE__);
}

Test(close, fin_into_time_wait_restarts_2msl)
{
	conn_run_all_cfg(NULL, seq_tw_fin_restarts);
	conn_run_all_cfg(conn_drop_cfg(), seq_tw_fin_restarts);
}

Test(close, simultaneous_close_with_drop_switches)
{
	conn_run_all_cfg(conn_drop_cfg(), seq_simclose);
	conn_run_all_cfg(conn_drop_cfg(), seq_simclose_data);
}

/*
 * Simultaneous close with the second FIN behind data (RFC 9293 figure 13;
 * 3.10.7.4 "eighth, check the FIN bit", FIN-WAIT-1: "If our FIN has been
 * ACKed ... enter TIME-WAIT ...; otherwise, enter the CLOSING state"):
 * the server sends data after the client's FIN left, then its FIN, none
 * of it acknowledging the client's FIN (the later ones ack the client's
 * data only).  The server closed before the client's FIN reached it: it
 * goes FIN_WAIT_1 -> CLOSING -> TIME_WAIT, never LAST_ACK; so does the
 * client.  With window scaling and --drop-invalid too.
 */
static void seq_simclose_fin_behind_data(struct conn *c)
{
	conn_handshake(c, true);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 1001, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 50, .st = { FW1, CW });
	STEP(c, .who = S, .flags = PA, .seq = 51, .ack = 1001, .len = 50, .st = { FW1, CW });
	STEP(c, .who = S, .flags = FA, .seq = 101, .ack = 1001, .st = { CLOSING, CLOSING },
	     .ev = { { S, CW, FW1 }, { S, FW1, CLOSING }, { C, FW1, CLOSING } });
	STEP(c, .who = C, .flags = ACK, .seq = 1002, .ack = 102, .st = { CLOSING, TW },
	     .ev = { { S, CLOSING, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 102, .ack = 1002, .st = { TW, TW },
	     .ev = { { C, CLOSING, TW } });
}

/* The same with the FIN riding on the server's last data segment. */
static void seq_simclose_fin_on_data(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 50, .st = { FW1, CW });
	STEP(c, .who = S, .flags = FA | PSH, .seq = 51, .ack = 1, .len = 50,
	     .st = { CLOSING, CLOSING },
	     .ev = { { S, CW, FW1 }, { S, FW1, CLOSING }, { C, FW1, CLOSING } });
	STEP(c, .who = C, .flags = ACK, .seq = 2, .ack = 102, .st = { CLOSING, TW },
	     .ev = { { S, CLOSING, TW } });
	STEP(c, .who = S, .flags = ACK, .seq = 102, .ack = 2, .st = { TW, TW },
	     .ev = { { C, CLOSING, TW } });
}

Test(close, simultaneous_close_second_fin_behind_data)
{
	conn_run_all_cfg(NULL, seq_simclose_fin_behind_data);
	conn_run_all_cfg(conn_drop_cfg(), seq_simclose_fin_behind_data);
	conn_run_all_cfg(NULL, seq_simclose_fin_on_data);
	conn_run_all_cfg(conn_drop_cfg(), seq_simclose_fin_on_data);
}
