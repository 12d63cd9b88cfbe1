/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A datapath object and what the attach options make of it: load-time
 * constants, map sizes and which programs load (before load), the
 * protected ports (after).  attach, run, replay and the bench all go
 * through here.
 */
#ifndef XDPCT_DATAPATH_H
#define XDPCT_DATAPATH_H

#include <linux/types.h>
#include "attach_opts.h"
#include "xdpct/config.h"

struct bpf_object;

/*
 * The object, whichever skeleton opened it: xdpct_bpf (bpf/xdpct.bpf.c) or
 * the bench's xdpct_bench_bpf (the same source plus bench entry points).
 * Both have the same maps, programs and .rodata; the skeleton's rodata
 * pointers are where load-time constants are written.
 */
struct datapath {
	struct bpf_object *obj;
	struct xdpct_cfg *cfg;		/* .rodata cfg */
	__u64 *sc_key;			/* .rodata xdpct_sc_key[2] */
};
#define DATAPATH(skel) ((struct datapath){ .obj = (skel)->obj,			\
					   .cfg = &(skel)->rodata->cfg,		\
					   .sc_key = (skel)->rodata->xdpct_sc_key })

/* Opened, not loaded: cfg, map sizes, a fresh SYN-cookie key, which programs load. */
int datapath_configure(const struct datapath *dp, const struct attach_opts *o);
/* Loaded: the protected ports and, for auto mode, their rate entries. */
int datapath_fill(const struct datapath *dp, const struct attach_opts *o);

#endif /* XDPCT_DATAPATH_H */
