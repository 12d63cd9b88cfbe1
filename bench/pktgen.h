/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The kernel pktgen path: a plan per scenario and the /proc/net/pktgen commands. */
#ifndef XDPCT_BENCH_PKTGEN_H
#define XDPCT_BENCH_PKTGEN_H

#include <stdbool.h>
#include <linux/types.h>
#include "gen.h"

struct pktgen_plan {
	const char *dev;	/* transmit device */
	int threads;		/* kpktgend_0..threads-1 */
	int first_cpu;
	__u32 pkt_size;		/* with the 4-byte FCS, as pktgen counts */
	__u64 count;		/* 0 = until stopped */
	__u32 burst;
	__u32 clone_skb;
	__u32 delay_ns;
	const char *dst_mac;
	__u32 src_min, src_max;	/* host order */
	__u32 dst;
	__u16 udp_src_min, udp_src_max;
	__u16 udp_dst;
	bool src_rnd;		/* random sources (flood), else sequential (flows) */
	const char *xmit_mode;	/* NULL, "start_xmit", "netif_receive" */
};

struct pktgen_cmd {
	char file[64];		/* under /proc/net/pktgen/ */
	char line[96];
};

/* Commands in the order they are written; returns how many (<= max), <0 on error. */
int pktgen_commands(const struct pktgen_plan *p, struct pktgen_cmd *cmds, int max);
/* the plan the bench would give pktgen for a scenario */
int pktgen_plan_for(enum gen_mode mode, __u32 flows, int threads, int first_cpu,
		    struct pktgen_plan *p);
bool pktgen_available(void);
int pktgen_write(const struct pktgen_cmd *cmds, int n);

#endif /* XDPCT_BENCH_PKTGEN_H */
