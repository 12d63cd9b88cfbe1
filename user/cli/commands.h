/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The command table's entries: each command's help text lives with it. */
#ifndef XDPCT_COMMANDS_H
#define XDPCT_COMMANDS_H

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;	/* man-page-grade text for 'xdpct CMD --help' */
};

extern const char attach_help[], detach_help[], status_help[], flows_help[],
	watch_help[], stats_help[], run_help[], replay_help[], bench_help[];

/*
 * getopt_long over argv (argv[0] is the command) with the command's own
 * options, -j/--json and -p/--pretty accepted after the command too.
 * Returns the index of the first operand, or -1 after printing an error.
 */
struct option;
int parse_cmd_opts(int argc, char **argv, const char *shortopts,
		   const struct option *longopts,
		   int (*handle)(int opt, const char *arg, void *ctx), void *ctx);

/*
 * For commands without operands that need the running instance: options,
 * then root/BTF/kernel checks, then this network namespace's instance.
 * 0 with *in open, else the exit code (2 bad usage, 1 not attached).
 */
struct inst;
int open_attached(int argc, char **argv, const char *shortopts,
		  const struct option *longopts,
		  int (*handle)(int opt, const char *arg, void *ctx), void *ctx,
		  struct inst *in);

#endif /* XDPCT_COMMANDS_H */
