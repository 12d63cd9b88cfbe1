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
 * The flow tables are plain hashes, not LRUs: an LRU evicts silently and
 * by recency only.  Here expiry is explicit (sweep.h) and a full table
 * gives up half-open/closed flows first (xdpct_victims), each eviction
 * counted.  One table per family, each keyed by its prefix of struct
 * xdpct_flow_key (xdpct/flow.h), reached through table_*() below.
 *
 * IPv4 is preallocated: no allocation on the packet path, none to fail.
 * IPv6 is allocated as flows arrive (BPF_F_NO_PREALLOC), so an instance
 * pays for its IPv6 capacity only as it is used: the bucket array, 16
 * bytes per entry of capacity, up front, each entry when it is inserted.
 * An element freed there, as a preallocated one, can be reused at once
 * while another CPU still holds it: the same tag rule covers both.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);		/* set at load: --flows */
	__type(key, struct xdpct_flow_key4);
	__type(value, struct xdpct_flow);
} xdpct_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);		/* set at load: --flows6 */
	__type(key, struct xdpct_flow_key6);
	__type(value, struct xdpct_flow);
} xdpct_flows6 SEC(".maps");

/*
 * The two tables: a key goes to its family's, keyed by its prefix
 * (xdpct/flow.h), so the key built here is passed as it is.
 *
 * Each call names one map, and must stay one call: the verifier inlines
 * a hash lookup, and calls an update or delete directly, only where one
 * call instruction always sees the same map.  Left alone, clang merges
 * the two branches' calls into one on a selected map pointer, and every
 * packet pays the generic helper's indirect call.  An empty asm on the
 * IPv4 branch's result makes the branches' last instructions differ, and
 * so keeps the calls apart.
 */
#define XDPCT_KEEP_CALL(x) asm volatile("" : "+r"(x))

static __always_inline struct xdpct_flow *table_lookup(const struct xdpct_flow_key *k)
{
	struct xdpct_flow *f;

	if (k->family == 4) {
		f = bpf_map_lookup_elem(&xdpct_flows, k);
		XDPCT_KEEP_CALL(f);
	} else {
		f = bpf_map_lookup_elem(&xdpct_flows6, k);
	}
	return f;
}

static __always_inline long table_update(const struct xdpct_flow_key *k,
					 const struct xdpct_flow *f, __u64 flags)
{
	long err;

	if (k->family == 4) {
		err = bpf_map_update_elem(&xdpct_flows, k, f, flags);
		XDPCT_KEEP_CALL(err);
	} else {
		err = bpf_map_update_elem(&xdpct_flows6, k, f, flags);
	}
	return err;
}

static __always_inline long table_delete(const struct xdpct_flow_key *k)
{
	long err;

	if (k->family == 4) {
		err = bpf_map_delete_elem(&xdpct_flows, k);
		XDPCT_KEEP_CALL(err);
	} else {
		err = bpf_map_delete_elem(&xdpct_flows6, k);
	}
	return err;
}

/* The table's index in xdpct_evict_state: 0 IPv4, 1 IPv6. */
static __always_inline __u32 table_index(const struct xdpct_flow_key *k)
{
	return k->family != 4;
}

/*
 * Keys of flows that became half-open, TIME_WAIT or CLOSED: eviction
 * candidates (table.h), one queue per table (a full IPv4 table makes room
 * with an IPv4 flow), each holding its table's key.  Pushed with
 * overwrite when full; lost = 1 in that table's xdpct_evict_state then
 * says a table walk may find more.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8192);		/* set at load: flows / 8 */
	__type(value, struct xdpct_flow_key4);
} xdpct_victims SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 2048);		/* set at load: flows6 / 8 */
	__type(value, struct xdpct_flow_key6);
} xdpct_victims6 SEC(".maps");

struct xdpct_evict_state {
	__u32 lost;		/* the queue dropped a candidate since the last walk */
	__u32 found;		/* candidates the current walk queued */
};

/* [0]: the IPv4 table's, [1]: the IPv6 table's */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
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
 * The events' type in the object's BTF: a ring buffer has no key or value
 * type, and clang emits no local's type, so this pointer, never used,
 * keeps struct xdpct_event there for user/lib/layout.c to compare with an
 * attached instance's.
 */
struct xdpct_event *xdpct_event_type __attribute__((unused));

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
