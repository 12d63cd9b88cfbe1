// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP program on an interface.  libxdp attaches through its dispatcher
 * where it can (other XDP programs may share the interface) and falls back
 * to a plain attach when the dispatcher cannot be used; a BPF link
 * (bpf_link_create(BPF_XDP)) is detached by the kernel when its last fd is
 * closed, whatever ends the process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xdp_hook.h"

static enum xdp_attach_mode libxdp_mode(int mode)
{
	return mode == XDPCT_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

__u32 xdp_hook_foreign(int ifindex, __u32 our_id, char *name, size_t len)
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

int xdp_hook_attach(struct xdp_program *xp, int ifindex, int mode, bool *multiprog)
{
	struct xdp_multiprog *mp;
	int err;

	err = xdp_program__attach(xp, ifindex, libxdp_mode(mode), 0);
	if (err)
		return err;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	*multiprog = !libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp);
	if (!libxdp_get_error(mp) && mp)
		xdp_multiprog__close(mp);
	return 0;
}

int xdp_hook_link(int prog_fd, int ifindex, int mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo,
		    .flags = mode == XDPCT_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : 0);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);

	return fd < 0 ? -errno : fd;
}

void xdp_hook_detach(const struct xdpct_iface *e, const char *name, int our_fd, __u32 our_id)
{
	__u32 flags = e->mode == XDPCT_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(e->ifindex);

	if (!libxdp_get_error(mp) && mp && !xdp_multiprog__is_legacy(mp)) {
		struct xdp_program *p = NULL;

		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (!strcmp(xdp_program__name(p), name))
				break;
		if (p)
			xdp_program__detach(p, e->ifindex, libxdp_mode(e->mode), 0);
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
