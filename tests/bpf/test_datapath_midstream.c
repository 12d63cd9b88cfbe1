// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connections already running when the datapath starts (first segment is
 * not a SYN): picked up as ESTABLISHED with the midstream flag, windows
 * unknown (liberal); cfg.no_midstream switches that off.  Every sequence
 * in every variant.
 */
#include <criterion/criterion.h>
#include "conn.h"

#define PICKED .set_flags = XDPCT_F_MIDSTREAM | XDPCT_F_LIBERAL

/* First seen: a client data segment. */
static void seq_mid_client(struct conn *c)
{
	struct xdpct_flow f;
	int si = conn_idx(c, S);

	STEP(c, .who = C, .flags = PA, .seq = 5000, .ack = 7000, .len = 100,
	     .st = { EST, EST }, .ev = { { C, NONE, EST }, { S, NONE, EST } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	conn_flow(c, &f);
	/* what the client's ack says about the server */
	cr_assert_eq(f.dir[si].end, c->isn[S] + 7000);
	cr_assert_eq(f.dir[si].isn, c->isn[S] + 6999);
	cr_assert_eq(f.dir[si].flags, XDPCT_D_SYN | XDPCT_D_SYN_ACKED);
	cr_assert_eq(xdpct_flow_syn_ns(&f), 0);
	STEP(c, .who = S, .flags = ACK, .seq = 7000, .ack = 5100, .st = { EST, EST });
	/* liberal: no window is known, so no segment is out of it */
	STEP(c, .who = S, .flags = PA, .seq = 7000 + 5000000, .ack = 5100, .len = 10,
	     .st = { EST, EST });
	STEP(c, .who = C, .flags = FA, .seq = 5100, .ack = 7000, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 7000 + 5000010, .ack = 5101, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = ACK, .seq = 5101, .ack = 7000 + 5000011,
	     .st = { TW, CLOSED }, .ev = { { S, LA, CLOSED } });
}

Test(midstream, client_segment_first)
{
	conn_run_all_cfg(NULL, seq_mid_client);
}

/* First seen: the server's ACK.  The higher (ephemeral) port is the client. */
static void seq_mid_server(struct conn *c)
{
	STEP(c, .who = S, .flags = ACK, .seq = 100, .ack = 200, .st = { EST, EST },
	     .ev = { { C, NONE, EST }, { S, NONE, EST } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	STEP(c, .who = C, .flags = PA, .seq = 200, .ack = 100, .len = 10, .st = { EST, EST });
	/* liberal windows, but RFC 5961 still wants the RST at RCV.NXT */
	STEP(c, .who = S, .flags = RST, .seq = 99999, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 100, .st = { CLOSED, CLOSED },
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
}

Test(midstream, server_segment_first)
{
	conn_run_all_cfg(NULL, seq_mid_server);
}

/* First seen: a FIN.  Picked up ESTABLISHED, then closing at once. */
static void seq_mid_fin(struct conn *c)
{
	STEP(c, .who = C, .flags = FA, .seq = 10, .ack = 20, .st = { FW1, CW },
	     .ev = { { C, NONE, EST }, { S, NONE, EST }, { C, EST, FW1 }, { S, EST, CW } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	STEP(c, .who = S, .flags = ACK, .seq = 20, .ack = 11, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
}

Test(midstream, fin_first)
{
	conn_run_all_cfg(NULL, seq_mid_fin);
}

/* First seen: the SYN-ACK (the SYN was missed). */
static void seq_mid_synack(struct conn *c)
{
	STEP(c, .who = S, .flags = SA, .ack = 1, .opts = true, .st = { SSENT, SRCVD },
	     .ev = { { C, NONE, SSENT }, { S, NONE, SRCVD } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

Test(midstream, synack_first)
{
	conn_run_all_cfg(NULL, seq_mid_synack);
}

/* An RST never starts a flow. */
static void seq_mid_rst(struct conn *c)
{
	STEP(c, .who = C, .flags = RST, .seq = 1, .st = { NONE, NONE },
	     .cnt = { { N(NO_FLOW), 1 } }, .no_flow = true);
	STEP(c, .who = S, .flags = RA, .seq = 1, .ack = 1, .st = { NONE, NONE },
	     .cnt = { { N(NO_FLOW), 1 } }, .no_flow = true);
}

Test(midstream, rst_starts_nothing)
{
	conn_run_all_cfg(NULL, seq_mid_rst);
}

/* cfg.no_midstream: only a SYN creates a flow. */
static void seq_no_mid(struct conn *c)
{
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 10, .st = { NONE, NONE },
	     .cnt = { { N(NO_FLOW), 1 } }, .no_flow = true);
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { NONE, NONE },
	     .cnt = { { N(NO_FLOW), 1 } }, .no_flow = true);
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 1, .st = { NONE, NONE },
	     .cnt = { { N(NO_FLOW), 1 } }, .no_flow = true);
	HANDSHAKE(c);
}

Test(midstream, switched_off)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.no_midstream = 1;
	conn_run_all_cfg(&cfg, seq_no_mid);
}
