// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct bench: the command.  Builds its own network namespaces, runs every
 * scenario against xdpct and against the baselines in the same run,
 * repeats every measurement, and removes everything it made, on Ctrl-C or
 * failure too.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "cli/commands.h"
#include "lib/instance.h"
#include "lib/xdpct.h"
#include "ceiling.skel.h"
#include "xdpct_bench.skel.h"

const char bench_help[] =
"Usage: xdpct bench [SCENARIO...] [--duration S] [--flows N] [--threads N]\n"
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
"\n"
"Each scenario runs: ceiling (XDP parse and drop: the most the path carries),\n"
"xdpct (track, then drop), xdpct-pass (track, the kernel forwards), and the\n"
"kernel (no XDP tracking: nf_conntrack with an nft stateful rule; for the flood\n"
"the kernel's SYN cookies and nft SYNPROXY).\n"
"\n"
"Generator (--generator): 'pktgen' is the kernel's pktgen, driven as its\n"
"samples/pktgen scripts do (kpktgend on the highest CPUs), its UDP frames\n"
"rewritten into the scenario's TCP segments by bpf/gen.bpf.c on the receiving\n"
"veth; 'live' is BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES running\n"
"bpf/gen.bpf.c, one thread pinned per CPU (the highest CPUs); 'auto' (default)\n"
"takes pktgen when /proc/net/pktgen exists, else live.  'pktgen-sim' runs the\n"
"pktgen path's receiving side with live frames instead of pktgen (a test).\n"
"\n"
"Options:\n"
"  -d, --duration S   seconds per measurement (default 2)\n"
"  -n, --flows N      established: only N flows (default 1000, 100000, 1000000)\n"
"  -t, --threads N    generator threads, one per CPU (default 1)\n"
"  -r, --reps N       repetitions of every measurement (default 3)\n"
"  -v, --verbose      show the commands run\n"
"  -g, --generator G  auto, live, pktgen or pktgen-sim (default auto)\n"
"  -o, --json-out F   also write the JSON to file F\n"
"  -j, --json         one JSON object instead of the table\n"
"\n"
"Figures: packets/s counted by the receiving program itself; ns/packet = busy\n"
"time of the generator's cores (from /proc/stat) per received packet; CPU%;\n"
"ratios to ceiling and kernel.  Median [min-max] of the repetitions.\n"
"Needs root.  Changes nf_conntrack_max/hashsize for the 1M-flow kernel run and\n"
"puts them back.\n"
"\n"
"Exit status: 0 done; 1 a measurement failed; 2 bad usage; 130 interrupted.\n"
"Example: xdpct bench established --flows 100000 --duration 3\n";

enum { S_ESTABLISHED, S_CHURN, S_SYNFLOOD, S_GARBAGE, S_MICRO, S_MAX };

static const char *const scen_names[S_MAX] = {
	"established", "churn", "synflood", "garbage", "micro",
};

#define SALT 0x5eed1234u
#define MAX_ROWS 64
#define MAX_MICRO 24
#define CHURN_INFLIGHT 1024	/* connections in flight per generator thread */
#define DEFAULT_TABLE 65536	/* the loader's default flow-table size */

struct bench_opts {
	const char *json_out;
	const char *generator;
	double duration;
	int threads;
	int reps;
	__u32 flows;
	bool scen[S_MAX];
};

struct run {
	struct bench_opts o;
	struct bench_report rep;
	int aux_cpu;
	int failed;
};

static void on_signal(int sig)
{
	bench_stop = 1;
}

static int bench_opt(int opt, const char *arg, void *ctx)
{
	struct bench_opts *o = ctx;
	char *end;

	switch (opt) {
	case 'd':
		o->duration = strtod(arg, &end);
		if (*end || o->duration < 0.2 || o->duration > 600)
			goto bad;
		return 1;
	case 'n':
		o->flows = strtoul(arg, &end, 10);
		if (*end || !o->flows || o->flows > 16000000)
			goto bad;
		return 1;
	case 't':
		o->threads = strtol(arg, &end, 10);
		if (*end || o->threads < 1 || o->threads > BENCH_MAX_CPUS)
			goto bad;
		return 1;
	case 'r':
		o->reps = strtol(arg, &end, 10);
		if (*end || o->reps < 1 || o->reps > BENCH_MAX_SAMPLES)
			goto bad;
		return 1;
	case 'v':
		bench_verbose = true;
		return 1;
	case 'o':
		o->json_out = arg;
		return 1;
	case 'g':
		if (strcmp(arg, "auto") && strcmp(arg, "live") && strcmp(arg, "pktgen") &&
		    strcmp(arg, "pktgen-sim"))
			goto bad;
		o->generator = arg;
		return 1;
	}
	return 0;
bad:
	xdpct_err("bench: bad value '%s' for -%c (see xdpct bench --help)", arg, opt);
	return -1;
}

