/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the datapath decides for a packet, and how XDP and TC say it.
 */
#ifndef XDPCT_VERDICT_H
#define XDPCT_VERDICT_H

#include "vmlinux.h"
#include "xdpct/stats.h"
#include "cfg.h"

/* <linux/pkt_cls.h>, which vmlinux.h (types only) does not carry */
#ifndef TC_ACT_OK
#define TC_ACT_UNSPEC	(-1)
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#endif

enum xdpct_verdict {
	VERDICT_PASS = 0,
	VERDICT_DROP,
	VERDICT_TX,		/* XDP only: the frame became a reply (sc_synack.h) */
};

static __always_inline int verdict_xdp(int v)
{
	if (v == VERDICT_DROP)
		return XDP_DROP;
	return v == VERDICT_TX ? XDP_TX : XDP_PASS;
}

static __always_inline int verdict_tc(int v)
{
	return v == VERDICT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
}

/*
 * An invalid packet: counted by its reason, and dropped if the reason's
 * switch says so (cfg.drop_window for the window and RST checks,
 * cfg.drop_invalid for the rest); passed by default.
 */
static __always_inline int account_invalid(struct xdpct_stats *st, __u8 reason)
{
	int drop;

	st->c[reason & XDPCT_STAT_MASK]++;
	if (reason == XDPCT_STAT_INV_SEQ || reason == XDPCT_STAT_INV_ACK ||
	    reason == XDPCT_STAT_INV_RST)
		drop = cfg.drop_window;
	else
		drop = cfg.drop_invalid;
	if (drop)
		st->c[XDPCT_STAT_DROPPED]++;
	return drop ? VERDICT_DROP : VERDICT_PASS;
}

#endif /* XDPCT_VERDICT_H */
