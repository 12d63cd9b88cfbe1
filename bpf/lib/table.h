/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow table: the canonical key, insertion of a new entry, and
 * eviction when it is full.  Every new entry (a SYN's, a midstream pickup,
 * a cookie handshake's) goes in through table_insert().
 */
#ifndef XDPCT_TABLE_H
#define XDPCT_TABLE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <asm-generic/errno-base.h>
#include "xdpct/flow.h"
#include "xdpct/expiry.h"
#include "parse.h"
#include "maps.h"
#include "events.h"

/* Victims a full table tries before giving up on the new flow. */
#define XDPCT_EVICT_TRIES 4

/*
 * Canonical key: endpoint 0 is the lower (addr, port), so both directions
 * find the same entry.  Returns the sender's endpoint index.
 */
static __always_inline __u8 flow_key(struct xdpct_flow_key *k, const struct pkt_meta *p)
{
	int i, swap = 0, decided = 0;

	__builtin_memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->vlan[0] = p->vlan[0];
	k->vlan[1] = p->vlan[1];
#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 a = bpf_ntohl(p->saddr[i]), b = bpf_ntohl(p->daddr[i]);

		if (!decided && a != b) {
			swap = a > b;
			decided = 1;
		}
	}
	if (!decided)
		swap = p->sport > p->dport;
	if (!swap) {
		__builtin_memcpy(k->addr[0], p->saddr, 16);
		__builtin_memcpy(k->addr[1], p->daddr, 16);
		k->port[0] = p->sport;
		k->port[1] = p->dport;
	} else {
		__builtin_memcpy(k->addr[0], p->daddr, 16);
		__builtin_memcpy(k->addr[1], p->saddr, 16);
		k->port[0] = p->dport;
		k->port[1] = p->sport;
	}
	return swap;
}

/*
 * Make room in a full table: give up a half-open or closed flow (queued in
 * xdpct_victims when it became one, still evictable now), with its event.
 */
static __always_inline int evict_one(struct xdpct_scratch *sc, struct xdpct_stats *st,
				     __u64 now)
{
	int i;

	for (i = 0; i < XDPCT_EVICT_TRIES; i++) {
		struct xdpct_flow *v;
		struct xdpct_snap sn;

		if (bpf_map_pop_elem(&xdpct_victims, &sc->key))
			return 0;
		v = bpf_map_lookup_elem(&xdpct_flows, &sc->key);
		if (!v)
			continue;
		bpf_spin_lock(&v->lock);
		if (!xdpct_evictable(v)) {
			bpf_spin_unlock(&v->lock);
			continue;
		}
		take_snap(v, &sn);
		bpf_spin_unlock(&v->lock);
		if (bpf_map_delete_elem(&xdpct_flows, &sc->key))
			continue;
		st->c[XDPCT_STAT_FLOWS_EVICTED]++;
		emit_expired(&sc->key, &sn, XDPCT_EXP_EVICTED, now, st);
		return 1;
	}
	return 0;
}

enum table_insert_result {
	TABLE_INSERTED = 0,
	TABLE_RACED,		/* another CPU inserted this key first: use its entry */
	TABLE_FULL,		/* nothing evictable: not tracked (counted) */
};

/*
 * Insert nf, built in sc->flow, under key.  BPF_NOEXIST: two CPUs starting
 * the same flow do not overwrite each other.  Counts what it did.
 */
static __always_inline int table_insert(struct xdpct_scratch *sc, struct xdpct_stats *st,
					const struct xdpct_flow_key *key,
					const struct xdpct_flow *nf, __u64 now)
{
	int err = bpf_map_update_elem(&xdpct_flows, key, nf, BPF_NOEXIST);

	if (err == -EEXIST)
		return TABLE_RACED;
	if (err && evict_one(sc, st, now))
		err = bpf_map_update_elem(&xdpct_flows, key, nf, BPF_NOEXIST);
	if (err) {
		st->c[XDPCT_STAT_INSERT_FAILED]++;
		return TABLE_FULL;
	}
	st->c[XDPCT_STAT_FLOWS_CREATED]++;
	if (nf->flags & XDPCT_F_MIDSTREAM)
		st->c[XDPCT_STAT_FLOWS_MIDSTREAM]++;
	return TABLE_INSERTED;
}

#endif /* XDPCT_TABLE_H */
