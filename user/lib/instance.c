// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load, attach, find and detach the datapath of this network namespace.
 *
 * Finding an instance does not depend on pins: every loaded program named
 * xdpct_xdp is looked at, and the one whose xdpct_ifaces map lists this
 * network namespace is ours.  Pins (see bpffs.c) keep the sweep timer alive
 * and make finding cheap.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "instance.h"
#include "xdpct.skel.h"

#define TC_HANDLE 0xdc7
#define TC_PRIO 1

static const char *const pin_names[I_NOBJ] = {
	[I_FLOWS] = "flows", [I_STATS] = "stats", [I_EVENTS] = "events",
	[I_VICTIMS] = "victims", [I_SWEEPER] = "sweeper", [I_IFACES] = "ifaces",
	[I_RODATA] = "config", [I_PROG_XDP] = "prog_xdp", [I_PROG_TC] = "prog_tc",
	[I_PROG_SWEEP] = "prog_sweep", [I_PROG_ARM] = "prog_arm", [I_PROG_SC] = "prog_sc_tc",
	[I_SC_TIMER] = "sc_timer",
};

/* kernel object names (15 chars at most) */
static const char *const obj_names[I_NOBJ] = {
	[I_FLOWS] = "xdpct_flows", [I_STATS] = "xdpct_stats", [I_EVENTS] = "xdpct_events",
	[I_VICTIMS] = "xdpct_victims", [I_SWEEPER] = "xdpct_sweeper",
	[I_IFACES] = "xdpct_ifaces", [I_RODATA] = "xdpct_bp.rodata",
	[I_PROG_XDP] = "xdpct_xdp", [I_PROG_TC] = "xdpct_tc",
	[I_PROG_SWEEP] = "xdpct_sweep", [I_PROG_ARM] = "xdpct_arm",
	[I_PROG_SC] = "xdpct_sc_tc", [I_SC_TIMER] = "xdpct_sc_timer",
};

__u64 xdpct_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

bool xdpct_check_env(bool need_root)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (need_root && geteuid() != 0) {
		xdpct_err("must run as root (CAP_BPF, CAP_NET_ADMIN): try sudo");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		xdpct_err("kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			  "xdpct needs CONFIG_DEBUG_INFO_BTF=y");
		return false;
	}
	if (!uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
	    (maj < 5 || (maj == 5 && min < 18))) {
		xdpct_err("kernel %s is too old: xdpct needs Linux 5.18 or newer "
			  "(bpf_loop, bpf_xdp_load_bytes, BPF timers)", u.release);
		return false;
	}
	return true;
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

static int read_cfg(struct inst *in)
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

static int open_pins(struct inst *in)
{
	char path[PATH_MAX + 32];
	int i;

	for (i = 0; i < I_NOBJ; i++) {
		snprintf(path, sizeof(path), "%s/%s", in->pin_dir, pin_names[i]);
		in->fd[i] = bpf_obj_get(path);
		if (in->fd[i] < 0 && i <= I_IFACES)
			return -1;
	}
	in->pinned = true;
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
			if (strcmp(mi.name, obj_names[k]))
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
	__u64 ino = netns_ino();
	__u32 id = 0, flows_id = 0;
	struct bpf_prog_info info;
	int k, fd;

	/* pass 1: the XDP program and its maps */
	while ((fd = next_prog(&id, &info)) >= 0) {
		struct inst tmp;

		if (strcmp(info.name, obj_names[I_PROG_XDP])) {
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
			if (in->fd[k] < 0 && !strcmp(info.name, obj_names[k]))
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

int inst_find(struct inst *in)
{
	char path[PATH_MAX + 16];

	inst_init(in);
	xdpct_gc_pins();
	if (!xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), false)) {
		snprintf(path, sizeof(path), "%s/flows", in->pin_dir);
		if (!access(path, F_OK)) {
			if (!open_pins(in)) {
				read_cfg(in);
				return 0;
			}
			inst_close(in);
			xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), false);
		}
	}
	if (scan_progs(in)) {
		inst_close(in);
		return -ENOENT;
	}
	read_cfg(in);
	return 0;
}

