// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct replay: what xdpct would have said about a capture.  Options,
 * output and the summary; the work is in replay/engine.c and replay/pcap_src.c.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/clock.h"
#include "lib/format.h"
#include "lib/log.h"
#include "replay/engine.h"

#define REPLAY_USAGE "Usage: xdpct replay [-j] [--flows] [attach options] FILE\n"

static const char replay_help[] =
REPLAY_USAGE
"\n"
"NAME\n"
"  xdpct replay - run a packet capture through the xdpct datapath\n"
"\n"
"SYNOPSIS\n"
"  xdpct replay [-j] [--flows] [-q|-v] [attach options] FILE\n"
"\n"
"DESCRIPTION\n"
"  Every packet of FILE goes, in capture order, through the same XDP program\n"
"  that `xdpct attach` puts on an interface (xdpct_xdp, run in the kernel with\n"
"  BPF_PROG_TEST_RUN, with a flow table of its own), as a middlebox that sees\n"
"  both directions would get it.  Prints each endpoint transition the way\n"
"  `xdpct watch` does and, with --flows, the flow table at the end of the\n"
"  capture the way `xdpct flows` does.  Nothing is attached to any interface\n"
"  and no traffic is sent.  Needs root (CAP_BPF and CAP_NET_ADMIN) to load\n"
"  the program.\n"
"\n"
"OPTIONS\n"
"  -j, --json                  transitions as JSON lines (as `watch -j`) and the\n"
"                              flow table as one JSON array (as `flows -j`); the\n"
"                              summary and warnings on stderr become JSON too\n"
"      --flows                 print the flow table at the end of the capture\n"
"                              (ages are counted to the last packet's time)\n"
"      --strip-vlan            remove VLAN tags before the datapath sees a frame:\n"
"                              for captures where one direction was tagged and\n"
"                              the other not (xdpct keys flows by VLAN id, like\n"
"                              Suricata with vlan.use-for-tracking)\n"
"  -q, --quiet                 no summary and no per-packet warnings\n"
"  -v, --verbose               every per-packet warning (default: the first 20);\n"
"                              -vv also shows libbpf's messages\n"
"  -h, --help                  this text\n"
"\n"
"  Attach options, with the same meaning and defaults as for `xdpct attach`:\n"
ATTACH_OPTS_HELP
"  For replay, --flows N (a number, not the last argument) or --flows=N sets\n"
"  the table size, as for attach; --flows alone prints the table.  A FILE\n"
"  named as a plain number after --flows must be written ./N.  --mode,\n"
"  --egress and --force mean nothing here and are ignored with a warning.\n"
"\n"
"SYN COOKIES\n"
"  With --syncookie PORTS the replay shows what the handshake offloader would\n"
"  have answered: SYNs to those ports get a cookie SYN-ACK from XDP (XDP_TX,\n"
"  no flow), ACKs without a flow are checked as cookies (the ACKs in a capture\n"
"  taken without xdpct carry the real server's ISN, so they count as bad\n"
"  cookies and are dropped).  The summary adds SYNs seen, SYN-ACKs sent,\n"
"  cookies accepted and rejected (bad, stale) and RSTs dropped.  The cookie\n"
"  format is the reqsk one unless --syncookie-completion synproxy; nothing is\n"
"  completed or installed.  The replay runs in a new, empty network namespace\n"
"  so that the offloader's socket lookups see nothing of this host.  In auto\n"
"  mode the per-port rate windows (200 ms) run on capture time.\n"
"\n"
"CLOCK AND EXPIRY\n"
"  The datapath's clock is the capture's: before each packet the program's\n"
"  replay clock is set to the packet's capture time in nanoseconds, so\n"
"  TIME_WAIT (--timeout-time-wait) and the idle timeouts run out as they\n"
"  did on the wire.  The expiry sweep that an attached instance runs from a\n"
"  BPF timer every --sweep-interval runs here whenever capture time has\n"
"  moved that far since the last sweep (just before the packet that moved\n"
"  it), and once after the last packet.  Expiry therefore shows up at the\n"
"  time of the next packet after the deadline, and nothing expires after\n"
"  the capture's last packet.  A packet stamped earlier than the one before\n"
"  it leaves the clock where it was (with a warning).\n"
"  Timestamps (ts_ns, first_seen_ns, ...) are capture times: nanoseconds\n"
"  since the epoch.\n"
"\n"
"INPUT\n"
"  pcap (microsecond or nanosecond) and pcapng, read by libpcap; FILE - reads\n"
"  standard input.  Link types: Ethernet (taken as is), Linux cooked capture\n"
"  v1 and v2 (an Ethernet header is rebuilt from the protocol field), raw IP,\n"
"  IPv4 and IPv6 (the version nibble picks the ethertype) and BSD loopback\n"
"  (NULL and LOOP, either byte order; AF_INET6 as 24, 28 or 30).\n"
"  A TCP packet larger than one test-run XDP buffer (the page size less\n"
"  768 bytes: 3328 bytes with 4 KiB pages; captures taken on a host with\n"
"  TSO/GRO or on loopback hold such packets) is cut into consecutive\n"
"  segments the way segmentation offload cuts one: the state machine sees\n"
"  the same sequence space, but the flow's packet and byte counters count\n"
"  the pieces (the summary says how many packets were split).  Oversize\n"
"  non-TCP packets are shortened with their IP length.  A packet whose\n"
"  payload the snap length cut is run with the missing payload\n"
"  zero-filled: the datapath reads headers and lengths, never payload.\n"
"\n"
"BAD INPUT\n"
"  Each problem is reported on stderr as \"packet N: what\" (N counts from 1,\n"
"  as tcpdump and Wireshark number packets; with -j as {\"warning\": ...}).\n"
"  These packets are skipped and the replay goes on: a snap length that cut\n"
"  a header up to the end of the TCP header (a cut header cannot be\n"
"  judged), a link-layer header too short, a frame shorter than an Ethernet\n"
"  header (BPF_PROG_TEST_RUN takes none), an oversize first IP fragment.\n"
"  A truncated or corrupt record ends the replay at that packet: what came\n"
"  before is reported, with a warning.  Packets that are malformed on the\n"
"  wire (bad IP version or lengths, TCP doff, impossible flags) are not\n"
"  skipped: they go to the datapath, which counts them as invalid.  The\n"
"  summary says how many packets were skipped.\n"
"\n"
"OUTPUT\n"
"  stdout: the transitions (and the flow table with --flows), in exactly the\n"
"  formats of `watch` and `flows`.  stderr: warnings and, last, a one-line\n"
"  summary: packets read, TCP segments, skipped packets, transitions,\n"
"  expiries, flows left in the table, and invalid / dropped / lost counts\n"
"  when not zero.  With -j the summary is one JSON object:\n"
"    {\"summary\":{\"file\":..,\"packets\":..,\"tcp\":..,\"non_tcp\":..,\n"
"     \"invalid\":..,\"skipped\":..,\"frames\":..,\"split\":..,\"transitions\":..,\n"
"     \"expired\":..,\"flows\":..,\"dropped\":..,\"events_lost\":..,\n"
"     \"truncated\":false,\"first_ts_ns\":..,\"last_ts_ns\":..}}\n"
"  and, with --syncookie, \"syncookie\":{\"syn_seen\",\"syn_passed\",\n"
"  \"synack_sent\",\"cookie_accepted\",\"cookie_rejected_bad\",\n"
"  \"cookie_rejected_stale\",\"rst_dropped\"} inside \"summary\".\n"
"  It goes to stderr so that stdout stays exactly what `watch -j` and\n"
"  `flows -j` print.\n"
"\n"
"EXIT STATUS\n"
"  0  the capture was replayed, including when packets were skipped or the\n"
"     capture was cut short (both reported on stderr)\n"
"  1  fatal: FILE missing or unreadable, not a capture, an unsupported link\n"
"     type, the datapath could not be loaded (not root, no BPF), or a test\n"
"     run failed\n"
"  2  bad usage: unknown option, bad option value, no FILE or more than one\n"
"\n"
"EXAMPLES\n"
"  xdpct replay capture.pcap\n"
"  xdpct replay -j --flows --timeout-time-wait 30 capture.pcapng\n"
"  xdpct replay --syncookie 443 synflood.pcap\n"
"  tcpdump -i eth0 -w - 'tcp' | xdpct replay -\n";

