/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpct bench internals.  One file per job:
 *   bench.c         the command: options, scenarios, repetitions, output
 *   bench_net.c     network namespaces, veths, routes, sysctls, nft, setns
 *   bench_gen.c     generator threads (live-frames test runs) and one timed
 *                   measurement window
 *   bench_dut.c     what runs on the receiving veth: ceiling, xdpct, kernel
 *   bench_micro.c   BPF_PROG_TEST_RUN micro-costs and kernel memory per flow
 *   bench_pktgen.c  the /proc/net/pktgen path (kernels that have pktgen)
 *   bench_out.c     the table and the JSON
 */
#ifndef XDPCT_BENCH_H
#define XDPCT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "gen.h"

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
#define BENCH_MAX_CPUS	64
#define BENCH_MAX_SAMPLES 16

/* ---- bench_net.c ------------------------------------------------------ */

enum dut_net {
	DUT_FORWARD,	/* a router: server and clients beyond the sink device */
	DUT_LOCAL,	/* the server's address is local (SYN cookies, SYNPROXY) */
};

extern bool bench_verbose;
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
int bench_xdp_attach(const char *ns, const char *ifname, int prog_fd);
void bench_macs(__u8 gen[6], __u8 dut[6]);
/* global sysctls the bench raises for a million conntrack entries; restored on teardown */
int bench_conntrack_room(unsigned long entries);
void bench_conntrack_restore(void);

/* ---- bench_gen.c ------------------------------------------------------ */

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
	__u64 packets;
	bool legit;		/* a real client ran during the window */
	double legit_cps;	/* its connections completed per second */
	__u64 legit_ok, legit_fail;
};

/* Reads the receiver's packet counter. */
typedef __u64 (*bench_count_fn)(void *ctx);

int bench_gen_open(struct bench_gen *g, const struct gen_cfg *cfg, int nthreads);
void bench_gen_close(struct bench_gen *g);
/* the program under test on the receiving veth (behind gen_rx for pktgen) */
int bench_gen_route(struct bench_gen *g, int prog_fd);
/* Generator per-CPU counters: saved per tracker so each sees one continuous stream. */
int bench_gen_get_counters(struct bench_gen *g, __u64 *cnt);
int bench_gen_set_counters(struct bench_gen *g, const __u64 *cnt);
/* Send exactly `per_thread` packets from every thread (warm-ups). */
int bench_gen_send(struct bench_gen *g, __u64 per_thread);
/* Run the generator for warmup + duration seconds; measure the window. */
int bench_gen_measure(struct bench_gen *g, double duration, bench_count_fn count,
		      void *ctx, struct bench_sample *out);
__u64 bench_gen_synacks(struct bench_gen *g);
int bench_pick_cpus(int nthreads, int *cpus);

/* ---- bench_legit.c ---------------------------------------------------- */

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
int bench_run_on_cpu(int cpu, void *(*fn)(void *), void *arg);

/* ---- bench_dut.c ------------------------------------------------------ */

struct xdpct_bench_bpf;
struct ceiling_bpf;
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
__u64 bench_ceiling_count(void *ctx);		/* ctx: struct ceiling_bpf * */
/*
 * aux_cpu: where the event reader and the sweep timer run (-1: anywhere).
 * sc_port: answer SYNs to this port with XDP SYN cookies (0: off); -ENOTSUP
 * when the datapath has no handshake offload.
 */
int bench_xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc_port);
void bench_xdpct_close(struct bench_xdpct *x);
__u64 bench_xdpct_count(void *ctx);		/* ctx: struct bench_xdpct * */
void bench_xdpct_stats(struct bench_xdpct *x, __u64 *c);	/* XDPCT_STAT_MAX sums */
/* the SYN-cookie TC ingress program (reqsk completion), -1 without one */
int bench_xdpct_sc_tc(struct bench_xdpct *x);
/* n established flows, numbered as the generator numbers them */
int bench_xdpct_populate(struct bench_xdpct *x, __u32 client_net, __u32 salt, __u32 n);
/* xdpct_drop (track, then drop) or xdpct_xdp (the production program) */
int bench_xdpct_prog(struct bench_xdpct *x, bool drop);