int inst_read_ifaces(struct inst *in, struct xdpct_iface *out, int max)
{
	__u64 ino = netns_ino();
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
	int ncpu = libbpf_num_possible_cpus(), c, i;
	struct xdpct_stats *per;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -1;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -1;
	if (bpf_map_lookup_elem(in->fd[I_STATS], &zero, per)) {
		free(per);
		return -1;
	}
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < XDPCT_STAT_SLOTS; i++)
			sum->c[i] += per[c].c[i];
	free(per);
	return 0;
}

int inst_flow_count(struct inst *in, __u32 *n, __u32 *max)
{
	struct xdpct_flow_key k, next;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *prev = NULL;

	*n = 0;
	if (bpf_obj_get_info_by_fd(in->fd[I_FLOWS], &info, &len))
		return -1;
	*max = info.max_entries;
	while (!bpf_map_get_next_key(in->fd[I_FLOWS], prev, &next)) {
		(*n)++;
		k = next;
		prev = &k;
	}
	return 0;
}

/* run an XDP helper program of the instance once (test run, dummy frame) */
static int run_once(int prog_fd)
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
	return run_once(in->fd[I_PROG_SWEEP]);
}

/* ---- attach ----------------------------------------------------------- */

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !getenv("XDPCT_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print_fn(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!getenv("XDPCT_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* XDP program already on the interface that is not ours (0: none) */
static __u32 foreign_xdp(int ifindex, __u32 our_id, char *name, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info), id;
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	id = q.prog_id;
	if (!id || id == our_id)
		return 0;
	snprintf(name, len, "?");
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
			snprintf(name, len, "%s", info.name);
		close(fd);
	}
	return id;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int attach_egress(int ifindex, int prog_fd, struct xdpct_iface *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = TC_HANDLE,
		    .priority = TC_PRIO);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	e->made_clsact = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && e->made_clsact) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	if (!err)
		e->egress = 1;
	return err;
}

static void detach_egress(const struct xdpct_iface *e)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = e->ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO);

	if (!e->egress)
		return;
	bpf_tc_detach(&hook, &opts);
	if (e->made_clsact) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
}

static void detach_xdp(const struct xdpct_iface *e, int our_fd)
{
	__u32 flags = e->mode == XDPCT_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(e->ifindex);
	__u32 our_id = our_fd >= 0 ? prog_id(our_fd) : 0;

	if (!libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp)) {
		struct xdp_program *p = NULL;

		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (!strcmp(xdp_program__name(p), obj_names[I_PROG_XDP]))
				break;
		if (p)
			xdp_program__detach(p, e->ifindex,
					    e->mode == XDPCT_MODE_GENERIC ? XDP_MODE_SKB :
									     XDP_MODE_NATIVE, 0);
		xdp_multiprog__close(mp);
		return;
	}
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
	if (our_id) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = our_fd);

		bpf_xdp_detach(e->ifindex, flags | XDP_FLAGS_REPLACE, &o);
	}
}

static int write_iface(struct inst *in, const struct xdpct_iface *e)
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

static int clear_iface(struct inst *in, __u32 ifindex)
{
	struct xdpct_iface cur, zero = {};
	__u64 ino = netns_ino();
	__u32 i;

	for (i = 0; i < XDPCT_MAX_IFACES; i++)
		if (!bpf_map_lookup_elem(in->fd[I_IFACES], &i, &cur) &&
		    cur.ifindex == ifindex && cur.netns_ino == ino)
			return bpf_map_update_elem(in->fd[I_IFACES], &i, &zero, BPF_ANY);
	return -ENOENT;
}

