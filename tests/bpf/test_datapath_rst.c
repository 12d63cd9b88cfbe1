// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Resets, through the real datapath: an acceptable RST closes both
 * endpoints (RFC 9293 3.5.3, with RFC 5961's exact match at RCV.NXT); any
 * other is counted invalid_rst and changes nothing (the blind-reset
 * defence); in SYN_SENT only an RST that acks the SYN counts (a refused
 * connection).  Every sequence in every variant.
 */
#include <criterion/criterion.h>
#include "conn.h"

#define RESET_BOTH \
	.st = { CLOSED, CLOSED }, .cnt = { { N(FLOWS_CLOSED), 1 } }, \
	.set_flags = XDPCT_F_RESET

/* In window, from the client at exactly the next sequence number. */
static void seq_rst_client(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(c, .who = C, .flags = RA, .seq = 101, .ack = 1, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
	/* nothing but a SYN is valid on a closed connection */
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 101, .len = 5,
	     .st = { CLOSED, CLOSED }, .cnt = { { N(INV_STATE), 1 } });
	STEP(c, .who = C, .flags = RST, .seq = 101, .st = { CLOSED, CLOSED }, .keep = 1);
}

Test(rst, in_window_from_client)
{
	conn_run_all_cfg(NULL, seq_rst_client);
}

/*
 * RFC 5961 3.2 as the datapath applies it: an RST resets only at the
 * receiver's RCV.NXT, which the observer knows as what the sender has sent
 * (its end) or what the receiver last acknowledged; nothing between them
 * (issue 11 rule 7: that range was accepted before, megabytes with scaled
 * windows).  Anywhere else - even inside the window - is invalid_rst (the
 * real peer answers a challenge ACK, and the genuine RST that follows
 * matches exactly).
 */
static void seq_rst_window_edges(struct conn *c)
{
	HANDSHAKE(c);
	/* nothing in flight: only relative sequence 1 is RCV.NXT */
	STEP(c, .who = S, .flags = RST, .seq = 2, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 0, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 1 + 65534, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 1 + 65535, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RA, .seq = -100000, .ack = 1, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	/*
	 * 1000 bytes in flight, unacknowledged: RCV.NXT is 1 (the client's
	 * last ack) or 1001 (all of it arrived); in between is a challenge
	 * ACK's business
	 */
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = RST, .seq = 1002, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 501, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 2, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 1000, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	/* the client's last ack: exact */
	STEP(c, .who = S, .flags = RST, .seq = 1, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
}

/*
 * Scaled windows (wscale 7: 8 MB): megabytes in flight still leave only
 * the two exact numbers; the challenge ACK's answer matches one.
 */
static void seq_rst_scaled(struct conn *c)
{
	conn_handshake(c, true);
	/* the server's first scaled window: 65535 << 7 */
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 1400, .st = { EST, EST });
	STEP(c, .who = C, .flags = PA, .seq = 1 + 3000000, .ack = 1, .len = 1400,
	     .st = { EST, EST });
	/* a blind RST anywhere in the 3 MB in flight: refused */
	STEP(c, .who = C, .flags = RST, .seq = 1 + 1500000, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 1401, .st = { EST, EST });
	/* at the server's latest ack of the client (1401): exact */
	STEP(c, .who = C, .flags = RST, .seq = 1401, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
}

static void seq_rst_exact_end(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = S, .flags = PA, .seq = 1, .ack = 1, .len = 1000, .st = { EST, EST });
	STEP(c, .who = S, .flags = RST, .seq = 1001, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
}

Test(rst, window_edges)
{
	conn_run_all_cfg(NULL, seq_rst_window_edges);
	conn_run_all_cfg(NULL, seq_rst_exact_end);
	conn_run_all_cfg(NULL, seq_rst_scaled);
}

/* A refused connection: the SYN answered by RST-ACK. */
static void seq_refused(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	/* RSTs that do not acknowledge the SYN are ignored in SYN_SENT */
	STEP(c, .who = S, .flags = RST, .abs_seq = true, .seq = 0, .st = { SSENT, LISTEN },
	     .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RA, .abs_seq = true, .seq = 0, .ack = 5,
	     .st = { SSENT, LISTEN }, .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RA, .abs_seq = true, .seq = 0, .ack = 0,
	     .st = { SSENT, LISTEN }, .cnt = { { N(INV_RST), 1 } });
	STEP(c, .who = S, .flags = RA, .abs_seq = true, .seq = 0, .ack = 1, RESET_BOTH,
	     .ev = { { C, SSENT, CLOSED }, { S, LISTEN, CLOSED } });
	/* the client tries again with a new ISN: same entry, next generation */
	c->isn[C] += 3000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT }, { S, CLOSED, LISTEN } },
	     .cnt = { { N(FLOWS_REOPENED), 1 } }, .dt = XDPCT_NSEC_PER_SEC);
	STEP(c, .who = S, .flags = RA, .abs_seq = true, .seq = 0, .ack = 1, RESET_BOTH,
	     .ev = { { C, SSENT, CLOSED }, { S, LISTEN, CLOSED } });
}

