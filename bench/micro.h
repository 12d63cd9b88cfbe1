/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF_PROG_TEST_RUN micro-costs per packet kind. */
#ifndef XDPCT_BENCH_MICRO_H
#define XDPCT_BENCH_MICRO_H

#include <linux/types.h>
#include "dut.h"
#include "generator.h"

enum micro_kind {
	MICRO_CEILING_ACK,
	MICRO_NON_TCP,
	MICRO_INVALID,
	MICRO_ACK_ONE,		/* ACK on one established flow, again and again */
	MICRO_ACK_WALK,		/* ACK on each of N established flows in turn */
	MICRO_SYN_NEW,		/* SYN that creates a flow */
	MICRO_FIN,		/* FIN on an established flow (starts the close) */
	MICRO_SYN_COOKIE,	/* SYN to a protected port answered with a cookie (XDP_TX) */
	/* MICRO_ACK_ONE under --checksum off, control, all (an instance each) */
	MICRO_ACK_CSUM_OFF,
	MICRO_ACK_CSUM_CONTROL,
	MICRO_ACK_CSUM_ALL,
	MICRO_ACK_TS,		/* MICRO_ACK_ONE carrying timestamps, as Linux sends every segment */
	MICRO_LOOKUP_ACK,	/* MICRO_ACK_ONE's frame through the `lookup` baseline: the floor */
	MICRO_MAX,
};

struct micro_result {
	enum micro_kind kind;
	__u32 flows;		/* table population when measured */
	double ns[BENCH_MAX_SAMPLES];	/* per repetition, wrapper cost removed */
	int n;
};

const char *micro_name(enum micro_kind k);
/* n runs of `repeat` packets of `kind`; c may be NULL but for the ceiling */
int bench_micro(struct bench_xdpct *x, struct ceiling_bpf *c, enum micro_kind kind,
		__u32 walk_n, __u32 repeat, int reps, struct micro_result *r);

#endif /* XDPCT_BENCH_MICRO_H */
