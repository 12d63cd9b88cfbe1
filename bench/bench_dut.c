// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct bench: what runs on the receiving veth.
 *
 *   ceiling   bpf/ceiling.bpf.c: parse, count, drop
 *   xdpct     bpf/xdpct_bench.bpf.c: the datapath's own source with an entry
 *             point that drops after tracking, next to the production
 *             xdpct_xdp that passes to the kernel; a reader thread drains
 *             its event ring buffer, as `xdpct watch` would
 *   kernel    count_pass on the veth, and nf_conntrack (an nft stateful
 *             rule), SYN cookies or SYNPROXY in the stack behind it
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "lib/xdpct.h"
#include "ceiling.skel.h"
#include "xdpct_bench.skel.h"
/* the handshake offload (issue 4), in builds that have it */
#if __has_include("xdpct/cookie.h")
#include "xdpct/cookie.h"
#endif

#define NSX "ip netns exec " BENCH_NS_DUT " "

static int listen_fd = -1;

static __u64 sum_percpu(int map_fd, size_t value_size, int index)
{
	int n = libbpf_num_possible_cpus(), i;
	__u32 zero = 0;
	__u64 *v, sum = 0;
	size_t words = value_size / 8;

	if (n < 1)
		return 0;
	v = calloc(n, value_size);
	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(map_fd, &zero, v))
		for (i = 0; i < n; i++)
			sum += v[i * words + index];
	free(v);
	return sum;
}

/* ---- ceiling ---------------------------------------------------------- */

int bench_ceiling_open(struct ceiling_bpf **c)
{
	*c = ceiling_bpf__open_and_load();
	return *c ? 0 : -errno;
}

__u64 bench_ceiling_count(void *ctx)
{
	struct ceiling_bpf *c = ctx;

	/* struct ceiling_stats: 5 counters, packets first */
	return sum_percpu(bpf_map__fd(c->maps.ceiling_stats), 5 * sizeof(__u64), 0);
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
	    o.retval != 2 /* XDP_PASS */)
		return (void *)1;
	return NULL;
}

/*
 * The handshake offload (bpf/syncookie.h), where the datapath has it:
 * cookies for every SYN to one port, the way `attach --syncookie PORT
 * --syncookie-mode always` sets it up.
 */
#ifdef XDPCT_SC_DEF_MSS4
static void sc_config(struct bench_xdpct *x)
{
	struct xdpct_cfg *c = (struct xdpct_cfg *)&x->skel->rodata->cfg;
	FILE *f = fopen("/dev/urandom", "r");

	c->sc_mode = XDPCT_SC_ALWAYS;
	c->sc_completion = XDPCT_SC_REQSK;
	c->sc_wscale = XDPCT_SC_DEF_WSCALE;
	c->sc_ttl = XDPCT_SC_DEF_TTL;
	c->sc_mss4 = XDPCT_SC_DEF_MSS4;
	c->sc_mss6 = XDPCT_SC_DEF_MSS6;
	c->sc_threshold = XDPCT_SC_DEF_THRESHOLD;
	if (f) {
		if (fread((void *)x->skel->rodata->xdpct_sc_key,
			  sizeof(x->skel->rodata->xdpct_sc_key), 1, f) != 1)
			x->skel->rodata->xdpct_sc_key[0] = 0x5eed;
		fclose(f);
	}
}

static int sc_port(struct bench_xdpct *x, __u16 port)
{
	static struct xdpct_sc_portmap pm;
	__u32 zero = 0;

	memset(&pm, 0, sizeof(pm));
	xdpct_sc_port_set(&pm, port);
	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.xdpct_sc_ports), &zero, &pm, 0);
}
#endif

int bench_xdpct_open(struct bench_xdpct *x, __u32 max_flows, int aux_cpu, __u16 sc)
{
	pthread_t th;
	int err;

#ifndef XDPCT_SC_DEF_MSS4
	if (sc)
		return -ENOTSUP;
#endif
	memset(x, 0, sizeof(*x));
	x->max_flows = max_flows;
	x->skel = xdpct_bench_bpf__open();
	if (!x->skel)
		return -errno;
	bpf_map__set_max_entries(x->skel->maps.xdpct_flows, max_flows);
	bpf_map__set_max_entries(x->skel->maps.xdpct_victims,
				 max_flows / 4 > 1024 ? max_flows / 4 : 1024);
	bpf_program__set_autoload(x->skel->progs.xdpct_tc, false);
#ifdef XDPCT_SC_DEF_MSS4
	if (sc)
		sc_config(x);
#endif
	err = xdpct_bench_bpf__load(x->skel);
	if (err)
		goto fail;
#ifdef XDPCT_SC_DEF_MSS4
	if (sc) {
		err = sc_port(x, sc);
		if (err)
			goto fail;
	}
#endif
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
#ifdef XDPCT_SC_DEF_MSS4
	return x->skel ? bpf_program__fd(x->skel->progs.xdpct_sc_tc) : -1;
#else
	return -1;
#endif
}

int bench_xdpct_prog(struct bench_xdpct *x, bool drop)
{
	return bpf_program__fd(drop ? x->skel->progs.xdpct_drop : x->skel->progs.xdpct_xdp);
}

__u64 bench_xdpct_count(void *ctx)
{
	struct bench_xdpct *x = ctx;

	return sum_percpu(bpf_map__fd(x->skel->maps.xdpct_stats), sizeof(struct xdpct_stats),
			  XDPCT_STAT_PACKETS);
}

