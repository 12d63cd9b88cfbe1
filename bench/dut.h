/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The XDP programs under test on the receiving veth: the ceiling and xdpct. */
#ifndef XDPCT_BENCH_DUT_H
#define XDPCT_BENCH_DUT_H

#include <stdbool.h>
#include <linux/types.h>

struct xdpct_bench_bpf;
struct ceiling_bpf;
struct reflector_bpf;
struct ring_buffer;

struct bench_xdpct {
	struct xdpct_bench_bpf *skel;	/* bpf/xdpct.bpf.c + bench entry points */
	struct ring_buffer *rb;
	volatile int rb_stop;
	int rb_started;
	unsigned long rb_thread;
	__u64 events_read;
	__u32 max_flows;
};

int bench_ceiling_open(struct ceiling_bpf **c);
/* reflector and selftest (bench/bpf/reflector.bpf.c), answering SYNs to port */
int bench_reflector_open(struct reflector_bpf **r, __u16 port);
__u64 bench_reflector_count(void *ctx);		/* ctx: struct reflector_bpf * */
__u64 bench_reflector_tx(void *ctx);
__u64 bench_xdpct_tx(void *ctx);		/* SYN-ACKs sent: ctx struct bench_xdpct * */
__u64 bench_ceiling_count(void *ctx);		/* ctx: struct ceiling_bpf * */
/*
 * xdpct configured as `xdpct attach --flows MAX_FLOWS` would configure it
 * (and with sc_port, `--syncookie SC_PORT --syncookie-completion reqsk`);
 * -ENOTSUP when this host cannot offload handshakes.  aux_cpu: where the
 * event reader and the sweep timer run (-1: anywhere).
 */
int bench_xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc_port);
/* The same, cut short at `stage` (enum bench_stage, gen.h): micro's breakdown. */
int bench_xdpct_open_stage(struct bench_xdpct *x, __u32 max_flows, int aux_cpu,
			   __u16 sc_port, __u32 stage);
/* The same with `--checksum CHECKSUM` (control, all, off): micro's verification rows. */
int bench_xdpct_open_checksum(struct bench_xdpct *x, __u32 max_flows, int aux_cpu,
			      const char *checksum);
void bench_xdpct_close(struct bench_xdpct *x);
__u64 bench_xdpct_count(void *ctx);		/* ctx: struct bench_xdpct * */
void bench_xdpct_stats(struct bench_xdpct *x, __u64 *c);	/* XDPCT_STAT_SLOTS sums */
/* the SYN-cookie TC ingress program (reqsk completion), -1 without one */
int bench_xdpct_sc_tc(struct bench_xdpct *x);
/* the `lookup` baseline's packet counter */
__u64 bench_lookup_count(void *ctx);		/* ctx: struct bench_xdpct * */
int bench_lookup_prog(struct bench_xdpct *x);
/* n established flows, numbered as the generator numbers them, in xdpct's
 * table and in the lookup baseline's */
int bench_xdpct_populate(struct bench_xdpct *x, __u32 client_net, __u32 salt, __u32 n);
/* xdpct_drop (track, then drop) or xdpct_xdp (the production program) */
int bench_xdpct_prog(struct bench_xdpct *x, bool drop);
/* is this one of the bench's own maps (the lookup baseline's), not xdpct's? */
bool bench_map_is_baseline(const char *name);
/* memlock of a preallocated hash of n entries, key_size keys, 8-byte values */
int bench_hash_memlock(__u32 n, __u32 key_size, __u64 *bytes);
/* kernel memory of a map (fdinfo memlock) */
int bench_map_memlock(int map_fd, __u64 *bytes);

#endif /* XDPCT_BENCH_DUT_H */
