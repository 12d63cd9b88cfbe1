// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A build of xdpct that differs from this one in its events alone: this
 * build's flow table and settings, another struct xdpct_event.  The
 * instance's flow table checks, so only the check of the object's event
 * struct (user/lib/layout.c inst_layout_check()) can refuse it
 * (tests/bpf/test_layout.c).
 */
#include "vmlinux.h"
#include "xdpct/config.h"

struct xdpct_event {
	__u64 ts_ns;
	__u8 family;		/* this build's has type first */
	__u8 type;
	__u8 rest[118];
};

#include "one_part_differs.h"
