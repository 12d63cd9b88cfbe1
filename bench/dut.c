// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the XDP programs under test on the receiving veth.
 *
 *   ceiling   bench/bpf/ceiling.bpf.c: parse, count, drop
 *   xdpct     bench/bpf/xdpct_bench.bpf.c: the datapath's own source with an
 *             entry point that drops after tracking, next to the production
 *             xdpct_xdp that passes to the kernel.  Configured by the attach
 *             options code that `xdpct attach` runs (user/lib/datapath.c),
 *             from the options a user would type; a reader thread drains its
 *             event ring buffer, as `xdpct watch` would.
 * The kernel baselines are baseline.c's.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dut.h"
#include "generator.h"
#include "net.h"
#include "lib/attach_opts.h"
#include "lib/clock.h"
#include "lib/percpu.h"
#include "lib/datapath.h"
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "bench/ceiling.skel.h"
#include "bench/reflector.skel.h"
#include "bench/xdpct_bench.skel.h"

/* ---- ceiling ---------------------------------------------------------- */

int bench_ceiling_open(struct ceiling_bpf **c)
{
	*c = ceiling_bpf__open_and_load();
	return *c ? 0 : -errno;
}

__u64 bench_ceiling_count(void *ctx)
{
	struct ceiling_bpf *c = ctx;

	__u64 sum[5];	/* struct ceiling_stats: 5 counters, packets first */

	percpu_sum(bpf_map__fd(c->maps.ceiling_stats), 0, sum, 5);
	return sum[0];
}

/* ---- reflector, selftest ---------------------------------------------- */

int bench_reflector_open(struct reflector_bpf **r, __u16 port)
{
	struct { __u16 mss; __u8 wscale, ttl; } v = { 1460, 7, 64 };	/* st_values */
	__u32 zero = 0;
	int err;

	*r = reflector_bpf__open_and_load();
	if (!*r)
		return -errno;
	err = bpf_map_update_elem(bpf_map__fd((*r)->maps.st_ports), &zero, &port, 0);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd((*r)->maps.st_values), &zero, &v, 0);
	if (err) {
		reflector_bpf__destroy(*r);
		*r = NULL;
	}
	return err;
}

static __u64 refl_sum(void *ctx, int i)
{
	struct reflector_bpf *r = ctx;
	__u64 sum[2];	/* struct refl_stats: packets, tx */

	percpu_sum(bpf_map__fd(r->maps.refl_stats), 0, sum, 2);
	return sum[i];
}

__u64 bench_reflector_count(void *ctx)
{
	return refl_sum(ctx, 0);
}

__u64 bench_reflector_tx(void *ctx)
{
	return refl_sum(ctx, 1);
}

/* ---- xdpct ------------------------------------------------------------ */

static int on_event(void *ctx, void *data, size_t len)
{
	struct bench_xdpct *x = ctx;

	x->events_read++;
	return 0;
}

static void *reader(void *arg)
{
	struct bench_xdpct *x = arg;

	while (!x->rb_stop)
		ring_buffer__poll(x->rb, 100);
	ring_buffer__consume(x->rb);
	return NULL;
}

static void *arm_sweep(void *arg)
{
	struct bench_xdpct *x = arg;
	unsigned char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(x->skel->progs.xdpct_arm), &o) ||
	    o.retval != XDP_PASS)
		return (void *)1;
	return NULL;
}

/* The options `xdpct attach` would be given; 0, -ENOTSUP (no offload here), -EINVAL */
static int xdpct_opts(struct attach_opts *o, __u32 max_flows, __u16 sc_port,
		      const char *checksum)
{
	char v[16];

	attach_opts_init(o);
	snprintf(v, sizeof(v), "%u", max_flows);
	if (attach_opts_set(o, "flows", v))
		return -EINVAL;
	if (checksum && attach_opts_set(o, "checksum", checksum))
		return -EINVAL;
	if (sc_port) {
		/* cookies for every SYN to the port: --syncookie-mode always */
		snprintf(v, sizeof(v), "%u", sc_port);
		if (attach_opts_set(o, "syncookie", v) ||
		    attach_opts_set(o, "syncookie-completion", "reqsk"))
			return -EINVAL;
	}
	return attach_opts_finish(o) ? -ENOTSUP : 0;
}

static int xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc_port,
		      __u32 stage, const char *checksum);

int bench_xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc_port)
{
	return xdpct_open(x, max_flows, aux_cpu, sc_port, BENCH_STAGE_ALL, NULL);
}

int bench_xdpct_open_stage(struct bench_xdpct *x, __u32 max_flows, int aux_cpu,
			   __u16 sc_port, __u32 stage)
{
	return xdpct_open(x, max_flows, aux_cpu, sc_port, stage, NULL);
}