#define MAX_WARNINGS 20

struct replay_cli {
	bool json;
	bool quiet;
	int verbose;
	unsigned long warnings;
	FILE *out;
	uint64_t now;		/* replay clock at the end, for the table's ages */
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void cli_warn(void *ctx, const char *msg)
{
	struct replay_cli *c = ctx;

	c->warnings++;
	if (c->quiet || (c->verbose < 1 && c->warnings > MAX_WARNINGS))
		return;
	if (c->json) {
		fprintf(stderr, "{\"warning\":");
		json_str(stderr, msg);
		fprintf(stderr, "}\n");
	} else {
		fprintf(stderr, "xdpct: replay: %s\n", msg);
	}
	if (c->verbose < 1 && c->warnings == MAX_WARNINGS)
		fprintf(stderr, c->json ? "{\"warning\":\"further warnings not shown (-v shows "
					  "all)\"}\n" :
			"xdpct: replay: further warnings not shown (-v shows all)\n");
}

static void cli_event(void *ctx, const struct xdpct_event *e, uint64_t pkt, bool sweep)
{
	struct replay_cli *c = ctx;

	xdpct_print_event(c->out, e, c->json);
}

static void cli_flow(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	struct replay_cli *c = ctx;

	xdpct_flows_entry(c->out, k, v, c->now, c->json);
}

static uint64_t dp_stat(const struct replay_counts *rc, enum xdpct_stat s)
{
	return rc->dp.c[s & XDPCT_STAT_MASK];
}

static uint64_t invalid_total(const struct replay_counts *rc)
{
	static const enum xdpct_stat inv[] = {
		XDPCT_STAT_INV_ETH, XDPCT_STAT_INV_VLAN_DEPTH, XDPCT_STAT_INV_IP,
		XDPCT_STAT_INV_IPV6_EXT, XDPCT_STAT_INV_TCP_HDR, XDPCT_STAT_INV_TCP_FLAGS,
		XDPCT_STAT_INV_SEQ, XDPCT_STAT_INV_ACK, XDPCT_STAT_INV_RST,
		XDPCT_STAT_INV_SYNACK, XDPCT_STAT_INV_STATE,
	};
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(inv) / sizeof(inv[0]); i++)
		n += dp_stat(rc, inv[i]);
	return n;
}

