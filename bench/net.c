// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the network the benchmark builds for itself and removes.
 *
 *   xbench-gen                         xbench-dut
 *   xbench-g (gen_sink) <== veth ==> xbench-d (program under test)
 *                                      xbench-s0 --veth-- xbench-s1 (down)
 *
 * Frames the generator transmits out of xbench-g arrive on xbench-d.  For
 * the tracking scenarios the DUT is a router: server and clients sit beyond
 * xbench-s0, whose peer is down, so forwarded packets are dropped by the
 * device after nf_conntrack has confirmed them (dropping earlier, in a
 * netfilter chain, would leave every entry unconfirmed and measure inserts
 * only).  For the flood the server address is local and a listener waits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "net.h"
#include "lib/log.h"
#include "lib/sysctl.h"

bool bench_verbose;
volatile int bench_stop;

static const __u8 mac_gen[6] = { 0x02, 0x78, 0x62, 0x00, 0x00, 0x01 };
static const __u8 mac_dut[6] = { 0x02, 0x78, 0x62, 0x00, 0x00, 0x02 };

/* each thread remembers the namespace it came from */
static __thread int home_ns = -1;

/* global conntrack sizing changed for the run (0 = untouched) */
static unsigned long saved_ct_max, saved_ct_hash;

void bench_macs(__u8 gen[6], __u8 dut[6])
{
	memcpy(gen, mac_gen, 6);
	memcpy(dut, mac_dut, 6);
}

int bench_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n, st;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 32, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(cmd) - 32)
		return -1;
	if (bench_verbose)
		fprintf(stderr, "+ %s\n", cmd);
	else
		strcat(cmd, " >/dev/null 2>&1");
	st = system(cmd);
	/* system() ignores SIGINT while the child runs: pass Ctrl-C on */
	if (st != -1 && WIFSIGNALED(st) && (WTERMSIG(st) == SIGINT || WTERMSIG(st) == SIGTERM))
		bench_stop = 1;
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int bench_sh_read(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	FILE *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(cmd) || !len)
		return -1;
	p = popen(cmd, "r");
	if (!p)
		return -1;
	buf[0] = 0;
	if (!fgets(buf, len, p))
		buf[0] = 0;
	pclose(p);
	buf[strcspn(buf, "\r\n")] = 0;
	return buf[0] ? 0 : -1;
}