static void unpin_all(struct inst *in)
{
	char path[PATH_MAX + 32];
	int i;

	if (!in->pin_dir[0])
		return;
	for (i = 0; i < I_NOBJ; i++) {
		snprintf(path, sizeof(path), "%s/%s", in->pin_dir, pin_names[i]);
		unlink(path);
	}
	rmdir(in->pin_dir);
	/* the parent "xdpct" directory goes once no namespace uses it */
	snprintf(path, sizeof(path), "%s", in->pin_dir);
	if (strrchr(path, '/')) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
	in->pinned = false;
}

static int pin_all(struct inst *in)
{
	char path[PATH_MAX + 32];
	int i;

	snprintf(path, sizeof(path), "%s", in->pin_dir);
	*strrchr(path, '/') = '\0';
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(in->pin_dir, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < I_NOBJ; i++) {
		snprintf(path, sizeof(path), "%s/%s", in->pin_dir, pin_names[i]);
		if (in->fd[i] >= 0 && bpf_obj_pin(in->fd[i], path)) {
			int err = -errno;

			unpin_all(in);
			return err;
		}
	}
	in->pinned = true;
	return 0;
}

static void skel_fds(struct inst *in)
{
	struct xdpct_bpf *s = in->skel;

	in->fd[I_FLOWS] = bpf_map__fd(s->maps.xdpct_flows);
	in->fd[I_STATS] = bpf_map__fd(s->maps.xdpct_stats);
	in->fd[I_EVENTS] = bpf_map__fd(s->maps.xdpct_events);
	in->fd[I_VICTIMS] = bpf_map__fd(s->maps.xdpct_victims);
	in->fd[I_SWEEPER] = bpf_map__fd(s->maps.xdpct_sweeper);
	in->fd[I_IFACES] = bpf_map__fd(s->maps.xdpct_ifaces);
	in->fd[I_RODATA] = bpf_map__fd(s->maps.rodata);
	in->fd[I_PROG_XDP] = bpf_program__fd(s->progs.xdpct_xdp);
	in->fd[I_PROG_TC] = bpf_program__fd(s->progs.xdpct_tc);
	in->fd[I_PROG_SWEEP] = bpf_program__fd(s->progs.xdpct_sweep);
	in->fd[I_PROG_ARM] = bpf_program__fd(s->progs.xdpct_arm);
	in->fd[I_PROG_SC] = bpf_program__fd(s->progs.xdpct_sc_tc);
	if (in->fd[I_PROG_SC] < 0)	/* not loaded: no --syncookie reqsk */
		in->fd[I_PROG_SC] = -1;
	/* a BPF timer lives as long as its map has a user reference: pinned */
	in->fd[I_SC_TIMER] = bpf_map__fd(s->maps.xdpct_sc_timer);
}

/* Attach the loaded XDP program (libxdp, which falls back to a plain
 * attach when its dispatcher cannot be used). */
static int attach_xdp(struct xdp_program *xp, int ifindex, int mode, bool *multiprog)
{
	struct xdp_multiprog *mp;
	int err;

	err = xdp_program__attach(xp, ifindex,
				  mode == XDPCT_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (err)
		return err;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	*multiprog = !libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp);
	if (!libxdp_get_error(mp) && mp)
		xdp_multiprog__close(mp);
	return 0;
}

/*
 * `run`: the attachments are BPF links owned by this process and nothing is
 * pinned, so the instance goes away with the process however it ends, even
 * by SIGKILL.  Other commands still find it through its programs' maps.
 */
