/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command table's entries, one per cmd_<verb>.c; main.c lists them,
 * and the same entries make `xdpct --help` and each `xdpct CMD --help`.
 */
#ifndef XDPCT_COMMANDS_H
#define XDPCT_COMMANDS_H

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] is the command's name */
	const char *summary;			/* its line in xdpct --help */
	const char *help;			/* man-page-grade text for 'xdpct CMD --help' */
};

extern const struct command attach_command, detach_command, status_command, flows_command,
	watch_command, stats_command, run_command, replay_command;

#endif /* XDPCT_COMMANDS_H */