int bench_xdpct_open_checksum(struct bench_xdpct *x, __u32 max_flows, int aux_cpu,
			      const char *checksum)
{
	return xdpct_open(x, max_flows, aux_cpu, 0, BENCH_STAGE_ALL, checksum);
}

static int xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc_port,
		      __u32 stage, const char *checksum)
{
	struct attach_opts o;
	struct datapath dp;
	pthread_t th;
	int err;

	memset(x, 0, sizeof(*x));
	err = xdpct_opts(&o, max_flows, sc_port, checksum);
	if (err)
		return err;
	x->max_flows = max_flows;
	x->skel = xdpct_bench_bpf__open();
	if (!x->skel)
		return -errno;
	dp = DATAPATH(x->skel);
	err = datapath_configure(&dp, &o);
	if (err)
		goto fail;
	/* no --egress here */
	bpf_program__set_autoload(x->skel->progs.xdpct_tc, false);
	x->skel->rodata->bench_stage = stage;
	/* the lookup baseline: hashes of the flow tables' capacities */
	err = bpf_map__set_max_entries(x->skel->maps.bench_lookup_flows, max_flows);
	if (!err)
		err = bpf_map__set_max_entries(x->skel->maps.bench_lookup_flows6,
					       attach_opts_flows6(&o));
	if (err)
		goto fail;
	err = xdpct_bench_bpf__load(x->skel);
	if (!err)
		err = datapath_fill(&dp, &o);
	if (err)
		goto fail;
	/* the expiry sweep runs in production: arm it, away from the generator */
	if (aux_cpu >= 0 ? bench_run_on_cpu(aux_cpu, arm_sweep, x) : (arm_sweep(x) ? -1 : 0)) {
		err = -EINVAL;
		goto fail;
	}
	x->rb = ring_buffer__new(bpf_map__fd(x->skel->maps.xdpct_events), on_event, x, NULL);
	if (!x->rb) {
		err = -errno;
		goto fail;
	}
	if (pthread_create(&th, NULL, reader, x)) {
		err = -EAGAIN;
		goto fail;
	}
	if (aux_cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(aux_cpu, &set);
		pthread_setaffinity_np(th, sizeof(set), &set);
	}
	x->rb_thread = th;
	x->rb_started = 1;
	return 0;
fail:
	bench_xdpct_close(x);
	return err;
}

void bench_xdpct_close(struct bench_xdpct *x)
{
	if (x->rb_started) {
		x->rb_stop = 1;
		pthread_join((pthread_t)x->rb_thread, NULL);
		x->rb_started = 0;
	}
	ring_buffer__free(x->rb);
	x->rb = NULL;
	xdpct_bench_bpf__destroy(x->skel);
	x->skel = NULL;
}

int bench_xdpct_sc_tc(struct bench_xdpct *x)
{
	int fd = x->skel ? bpf_program__fd(x->skel->progs.xdpct_sc_tc) : -1;

	return fd < 0 ? -1 : fd;	/* not loaded: no --syncookie */
}

int bench_xdpct_prog(struct bench_xdpct *x, bool drop)
{
	return bpf_program__fd(drop ? x->skel->progs.xdpct_drop : x->skel->progs.xdpct_xdp);
}

void bench_xdpct_stats(struct bench_xdpct *x, __u64 *c)
{
	percpu_sum(bpf_map__fd(x->skel->maps.xdpct_stats), 0, c, XDPCT_STAT_SLOTS);
}

__u64 bench_lookup_count(void *ctx)
{
	struct bench_xdpct *x = ctx;
	__u64 n = 0;

	percpu_sum(bpf_map__fd(x->skel->maps.bench_lookup_stats), 0, &n, 1);
	return n;
}

int bench_lookup_prog(struct bench_xdpct *x)
{
	return bpf_program__fd(x->skel->progs.lookup);
}

bool bench_map_is_baseline(const char *name)
{
	return !strncmp(name, "bench_", 6);
}

__u64 bench_xdpct_tx(void *ctx)
{
	__u64 c[XDPCT_STAT_SLOTS];

	bench_xdpct_stats(ctx, c);
	return c[XDPCT_STAT_SC_SYNACK_SENT];
}

__u64 bench_xdpct_count(void *ctx)
{
	__u64 c[XDPCT_STAT_SLOTS];

	bench_xdpct_stats(ctx, c);
	return c[XDPCT_STAT_PACKETS];
}