/* --syncookie: what the offloader answered */
static void print_syncookie(const struct replay_cli *c, const struct replay_counts *rc)
{
	unsigned long long sent = dp_stat(rc, XDPCT_STAT_SC_SYNACK_SENT),
		acc = dp_stat(rc, XDPCT_STAT_SC_COOKIE_ACCEPTED),
		bad = dp_stat(rc, XDPCT_STAT_SC_COOKIE_BAD),
		stale = dp_stat(rc, XDPCT_STAT_SC_COOKIE_STALE),
		rst = dp_stat(rc, XDPCT_STAT_SC_RST_DROPPED),
		seen = dp_stat(rc, XDPCT_STAT_SC_SYN_SEEN),
		passed = dp_stat(rc, XDPCT_STAT_SC_SYN_PASSED);

	if (c->json)
		fprintf(stderr, ",\"syncookie\":{\"syn_seen\":%llu,\"syn_passed\":%llu,"
			"\"synack_sent\":%llu,\"cookie_accepted\":%llu,"
			"\"cookie_rejected_bad\":%llu,\"cookie_rejected_stale\":%llu,"
			"\"rst_dropped\":%llu}", seen, passed, sent, acc, bad, stale, rst);
	else
		fprintf(stderr, "; syncookie: %llu SYNs to protected ports, %llu SYN-ACKs "
			"sent, %llu cookies accepted, %llu rejected (%llu bad, %llu stale), "
			"%llu RSTs dropped", seen, sent, acc, bad + stale, bad, stale, rst);
}

