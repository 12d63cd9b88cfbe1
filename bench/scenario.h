/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The scenarios, each against its baselines, repeated. */
#ifndef XDPCT_BENCH_SCENARIO_H
#define XDPCT_BENCH_SCENARIO_H

#include <stdbool.h>
#include <linux/types.h>
#include "report.h"

#define BENCH_MAX_ROWS 64	/* rows of the report (r->rep.rows) */
#define BENCH_MAX_MICRO 24	/* micro results (r->rep.micro) */

enum { S_ESTABLISHED, S_CHURN, S_SYNFLOOD, S_GARBAGE, S_MICRO, S_OVERLOAD, S_MAX };

/* "established", "churn", "synflood", "garbage", "micro", "overload" */
extern const char *const bench_scenario_names[S_MAX];

struct bench_opts {
	const char *json_out;
	const char *generator;
	double duration;
	int threads;
	int reps;
	__u32 flows;
	double offer_mpps;	/* overload: the flood's rate, 0: the generator's full rate */
	bool json;		/* -j: the JSON instead of the table */
	bool scen[S_MAX];
};

struct bench_run {
	struct bench_opts o;
	struct bench_report rep;
	int aux_cpu;		/* event reader and sweep timer, -1: anywhere */
	int failed;
};

/* Every chosen scenario; -EINTR when stopped, else 0 (r->failed says how it went). */
int bench_run_all(struct bench_run *r);

#endif /* XDPCT_BENCH_SCENARIO_H */
