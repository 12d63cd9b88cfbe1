// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: legitimate connections during the SYN flood.
 *
 * Real clients (LEGIT_CLIENTS threads) in the generator namespace (source
 * BENCH_LEGIT_CLIENT) connect to the listener in the DUT namespace again and
 * again while the flood runs; the listener side accepts, sends one byte
 * and closes.  A connection counts as completed only when that byte
 * arrives: a connect() that returns means the client saw a SYN-ACK, not
 * that the server took the ACK.  The client then resets the connection, so neither side keeps
 * TIME_WAIT sockets that later connections from the same port would meet.
 *
 * The client's frames do not take the veth's own path into the receiver:
 * gen_legit_tx (TC egress on the generator's veth) takes them into a queue
 * and the generator sends each in place of a flood frame, so they reach the
 * receiver's ring inside the flood's stream and are dropped when it is full,
 * as frames on a NIC's wire are.  Sent through the veth directly, they were
 * sent on the receiver's CPU, by a thread that runs only while the
 * receiver's NAPI thread does not: the ring had always just been filled by
 * the generator, and every SYN fell off it (TcpExtTCPRetransFail), in every
 * setup alike.  The client's threads run beside the generator (the other
 * host), not on the receiver's CPU.
 *
 * gen_sink on the generator's veth drops everything that comes back, the
 * client's SYN-ACKs too.  While the client runs, a tiny program takes its
 * place: frames to the client's address go to the stack, the rest tail-call
 * gen_sink, which still counts the flood's SYN-ACKs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "legit.h"
#include "net.h"
#include "lib/tc.h"
#include "bench/gen.skel.h"

/* clients connecting at once: enough attempts per window even when most time out */
#define LEGIT_CLIENTS 8

struct legit {
	pthread_t srv, cli[LEGIT_CLIENTS];
	bool srv_on;
	int ncli;
	volatile int stop;
	int listen_fd, listen_flags;
	int prog_fd, map_fd, tc_link;
	bool tx_hook;		/* gen_legit_tx on BENCH_IF_GEN's egress */
	struct bench_gen *g;
	__u64 ok, fail;
	__u32 *lat_us;		/* connect-to-first-byte times of completed ones */
	__u32 nlat;
};

#define LEGIT_MAX_LAT (1u << 20)

static struct legit L = { .listen_fd = -1, .prog_fd = -1, .map_fd = -1, .tc_link = -1 };
static bool running;

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
						 .src_reg = (s), .off = (o), .imm = (i) })

/* IPv4 to the client: XDP_PASS; anything else: gen_sink (prog array slot 0). */
static int filter_load(struct bench_gen *g, int map_fd)
{
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0),		/* data */
		INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 4, 0),		/* data_end */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34),
		INSN(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 6, 0),		/* short: tail */
		INSN(BPF_LDX | BPF_H | BPF_MEM, 4, 2, 12, 0),		/* ethertype */
		INSN(BPF_JMP32 | BPF_JNE | BPF_K, 4, 0, 4, htons(0x0800)),
		INSN(BPF_LDX | BPF_W | BPF_MEM, 4, 2, 30, 0),		/* IPv4 daddr */
		INSN(BPF_JMP32 | BPF_JNE | BPF_K, 4, 0, 2, (__s32)htonl(BENCH_LEGIT_CLIENT)),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),		/* tail: */
		INSN(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_MAP_FD, 0, map_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_DROP),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		.expected_attach_type = bpf_program__expected_attach_type(g->skel->progs.gen_sink));

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xbench_legit", "GPL", p,
			     sizeof(p) / sizeof(p[0]), &o);
}

