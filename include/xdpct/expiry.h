/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * When a flow leaves the table.  Pure function of the entry, the clock and
 * the configuration, so the BPF sweeper and userspace (which shows "expires
 * in") apply exactly the same rule, and the unit tests can pin it down.
 */
#ifndef XDPCT_EXPIRY_H
#define XDPCT_EXPIRY_H

#include "xdpct/flow.h"
#include "xdpct/config.h"
#include "xdpct/event.h"

enum xdpct_expiry_action {
	XDPCT_KEEP = 0,
	XDPCT_TW_DONE,		/* TIME_WAIT ran 2*MSL: both endpoints CLOSED */
	XDPCT_DELETE,		/* remove the entry; reason in *reason */
};

static inline __u64 xdpct_since(__u64 now, __u64 then)
{
	return now > then ? now - then : 0;
}

static inline int xdpct_expiry(const struct xdpct_flow *f, __u64 now,
			       const volatile struct xdpct_cfg *cfg, __u8 *reason)
{
	__u8 a = f->state[0], b = f->state[1];
	__u64 idle = xdpct_since(now, f->last_seen_ns);

	/*
	 * One state time per flow (xdpct/flow.h): TIME_WAIT runs from the
	 * flow's last state change, its own entry into TIME_WAIT or the
	 * other end's later move (a LAST_ACK end's CLOSED, the second end of
	 * a simultaneous close): 2*MSL from the later of those, never the
	 * earlier.  CLOSED runs from the later end's close, as before.
	 */
	if (a == XDPCT_S_TIME_WAIT || b == XDPCT_S_TIME_WAIT)
		return xdpct_since(now, xdpct_flow_state_ns(f)) >= cfg->time_wait_ns ?
			XDPCT_TW_DONE : XDPCT_KEEP;
	/* both CLOSED, or reset in SYN_RCVD: the passive end back in LISTEN */
	if ((a == XDPCT_S_CLOSED || a == XDPCT_S_LISTEN) &&
	    (b == XDPCT_S_CLOSED || b == XDPCT_S_LISTEN)) {
		*reason = XDPCT_EXP_CLOSED;
		return xdpct_since(now, xdpct_flow_state_ns(f)) >= cfg->close_ns ?
			XDPCT_DELETE : XDPCT_KEEP;
	}
	if (a == XDPCT_S_ESTABLISHED && b == XDPCT_S_ESTABLISHED) {
		*reason = XDPCT_EXP_IDLE;
		return idle >= cfg->established_ns ? XDPCT_DELETE : XDPCT_KEEP;
	}
	if (!xdpct_state_synced(a) && !xdpct_state_synced(b)) {
		/* handshake never finished (or one side CLOSED, other half-open) */
		*reason = XDPCT_EXP_HALF_OPEN;
		return idle >= cfg->syn_ns ? XDPCT_DELETE : XDPCT_KEEP;
	}
	*reason = XDPCT_EXP_CLOSING;
	return idle >= cfg->closing_ns ? XDPCT_DELETE : XDPCT_KEEP;
}

/* May the table give this flow up for a new one?  Never an established one. */
static inline int xdpct_evictable(const struct xdpct_flow *f)
{
	__u8 a = f->state[0], b = f->state[1];

	if (a == XDPCT_S_ESTABLISHED || b == XDPCT_S_ESTABLISHED)
		return 0;
	return !xdpct_state_synced(a) || !xdpct_state_synced(b) ||
	       a == XDPCT_S_TIME_WAIT || b == XDPCT_S_TIME_WAIT;
}

#endif /* XDPCT_EXPIRY_H */
