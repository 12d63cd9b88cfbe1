/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* How this process reports: one-line errors and warnings, JSON when asked. */
#ifndef XDPCT_LOG_H
#define XDPCT_LOG_H

#include <stdbool.h>

/* What -j / -p asked for: errors become JSON objects too (as bpftool's). */
struct out_opts {
	bool json;
	bool pretty;
};
extern struct out_opts g_out;

/* One-line error on stderr ("xdpct: ...") and, with -j, {"error": ...} on stdout. */
void xdpct_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "xdpct: warning: ..." on stderr */
void xdpct_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libbpf's and libxdp's own messages go to stderr only with XDPCT_DEBUG set. */
void xdpct_log_libs(void);

#endif /* XDPCT_LOG_H */
