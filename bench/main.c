// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the datapath against baselines measured in the same run (a
 * tool of its own, as xdp-tools' xdp-bench).  One table of options makes
 * both the command line and its --help; the work is in scenario.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include "generator.h"
#include "net.h"
#include "pktgen.h"
#include "report.h"
#include "scenario.h"
#include "lib/env.h"
#include "lib/log.h"

static const char help_head[] =
"Usage: xdpct-bench [SCENARIO...] [--duration S] [--flows N] [--threads N]\n"
"                   [--reps N] [--generator G] [--json-out FILE] [-v] [-j]\n"
"\n"
"Benchmark the datapath against baselines measured in the same run, on the\n"
"same veth pair and generator, inside network namespaces the benchmark creates\n"
"and removes (xbench-gen, xbench-dut).\n"
"\n"
"Scenarios (default: all):\n"
"  established  data and ACKs on N flows already in the table, N = 1K, 100K, 1M\n"
"  churn        whole connections: SYN, SYN-ACK, ACK, data, FIN, ACK, FIN, ACK\n"
"  synflood     SYNs from random sources to port 80\n"
"  garbage      malformed and non-TCP packets\n"
"  micro        BPF_PROG_TEST_RUN cost per packet kind, memory per flow\n"
"  overload     the flood at the generator's full rate into a receiver on the\n"
"               other CPU (threaded NAPI): SYN-ACKs/s, legitimate connections\n"
"               completed and failed, connect p50/p99, frames dropped\n"
"\n"
"Each scenario runs: ceiling (XDP parse and drop: the most the path carries),\n"
"xdpct (track, then drop), xdpct-pass (track, the kernel forwards), and the\n"
"kernel (no XDP tracking: nf_conntrack with an nft stateful rule; for the flood\n"
"the kernel's SYN cookies and nft SYNPROXY).  established also runs lookup\n"
"(parse, xdpct's key, one lookup in a hash like xdpct's holding the same\n"
"flows, drop: the floor of any tracker); \"x lkup\" is xdpct's ns over the\n"
"ceiling against lookup's.  micro also breaks an established ACK down by stage.\n"
"\n"
"Generator (--generator): 'pktgen' is the kernel's pktgen, driven as its\n"
"samples/pktgen scripts do (kpktgend on the highest CPUs), its UDP frames\n"
"rewritten into the scenario's TCP segments by bench/bpf/gen.bpf.c on the\n"
"receiving veth; 'live' is BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES\n"
"running bench/bpf/gen.bpf.c, one thread pinned per CPU (the highest CPUs);\n"
"'auto' (default) takes pktgen when /proc/net/pktgen exists, else live.\n"
"'pktgen-sim' runs the pktgen path's receiving side with live frames instead\n"
"of pktgen (a test).\n"
"\n";

static const char help_tail[] =
"\n"
"Figures: packets/s counted by the receiving program itself; ns/packet = busy\n"
"time of the generator's cores (from /proc/stat) per received packet; CPU%;\n"
"ratios to ceiling and kernel.  Median [min-max] of the repetitions.\n"
"Needs root.  Changes nf_conntrack_max/hashsize for the 1M-flow kernel run and\n"
"puts them back.\n"
"\n"
"Exit status: 0 done; 1 a measurement failed; 2 bad usage; 130 interrupted.\n"
"Example: xdpct-bench established --flows 100000 --duration 3\n";

/* One option: --name and -key, its value's name (NULL: a flag), its help line. */
struct bench_option {
	const char *name;
	int key;
	const char *arg;
	const char *help;
};

