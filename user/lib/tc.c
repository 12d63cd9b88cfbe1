// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TC programs on an interface.  A clsact filter (bpf_tc_attach) stays until
 * someone removes it: attach's way, recorded in the instance so detach can.
 * A tcx link (Linux 6.6+) goes away when its last fd is closed: run's way,
 * so nothing outlives the process however it ends.
 */
#include <errno.h>
#include <bpf/bpf.h>
#include "tc.h"

int tc_filter_attach(struct xdpct_iface *e, enum bpf_tc_attach_point hook, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = e->ifindex, .attach_point = hook);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = XDPCT_TC_HANDLE,
		    .priority = XDPCT_TC_PRIO);
	bool made;
	int err;

	if (prog_fd < 0)
		return -ENOENT;
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST)
		return err;
	made = !err;
	err = bpf_tc_attach(&h, &opts);
	if (err) {
		if (made) {
			/* destroying either side of clsact removes the qdisc */
			h.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&h);
		}
		return err;
	}
	if (made)
		e->made_clsact = 1;
	return 0;
}

void tc_filter_detach(const struct xdpct_iface *e, enum bpf_tc_attach_point hook)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = e->ifindex, .attach_point = hook);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XDPCT_TC_HANDLE, .priority = XDPCT_TC_PRIO);

	bpf_tc_detach(&h, &opts);
}

void tc_clsact_release(const struct xdpct_iface *e)
{
	LIBBPF_OPTS(bpf_tc_hook, h, .ifindex = e->ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	if (e->made_clsact)
		bpf_tc_hook_destroy(&h);
}

int tcx_link(int ifindex, enum bpf_attach_type type, int prog_fd)
{
	int fd = bpf_link_create(prog_fd, ifindex, type, NULL);

	return fd < 0 ? -errno : fd;
}
