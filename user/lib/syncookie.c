// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshake offload (attach --syncookie), userspace side: the options, the
 * datapath's maps, the TC ingress program of the reqsk completion and the
 * iptables SYNPROXY rules of the synproxy completion.  See bpf/syncookie.h
 * for what the datapath does and include/xdpct_syncookie.h for the cookies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "instance.h"
#include "syncookie.h"
#include "xdpct.skel.h"

#define SC_TC_HANDLE	0xdc7		/* as the egress filter, on the ingress hook */
#define SC_TC_PRIO	1
#define SC_TCX_INGRESS	46		/* BPF_TCX_INGRESS (Linux 6.6+) */
#define SC_LOOSE	"/proc/sys/net/netfilter/nf_conntrack_tcp_loose"
#define SC_SYNCOOKIES	"/proc/sys/net/ipv4/tcp_syncookies"

static __u8 xt_missing_tables(void);

static int parse_port(const char *s, const char *end, __u32 *port)
{
	unsigned long v = 0;
	const char *p;

	if (s == end || end - s > 5)
		return -1;
	for (p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int sc_parse_ports(const char *arg, struct xdpct_sc_portmap *map, __u32 *n)
{
	const char *tok = arg, *comma, *dash;
	__u32 lo, hi, p;

	memset(map, 0, sizeof(*map));
	*n = 0;
	for (;;) {
		comma = strchr(tok, ',');
		if (!comma)
			comma = tok + strlen(tok);
		dash = memchr(tok, '-', comma - tok);
		if (parse_port(tok, dash ? dash : comma, &lo) ||
		    (dash && parse_port(dash + 1, comma, &hi))) {
			xdpct_err("--syncookie '%s': '%.*s' is not a port or range of ports "
				  "(1-65535, e.g. 80,443,8000-8100)", arg, (int)(comma - tok), tok);
			return -1;
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			xdpct_err("--syncookie '%s': range %u-%u ends before it starts", arg, lo, hi);
			return -1;
		}
		for (p = lo; p <= hi; p++) {
			if (!xdpct_sc_port_isset(map, p))
				(*n)++;
			xdpct_sc_port_set(map, p);
		}
		if (!*comma)
			break;
		tok = comma + 1;
	}
	return 0;
}

int sc_parse_mode(const char *arg, __u8 *mode)
{
	if (!strcmp(arg, "always"))
		*mode = XDPCT_SC_ALWAYS;
	else if (!strcmp(arg, "auto"))
		*mode = XDPCT_SC_AUTO;
	else if (!strcmp(arg, "off"))
		*mode = XDPCT_SC_OFF;
	else {
		xdpct_err("--syncookie-mode '%s': want always, auto or off", arg);
		return -1;
	}
	return 0;
}

int sc_parse_completion(const char *arg, __u8 *completion)
{
	if (!strcmp(arg, "reqsk"))
		*completion = XDPCT_SC_REQSK;
	else if (!strcmp(arg, "synproxy"))
		*completion = XDPCT_SC_SYNPROXY;
	else {
		xdpct_err("--syncookie-completion '%s': want reqsk or synproxy", arg);
		return -1;
	}
	return 0;
}

void sc_opts_init(struct xdpct_cfg *cfg)
{
	cfg->sc_mode = XDPCT_SC_OFF;
	cfg->sc_completion = 0;
	cfg->sc_mss4 = XDPCT_SC_DEF_MSS4;
	cfg->sc_mss6 = XDPCT_SC_DEF_MSS6;
	cfg->sc_wscale = XDPCT_SC_DEF_WSCALE;
	cfg->sc_ttl = XDPCT_SC_DEF_TTL;
	cfg->sc_threshold = XDPCT_SC_DEF_THRESHOLD;
}

/* The kernel can turn an skb into a request socket from BPF (6.9+). */
static bool have_reqsk_kfunc(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok;

	if (libbpf_get_error(btf))
		return false;
	ok = btf__find_by_name_kind(btf, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return ok;
}

static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_sysctl(const char *path, int v)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* Run argv with data on its standard input; its exit status, or -1. */
static int run_with_input(char *const argv[], const char *data, bool quiet)
{
	int pfd[2], status;
	size_t len = data ? strlen(data) : 0, off = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		dup2(pfd[0], 0);
		close(pfd[0]);
		close(pfd[1]);
		if (quiet) {
			freopen("/dev/null", "w", stdout);
			freopen("/dev/null", "w", stderr);
		} else {
			dup2(2, 1);	/* nft's complaints go to our stderr */
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[0]);
	while (off < len) {
		ssize_t w = write(pfd[1], data + off, len - off);

		if (w <= 0)
			break;
		off += w;
	}
	close(pfd[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool have_iptables(void)
{
	char *argv4[] = { "iptables-restore", "--version", NULL };
	char *argv6[] = { "ip6tables-restore", "--version", NULL };

	return run_with_input(argv4, NULL, true) == 0 && run_with_input(argv6, NULL, true) == 0;
}

int sc_check(struct attach_opts *o)
{
	struct xdpct_cfg *cfg = &o->cfg;
	int v;

	if (!o->sc.set) {
		if (o->sc.mode_set || o->sc.completion_set || o->sc.tuning_set) {
			xdpct_err("--syncookie-mode/-completion/-threshold, --mss4, --mss6, --wscale "
				  "and --ttl need --syncookie PORTS");
			return 2;
		}
		cfg->sc_mode = XDPCT_SC_OFF;
		return 0;
	}
	if (cfg->sc_mode == XDPCT_SC_OFF)
		return 0;
	if (!cfg->sc_completion)
		cfg->sc_completion = have_reqsk_kfunc() ? XDPCT_SC_REQSK : XDPCT_SC_SYNPROXY;
	if (cfg->sc_completion == XDPCT_SC_REQSK) {
		if (!have_reqsk_kfunc()) {
			xdpct_err("--syncookie-completion reqsk needs Linux 6.9 or newer "
				  "(bpf_sk_assign_tcp_reqsk); use --syncookie-completion synproxy");
			return 1;
		}
		v = read_sysctl(SC_SYNCOOKIES);
		if (v == 0) {
			/* cookie_v4/v6_check(), which takes the request socket, runs only then */
			xdpct_err("--syncookie with reqsk completion needs net.ipv4.tcp_syncookies "
				  "= 1 or 2 (the kernel takes request sockets from BPF on its "
				  "SYN-cookie path): sysctl -w net.ipv4.tcp_syncookies=1");
			return 1;
		}
	} else {
		if (!have_iptables()) {
			xdpct_err("--syncookie-completion synproxy needs iptables-restore and "
				  "ip6tables-restore (apt install iptables)");
			return 1;
		}
		if (access(SC_LOOSE, W_OK)) {
			xdpct_err("--syncookie-completion synproxy needs connection tracking "
				  "(%s: %s)", SC_LOOSE, strerror(errno));
			return 1;
		}
	}
	return 0;
}

int sc_apply(struct xdpct_bpf *skel, const struct attach_opts *o)
{
	const struct xdpct_cfg *cfg = &o->cfg;
	__u64 key[2];
	int v, err;

	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -errno;
	skel->rodata->xdpct_sc_key[0] = key[0];
	skel->rodata->xdpct_sc_key[1] = key[1];
	err = bpf_map__set_max_entries(skel->maps.xdpct_sc_state,
				       o->sc.nports ? o->sc.nports : 1);
	if (err)
		return err;
	bpf_program__set_autoload(skel->progs.xdpct_sc_tc, cfg->sc_mode != XDPCT_SC_OFF &&
				  cfg->sc_completion == XDPCT_SC_REQSK);
	bpf_program__set_autoload(skel->progs.xdpct_sc_tick, false);
	if (cfg->sc_mode != XDPCT_SC_OFF && cfg->sc_completion == XDPCT_SC_SYNPROXY) {
		/* remembered in the instance, so any later detach restores it */
		v = read_sysctl(SC_LOOSE);
		skel->rodata->cfg.sc_nf_loose = v >= 0 && v < 255 ? v + 1 : 0;
		skel->rodata->cfg.sc_nf_tables = xt_missing_tables();
	}
	return 0;
}

int sc_fill_maps(struct xdpct_bpf *skel, const struct attach_opts *o)
{
	int pfd = bpf_map__fd(skel->maps.xdpct_sc_ports);
	int sfd = bpf_map__fd(skel->maps.xdpct_sc_state);
	struct xdpct_sc_port zero_port = {};
	__u32 zero = 0, p;

	if (!o->sc.set || o->cfg.sc_mode == XDPCT_SC_OFF)
		return 0;
	if (bpf_map_update_elem(pfd, &zero, &o->sc.ports, BPF_ANY))
		return -errno;
	if (o->cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	for (p = 1; p <= 65535; p++)
		if (xdpct_sc_port_isset(&o->sc.ports, p) &&
		    bpf_map_update_elem(sfd, &p, &zero_port, BPF_NOEXIST))
			return -errno;
	return 0;
}

int sc_attach_ingress(int ifindex, int prog_fd, struct xdpct_iface *e, int *link_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = SC_TC_HANDLE,
		    .priority = SC_TC_PRIO);
	bool made;
	int err;

	if (prog_fd < 0)
		return -ENOENT;
	if (link_fd) {
		*link_fd = bpf_link_create(prog_fd, ifindex, SC_TCX_INGRESS, NULL);
		return *link_fd < 0 ? -errno : 0;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	made = !err;
	if (made)
		e->made_clsact = 1;
	err = bpf_tc_attach(&hook, &opts);
	if (err && made && !e->egress) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		e->made_clsact = 0;
	}
	return err;
}

void sc_detach_ingress(const struct xdpct_iface *e, const struct xdpct_cfg *cfg)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = e->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SC_TC_HANDLE, .priority = SC_TC_PRIO);

	if (cfg->sc_mode == XDPCT_SC_OFF || cfg->sc_completion != XDPCT_SC_REQSK)
		return;
	bpf_tc_detach(&hook, &opts);
	if (e->made_clsact && !e->egress) {
		/* no egress program: removing the egress side will not do it */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

/*
 * The ports as iptables multiport lists: at most 15 ports per rule, a
 * range counting two.  Returns how many lists were written to out[].
 */
#define SC_MAX_LISTS 64
static int port_lists(const struct xdpct_sc_portmap *m, char out[][128], int max)
{
	int n = 0, used = 0;
	size_t len = 0;
	__u32 p, q;

	for (p = 1; p <= 65535; p++) {
		if (!xdpct_sc_port_isset(m, p))
			continue;
		for (q = p; q < 65535 && xdpct_sc_port_isset(m, q + 1); q++)
			;
		if (used + (q > p ? 2 : 1) > 15 || len > 100) {
			if (++n >= max)
				return -1;
			used = 0;
			len = 0;
		}
		if (!used)
			out[n][0] = '\0';
		len += snprintf(out[n] + len, 128 - len, q > p ? "%s%u:%u" : "%s%u",
				used ? "," : "", p, q);
		used += q > p ? 2 : 1;
		p = q;
	}
	return used ? n + 1 : n;
}

static int run_argv(char *const argv[], bool quiet)
{
	return run_with_input(argv, NULL, quiet);
}

static const char *const sc_tools[2] = { "iptables", "ip6tables" };

/* The tables the rules go into, as bits of cfg.sc_nf_tables. */
static const struct {
	const char *tool, *family, *table;
} sc_tables[4] = {
	{ "iptables", "ip", "raw" }, { "iptables", "ip", "filter" },
	{ "ip6tables", "ip6", "raw" }, { "ip6tables", "ip6", "filter" },
};

/* 1: the table has no rule and no chain of its own (only policies), -1: none */
static int xt_table_state(int i)
{
	char cmd[128], line[512];
	int state = 1, lines = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nft list table %s %s >/dev/null 2>&1", sc_tables[i].family,
		 sc_tables[i].table);
	if (system(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s -w -t %s -S 2>/dev/null", sc_tables[i].tool,
		 sc_tables[i].table);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (strncmp(line, "-P ", 3))
			state = 0;
	}
	pclose(f);
	return lines ? state : 0;
}

/* Before attach: which tables would iptables create for us? */
static __u8 xt_missing_tables(void)
{
	__u8 m = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (xt_table_state(i) < 0)
			m |= 1 << i;
	return m;
}

/* After removing our chains: the tables iptables made for them, if empty. */
static void xt_drop_tables(__u8 made)
{
	char cmd[128];
	int i;

	for (i = 0; i < 4; i++) {
		if (!(made & (1 << i)) || xt_table_state(i) != 1)
			continue;
		snprintf(cmd, sizeof(cmd), "nft delete table %s %s >/dev/null 2>&1",
			 sc_tables[i].family, sc_tables[i].table);
		if (system(cmd)) {
			/* nothing to do: an empty table accepts everything */
		}
	}
}

/* Remove our chains and the jumps to them; quiet, whatever is missing. */
static void xt_remove(int v6)
{
	static const char *const jumps[][3] = {
		{ "raw", "PREROUTING", "XDPCT_SC_RAW" },
		{ "filter", "INPUT", "XDPCT_SC" },
		{ "filter", "FORWARD", "XDPCT_SC" },
	};
	char *tool = (char *)sc_tools[v6];
	size_t i;

	for (i = 0; i < 3; i++) {
		char *argv[] = { tool, "-w", "-t", (char *)jumps[i][0], "-D", (char *)jumps[i][1],
				 "-j", (char *)jumps[i][2], NULL };

		while (run_argv(argv, true) == 0)
			;
	}
	for (i = 0; i < 2; i++) {
		char *fl[] = { tool, "-w", "-t", (char *)jumps[i][0], "-F", (char *)jumps[i][2], NULL };
		char *x[] = { tool, "-w", "-t", (char *)jumps[i][0], "-X", (char *)jumps[i][2], NULL };

		run_argv(fl, true);
		run_argv(x, true);
	}
}

/*
 * The kernel's XDP SYN-proxy recipe, per family with iptables' SYNPROXY
 * target (xt_SYNPROXY: nftables' synproxy expression checks IPv6 checksums
 * as IPv4 ones and drops IPv6 ACKs that arrive without a verified checksum).
 * SYNs to the ports are not tracked; a segment conntrack calls invalid or
 * untracked goes to SYNPROXY, which takes the ACK of a kernel cookie and
 * opens the connection to the server itself.  Loopback is left alone:
 * SYNPROXY's own SYN to a local server arrives there.  With
 * nf_conntrack_tcp_loose 0 an ACK without a connection is invalid rather
 * than picked up midstream.
 */
static int xt_install(int v6, const struct xdpct_cfg *cfg, char lists[][128], int nl)
{
	static char script[1 << 16];
	char *argv[] = { v6 ? "ip6tables-restore" : "iptables-restore", "-w", "--noflush", NULL };
	size_t n = 0;
	int i;

	n += snprintf(script + n, sizeof(script) - n,
		      "*raw\n:XDPCT_SC_RAW - [0:0]\n-I PREROUTING -j XDPCT_SC_RAW\n");
	for (i = 0; i < nl; i++)
		n += snprintf(script + n, sizeof(script) - n,
			      "-A XDPCT_SC_RAW ! -i lo -p tcp -m multiport --dports %s "
			      "--tcp-flags FIN,SYN,RST,ACK SYN -j CT --notrack\n", lists[i]);
	n += snprintf(script + n, sizeof(script) - n,
		      "COMMIT\n*filter\n:XDPCT_SC - [0:0]\n-I INPUT -j XDPCT_SC\n"
		      "-I FORWARD -j XDPCT_SC\n");
	for (i = 0; i < nl; i++)
		n += snprintf(script + n, sizeof(script) - n,
			      "-A XDPCT_SC ! -i lo -p tcp -m multiport --dports %s -m conntrack "
			      "--ctstate INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp "
			      "--wscale %u --mss %u\n"
			      "-A XDPCT_SC ! -i lo -p tcp -m multiport --dports %s -m conntrack "
			      "--ctstate INVALID -j DROP\n",
			      lists[i], cfg->sc_wscale, v6 ? cfg->sc_mss6 : cfg->sc_mss4, lists[i]);
	n += snprintf(script + n, sizeof(script) - n, "COMMIT\n");
	if (n >= sizeof(script))
		return -E2BIG;
	return run_with_input(argv, script, false) ? -EINVAL : 0;
}

int sc_netfilter_install(const struct xdpct_cfg *cfg, const struct xdpct_sc_portmap *ports)
{
	static char lists[SC_MAX_LISTS][128];
	int nl, err;

	if (cfg->sc_mode == XDPCT_SC_OFF || cfg->sc_completion != XDPCT_SC_SYNPROXY)
		return 0;
	nl = port_lists(ports, lists, SC_MAX_LISTS);
	if (nl <= 0) {
		xdpct_err("--syncookie: too many separate ports or ranges for the "
			  "SYNPROXY rules (at most %d x 15)", SC_MAX_LISTS);
		return -E2BIG;
	}
	/* left over by a run that was killed */
	xt_remove(0);
	xt_remove(1);
	err = xt_install(0, cfg, lists, nl);
	if (!err)
		err = xt_install(1, cfg, lists, nl);
	if (err) {
		xt_remove(0);
		xt_remove(1);
		xt_drop_tables(cfg->sc_nf_tables);
		xdpct_err("cannot install the SYNPROXY rules (iptables-restore): see above");
		return err;
	}
	err = write_sysctl(SC_LOOSE, 0);
	if (err) {
		xt_remove(0);
		xt_remove(1);
		xt_drop_tables(cfg->sc_nf_tables);
		xdpct_err("cannot set %s: %s", SC_LOOSE, strerror(-err));
		return err;
	}
	return 0;
}

void sc_netfilter_remove(const struct xdpct_cfg *cfg)
{
	if (cfg->sc_mode == XDPCT_SC_OFF || cfg->sc_completion != XDPCT_SC_SYNPROXY)
		return;
	xt_remove(0);
	xt_remove(1);
	xt_drop_tables(cfg->sc_nf_tables);
	if (cfg->sc_nf_loose)
		write_sysctl(SC_LOOSE, cfg->sc_nf_loose - 1);
}