Test(rst, refused_connection)
{
	conn_run_all_cfg(NULL, seq_refused);
}

/* The client gives up its own SYN; and an RST answering a SYN-ACK. */
static void seq_rst_handshake(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = C, .flags = RST, .seq = 1, RESET_BOTH,
	     .ev = { { C, SSENT, CLOSED }, { S, LISTEN, CLOSED } });
}

static void seq_rst_synrcvd(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = RST, .seq = 1 + 70000, .st = { SSENT, SRCVD },
	     .cnt = { { N(INV_RST), 1 } });
	/*
	 * RFC 9293 3.10.7.4, SYN-RECEIVED: "If this connection was initiated
	 * with a passive OPEN (i.e., came from the LISTEN state), then return
	 * this connection to LISTEN state"; the client that reset is CLOSED.
	 */
	STEP(c, .who = C, .flags = RST, .seq = 1, .st = { CLOSED, LISTEN },
	     .ev = { { C, SSENT, CLOSED }, { S, SRCVD, LISTEN } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
}

/* ... after which nothing but a new SYN does anything; that one reopens. */
static void seq_rst_synrcvd_then(struct conn *c)
{
	seq_rst_synrcvd(c);
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { CLOSED, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { CLOSED, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } });
	STEP(c, .who = S, .flags = RST, .seq = 1, .st = { CLOSED, LISTEN }, .keep = 1);
	c->isn[C] += 4000;
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN },
	     .ev = { { C, CLOSED, SSENT } }, .cnt = { { N(FLOWS_REOPENED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

/* The entry left by it expires as a closed one (close timeout, reason closed). */
static void seq_rst_synrcvd_expires(struct conn *c)
{
	seq_rst_synrcvd(c);
	conn_sweep(c, 10 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_CLOSED, __LINE__);
}

/* With the drop switches: the RST at RCV.NXT passes, the entry expires as closed. */
static void seq_rst_synrcvd_expires_drop(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = RST, .seq = 1 + 70000, .st = { SSENT, SRCVD },
	     .cnt = { { N(INV_RST), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = C, .flags = RST, .seq = 1, .st = { CLOSED, LISTEN },
	     .ev = { { C, SSENT, CLOSED }, { S, SRCVD, LISTEN } },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { CLOSED, LISTEN },
	     .cnt = { { N(INV_STATE), 1 } }, .verdict = XDP_DROP);
	conn_sweep(c, 10 * XDPCT_NSEC_PER_SEC, NULL, 0, XDPCT_EXP_CLOSED, __LINE__);
}

/* The server resetting its own half-open connection: both CLOSED. */
static void seq_rst_synrcvd_by_server(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = S, .flags = RA, .seq = 1, .ack = 1, RESET_BOTH,
	     .ev = { { C, SSENT, CLOSED }, { S, SRCVD, CLOSED } });
}

Test(rst, during_handshake)
{
	conn_run_all_cfg(NULL, seq_rst_handshake);
	conn_run_all_cfg(NULL, seq_rst_synrcvd);
	conn_run_all_cfg(conn_drop_cfg(), seq_rst_synrcvd_by_server);
	conn_run_all_cfg(conn_drop_cfg(), seq_rst_synrcvd_expires_drop);
	conn_run_all_cfg(NULL, seq_rst_synrcvd_then);
	conn_run_all_cfg(NULL, seq_rst_synrcvd_expires);
	conn_run_all_cfg(NULL, seq_rst_synrcvd_by_server);
}

/* RSTs while closing, and in TIME_WAIT. */
static void seq_rst_closing(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = RST, .seq = 1, RESET_BOTH,
	     .ev = { { C, FW1, CLOSED }, { S, CW, CLOSED } });
}

static void seq_rst_time_wait(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	STEP(c, .who = C, .flags = RST, .seq = 2, RESET_BOTH,
	     .ev = { { C, TW, CLOSED }, { S, LA, CLOSED } });
}

Test(rst, while_closing)
{
	conn_run_all_cfg(NULL, seq_rst_closing);
	conn_run_all_cfg(NULL, seq_rst_time_wait);
}

/* Out-of-window RSTs are dropped with drop_window, passed otherwise. */
static void seq_rst_drop(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = S, .flags = RST, .seq = 1 + 65535, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } }, .verdict = XDP_DROP);
	STEP(c, .who = S, .flags = RST, .seq = 1, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
}

static void seq_rst_nodrop(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = S, .flags = RST, .seq = 1 + 65535, .st = { EST, EST },
	     .cnt = { { N(INV_RST), 1 } });
}

Test(rst, drop_window_option)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_window = 1;
	conn_run_all_cfg(&cfg, seq_rst_drop);
	/* drop_invalid is about malformed packets, not windows */
	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	conn_run_all_cfg(&cfg, seq_rst_nodrop);
}

/* A reset entry lingers close_ns, then the sweep removes it. */
static void seq_rst_expiry(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = RST, .seq = 1, RESET_BOTH,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } });
	conn_sweep(c, 10 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_CLOSED, __LINE__);
}

Test(rst, closed_entry_expires)
{
	conn_run_all_cfg(NULL, seq_rst_expiry);
}