static void print_summary(const struct replay_cli *c, const char *file,
			  const struct replay_counts *rc, bool syncookie)
{
	unsigned long long inv = invalid_total(rc), lost = dp_stat(rc, XDPCT_STAT_EVENTS_LOST);
	unsigned long long tcp = dp_stat(rc, XDPCT_STAT_TCP), other = dp_stat(rc, XDPCT_STAT_NON_TCP);

	if (c->json) {
		fprintf(stderr, "{\"summary\":{\"file\":");
		json_str(stderr, file);
		fprintf(stderr, ",\"packets\":%llu,\"tcp\":%llu,\"non_tcp\":%llu,\"invalid\":%llu,"
			"\"skipped\":%llu,\"frames\":%llu,\"split\":%llu,\"transitions\":%llu,"
			"\"expired\":%llu,\"flows\":%llu,\"dropped\":%llu,\"events_lost\":%llu,"
			"\"truncated\":%s,\"first_ts_ns\":%llu,\"last_ts_ns\":%llu",
			(unsigned long long)rc->packets, tcp, other, inv,
			(unsigned long long)rc->skipped, (unsigned long long)rc->frames,
			(unsigned long long)rc->split, (unsigned long long)rc->transitions,
			(unsigned long long)rc->expired, (unsigned long long)rc->flows,
			(unsigned long long)rc->xdp_drop, lost, rc->truncated ? "true" : "false",
			(unsigned long long)rc->first_ns, (unsigned long long)rc->last_ns);
		if (syncookie)
			print_syncookie(c, rc);
		fprintf(stderr, "}}\n");
		return;
	}
	fprintf(stderr, "xdpct: replay: %llu packets (%llu tcp, %llu other), %llu skipped, "
		"%llu transitions, %llu expired, %llu flow%s at the end, %.3f s of capture",
		(unsigned long long)rc->packets, tcp, other, (unsigned long long)rc->skipped,
		(unsigned long long)rc->transitions, (unsigned long long)rc->expired,
		(unsigned long long)rc->flows, rc->flows == 1 ? "" : "s",
		rc->last_ns > rc->first_ns ? (rc->last_ns - rc->first_ns) / 1e9 : 0.0);
	if (inv)
		fprintf(stderr, ", %llu invalid", inv);
	if (rc->xdp_drop)
		fprintf(stderr, ", %llu dropped", (unsigned long long)rc->xdp_drop);
	if (rc->split)
		fprintf(stderr, ", %llu split", (unsigned long long)rc->split);
	if (lost)
		fprintf(stderr, ", %llu events lost", lost);
	if (rc->truncated)
		fprintf(stderr, ", capture cut short");
	if (syncookie)
		print_syncookie(c, rc);
	fprintf(stderr, "\n");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

enum { OPT_FLOWS = 0x200, OPT_STRIP_VLAN };

static const struct option replay_opts[] = {
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "strip-vlan", no_argument, NULL, OPT_STRIP_VLAN },
	/* "flows": optional value here, see --help */
	{ "flows", optional_argument, NULL, OPT_FLOWS },
};

/* The replay options, then the attach options but their "flows". */
static struct option *build_opts(void)
{
	size_t nmine = sizeof(replay_opts) / sizeof(replay_opts[0]);
	size_t n = 0, i, k = 0;
	struct option *o;

	while (attach_long_opts[n].name)
		n++;
	o = calloc(n + nmine + 1, sizeof(*o));
	if (!o)
		return NULL;
	for (i = 0; i < nmine; i++)
		o[k++] = replay_opts[i];
	for (i = 0; i < n; i++)
		if (strcmp(attach_long_opts[i].name, "flows"))
			o[k++] = attach_long_opts[i];
	return o;
}

