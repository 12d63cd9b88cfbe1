// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the kernel baselines, in the DUT namespace behind count_pass
 * (bench/bpf/ceiling.bpf.c) on the receiving veth: nf_conntrack with an nft
 * stateful rule set, the kernel's SYN cookies with a listener, and nft
 * SYNPROXY as the kernel documentation sets it up.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "baseline.h"
#include "net.h"

#define NSX "ip netns exec " BENCH_NS_DUT " "

static int listen_fd = -1;

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