static void *server(void *arg)
{
	struct legit *l = arg;
	struct pollfd pfd = { .fd = l->listen_fd, .events = POLLIN };

	while (!l->stop && !bench_stop) {
		int fd;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		while ((fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			send(fd, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
		}
	}
	return NULL;
}

static void *client(void *arg)
{
	struct legit *l = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(BENCH_PORT),
				 .sin_addr.s_addr = htonl(BENCH_SERVER) };
	struct timeval tv = { .tv_sec = 1 };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (bench_enter(BENCH_NS_GEN))
		return NULL;
	while (!l->stop && !bench_stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char b;
		bool done = false;

		if (fd < 0) {
			__atomic_fetch_add(&l->fail, 1, __ATOMIC_RELAXED);
			usleep(1000);
			continue;
		}
		/* connect() and recv() give up after a second, as a patient client would */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			done = recv(fd, &b, 1, 0) == 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (done && !l->stop && l->lat_us) {
			__u32 k = __atomic_fetch_add(&l->nlat, 1, __ATOMIC_RELAXED);

			if (k < LEGIT_MAX_LAT)
				l->lat_us[k] = (t1.tv_sec - t0.tv_sec) * 1000000 +
					       (t1.tv_nsec - t0.tv_nsec) / 1000;
		}
		/* interrupted by the end of the window: neither success nor failure */
		if (!l->stop)
			__atomic_fetch_add(done ? &l->ok : &l->fail, 1, __ATOMIC_RELAXED);
		close(fd);
	}
	bench_leave();
	return NULL;
}

/* The clients on the generator's CPUs: the other host, not the receiver. */
static void beside(struct bench_gen *g, pthread_t th)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < g->nthreads; i++)
		CPU_SET(g->cpus[i], &set);
	if (g->nthreads)
		pthread_setaffinity_np(th, sizeof(set), &set);
}

/* gen_legit_tx on the generator veth's egress (clsact: it may steal), or off. */
static int tx_hook(struct bench_gen *g, bool on)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = 1, .priority = 1);
	struct gen_legit_frame f;
	int err = 0;

	if (bench_enter(BENCH_NS_GEN))
		return -ENOENT;
	h.ifindex = if_nametoindex(BENCH_IF_GEN);
	if (!h.ifindex) {
		err = -ENODEV;
	} else if (on) {
		o.prog_fd = bpf_program__fd(g->skel->progs.gen_legit_tx);
		err = bpf_tc_hook_create(&h);
		if (err == -EEXIST)
			err = 0;
		if (!err)
			err = bpf_tc_attach(&h, &o);
	} else {
		h.attach_point = BPF_TC_EGRESS | BPF_TC_INGRESS;
		bpf_tc_hook_destroy(&h);
	}
	bench_leave();
	if (!on) {
		/* what the generator did not send stays out of the next window */
		while (!bpf_map_lookup_and_delete_elem(bpf_map__fd(g->skel->maps.legit_q),
						       NULL, &f))
			;
		g->skel->bss->legit_taken = g->skel->bss->legit_queued;
	}
	return err;
}

/* The listener on the CPUs the generator leaves free, if any. */
static void away_from(struct bench_gen *g, pthread_t th)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), c;
	cpu_set_t set;
	int i, left = 0;

	CPU_ZERO(&set);
	for (c = 0; c < n && c < CPU_SETSIZE; c++) {
		for (i = 0; i < g->nthreads && g->cpus[i] != c; i++)
			;
		if (i == g->nthreads) {
			CPU_SET(c, &set);
			left++;
		}
	}
	if (left)
		pthread_setaffinity_np(th, sizeof(set), &set);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

int bench_legit_latency(double *p50_ms, double *p99_ms)
{
	__u32 n = L.nlat < LEGIT_MAX_LAT ? L.nlat : LEGIT_MAX_LAT;

	*p50_ms = *p99_ms = 0;
	if (!L.lat_us || !n)
		return -ENOENT;
	qsort(L.lat_us, n, sizeof(*L.lat_us), cmp_u32);
	*p50_ms = L.lat_us[n / 2] / 1000.0;
	*p99_ms = L.lat_us[(__u64)n * 99 / 100] / 1000.0;
	return 0;
}

