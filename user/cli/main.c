// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct: an XDP TCP connection tracker.  One binary, a table of commands;
 * each command parses its own options and prints its own --help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "lib/clock.h"
#include "lib/log.h"

const struct command *const xdpct_commands[] = {
	&attach_command, &detach_command, &status_command, &flows_command,
	&watch_command, &stats_command, &run_command, &replay_command,
	&exporter_command, &export_command, &top_command,
};

const size_t xdpct_ncommands = sizeof(xdpct_commands) / sizeof(xdpct_commands[0]);
#define NCOMMANDS xdpct_ncommands
#define commands xdpct_commands

void xdpct_usage(FILE *f)
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
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f,
"\n"
"Global options:\n"
"  -j, --json     JSON output (errors too, as {\"error\": ...})\n"
"  -p, --pretty   JSON, one element per line\n"
"  -h, --help     this text; 'xdpct COMMAND --help' for a command\n"
"  -V, --version  print the version\n"
"  --man [CMD]    the man page xdpct(8), or xdpct-CMD(8), as roff\n"
"\n"
"Run 'xdpct COMMAND --help' for a command's options, output and exit codes.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int a = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xdpct_wall_offset_init();
	for (; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			g_out.json = true;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--pretty")) {
			g_out.json = g_out.pretty = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			xdpct_usage(stdout);
			return 0;
		} else if (!strcmp(o, "--man")) {
			/* the man pages: xdpct(8), or xdpct-CMD(8) */
			return xdpct_man(a + 1 < argc ? argv[a + 1] : NULL);
		} else if (!strcmp(o, "--bash-completion")) {
			return xdpct_bash_completion();
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("xdpct %s\n", XDPCT_VERSION);
			return 0;
		} else {
			xdpct_err("unknown option '%s' (see xdpct --help)", o);
			return 2;
		}
	}
	if (a >= argc) {
		xdpct_usage(stderr);
		return 2;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[a], commands[i]->name))
			continue;
		if (argc > a + 1 && (!strcmp(argv[a + 1], "--help") || !strcmp(argv[a + 1], "-h"))) {
			fputs(commands[i]->help, stdout);
			return 0;
		}
		return commands[i]->fn(argc - a, argv + a);
	}
	if (!strcmp(argv[a], "bench")) {
		/* the benchmark is a tool of its own since it left this binary */
		xdpct_err("unknown command 'bench': the benchmark is xdpct-bench (make bench)");
		return 2;
	}
	xdpct_err("unknown command '%s' (see xdpct --help)", argv[a]);
	return 2;
}
