/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The datapath's clock and the wall clock it is printed in. */
#ifndef XDPCT_CLOCK_H
#define XDPCT_CLOCK_H

#include <linux/types.h>

/* CLOCK_MONOTONIC in ns, as bpf_ktime_get_ns() reads it */
__u64 xdpct_now_ns(void);

/*
 * Added to a datapath timestamp to print it as wall-clock time: REALTIME
 * minus MONOTONIC after xdpct_wall_offset_init(); 0 in replay, whose
 * timestamps are capture (wall-clock) times already.
 */
extern __s64 g_wall_offset_ns;
void xdpct_wall_offset_init(void);

#endif /* XDPCT_CLOCK_H */
