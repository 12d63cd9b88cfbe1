// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Find this network namespace's datapath and read it.
 *
 * Finding an instance does not depend on pins: every loaded program named
 * xdpct_xdp is looked at, and the one whose xdpct_ifaces map lists this
 * network namespace is ours.  Pins (see pins.c) keep the sweep timer alive
 * and make finding cheap.  Loading and attaching: attach.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "instance.h"
#include "netfilter.h"
#include "xdpct/flow.h"
#include "percpu.h"
#include "pins.h"
#include "xdpct.skel.h"

const char *const inst_obj_names[I_NOBJ] = {
	[I_FLOWS] = "xdpct_flows", [I_STATS] = "xdpct_stats", [I_EVENTS] = "xdpct_events",
	[I_VICTIMS] = "xdpct_victims", [I_SWEEPER] = "xdpct_sweeper",
	[I_IFACES] = "xdpct_ifaces", [I_HIST] = "xdpct_hist",
	[I_FLOWS6] = "xdpct_flows6", [I_VICTIMS6] = "xdpct_victims6",
	[I_SC_STATE] = "xdpct_sc_state", [I_RODATA] = "xdpct_bp.rodata",
	[I_PROG_XDP] = "xdpct_xdp", [I_PROG_TC] = "xdpct_tc",
	[I_PROG_SWEEP] = "xdpct_sweep", [I_PROG_ARM] = "xdpct_arm",
	[I_PROG_SC] = "xdpct_sc_tc", [I_SC_TIMER] = "xdpct_sc_timer",
};

/* Pin names under the instance's pin directory (pins.c) */
static const char *const pin_names[I_NOBJ] = {
	[I_FLOWS] = "flows", [I_STATS] = "stats", [I_EVENTS] = "events",
	[I_VICTIMS] = "victims", [I_SWEEPER] = "sweeper", [I_IFACES] = "ifaces",
	[I_FLOWS6] = "flows6", [I_VICTIMS6] = "victims6",
	[I_HIST] = "hist", [I_SC_STATE] = "sc_state",
	[I_RODATA] = "config", [I_PROG_XDP] = "prog_xdp", [I_PROG_TC] = "prog_tc",
	[I_PROG_SWEEP] = "prog_sweep", [I_PROG_ARM] = "prog_arm", [I_PROG_SC] = "prog_sc_tc",
	[I_SC_TIMER] = "sc_timer",
};

__u64 inst_netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

__u32 inst_prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

void inst_init(struct inst *in)
{
	int i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < I_NOBJ; i++)
		in->fd[i] = -1;
}

void inst_close(struct inst *in)
{
	int i;

	/* closing a link fd detaches it: ephemeral instances vanish here */
	for (i = 0; i < in->nlinks; i++)
		close(in->links[i]);

	for (i = 0; i < I_NOBJ; i++)
		if (in->fd[i] >= 0 && !in->skel)
			close(in->fd[i]);
	if (in->skel)
		xdpct_bpf__destroy(in->skel);
	inst_init(in);
}

int inst_read_cfg(struct inst *in)
{
	__u32 zero = 0;
	char buf[4096];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	/* .rodata holds cfg first: struct xdpct_cfg at offset 0 */
	if (in->fd[I_RODATA] < 0 || bpf_obj_get_info_by_fd(in->fd[I_RODATA], &info, &len) ||
	    info.value_size > sizeof(buf) || info.value_size < sizeof(in->cfg))
		return -1;
	if (bpf_map_lookup_elem(in->fd[I_RODATA], &zero, buf))
		return -1;
	memcpy(&in->cfg, buf, sizeof(in->cfg));
	return 0;
}

/* this netns is listed in the instance's xdpct_ifaces map */
static bool ifaces_mine(int fd, __u64 ino)
{
	struct xdpct_iface e;
	__u32 i;

	for (i = 0; i < XDPCT_MAX_IFACES; i++)
		if (!bpf_map_lookup_elem(fd, &i, &e) && e.ifindex && e.netns_ino == ino)
			return true;
	return false;
}

/* fill the map slots of *in from a program's maps; returns the flows map id */
static __u32 take_prog_maps(struct inst *in, int prog_fd, bool keep)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[32], i, flows_id = 0;
	int k;

	info.nr_map_ids = 32;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return 0;
	for (i = 0; i < info.nr_map_ids && i < 32; i++) {
		struct bpf_map_info mi = {};
		__u32 ml = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &ml)) {
			close(fd);
			continue;
		}
		for (k = 0; k <= I_RODATA; k++) {
			if (strcmp(mi.name, inst_obj_names[k]))
				continue;
			if (k == I_FLOWS)
				flows_id = mi.id;
			if (keep && in->fd[k] < 0) {
				in->fd[k] = fd;
				fd = -1;
			}
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	return flows_id;
}

/* The next loaded program after *id that can be opened: fd and info, or -1. */
static int next_prog(__u32 *id, struct bpf_prog_info *info)
{
	while (!bpf_prog_get_next_id(*id, id)) {
		__u32 len = sizeof(*info);
		int fd = bpf_prog_get_fd_by_id(*id);

		if (fd < 0)
			continue;
		memset(info, 0, sizeof(*info));
		if (!bpf_obj_get_info_by_fd(fd, info, &len))
			return fd;
		close(fd);
	}
	return -1;
}

/* Walk all loaded programs: the xdpct ones whose ifaces map lists this netns. */
static int scan_progs(struct inst *in)
{
	__u64 ino = inst_netns_ino();
	__u32 id = 0, flows_id = 0;
	struct bpf_prog_info info;
	int k, fd;

	/* pass 1: the XDP program and its maps */
	while ((fd = next_prog(&id, &info)) >= 0) {
		struct inst tmp;

		if (strcmp(info.name, inst_obj_names[I_PROG_XDP])) {
			close(fd);
			continue;
		}
		inst_init(&tmp);
		flows_id = take_prog_maps(&tmp, fd, true);
		if (tmp.fd[I_IFACES] >= 0 && ifaces_mine(tmp.fd[I_IFACES], ino)) {
			memcpy(in->fd, tmp.fd, sizeof(tmp.fd));
			in->fd[I_PROG_XDP] = fd;
			break;
		}
		inst_close(&tmp);
		close(fd);
		flows_id = 0;
	}
	if (in->fd[I_PROG_XDP] < 0)
		return -ENOENT;

	/* pass 2: the other programs sharing its flow table */
	id = 0;
	while ((fd = next_prog(&id, &info)) >= 0) {
		struct inst tmp;

		for (k = I_PROG_TC; k < I_NOBJ; k++)
			if (in->fd[k] < 0 && !strcmp(info.name, inst_obj_names[k]))
				break;
		inst_init(&tmp);
		if (k < I_NOBJ && take_prog_maps(&tmp, fd, false) == flows_id) {
			in->fd[k] = fd;
			fd = -1;
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* The pinned objects; 0, or -1 without those every instance has. */
static int inst_open_pins(struct inst *in)
{
	int i;

	pins_open(in->pin_dir, pin_names, in->fd, I_NOBJ);
	/* the maps up to the ifaces record are every instance's */
	for (i = 0; i <= I_IFACES; i++)
		if (in->fd[i] < 0)
			return -1;
	in->pinned = true;
	return 0;
}

int inst_pin(struct inst *in)
{
	int err = pins_write(in->pin_dir, pin_names, in->fd, I_NOBJ);

	in->pinned = !err;
	return err;
}

void inst_unpin(struct inst *in)
{
	pins_remove(in->pin_dir, pin_names, I_NOBJ);
	in->pinned = false;
}

int inst_find(struct inst *in)
{
	char path[PATH_MAX + 16];

	inst_init(in);
	xdpct_gc_pins();
	if (!xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), false)) {
		snprintf(path, sizeof(path), "%s/flows", in->pin_dir);
		if (!access(path, F_OK)) {
			if (!inst_open_pins(in)) {
				inst_read_cfg(in);
				return 0;
			}
			inst_close(in);
			xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), false);
		}
	}
	if (scan_progs(in)) {
		inst_close(in);
		/* a `run` killed by SIGKILL took its links along, not its iptables rules */
		nf_synproxy_gc();
		return -ENOENT;
	}
	inst_read_cfg(in);
	return 0;
}

