/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The options of attach, run and replay (and the bench's datapath): every
 * one of them is parsed here.  What they make of a datapath object:
 * datapath.h.
 */
#ifndef XDPCT_ATTACH_OPTS_H
#define XDPCT_ATTACH_OPTS_H

#include <stdbool.h>
#include <getopt.h>
#include <linux/types.h>
#include "xdpct/config.h"
#include "xdpct/cookie.h"
#include "xdpct/instance.h"	/* enum xdpct_attach_mode */

/* What --syncookie and its companions asked for (cfg.sc_* hold the values). */
struct sc_opts {
	bool set;			/* --syncookie PORTS given */
	bool mode_set, completion_set, tuning_set;
	__u32 nports;
	struct xdpct_sc_portmap ports;
};

struct attach_opts {
	int mode;			/* enum xdpct_attach_mode; 0 = native, else generic */
	bool mode_set;
	bool egress;
	bool force;
	bool ephemeral;			/* run: links owned by this process, no pins */
	__u32 flows;			/* the IPv4 table's capacity */
	__u32 flows6;			/* the IPv6 table's; 0: attach_opts_flows6() */
	__u32 ringbuf;
	struct xdpct_cfg cfg;
	struct sc_opts sc;		/* --syncookie PORTS */
};

/* getopt_long entries for the attach options (end with {0}); short "m:efn:" */
extern const struct option attach_long_opts[];
#define ATTACH_SHORT_OPTS "m:efn:"
#define ATTACH_OPTS_HELP \
"  -m, --mode native|generic   XDP mode (default: native, generic if the driver lacks it)\n" \
"  -e, --egress                also attach TC egress: see this host's own packets\n" \
"  -f, --force                 replace an XDP program that xdpct did not load\n" \
"  -n, --flows N               IPv4 flow-table entries (default 65536)\n" \
"      --flows6 N              IPv6 flow-table entries (default a quarter of --flows,\n" \
"                              at least 1024; allocated as IPv6 flows arrive)\n" \
"      --ringbuf BYTES         event ring-buffer size, a power of 2 (default 1 MiB)\n" \
"      --timeout-time-wait S   2*MSL: TIME_WAIT lasts S seconds (default 60)\n" \
"      --timeout-syn S         half-open flows expire after S idle seconds (default 120)\n" \
"      --timeout-established S idle established flows expire (default 432000, 5 days)\n" \
"      --timeout-closing S     FIN_WAIT/CLOSE_WAIT/LAST_ACK/CLOSING expire (default 120)\n" \
"      --timeout-close S       CLOSED flows stay listed S seconds (default 10)\n" \
"      --sweep-interval S      how often the expiry sweep runs (default 1)\n" \
"      --no-midstream          do not pick up connections whose SYN was not seen\n" \
"      --drop-invalid          drop malformed packets (default: count and pass)\n" \
"      --drop-window           drop out-of-window segments and RSTs (default: pass)\n" \
"      --checksum control|all|off  TCP checksums XDP verifies: of segments that can\n" \
"                              change state (default), of every segment, or none\n" \
"\n" \
"  Handshake offload (SYN cookies answered by XDP; see xdpct attach --help):\n" \
"      --syncookie PORTS       protect these ports, e.g. 80,443,8000-8100\n" \
"      --syncookie-mode M      always (default), auto (only while a port's SYN rate\n" \
"                              is above the threshold) or off\n" \
"      --syncookie-threshold N auto: SYN/s per port that turns cookies on (default\n" \
"                              1000); off again below N/2 for 1 s\n" \
"      --syncookie-completion C  reqsk: a TC ingress program hands the ACK to the\n" \
"                              listener (default, Linux 6.9+); synproxy: the kernel's\n" \
"                              SYNPROXY (xdpct installs iptables rules)\n" \
"      --mss4 N, --mss6 N      MSS the SYN-ACK offers (default 1460, 1440)\n" \
"      --wscale N              window scale the SYN-ACK offers (default 7; synproxy:\n" \
"                              must be the server's own)\n" \
"      --ttl N                 TTL / hop limit of the SYN-ACK (default 64)\n"

void attach_opts_init(struct attach_opts *o);
/* The IPv6 table's capacity these options give */
__u32 attach_opts_flows6(const struct attach_opts *o);
/* 1 if opt was an attach option (applied), 0 if not, -1 on a bad value */
int attach_opts_parse(struct attach_opts *o, int opt, const char *arg);
/*
 * The option called name (its long name, "syncookie") set to value (NULL
 * for a flag), exactly as typed after --name: for programs that configure
 * the datapath as a user would (the bench).  0, or -1 with the error printed.
 */
int attach_opts_set(struct attach_opts *o, const char *name, const char *value);
/*
 * After parsing: the combination makes sense, defaults that depend on this
 * host (the completion), and this host can do what was asked.  0, or the
 * exit status (2 usage, 1 environment) with the error printed.
 */
int attach_opts_finish(struct attach_opts *o);

/* --syncookie's list: "80,443,8000-8100" -> bitmap; -1 with the error printed */
int sc_parse_ports(const char *arg, struct xdpct_sc_portmap *map, __u32 *n);

#endif /* XDPCT_ATTACH_OPTS_H */