static int attach_ephemeral(struct inst *in, const struct attach_opts *o, char **ifnames,
			    const int *ifindex, int n)
{
	int i, err;

	in->skel = xdpct_bpf__open();
	if (!in->skel) {
		xdpct_err("cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	if ((err = attach_opts_apply(in->skel, o)) || (err = xdpct_bpf__load(in->skel))) {
		xdpct_err("cannot load the datapath: %s", strerror(-err));
		goto fail;
	}
	skel_fds(in);
	if ((err = sc_fill_maps(in->skel, o))) {
		xdpct_err("cannot set up the protected ports: %s", strerror(-err));
		goto fail;
	}
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_link_create_opts, lo,
			    .flags = o->mode == XDPCT_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : 0);
		struct xdpct_iface e = { .ifindex = ifindex[i], .mode = o->mode };
		char other[32];
		__u32 fid = foreign_xdp(ifindex[i], 0, other, sizeof(other));
		int fd;

		if (fid) {
			if (!o->force || strcmp(other, "xdp_dispatcher") == 0) {
				xdpct_err("%s already runs XDP program '%s' (id %u)%s", ifnames[i],
					  other, fid, o->force ? "" : "; --force replaces it");
				err = -EBUSY;
				goto fail;
			}
			bpf_xdp_detach(ifindex[i], 0, NULL);
		}
		fd = bpf_link_create(in->fd[I_PROG_XDP], ifindex[i], BPF_XDP, &lo);
		if (fd < 0) {
			err = -errno;
			xdpct_err("%s: attaching XDP failed: %s", ifnames[i], strerror(-err));
			goto fail;
		}
		in->links[in->nlinks++] = fd;
		if (o->egress) {
			/* tcx (Linux 6.6+): a link, gone with the process */
			fd = bpf_link_create(in->fd[I_PROG_TC], ifindex[i],
					     47 /* BPF_TCX_EGRESS */, NULL);
			if (fd < 0) {
				err = -errno;
				xdpct_err("%s: attaching TC egress (tcx) failed: %s", ifnames[i],
					  strerror(-err));
				goto fail;
			}
			in->links[in->nlinks++] = fd;
			e.egress = 1;
		}
		if (in->fd[I_PROG_SC] >= 0) {
			/* syncookie, reqsk completion: TC ingress as a tcx link too */
			err = sc_attach_ingress(ifindex[i], in->fd[I_PROG_SC], &e, &fd);
			if (err) {
				xdpct_err("%s: attaching the syncookie TC ingress program "
					  "(tcx) failed: %s", ifnames[i], strerror(-err));
				goto fail;
			}
			in->links[in->nlinks++] = fd;
		}
		snprintf(e.name, sizeof(e.name), "%s", ifnames[i]);
		e.attached_ns = time(NULL) * 1000000000ULL;
		e.netns_ino = netns_ino();
		if ((err = write_iface(in, &e))) {
			xdpct_err("cannot record the attachment: %s", strerror(-err));
			goto fail;
		}
	}
	err = run_once(in->fd[I_PROG_ARM]);
	if (err) {
		xdpct_err("cannot start the expiry timer: %s", strerror(-err));
		goto fail;
	}
	read_cfg(in);
	/* last: nothing after it can fail, and it is no link to die with us */
	if ((err = sc_netfilter_install(&in->cfg, &o->sc.ports)))
		goto fail;
	return 0;
fail:
	inst_close(in);
	return err ? err : -EINVAL;
}

