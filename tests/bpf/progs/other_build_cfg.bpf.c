// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A build of xdpct that differs from this one in its settings alone: this
 * build's flow table and events, another struct xdpct_cfg.  Only the check
 * of the object's settings struct (user/lib/layout.c inst_layout_check())
 * can refuse it (tests/bpf/test_layout.c).
 */
#include "vmlinux.h"
#include "xdpct/event.h"

struct xdpct_cfg {
	__u64 time_wait_ns;
	__u64 established_ns;	/* this build's has syn_ns here */
	__u64 syn_ns;
	__u8 rest[40];
};

#include "one_part_differs.h"
