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
	/*
	 * the server's first segment, its ack at the client's end: both
	 * directions known, the entry leaves liberal mode (issue 11 rule 8)
	 */
	STEP(c, .who = S, .flags = ACK, .seq = 7000, .ack = 5100, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	/*
	 * 5 MB past the server's end (segments not seen): no window scale
	 * is known, so no window refuses it, but nobody vouched for it yet:
	 * it passes and moves only what the server claims (maxend)
	 */
	STEP(c, .who = S, .flags = PA, .seq = 7000 + 5000000, .ack = 5100, .len = 10,
	     .st = { EST, EST }, .keep = -1, .nocheck_seq = true);
	conn_flow(c, &f);
	cr_assert_eq(f.dir[si].end, c->isn[S] + 7000);
	cr_assert_eq(f.dir[si].maxend, c->isn[S] + 7000 + 5000010);
	/* the client acknowledges it: data of the server acked by the client */
	STEP(c, .who = C, .flags = FA, .seq = 5100, .ack = 7000 + 5000010, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	conn_flow(c, &f);
	cr_assert_eq(f.dir[si].end, c->isn[S] + 7000 + 5000010);
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
	STEP(c, .who = C, .flags = PA, .seq = 200, .ack = 100, .len = 10, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	/* the window scale unknown, but RFC 5961 still wants the RST at RCV.NXT */
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
	     .ev = { { C, FW1, FW2 } }, .clr_flags = XDPCT_F_LIBERAL);
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
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } }, .clr_flags = XDPCT_F_LIBERAL);
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

/*
 * Issue 11 rule 8: not knowing the window scale widens the sequence checks
 * of a picked-up flow, never the RST rule (RFC 5961 3.2: only at RCV.NXT),
 * and no one forged segment moves the edges RST acceptance uses (the
 * sender's end, the receiver's ack).  A blind attacker knows the 4-tuple,
 * not the sequence numbers: data far ahead of what the client was seen to
 * send, then an RST at its end; an ACK from the "server" acking far ahead,
 * then an RST there.  Each forged segment passes (nothing can tell it from
 * one after a capture gap) but moves nothing; each RST is invalid_rst.
 */
static int mid_drop;	/* the suite's cfg drops window failures */
#define DROPV (mid_drop ? XDP_DROP : XDP_PASS)

static void seq_mid_forged(struct conn *c)
{
	STEP(c, .who = C, .flags = PA, .seq = 5000, .ack = 7000, .len = 100,
	     .st = { EST, EST }, .ev = { { C, NONE, EST }, { S, NONE, EST } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	struct xdpct_flow f;
	int ci = conn_idx(c, C), si = conn_idx(c, S);

	/* forged: client data 100 MB ahead of anything the client sent */
	STEP(c, .who = C, .flags = PA, .seq = 5100 + 100000000, .ack = 7000, .len = 10,
	     .st = { EST, EST }, .keep = -1, .nocheck_seq = true);
	conn_flow(c, &f);
	cr_assert_eq(f.dir[ci].end, c->isn[C] + 5100, "%s: forged data moved the end", c->name);
	STEP(c, .who = C, .flags = RST, .seq = 5110 + 100000000, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } }, .verdict = DROPV);
	/* forged: a "server" ACK (blind: its seq is a guess) acking 50 MB more */
	STEP(c, .who = S, .flags = ACK, .seq = 7000 + 200000000, .ack = 5100 + 50000000,
	     .st = { EST, EST }, .keep = 1);
	STEP(c, .who = C, .flags = RST, .seq = 5100 + 50000000, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } }, .verdict = DROPV);
	/* its guess may even be right: acking past the client's claim is refused */
	STEP(c, .who = C, .flags = RST, .seq = 5110 + 100000000, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } }, .verdict = DROPV);
	/* the genuine exchange goes on, and is tracked; liberal mode ends */
	STEP(c, .who = S, .flags = PA, .seq = 7000, .ack = 5100, .len = 50, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	conn_flow(c, &f);
	cr_assert_eq(f.dir[si].end, c->isn[S] + 7050);
	cr_assert_eq(f.dir[ci].end, c->isn[C] + 5100);
	/* once the server is known, acking what the client never claimed is invalid */
	STEP(c, .who = S, .flags = ACK, .seq = 7050, .ack = 5100 + 200000000,
	     .st = { EST, EST }, .cnt = { { N(INV_ACK), 1 } }, .verdict = DROPV);
	STEP(c, .who = C, .flags = PA, .seq = 5100, .ack = 7050, .len = 20, .st = { EST, EST });
	/* the genuine RST at the receiver's RCV.NXT still resets */
	STEP(c, .who = S, .flags = RST, .seq = 7050, .st = { CLOSED, CLOSED },
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
}

Test(midstream, forged_cannot_reset)
{
	mid_drop = 0;
	conn_run_all_cfg(NULL, seq_mid_forged);
}

/* The same under --drop-invalid --drop-window: the genuine segments all pass. */
Test(midstream, forged_cannot_reset_drop)
{
	mid_drop = 1;
	conn_run_all_cfg(conn_drop_cfg(), seq_mid_forged);
}

/*
 * What a midstream observer learns (issue 11 rule 8): data of one end that
 * the tracker did not see vouched for by the other end's acknowledgement.
 * The client's segment after a gap passes but moves nothing; an RST at its
 * end is not yet RCV.NXT as far as anyone vouched; the server acking past
 * all the client claimed is refused; the server acking the claim moves the
 * client's end, and the RST there resets (RFC 5961 3.2).
 */
static void seq_mid_learn(struct conn *c)
{
	struct xdpct_flow f;
	int ci = conn_idx(c, C);

	STEP(c, .who = C, .flags = PA, .seq = 5000, .ack = 7000, .len = 100,
	     .st = { EST, EST }, .ev = { { C, NONE, EST }, { S, NONE, EST } },
	     .cnt = { { N(FLOWS_CREATED), 1 }, { N(FLOWS_MIDSTREAM), 1 } }, PICKED);
	STEP(c, .who = S, .flags = ACK, .seq = 7000, .ack = 5100, .st = { EST, EST },
	     .clr_flags = XDPCT_F_LIBERAL);
	/* 5100..6100 not captured */
	STEP(c, .who = C, .flags = PA, .seq = 6100, .ack = 7000, .len = 100,
	     .st = { EST, EST }, .keep = -1, .nocheck_seq = true);
	STEP(c, .who = C, .flags = RST, .seq = 6200, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 7000, .ack = 6300, .st = { EST, EST },
	     .cnt = { { N(INV_ACK), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 7000, .ack = 6200, .st = { EST, EST },
	     .keep = -1, .nocheck_seq = true);
	conn_flow(c, &f);
	cr_assert_eq(f.dir[ci].end, c->isn[C] + 6200, "%s: the acked claim is the end", c->name);
	STEP(c, .who = C, .flags = RST, .seq = 6200, .st = { CLOSED, CLOSED },
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
}

Test(midstream, learns_from_acknowledged_data)
{
	conn_run_all_cfg(NULL, seq_mid_learn);
}
