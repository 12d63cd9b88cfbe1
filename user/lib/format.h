/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Flows and transitions as text and JSON: what watch, flows and replay print. */
#ifndef XDPCT_FORMAT_H
#define XDPCT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "xdpct/flow.h"
#include "xdpct/event.h"

/* "ESTABLISHED", ... ; "CLOSED" for 0 */
const char *xdpct_state_name(__u8 state);
/* accepts RFC names (SYN_SENT) and ss spellings (syn-sent); -1 if unknown */
int xdpct_state_parse(const char *s);
/* address of a key/event as text ("10.0.0.1", "fd00::1") */
void xdpct_addr_str(__u8 family, const __u32 addr[4], char *buf, size_t len);
/* "closed", "half_open", "idle", "closing", "evicted" */
const char *xdpct_expire_reason(__u8 reason);
/* flow flags as a JSON array body / a comma list */
void xdpct_flags_str(__u8 flags, char *buf, size_t len, bool json);

/*
 * One transition/expiry event, as `watch` prints it (one line; JSON object
 * per line with -j).  Also prints the handshake-done / connection-closed
 * summary lines that follow the transitions which complete them.
 */
void xdpct_print_event(FILE *f, const struct xdpct_event *e, bool json);

/*
 * How the connection ended, if this event ends it (enum xdpct_end of
 * xdpct/hist.h; XDPCT_END_NONE if it does not): the transition that leaves
 * both endpoints CLOSED/TIME_WAIT, not coming from TIME_WAIT (what watch
 * prints as "closed"), or the expiry of a flow that had not closed.  The
 * datapath's histograms (bpf/lib/hist.h) count by the same rule.
 */
__u8 xdpct_event_end(const struct xdpct_event *e);
/* "closed", "reset", "refused", "expired"; "" for none */
const char *xdpct_end_name(__u8 end);

/*
 * Flow table output, as `flows` prints it: begin, one call per entry, end.
 * now_ns: CLOCK_MONOTONIC (or the replay clock) for ages.
 */
void xdpct_flows_begin(FILE *f, bool json);
void xdpct_flows_entry(FILE *f, const struct xdpct_flow_key *k,
		       const struct xdpct_flow *v, __u64 now_ns, bool json);
void xdpct_flows_end(FILE *f, bool json);

#endif /* XDPCT_FORMAT_H */
