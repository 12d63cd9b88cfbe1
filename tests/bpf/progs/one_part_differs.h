/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rest of a test object that is this build of xdpct but for one
 * struct (other_build_event.bpf.c, other_build_cfg.bpf.c): that struct is
 * defined before this is included, this build's flow table after it.
 */
#ifndef ONE_PART_DIFFERS_H
#define ONE_PART_DIFFERS_H

#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"

/* in the object's BTF, as bpf/lib/maps.h keeps this build's */
struct xdpct_event *xdpct_event_type __attribute__((unused));
struct xdpct_cfg *xdpct_cfg_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct xdpct_flow_key4);
	__type(value, struct xdpct_flow);
} flows SEC(".maps");

SEC("xdp")
int one_part_differs(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif
