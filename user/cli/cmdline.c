// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Option parsing shared by the commands: one-line errors, -j/-p anywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include <errno.h>
#include "lib/env.h"
#include "lib/layout.h"
#include "lib/log.h"

int parse_cmd_opts(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, opt_handler handle, void *ctx)
{
	struct option all[64];
	char shorts[64];
	int n = 0, opt, r;

	while (longopts && longopts[n].name && n < 60) {
		all[n] = longopts[n];
		n++;
	}
	all[n++] = (struct option){ "json", no_argument, NULL, 'j' };
	all[n++] = (struct option){ "pretty", no_argument, NULL, 'p' };
	all[n] = (struct option){ 0 };
	snprintf(shorts, sizeof(shorts), ":%sjp", shortopts ? shortopts : "");

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		if (opt == 'j') {
			g_out.json = true;
			continue;
		}
		if (opt == 'p') {
			g_out.json = g_out.pretty = true;
			continue;
		}
		if (opt == '?' || opt == ':') {
			const char *bad = argv[optind - 1];

			xdpct_err("%s: %s '%s' (see xdpct %s --help)", argv[0],
				  opt == ':' ? "missing value for" : "unknown option",
				  bad ? bad : "?", argv[0]);
			return -1;
		}
		r = handle(opt, optarg, ctx);
		if (r < 0)
			return -1;
		if (r == 0) {
			xdpct_err("%s: unexpected option '%s'", argv[0], argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

int parse_no_operands(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, opt_handler handle, void *ctx)
{
	int first = parse_cmd_opts(argc, argv, shortopts, longopts, handle, ctx);

	if (first < 0)
		return 2;
	if (first < argc) {
		xdpct_err("%s: unexpected argument '%s'", argv[0], argv[first]);
		return 2;
	}
	if (!xdpct_check_env(true))
		return 1;
	return 0;
}

/*
 * An instance another build of xdpct attached, whose flow entries or
 * counters this build would misread (user/lib/layout.c): 0 if it can be
 * read, else what to say about it in msg.
 */
int layout_refusal(struct inst *in, char *msg, size_t len)
{
	char why[128];
	int err = inst_layout_check(in, why, sizeof(why));

	if (err == -EPROTO)
		snprintf(msg, len, "the attached instance was loaded by another build of xdpct "
			 "(%s): read it with that build, or detach and attach again", why);
	else if (err)
		snprintf(msg, len, "cannot tell the attached instance's layout: %s",
			 strerror(-err));
	return err;
}

/* The same, refused in one line.  `detach` and `status` do not read the
 * tables and still work. */
int check_layout(struct inst *in)
{
	char msg[256];

	if (!layout_refusal(in, msg, sizeof(msg)))
		return 0;
	xdpct_err("%s", msg);
	inst_close(in);
	return 1;
}

int open_attached(int argc, char **argv, const char *shortopts,
		  const struct option *longopts, opt_handler handle, void *ctx,
		  struct inst *in)
{
	int r = parse_no_operands(argc, argv, shortopts, longopts, handle, ctx);

	if (r)
		return r;
	if (inst_find(in)) {
		xdpct_err("xdpct is not attached in this network namespace (xdpct attach IFACE)");
		return 1;
	}
	return check_layout(in);
}