static struct bench_row *new_row(struct run *r, const char *scen, enum bench_variant v,
				 __u32 flows)
{
	struct bench_row *w;

	if (r->rep.nrows >= MAX_ROWS)
		return NULL;
	w = &r->rep.rows[r->rep.nrows++];
	memset(w, 0, sizeof(*w));
	w->scenario = scen;
	w->variant = v;
	w->flows = flows;
	return w;
}

/* What one scenario has on the receiving side. */
struct dut {
	struct ceiling_bpf *ceil;
	struct bench_xdpct x;
	struct bench_xdpct xsc;		/* synflood: xdpct with SYN cookies on */
	bool have_x, have_xsc;
};

/* Trackers keep their own generator stream: 0 ceiling, 1 xdpct, 2 kernel, 3 cookies. */
#define TRACKERS 4
static int tracker_of(enum bench_variant v)
{
	if (v == V_XDPCT_COOKIES)
		return 3;
	return v == V_CEILING ? 0 : (v == V_XDPCT || v == V_XDPCT_PASS) ? 1 : 2;
}

static int variant_on(struct dut *d, struct bench_gen *g, enum bench_variant v,
		      bench_count_fn *count, void **ctx)
{
	int fd, err = 0;

	switch (v) {
	case V_CEILING:
		fd = bpf_program__fd(d->ceil->progs.ceiling);
		*count = bench_ceiling_count;
		*ctx = d->ceil;
		break;
	case V_XDPCT:
	case V_XDPCT_PASS:
		fd = bench_xdpct_prog(&d->x, v == V_XDPCT);
		*count = bench_xdpct_count;
		*ctx = &d->x;
		break;
	case V_XDPCT_COOKIES:
		/* the production program: its XDP_TX is the SYN-ACK */
		fd = bench_xdpct_prog(&d->xsc, false);
		*count = bench_xdpct_count;
		*ctx = &d->xsc;
		break;
	default:
		fd = bpf_program__fd(d->ceil->progs.count_pass);
		*count = bench_ceiling_count;
		*ctx = d->ceil;
		if (v == V_KERNEL)
			err = bench_kernel_conntrack(true);
		else if (v == V_KERNEL_SYNPROXY)
			err = bench_kernel_synproxy(true);
		else
			err = bench_kernel_syncookies();
		break;
	}
	if (err)
		return err;
	return bench_gen_route(g, fd);
}

static void variant_off(struct dut *d, enum bench_variant v)
{
	/* the next variant must not find netfilter hooks in the way */
	if (v == V_KERNEL)
		bench_kernel_conntrack(false);
	else if (v == V_KERNEL_SYNPROXY)
		bench_kernel_synproxy(false);
}

/* The flood's variants with a listener behind them: a real client runs too. */
static bool legit_variant(enum bench_variant v)
{
	return v == V_KERNEL_COOKIES || v == V_KERNEL_SYNPROXY || v == V_XDPCT_COOKIES;
}

static void legit_on(struct dut *d, struct bench_gen *g, enum bench_variant v)
{
	static bool warned;
	int err;

	if (!legit_variant(v))
		return;
	err = bench_legit_start(g, bench_kernel_listen_fd(),
				v == V_XDPCT_COOKIES ? bench_xdpct_sc_tc(&d->xsc) : -1);
	if (err && !warned) {
		warned = true;
		xdpct_warn("bench: no legitimate client during the flood (%s)",
			   err == -ENOTSUP ? "not with the pktgen generator" : strerror(-err));
	}
}

/*
 * Repetitions outside, variants inside: drift on a shared machine spreads
 * over all variants alike.  Each tracker continues its own packet stream,
 * so it never sees sequence numbers jump over what another one was sent.
 */
