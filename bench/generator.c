// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the generator threads and one timed measurement.
 *
 * Each thread is pinned to one CPU, enters the generator's namespace (the
 * test run looks ingress_ifindex up in the caller's namespace) and calls
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES in a loop.  After every
 * batch of 64 frames the kernel flushes them into the veth and, when it
 * re-enables bottom halves, the receiving veth's NAPI runs on the same CPU:
 * the program under test and the kernel's own path are charged to the
 * generator's cores, so their busy time per received packet is the cost of
 * generating plus receiving one packet.
 *
 * With pktgen (BENCH_SRC_PKTGEN) the kernel's kpktgend_CPU threads send
 * instead, configured as samples/pktgen does (pktgen.c); gen_rx on the
 * receiving veth rewrites their UDP frames and tail-calls the program under
 * test.  BENCH_SRC_PKTGEN_SIM runs that receive-side path with live frames
 * standing in for pktgen, to test it where the kernel has no pktgen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <dirent.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "generator.h"
#include "net.h"
#include "pktgen.h"
#include "lib/percpu.h"
#include "bench/gen.skel.h"

/*
 * Frames per test-run call.  Each call builds and tears down a page pool,
 * which sleeps for a while: calls of 64K frames left the cores 30% idle.
 * So a timed run is one call per thread, ended by a signal (the test run
 * stops on a pending signal).
 */
#define GEN_CALL_MAX 0xffffffffu
#define GEN_STOP_SIG SIGUSR1
#define GEN_WARMUP_S 0.3

struct gen_thread {
	struct bench_gen *g;
	pthread_t th;
	int idx;
	__u64 exact;		/* 0: until stopped */
	int err;
	volatile int done;
	volatile pid_t tid;
};

static volatile int gen_stop;

enum bench_source bench_source = BENCH_SRC_LIVE;

const char *bench_source_name(void)
{
	switch (bench_source) {
	case BENCH_SRC_PKTGEN:
		return "pktgen (/proc/net/pktgen, samples/pktgen commands), UDP frames "
		       "rewritten to TCP by gen_rx on the receiving veth";
	case BENCH_SRC_PKTGEN_SIM:
		return "pktgen path simulated: live-frames carrier + gen_rx rewrite on the "
		       "receiving veth";
	default:
		return "BPF_PROG_TEST_RUN live frames (bench/bpf/gen.bpf.c)";
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int bench_pick_cpus(int nthreads, int *cpus)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	if (n < 1)
		n = 1;
	if (nthreads < 1 || nthreads > n || nthreads > BENCH_MAX_CPUS)
		return -EINVAL;
	/* the highest CPUs: CPU 0 keeps the rest of the system and the event reader */
	for (i = 0; i < nthreads; i++)
		cpus[i] = n - nthreads + i;
	return 0;
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct on_cpu {
	int cpu;
	void *(*fn)(void *);
	void *arg;
	void *ret;
};

static void *on_cpu_tramp(void *a)
{
	struct on_cpu *o = a;

	pin_self(o->cpu);
	o->ret = o->fn(o->arg);
	return NULL;
}

/* Run fn on its own thread pinned to cpu; returns 0 if it returned NULL. */
int bench_run_on_cpu(int cpu, void *(*fn)(void *), void *arg)
{
	struct on_cpu o = { .cpu = cpu, .fn = fn, .arg = arg };
	pthread_t th;

	if (pthread_create(&th, NULL, on_cpu_tramp, &o))
		return -1;
	pthread_join(th, NULL);
	return o.ret ? -1 : 0;
}

static int set_slots(struct bench_gen *g)
{
	struct gen_cpu *v = calloc(g->ncpus_possible, sizeof(*v));
	__u32 zero = 0;
	int i, err;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < g->ncpus_possible; i++)
		v[i].nslots = 1;
	for (i = 0; i < g->nthreads; i++) {
		v[g->cpus[i]].slot = i;
		v[g->cpus[i]].nslots = g->nthreads;
	}
	err = bpf_map_update_elem(bpf_map__fd(g->skel->maps.gen_state), &zero, v, 0);
	free(v);
	return err;
}

/* ksoftirqd/N of each generator CPU: NAPI work deferred there is ours too */
static void find_ksoftirqd(struct bench_gen *g)
{
	struct dirent *de;
	char path[300], comm[64];
	DIR *d = opendir("/proc");
	int i;

	for (i = 0; i < g->nthreads; i++)
		g->ksoftirqd[i] = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		FILE *f;
		int cpu;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && sscanf(comm, "ksoftirqd/%d", &cpu) == 1)
			for (i = 0; i < g->nthreads; i++)
				if (g->cpus[i] == cpu)
					g->ksoftirqd[i] = atoi(de->d_name);
		fclose(f);
	}
	closedir(d);
}

