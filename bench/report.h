/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a bench run found: medians, ratios and targets, as a table or as JSON. */
#ifndef XDPCT_BENCH_REPORT_H
#define XDPCT_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "generator.h"
#include "micro.h"

enum bench_variant {
	V_CEILING,
	V_XDPCT,		/* tracking, then drop */
	V_XDPCT_PASS,		/* tracking in front of the kernel's forwarding path */
	V_KERNEL,		/* nf_conntrack forwarding (tracking scenarios) */
	V_KERNEL_COOKIES,	/* tcp_syncookies=2 and a listener */
	V_KERNEL_SYNPROXY,	/* nft synproxy and a listener */
	V_XDPCT_COOKIES,	/* xdpct answers SYNs with SYN cookies (XDP_TX) */
	V_LOOKUP,		/* parse, xdpct's key, one hash lookup, drop: the floor */
	V_FORWARD,		/* the kernel forwards, no tracker at all */
	V_REFLECTOR,		/* XDP: SYN -> SYN-ACK in place, no cookie (the flood's limit) */
	V_SELFTEST,		/* XDP: the kernel selftest's xdp_synproxy approach */
	V_MAX,
};

struct bench_row {
	const char *scenario;
	enum bench_variant variant;
	__u32 flows;
	struct bench_sample s[BENCH_MAX_SAMPLES];
	int n;
	char note[96];
	/* filled by bench_summarise */
	double med_pps, min_pps, max_pps;
	double med_ns, med_cpu, med_synack;
	double med_legit;		/* legitimate connections completed/s */
	__u64 legit_fail;		/* their failures, all repetitions */
	bool legit;
	double extra_ns;		/* ns/pkt above the ceiling's */
	double med_tx;			/* XDP_TX/s of the receiving program (flood) */
	double med_nsa;			/* CPU ns per SYN-ACK seen at the sink (flood) */
	/* flood: answers per CPU-second against reflector, selftest, kernel cookies */
	double r_refl, r_self, r_kcook;
	/* overload: the generator's rate, the real client's connect times */
	double med_offered, med_p50, med_p99;
	double r_ceiling, r_kernel;	/* 0 = no baseline */
	double r_lookup;		/* extra_ns / the lookup row's extra_ns (xdpct) */
};

struct bench_memory {
	__u32 flows;
	__u64 flow_map_bytes;
	__u64 all_maps_bytes;
	__u64 lookup_map_bytes;		/* the lookup baseline's hash, same capacity */
	__u64 hash44_bytes, hash16_bytes;	/* a hash of that capacity with an 8-byte
						 * value: 44-byte key (xdpct's), 16-byte key */
	long conntrack_objsize;
	long kernel_ct_entries;
};

/* One stage of micro's breakdown (enum bench_stage), cumulative ns. */
struct bench_stage_ns {
	__u32 stage;
	double one[BENCH_MAX_SAMPLES];	/* the same flow again and again */
	double walk[BENCH_MAX_SAMPLES];	/* walk_flows flows in turn */
	int n;
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
	struct bench_stage_ns stages[BENCH_STAGE_MAX];
	int nstages;
	__u32 stage_walk_flows;
};

const char *variant_name(enum bench_variant v);
void bench_summarise(struct bench_report *r);
void bench_print_table(FILE *f, const struct bench_report *r);
void bench_print_json(FILE *f, const struct bench_report *r);
double bench_median(double *v, int n);

#endif /* XDPCT_BENCH_REPORT_H */
