/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What attach shares with run: its command line and its report. */
#ifndef XDPCT_CMD_ATTACH_H
#define XDPCT_CMD_ATTACH_H

#include "lib/attach_opts.h"
#include "lib/instance.h"

/*
 * The attach options and at least one interface (*first: the first), then
 * this host's checks.  0, or the exit code (2 usage, 1 environment).
 */
int attach_cmdline(int argc, char **argv, struct attach_opts *o, int *first);
/* "xdpct: attached to IFACE" per interface, or the JSON object */
void print_attached(const struct inst *in, char **ifnames, int n);

#endif /* XDPCT_CMD_ATTACH_H */
