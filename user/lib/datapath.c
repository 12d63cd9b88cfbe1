// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attach options into a datapath object.  Maps and programs are found
 * by name (bpf_object__find_*_by_name), so any skeleton of the datapath's
 * source will do.
 */
#include <errno.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "datapath.h"

static struct bpf_map *map(const struct datapath *dp, const char *name)
{
	return bpf_object__find_map_by_name(dp->obj, name);
}

static int set_max_entries(const struct datapath *dp, const char *name, __u32 n)
{
	struct bpf_map *m = map(dp, name);

	return m ? bpf_map__set_max_entries(m, n) : -ENOENT;
}

/* The handshake offload: its key, its rate map, its TC program. */
static int configure_offload(const struct datapath *dp, const struct attach_opts *o)
{
	const struct xdpct_cfg *cfg = &o->cfg;
	struct bpf_program *tc = bpf_object__find_program_by_name(dp->obj, "xdpct_sc_tc");
	struct bpf_program *tick = bpf_object__find_program_by_name(dp->obj, "xdpct_sc_tick");
	__u64 key[2];
	int err;

	if (!tc || !tick)
		return -ENOENT;
	/* the cookies' secret (include/xdpct/cookie.h), new for every instance */
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -errno;
	dp->sc_key[0] = key[0];
	dp->sc_key[1] = key[1];
	err = set_max_entries(dp, "xdpct_sc_state", o->sc.nports ? o->sc.nports : 1);
	if (err)
		return err;
	bpf_program__set_autoload(tc, cfg->sc_mode != XDPCT_SC_OFF &&
				  cfg->sc_completion == XDPCT_SC_REQSK);
	/* xdpct_sc_tick is replay's stand-in for the timer (replay loads it) */
	bpf_program__set_autoload(tick, false);
	return 0;
}

int datapath_configure(const struct datapath *dp, const struct attach_opts *o)
{
	/* eviction candidates: an eighth of each table, at least 1024 */
	__u32 victims = o->flows / 8 < 1024 ? 1024 : o->flows / 8;
	__u32 flows6 = attach_opts_flows6(o);
	__u32 victims6 = flows6 / 8 < 1024 ? 1024 : flows6 / 8;
	__u8 replay = dp->cfg->replay_clock;
	int err;

	*dp->cfg = o->cfg;
	dp->cfg->replay_clock = replay;
	err = configure_offload(dp, o);
	if (!err)
		err = set_max_entries(dp, "xdpct_flows", o->flows);
	if (!err)
		err = set_max_entries(dp, "xdpct_victims", victims);
	if (!err)
		err = set_max_entries(dp, "xdpct_flows6", flows6);
	if (!err)
		err = set_max_entries(dp, "xdpct_victims6", victims6);
	if (!err)
		err = set_max_entries(dp, "xdpct_events", o->ringbuf);
	return err;
}

int datapath_fill(const struct datapath *dp, const struct attach_opts *o)
{
	struct bpf_map *ports = map(dp, "xdpct_sc_ports"), *state = map(dp, "xdpct_sc_state");
	struct xdpct_sc_port zero_port = {};
	__u32 zero = 0, p;

	if (!o->sc.set || o->cfg.sc_mode == XDPCT_SC_OFF)
		return 0;
	if (!ports || !state)
		return -ENOENT;
	if (bpf_map_update_elem(bpf_map__fd(ports), &zero, &o->sc.ports, BPF_ANY))
		return -errno;
	if (o->cfg.sc_mode != XDPCT_SC_AUTO)
		return 0;
	for (p = 1; p <= 65535; p++)
		if (xdpct_sc_port_isset(&o->sc.ports, p) &&
		    bpf_map_update_elem(bpf_map__fd(state), &p, &zero_port, BPF_NOEXIST))
			return -errno;
	return 0;
}
