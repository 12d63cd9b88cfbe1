// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct run: attach, watch, and detach on SIGINT/SIGTERM; owned by the process. */
#include <stdio.h>
#include "cmd_attach.h"
#include "cmd_watch.h"
#include "commands.h"
#include "lib/attach.h"
#include "lib/log.h"

static const char run_help[] =
"Usage: xdpct run [OPTIONS] IFACE...\n"
"\n"
"The foreground way: attach as 'xdpct attach' does, stream transitions as\n"
"'xdpct watch' does, and on SIGINT or SIGTERM detach again and exit.  The\n"
"attachments are BPF links owned by the process and nothing is pinned, so\n"
"they go away with it however it ends, SIGKILL included.  Other commands\n"
"(flows, stats, status) see the instance while it runs.  The iptables rules\n"
"and the sysctl of --syncookie-completion synproxy are no BPF objects: after\n"
"a SIGKILL the next xdpct command in the network namespace removes them.\n"
"\n"
"Options: those of 'xdpct attach':\n"
ATTACH_OPTS_HELP
"  -j, --json                  one JSON object per line (see 'xdpct watch --help')\n"
"\n"
"Exit status: 0 after a clean detach; 1 on failure; 2 bad usage.\n";

static int run_main(int argc, char **argv)
{
	struct attach_opts o;
	struct inst in;
	int first, r, n;

	attach_opts_init(&o);
	o.ephemeral = true;
	r = attach_cmdline(argc, argv, &o, &first);
	if (r)
		return r;
	n = argc - first;
	watch_signals_init();
	if (inst_attach(&in, &o, argv + first, n))
		return 1;
	if (!g_out.json)
		print_attached(&in, argv + first, n);
	r = watch_loop(&in, 0, 0);
	if (inst_detach(&in, argv + first, n))
		r = 1;
	else if (!g_out.json)
		fprintf(stderr, "xdpct: detached\n");
	inst_close(&in);
	return r;
}

const struct command run_command = {
	"run", run_main, "Attach, watch, and detach on Ctrl-C", run_help,
};
