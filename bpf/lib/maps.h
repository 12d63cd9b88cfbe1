/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The datapath's maps (the handshake offloader's are in sc_maps.h).  Sizes
 * marked "set at load" are changed by the loader.  Names are what xdpct
 * commands find an instance by: keep them.
 */
#ifndef XDPCT_MAPS_H
#define XDPCT_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"
#include "xdpct/stats.h"
#include "xdpct/instance.h"
#include "work.h"

/*
 * The flow table is a plain (preallocated) hash, not an LRU: an LRU evicts
 * silently and by recency only.  Here expiry is explicit (sweep.h) and a
 * full table gives up half-open/closed flows first (xdpct_victims), each
 * eviction counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);		/* set at load: --flows */
	__type(key, struct xdpct_flow_key);
	__type(value, struct xdpct_flow);
} xdpct_flows SEC(".maps");

/*
 * Keys of flows that became half-open, TIME_WAIT or CLOSED: eviction
 * candidates (table.h).  Pushed with overwrite when full; lost = 1 in
 * xdpct_evict_state then says a table walk may find more.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8192);		/* set at load: flows / 8 */
	__type(value, struct xdpct_flow_key);
} xdpct_victims SEC(".maps");

struct xdpct_evict_state {
	__u32 lost;		/* the queue dropped a candidate since the last walk */
	__u32 found;		/* candidates the current walk queued */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_evict_state);
} xdpct_evict_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_stats);
} xdpct_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);		/* set at load */
} xdpct_events SEC(".maps");

/*
 * Per-CPU room for a new entry and a victim key, off the 512-byte stack.
 * A byte array: per-CPU maps cannot hold a struct with a bpf_spin_lock.
 */
struct xdpct_scratch {
	__u8 flow[sizeof(struct xdpct_flow)];
	struct xdpct_flow_key key;	/* eviction victim */
	struct xdpct_flow_key scan_key;	/* the eviction walk's key copy */
	struct xdpct_snap sn;		/* and its snapshot (table.h) */
};

/* Per-packet working state (work.h), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_work);
} xdpct_work SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_scratch);
} xdpct_scratch SEC(".maps");

/* The expiry timer (sweep.h) */
struct xdpct_sweeper {
	struct bpf_timer timer;
	__u64 last_ns;
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sweeper);
} xdpct_sweeper SEC(".maps");

/* Where this instance is attached: written by userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDPCT_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct xdpct_iface);
} xdpct_ifaces SEC(".maps");

#endif /* XDPCT_MAPS_H */
