// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshake offload (attach --syncookie), userspace side: the host checks
 * of the reqsk completion, and the offloader's key, programs and maps in
 * the datapath object.  See bpf/lib/syncookie.h for what the datapath does
 * and include/xdpct/cookie.h for the cookies.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "syncookie.h"
#include "sysctl.h"

#define SC_SYNCOOKIES	"/proc/sys/net/ipv4/tcp_syncookies"

bool sc_have_reqsk(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok;

	if (libbpf_get_error(btf))
		return false;
	ok = btf__find_by_name_kind(btf, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return ok;
}

int sc_reqsk_check(void)
{
	if (!sc_have_reqsk()) {
		xdpct_err("--syncookie-completion reqsk needs Linux 6.9 or newer "
			  "(bpf_sk_assign_tcp_reqsk); use --syncookie-completion synproxy");
		return -1;
	}
	if (sysctl_read(SC_SYNCOOKIES) == 0) {
		/* cookie_v4/v6_check(), which takes the request socket, runs only then */
		xdpct_err("--syncookie with reqsk completion needs net.ipv4.tcp_syncookies "
			  "= 1 or 2 (the kernel takes request sockets from BPF on its "
			  "SYN-cookie path): sysctl -w net.ipv4.tcp_syncookies=1");
		return -1;
	}
	return 0;
}

static struct bpf_program *prog(const struct dp_obj *dp, const char *name)
{
	return bpf_object__find_program_by_name(dp->obj, name);
}

static int map_fd(const struct dp_obj *dp, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(dp->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int sc_apply(const struct dp_obj *dp, const struct attach_opts *o)
{
	const struct xdpct_cfg *cfg = &o->cfg;
	struct bpf_map *state = bpf_object__find_map_by_name(dp->obj, "xdpct_sc_state");
	struct bpf_program *tc = prog(dp, "xdpct_sc_tc"), *tick = prog(dp, "xdpct_sc_tick");
	__u64 key[2];
	int err;

	if (!state || !tc || !tick)
		return -ENOENT;
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -errno;
	dp->sc_key[0] = key[0];
	dp->sc_key[1] = key[1];
	err = bpf_map__set_max_entries(state, o->sc.nports ? o->sc.nports : 1);
	if (err)
		return err;
	bpf_program__set_autoload(tc, cfg->sc_mode != XDPCT_SC_OFF &&
				  cfg->sc_completion == XDPCT_SC_REQSK);
	/* xdpct_sc_tick is replay's stand-in for the timer (replay loads it) */
	bpf_program__set_autoload(tick, false);
	return 0;
}

int sc_fill_maps(const struct dp_obj *dp, const struct attach_opts *o)
{
	int pfd = map_fd(dp, "xdpct_sc_ports"), sfd = map_fd(dp, "xdpct_sc_state");
	struct xdpct_sc_port zero_port = {};
	__u32 zero = 0, p;

	if (!o->sc.set || o->cfg.sc_mode == XDPCT_SC_OFF)
		return 0;
	if (bpf_map_update_elem(pfd, &zero, &o->sc.ports, BPF_ANY))
		return -errno;
	if (o->cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	for (p = 1; p <= 65535; p++)
		if (xdpct_sc_port_isset(&o->sc.ports, p) &&
		    bpf_map_update_elem(sfd, &p, &zero_port, BPF_NOEXIST))
			return -errno;
	return 0;
}