/* kernel baselines in the DUT namespace */
int bench_kernel_conntrack(bool on);
int bench_kernel_syncookies(void);		/* listener + tcp_syncookies=2 */
int bench_kernel_synproxy(bool on);
int bench_kernel_listen_fd(void);		/* the listener of the flood, -1 none */
void bench_kernel_close(void);
int bench_kernel_nft_counters(__u64 *est, __u64 *new_, __u64 *inval);
long bench_kernel_ct_count(void);
long bench_conntrack_objsize(void);

/* ---- bench_micro.c ---------------------------------------------------- */

enum micro_kind {
	MICRO_CEILING_ACK,
	MICRO_NON_TCP,
	MICRO_INVALID,
	MICRO_ACK_ONE,		/* ACK on one established flow, again and again */
	MICRO_ACK_WALK,		/* ACK on each of N established flows in turn */
	MICRO_SYN_NEW,		/* SYN that creates a flow */
	MICRO_FIN,		/* FIN on an established flow (starts the close) */
	MICRO_MAX,
};

struct micro_result {
	enum micro_kind kind;
	__u32 flows;		/* table population when measured */
	double ns[BENCH_MAX_SAMPLES];	/* per repetition, wrapper cost removed */
	int n;
};

const char *micro_name(enum micro_kind k);
/* n runs of `repeat` packets of `kind`; x may be NULL for the ceiling */
int bench_micro(struct bench_xdpct *x, struct ceiling_bpf *c, enum micro_kind kind,
		__u32 walk_n, __u32 repeat, int reps, struct micro_result *r);
/* kernel memory of xdpct's maps (fdinfo memlock) */
int bench_map_memlock(int map_fd, __u64 *bytes);

/* ---- bench_pktgen.c --------------------------------------------------- */

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

/* ---- bench_out.c ------------------------------------------------------ */

enum bench_variant {
	V_CEILING,
	V_XDPCT,		/* tracking, then drop */
	V_XDPCT_PASS,		/* tracking in front of the kernel's forwarding path */
	V_KERNEL,		/* nf_conntrack forwarding (tracking scenarios) */
	V_KERNEL_COOKIES,	/* tcp_syncookies=2 and a listener */
	V_KERNEL_SYNPROXY,	/* nft synproxy and a listener */
	V_XDPCT_COOKIES,	/* xdpct answers SYNs with SYN cookies (XDP_TX) */
	V_MAX,
};

struct bench_row {
	const char *scenario;
	enum bench_variant variant;
	__u32 flows;
	struct bench_sample s[BENCH_MAX_SAMPLES];
	int n;
	char note[96];
	/* filled by bench_out */
	double med_pps, min_pps, max_pps;
	double med_ns, med_cpu, med_synack;
	double med_legit;		/* legitimate connections completed/s */
	__u64 legit_fail;		/* their failures, all repetitions */
	bool legit;
	double extra_ns;		/* ns/pkt above the ceiling's */
	double r_ceiling, r_kernel;	/* 0 = no baseline */
};

struct bench_memory {
	__u32 flows;
	__u64 flow_map_bytes;
	__u64 all_maps_bytes;
	long conntrack_objsize;
	long kernel_ct_entries;
};

struct bench_report {
	const char *generator;
	int threads;
	int cpus[BENCH_MAX_CPUS];
	double duration;
	int reps;
	struct bench_row *rows;
	int nrows;
	struct micro_result *micro;
	int nmicro;
	struct bench_memory mem[4];
	int nmem;
};

const char *variant_name(enum bench_variant v);
void bench_summarise(struct bench_report *r);
void bench_print_table(FILE *f, const struct bench_report *r);
void bench_print_json(FILE *f, const struct bench_report *r);
double bench_median(double *v, int n);

#endif /* XDPCT_BENCH_H */