bool bench_legit_counts(__u64 *ok, __u64 *fail)
{
	if (!running)
		return false;
	*ok = __atomic_load_n(&L.ok, __ATOMIC_RELAXED);
	*fail = __atomic_load_n(&L.fail, __ATOMIC_RELAXED);
	return true;
}

int bench_legit_start(struct bench_gen *g, int listen_fd, int tc_prog_fd)
{
	__u32 zero = 0;
	int fd, idx, err;

	if (running)
		return -EBUSY;
	/* the pktgen path rewrites every frame arriving on the DUT's veth */
	if (bench_source == BENCH_SRC_PKTGEN || bench_source == BENCH_SRC_PKTGEN_SIM ||
	    listen_fd < 0)
		return -ENOTSUP;
	free(L.lat_us);
	L = (struct legit){ .listen_fd = listen_fd, .prog_fd = -1, .map_fd = -1,
			    .tc_link = -1, .g = g };
	L.lat_us = calloc(LEGIT_MAX_LAT, sizeof(*L.lat_us));
	running = true;
	L.listen_flags = fcntl(listen_fd, F_GETFL);
	fcntl(listen_fd, F_SETFL, L.listen_flags | O_NONBLOCK);

	L.map_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "xbench_legit", 4, 4, 1, NULL);
	if (L.map_fd < 0) {
		err = -errno;
		goto fail;
	}
	fd = bpf_program__fd(g->skel->progs.gen_sink);
	if (bpf_map_update_elem(L.map_fd, &zero, &fd, BPF_ANY)) {
		err = -errno;
		goto fail;
	}
	L.prog_fd = filter_load(g, L.map_fd);
	if (L.prog_fd < 0) {
		err = -errno;
		goto fail;
	}
	err = bench_xdp_attach(BENCH_NS_GEN, BENCH_IF_GEN, L.prog_fd);
	if (err)
		goto fail;
	L.tx_hook = true;
	err = tx_hook(g, true);
	if (err)
		goto fail;
	if (tc_prog_fd >= 0) {
		/* xdpct's reqsk completion: the validated ACK becomes a request socket */
		if (bench_enter(BENCH_NS_DUT)) {
			err = -ENOENT;
			goto fail;
		}
		idx = if_nametoindex(BENCH_IF_DUT);
		L.tc_link = idx ? tcx_link(idx, BPF_TCX_INGRESS, tc_prog_fd) : -ENODEV;
		err = L.tc_link < 0 ? L.tc_link : 0;
		bench_leave();
		if (err)
			goto fail;
	}
	if (pthread_create(&L.srv, NULL, server, &L)) {
		err = -EAGAIN;
		goto fail;
	}
	L.srv_on = true;
	for (int i = 0; i < LEGIT_CLIENTS; i++) {
		if (pthread_create(&L.cli[i], NULL, client, &L)) {
			err = -EAGAIN;
			goto fail;
		}
		L.ncli++;
		beside(g, L.cli[i]);
	}
	away_from(g, L.srv);
	return 0;
fail:
	bench_legit_stop();
	return err;
}

void bench_legit_stop(void)
{
	if (!running)
		return;
	L.stop = 1;
	while (L.ncli > 0)
		pthread_join(L.cli[--L.ncli], NULL);
	if (L.srv_on)
		pthread_join(L.srv, NULL);
	if (L.tx_hook)
		tx_hook(L.g, false);
	if (L.prog_fd >= 0)
		bench_xdp_attach(BENCH_NS_GEN, BENCH_IF_GEN,
				 bpf_program__fd(L.g->skel->progs.gen_sink));
	if (L.tc_link >= 0)
		close(L.tc_link);
	if (L.prog_fd >= 0)
		close(L.prog_fd);
	if (L.map_fd >= 0)
		close(L.map_fd);
	fcntl(L.listen_fd, F_SETFL, L.listen_flags);
	L.srv_on = L.tx_hook = false;
	running = false;
}
