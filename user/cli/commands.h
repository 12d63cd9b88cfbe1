/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command table's entries, one per cmd_<verb>.c; main.c lists them,
 * and the same entries make `xdpct --help` and each `xdpct CMD --help`.
 */
#ifndef XDPCT_COMMANDS_H
#define XDPCT_COMMANDS_H

#include <stddef.h>
#include <stdio.h>

#define XDPCT_VERSION "0.1.0"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command's name */
	const char *summary;			/* its line in xdpct --help */
	const char *help;			/* man-page-grade text for 'xdpct CMD --help' */
};

extern const struct command attach_command, detach_command, status_command, flows_command,
	watch_command, stats_command, run_command, replay_command, exporter_command,
	export_command, top_command;

/* main.c's table of commands, and xdpct --help's text */
extern const struct command *const xdpct_commands[];
extern const size_t xdpct_ncommands;
void xdpct_usage(FILE *f);

/* manpage.c: `xdpct --man [CMD]` (roff on stdout), `xdpct --bash-completion`;
 * the exit status */
int xdpct_man(const char *cmd);
int xdpct_bash_completion(void);

#endif /* XDPCT_COMMANDS_H */