/* One direction of an established flow, as the handshake would have left it. */
static void est_dir(struct xdpct_dir *d, __u32 isn, __u32 peer_isn)
{
	__u32 win = (__u32)GEN_WIN << GEN_WSCALE;

	d->isn = isn;
	d->end = isn + 1;
	d->maxend = isn + 1 + win;	/* the peer's ack of our SYN + its window */
	d->maxwin = win;
	d->ack = peer_isn + 1;
	d->mss = GEN_MSS;
	d->wscale = GEN_WSCALE;
	d->flags = XDPCT_D_SYN | XDPCT_D_SYN_ACKED | XDPCT_D_WSCALE | XDPCT_D_SACK_PERM |
		   XDPCT_D_TS | XDPCT_D_ACKED_ANY;
}

/*
 * Flow i as the datapath would hold it after a handshake it saw: canonical
 * key (endpoint 0 = lower address, then port, compared in host order).
 */
static void est_flow(struct xdpct_flow_key *k, struct xdpct_flow *f, __u32 client_net,
		     __u32 salt, __u32 i, __u64 now)
{
	__u32 caddr = gen_client_addr(client_net, i), saddr = BENCH_SERVER;
	__u16 cport = gen_client_port(i), sport = BENCH_PORT;
	int cl = caddr > saddr || (caddr == saddr && cport > sport);

	memset(k, 0, sizeof(*k));
	memset(f, 0, sizeof(*f));
	k->family = 4;
	k->addr4[cl] = htonl(caddr);
	k->port[cl] = cport;
	k->addr4[!cl] = htonl(saddr);
	k->port[!cl] = sport;
	f->state[0] = f->state[1] = XDPCT_S_ESTABLISHED;
	f->client = cl;
	f->first_seen_ns = f->last_seen_ns = now;
	f->syn_us = f->synack_us = f->est_us = xdpct_hs_enc(f, now);
	xdpct_flow_set_state_ns(f, now);
	est_dir(&f->dir[cl], gen_cisn(salt, i), gen_sisn(salt, i));
	est_dir(&f->dir[!cl], gen_sisn(salt, i), gen_cisn(salt, i));
}

#define POP_BATCH 8192

/* IPv4 flows into the IPv4 table: its keys are each key's first 16 bytes */
static int fill(int fd, struct xdpct_flow_key4 *k, struct xdpct_flow *v, __u32 cnt)
{
	__u32 j, n = cnt;
	int err = bpf_map_update_batch(fd, k, v, &n, NULL);

	if (err == -EOPNOTSUPP || err == -EINVAL) {
		/* older kernels: one at a time */
		for (j = 0, err = 0; j < cnt && !err; j++)
			err = bpf_map_update_elem(fd, &k[j], &v[j], BPF_ANY);
	}
	return err;
}

int bench_xdpct_populate(struct bench_xdpct *x, __u32 client_net, __u32 salt, __u32 n)
{
	int fd = bpf_map__fd(x->skel->maps.xdpct_flows);
	int lfd = bpf_map__fd(x->skel->maps.bench_lookup_flows);
	struct xdpct_flow_key *k = calloc(POP_BATCH, sizeof(*k));
	struct xdpct_flow_key4 *k4 = calloc(POP_BATCH, sizeof(*k4));
	struct xdpct_flow *v = calloc(POP_BATCH, sizeof(*v));
	__u64 now = xdpct_now_ns();
	__u32 i = 0, j, cnt;
	int err = 0;

	if (!k || !k4 || !v) {
		err = -ENOMEM;
		goto out;
	}
	/* the micro-benchmark rewrites frames for these flows */
	x->skel->bss->vary_client_net = client_net;
	x->skel->bss->vary_isn_salt = salt;
	while (i < n && !err) {
		cnt = n - i < POP_BATCH ? n - i : POP_BATCH;
		for (j = 0; j < cnt; j++)
			est_flow(&k[j], &v[j], client_net, salt, i + j, now);
		for (j = 0; j < cnt; j++) {
			v[j].tag = xdpct_flow_tag(&k[j]);	/* table.h: or it is no flow */
			memcpy(&k4[j], &k[j], sizeof(k4[j]));
		}
		err = fill(fd, k4, v, cnt);
		if (!err)
			err = fill(lfd, k4, v, cnt);
		i += cnt;
	}
out:
	free(k);
	free(k4);
	free(v);
	return err;
}

int bench_map_memlock(int map_fd, __u64 *bytes)
{
	char path[64], line[256];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "memlock: %llu", &v) == 1) {
			*bytes = v;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* What any hash of n entries costs before its values: element header, key, buckets. */
int bench_hash_memlock(__u32 n, __u32 key_size, __u64 *bytes)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_floor", key_size, 8, n, NULL);
	int err;

	if (fd < 0)
		return -errno;
	err = bench_map_memlock(fd, bytes);
	close(fd);
	return err;
}