/* Time a task has run, in ns (schedstat: exact, unlike tick sampling). */
static __u64 task_ns(const char *fmt, int id)
{
	unsigned long long ns = 0;
	char path[64];
	FILE *f;

	if (id <= 0)
		return 0;
	snprintf(path, sizeof(path), fmt, id);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

/*
 * CPU time of the bench's own work: the generator threads (with the
 * receiving veth's NAPI, which runs in their softirq context) and the
 * generator CPUs' ksoftirqd.  Other processes on those cores are left out.
 */
static __u64 own_ns(struct bench_gen *g, struct gen_thread *t)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < g->nthreads; i++) {
		sum += task_ns("/proc/self/task/%d/schedstat", t[i].tid);
		sum += task_ns("/proc/%d/schedstat", g->ksoftirqd[i]);
	}
	return sum;
}

int bench_gen_open(struct bench_gen *g, const struct gen_cfg *cfg, int nthreads)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->nthreads = nthreads;
	g->cfg = *cfg;
	/* the pktgen path's frames are pktgen's: the template's length is the live one's */
	g->cfg.frame_len = cfg->mode == GEN_SYNFLOOD && bench_source != BENCH_SRC_PKTGEN &&
			   bench_source != BENCH_SRC_PKTGEN_SIM ? GEN_SYN_LEN : GEN_FRAME_LEN;
	g->ncpus_possible = libbpf_num_possible_cpus();
	if (g->ncpus_possible < 1 || bench_pick_cpus(nthreads, g->cpus))
		return -EINVAL;
	g->skel = gen_bpf__open();
	if (!g->skel)
		return -errno;
	g->skel->rodata->cfg = g->cfg;
	err = gen_bpf__load(g->skel);
	if (err)
		goto fail;
	g->prog_fd = bpf_program__fd(bench_source == BENCH_SRC_LIVE ? g->skel->progs.gen :
							       g->skel->progs.gen_carrier);
	g->ifindex = bench_ifindex(BENCH_NS_GEN, BENCH_IF_GEN);
	if (g->ifindex < 0) {
		err = -ENODEV;
		goto fail;
	}
	/* a veth takes XDP frames only with XDP on it; the sink also counts replies */
	err = bench_xdp_attach(BENCH_NS_GEN, BENCH_IF_GEN,
			       bpf_program__fd(g->skel->progs.gen_sink));
	if (err)
		goto fail;
	err = set_slots(g);
	if (err)
		goto fail;
	find_ksoftirqd(g);
	return 0;
fail:
	bench_gen_close(g);
	return err;
}

void bench_gen_close(struct bench_gen *g)
{
	if (!g->skel)
		return;
	if (g->rx_attached)
		bench_xdp_attach(BENCH_NS_DUT, BENCH_IF_DUT, -1);
	bench_xdp_attach(BENCH_NS_GEN, BENCH_IF_GEN, -1);
	gen_bpf__destroy(g->skel);
	g->skel = NULL;
}

/*
 * Put the program under test on the receiving veth: directly, or behind
 * gen_rx on the pktgen path.
 */
int bench_gen_route(struct bench_gen *g, int prog_fd)
{
	__u32 zero = 0;
	int err;

	if (bench_source == BENCH_SRC_LIVE)
		return bench_xdp_attach(BENCH_NS_DUT, BENCH_IF_DUT, prog_fd);
	err = bpf_map_update_elem(bpf_map__fd(g->skel->maps.gen_next), &zero, &prog_fd, 0);
	if (err || g->rx_attached)
		return err;
	err = bench_xdp_attach(BENCH_NS_DUT, BENCH_IF_DUT,
			       bpf_program__fd(g->skel->progs.gen_rx));
	g->rx_attached = !err;
	return err;
}

int bench_gen_get_counters(struct bench_gen *g, __u64 *cnt)
{
	struct gen_cpu *v = calloc(g->ncpus_possible, sizeof(*v));
	__u32 zero = 0;
	int i, err;

	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(g->skel->maps.gen_state), &zero, v);
	for (i = 0; !err && i < g->ncpus_possible; i++)
		cnt[i] = v[i].cnt;
	free(v);
	return err;
}

int bench_gen_set_counters(struct bench_gen *g, const __u64 *cnt)
{
	struct gen_cpu *v = calloc(g->ncpus_possible, sizeof(*v));
	int fd = bpf_map__fd(g->skel->maps.gen_state);
	__u32 zero = 0;
	int i, err;

	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(fd, &zero, v);
	for (i = 0; !err && i < g->ncpus_possible; i++)
		v[i].cnt = cnt[i];
	if (!err)
		err = bpf_map_update_elem(fd, &zero, v, 0);
	free(v);
	return err;
}