int inst_attach(struct inst *in, const struct attach_opts *o, char **ifnames, int n)
{
	struct xdpct_iface done[XDPCT_MAX_IFACES];
	int ifindex[XDPCT_MAX_IFACES];
	struct xdp_program *xp = NULL;
	const char *fs;
	bool fresh = false, nft = false;
	int i, ndone = 0, err = 0;
	__u32 our_id = 0;

	if (n > XDPCT_MAX_IFACES) {
		xdpct_err("at most %d interfaces", XDPCT_MAX_IFACES);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		ifindex[i] = if_nametoindex(ifnames[i]);
		if (!ifindex[i]) {
			xdpct_err("%s: no such interface (see 'ip link')", ifnames[i]);
			return -ENODEV;
		}
	}
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
	if (o->ephemeral) {
		if (!inst_find(in)) {
			xdpct_err("xdpct is already attached in this network namespace "
				  "(xdpct status; xdpct detach --all)");
			inst_close(in);
			return -EEXIST;
		}
		inst_init(in);
		return attach_ephemeral(in, o, ifnames, ifindex, n);
	}
	fs = xdpct_bpffs(true);
	if (!fs)
		return -ENOENT;
	/* libxdp keeps its dispatcher state on the same bpffs */
	setenv("LIBXDP_BPFFS", fs, 0);

	if (!inst_find(in)) {
		struct xdpct_iface have[XDPCT_MAX_IFACES];
		int nh = inst_read_ifaces(in, have, XDPCT_MAX_IFACES), j;

		for (i = 0; i < n; i++)
			for (j = 0; j < nh; j++)
				if (have[j].ifindex == (__u32)ifindex[i]) {
					xdpct_err("already attached to %s (detach it first: "
						  "xdpct detach %s)", ifnames[i], ifnames[i]);
					err = -EEXIST;
					goto out_close;
				}
		xp = xdp_program__from_fd(in->fd[I_PROG_XDP]);
		if (libxdp_get_error(xp)) {
			xdpct_err("cannot reuse the running instance's program: %s",
				  strerror(-libxdp_get_error(xp)));
			err = -EINVAL;
			xp = NULL;
			goto out_close;
		}
	} else {
		fresh = true;
		inst_init(in);
		if ((err = xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), true)))
			return err;
		in->skel = xdpct_bpf__open();
		if (!in->skel) {
			xdpct_err("cannot open the BPF object: %s", strerror(errno));
			return -errno;
		}
		if ((err = attach_opts_apply(in->skel, o))) {
			xdpct_err("bad flow-table or ring-buffer size: %s", strerror(-err));
			goto out_close;
		}
		DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = in->skel->obj,
				    .prog_name = obj_names[I_PROG_XDP]);
		xp = xdp_program__create(&xo);
		if (libxdp_get_error(xp)) {
			err = libxdp_get_error(xp);
			xp = NULL;
			xdpct_err("cannot prepare the XDP program: %s", strerror(-err));
			goto out_close;
		}
	}

	for (i = 0; i < n; i++) {
		struct xdpct_iface e = { .ifindex = ifindex[i], .mode = o->mode };
		char other[32];
		bool mp = false;
		__u32 fid;

		fid = foreign_xdp(ifindex[i], our_id, other, sizeof(other));
		if (fid && strcmp(other, "xdp_dispatcher")) {
			if (!o->force) {
				xdpct_err("%s already runs XDP program '%s' (id %u) that xdpct "
					  "did not load; --force replaces it", ifnames[i], other, fid);
				err = -EBUSY;
				goto rollback;
			}
			bpf_xdp_detach(ifindex[i], 0, NULL);
		}
		err = attach_xdp(xp, ifindex[i], o->mode, &mp);
		if (err && !o->mode_set && o->mode == XDPCT_MODE_NATIVE) {
			/* driver without native XDP: say so and use generic */
			err = attach_xdp(xp, ifindex[i], XDPCT_MODE_GENERIC, &mp);
			if (!err) {
				xdpct_warn("%s: no native XDP, attached in generic mode", ifnames[i]);
				e.mode = XDPCT_MODE_GENERIC;
			}
		}
		if (err) {
			xdpct_err("%s: attaching XDP failed: %s%s", ifnames[i], strerror(-err),
				  err == -EOPNOTSUPP ? " (try --mode generic)" : "");
			goto rollback;
		}
		if (i == 0 && fresh) {
			/* libxdp loaded the object: the skeleton's fds are live now */
			skel_fds(in);
			read_cfg(in);
			if ((err = sc_fill_maps(in->skel, o))) {
				xdpct_err("cannot set up the protected ports: %s", strerror(-err));
				detach_xdp(&e, in->fd[I_PROG_XDP]);
				goto rollback;
			}
		}
		our_id = prog_id(in->fd[I_PROG_XDP]);
		e.multiprog = mp;
		snprintf(e.name, sizeof(e.name), "%s", ifnames[i]);
		e.attached_ns = time(NULL) * 1000000000ULL;
		e.netns_ino = netns_ino();
		done[ndone++] = e;
		if (o->egress) {
			err = attach_egress(ifindex[i], in->fd[I_PROG_TC], &done[ndone - 1]);
			if (err) {
				xdpct_err("%s: attaching TC egress failed: %s", ifnames[i],
					  strerror(-err));
				goto rollback;
			}
		}
		if (in->fd[I_PROG_SC] >= 0) {
			/* syncookie, reqsk completion: the ACK meets the listener there */
			err = sc_attach_ingress(ifindex[i], in->fd[I_PROG_SC], &done[ndone - 1],
						NULL);
			if (err) {
				xdpct_err("%s: attaching the syncookie TC ingress program failed: "
					  "%s", ifnames[i], strerror(-err));
				goto rollback;
			}
		}
		if ((err = write_iface(in, &done[ndone - 1]))) {
			xdpct_err("cannot record the attachment: %s", strerror(-err));
			goto rollback;
		}
	}

	if (fresh) {
		err = run_once(in->fd[I_PROG_ARM]);
		if (err) {
			xdpct_err("cannot start the expiry timer: %s", strerror(-err));
			goto rollback;
		}
		if ((err = sc_netfilter_install(&in->cfg, &o->sc.ports)))
			goto rollback;
		nft = true;
		err = pin_all(in);
		if (err) {
			xdpct_err("cannot pin under %s: %s", in->pin_dir, strerror(-err));
			goto rollback;
		}
	}
	read_cfg(in);
	xdp_program__close(xp);
	return 0;

