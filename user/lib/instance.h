/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* An xdpct instance: the loaded datapath of one network namespace. */
#ifndef XDPCT_INSTANCE_USER_H
#define XDPCT_INSTANCE_USER_H

#include <limits.h>
#include <stdbool.h>
#include <getopt.h>
#include "xdpct.h"
#include "xdpct/instance.h"
#include "syncookie.h"

/* Pinned objects, in this order, under the instance's pin directory. */
enum inst_obj {
	I_FLOWS, I_STATS, I_EVENTS, I_VICTIMS, I_SWEEPER, I_IFACES, I_RODATA,
	I_PROG_XDP, I_PROG_TC, I_PROG_SWEEP, I_PROG_ARM,
	I_PROG_SC,			/* syncookie TC ingress (reqsk), optional */
	I_SC_TIMER,			/* syncookie auto mode's timer: needs a pin */
	I_NOBJ,
};

struct xdpct_bpf;

struct inst {
	int fd[I_NOBJ];			/* -1 when absent */
	struct xdpct_cfg cfg;
	char pin_dir[PATH_MAX];
	bool pinned;			/* found by or written to pin_dir */
	struct xdpct_bpf *skel;		/* loaded by this process */
	int links[3 * XDPCT_MAX_IFACES];	/* ephemeral attachments (run) */
	int nlinks;
};

/* Options shared by attach, run and replay. */
struct attach_opts {
	int mode;			/* enum xdpct_attach_mode; 0 = native, else generic */
	bool mode_set;
	bool egress;
	bool force;
	bool ephemeral;			/* run: links owned by this process, no pins */
	__u32 flows;
	__u32 ringbuf;
	struct xdpct_cfg cfg;
	struct sc_opts sc;		/* --syncookie PORTS (cfg.sc_* hold the rest) */
};

/* getopt_long entries for the attach options (end with {0}); short "" */
extern const struct option attach_long_opts[];
#define ATTACH_OPTS_HELP \
"  -m, --mode native|generic   XDP mode (default: native, generic if the driver lacks it)\n" \
"  -e, --egress                also attach TC egress: see this host's own packets\n" \
"  -f, --force                 replace an XDP program that xdpct did not load\n" \
"  -n, --flows N               flow-table entries (default 65536)\n" \
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
/* 1 if opt was an attach option (applied), 0 if not, -1 on a bad value */
int attach_opts_parse(struct attach_opts *o, int opt, const char *arg);
/* skeleton opened, not loaded: apply sizes and cfg */
int attach_opts_apply(struct xdpct_bpf *skel, const struct attach_opts *o);
/* after parsing: defaults that depend on this host, combinations; 0, or the
 * exit status (2 usage, 1 environment) with the error printed */
int attach_opts_finish(struct attach_opts *o);

/* bpffs to pin under: "/sys/fs/bpf", or pid 1's when this mount namespace
 * has none (ip netns exec); NULL if none can be found or mounted. */
const char *xdpct_bpffs(bool mount_if_missing);

/* <bpffs>/xdpct/ns<netns inode>; -ENOENT without a bpffs */
int xdpct_pin_dir(char *buf, size_t len, bool mount_if_missing);

/* remove pins left by network namespaces deleted while attached */
void xdpct_gc_pins(void);

void inst_init(struct inst *in);
/* 0 and *in filled; -ENOENT when this netns has no instance; other <0 with
 * an error already printed */
int inst_find(struct inst *in);
int inst_attach(struct inst *in, const struct attach_opts *o, char **ifnames, int n);
/* n == 0: everything */
int inst_detach(struct inst *in, char **ifnames, int n);
void inst_close(struct inst *in);

int inst_read_ifaces(struct inst *in, struct xdpct_iface *out, int max);
int inst_read_stats(struct inst *in, struct xdpct_stats *sum);
/* Run the expiry sweep now (if the sweep program is reachable). */
int inst_sweep(struct inst *in);
int inst_flow_count(struct inst *in, __u32 *n, __u32 *max);
__u64 xdpct_now_ns(void);	/* CLOCK_MONOTONIC, as bpf_ktime_get_ns() */
bool xdpct_check_env(bool need_root);

#endif /* XDPCT_INSTANCE_USER_H */
