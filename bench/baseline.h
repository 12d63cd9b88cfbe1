/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel baselines in the DUT namespace: nf_conntrack, SYN cookies, SYNPROXY. */
#ifndef XDPCT_BENCH_BASELINE_H
#define XDPCT_BENCH_BASELINE_H

#include <stdbool.h>
#include <linux/types.h>

int bench_kernel_conntrack(bool on);		/* nft stateful forwarding rules */
int bench_kernel_syncookies(void);		/* listener + tcp_syncookies=2 */
int bench_kernel_synproxy(bool on);		/* nft synproxy */
int bench_kernel_listen_fd(void);		/* the listener of the flood, -1 none */
void bench_kernel_close(void);
int bench_kernel_nft_counters(__u64 *est, __u64 *new_, __u64 *inval);
long bench_kernel_ct_count(void);
/* nf_conntrack's slab object size: kernel memory per tracked flow */
long bench_conntrack_objsize(void);

#endif /* XDPCT_BENCH_BASELINE_H */
