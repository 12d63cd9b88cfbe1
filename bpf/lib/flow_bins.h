/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How many flow-table entries each bin of the key holds, so the
 * offloader can skip its live-flow lookup for a SYN whose bin is empty.
 *
 * Under a random-source flood every SYN's lookup misses, and its bucket in
 * the table's bucket array misses cache: that one miss cost more than the
 * cookie, the checksums and the rewrite together (README, "SYN-cookie
 * offload").  The bins are 64 KiB, a few cache lines of which a flood
 * touches, and a flood adds no entries, so they stay empty where no
 * connection lives.
 *
 * A bin may overcount, never undercount: every insert adds one before the
 * entry can be found (and takes it back if the insert fails), every delete
 * takes one off after the entry is gone.  An empty bin means no entry in
 * that bin, as of that moment, so the offloader answers the SYN exactly as
 * a lookup that missed would have.  Only entries the datapath inserts are
 * counted: one written from userspace (xdpct-bench's established-flow fill,
 * which runs no offloader) is not, and its later delete makes the bin
 * overcount by wrapping below zero, which only costs a lookup.
 */
#ifndef XDPCT_FLOW_BINS_H
#define XDPCT_FLOW_BINS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/flow.h"

/* 64-bit: clang-14's -mcpu=v2 has only 64-bit atomic adds */
__u64 xdpct_flow_bins[XDPCT_FLOW_BINS];

/* xdpct_flow_bin() of an IPv4 key without VLAN tags, from the header's fields. */
static __always_inline __u32 flow_bin_v4(__u32 saddr, __u32 daddr, __u16 sport, __u16 dport)
{
	return xdpct_flow_bin_mix((sport ^ dport) ^ 4 ^ saddr ^ daddr);
}

static __always_inline void flow_bin_add(const struct xdpct_flow_key *k)
{
	__sync_fetch_and_add(&xdpct_flow_bins[xdpct_flow_bin(k) & (XDPCT_FLOW_BINS - 1)], 1);
}

static __always_inline void flow_bin_sub(const struct xdpct_flow_key *k)
{
	__sync_fetch_and_add(&xdpct_flow_bins[xdpct_flow_bin(k) & (XDPCT_FLOW_BINS - 1)], -1);
}

/* 0: no entry is in this bin; else maybe one is. */
static __always_inline __u64 flow_bin_count(__u32 bin)
{
	/* the mask is for the verifier: xdpct_flow_bin_mix() is in range already */
	return *(volatile __u64 *)&xdpct_flow_bins[bin & (XDPCT_FLOW_BINS - 1)];
}

#endif /* XDPCT_FLOW_BINS_H */
