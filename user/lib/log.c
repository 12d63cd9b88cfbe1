// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Errors and warnings, the one place that writes them: a line on stderr,
 * and in JSON mode an {"error": ...} object on stdout as well, so a
 * script reading -j output sees why there is no result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

struct out_opts g_out;

static void vmsg(bool error, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (g_out.json && error) {
		char *p;

		/* a JSON error object on stdout; quotes in the message made safe */
		for (p = msg; *p; p++)
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = '\'';
		printf("{\"error\":\"%s\"}\n", msg);
		fflush(stdout);
	}
	fprintf(stderr, "xdpct: %s%s\n", error ? "" : "warning: ", msg);
}

void xdpct_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(true, fmt, ap);
	va_end(ap);
}

void xdpct_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(false, fmt, ap);
	va_end(ap);
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !getenv("XDPCT_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print_fn(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!getenv("XDPCT_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void xdpct_log_libs(void)
{
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
}
