// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct: an XDP TCP connection tracker.  One binary, a table of commands;
 * each command parses its own options and prints its own --help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/xdpct.h"
#include "commands.h"

#define XDPCT_VERSION "0.1.0"

static const struct command commands[] = {
	{ "attach", cmd_attach, "Load xdpct and attach it to interfaces", attach_help },
	{ "detach", cmd_detach, "Remove everything xdpct attached and pinned", detach_help },
	{ "status", cmd_status, "Where xdpct is attached, table fill, losses", status_help },
	{ "flows", cmd_flows, "List tracked connections and both endpoints' states", flows_help },
	{ "watch", cmd_watch, "Stream state transitions as they happen", watch_help },
	{ "stats", cmd_stats, "Datapath counters (text, JSON or Prometheus)", stats_help },
	{ "run", cmd_run, "Attach, watch, and detach on Ctrl-C", run_help },
	{ "replay", cmd_replay, "Run a packet capture through the datapath", replay_help },
	{ "bench", cmd_bench, "Benchmark the datapath against baselines", bench_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"Usage: xdpct [-j] [-p] COMMAND [OPTIONS] [ARGS]\n"
"\n"
"xdpct tracks TCP connections at the XDP layer and reports the RFC 9293 state\n"
"of both endpoints of every connection, inferred from the packets.\n"
"\n"
"Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
"\n"
"Global options:\n"
"  -j, --json     JSON output (errors too, as {\"error\": ...})\n"
"  -p, --pretty   JSON, one element per line\n"
"  -h, --help     this text; 'xdpct COMMAND --help' for a command\n"
"  -V, --version  print the version\n"
"\n"
"Run 'xdpct COMMAND --help' for a command's options, output and exit codes.\n");
}

static void set_wall_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	g_wall_offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			   (real.tv_nsec - mono.tv_nsec);
}

int main(int argc, char **argv)
{
	size_t i;
	int a = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	set_wall_offset();
	for (; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			g_out.json = true;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--pretty")) {
			g_out.json = g_out.pretty = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("xdpct %s\n", XDPCT_VERSION);
			return 0;
		} else {
			xdpct_err("unknown option '%s' (see xdpct --help)", o);
			return 2;
		}
	}
	if (a >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[a], commands[i].name))
			continue;
		if (argc > a + 1 && (!strcmp(argv[a + 1], "--help") || !strcmp(argv[a + 1], "-h"))) {
			fputs(commands[i].help, stdout);
			return 0;
		}
		return commands[i].fn(argc - a, argv + a);
	}
	xdpct_err("unknown command '%s' (see xdpct --help)", argv[a]);
	return 2;
}
