// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The synproxy completion's netfilter side (attach --syncookie-completion
 * synproxy): iptables and ip6tables chains that hand the cookie ACKs to the
 * kernel's SYNPROXY, and nf_conntrack_tcp_loose = 0.
 *
 * They are no BPF object: nothing removes them when the process that made
 * them dies.  So the filter chain's first rule is a record of how to undo
 * them, a rule without a target (it matches, counts and goes on):
 *
 *   -A XDPCT_SC -m comment --comment "xdpct pid=PID loose=OLD tables=BITS"
 *
 * PID installed them (it runs while `run` does, and while `attach` is at
 * work), OLD is nf_conntrack_tcp_loose before (-1: not read), BITS the
 * tables iptables created for them.  Detach reads it back to undo; any
 * command that finds no instance in this network namespace and such chains
 * whose PID is gone removes them the same way (nf_synproxy_gc).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "log.h"
#include "netfilter.h"
#include "sysctl.h"

#define NF_LOOSE	"/proc/sys/net/netfilter/nf_conntrack_tcp_loose"
#define NF_RECORD	"xdpct pid=%d loose=%ld tables=%u"

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

int nf_synproxy_check(void)
{
	if (!have_iptables()) {
		xdpct_err("--syncookie-completion synproxy needs iptables-restore and "
			  "ip6tables-restore (apt install iptables)");
		return -1;
	}
	if (access(NF_LOOSE, W_OK)) {
		xdpct_err("--syncookie-completion synproxy needs connection tracking "
			  "(%s: %s)", NF_LOOSE, strerror(errno));
		return -1;
	}
	return 0;
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

/* The tables the rules go into, as bits of the record's tables= field. */
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
/* How to undo the chains, as their record rule says. */
struct nf_record {
	int pid;
	long loose;
	unsigned tables;
};

/*
 * The XDPCT_SC chain of one family: -1 if there is none, else 0 and *r from
 * its record (r->pid 0 when it has none: left as they are undone).
 */
static int read_record(int v6, struct nf_record *r)
{
	char cmd[96], line[512], *p;
	FILE *f;
	int st;

	*r = (struct nf_record){ .loose = -1 };
	snprintf(cmd, sizeof(cmd), "%s -w -t filter -S XDPCT_SC 2>/dev/null", sc_tools[v6]);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if ((p = strstr(line, "xdpct pid=")))
			sscanf(p, NF_RECORD, &r->pid, &r->loose, &r->tables);
	st = pclose(f);
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The chains of either family: -1 if none, else 0 and their record. */
static int find_chains(struct nf_record *r)
{
	return read_record(0, r) && read_record(1, r) ? -1 : 0;
}

static void remove_as_recorded(const struct nf_record *r)
{
	xt_remove(0);
	xt_remove(1);
	xt_drop_tables(r->tables);
	if (r->loose >= 0)
		sysctl_write(NF_LOOSE, r->loose);
}

void nf_synproxy_remove(void)
{
	struct nf_record r;

	if (!find_chains(&r))
		remove_as_recorded(&r);
}

/*
 * pid still runs: a process that is gone or a zombie (killed, not yet
 * reaped: its BPF links are released already) does not.
 */
static bool pid_runs(int pid)
{
	char path[64], buf[512], *p, state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	/* "pid (comm) state ...": comm may hold anything, the state follows its ')' */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %c", &state);
	fclose(f);
	return state && state != 'Z' && state != 'X';
}

void nf_synproxy_gc(void)
{
	struct nf_record r;

	if (find_chains(&r))
		return;
	/* still being installed by a live xdpct, or its `run` still runs */
	if (r.pid > 0 && pid_runs(r.pid))
		return;
	remove_as_recorded(&r);
	xdpct_warn("removed the SYNPROXY rules (XDPCT_SC_RAW, XDPCT_SC) of an xdpct "
		   "instance that no longer runs%s", r.loose >= 0 ?
		   "; nf_conntrack_tcp_loose restored" : "");
}

static int xt_install(int v6, const struct xdpct_cfg *cfg, const struct nf_record *r,
		      char lists[][128], int nl)
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
		      "COMMIT\n*filter\n:XDPCT_SC - [0:0]\n"
		      "-A XDPCT_SC -m comment --comment \"" NF_RECORD "\"\n"
		      "-I INPUT -j XDPCT_SC\n-I FORWARD -j XDPCT_SC\n",
		      r->pid, r->loose, r->tables);
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

int nf_synproxy_install(const struct xdpct_cfg *cfg, const struct xdpct_sc_portmap *ports)
{
	static char lists[SC_MAX_LISTS][128];
	struct nf_record r;
	int nl, err;

	if (cfg->sc_mode == XDPCT_SC_OFF || cfg->sc_completion != XDPCT_SC_SYNPROXY)
		return 0;
	nl = port_lists(ports, lists, SC_MAX_LISTS);
	if (nl <= 0) {
		xdpct_err("--syncookie: too many separate ports or ranges for the "
			  "SYNPROXY rules (at most %d x 15)", SC_MAX_LISTS);
		return -E2BIG;
	}
	/* left over by an instance that died: undone first, so OLD is the host's */
	nf_synproxy_remove();
	r = (struct nf_record){ .pid = getpid(), .loose = sysctl_read(NF_LOOSE),
				.tables = xt_missing_tables() };
	err = xt_install(0, cfg, &r, lists, nl);
	if (!err)
		err = xt_install(1, cfg, &r, lists, nl);
	if (err) {
		remove_as_recorded(&(struct nf_record){ .loose = -1, .tables = r.tables });
		xdpct_err("cannot install the SYNPROXY rules (iptables-restore): see above");
		return err;
	}
	err = sysctl_write(NF_LOOSE, 0);
	if (err) {
		remove_as_recorded(&(struct nf_record){ .loose = -1, .tables = r.tables });
		xdpct_err("cannot set %s: %s", NF_LOOSE, strerror(-err));
		return err;
	}
	return 0;
}
