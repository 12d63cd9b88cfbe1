/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where an instance is attached.  Kept in a map of the instance itself, so
 * any later xdpct command finds it from the programs on an interface, with
 * or without pins (`ip netns exec` has no persistent bpffs).
 */
#ifndef XDPCT_INSTANCE_H
#define XDPCT_INSTANCE_H

#include "xdpct/types.h"

#define XDPCT_MAX_IFACES 64

enum xdpct_attach_mode {
	XDPCT_MODE_NATIVE = 1,
	XDPCT_MODE_GENERIC,
};

struct xdpct_iface {
	__u32 ifindex;		/* 0: free slot */
	__u8 mode;		/* enum xdpct_attach_mode */
	__u8 egress;		/* TC egress program attached too */
	__u8 multiprog;		/* through libxdp's dispatcher */
	__u8 made_clsact;	/* the clsact qdisc was created by xdpct */
	char name[16];
	__u64 attached_ns;	/* CLOCK_REALTIME */
	__u64 netns_ino;	/* network namespace the ifindex belongs to */
};

#endif /* XDPCT_INSTANCE_H */
