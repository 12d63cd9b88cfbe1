/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hazard slots: the lock-free path's writes and a delete or reopen that
 * decides against them.
 *
 * flow_fast() (track.h) writes into an entry without its lock.  Its
 * checks end in a re-check of the entry's tag, instance and state, but
 * between that re-check and its stores another CPU could mark the entry
 * dying, delete it, and the kernel reuse the preallocated element for
 * another key; or wipe it for a new connection on the same 4-tuple.  The
 * stores would then land in a stranger's entry, or in the new connection's.
 *
 * So the lock-free path publishes what it is about to write: the entry's
 * tag, in its CPU's slot (xdpct_work.hazard), with an atomic exchange (a
 * full barrier), then re-checks and writes, then clears the slot.  A CPU
 * that decided to delete or wipe an entry has already made the lock-free
 * path's re-check fail (tag 0: dying; or pend, or a state other than
 * ESTABLISHED on both ends); after a full barrier of its own it waits
 * until no CPU's slot holds the entry's tag.  Of the two orders (Dekker's):
 * either the lock-free path's re-check sees the mark and leaves the
 * segment to the lock, or the decider sees the slot and waits for the
 * stores to finish.  Then it re-reads the entry's figures (the last
 * lock-free adds are in them) and deletes or wipes.
 *
 * The tag names the key, not the element: another key's segment with the
 * same tag only makes the wait longer.  The wait is bounded
 * (XDPCT_HAZARD_SPINS looks at one CPU's slot, tens of microseconds,
 * where the window is a dozen instructions of a softirq that cannot be
 * preempted);
 * a CPU stalled in it for longer (an NMI, a preempted vCPU) is given up on
 * and counted `hazard_timeouts`, never waited on forever.
 *
 * The slot is cleared with a plain store: the datapath is built for
 * x86-64 (__TARGET_ARCH_x86), whose stores are not reordered with earlier
 * stores (TSO), so it is a release.
 */
#ifndef XDPCT_HAZARD_H
#define XDPCT_HAZARD_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/stats.h"
#include "maps.h"

/* CPUs whose slots are looked at, at most (beyond nr_cpu_ids there are none). */
#define XDPCT_HAZARD_CPUS 1024
/* Looks at one CPU's slot while it holds the tag, at most. */
#define XDPCT_HAZARD_SPINS 4096

static const __u32 hazard_zero;

/*
 * The wait's progress: on the waiter's stack (bpf_loop takes no other
 * context), 16 bytes, as the packet path's frames are near the bound.
 */
struct hazard_wait {
	__u64 done;		/* also the target of the waiter's full barrier */
	__u32 tag;
	__u16 cpu;
	__u16 spins;
};

/* Publish: this CPU is about to write into the entry tagged tag. */
static __always_inline void hazard_set(struct xdpct_work *w, __u32 tag)
{
	__sync_lock_test_and_set(&w->hazard, (__u64)tag);
}

static __always_inline void hazard_clear(struct xdpct_work *w)
{
	*(volatile __u64 *)&w->hazard = 0;
}

/*
 * One look at CPU h->cpu's slot; 1 stops: every CPU seen clear (done 1),
 * or one held the tag past the bound (done 2).
 */
static long hazard_wait_one(__u64 i, struct hazard_wait *h)
{
	struct xdpct_work *o = bpf_map_lookup_percpu_elem(&xdpct_work, &hazard_zero, h->cpu);

	if (!o) {
		h->done = 1;		/* past the last CPU */
		return 1;
	}
	if (*(volatile __u64 *)&o->hazard == (__u64)h->tag) {
		if (++h->spins < XDPCT_HAZARD_SPINS)
			return 0;	/* that CPU is in its window: look again */
		h->done = 2;		/* stuck there: given up */
		return 1;
	}
	h->spins = 0;
	h->cpu++;
	return 0;
}

/*
 * Wait until no CPU is writing into an entry tagged tag without its lock.
 * The caller has already made the lock-free path's re-check fail (and
 * dropped the entry's lock).  1 if every slot was seen clear, 0 if one CPU
 * stayed in its window past the bound (counted).  A global function: its
 * frame is its own, not added to the packet path's (at the 512-byte bound).
 */
__noinline int xdpct_hazard_wait(__u32 tag, struct xdpct_stats *st)
{
	struct hazard_wait h = { .tag = tag };

	/* full barrier: the mark is visible before any slot is read */
	__sync_fetch_and_add(&h.done, 1);
	h.done = 0;
	bpf_loop(XDPCT_HAZARD_CPUS + XDPCT_HAZARD_SPINS, hazard_wait_one, &h, 0);
	if (h.done == 1)
		return 1;
	if (st)
		st->c[XDPCT_STAT_HAZARD_TIMEOUTS]++;
	return 0;
}

#endif /* XDPCT_HAZARD_H */
