// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct flows: the flow table, filtered like ss and conntrack. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/clock.h"
#include "lib/format.h"
#include "lib/instance.h"
#include "lib/log.h"

static const char flows_help[] =
"Usage: xdpct flows [-j] [--state STATE] [--src ADDR[/LEN]] [--dst ADDR[/LEN]]\n"
"                   [--port N] [--vlan ID]\n"
"\n"
"List the connections tracked in this network namespace, one per line: family,\n"
"VLAN ids, client and server address:port, the client's and the server's TCP\n"
"state, age, packets and bytes each side sent, and flags.  The client is the\n"
"endpoint that sent the first SYN (for connections picked up midstream, the one\n"
"on the higher port).  Expired flows are swept before listing.\n"
"\n"
"States (RFC 9293): LISTEN SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 FIN_WAIT_2\n"
"  CLOSE_WAIT CLOSING LAST_ACK TIME_WAIT CLOSED; ss spellings (syn-recv,\n"
"  fin-wait-2, ...) are accepted too, in any case.\n"
"Flags: midstream (first packet seen was not a SYN), syncookie, simopen,\n"
"  liberal (midstream, one direction seen: failures passed), reused (reopened after\n"
"  TIME_WAIT/CLOSED), reset (closed by an RST).\n"
"\n"
"Filters (all given must match):\n"
"  -s, --state STATE     either endpoint is in STATE\n"
"      --src ADDR[/LEN]  client address in the prefix\n"
"      --dst ADDR[/LEN]  server address in the prefix\n"
"      --port N          client or server port is N\n"
"      --vlan ID         one of the flow's VLAN tags is ID\n"
"  -j, --json            a JSON array; each flow:\n"
"    {\"family\": 4|6, \"vlan\": [ids], \"client\": {\"addr\", \"port\", \"state\"},\n"
"     \"server\": {...}, \"packets\": {\"client\", \"server\"}, \"bytes\": {...},\n"
"     \"first_seen_ns\", \"last_seen_ns\" (CLOCK_MONOTONIC), \"syn_to_synack_ns\",\n"
"     \"synack_to_ack_ns\", \"generation\", \"tcp_flags\": {\"client\", \"server\"}\n"
"     (the flags each sent, as watch prints them), \"flags\": [...]}\n"
"\n"
"Exit status: 0 (also when no flow matches); 1 nothing attached; 2 bad usage.\n";

struct prefix {
	bool set;
	__u8 family;
	__u32 addr[4];
	int len;
};

struct flow_filter {
	int state;		/* -1: any */
	struct prefix src, dst;
	int port;		/* -1: any */
	int vlan;		/* -1: any */
};

static int parse_prefix(const char *name, const char *arg, struct prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long len;

	snprintf(buf, sizeof(buf), "%s", arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = 6;
	else
		goto bad;
	p->len = p->family == 4 ? 32 : 128;
	if (slash) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (errno || *end || end == slash || len < 0 || len > p->len)
			goto bad;
		p->len = len;
	}
	p->set = true;
	return 1;
bad:
	xdpct_err("--%s '%s': want an IPv4 or IPv6 address, optionally /LEN", name, arg);
	return -1;
}

static bool prefix_match(const struct prefix *p, __u8 family, const __u32 addr[4])
{
	const unsigned char *a = (const void *)addr, *b = (const void *)p->addr;
	int full = p->len / 8, rest = p->len % 8;

	if (!p->set)
		return true;
	if (family != p->family || memcmp(a, b, full))
		return false;
	return !rest || ((a[full] ^ b[full]) & (0xff << (8 - rest))) == 0;
}

static int parse_num(const char *name, const char *arg, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 0 || v > max) {
		xdpct_err("--%s '%s': want a number from 0 to %ld", name, arg, max);
		return -1;
	}
	*out = v;
	return 1;
}

enum { OPT_SRC = 0x100, OPT_DST, OPT_PORT, OPT_VLAN };

static int flows_opt(int opt, const char *arg, void *ctx)
{
	struct flow_filter *f = ctx;

	switch (opt) {
	case 's':
		f->state = xdpct_state_parse(arg);
		if (f->state < 0) {
			xdpct_err("--state '%s': not a TCP state (e.g. ESTABLISHED, "
				  "syn-sent, TIME_WAIT)", arg);
			return -1;
		}
		return 1;
	case OPT_SRC:
		return parse_prefix("src", arg, &f->src);
	case OPT_DST:
		return parse_prefix("dst", arg, &f->dst);
	case OPT_PORT:
		return parse_num("port", arg, 65535, &f->port);
	case OPT_VLAN:
		return parse_num("vlan", arg, 4095, &f->vlan);
	}
	return 0;
}

static bool flow_match(const struct flow_filter *f, const struct xdpct_flow_key *k,
		       const struct xdpct_flow *v)
{
	int c = v->client & 1;
	__u32 ca[4], sa[4];

	if (f->state >= 0 && v->state[0] != f->state && v->state[1] != f->state)
		return false;
	xdpct_key_addr(k, c, ca);
	xdpct_key_addr(k, !c, sa);
	if (!prefix_match(&f->src, k->family, ca) || !prefix_match(&f->dst, k->family, sa))
		return false;
	if (f->port >= 0 && k->port[0] != f->port && k->port[1] != f->port)
		return false;
	if (f->vlan >= 0 && k->vlan[0] != f->vlan && k->vlan[1] != f->vlan)
		return false;
	return true;
}

struct flows_walk {
	const struct flow_filter *f;
	__u64 now;
};

static int flows_print(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	const struct flows_walk *w = ctx;

	if (flow_match(w->f, k, v))
		xdpct_flows_entry(stdout, k, v, w->now, g_out.json);
	return 0;
}

static int flows_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "dst", required_argument, NULL, OPT_DST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "vlan", required_argument, NULL, OPT_VLAN },
		{ 0 },
	};
	struct flow_filter f = { .state = -1, .port = -1, .vlan = -1 };
	struct flows_walk w = { .f = &f };
	struct flow_tables t;
	struct inst in;
	int r;

	r = open_attached(argc, argv, "s:", longopts, flows_opt, &f, &in);
	if (r)
		return r;
	inst_sweep(&in);
	w.now = xdpct_now_ns();
	t = inst_flow_tables(&in);
	xdpct_flows_begin(stdout, g_out.json);
	flow_table_each(&t, flows_print, &w);
	xdpct_flows_end(stdout, g_out.json);
	inst_close(&in);
	return 0;
}

const struct command flows_command = {
	"flows", flows_main, "List tracked connections and both endpoints' states", flows_help,
};
