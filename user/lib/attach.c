// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load the datapath and attach it: one pipeline for both lifetimes.
 *
 *   attach (pinned)     libxdp attaches XDP (through its dispatcher where it
 *                       can), TC programs are clsact filters, and every
 *                       object is pinned: the instance outlives the command.
 *   run (ephemeral)     XDP and TC programs are BPF links owned by the
 *                       process and nothing is pinned: the instance goes
 *                       away with the process however it ends, SIGKILL
 *                       included (the SYNPROXY rules are no BPF object:
 *                       netfilter.c says how they follow).
 *
 * inst_attach(): the interfaces resolved -> this namespace's instance
 * found, or opened and configured -> attach_iface() on each interface ->
 * a fresh instance started (expiry timer armed, SYNPROXY rules, pins).
 * Any failure takes the one cleanup path, undo(), which leaves nothing
 * attached or pinned.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "attach.h"
#include "datapath.h"
#include "log.h"
#include "netfilter.h"
#include "pins.h"
#include "tc.h"
#include "xdp_hook.h"
#include "xdpct.skel.h"

/* One inst_attach() call. */
struct attach_run {
	struct inst *in;
	const struct attach_opts *o;
	struct xdp_program *xp;		/* pinned: libxdp's handle on xdpct_xdp */
	bool fresh;			/* the instance is this call's */
	bool loaded;			/* its objects are in the kernel: fds live */
	bool nf;			/* SYNPROXY rules installed */
	struct xdpct_iface done[XDPCT_MAX_IFACES];	/* attached by this call */
	int ndone;
};

static bool uses_reqsk(const struct xdpct_cfg *cfg)
{
	return cfg->sc_mode != XDPCT_SC_OFF && cfg->sc_completion == XDPCT_SC_REQSK;
}

static bool uses_synproxy(const struct xdpct_cfg *cfg)
{
	return cfg->sc_mode != XDPCT_SC_OFF && cfg->sc_completion == XDPCT_SC_SYNPROXY;
}

