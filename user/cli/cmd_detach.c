// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct detach: take xdpct off interfaces; off the last one, everything goes. */
#include <stdio.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/attach.h"
#include "lib/env.h"
#include "lib/log.h"

static const char detach_help[] =
"Usage: xdpct detach IFACE...\n"
"       xdpct detach --all\n"
"\n"
"Remove xdpct from the given interfaces (XDP and TC egress programs).  When no\n"
"interface is left, the instance's pins are removed and the kernel frees its\n"
"programs and maps: afterwards ip link, tc filter show, bpftool prog/map and\n"
"bpffs show nothing of xdpct.\n"
"\n"
"Options:\n"
"  -a, --all    every interface of this network namespace's instance\n"
"  -j, --json   JSON output\n"
"\n"
"Exit status: 0 detached; 1 not attached or failed; 2 bad usage.\n";

static int detach_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'a')
		return 0;
	*(bool *)ctx = true;
	return 1;
}

static int detach_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ 0 },
	};
	bool all = false;
	struct inst in;
	int first, err;

	first = parse_cmd_opts(argc, argv, "a", longopts, detach_opt, &all);
	if (first < 0)
		return 2;
	if (all == (first < argc)) {
		xdpct_err("detach: name interfaces or give --all, not both or neither");
		return 2;
	}
	if (!xdpct_check_env(true))
		return 1;
	if (inst_find(&in)) {
		xdpct_err("xdpct is not attached in this network namespace");
		return 1;
	}
	err = inst_detach(&in, argv + first, argc - first);
	inst_close(&in);
	if (err)
		return 1;
	if (g_out.json)
		printf("{\"detached\":true}\n");
	return 0;
}

const struct command detach_command = {
	"detach", detach_main, "Remove everything xdpct attached and pinned", detach_help,
};