void bench_xdpct_stats(struct bench_xdpct *x, __u64 *c)
{
	int fd = bpf_map__fd(x->skel->maps.xdpct_stats), i;

	for (i = 0; i < XDPCT_STAT_MAX; i++)
		c[i] = sum_percpu(fd, sizeof(struct xdpct_stats), i);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* One direction of an established flow, as the handshake would have left it. */
static void est_dir(struct xdpct_dir *d, __u32 isn, __u32 peer_isn, __u64 now)
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
	d->win = GEN_WIN;
	d->state_ns = now;
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
	k->addr[cl][0] = htonl(caddr);
	k->port[cl] = cport;
	k->addr[!cl][0] = htonl(saddr);
	k->port[!cl] = sport;
	f->state[0] = f->state[1] = XDPCT_S_ESTABLISHED;
	f->client = cl;
	f->first_seen_ns = f->last_seen_ns = f->syn_ns = f->synack_ns = f->est_ns = now;
	est_dir(&f->dir[cl], gen_cisn(salt, i), gen_sisn(salt, i), now);
	est_dir(&f->dir[!cl], gen_sisn(salt, i), gen_cisn(salt, i), now);
}

#define POP_BATCH 8192

int bench_xdpct_populate(struct bench_xdpct *x, __u32 client_net, __u32 salt, __u32 n)
{
	int fd = bpf_map__fd(x->skel->maps.xdpct_flows);
	struct xdpct_flow_key *k = calloc(POP_BATCH, sizeof(*k));
	struct xdpct_flow *v = calloc(POP_BATCH, sizeof(*v));
	__u64 now = mono_ns();
	__u32 i = 0, j, cnt;
	int err = 0;

	if (!k || !v) {
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
		err = bpf_map_update_batch(fd, k, v, &cnt, NULL);
		if (err == -EOPNOTSUPP || err == -EINVAL) {
			/* older kernels: one at a time */
			for (j = 0, err = 0; j < cnt && !err; j++)
				err = bpf_map_update_elem(fd, &k[j], &v[j], BPF_ANY);
		}
		i += cnt;
	}
out:
	free(k);
	free(v);
	return err;
}

/* ---- kernel baselines ------------------------------------------------- */

static int nft_load(const char *rules)
{
	char path[] = "/tmp/xbench-nft.XXXXXX";
	int fd = mkstemp(path), err;
	size_t len = strlen(rules);

	if (fd < 0)
		return -errno;
	err = write(fd, rules, len) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	if (!err && bench_sh(NSX "nft -f %s", path))
		err = -EINVAL;
	unlink(path);
	return err;
}

/* A router's stateful rule set: accept what conntrack calls new or established. */
int bench_kernel_conntrack(bool on)
{
	bench_sh(NSX "nft delete table ip xbench");
	if (!on)
		return 0;
	return nft_load("table ip xbench {\n"
			"  chain forward_ct {\n"
			"    type filter hook forward priority 0; policy accept;\n"
			"    ct state established counter accept\n"
			"    ct state new counter accept\n"
			"    ct state invalid counter drop\n"
			"    counter accept\n"
			"  }\n"
			"}\n");
}

int bench_kernel_nft_counters(__u64 *est, __u64 *new_, __u64 *inval)
{
	char line[512];
	FILE *p = popen(NSX "nft list table ip xbench 2>/dev/null", "r");

	*est = *new_ = *inval = 0;
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p)) {
		char *c = strstr(line, "packets ");
		__u64 v;

		if (!c)
			continue;
		v = strtoull(c + 8, NULL, 10);
		if (strstr(line, "established"))
			*est = v;
		else if (strstr(line, "new"))
			*new_ = v;
		else if (strstr(line, "invalid"))
			*inval = v;
	}
	pclose(p);
	return 0;
}

long bench_kernel_ct_count(void)
{
	char buf[64];

	if (bench_sh_read(buf, sizeof(buf), NSX "cat /proc/sys/net/netfilter/nf_conntrack_count"))
		return -1;
	return strtol(buf, NULL, 10);
}

/* A listener on the server address; the kernel answers every SYN with a cookie. */
int bench_kernel_syncookies(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(BENCH_PORT),
				 .sin_addr.s_addr = htonl(BENCH_SERVER) };
	int one = 1, err = 0;

	if (bench_sh(NSX "sysctl -qw net.ipv4.tcp_syncookies=2") ||
	    bench_sh(NSX "sysctl -qw net.ipv4.tcp_timestamps=1"))
		return -EINVAL;
	if (listen_fd >= 0)
		return 0;
	if (bench_enter(BENCH_NS_DUT))
		return -ENOENT;
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) || listen(listen_fd, 4096))
		err = -errno;
	bench_leave();
	if (err && listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	return err;
}

/* The kernel documentation's SYNPROXY set-up, in nft. */
int bench_kernel_synproxy(bool on)
{
	bench_sh(NSX "nft delete table ip xbench");
	if (!on)
		return 0;
	if (bench_sh(NSX "sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0"))
		return -EINVAL;
	return nft_load("table ip xbench {\n"
			"  chain pre_raw {\n"
			"    type filter hook prerouting priority raw; policy accept;\n"
			"    tcp dport 80 tcp flags syn notrack\n"
			"  }\n"
			"  chain input_syn {\n"
			"    type filter hook input priority filter; policy accept;\n"
			"    tcp dport 80 ct state invalid,untracked synproxy mss 1460 wscale 7 "
			"timestamp sack-perm\n"
			"    ct state invalid drop\n"
			"  }\n"
			"}\n");
}

int bench_kernel_listen_fd(void)
{
	return listen_fd;
}

void bench_kernel_close(void)
{
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
}

/* Object size of nf_conntrack's slab cache: kernel memory per tracked flow. */
long bench_conntrack_objsize(void)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");
	long objsize = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		long active, num, size;

		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &num, &size) == 4 &&
		    !strcmp(name, "nf_conntrack")) {
			objsize = size;
			break;
		}
	}
	fclose(f);
	return objsize;
}
