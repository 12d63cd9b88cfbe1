// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct attach: load the datapath and attach it; it outlives the command. */
#include <stdio.h>
#include "cmd_attach.h"
#include "cmdline.h"
#include "commands.h"
#include "lib/attach.h"
#include "lib/env.h"
#include "lib/log.h"

static const char attach_help[] =
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
"undoes both at detach; the chains record how).  ACKs\n"
"with bad or stale cookies and RSTs without a connection are dropped and counted;\n"
"connections the stack already had when xdpct was attached keep working (with\n"
"synproxy only those conntrack already tracked).\n"
"\n"
"Exit status: 0 attached; 1 failed (nothing is left attached); 2 bad usage.\n"
"Example: xdpct attach --egress --flows 262144 eth0\n";

static int attach_opt(int opt, const char *arg, void *ctx)
{
	return attach_opts_parse(ctx, opt, arg);
}

int attach_cmdline(int argc, char **argv, struct attach_opts *o, int *first)
{
	*first = parse_cmd_opts(argc, argv, ATTACH_SHORT_OPTS, attach_long_opts, attach_opt, o);
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

void print_attached(const struct inst *in, char **ifnames, int n)
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

static int attach_main(int argc, char **argv)
{
	struct attach_opts o;
	struct inst in;
	int first, r;

	attach_opts_init(&o);
	r = attach_cmdline(argc, argv, &o, &first);
	if (r)
		return r;
	if (inst_attach(&in, &o, argv + first, argc - first))
		return 1;
	print_attached(&in, argv + first, argc - first);
	inst_close(&in);
	return 0;
}

const struct command attach_command = {
	"attach", attach_main, "Load xdpct and attach it to interfaces", attach_help,
};
