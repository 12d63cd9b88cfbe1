/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Option parsing shared by the commands: one-line errors, -j/-p anywhere. */
#ifndef XDPCT_CMDLINE_H
#define XDPCT_CMDLINE_H

#include <getopt.h>
#include "lib/instance.h"

/* One option of a command: 1 applied, 0 not the command's, -1 bad (printed). */
typedef int (*opt_handler)(int opt, const char *arg, void *ctx);

/*
 * getopt_long over argv (argv[0] is the command) with the command's own
 * options, -j/--json and -p/--pretty accepted after the command too.
 * Returns the index of the first operand, or -1 after printing an error.
 */
int parse_cmd_opts(int argc, char **argv, const char *shortopts,
		   const struct option *longopts, opt_handler handle, void *ctx);

/*
 * For commands without operands: options, then root/BTF/kernel checks.
 * 0 when both pass, else the exit code (2 bad usage, 1 environment).
 */
int parse_no_operands(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, opt_handler handle, void *ctx);

/* 0 if this build can read the instance, else a negative errno and what to
 * say about it in msg (an instance another build loaded, user/lib/layout.c). */
int layout_refusal(struct inst *in, char *msg, size_t len);

/* 0, or 1 with the error printed (and in closed): an instance of another build. */
int check_layout(struct inst *in);

/*
 * For commands without operands that need the running instance: options,
 * then root/BTF/kernel checks, then this network namespace's instance.
 * 0 with *in open, else the exit code (2 bad usage, 1 not attached).
 */
int open_attached(int argc, char **argv, const char *shortopts,
		  const struct option *longopts, opt_handler handle, void *ctx,
		  struct inst *in);

#endif /* XDPCT_CMDLINE_H */