static int measure(struct run *r, struct dut *d, struct bench_gen *g, const char *scen,
		   __u32 flows, const enum bench_variant *vs, int nv, struct bench_row **rows)
{
	__u64 cnt[TRACKERS][BENCH_MAX_CPUS * 4] = {};
	int rep, i, err;

	if (g->ncpus_possible > BENCH_MAX_CPUS * 4)
		return -E2BIG;
	for (i = 0; i < nv; i++) {
		rows[i] = new_row(r, scen, vs[i], flows);
		if (!rows[i])
			return -ENOSPC;
	}
	for (rep = 0; rep < r->o.reps && !bench_stop; rep++) {
		for (i = 0; i < nv && !bench_stop; i++) {
			int t = tracker_of(vs[i]);
			bench_count_fn count;
			void *ctx;

			err = variant_on(d, g, vs[i], &count, &ctx);
			if (!err)
				err = bench_gen_set_counters(g, cnt[t]);
			if (!err)
				legit_on(d, g, vs[i]);
			if (!err)
				err = bench_gen_measure(g, r->o.duration, count, ctx,
							&rows[i]->s[rows[i]->n]);
			bench_legit_stop();
			bench_gen_get_counters(g, cnt[t]);
			variant_off(d, vs[i]);
			if (err) {
				if (err != -EINTR)
					xdpct_err("bench: %s/%s: measurement failed: %s", scen,
						  variant_name(vs[i]), strerror(-err));
				return err;
			}
			rows[i]->n++;
			if (!g_out.json) {
				const struct bench_sample *sm = &rows[i]->s[rows[i]->n - 1];

				fprintf(stderr, "  %-12s %8u %-18s rep %d: %.3f Mpps", scen, flows,
					variant_name(vs[i]), rep + 1, sm->pps / 1e6);
				if (sm->legit)
					fprintf(stderr, ", legit %.0f conn/s, %llu failed",
						sm->legit_cps, (unsigned long long)sm->legit_fail);
				fprintf(stderr, "\n");
			}
		}
	}
	return bench_stop ? -EINTR : 0;
}

static void dut_close(struct dut *d)
{
	if (d->have_x)
		bench_xdpct_close(&d->x);
	if (d->have_xsc)
		bench_xdpct_close(&d->xsc);
	d->have_x = d->have_xsc = false;
	ceiling_bpf__destroy(d->ceil);
	d->ceil = NULL;
	bench_kernel_close();
	bench_net_teardown();
}

static int dut_open(struct run *r, struct dut *d, enum dut_net mode, __u32 table)
{
	int err;

	memset(d, 0, sizeof(*d));
	err = bench_net_setup(mode);
	if (err)
		return err;
	err = bench_ceiling_open(&d->ceil);
	if (err) {
		xdpct_err("bench: loading the ceiling program failed: %s", strerror(-err));
		goto fail;
	}
	if (table) {
		err = bench_xdpct_open(&d->x, table, r->aux_cpu, 0);
		if (err) {
			xdpct_err("bench: loading xdpct failed: %s", strerror(-err));
			goto fail;
		}
		d->have_x = true;
	}
	return 0;
fail:
	dut_close(d);
	return err;
}

static void gen_cfg(struct gen_cfg *c, enum gen_mode mode, __u32 flows)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->flows = flows;
	c->client_net = BENCH_CLIENTS;
	c->server_addr = BENCH_SERVER;
	c->server_port = BENCH_PORT;
	c->isn_salt = SALT;
	bench_macs(c->src_mac, c->dst_mac);
}

static void xdpct_note(struct bench_row *w, struct bench_xdpct *x)
{
	__u64 c[XDPCT_STAT_MAX];
	__u64 inv = 0;
	int i;

	bench_xdpct_stats(x, c);
	for (i = XDPCT_STAT_INV_ETH; i <= XDPCT_STAT_INV_STATE; i++)
		inv += c[i];
	snprintf(w->note, sizeof(w->note), "invalid %.1f%% created %llu evicted %llu "
		 "insert-fail %llu events %llu lost %llu",
		 c[XDPCT_STAT_PACKETS] ? 100.0 * inv / c[XDPCT_STAT_PACKETS] : 0,
		 (unsigned long long)c[XDPCT_STAT_FLOWS_CREATED],
		 (unsigned long long)c[XDPCT_STAT_FLOWS_EVICTED],
		 (unsigned long long)c[XDPCT_STAT_INSERT_FAILED],
		 (unsigned long long)x->events_read,
		 (unsigned long long)c[XDPCT_STAT_EVENTS_LOST]);
}

static void kernel_note(struct bench_row *w)
{
	snprintf(w->note, sizeof(w->note), "conntrack entries %ld", bench_kernel_ct_count());
}