static void skel_fds(struct inst *in)
{
	struct xdpct_bpf *s = in->skel;

	in->fd[I_FLOWS] = bpf_map__fd(s->maps.xdpct_flows);
	in->fd[I_STATS] = bpf_map__fd(s->maps.xdpct_stats);
	in->fd[I_EVENTS] = bpf_map__fd(s->maps.xdpct_events);
	in->fd[I_VICTIMS] = bpf_map__fd(s->maps.xdpct_victims);
	in->fd[I_FLOWS6] = bpf_map__fd(s->maps.xdpct_flows6);
	in->fd[I_VICTIMS6] = bpf_map__fd(s->maps.xdpct_victims6);
	in->fd[I_SWEEPER] = bpf_map__fd(s->maps.xdpct_sweeper);
	in->fd[I_IFACES] = bpf_map__fd(s->maps.xdpct_ifaces);
	in->fd[I_HIST] = bpf_map__fd(s->maps.xdpct_hist);
	in->fd[I_SC_STATE] = bpf_map__fd(s->maps.xdpct_sc_state);
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

/* The objects are in the kernel: their fds, the config, the protected ports. */
static int on_loaded(struct attach_run *a)
{
	struct datapath dp = DATAPATH(a->in->skel);
	int err;

	skel_fds(a->in);
	inst_read_cfg(a->in);
	err = datapath_fill(&dp, a->o);
	if (err) {
		xdpct_err("cannot set up the protected ports: %s", strerror(-err));
		return err;
	}
	a->loaded = true;
	return 0;
}

/*
 * A new instance: the skeleton opened and configured.  run loads it now;
 * for attach, libxdp loads it with the first attachment (it may have to
 * load the program for its dispatcher).
 */
static int open_fresh(struct attach_run *a)
{
	struct inst *in = a->in;
	struct datapath dp;
	int err;

	a->fresh = true;
	inst_init(in);
	if (!a->o->ephemeral && (err = xdpct_pin_dir(in->pin_dir, sizeof(in->pin_dir), true)))
		return err;
	in->skel = xdpct_bpf__open();
	if (!in->skel) {
		err = -errno;
		xdpct_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	dp = DATAPATH(in->skel);
	if ((err = datapath_configure(&dp, a->o))) {
		xdpct_err("bad flow-table or ring-buffer size: %s", strerror(-err));
		return err;
	}
	if (a->o->ephemeral) {
		if ((err = xdpct_bpf__load(in->skel))) {
			xdpct_err("cannot load the datapath: %s", strerror(-err));
			return err;
		}
		return on_loaded(a);
	}
	DECLARE_LIBXDP_OPTS(xdp_program_opts, xo, .obj = in->skel->obj,
			    .prog_name = inst_obj_names[I_PROG_XDP]);
	a->xp = xdp_program__create(&xo);
	if (libxdp_get_error(a->xp)) {
		err = libxdp_get_error(a->xp);
		a->xp = NULL;
		xdpct_err("cannot prepare the XDP program: %s", strerror(-err));
		return err;
	}
	return 0;
}

/*
 * This namespace's instance: attach adds interfaces to a running one (its
 * options stay as they were); run wants none there.
 */
static int open_instance(struct attach_run *a, char **ifnames, const int *ifindex, int n)
{
	struct xdpct_iface have[XDPCT_MAX_IFACES];
	struct inst *in = a->in;
	int nh, i, j;

	if (inst_find(in))
		return open_fresh(a);
	if (a->o->ephemeral) {
		xdpct_err("xdpct is already attached in this network namespace "
			  "(xdpct status; xdpct detach --all)");
		return -EEXIST;
	}
	nh = inst_read_ifaces(in, have, XDPCT_MAX_IFACES);
	for (i = 0; i < n; i++)
		for (j = 0; j < nh; j++)
			if (have[j].ifindex == (__u32)ifindex[i]) {
				xdpct_err("already attached to %s (detach it first: "
					  "xdpct detach %s)", ifnames[i], ifnames[i]);
				return -EEXIST;
			}
	a->loaded = true;
	a->xp = xdp_program__from_fd(in->fd[I_PROG_XDP]);
	if (libxdp_get_error(a->xp)) {
		xdpct_err("cannot reuse the running instance's program: %s",
			  strerror(-libxdp_get_error(a->xp)));
		a->xp = NULL;
		return -EINVAL;
	}
	return 0;
}

/*
 * An XDP program xdpct did not load stays unless --force.  libxdp's
 * dispatcher takes xdpct alongside the programs it runs (attach); a link
 * cannot join it, so run treats it as any other program.
 */
static int check_foreign(struct attach_run *a, const char *name, int ifindex)
{
	bool dispatcher;
	char other[32];
	__u32 id;

	id = xdp_hook_foreign(ifindex, a->loaded ? inst_prog_id(a->in->fd[I_PROG_XDP]) : 0,
			      other, sizeof(other));
	dispatcher = id && !strcmp(other, "xdp_dispatcher");
	if (!id || (dispatcher && !a->o->ephemeral))
		return 0;
	if (!a->o->force || dispatcher) {
		xdpct_err("%s already runs XDP program '%s' (id %u)%s", name, other, id,
			  a->o->force ? "" : " that xdpct did not load; --force replaces it");
		return -EBUSY;
	}
	bpf_xdp_detach(ifindex, 0, NULL);
	return 0;
}

static int xdp_on(struct attach_run *a, struct xdpct_iface *e)
{
	struct inst *in = a->in;
	bool mp = false;
	int fd, err;

	if (a->o->ephemeral) {
		fd = xdp_hook_link(in->fd[I_PROG_XDP], e->ifindex, e->mode);
		if (fd < 0)
			return fd;
		in->links[in->nlinks++] = fd;
		return 0;
	}
	err = xdp_hook_attach(a->xp, e->ifindex, e->mode, &mp);
	e->multiprog = mp;
	return err;
}

static int attach_xdp(struct attach_run *a, struct xdpct_iface *e, const char *name)
{
	int err = xdp_on(a, e);

	/*
	 * A driver without native XDP: say so and use generic.  (A link with
	 * no mode flag needs no retry: dev_xdp_mode() picks generic itself.)
	 */
	if (err && !a->o->ephemeral && !a->o->mode_set && e->mode == XDPCT_MODE_NATIVE) {
		e->mode = XDPCT_MODE_GENERIC;
		err = xdp_on(a, e);
		if (!err)
			xdpct_warn("%s: no native XDP, attached in generic mode", name);
		else
			e->mode = XDPCT_MODE_NATIVE;
	}
	if (err)
		xdpct_err("%s: attaching XDP failed: %s%s", name, strerror(-err),
			  err == -EOPNOTSUPP ? " (try --mode generic)" : "");
	return err;
}

/* A TC program on the interface: a tcx link (run) or a clsact filter (attach). */
static int tc_on(struct attach_run *a, struct xdpct_iface *e, bool egress, int prog_fd)
{
	struct inst *in = a->in;
	int fd;

	if (!a->o->ephemeral)
		return tc_filter_attach(e, egress ? BPF_TC_EGRESS : BPF_TC_INGRESS, prog_fd);
	fd = tcx_link(e->ifindex, egress ? BPF_TCX_EGRESS : BPF_TCX_INGRESS, prog_fd);
	if (fd < 0)
		return fd;
	in->links[in->nlinks++] = fd;
	return 0;
}

/* One interface: XDP, TC egress (--egress), the offloader's TC ingress (reqsk), the record. */
static int attach_iface(struct attach_run *a, const char *name, int ifindex)
{
	struct xdpct_iface e = { .ifindex = ifindex, .mode = a->o->mode }, *d;
	const char *how = a->o->ephemeral ? " (tcx)" : "";
	struct inst *in = a->in;
	int err;

	if ((err = check_foreign(a, name, ifindex)) || (err = attach_xdp(a, &e, name)))
		return err;
	if (!a->loaded && (err = on_loaded(a))) {
		/* libxdp loaded the object with this attachment: undo it alone */
		xdp_hook_detach(&e, inst_obj_names[I_PROG_XDP], in->fd[I_PROG_XDP],
				inst_prog_id(in->fd[I_PROG_XDP]));
		return err;
	}
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.attached_ns = time(NULL) * 1000000000ULL;
	e.netns_ino = inst_netns_ino();
	/* from here on undo() takes it off again */
	d = &a->done[a->ndone++];
	*d = e;
	if (a->o->egress) {
		if ((err = tc_on(a, d, true, in->fd[I_PROG_TC]))) {
			xdpct_err("%s: attaching TC egress%s failed: %s", name, how,
				  strerror(-err));
			return err;
		}
		d->egress = 1;
	}
	if (in->fd[I_PROG_SC] >= 0 && (err = tc_on(a, d, false, in->fd[I_PROG_SC]))) {
		/* syncookie, reqsk completion: the ACK meets the listener there */
		xdpct_err("%s: attaching the syncookie TC ingress program%s failed: %s",
			  name, how, strerror(-err));
		return err;
	}
	if ((err = inst_add_iface(in, d)))
		xdpct_err("cannot record the attachment: %s", strerror(-err));
	return err;
}

/* What attach_iface() gave one interface (attach's lifetime), in reverse. */
static void detach_iface(struct inst *in, const struct xdpct_iface *e)
{
	if (uses_reqsk(&in->cfg))
		tc_filter_detach(e, BPF_TC_INGRESS);
	if (e->egress)
		tc_filter_detach(e, BPF_TC_EGRESS);
	tc_clsact_release(e);
	xdp_hook_detach(e, inst_obj_names[I_PROG_XDP], in->fd[I_PROG_XDP],
			inst_prog_id(in->fd[I_PROG_XDP]));
}

/* A fresh instance, attached: expiry timer, SYNPROXY rules, pins. */
static int start_instance(struct attach_run *a)
{
	struct inst *in = a->in;
	int err;

	if ((err = inst_run_prog(in->fd[I_PROG_ARM]))) {
		xdpct_err("cannot start the expiry timer: %s", strerror(-err));
		return err;
	}
	/* run: last, nothing after it can fail (it is no link to die with us) */
	if ((err = nf_synproxy_install(&in->cfg, &a->o->sc.ports)))
		return err;
	a->nf = true;
	if (!a->o->ephemeral && (err = inst_pin(in))) {
		xdpct_err("cannot pin under %s: %s", in->pin_dir, strerror(-err));
		return err;
	}
	return 0;
}

/* The one cleanup path: whatever this call attached, installed or pinned. */
static void undo(struct attach_run *a)
{
	struct inst *in = a->in;

	if (a->nf)
		nf_synproxy_remove();
	/* run's links go with inst_close() */
	while (!a->o->ephemeral && a->ndone--) {
		detach_iface(in, &a->done[a->ndone]);
		if (in->fd[I_IFACES] >= 0)
			inst_remove_iface(in, a->done[a->ndone].ifindex);
	}
	if (a->fresh)
		inst_unpin(in);
}

int inst_attach(struct inst *in, const struct attach_opts *o, char **ifnames, int n)
{
	struct attach_run a = { .in = in, .o = o };
	int ifindex[XDPCT_MAX_IFACES];
	const char *fs;
	int i, err;

	inst_init(in);
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
	xdpct_log_libs();
	if (!o->ephemeral) {
		fs = xdpct_bpffs(true);
		if (!fs)
			return -ENOENT;
		/* libxdp keeps its dispatcher state on the same bpffs */
		setenv("LIBXDP_BPFFS", fs, 0);
	}
	if ((err = open_instance(&a, ifnames, ifindex, n)))
		goto out;
	for (i = 0; i < n; i++)
		if ((err = attach_iface(&a, ifnames[i], ifindex[i])))
			goto out;
	if (a.fresh && (err = start_instance(&a)))
		goto out;
	inst_read_cfg(in);
out:
	if (err)
		undo(&a);
	if (a.xp)
		xdp_program__close(a.xp);
	if (err)
		inst_close(in);
	return err;
}

int inst_detach(struct inst *in, char **ifnames, int n)
{
	struct xdpct_iface have[XDPCT_MAX_IFACES];
	int nh = inst_read_ifaces(in, have, XDPCT_MAX_IFACES), i, j, left;

	setenv("LIBXDP_BPFFS", xdpct_bpffs(false) ? xdpct_bpffs(false) : "/sys/fs/bpf", 0);
	xdpct_log_libs();
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
		if (uses_synproxy(&in->cfg))
			nf_synproxy_remove();
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
		if (if_indextoname(have[j].ifindex, (char[IF_NAMESIZE]){0}))
			detach_iface(in, &have[j]);
		inst_remove_iface(in, have[j].ifindex);
		left--;
	}
	if (!left) {
		if (uses_synproxy(&in->cfg))
			nf_synproxy_remove();
		inst_unpin(in);
	}
	return 0;
}
