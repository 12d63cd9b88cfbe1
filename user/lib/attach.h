/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Load and attach the datapath (attach, run), and detach it again. */
#ifndef XDPCT_ATTACH_H
#define XDPCT_ATTACH_H

#include "attach_opts.h"
#include "instance.h"

/*
 * Attach to ifnames: a new instance (o->ephemeral: owned by this process,
 * as `run` wants), or more interfaces of this namespace's running one.
 * 0 with *in open; <0 with the error printed and nothing left behind.
 */
int inst_attach(struct inst *in, const struct attach_opts *o, char **ifnames, int n);
/* n == 0: everything, and then the pins and SYNPROXY rules too */
int inst_detach(struct inst *in, char **ifnames, int n);

#endif /* XDPCT_ATTACH_H */
