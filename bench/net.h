/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The network the bench builds for itself and removes: two namespaces, a
 * veth pair between them, addresses, routes and sysctls; and the run's
 * stop flag, which every long loop of the bench watches.
 */
#ifndef XDPCT_BENCH_NET_H
#define XDPCT_BENCH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define BENCH_NS_GEN	"xbench-gen"
#define BENCH_NS_DUT	"xbench-dut"
#define BENCH_IF_GEN	"xbench-g"	/* generator end, in BENCH_NS_GEN */
#define BENCH_IF_DUT	"xbench-d"	/* receiving end, in BENCH_NS_DUT */
#define BENCH_IF_SINK	"xbench-s0"	/* forwarding sink (peer xbench-s1 down) */
#define BENCH_SERVER	0x0a000002u	/* 10.0.0.2 */
#define BENCH_CLIENTS	0x0a100000u	/* 10.16.0.0/12 */
#define BENCH_PORT	80
#define BENCH_LEGIT_CLIENT 0x0aff0101u	/* 10.255.1.1: the real client, in BENCH_NS_GEN */
#define BENCH_LEGIT_DUT	0x0aff0102u	/* 10.255.1.2: its next hop, on BENCH_IF_DUT */

enum dut_net {
	DUT_FORWARD,	/* a router: server and clients beyond the sink device */
	DUT_LOCAL,	/* the server's address is local (SYN cookies, SYNPROXY) */
};

extern bool bench_verbose;		/* -v: show the commands run */
extern volatile int bench_stop;		/* set by SIGINT/SIGTERM */

int bench_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* first line of a command's output (trimmed) into buf; <0 on failure */
int bench_sh_read(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int bench_net_setup(enum dut_net mode);
void bench_net_teardown(void);
void bench_net_remove_stale(void);
/* this thread into a bench namespace, and back to where it started */
int bench_enter(const char *ns);
int bench_leave(void);
int bench_ifindex(const char *ns, const char *ifname);
/* native XDP on a bench veth; prog_fd < 0 detaches */
int bench_xdp_attach(const char *ns, const char *ifname, int prog_fd);
void bench_macs(__u8 gen[6], __u8 dut[6]);
/* global sysctls the bench raises for a million conntrack entries; restored on teardown */
int bench_conntrack_room(unsigned long entries);
void bench_conntrack_restore(void);

#endif /* XDPCT_BENCH_NET_H */
