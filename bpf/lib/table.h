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
#include "hazard.h"
#include "flow_bins.h"

/*
 * Canonical key (xdpct_key_build(), xdpct/flow.h): endpoint 0 is the lower
 * (addr, port), so both directions find the same entry.  Returns the
 * sender's endpoint index.
 */
static __always_inline __u8 flow_key(struct xdpct_flow_key *k, const struct pkt_meta *p)
{
	return xdpct_key_build(k, p->family, p->vlan, p->saddr, p->daddr, p->sport, p->dport);
}

/*
 * Who deletes an entry.  Three deciders remove entries: the sweep
 * (sweep.h: expiry), eviction (below: room for a new flow) and the cookie
 * path (track.h: a valid cookie ACK on a closed connection's entry).  Each
 * decides under the entry's lock and marks it dying there (tag 0), then
 * drops the lock, waits for any CPU still writing into it without the lock
 * (hazard.h), re-reads its figures and deletes the key.  The mark makes the
 * decision safe:
 *
 *   - only the CPU that set it deletes (the others see tag 0 and leave the
 *     entry alone), and while a marked entry is in the table no other
 *     entry can be inserted under its key (BPF_NOEXIST), so that delete
 *     removes exactly the entry it decided on;
 *   - a packet takes the lock before it touches an entry and checks the
 *     tag first: a marked entry is "no flow" (flow_find() waits for it to
 *     go, then the packet looks up or inserts again), so nothing is added
 *     to an entry after the snapshot its expired event was built from.
 *   - a preallocated element can be reused for another key as soon as it
 *     is deleted, while another CPU still holds a pointer to it (the
 *     kernel's hash map documents this); the tag is a hash of the key, so
 *     that CPU sees a stranger's tag and treats it as gone too (a 32-bit
 *     hash: one stranger in 2^32 would pass).
 */

#define XDPCT_READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define XDPCT_WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Lookups while an entry marked dying is still in the table (flow_find). */
#define XDPCT_DYING_WAIT 64

/* The key's tag (xdpct/flow.h): never 0, so 0 marks a dying entry. */
static __always_inline __u32 flow_tag(const struct xdpct_flow_key *k)
{
	return xdpct_flow_tag(k);
}

struct dying_wait {
	const struct xdpct_flow_key *key;
	__u32 tag;
};

/* One look at the key while its entry is dying: 1 once it is gone or live. */
static long dying_wait_one(__u64 i, struct dying_wait *w)
{
	struct xdpct_flow *f = table_lookup(w->key);

	return !f || XDPCT_READ_ONCE(f->tag) == w->tag;
}

/*
 * The live entry under key (tag: the key's), or NULL.  An entry being
 * deleted by another CPU is waited for: it is gone within a few
 * instructions of that CPU's (the delete follows the unlock).  If it is
 * still there, the caller's check under the lock says so (SEG_GONE).
 */
static __always_inline struct xdpct_flow *flow_find(const struct xdpct_flow_key *key,
						    __u32 tag, struct xdpct_stats *st)
{
	struct xdpct_flow *f = table_lookup(key);
	struct dying_wait w = { .key = key, .tag = tag };

	if (!f || XDPCT_READ_ONCE(f->tag) == tag)
		return f;
	bpf_loop(XDPCT_DYING_WAIT, dying_wait_one, &w, 0);
	return table_lookup(key);
}

/*
 * Mark f dying, under its lock (held by the caller), and take the snapshot
 * its expired event reports: nothing changes the entry after this.
 */
static __always_inline void flow_mark_dying(struct xdpct_flow *f, struct xdpct_snap *sn)
{
	take_snap(f, sn);
	f->tag = 0;
}

/* ---- eviction --------------------------------------------------------------
 *
 * Candidates are entries that became evictable (xdpct_evictable(): half-
 * open, TIME_WAIT, CLOSED): track.h queues the key on the segment that
 * makes an entry one (not on every segment of one, so a key is queued once
 * per time it becomes evictable).  The queue overwrites its oldest entry
 * when full (BPF_EXIST) and notes that it did: a candidate can be lost
 * from the queue, but then the next eviction that finds the queue empty
 * walks the table for candidates (evict_scan) and refills it.  A popped key
 * is checked under its entry's lock (still there, still evictable, not
 * dying), so a stale candidate (swept, reopened, established since) costs a
 * pop, never a wrong eviction; every queued key is popped at most once.
 * So a full table with an evictable entry always evicts one for a new flow,
 * and never an established flow (xdpct_evictable() excludes them all).
 */

