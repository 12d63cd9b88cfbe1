/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An instance's flow tables, read as one: the IPv4 table and the IPv6
 * table (bpf/lib/maps.h), each keyed by its prefix of struct
 * xdpct_flow_key (xdpct/flow.h).  Callers see whole keys only.
 */
#ifndef XDPCT_FLOW_TABLE_H
#define XDPCT_FLOW_TABLE_H

#include <linux/types.h>
#include "xdpct/flow.h"

/* The two tables' map fds: [0] IPv4 (xdpct_flows), [1] IPv6 (xdpct_flows6). */
struct flow_tables {
	int fd[2];
};

/* Non-zero from fn stops the walk and is what flow_table_each() returns. */
typedef int (*flow_table_fn)(void *ctx, const struct xdpct_flow_key *k,
			     const struct xdpct_flow *v);

/*
 * Every entry of both tables, IPv4's first, each value read under the
 * entry's lock (BPF_F_LOCK); an entry deleted under the walk is skipped.
 * 0, fn's non-zero, or -errno.
 */
int flow_table_each(const struct flow_tables *t, flow_table_fn fn, void *ctx);

/* k's entry, read under its lock, into *v.  0 or -errno (-ENOENT: none). */
int flow_table_lookup(const struct flow_tables *t, const struct xdpct_flow_key *k,
		      struct xdpct_flow *v);

/* Each table's entries and capacity: [0] IPv4, [1] IPv6 */
struct flow_counts {
	__u32 n[2], max[2];
};

/* 0 or -errno (then *c zeroed) */
int flow_table_count(const struct flow_tables *t, struct flow_counts *c);

#endif /* XDPCT_FLOW_TABLE_H */
