/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Per-CPU counters summed over CPUs: the one implementation. */
#ifndef XDPCT_PERCPU_H
#define XDPCT_PERCPU_H

#include <stddef.h>
#include <linux/types.h>

/*
 * Entry key of a per-CPU array map whose value is n __u64 counters: each
 * counter summed over every possible CPU into sum[0..n-1].  0, or -errno
 * with sum zeroed.
 */
int percpu_sum(int map_fd, __u32 key, __u64 *sum, size_t n);

#endif /* XDPCT_PERCPU_H */