/* Keys a table walk queues at most (it stops there, and says it did). */
#define XDPCT_SCAN_BATCH 256
/* Pops one eviction tries at most (bpf_loop: the queue's size bounds it). */
#define XDPCT_EVICT_POPS (1 << 20)

/* Push key (its table's prefix) on its table's queue. */
static __always_inline long victim_queue_push(const struct xdpct_flow_key *key, __u64 flags)
{
	long err;

	if (key->family == 4) {
		err = bpf_map_push_elem(&xdpct_victims, key, flags);
		XDPCT_KEEP_CALL(err);	/* one map a call (maps.h) */
	} else {
		err = bpf_map_push_elem(&xdpct_victims6, key, flags);
	}
	return err;
}

/* Queue key as an eviction candidate; a full queue drops its oldest. */
static __always_inline void victim_push(const struct xdpct_flow_key *key)
{
	struct xdpct_evict_state *es;
	__u32 idx = table_index(key);

	if (!victim_queue_push(key, 0))
		return;
	victim_queue_push(key, BPF_EXIST);
	es = bpf_map_lookup_elem(&xdpct_evict_state, &idx);
	if (es)
		XDPCT_WRITE_ONCE(es->lost, 1);
}

struct evict_ctx {
	struct xdpct_scratch *sc;
	struct xdpct_stats *st;
	struct xdpct_evict_state *es;	/* its found: a map value, so the
					 * verifier's walk of the callback converges */
	__u64 now;
	int done;
	__u8 family;		/* the full table's: the victim must be from it */
};

/*
 * One queued key: evicted if its entry is (still) evictable.  1 stops the
 * loop: evicted, or the queue is empty.
 */
static long evict_pop_one(__u64 i, struct evict_ctx *c)
{
	struct xdpct_scratch *sc = c->sc;
	struct xdpct_flow *v;
	int ok = 0;

	/* the queue holds the table's prefix: the rest of sc->key is set
	 * (xdpct_evict_one) */
	if (c->family == 4 ? bpf_map_pop_elem(&xdpct_victims, &sc->key) :
	    bpf_map_pop_elem(&xdpct_victims6, &sc->key))
		return 1;
	v = table_lookup(&sc->key);
	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	/*
	 * The popped key's own tag, not just "not dying": between the lookup
	 * and the lock the element may have been deleted and reused for
	 * another key (table.h's rule above); marking that one dying would
	 * delete nothing of it (the delete below is by our key) and report it
	 * under our key.
	 */
	if (v->tag == flow_tag(&sc->key) && xdpct_evictable(v)) {
		flow_mark_dying(v, &sc->sn);
		ok = 1;
	}
	bpf_spin_unlock(&v->lock);
	if (!ok)
		return 0;
	c->done = 1;		/* marked: evict_finish() deletes it */
	return 1;
}

/*
 * The marked victim in sc->key goes: once no lock-free write is still
 * landing in it (hazard.h), its figures are final; it is ours alone to
 * delete (the mark), so the delete cannot fail.  Outside the pop loop's
 * callback: one frame less on the packet path's call chain.
 */
static __always_inline void evict_finish(struct evict_ctx *c)
{
	struct xdpct_scratch *sc = c->sc;
	struct xdpct_flow *v;

	xdpct_hazard_wait(flow_tag(&sc->key), c->st);
	v = table_lookup(&sc->key);
	if (v)
		take_snap(v, &sc->sn);
	if (!table_delete(&sc->key))
		flow_bin_sub(&sc->key);
	c->st->c[XDPCT_STAT_FLOWS_EVICTED]++;
	emit_expired(&sc->key, &sc->sn, XDPCT_EXP_EVICTED, c->now, c->st);
}

/*
 * A table walk's step: queue an evictable entry's key (up to a batch).
 * k is the table's key, len bytes: the prefix of c->sc->scan_key, whose
 * rest evict_scan() set.
 */
static __always_inline long evict_scan_key(const void *k, __u32 len, struct xdpct_flow *f,
					   struct evict_ctx *c)
{
	/* per-CPU scratch, not the stack: this callback's frame sits in the
	 * call chain at the verifier's 512-byte bound */
	struct xdpct_flow_key *key = &c->sc->scan_key;
	int ok;

	/* the key copied first, then checked against the entry's tag: the
	 * element (key and value) may be reused under the walk */
	__builtin_memcpy(key, k, len);
	bpf_spin_lock(&f->lock);
	ok = f->tag == flow_tag(key) && xdpct_evictable(f);
	bpf_spin_unlock(&f->lock);
	if (!ok)
		return 0;
	victim_queue_push(key, BPF_EXIST);
	if (!c->es)
		return 1;
	return ++c->es->found >= XDPCT_SCAN_BATCH;
}

