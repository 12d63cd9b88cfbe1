/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Userspace side of xdpct: what the command files share. */
#ifndef XDPCT_USER_H
#define XDPCT_USER_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <linux/types.h>
#include "xdpct/flow.h"
#include "xdpct/event.h"
#include "xdpct/stats.h"
#include "xdpct/config.h"

/* ---- output (format.c) ------------------------------------------------ */

struct out_opts {
	bool json;
	bool pretty;
};
extern struct out_opts g_out;
/* added to datapath timestamps (CLOCK_MONOTONIC, or capture time in replay)
 * to print wall-clock times */
extern __s64 g_wall_offset_ns;

/* "ESTABLISHED", ... ; "NONE" for 0 */
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
 * Flow table output, as `flows` prints it: begin, one call per entry, end.
 * now_ns: CLOCK_MONOTONIC (or the replay clock) for ages.
 */
void xdpct_flows_begin(FILE *f, bool json);
void xdpct_flows_entry(FILE *f, const struct xdpct_flow_key *k,
		       const struct xdpct_flow *v, __u64 now_ns, bool json);
void xdpct_flows_end(FILE *f, bool json);

/* ---- errors ---------------------------------------------------------- */

/* One-line error on stderr ("xdpct: ...") or a JSON error object with -j. */
void xdpct_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xdpct_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- commands --------------------------------------------------------- */

void xdpct_print_stats(const struct xdpct_stats *s, bool json, bool prom);

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif /* XDPCT_USER_H */
