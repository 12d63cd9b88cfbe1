// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the scenarios.  Each builds its own network namespaces, runs
 * against xdpct and against the baselines in the same run, repeats every
 * measurement, and removes everything it made, on Ctrl-C or failure too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "baseline.h"
#include "dut.h"
#include "generator.h"
#include "legit.h"
#include "micro.h"
#include "net.h"
#include "scenario.h"
#include "lib/log.h"
#include "xdpct/config.h"
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "bench/ceiling.skel.h"
#include "bench/reflector.skel.h"
#include "bench/xdpct_bench.skel.h"

const char *const bench_scenario_names[S_MAX] = {
	"established", "churn", "synflood", "garbage", "micro", "overload",
};

#define SALT 0x5eed1234u
#define CHURN_INFLIGHT 1024	/* connections in flight per generator thread */
#define DEFAULT_TABLE XDPCT_DEF_FLOWS	/* attach's default flow-table size */

static struct bench_row *new_row(struct bench_run *r, const char *scen, enum bench_variant v,
				 __u32 flows)
{
	struct bench_row *w;

	if (r->rep.nrows >= BENCH_MAX_ROWS)
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
	struct reflector_bpf *refl;	/* synflood: reflector and selftest */
	struct bench_xdpct x;
	struct bench_xdpct xsc;		/* synflood: xdpct with SYN cookies on */
	bool have_x, have_xsc;
};

/*
 * Trackers keep their own generator stream: 0 ceiling, 1 xdpct, 2 kernel,
 * 3 cookies, 4 reflector, 5 selftest.
 */
#define TRACKERS 6
static int tracker_of(enum bench_variant v)
{
	if (v == V_XDPCT_COOKIES)
		return 3;
	if (v == V_REFLECTOR || v == V_SELFTEST)
		return v == V_REFLECTOR ? 4 : 5;
	return v == V_CEILING || v == V_LOOKUP || v == V_FORWARD ? 0 : (v == V_XDPCT || v == V_XDPCT_PASS) ? 1 : 2;
}