int inst_read_ifaces(struct inst *in, struct xdpct_iface *out, int max)
{
	__u64 ino = inst_netns_ino();
	struct xdpct_iface e;
	__u32 i;
	int n = 0;

	for (i = 0; i < XDPCT_MAX_IFACES && n < max; i++)
		if (!bpf_map_lookup_elem(in->fd[I_IFACES], &i, &e) && e.ifindex &&
		    e.netns_ino == ino)
			out[n++] = e;
	return n;
}

int inst_read_stats(struct inst *in, struct xdpct_stats *sum)
{
	return percpu_sum(in->fd[I_STATS], 0, sum->c, XDPCT_STAT_SLOTS) ? -1 : 0;
}

int inst_read_hist(struct inst *in, int kind, int end, struct xdpct_hist *sum)
{
	memset(sum, 0, sizeof(*sum));
	struct xdpct_hist_set all;

	memset(sum, 0, sizeof(*sum));
	if (in->fd[I_HIST] < 0 || kind < 0 || kind >= XDPCT_H_KINDS ||
	    end <= XDPCT_END_NONE || end >= XDPCT_END_MAX)
		return -1;
	if (percpu_sum(in->fd[I_HIST], end, (__u64 *)&all, sizeof(all) / sizeof(__u64)))
		return -1;
	*sum = all.h[kind];
	return 0;
}

struct flow_tables inst_flow_tables(const struct inst *in)
{
	return (struct flow_tables){ .fd = { in->fd[I_FLOWS], in->fd[I_FLOWS6] } };
}

int inst_flow_count(struct inst *in, struct flow_counts *c)
{
	struct flow_tables t = inst_flow_tables(in);

	return flow_table_count(&t, c) ? -1 : 0;
}

/* a dummy frame: the helper programs look at none */
int inst_run_prog(int prog_fd)
{
	unsigned char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 1);

	if (prog_fd < 0)
		return -ENOENT;
	if (bpf_prog_test_run_opts(prog_fd, &o))
		return -errno;
	return o.retval == XDP_PASS ? 0 : -EINVAL;
}

int inst_sweep(struct inst *in)
{
	return inst_run_prog(in->fd[I_PROG_SWEEP]);
}

int inst_add_iface(struct inst *in, const struct xdpct_iface *e)
{
	struct xdpct_iface cur;
	__u32 i, free_slot = XDPCT_MAX_IFACES;

	for (i = 0; i < XDPCT_MAX_IFACES; i++) {
		if (bpf_map_lookup_elem(in->fd[I_IFACES], &i, &cur))
			return -1;
		if (!cur.ifindex && free_slot == XDPCT_MAX_IFACES)
			free_slot = i;
	}
	if (free_slot == XDPCT_MAX_IFACES)
		return -ENOSPC;
	return bpf_map_update_elem(in->fd[I_IFACES], &free_slot, e, BPF_ANY);
}

int inst_remove_iface(struct inst *in, __u32 ifindex)
{
	struct xdpct_iface cur, zero = {};
	__u64 ino = inst_netns_ino();
	__u32 i;

	for (i = 0; i < XDPCT_MAX_IFACES; i++)
		if (!bpf_map_lookup_elem(in->fd[I_IFACES], &i, &cur) &&
		    cur.ifindex == ifindex && cur.netns_ino == ino)
			return bpf_map_update_elem(in->fd[I_IFACES], &i, &zero, BPF_ANY);
	return -ENOENT;
}