__u64 bench_gen_synacks(struct bench_gen *g)
{
	struct gen_sink_stats sum;

	percpu_sum(bpf_map__fd(g->skel->maps.sink_stats), 0, (__u64 *)&sum,
		   sizeof(sum) / sizeof(__u64));
	return sum.synacks;
}

static void *gen_thread(void *arg)
{
	struct gen_thread *t = arg;
	struct bench_gen *g = t->g;
	__u8 frame[GEN_FRAME_LEN] = {};
	__u32 len = gen_frame_len(&g->cfg);
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = g->ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = frame,
		.data_size_in = len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
	);
	__u64 left = t->exact;

	if (bench_source == BENCH_SRC_PKTGEN_SIM) {
		/* what pktgen sends: Ethernet, IPv4, UDP; gen_rx rewrites it all */
		bench_macs(frame + 6, frame);
		frame[12] = 0x08;
		frame[14] = 0x45;
		frame[23] = 17;
	}
	t->tid = syscall(SYS_gettid);
	if (pin_self(g->cpus[t->idx]) || bench_enter(BENCH_NS_GEN)) {
		t->err = -EPERM;
		t->done = 1;
		return NULL;
	}
	while (!gen_stop && !bench_stop) {
		o.repeat = GEN_CALL_MAX;
		if (t->exact) {
			if (!left)
				break;
			if (left < GEN_CALL_MAX)
				o.repeat = left;
			left -= o.repeat;
		}
		if (bpf_prog_test_run_opts(g->prog_fd, &o) && errno != EINTR) {
			t->err = -errno;
			break;
		}
	}
	bench_leave();
	t->done = 1;
	return NULL;
}

static void on_stop_sig(int sig)
{
}

/* pktgen: one control thread; "start" returns when the run is stopped or done. */
static void *pktgen_thread(void *arg)
{
	struct gen_thread *t = arg;
	struct bench_gen *g = t->g;
	struct pktgen_cmd cmds[160];
	struct pktgen_plan p;
	int n;

	t->err = pktgen_plan_for(g->cfg.mode, g->cfg.flows, g->nthreads, g->cpus[0], &p);
	if (!t->err) {
		p.count = t->exact;
		n = pktgen_commands(&p, cmds, 160);
		t->err = n < 0 ? n : 0;
	}
	if (!t->err && bench_enter(BENCH_NS_GEN))
		t->err = -EPERM;
	if (!t->err) {
		t->err = pktgen_write(cmds, n);
		bench_leave();
	}
	t->done = 1;
	return NULL;
}

static int pktgen_stop(void)
{
	struct pktgen_cmd stop = { .file = "pgctrl", .line = "stop" };
	int err;

	if (bench_enter(BENCH_NS_GEN))
		return -EPERM;
	err = pktgen_write(&stop, 1);
	bench_leave();
	return err;
}

static int start_threads(struct bench_gen *g, struct gen_thread *t, __u64 exact)
{
	struct sigaction sa = { .sa_handler = on_stop_sig };	/* no SA_RESTART */
	int i;

	sigaction(GEN_STOP_SIG, &sa, NULL);
	gen_stop = 0;
	if (bench_source == BENCH_SRC_PKTGEN) {
		t[0] = (struct gen_thread){ .g = g, .exact = exact };
		return pthread_create(&t[0].th, NULL, pktgen_thread, &t[0]) ? -EAGAIN : 0;
	}
	for (i = 0; i < g->nthreads; i++) {
		t[i] = (struct gen_thread){ .g = g, .idx = i, .exact = exact };
		if (pthread_create(&t[i].th, NULL, gen_thread, &t[i])) {
			gen_stop = 1;
			while (--i >= 0)
				pthread_join(t[i].th, NULL);
			return -EAGAIN;
		}
	}
	return 0;
}

static int join_threads(struct bench_gen *g, struct gen_thread *t)
{
	int i, err = 0;

	gen_stop = 1;
	if (bench_source == BENCH_SRC_PKTGEN) {
		while (!t[0].done) {
			pktgen_stop();
			usleep(10000);
		}
		pthread_join(t[0].th, NULL);
		return t[0].err;
	}
	for (i = 0; i < g->nthreads; i++) {
		/* the signal may land just before the thread enters the test run */
		while (!t[i].done) {
			pthread_kill(t[i].th, GEN_STOP_SIG);
			usleep(1000);
		}
		pthread_join(t[i].th, NULL);
		if (t[i].err && !err)
			err = t[i].err;
	}
	return err;
}

