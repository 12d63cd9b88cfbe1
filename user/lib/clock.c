// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The datapath's clock (CLOCK_MONOTONIC) and its offset to the wall clock. */
#include <time.h>
#include "clock.h"

__s64 g_wall_offset_ns;

__u64 xdpct_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void xdpct_wall_offset_init(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	g_wall_offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
			   (real.tv_nsec - mono.tv_nsec);
}
