/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The generator threads (or pktgen) and one timed measurement window. */
#ifndef XDPCT_BENCH_GENERATOR_H
#define XDPCT_BENCH_GENERATOR_H

#include <stdbool.h>
#include <linux/types.h>
#include "gen.h"

#define BENCH_MAX_CPUS	64
#define BENCH_MAX_SAMPLES 16	/* repetitions of one measurement */

enum bench_source {
	BENCH_SRC_LIVE,		/* BPF_PROG_TEST_RUN live frames running gen */
	BENCH_SRC_PKTGEN,	/* the kernel's pktgen + gen_rx on the receiving veth */
	BENCH_SRC_PKTGEN_SIM,	/* that path with live frames standing in for pktgen */
};
extern enum bench_source bench_source;
const char *bench_source_name(void);

struct gen_bpf;

struct bench_gen {
	struct gen_bpf *skel;
	int prog_fd;
	int ifindex;		/* BENCH_IF_GEN in BENCH_NS_GEN */
	int nthreads;
	int cpus[BENCH_MAX_CPUS];
	int ncpus_possible;
	int ksoftirqd[BENCH_MAX_CPUS];	/* pids of the generator CPUs' ksoftirqd */
	bool rx_attached;	/* gen_rx on the receiving veth (pktgen path) */
	struct gen_cfg cfg;
};

/* One measurement window. */
struct bench_sample {
	double pps;		/* received packets per second */
	double ns_per_pkt;	/* CPU time of the bench's own work per received packet */
	double core_ns_per_pkt;	/* busy time of the generator cores (/proc/stat) per packet */
	double cpu_pct;		/* busy share of the generator cores, 100 = one core */
	double synack_pps;	/* what came back to the generator (SYN-ACKs/s) */
	double tx_pps;		/* what the receiving program sent back (XDP_TX/s) */
	double offered_pps;	/* what the generator sent (frames/s) */
	double lat_p50_ms, lat_p99_ms;	/* the real client's connect times */
	double ns_per_answer;	/* CPU time of the bench's own work per SYN-ACK seen */
	__u64 packets;
	bool legit;		/* a real client ran during the window */
	double legit_cps;	/* its connections completed per second */
	__u64 legit_ok, legit_fail;
};

/* Reads the receiver's packet counter. */
typedef __u64 (*bench_count_fn)(void *ctx);
/* Reads a client's connections completed and failed so far; false: none runs. */
typedef bool (*bench_conn_fn)(__u64 *ok, __u64 *fail);

int bench_gen_open(struct bench_gen *g, const struct gen_cfg *cfg, int nthreads);
void bench_gen_close(struct bench_gen *g);
/* the program under test on the receiving veth (behind gen_rx for pktgen) */
int bench_gen_route(struct bench_gen *g, int prog_fd);
/* Generator per-CPU counters: saved per tracker so each sees one continuous stream. */
int bench_gen_get_counters(struct bench_gen *g, __u64 *cnt);
int bench_gen_set_counters(struct bench_gen *g, const __u64 *cnt);
/* Send exactly `per_thread` packets from every thread (warm-ups). */
int bench_gen_send(struct bench_gen *g, __u64 per_thread);
/* Run the generator for warmup + duration seconds; measure the window (conns: the
 * legitimate client's counters, legit.c; txcount: the receiving program's XDP_TX
 * count, NULL for none). */
int bench_gen_measure(struct bench_gen *g, double duration, bench_count_fn count,
		      bench_count_fn txcount, void *ctx, bench_conn_fn conns,
		      struct bench_sample *out);
__u64 bench_gen_synacks(struct bench_gen *g);
/* the highest nthreads CPUs: CPU 0 keeps the rest of the system */
int bench_pick_cpus(int nthreads, int *cpus);
/* fn on a thread of its own pinned to cpu; 0 if it returned NULL */
int bench_run_on_cpu(int cpu, void *(*fn)(void *), void *arg);

#endif /* XDPCT_BENCH_GENERATOR_H */
