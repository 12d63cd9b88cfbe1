/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Legitimate connections during the SYN flood. */
#ifndef XDPCT_BENCH_LEGIT_H
#define XDPCT_BENCH_LEGIT_H

#include <stdbool.h>
#include <linux/types.h>
#include "generator.h"

/*
 * A real client in the generator namespace connecting to listen_fd (in the
 * DUT namespace) through the flood.  tc_prog_fd >= 0: xdpct's SYN-cookie TC
 * ingress program, attached on the DUT's veth while the client runs.
 * -ENOTSUP where it cannot run (pktgen path).
 */
int bench_legit_start(struct bench_gen *g, int listen_fd, int tc_prog_fd);
void bench_legit_stop(void);
/* connections completed and failed so far; false when no client runs */
bool bench_legit_counts(__u64 *ok, __u64 *fail);
/* connect-time percentiles (connect to the listener's first byte) of the last client
 * run's completed connections, after bench_legit_stop() too; -ENOENT: none */
int bench_legit_latency(double *p50_ms, double *p99_ms);

#endif /* XDPCT_BENCH_LEGIT_H */