int bench_enter(const char *ns)
{
	char path[128];
	int fd, err;

	if (home_ns < 0) {
		home_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home_ns < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return err;
}

int bench_leave(void)
{
	if (home_ns < 0)
		return 0;
	return setns(home_ns, CLONE_NEWNET) ? -errno : 0;
}

int bench_ifindex(const char *ns, const char *ifname)
{
	int idx;

	if (bench_enter(ns))
		return -1;
	idx = if_nametoindex(ifname);
	bench_leave();
	return idx ? idx : -1;
}

/* Native XDP on a bench veth; prog_fd < 0 detaches. */
int bench_xdp_attach(const char *ns, const char *ifname, int prog_fd)
{
	int idx, err;

	if (bench_enter(ns))
		return -ENOENT;
	idx = if_nametoindex(ifname);
	if (!idx)
		err = -ENODEV;
	else if (prog_fd < 0)
		err = bpf_xdp_detach(idx, XDP_FLAGS_DRV_MODE, NULL);
	else
		err = bpf_xdp_attach(idx, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	bench_leave();
	return err;
}

static void mac_str(const __u8 *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void bench_net_remove_stale(void)
{
	glob_t g;
	size_t i;

	if (!glob("/run/netns/xbench-*", 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			bench_sh("ip netns del %s", g.gl_pathv[i] + strlen("/run/netns/"));
		globfree(&g);
	}
	/* a run killed between creating the pair and moving it */
	if (if_nametoindex(BENCH_IF_GEN))
		bench_sh("ip link del " BENCH_IF_GEN);
}

void bench_net_teardown(void)
{
	bench_sh("ip netns del " BENCH_NS_GEN);
	bench_sh("ip netns del " BENCH_NS_DUT);
	bench_sh("ip link del " BENCH_IF_GEN);
}

#define NSX(ns) "ip netns exec " ns " "

/* One queue per CPU, so each generator CPU feeds its own NAPI instance. */
int bench_net_setup(enum dut_net mode)
{
	int q = libbpf_num_possible_cpus();
	char mg[20], md[20];

	if (q < 1)
		q = 1;
	if (q > 16)
		q = 16;
	mac_str(mac_gen, mg);
	mac_str(mac_dut, md);
	bench_net_teardown();
	if (bench_sh("ip netns add " BENCH_NS_GEN) || bench_sh("ip netns add " BENCH_NS_DUT))
		goto fail;
	if (bench_sh("ip link add " BENCH_IF_GEN " numtxqueues %d numrxqueues %d address %s "
		     "type veth peer name " BENCH_IF_DUT " numtxqueues %d numrxqueues %d address %s",
		     q, q, mg, q, q, md) ||
	    bench_sh("ip link set " BENCH_IF_GEN " netns " BENCH_NS_GEN) ||
	    bench_sh("ip link set " BENCH_IF_DUT " netns " BENCH_NS_DUT))
		goto fail;

	/* generator side: no addresses, no IPv6 chatter */
	if (bench_sh(NSX(BENCH_NS_GEN) "sysctl -qw net.ipv6.conf.all.disable_ipv6=1") ||
	    bench_sh("ip -n " BENCH_NS_GEN " link set lo up") ||
	    bench_sh("ip -n " BENCH_NS_GEN " link set " BENCH_IF_GEN " up"))
		goto fail;
	/* XDP must see full checksums, not partial ones left for offload */
	bench_sh(NSX(BENCH_NS_GEN) "ethtool -K " BENCH_IF_GEN " tx off");

	if (bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv6.conf.all.disable_ipv6=1") ||
	    bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv4.conf.all.rp_filter=0") ||
	    bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv4.conf.default.rp_filter=0") ||
	    bench_sh("ip -n " BENCH_NS_DUT " link set lo up") ||
	    bench_sh("ip -n " BENCH_NS_DUT " link set " BENCH_IF_DUT " up") ||
	    bench_sh("ip -n " BENCH_NS_DUT " addr add 10.255.1.2/24 dev " BENCH_IF_DUT) ||
	    bench_sh("ip -n " BENCH_NS_DUT " neigh replace 10.255.1.1 lladdr %s dev "
		     BENCH_IF_DUT " nud permanent", mg))
		goto fail;
	bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv4.conf." BENCH_IF_DUT ".rp_filter=0");
	bench_sh(NSX(BENCH_NS_DUT) "ethtool -K " BENCH_IF_DUT " tx off");

	if (mode == DUT_FORWARD) {
		if (bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv4.ip_forward=1") ||
		    bench_sh("ip -n " BENCH_NS_DUT " link add " BENCH_IF_SINK
			     " type veth peer name xbench-s1") ||
		    bench_sh("ip -n " BENCH_NS_DUT " link set " BENCH_IF_SINK " up") ||
		    bench_sh("ip -n " BENCH_NS_DUT " addr add 10.255.2.2/24 dev " BENCH_IF_SINK) ||
		    bench_sh("ip -n " BENCH_NS_DUT " neigh replace 10.255.2.1 lladdr "
			     "02:78:62:00:00:99 dev " BENCH_IF_SINK " nud permanent") ||
		    bench_sh("ip -n " BENCH_NS_DUT " route add 10.0.0.0/8 via 10.255.2.1 dev "
			     BENCH_IF_SINK " onlink"))
			goto fail;
		bench_sh(NSX(BENCH_NS_DUT) "sysctl -qw net.ipv4.conf." BENCH_IF_SINK ".rp_filter=0");
	} else {
		if (bench_sh("ip -n " BENCH_NS_DUT " addr add 10.0.0.2/32 dev " BENCH_IF_DUT) ||
		    bench_sh("ip -n " BENCH_NS_DUT " route add 10.64.0.0/10 via 10.255.1.1 dev "
			     BENCH_IF_DUT))
			goto fail;
		/*
		 * the real client of the flood (legit.c) is 10.255.1.1:
		 * static neighbours both ways, so no ARP crosses the flood
		 */
		if (bench_sh("ip -n " BENCH_NS_GEN " addr add 10.255.1.1/24 dev " BENCH_IF_GEN) ||
		    bench_sh("ip -n " BENCH_NS_GEN " neigh replace 10.255.1.2 lladdr %s dev "
			     BENCH_IF_GEN " nud permanent", md) ||
		    bench_sh("ip -n " BENCH_NS_GEN " route add 10.0.0.2/32 via 10.255.1.2 dev "
			     BENCH_IF_GEN))
			goto fail;
		/*
		 * XPS: a CPU's packets into the veth land in that CPU's queue on
		 * the other end.  Without it a socket's hash may put the client's
		 * SYN into the flood's queue, whose NAPI instance then follows it
		 * to the client's CPU and stays there, starving client and listener.
		 */
		for (int c = 0; c < q && c < 64; c++) {
			bench_sh(NSX(BENCH_NS_GEN) "sh -c 'echo %llx > /sys/class/net/"
				 BENCH_IF_GEN "/queues/tx-%d/xps_cpus'", 1ULL << c, c);
			bench_sh(NSX(BENCH_NS_DUT) "sh -c 'echo %llx > /sys/class/net/"
				 BENCH_IF_DUT "/queues/tx-%d/xps_cpus'", 1ULL << c, c);
		}
	}
	return 0;
fail:
	xdpct_err("bench: could not build the benchmark network (rerun with -v to see why)");
	bench_net_teardown();
	return -1;
}

#define CT_MAX "/proc/sys/net/netfilter/nf_conntrack_max"
#define CT_HASH "/sys/module/nf_conntrack/parameters/hashsize"

/*
 * nf_conntrack_max and the hash size are global (init namespace only):
 * raise them for the million-flow kernel run as an administrator tuning for
 * that load would, and put them back afterwards.
 */
int bench_conntrack_room(unsigned long entries)
{
	long max = sysctl_read(CT_MAX), hash = sysctl_read(CT_HASH);

	if (max < 0)
		return -ENOENT;
	if ((unsigned long)max < entries + entries / 4) {
		if (!saved_ct_max)
			saved_ct_max = max;
		if (sysctl_write(CT_MAX, entries + entries / 4))
			return -EPERM;
	}
	if (hash > 0 && (unsigned long)hash < entries) {
		if (!saved_ct_hash)
			saved_ct_hash = hash;
		sysctl_write(CT_HASH, entries);
	}
	return 0;
}

void bench_conntrack_restore(void)
{
	if (saved_ct_max)
		sysctl_write(CT_MAX, saved_ct_max);
	if (saved_ct_hash)
		sysctl_write(CT_HASH, saved_ct_hash);
	saved_ct_max = saved_ct_hash = 0;
}
