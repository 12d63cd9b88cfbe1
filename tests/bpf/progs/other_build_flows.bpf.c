// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A flow table as another build of xdpct would pin it: the same name, key
 * and value size, another layout of struct xdpct_flow (tag before the lock,
 * the rest elsewhere), and in its BTF a struct xdpct_event of another
 * layout and no struct xdpct_cfg.  tests/integration/test_cli_errors.py
 * pins it in place of an instance's own `flows` to check that every
 * command refuses or says it cannot read it; tests/bpf/test_layout.c
 * checks the event and settings against it.  libbpf creates the map with
 * the object; the program is there only so bpftool loads it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct xdpct_flow_key4 {
	__u16 vlan[2];
	__u16 port[2];
	__u32 addr[2];
};

struct xdpct_flow {
	__u32 tag;
	struct bpf_spin_lock lock;
	__u8 rest[144];
};

struct xdpct_event {
	__u64 ts_ns;
	__u8 type;		/* moved: this build's is first */
	__u8 rest[119];
};

struct xdpct_event *xdpct_event_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xdpct_flow_key4);
	__type(value, struct xdpct_flow);
} flows SEC(".maps");

SEC("xdp")
int other_build(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