rollback:
	if (nft)
		sc_netfilter_remove(&in->cfg);
	while (ndone--) {
		sc_detach_ingress(&done[ndone], &in->cfg);
		detach_egress(&done[ndone]);
		detach_xdp(&done[ndone], in->fd[I_PROG_XDP]);
		if (in->fd[I_IFACES] >= 0)
			clear_iface(in, done[ndone].ifindex);
	}
	if (fresh)
		unpin_all(in);
out_close:
	if (xp)
		xdp_program__close(xp);
	inst_close(in);
	return err ? err : -EINVAL;
}

int inst_detach(struct inst *in, char **ifnames, int n)
{
	struct xdpct_iface have[XDPCT_MAX_IFACES];
	int nh = inst_read_ifaces(in, have, XDPCT_MAX_IFACES), i, j, left;

	setenv("LIBXDP_BPFFS", xdpct_bpffs(false) ? xdpct_bpffs(false) : "/sys/fs/bpf", 0);
	libbpf_set_print(libbpf_print_fn);
	libxdp_set_print(libxdp_print_fn);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nh; j++)
			if (!strcmp(have[j].name, ifnames[i]))
				break;
		if (j == nh) {
			xdpct_err("%s: xdpct is not attached there (see 'xdpct status')",
				  ifnames[i]);
			return -ENOENT;
		}
	}
	if (in->nlinks) {
		/* ephemeral (run): closing the links detaches everything */
		for (i = 0; i < in->nlinks; i++)
			close(in->links[i]);
		in->nlinks = 0;
		sc_netfilter_remove(&in->cfg);
		return 0;
	}
	left = nh;
	for (j = 0; j < nh; j++) {
		bool want = n == 0;

		for (i = 0; i < n && !want; i++)
			want = !strcmp(have[j].name, ifnames[i]);
		if (!want)
			continue;
		/* an interface deleted meanwhile took its attachments with it */
		if (if_indextoname(have[j].ifindex, (char[IF_NAMESIZE]){0})) {
			sc_detach_ingress(&have[j], &in->cfg);
			detach_egress(&have[j]);
			detach_xdp(&have[j], in->fd[I_PROG_XDP]);
		}
		clear_iface(in, have[j].ifindex);
		left--;
	}
	if (!left) {
		sc_netfilter_remove(&in->cfg);
		unpin_all(in);
	}
	return 0;
}