static void memory(struct run *r, struct bench_xdpct *x, __u32 flows)
{
	struct bench_memory *m;
	struct bpf_map *map;
	__u64 b;

	if (r->rep.nmem >= (int)(sizeof(r->rep.mem) / sizeof(r->rep.mem[0])))
		return;
	m = &r->rep.mem[r->rep.nmem];
	memset(m, 0, sizeof(*m));
	m->flows = flows;
	if (bench_map_memlock(bpf_map__fd(x->skel->maps.xdpct_flows), &m->flow_map_bytes))
		return;
	bpf_object__for_each_map(map, x->skel->obj)
		if (!bench_map_memlock(bpf_map__fd(map), &b))
			m->all_maps_bytes += b;
	m->conntrack_objsize = bench_conntrack_objsize();
	r->rep.nmem++;
}

static void micro(struct run *r, struct bench_xdpct *x, struct ceiling_bpf *c,
		  enum micro_kind k, __u32 n, __u32 repeat)
{
	struct micro_result *m;
	int err;

	if (r->rep.nmicro >= MAX_MICRO || bench_stop)
		return;
	m = &r->rep.micro[r->rep.nmicro];
	err = bench_micro(x, c, k, n, repeat, r->o.reps, m);
	if (err) {
		if (err != -EINTR)
			xdpct_err("bench: micro %s: %s", micro_name(k), strerror(-err));
		r->failed = 1;
		return;
	}
	r->rep.nmicro++;
}

/* ---- scenarios --------------------------------------------------------- */