static int variant_on(struct dut *d, struct bench_gen *g, enum bench_variant v,
		      bench_count_fn *count, bench_count_fn *tx, void **ctx)
{
	int fd, err = 0;

	*tx = NULL;
	switch (v) {
	case V_REFLECTOR:
	case V_SELFTEST:
		fd = bpf_program__fd(v == V_REFLECTOR ? d->refl->progs.reflector :
							d->refl->progs.selftest);
		*count = bench_reflector_count;
		*tx = bench_reflector_tx;
		*ctx = d->refl;
		break;
	case V_CEILING:
		fd = bpf_program__fd(d->ceil->progs.ceiling);
		*count = bench_ceiling_count;
		*ctx = d->ceil;
		break;
	case V_LOOKUP:
		fd = bench_lookup_prog(&d->x);
		*count = bench_lookup_count;
		*ctx = &d->x;
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
		*tx = bench_xdpct_tx;
		*ctx = &d->xsc;
		break;
	default:
		fd = bpf_program__fd(d->ceil->progs.count_pass);
		*count = bench_ceiling_count;
		*ctx = d->ceil;
		if (v == V_FORWARD)
			err = bench_kernel_conntrack(false);	/* no rule: no conntrack */
		else if (v == V_KERNEL)
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

/*
 * The flood's variants with a listener behind them: a real client runs too,
 * in the overload scenario.  synflood measures the answer rate alone: the
 * client's own connections would be charged to the generator's core in
 * some rows and not in others (the XDP answerers have no listener).
 */
static bool legit_wanted;

static bool legit_variant(enum bench_variant v)
{
	return legit_wanted &&
	       (v == V_KERNEL_COOKIES || v == V_KERNEL_SYNPROXY || v == V_XDPCT_COOKIES);
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
static int measure(struct bench_run *r, struct dut *d, struct bench_gen *g, const char *scen,
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
			bench_count_fn count, tx;
			void *ctx;

			err = variant_on(d, g, vs[i], &count, &tx, &ctx);
			if (!err)
				err = bench_gen_set_counters(g, cnt[t]);
			if (!err)
				legit_on(d, g, vs[i]);
			if (!err)
				err = bench_gen_measure(g, r->o.duration, count, tx, ctx,
							bench_legit_counts,
							&rows[i]->s[rows[i]->n]);
			bench_legit_stop();
			if (!err && rows[i]->s[rows[i]->n].legit)
				bench_legit_latency(&rows[i]->s[rows[i]->n].lat_p50_ms,
						    &rows[i]->s[rows[i]->n].lat_p99_ms);
			bench_gen_get_counters(g, cnt[t]);
			variant_off(d, vs[i]);
			if (err) {
				if (err != -EINTR)
					xdpct_err("bench: %s/%s: measurement failed: %s", scen,
						  variant_name(vs[i]), strerror(-err));
				return err;
			}
			rows[i]->n++;
			if (!r->o.json) {
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
	reflector_bpf__destroy(d->refl);
	d->refl = NULL;
	bench_kernel_close();
	bench_net_teardown();
}

static int dut_open(struct bench_run *r, struct dut *d, enum dut_net mode, __u32 table)
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
	__u64 c[XDPCT_STAT_SLOTS];
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

static void memory(struct bench_run *r, struct bench_xdpct *x, __u32 flows)
{
	struct bench_memory *m;
	struct bpf_map *map;
	__u64 b;

	if (r->rep.nmem >= (int)(sizeof(r->rep.mem) / sizeof(r->rep.mem[0])))
		return;
	m = &r->rep.mem[r->rep.nmem];
	memset(m, 0, sizeof(*m));
	m->flows = flows;
	/* the flow table: both, the IPv6 one empty here (its buckets) */
	if (bench_map_memlock(bpf_map__fd(x->skel->maps.xdpct_flows), &m->flow_map_bytes) ||
	    bench_map_memlock(bpf_map__fd(x->skel->maps.xdpct_flows6), &b))
		return;
	m->flow_map_bytes += b;
	/* xdpct's maps only: not the lookup baseline's hash, which sits beside them */
	bpf_object__for_each_map(map, x->skel->obj) {
		if (bench_map_memlock(bpf_map__fd(map), &b))
			continue;
		if (bench_map_is_baseline(bpf_map__name(map))) {
			if (map == x->skel->maps.bench_lookup_flows ||
			    map == x->skel->maps.bench_lookup_flows6)
				m->lookup_map_bytes += b;
			continue;
		}
		m->all_maps_bytes += b;
	}
	/* what bounds the flow table: any hash of this capacity, before its values */
	bench_hash_memlock(flows, sizeof(struct xdpct_flow_key), &m->hash44_bytes);
	bench_hash_memlock(flows, 16, &m->hash16_bytes);
	m->conntrack_objsize = bench_conntrack_objsize();
	r->rep.nmem++;
}

static void micro(struct bench_run *r, struct bench_xdpct *x, struct ceiling_bpf *c,
		  enum micro_kind k, __u32 n, __u32 repeat)
{
	struct micro_result *m;
	int err;

	if (r->rep.nmicro >= BENCH_MAX_MICRO || bench_stop)
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

static int run_established(struct bench_run *r, __u32 n)
{
	static const enum bench_variant vs[] = {
		V_CEILING, V_LOOKUP, V_XDPCT, V_XDPCT_PASS, V_FORWARD, V_KERNEL,
	};
	struct bench_row *rows[6];
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
	err = measure(r, &d, &g, "established", n, vs, 6, rows);
	xdpct_note(rows[2], &d.x);
	snprintf(rows[5]->note, sizeof(rows[5]->note), "conntrack entries %ld after warm-up, %ld now",
		 ct, bench_kernel_ct_count());
out:
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

/*
 * The tracking scenarios on a router (churn, garbage): ceiling, xdpct,
 * xdpct-pass and nf_conntrack, the generator in mode with gen_flows.
 */
static int run_router(struct bench_run *r, const char *scen, enum gen_mode mode,
		      __u32 gen_flows, __u32 row_flows)
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
	if (mode == GEN_CHURN)
		bench_conntrack_room(2000000);
	gen_cfg(&cfg, mode, gen_flows);
	err = bench_gen_open(&g, &cfg, r->o.threads);
	if (!err)
		err = measure(r, &d, &g, scen, row_flows, vs, 4, rows);
	if (!err || err == -EINTR) {
		xdpct_note(rows[1], &d.x);
		kernel_note(rows[3]);
	}
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

static int run_synflood(struct bench_run *r)
{
	enum bench_variant vs[8] = {
		V_CEILING, V_XDPCT, V_KERNEL_COOKIES, V_KERNEL_SYNPROXY,
	};
	struct bench_row *rows[8];
	struct bench_gen g = {};
	struct gen_cfg cfg;
	struct dut d;
	int nv = 4, err;

	err = dut_open(r, &d, DUT_LOCAL, DEFAULT_TABLE);
	if (err)
		return err;
	/* the XDP answerers to measure xdpct's against, in the same run */
	err = bench_reflector_open(&d.refl, BENCH_PORT);
	if (!err) {
		vs[nv++] = V_REFLECTOR;
		vs[nv++] = V_SELFTEST;
	} else {
		xdpct_warn("bench: the reflector baselines did not load (%s)", strerror(-err));
	}
	/* the handshake offload, where this host can complete its handshakes */
	err = bench_xdpct_open(&d.xsc, DEFAULT_TABLE, r->aux_cpu, BENCH_PORT);
	if (!err) {
		d.have_xsc = true;
		vs[nv++] = V_XDPCT_COOKIES;
	} else {
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
			xdpct_note(rows[nv - 1], &d.xsc);
		else
			snprintf(rows[0]->note, sizeof(rows[0]->note), "xdpct only tracks the "
				 "SYNs: no SYN-cookie offload on this host");
	}
out:
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

/*
 * The established ACK's breakdown: the datapath loaded once per stage
 * (enum bench_stage), each cut short where its stage ends, each with the
 * same flows.  Repetitions outside, stages inside (drift on a shared
 * machine spreads over all stages alike); the differences between
 * consecutive stages are each part's cost.
 */
#define STAGE_LOADS BENCH_STAGE_MAX
static int micro_stages(struct bench_run *r, __u32 pop, __u32 rep)
{
	static struct bench_xdpct xs[STAGE_LOADS];
	int reps = r->o.reps < 5 ? 5 : r->o.reps, i, k, nx = 0, err = 0;

	if (reps > BENCH_MAX_SAMPLES)
		reps = BENCH_MAX_SAMPLES;
	r->rep.stage_walk_flows = pop;
	for (i = 0; i < STAGE_LOADS && !err; i++) {
		/* PARSE .. SNAP, then the whole datapath */
		__u32 stage = i + 1 < STAGE_LOADS ? i + 1 : BENCH_STAGE_ALL;

		err = bench_xdpct_open_stage(&xs[i], 2 * pop, r->aux_cpu, 0, stage);
		if (err) {
			xdpct_err("bench: loading xdpct (stage %u) failed: %s", stage,
				  strerror(-err));
			break;
		}
		nx++;
		err = bench_xdpct_populate(&xs[i], BENCH_CLIENTS, SALT, pop);
		r->rep.stages[i].stage = stage;
		r->rep.stages[i].n = 0;
	}
	for (k = 0; k < reps && !err && !bench_stop; k++) {
		for (i = 0; i < STAGE_LOADS && !err; i++) {
			struct bench_stage_ns *st = &r->rep.stages[i];
			struct micro_result one, walk;

			err = bench_micro(&xs[i], NULL, MICRO_ACK_ONE, 1, rep, 1, &one);
			if (!err)
				err = bench_micro(&xs[i], NULL, MICRO_ACK_WALK, pop, rep, 1, &walk);
			if (!err && one.n && walk.n) {
				st->one[st->n] = one.ns[0];
				st->walk[st->n] = walk.ns[0];
				st->n++;
			}
		}
	}
	if (err && err != -EINTR)
		xdpct_err("bench: micro stages: %s", strerror(-err));
	if (!err)
		r->rep.nstages = STAGE_LOADS;
	for (i = 0; i < nx; i++)
		bench_xdpct_close(&xs[i]);
	return err;
}

/*
 * The receiving veth's NAPI in a kernel thread of its own, pinned to cpu:
 * the generator's core only generates, as a NIC's sender would, and what
 * the receiver cannot take stays in (and falls off) the veth's ring.  The
 * generator veth's NAPI (the sink, the real client's receive path: the
 * other host) in threads pinned to the generator's CPU, so the flood's
 * answers cost the receiver nothing once sent, as on a NIC.
 */
static int napi_pin(const char *ns, const char *dev, int cpu, bool first)
{
	if (bench_sh("ip netns exec %s sh -c 'echo 1 > /sys/class/net/%s/threaded'", ns, dev))
		return -ENOTSUP;
	/* napi/<dev>-<id>: the kernel threads of the device's NAPI instances */
	if (bench_sh("for p in $(pgrep '^napi/%s-'); do taskset -pc %d $p; done", dev, cpu) ||
	    bench_sh("pgrep '^napi/%s-'", dev))
		return -ESRCH;
	/*
	 * first: before the generator whenever it has frames (SCHED_FIFO), so
	 * the answers are taken off the ring, not dropped because the flood
	 * holds the CPU: the other host receives what it is sent.
	 */
	if (first && bench_sh("for p in $(pgrep '^napi/%s-'); do chrt -f -p 10 $p; done", dev))
		return -EPERM;
	return 0;
}

static int napi_threaded(int cpu, int gen_cpu)
{
	int err;

	/* a veth has NAPI instances with GRO on (or XDP): keep them for the whole run */
	if (bench_sh("ip netns exec " BENCH_NS_DUT " ethtool -K " BENCH_IF_DUT " gro on") ||
	    bench_sh("ip netns exec " BENCH_NS_GEN " ethtool -K " BENCH_IF_GEN " gro on"))
		return -ENOTSUP;
	err = napi_pin(BENCH_NS_DUT, BENCH_IF_DUT, cpu, false);
	if (!err)
		err = napi_pin(BENCH_NS_GEN, BENCH_IF_GEN, gen_cpu, true);
	return err;
}

/*
 * Overload: the flood at the generator's full rate on its own CPU, the
 * receiver (threaded NAPI: XDP, the kernel's stack, the listener) on the
 * other, a real client connecting through it.  Each setup: SYN-ACKs/s,
 * legitimate connections completed and failed, connect p50/p99; the
 * frames the receiver could not take are offered minus received.
 */
static int run_overload(struct bench_run *r)
{
	enum bench_variant vs[3] = { V_KERNEL_COOKIES, V_KERNEL_SYNPROXY };
	struct bench_row *rows[3];
	struct bench_gen g = {};
	struct gen_cfg cfg;
	struct dut d;
	int nv = 2, err, i;

	if (r->aux_cpu < 0) {
		xdpct_err("bench: overload needs a CPU besides the generator's");
		return -EINVAL;
	}
	err = dut_open(r, &d, DUT_LOCAL, 0);
	if (err)
		return err;
	err = bench_xdpct_open(&d.xsc, DEFAULT_TABLE, r->aux_cpu, BENCH_PORT);
	if (!err) {
		d.have_xsc = true;
		vs[nv++] = V_XDPCT_COOKIES;
	} else {
		xdpct_warn("bench: xdpct with SYN cookies did not load (%s)", strerror(-err));
	}
	err = bench_kernel_syncookies();
	if (!err)
		err = napi_threaded(r->aux_cpu, r->rep.cpus[0]);
	if (err) {
		xdpct_err("bench: overload set-up (listener, threaded NAPI) failed: %s",
			  strerror(-err));
		goto out;
	}
	gen_cfg(&cfg, GEN_SYNFLOOD, 0);
	cfg.rate_pps = r->o.offer_mpps * 1e6;
	cfg.legit_addr = BENCH_LEGIT_CLIENT;
	err = bench_gen_open(&g, &cfg, r->o.threads);
	legit_wanted = true;
	if (!err)
		err = measure(r, &d, &g, "overload", 0, vs, nv, rows);
	legit_wanted = false;
	if (!err && d.have_xsc)
		xdpct_note(rows[nv - 1], &d.xsc);
	for (i = 0; !err && i < nv; i++)
		if (!rows[i]->s[0].legit)
			snprintf(rows[i]->note, sizeof(rows[i]->note), "no legitimate client ran");
out:
	bench_gen_close(&g);
	dut_close(&d);
	return err;
}

/* Micro-costs need no traffic, only a loaded datapath with flows in it. */
static int run_micro(struct bench_run *r)
{
	const __u32 pop = 131072, rep = 1000000, few = 30000, csum_pop = 1024;
	struct ceiling_bpf *c = NULL;
	struct bench_xdpct x;
	int err, i;

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
	micro(r, &x, c, MICRO_ACK_TS, 1, rep);
	micro(r, &x, c, MICRO_LOOKUP_ACK, 1, rep);
	micro(r, &x, c, MICRO_ACK_WALK, pop, rep);
	/* each run below changes a flow for good: never more runs than flows */
	micro(r, &x, c, MICRO_SYN_NEW, 0, few);
	micro(r, &x, c, MICRO_FIN, pop, few);
	/* the offloader's answer, in an instance with cookies on */
	bench_xdpct_close(&x);
	err = bench_xdpct_open(&x, 2 * pop, r->aux_cpu, BENCH_PORT);
	if (!err)
		micro(r, &x, c, MICRO_SYN_COOKIE, 0, rep);
	else
		err = 0;	/* no offload on this host: the figure is missing, no more */
	/* what verifying costs: the same ACK (flow 0) under each --checksum */
	for (i = 0; !err && i < 3 && !bench_stop; i++) {
		static const char *const modes[] = { "off", "control", "all" };

		bench_xdpct_close(&x);
		err = bench_xdpct_open_checksum(&x, 2 * csum_pop, r->aux_cpu, modes[i]);
		if (!err)
			err = bench_xdpct_populate(&x, BENCH_CLIENTS, SALT, csum_pop);
		if (!err)
			micro(r, &x, c, MICRO_ACK_CSUM_OFF + i, 1, rep);
	}
out:
	ceiling_bpf__destroy(c);
	bench_xdpct_close(&x);
	if (!err && micro_stages(r, pop, rep))
		r->failed = 1;
	return err;
}

int bench_run_all(struct bench_run *r)
{
	static const __u32 sizes[] = { 1000, 100000, 1000000 };
	int i, err = 0;

	for (i = 0; i < S_MAX && !bench_stop; i++) {
		if (!r->o.scen[i])
			continue;
		if (!r->o.json)
			fprintf(stderr, "bench: %s\n", bench_scenario_names[i]);
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
			err = run_router(r, "churn", GEN_CHURN, CHURN_INFLIGHT,
					 CHURN_INFLIGHT * r->o.threads);
			break;
		case S_SYNFLOOD:
			err = run_synflood(r);
			break;
		case S_GARBAGE:
			err = run_router(r, "garbage", GEN_GARBAGE, 0, 0);
			break;
		case S_MICRO:
			err = run_micro(r);
			break;
		case S_OVERLOAD:
			err = run_overload(r);
			break;
		}
		if (err == -EINTR)
			break;
		if (err)
			r->failed = 1;	/* go on: the other scenarios still mean something */
	}
	return bench_stop ? -EINTR : 0;
}
