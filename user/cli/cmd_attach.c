// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct attach / detach / run */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "lib/instance.h"
#include "commands.h"
#include "watch.h"

const char attach_help[] =
"Usage: xdpct attach [OPTIONS] IFACE...\n"
"\n"
"Load the xdpct datapath and attach its XDP program to each IFACE; all of them\n"
"share one flow table.  The attachment outlives the command: use 'xdpct detach'.\n"
"xdpct attaches through libxdp, so it can share an interface with other XDP\n"
"programs through libxdp's dispatcher; where the dispatcher cannot be used,\n"
"libxdp falls back to attaching xdpct alone.  An XDP program that xdpct did not\n"
"load is never replaced unless --force is given.  Attaching to more interfaces\n"
"later adds them to the running instance (its options stay as they were).\n"
"\n"
"Options:\n"
ATTACH_OPTS_HELP
"  -j, --json                  JSON output\n"
"\n"
"Expiry runs in the kernel (a BPF timer) while no xdpct process runs; objects\n"
"are pinned under <bpffs>/xdpct/ns<netns inode>/ (under 'ip netns exec', the\n"
"bpffs of the shell that ran it, reached through /proc/PID/root).\n"
"\n"
"Handshake offload (--syncookie PORTS): the XDP program answers each SYN to those\n"
"ports itself with a SYN-ACK carrying a SYN cookie (XDP_TX), so a SYN flood never\n"
"reaches the listen queue or the flow table.  The client's options travel in the\n"
"timestamp.  A returning ACK with a valid cookie starts an ESTABLISHED flow\n"
"(flag syncookie) and goes on to the listener: with --syncookie-completion reqsk\n"
"a TC ingress program makes it a request socket of the listener (xdpct's own\n"
"cookies; needs net.ipv4.tcp_syncookies=1 or 2); with synproxy the kernel's\n"
"SYNPROXY completes it (kernel cookies; xdpct adds iptables and ip6tables chains\n"
"XDPCT_SC_RAW (raw) and XDPCT_SC (filter), sets nf_conntrack_tcp_loose=0, and\n"
"undoes both at detach).  ACKs\n"
"with bad or stale cookies and RSTs without a connection are dropped and counted;\n"
"connections the stack already had when xdpct was attached keep working (with\n"
"synproxy only those conntrack already tracked).\n"
"\n"
"Exit status: 0 attached; 1 failed (nothing is left attached); 2 bad usage.\n"
"Example: xdpct attach --egress --flows 262144 eth0\n";

const char detach_help[] =
"Usage: xdpct detach IFACE...\n"
"       xdpct detach --all\n"
"\n"
"Remove xdpct from the given interfaces (XDP and TC egress programs).  When no\n"
"interface is left, the instance's pins are removed and the kernel frees its\n"
"programs and maps: afterwards ip link, tc filter show, bpftool prog/map and\n"
"bpffs show nothing of xdpct.\n"
"\n"
"Options:\n"
"  -a, --all    every interface of this network namespace's instance\n"
"  -j, --json   JSON output\n"
"\n"
"Exit status: 0 detached; 1 not attached or failed; 2 bad usage.\n";

const char run_help[] =
"Usage: xdpct run [OPTIONS] IFACE...\n"
"\n"
"The foreground way: attach as 'xdpct attach' does, stream transitions as\n"
"'xdpct watch' does, and on SIGINT or SIGTERM detach again and exit.  The\n"
"attachments are BPF links owned by the process and nothing is pinned, so\n"
"they go away with it however it ends, SIGKILL included.  Other commands\n"
"(flows, stats, status) see the instance while it runs.\n"
"\n"
"Options: those of 'xdpct attach', and\n"
"  -j, --json   one JSON object per line (see 'xdpct watch --help')\n"
"\n"
"Exit status: 0 after a clean detach; 1 on failure; 2 bad usage.\n";

static int attach_opt(int opt, const char *arg, void *ctx)
{
	return attach_opts_parse(ctx, opt, arg);
}

static int attach_common(int argc, char **argv, struct attach_opts *o, int *first)
{
	*first = parse_cmd_opts(argc, argv, "m:efn:", attach_long_opts, attach_opt, o);
	if (*first < 0)
		return 2;
	if (*first >= argc) {
		xdpct_err("%s: which interface? (xdpct %s [OPTIONS] IFACE...)", argv[0], argv[0]);
		return 2;
	}
	if (!xdpct_check_env(true))
		return 1;
	return attach_opts_finish(o);
}

static void print_attached(struct inst *in, char **ifnames, int n)
{
	int i;

	if (g_out.json) {
		printf("{\"attached\":[");
		for (i = 0; i < n; i++)
			printf("%s\"%s\"", i ? "," : "", ifnames[i]);
		printf("],\"pin_dir\":\"%s\"}\n", in->pinned ? in->pin_dir : "");
		return;
	}
	for (i = 0; i < n; i++)
		printf("xdpct: attached to %s\n", ifnames[i]);
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o;
	struct inst in;
	int first, r;

	attach_opts_init(&o);
	r = attach_common(argc, argv, &o, &first);
	if (r)
		return r;
	if (inst_attach(&in, &o, argv + first, argc - first))
		return 1;
	print_attached(&in, argv + first, argc - first);
	inst_close(&in);
	return 0;
}

static int detach_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'a')
		return 0;
	*(bool *)ctx = true;
	return 1;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ 0 },
	};
	bool all = false;
	struct inst in;
	int first, err;

	first = parse_cmd_opts(argc, argv, "a", longopts, detach_opt, &all);
	if (first < 0)
		return 2;
	if (all == (first < argc)) {
		xdpct_err("detach: name interfaces or give --all, not both or neither");
		return 2;
	}
	if (!xdpct_check_env(true))
		return 1;
	if (inst_find(&in)) {
		xdpct_err("xdpct is not attached in this network namespace");
		return 1;
	}
	err = inst_detach(&in, argv + first, argc - first);
	inst_close(&in);
	if (err)
		return 1;
	if (g_out.json)
		printf("{\"detached\":true}\n");
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct attach_opts o;
	struct inst in;
	int first, r, n;

	attach_opts_init(&o);
	o.ephemeral = true;
	r = attach_common(argc, argv, &o, &first);
	if (r)
		return r;
	n = argc - first;
	watch_signals_init();
	if (inst_attach(&in, &o, argv + first, n))
		return 1;
	if (!g_out.json)
		print_attached(&in, argv + first, n);
	r = watch_loop(&in, 0, 0);
	if (inst_detach(&in, argv + first, n))
		r = 1;
	else if (!g_out.json)
		fprintf(stderr, "xdpct: detached\n");
	inst_close(&in);
	return r;
}
