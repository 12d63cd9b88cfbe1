// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Maps as another build of xdpct would pin them: the same names, keys and
 * value sizes, other layouts of every struct the CLI reads (struct
 * xdpct_flow: tag before the lock, the rest elsewhere; the counters and
 * histograms: fewer slots, then padding), and in its BTF a struct
 * xdpct_event of another layout and no struct xdpct_cfg.
 * tests/integration/test_cli_errors.py pins its `flows` in place of an
 * instance's own to check that every command refuses or says it cannot
 * read it; tests/bpf/test_layout.c checks each of its maps, one at a
 * time, in an instance that is otherwise this build's.  libbpf creates
 * the maps with the object; the program is there only so bpftool loads it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* its keys are this build's, declared here: flow.h would bring this build's value */
struct xdpct_flow_key4 {
	__u16 vlan[2];
	__u16 port[2];
	__u32 addr[2];
};

struct xdpct_flow_key6 {
	__u16 vlan[2];
	__u16 port[2];
	__u32 addr[2][4];
};

struct xdpct_flow {
	__u32 tag;
	struct bpf_spin_lock lock;
	__u8 rest[144];
};

struct xdpct_event {
	__u64 ts_ns;
	__u8 type;
	__u8 rest[119];		/* this build's has fields here */
};

struct xdpct_stats {
	__u64 c[32];		/* this build has more */
	__u8 pad[256];
};

struct xdpct_hist_set {
	__u64 count;		/* this build's starts with its kinds' histograms */
	__u8 rest[8];
};

struct xdpct_event *xdpct_event_type __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xdpct_flow_key4);
	__type(value, struct xdpct_flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xdpct_flow_key6);
	__type(value, struct xdpct_flow);
} flows6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_hist_set);
} hist SEC(".maps");

SEC("xdp")
int other_build(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