static const struct bench_option options[] = {
	{ "duration", 'd', "S", "seconds per measurement (default 2)" },
	{ "flows", 'n', "N", "established: only N flows (default 1000, 100000, 1000000)" },
	{ "threads", 't', "N", "generator threads, one per CPU (default 1)" },
	{ "reps", 'r', "N", "repetitions of every measurement (default 3)" },
	{ "offer", 'O', "MPPS", "overload: the flood's rate (default 1.2; 0: full rate)" },
	{ "verbose", 'v', NULL, "show the commands run" },
	{ "generator", 'g', "G", "auto, live, pktgen or pktgen-sim (default auto)" },
	{ "json-out", 'o', "F", "also write the JSON to file F" },
	{ "json", 'j', NULL, "one JSON object instead of the table" },
	{ "help", 'h', NULL, "this text" },
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void usage(FILE *f)
{
	char left[32];
	size_t i;

	fputs(help_head, f);
	fputs("Options:\n", f);
	for (i = 0; i < NOPTIONS; i++) {
		snprintf(left, sizeof(left), "%s%s%s", options[i].name,
			 options[i].arg ? " " : "", options[i].arg ? options[i].arg : "");
		fprintf(f, "  -%c, --%-13s%s\n", options[i].key, left, options[i].help);
	}
	fputs(help_tail, f);
}

static int bad_value(int key, const char *arg)
{
	xdpct_err("bench: bad value '%s' for -%c (see xdpct-bench --help)", arg, key);
	return -1;
}

/* 1 applied, 0 --help, -1 bad (printed) */
static int apply_option(struct bench_opts *o, int key, const char *arg)
{
	char *end;

	switch (key) {
	case 'd':
		o->duration = strtod(arg, &end);
		if (*end || o->duration < 0.2 || o->duration > 600)
			return bad_value(key, arg);
		return 1;
	case 'n':
		/* the table holds exactly N flows: attach's limits apply */
		o->flows = strtoul(arg, &end, 10);
		if (*end || o->flows < 16 || o->flows > 16000000)
			return bad_value(key, arg);
		return 1;
	case 't':
		o->threads = strtol(arg, &end, 10);
		if (*end || o->threads < 1 || o->threads > BENCH_MAX_CPUS)
			return bad_value(key, arg);
		return 1;
	case 'r':
		o->reps = strtol(arg, &end, 10);
		if (*end || o->reps < 1 || o->reps > BENCH_MAX_SAMPLES)
			return bad_value(key, arg);
		return 1;
	case 'v':
		bench_verbose = true;
		return 1;
	case 'O':
		o->offer_mpps = strtod(arg, &end);
		if (*end || o->offer_mpps < 0 || o->offer_mpps > 100)
			return bad_value(key, arg);
		return 1;
	case 'o':
		o->json_out = arg;
		return 1;
	case 'g':
		if (strcmp(arg, "auto") && strcmp(arg, "live") && strcmp(arg, "pktgen") &&
		    strcmp(arg, "pktgen-sim"))
			return bad_value(key, arg);
		o->generator = arg;
		return 1;
	case 'j':
		o->json = g_out.json = true;
		return 1;
	}
	return 0;
}

/* The options, then the scenarios named; the index of the first, or -1 / -2 (--help). */
static int parse(int argc, char **argv, struct bench_opts *o)
{
	struct option longopts[NOPTIONS + 1] = {};
	char shorts[2 * NOPTIONS + 2] = ":";
	size_t i, n = 1;
	int key, r;

	for (i = 0; i < NOPTIONS; i++) {
		longopts[i] = (struct option){ options[i].name,
					       options[i].arg ? required_argument : no_argument,
					       NULL, options[i].key };
		shorts[n++] = options[i].key;
		if (options[i].arg)
			shorts[n++] = ':';
	}
	opterr = 0;
	while ((key = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		if (key == '?' || key == ':') {
			xdpct_err("bench: %s '%s' (see xdpct-bench --help)",
				  key == ':' ? "missing value for" : "unknown option",
				  argv[optind - 1]);
			return -1;
		}
		r = apply_option(o, key, optarg);
		if (r < 0)
			return -1;
		if (r == 0)
			return -2;
	}
	return optind;
}

static void on_signal(int sig)
{
	bench_stop = 1;
}

static int pick_generator(const struct bench_opts *o)
{
	if (!o->generator || !strcmp(o->generator, "auto"))
		bench_source = pktgen_available() ? BENCH_SRC_PKTGEN : BENCH_SRC_LIVE;
	else if (!strcmp(o->generator, "pktgen"))
		bench_source = BENCH_SRC_PKTGEN;
	else if (!strcmp(o->generator, "pktgen-sim"))
		bench_source = BENCH_SRC_PKTGEN_SIM;
	else
		bench_source = BENCH_SRC_LIVE;
	if (bench_source == BENCH_SRC_PKTGEN && !pktgen_available()) {
		xdpct_err("bench: this kernel has no pktgen (/proc/net/pktgen): use "
			  "--generator live");
		return -1;
	}
	return 0;
}

static void report(struct bench_run *r)
{
	FILE *f;

	bench_summarise(&r->rep);
	if (r->o.json)
		bench_print_json(stdout, &r->rep);
	else
		bench_print_table(stdout, &r->rep);
	if (!r->o.json_out)
		return;
	f = fopen(r->o.json_out, "w");
	if (!f) {
		xdpct_err("bench: %s: %s", r->o.json_out, strerror(errno));
		r->failed = 1;
		return;
	}
	bench_print_json(f, &r->rep);
	fclose(f);
}

/*
 * One bench at a time on a machine: two would share the CPUs they measure
 * and tear down each other's namespaces.  Held until exit; -1 on failure.
 */
#define BENCH_LOCK "/run/xdpct-bench.lock"

/*
 * `flock /run/xdpct-bench.lock make bench` hands the bench its lock on an
 * inherited descriptor: locking the file again through a new one would wait
 * for ourselves forever.  The same open file description locks at once.
 */
static int inherited_lock(void)
{
	char path[64], target[sizeof(BENCH_LOCK) + 1];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		int n = atoi(e->d_name);
		ssize_t len;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || n == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", n);
		len = readlink(path, target, sizeof(target) - 1);
		if (len != (ssize_t)strlen(BENCH_LOCK) || memcmp(target, BENCH_LOCK, len))
			continue;
		if (!flock(n, LOCK_EX | LOCK_NB))
			fd = n;
	}
	closedir(d);
	return fd;
}

static int bench_lock(void)
{
	int fd = inherited_lock();

	if (fd >= 0)
		return fd;
	fd = open(BENCH_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		xdpct_err("bench: cannot open %s: %s", BENCH_LOCK, strerror(errno));
		return -1;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	fprintf(stderr, "bench: another run holds %s; waiting for it\n", BENCH_LOCK);
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR || bench_stop) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct bench_run *r;
	int first, i, j, ret = 0, err;
	bool any = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->o = (struct bench_opts){ .duration = 2, .threads = 1, .reps = 3, .offer_mpps = 1.2 };
	first = parse(argc, argv, &r->o);
	if (first < 0) {
		if (first == -2)
			usage(stdout);
		ret = first == -2 ? 0 : 2;
		goto out;
	}
	for (i = first; i < argc; i++) {
		for (j = 0; j < S_MAX; j++)
			if (!strcmp(argv[i], bench_scenario_names[j]))
				break;
		if (j == S_MAX) {
			xdpct_err("bench: unknown scenario '%s' (established, churn, synflood, "
				  "garbage, micro, overload)", argv[i]);
			ret = 2;
			goto out;
		}
		r->o.scen[j] = any = true;
	}
	for (j = 0; !any && j < S_MAX; j++)
		r->o.scen[j] = true;
	if (!xdpct_check_env(true)) {
		ret = 1;
		goto out;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < r->o.threads) {
		xdpct_err("bench: %d threads but only %ld CPUs", r->o.threads,
			  sysconf(_SC_NPROCESSORS_ONLN));
		ret = 2;
		goto out;
	}
	if (pick_generator(&r->o)) {
		ret = 2;
		goto out;
	}
	r->rep.rows = calloc(BENCH_MAX_ROWS, sizeof(*r->rep.rows));
	r->rep.micro = calloc(BENCH_MAX_MICRO, sizeof(*r->rep.micro));
	if (!r->rep.rows || !r->rep.micro) {
		ret = 1;
		goto out;
	}
	r->rep.generator = bench_source_name();
	r->rep.threads = r->o.threads;
	r->rep.duration = r->o.duration;
	r->rep.reps = r->o.reps;
	bench_pick_cpus(r->o.threads, r->rep.cpus);
	/* event reader and sweep timer on a CPU the generator leaves free */
	r->aux_cpu = sysconf(_SC_NPROCESSORS_ONLN) > r->o.threads ? 0 : -1;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (bench_lock() < 0) {
		ret = bench_stop ? 130 : 1;
		goto out;
	}
	bench_net_remove_stale();
	err = bench_run_all(r);
	/* one cleanup path: whatever a scenario left, however it ended */
	bench_net_teardown();
	bench_conntrack_restore();

	report(r);
	if (err == -EINTR) {
		xdpct_err("bench: interrupted; everything it created is removed");
		ret = 130;
	} else if (r->failed) {
		ret = 1;
	}
out:
	free(r->rep.rows);
	free(r->rep.micro);
	free(r);
	return ret;
}