struct parse_ctx {
	struct replay_cli *cli;
	struct attach_opts *ao;
	bool show_flows;
	bool strip_vlan;
	bool help;
	int argc;
	char **argv;
};

static int handle_opt(int opt, const char *arg, void *ctx)
{
	struct parse_ctx *p = ctx;

	switch (opt) {
	case 'q':
		p->cli->quiet = true;
		return 1;
	case 'v':
		p->cli->verbose++;
		return 1;
	case 'h':
		p->help = true;
		return 1;
	case OPT_STRIP_VLAN:
		p->strip_vlan = true;
		return 1;
	case OPT_FLOWS:
		/* "--flows N" with more to come sets the size, as for attach */
		if (!arg && optind + 1 < p->argc && all_digits(p->argv[optind]))
			arg = p->argv[optind++];
		if (!arg) {
			p->show_flows = true;
			return 1;
		}
		return attach_opts_parse(p->ao, 'n', arg);
	case 'm':
	case 'e':
	case 'f':
		xdpct_warn("replay: --%s means nothing for replay; ignored",
			   opt == 'm' ? "mode" : opt == 'e' ? "egress" : "force");
		return 1;
	}
	return attach_opts_parse(p->ao, opt, arg);
}

static int replay_main(int argc, char **argv)
{
	struct replay_cli cli = { .out = stdout };
	struct replay_opts ro = { 0 };
	struct pcap_src *src = NULL;
	struct replay *r = NULL;
	const char *file = NULL;
	bool show_flows = false;
	struct parse_ctx pc = { 0 };
	struct option *opts;
	char err[512];
	int first, ret = 2, e;

	attach_opts_init(&ro.ao);
	opts = build_opts();
	if (!opts) {
		xdpct_err("replay: out of memory");
		return 1;
	}
	pc.cli = &cli;
	pc.ao = &ro.ao;
	pc.argc = argc;
	pc.argv = argv;
	first = parse_cmd_opts(argc, argv, "qvh" ATTACH_SHORT_OPTS, opts, handle_opt, &pc);
	if (first < 0)
		goto out;
	cli.json = g_out.json;
	if (pc.help) {
		fputs(replay_help, stdout);
		ret = 0;
		goto out;
	}
	if (first != argc - 1) {
		xdpct_err("replay: %s (see xdpct replay --help)", first >= argc ?
			  "which capture? give one FILE" : "give one FILE only");
		goto out;
	}
	show_flows = pc.show_flows;
	file = argv[first];
	ret = 1;

	/* open the capture first: a missing file needs no BPF to say so */
	src = pcap_src_open(file, err, sizeof(err));
	if (!src) {
		xdpct_err("replay: %s", err);
		goto out;
	}
	g_wall_offset_ns = 0;	/* capture times are wall-clock already */
	ro.on_event = cli_event;
	ro.on_warn = cli_warn;
	ro.ctx = &cli;
	ro.verbose = cli.verbose > 1;
	ro.strip_vlan = pc.strip_vlan;
	r = replay_new(&ro, err, sizeof(err));
	if (!r) {
		xdpct_err("replay: %s", err);
		goto out;
	}
	e = replay_source(r, src);
	if (!e)
		e = replay_finish(r);
	if (e) {
		xdpct_err("replay: %s: BPF_PROG_TEST_RUN failed: %s", file, strerror(-e));
		goto out;
	}
	cli.now = replay_now(r);
	if (show_flows) {
		if (!cli.json)
			fputs("\n", stdout);
		xdpct_flows_begin(stdout, cli.json);
		replay_flows(r, cli_flow, &cli);
		xdpct_flows_end(stdout, cli.json);
	} else {
		replay_flows(r, NULL, NULL);	/* the count, for the summary */
	}
	fflush(stdout);
	if (!cli.quiet)
		print_summary(&cli, file, replay_counts(r), ro.ao.sc.set);
	ret = 0;
out:
	replay_free(r);
	pcap_src_close(src);
	free(opts);
	return ret;
}

const struct command replay_command = {
	"replay", replay_main, "Run a packet capture through the datapath", replay_help,
};
