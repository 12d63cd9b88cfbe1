/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* An xdpct instance: the loaded datapath of one network namespace. */
#ifndef XDPCT_INSTANCE_USER_H
#define XDPCT_INSTANCE_USER_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "xdpct/config.h"
#include "xdpct/hist.h"
#include "xdpct/instance.h"
#include "xdpct/stats.h"
#include "flow_table.h"

/* The instance's objects. */
enum inst_obj {
	I_FLOWS, I_STATS, I_EVENTS, I_VICTIMS, I_SWEEPER, I_IFACES,
	I_FLOWS6, I_VICTIMS6,		/* the IPv6 table and its eviction queue */
	I_HIST,				/* end-of-connection histograms (xdpct/hist.h) */
	I_SC_STATE,			/* syncookie: per protected port, optional */
	I_RODATA,
	I_PROG_XDP, I_PROG_TC, I_PROG_SWEEP, I_PROG_ARM,
	I_PROG_SC,			/* syncookie TC ingress (reqsk), optional */
	I_SC_TIMER,			/* syncookie auto mode's timer: needs a pin */
	I_NOBJ,
};

/* The kernel's names of those objects (15 characters at most): how they are found. */
extern const char *const inst_obj_names[I_NOBJ];

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

void inst_init(struct inst *in);
/*
 * 0 and *in filled; -ENOENT when this netns has no instance (after
 * removing what dead instances left: pins, SYNPROXY rules).
 */
int inst_find(struct inst *in);
/* Closing the links of a `run` instance detaches it. */
void inst_close(struct inst *in);
/* Pin every open object under in->pin_dir (attach); 0 or -errno, nothing pinned */
int inst_pin(struct inst *in);
/* Remove the instance's pins */
void inst_unpin(struct inst *in);

/* cfg from the instance's .rodata; 0 or -1 */
int inst_read_cfg(struct inst *in);
/* this network namespace's interfaces of the instance; how many */
int inst_read_ifaces(struct inst *in, struct xdpct_iface *out, int max);
/* record one more interface / forget one; 0 or -errno */
int inst_add_iface(struct inst *in, const struct xdpct_iface *e);
int inst_remove_iface(struct inst *in, __u32 ifindex);
int inst_read_stats(struct inst *in, struct xdpct_stats *sum);
/* one histogram (kind, end reason) summed over CPUs; 0 or -1 */
int inst_read_hist(struct inst *in, int kind, int end, struct xdpct_hist *sum);
/* Run the expiry sweep now (if the sweep program is reachable). */
int inst_sweep(struct inst *in);
/* Both flow tables (flow_table.h) */
struct flow_tables inst_flow_tables(const struct inst *in);
/* Each table's entries and capacity (flow_table.h).  0 or -1 */
int inst_flow_count(struct inst *in, struct flow_counts *c);

/* One test run of a helper program (the sweep, the timer's arming); 0 or -errno. */
int inst_run_prog(int prog_fd);
/* A program's id, 0 if fd is none */
__u32 inst_prog_id(int prog_fd);
/* inode of this process's network namespace */
__u64 inst_netns_ino(void);

#endif /* XDPCT_INSTANCE_USER_H */