int bench_gen_send(struct bench_gen *g, __u64 per_thread)
{
	struct gen_thread t[BENCH_MAX_CPUS];
	int i, n, err;

	err = start_threads(g, t, per_thread);
	if (err)
		return err;
	/* threads end by themselves after per_thread frames, or on Ctrl-C */
	n = bench_source == BENCH_SRC_PKTGEN ? 1 : g->nthreads;
	for (i = 0; i < n; i++) {
		while (!t[i].done) {
			if (bench_stop) {
				if (bench_source == BENCH_SRC_PKTGEN)
					pktgen_stop();
				else
					pthread_kill(t[i].th, GEN_STOP_SIG);
			}
			usleep(10000);
		}
		pthread_join(t[i].th, NULL);
	}
	for (i = 0; i < n; i++)
		if (t[i].err)
			return t[i].err;
	return bench_stop ? -EINTR : 0;
}

/* Busy and total jiffies of the given CPUs from /proc/stat. */
static int cpu_busy(const int *cpus, int n, unsigned long long *busy)
{
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	int i;

	if (!f)
		return -errno;
	*busy = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[10] = {};
		int cpu;

		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line + 3, "%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu,
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 9)
			continue;
		for (i = 0; i < n; i++)
			if (cpus[i] == cpu)	/* user nice system [idle iowait] irq softirq steal */
				*busy += v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	}
	fclose(f);
	return 0;
}

static void sleep_s(double s)
{
	double end = now_s() + s;

	while (!bench_stop) {
		double left = end - now_s();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = left * 1e9;
		nanosleep(&ts, NULL);
	}
}

/* Frames the generator threads have sent, all CPUs: the offered load. */
static __u64 gen_sent(struct bench_gen *g)
{
	__u64 cnt[BENCH_MAX_CPUS * 4] = {}, sum = 0;
	int i;

	if (g->ncpus_possible > BENCH_MAX_CPUS * 4 || bench_gen_get_counters(g, cnt))
		return 0;
	for (i = 0; i < g->ncpus_possible; i++)
		sum += cnt[i];
	/* and the real client's frames sent in the flood's slots (overload) */
	return sum + __atomic_load_n(&g->skel->bss->legit_taken, __ATOMIC_RELAXED);
}

int bench_gen_measure(struct bench_gen *g, double duration, bench_count_fn count,
		      bench_count_fn txcount, void *ctx, bench_conn_fn conns,
		      struct bench_sample *out)
{
	struct gen_thread t[BENCH_MAX_CPUS];
	unsigned long long b0, b1;
	__u64 c0, c1, s0, s1, o0 = 0, o1 = 0, l0 = 0, l1 = 0, f0 = 0, f1 = 0, x0 = 0, x1 = 0, g0, g1;
	double t0, t1, hz = sysconf(_SC_CLK_TCK);
	bool own = bench_source != BENCH_SRC_PKTGEN;	/* kpktgend: cores only */
	int err;

	memset(out, 0, sizeof(*out));
	err = start_threads(g, t, 0);
	if (err)
		return err;
	sleep_s(GEN_WARMUP_S);
	c0 = count(ctx);
	x0 = txcount ? txcount(ctx) : 0;
	g0 = gen_sent(g);
	s0 = bench_gen_synacks(g);
	out->legit = conns(&l0, &f0);
	cpu_busy(g->cpus, g->nthreads, &b0);
	if (own)
		o0 = own_ns(g, t);
	t0 = now_s();
	sleep_s(duration);
	c1 = count(ctx);
	x1 = txcount ? txcount(ctx) : 0;
	g1 = gen_sent(g);
	s1 = bench_gen_synacks(g);
	conns(&l1, &f1);
	cpu_busy(g->cpus, g->nthreads, &b1);
	if (own)
		o1 = own_ns(g, t);
	t1 = now_s();
	err = join_threads(g, t);
	if (err)
		return err;
	if (bench_stop)
		return -EINTR;
	out->packets = c1 - c0;
	out->pps = (c1 - c0) / (t1 - t0);
	out->synack_pps = (s1 - s0) / (t1 - t0);
	out->tx_pps = (x1 - x0) / (t1 - t0);
	out->offered_pps = (g1 - g0) / (t1 - t0);
	out->legit_ok = l1 - l0;
	out->legit_fail = f1 - f0;
	out->legit_cps = out->legit_ok / (t1 - t0);
	out->cpu_pct = 100.0 * (b1 - b0) / hz / (t1 - t0);
	out->core_ns_per_pkt = out->packets ? (b1 - b0) / hz * 1e9 / out->packets : 0;
	out->ns_per_pkt = !own ? out->core_ns_per_pkt :
			  out->packets ? (double)(o1 - o0) / out->packets : 0;
	out->ns_per_answer = s1 > s0 ? out->ns_per_pkt * out->packets / (s1 - s0) : 0;
	return 0;
}