static long evict_scan_one4(struct bpf_map *map, struct xdpct_flow_key4 *k,
			    struct xdpct_flow *f, struct evict_ctx *c)
{
	return evict_scan_key(k, sizeof(*k), f, c);
}

static long evict_scan_one6(struct bpf_map *map, struct xdpct_flow_key6 *k,
			    struct xdpct_flow *f, struct evict_ctx *c)
{
	return evict_scan_key(k, sizeof(*k), f, c);
}

/*
 * Refill the queue from the table, when it may have lost candidates.  A
 * walk that stopped at a batch leaves the mark set: more may be left.
 */
static __always_inline __u32 evict_scan(struct evict_ctx *c)
{
	struct xdpct_evict_state *es;
	__u32 idx = c->family != 4;

	es = bpf_map_lookup_elem(&xdpct_evict_state, &idx);
	if (!es || !XDPCT_READ_ONCE(es->lost))
		return 0;
	/* cleared first: a candidate lost during the walk sets it again */
	XDPCT_WRITE_ONCE(es->lost, 0);
	es->found = 0;
	c->es = es;
	c->st->c[XDPCT_STAT_EVICT_SCANS]++;
	__builtin_memset(&c->sc->scan_key, 0, sizeof(c->sc->scan_key));
	c->sc->scan_key.family = c->family;
	if (c->family == 4)
		bpf_for_each_map_elem(&xdpct_flows, evict_scan_one4, c, 0);
	else
		bpf_for_each_map_elem(&xdpct_flows6, evict_scan_one6, c, 0);
	if (es->found >= XDPCT_SCAN_BATCH)
		XDPCT_WRITE_ONCE(es->lost, 1);
	return es->found;
}

/*
 * Make room in a full table (family's): give up one evictable flow of it,
 * with its event.  1 if it did.  Global: verified once, not on every path
 * to an insert.
 */
__noinline int xdpct_evict_one(struct xdpct_scratch *sc, struct xdpct_stats *st, __u64 now,
			       __u8 family)
{
	struct evict_ctx c = { .sc = sc, .st = st, .now = now, .family = family == 4 ? 4 : 6 };

	if (!sc || !st)
		return 0;
	/* popped keys fill sc->key's prefix: the rest is this */
	__builtin_memset(&sc->key, 0, sizeof(sc->key));
	sc->key.family = c.family;
	bpf_loop(XDPCT_EVICT_POPS, evict_pop_one, &c, 0);
	if (!c.done && evict_scan(&c))
		bpf_loop(XDPCT_EVICT_POPS, evict_pop_one, &c, 0);
	if (c.done)
		evict_finish(&c);
	return c.done;
}

enum table_insert_result {
	TABLE_INSERTED = 0,
	TABLE_RACED,		/* another CPU inserted this key first: use its entry */
	TABLE_FULL,		/* nothing evictable: not tracked (counted) */
};

/*
 * Insert nf, built in sc->flow, under key (tag: the key's).  BPF_NOEXIST:
 * two CPUs starting the same flow do not overwrite each other.  Counts what
 * it did; an evictable new entry is queued as a candidate.
 */
static __always_inline int table_insert(struct xdpct_scratch *sc, struct xdpct_stats *st,
					const struct xdpct_flow_key *key, __u32 tag,
					struct xdpct_flow *nf, __u64 now)
{
	int err;

	nf->tag = tag;
	flow_bin_add(key);	/* before the entry can be found (flow_bins.h) */
	err = table_update(key, nf, BPF_NOEXIST);
	if (err == -EEXIST) {
		flow_bin_sub(key);
		return TABLE_RACED;
	}
	if (err && xdpct_evict_one(sc, st, now, key->family))
		err = table_update(key, nf, BPF_NOEXIST);
	if (err)
		flow_bin_sub(key);
	if (err == -EEXIST)
		return TABLE_RACED;
	if (err) {
		st->c[XDPCT_STAT_INSERT_FAILED]++;
		return TABLE_FULL;
	}
	st->c[XDPCT_STAT_FLOWS_CREATED]++;
	if (nf->flags & XDPCT_F_MIDSTREAM)
		st->c[XDPCT_STAT_FLOWS_MIDSTREAM]++;
	if (xdpct_evictable(nf))
		victim_push(key);
	return TABLE_INSERTED;
}

#endif /* XDPCT_TABLE_H */