static int run_established(struct run *r, __u32 n)
{
	static const enum bench_variant vs[] = { V_CEILING, V_XDPCT, V_XDPCT_PASS, V_KERNEL };
	struct bench_row *rows[4];
	struct bench_gen g = {}, hs = {};
	struct gen_cfg cfg;
	struct dut d;
	long ct;
	int err;

	err = dut_open(r, &d, DUT_FORWARD, n);
	if (err)
		return err;
	err = bench_xdpct_populate(&d.x, BENCH_CLIENTS, SALT, n);
	if (err) {
		xdpct_err("bench: filling the flow table failed: %s", strerror(-err));
		goto out;
	}
	memory(r, &d.x, n);
	micro(r, &d.x, NULL, MICRO_ACK_WALK, n, 1000000);

	/* nf_conntrack learns its flows the only way it can: from handshakes */
	if (n > 200000 && bench_conntrack_room(n))
		xdpct_warn("bench: could not raise nf_conntrack_max; kernel figures at %u flows "
			   "may show a full table", n);
	gen_cfg(&cfg, GEN_HANDSHAKE, n);
	err = bench_gen_open(&hs, &cfg, r->o.threads);
	if (!err)
		err = bench_gen_route(&hs, bpf_program__fd(d.ceil->progs.count_pass));
	if (!err)
		err = bench_kernel_conntrack(true);
	if (!err)
		err = bench_gen_send(&hs, 3ULL * ((n + r->o.threads - 1) / r->o.threads));
	bench_gen_close(&hs);
	bench_kernel_conntrack(false);
	if (err)
		goto out;
	ct = bench_kernel_ct_count();

	gen_cfg(&cfg, GEN_ESTABLISHED, n);
	err = bench_gen_open(&g, &cfg, r->o.threads);
	if (err)
		goto out;
	err = measure(r, &d, &g, "established", n, vs, 4, rows);
	xdpct_note(rows[1], &d.x);
	snprintf(rows[3]->note, sizeof(rows[3]->note), "conntrack entries %ld after warm-up, %ld now",
		 ct, bench_kernel_ct_count());
out:
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

static int run_churn(struct run *r)
{
	static const enum bench_variant vs[] = { V_CEILING, V_XDPCT, V_XDPCT_PASS, V_KERNEL };
	struct bench_row *rows[4];
	struct bench_gen g = {};
	struct gen_cfg cfg;
	struct dut d;
	int err;

	err = dut_open(r, &d, DUT_FORWARD, DEFAULT_TABLE);
	if (err)
		return err;
	/* TIME_WAIT lingers 120 s in nf_conntrack: leave room for the whole run */
	bench_conntrack_room(2000000);
	gen_cfg(&cfg, GEN_CHURN, CHURN_INFLIGHT);
	err = bench_gen_open(&g, &cfg, r->o.threads);
	if (!err)
		err = measure(r, &d, &g, "churn", CHURN_INFLIGHT * r->o.threads, vs, 4, rows);
	if (!err || err == -EINTR) {
		xdpct_note(rows[1], &d.x);
		kernel_note(rows[3]);
	}
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

static int run_synflood(struct run *r)
{
	enum bench_variant vs[5] = {
		V_CEILING, V_XDPCT, V_KERNEL_COOKIES, V_KERNEL_SYNPROXY,
	};
	struct bench_row *rows[5];
	struct bench_gen g = {};
	struct gen_cfg cfg;
	struct dut d;
	int nv = 4, err;

	err = dut_open(r, &d, DUT_LOCAL, DEFAULT_TABLE);
	if (err)
		return err;
	/* the handshake offload, where this build of the datapath has it */
	err = bench_xdpct_open(&d.xsc, DEFAULT_TABLE, r->aux_cpu, BENCH_PORT);
	if (!err) {
		d.have_xsc = true;
		vs[nv++] = V_XDPCT_COOKIES;
	} else if (err != -ENOTSUP) {
		xdpct_warn("bench: xdpct with SYN cookies did not load (%s): measuring "
			   "tracking only", strerror(-err));
	}
	err = bench_kernel_syncookies();
	if (err) {
		xdpct_err("bench: listener for the SYN-cookie baseline: %s", strerror(-err));
		goto out;
	}
	gen_cfg(&cfg, GEN_SYNFLOOD, 0);
	err = bench_gen_open(&g, &cfg, r->o.threads);
	if (!err)
		err = measure(r, &d, &g, "synflood", 0, vs, nv, rows);
	if (!err) {
		xdpct_note(rows[1], &d.x);
		if (d.have_xsc)
			xdpct_note(rows[4], &d.xsc);
		else
			snprintf(rows[0]->note, sizeof(rows[0]->note), "xdpct only tracks the "
				 "SYNs: no SYN-cookie offloader in this build");
	}
out:
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

static int run_garbage(struct run *r)
{
	static const enum bench_variant vs[] = { V_CEILING, V_XDPCT, V_XDPCT_PASS, V_KERNEL };
	struct bench_row *rows[4];
	struct bench_gen g = {};
	struct gen_cfg cfg;
	struct dut d;
	int err;

	err = dut_open(r, &d, DUT_FORWARD, DEFAULT_TABLE);
	if (err)
		return err;
	gen_cfg(&cfg, GEN_GARBAGE, 0);
	err = bench_gen_open(&g, &cfg, r->o.threads);
	if (!err)
		err = measure(r, &d, &g, "garbage", 0, vs, 4, rows);
	if (!err) {
		xdpct_note(rows[1], &d.x);
		kernel_note(rows[3]);
	}
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

/* Micro-costs need no traffic, only a loaded datapath with flows in it. */
static int run_micro(struct run *r)
{
	const __u32 pop = 131072, rep = 1000000, few = 30000;
	struct ceiling_bpf *c = NULL;
	struct bench_xdpct x;
	int err;

	err = bench_xdpct_open(&x, 2 * pop, r->aux_cpu, 0);
	if (err) {
		xdpct_err("bench: loading xdpct failed: %s", strerror(-err));
		return err;
	}
	err = bench_ceiling_open(&c);
	if (!err)
		err = bench_xdpct_populate(&x, BENCH_CLIENTS, SALT, pop);
	if (err)
		goto out;
	micro(r, &x, c, MICRO_CEILING_ACK, 0, rep);
	micro(r, &x, c, MICRO_NON_TCP, 0, rep);
	micro(r, &x, c, MICRO_INVALID, 0, rep);
	micro(r, &x, c, MICRO_ACK_ONE, 1, rep);
	micro(r, &x, c, MICRO_ACK_WALK, pop, rep);
	/* each run below changes a flow for good: never more runs than flows */
	micro(r, &x, c, MICRO_SYN_NEW, 0, few);
	micro(r, &x, c, MICRO_FIN, pop, few);
out:
	ceiling_bpf__destroy(c);
	bench_xdpct_close(&x);
	return err;
}

static int run_all(struct run *r)
{
	static const __u32 sizes[] = { 1000, 100000, 1000000 };
	int i, err = 0;

	for (i = 0; i < S_MAX && !bench_stop; i++) {
		if (!r->o.scen[i])
			continue;
		if (!g_out.json)
			fprintf(stderr, "bench: %s\n", scen_names[i]);
		switch (i) {
		case S_ESTABLISHED:
			if (r->o.flows) {
				err = run_established(r, r->o.flows);
				break;
			}
			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]) && !bench_stop; k++) {
				err = run_established(r, sizes[k]);
				if (err)
					break;
			}
			break;
		case S_CHURN:
			err = run_churn(r);
			break;
		case S_SYNFLOOD:
			err = run_synflood(r);
			break;
		case S_GARBAGE:
			err = run_garbage(r);
			break;
		case S_MICRO:
			err = run_micro(r);
			break;
		}
		if (err == -EINTR)
			break;
		if (err)
			r->failed = 1;	/* go on: the other scenarios still mean something */
	}
	return bench_stop ? -EINTR : 0;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "flows", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json-out", required_argument, NULL, 'o' },
		{ "generator", required_argument, NULL, 'g' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct run *r;
	int first, i, j, ret = 0, err;
	bool any = false;

	r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	r->o = (struct bench_opts){ .duration = 2, .threads = 1, .reps = 3 };
	first = parse_cmd_opts(argc, argv, "d:n:t:r:vo:g:", longopts, bench_opt, &r->o);
	if (first < 0) {
		ret = 2;
		goto out_free;
	}
	for (i = first; i < argc; i++) {
		for (j = 0; j < S_MAX; j++)
			if (!strcmp(argv[i], scen_names[j]))
				break;
		if (j == S_MAX) {
			xdpct_err("bench: unknown scenario '%s' (established, churn, synflood, "
				  "garbage, micro)", argv[i]);
			ret = 2;
			goto out_free;
		}
		r->o.scen[j] = any = true;
	}
	if (!any)
		for (j = 0; j < S_MAX; j++)
			r->o.scen[j] = true;
	if (!xdpct_check_env(true)) {
		ret = 1;
		goto out_free;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < r->o.threads) {
		xdpct_err("bench: %d threads but only %ld CPUs", r->o.threads,
			  sysconf(_SC_NPROCESSORS_ONLN));
		ret = 2;
		goto out_free;
	}
	r->rep.rows = calloc(MAX_ROWS, sizeof(*r->rep.rows));
	r->rep.micro = calloc(MAX_MICRO, sizeof(*r->rep.micro));
	if (!r->rep.rows || !r->rep.micro) {
		ret = 1;
		goto out_free;
	}
	r->rep.threads = r->o.threads;
	r->rep.duration = r->o.duration;
	r->rep.reps = r->o.reps;
	bench_pick_cpus(r->o.threads, r->rep.cpus);
	/* event reader and sweep timer on a CPU the generator leaves free */
	r->aux_cpu = sysconf(_SC_NPROCESSORS_ONLN) > r->o.threads ? 0 : -1;
	if (!r->o.generator || !strcmp(r->o.generator, "auto"))
		bench_source = pktgen_available() ? BENCH_SRC_PKTGEN : BENCH_SRC_LIVE;
	else if (!strcmp(r->o.generator, "pktgen"))
		bench_source = BENCH_SRC_PKTGEN;
	else if (!strcmp(r->o.generator, "pktgen-sim"))
		bench_source = BENCH_SRC_PKTGEN_SIM;
	else
		bench_source = BENCH_SRC_LIVE;
	if (bench_source == BENCH_SRC_PKTGEN && !pktgen_available()) {
		xdpct_err("bench: this kernel has no pktgen (/proc/net/pktgen): use "
			  "--generator live");
		ret = 2;
		goto out_free;
	}
	r->rep.generator = bench_source_name();

	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	bench_stop = 0;
	bench_net_remove_stale();
	err = run_all(r);
	bench_net_teardown();
	bench_conntrack_restore();
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	bench_summarise(&r->rep);
	if (g_out.json)
		bench_print_json(stdout, &r->rep);
	else
		bench_print_table(stdout, &r->rep);
	if (r->o.json_out) {
		FILE *f = fopen(r->o.json_out, "w");

		if (f) {
			bench_print_json(f, &r->rep);
			fclose(f);
		} else {
			xdpct_err("bench: %s: %s", r->o.json_out, strerror(errno));
			r->failed = 1;
		}
	}
	if (err == -EINTR) {
		xdpct_err("bench: interrupted; everything it created is removed");
		ret = 130;
	} else if (r->failed) {
		ret = 1;
	}
out_free:
	free(r->rep.rows);
	free(r->rep.micro);
	free(r);
	return ret;
}
