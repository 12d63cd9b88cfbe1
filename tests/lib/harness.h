/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * BPF_PROG_TEST_RUN harness: loads the real datapath (build/xdpct.skel.h)
 * with a test configuration, runs crafted packets through xdpct_xdp, and
 * reads back what it did: flow entries, ring-buffer events, counters.
 */
#ifndef XDPCT_TEST_HARNESS_H
#define XDPCT_TEST_HARNESS_H

#include <stdbool.h>
#include <linux/types.h>
#include "xdpct/flow.h"
#include "xdpct/event.h"
#include "xdpct/stats.h"
#include "xdpct/config.h"
#include "pkt.h"
#include "lib/flow_table.h"

#define H_MAX_EVENTS 4096

struct xdpct_bpf;
struct ring_buffer;

struct harness {
	struct xdpct_bpf *skel;
	struct ring_buffer *rb;
	int xdp_fd, sweep_fd, stats_fd;
	int flows_fd, flows6_fd;	/* the IPv4 and IPv6 tables (bpf/lib/maps.h) */
	int ncpus;
	bool frags;			/* xdpct_xdp loaded frags-capable */
	struct xdpct_event ev[H_MAX_EVENTS];
	int nev;			/* events drained so far (h_drain) */
	int ev_overflow;		/* events dropped because ev[] was full */
};

/* Test defaults: the datapath's defaults with the replay clock on. */
void h_default_cfg(struct xdpct_cfg *cfg);

/*
 * Open and load the datapath.  cfg NULL: h_default_cfg().  max_flows 0:
 * the object's size.  Returns 0 or a negative errno.
 */
int h_open(struct harness *h, const struct xdpct_cfg *cfg, __u32 max_flows);
/*
 * Same, with xdpct_xdp loaded frags-capable (BPF_F_XDP_HAS_FRAGS): the only
 * way BPF_PROG_TEST_RUN shows a program a frame shorter than 14 bytes.
 */
int h_open_frags(struct harness *h, const struct xdpct_cfg *cfg, __u32 max_flows);
void h_close(struct harness *h);

/* The datapath's clock (cfg.replay_clock must be set). */
void h_set_now(struct harness *h, __u64 ns);

/*
 * One frame through xdpct_xdp: the XDP verdict (XDP_PASS/XDP_DROP...) or a
 * negative errno.  Frames shorter than an Ethernet header need h_open_frags()
 * (see harness.c); otherwise they give -EINVAL.
 */
int h_run(struct harness *h, const void *frame, __u32 len);
int h_run_pkt(struct harness *h, const struct pkt *p);
/* Same, repeated n times: average ns per run in *ns (the bench). */
int h_run_repeat(struct harness *h, int prog_fd, const void *frame, __u32 len,
		 int n, __u32 *ns);
/* The expiry sweep (xdpct_sweep) at the current clock. */
int h_sweep(struct harness *h);

/* Ring-buffer events: append everything pending to h->ev; returns how many. */
int h_drain(struct harness *h);
void h_clear_events(struct harness *h);

/* Counters summed over all CPUs. */
int h_stats(struct harness *h, __u64 out[XDPCT_STAT_SLOTS]);
__u64 h_stat(struct harness *h, int id);
int h_reset_stats(struct harness *h);
const char *h_stat_name(int id);

/* A connection as the datapath sees it: sender's view of one packet. */
struct h_tuple {
	__u8 family;
	__u32 saddr[4], daddr[4];	/* network order; IPv4 in [0] */
	__u16 sport, dport;		/* host order */
	__u16 vlan[2];			/* VLAN ids as the parser stores them */
};

/* The tuple a spec's packets carry (VLAN ids masked to 12 bits, as the parser). */
void h_tuple_from_spec(struct h_tuple *t, const struct pkt_spec *s);

/*
 * Canonical key exactly as flow_key() in bpf/lib/table.h builds it.
 * Returns the sender's endpoint index (0 or 1).
 */
int h_make_key(struct xdpct_flow_key *k, const struct h_tuple *t);

/* Look the flow up (BPF_F_LOCK).  0, -ENOENT or another negative errno. */
int h_lookup(struct harness *h, const struct h_tuple *t, struct xdpct_flow *out);
int h_lookup_key(struct harness *h, const struct xdpct_flow_key *k, struct xdpct_flow *out);
/* Both tables, as the CLI reads them (user/lib/flow_table.h) */
struct flow_tables h_tables(const struct harness *h);
/* The fd of k's table: its family's */
static inline int h_key_table(const struct harness *h, const struct xdpct_flow_key *k)
{
	return k->family == 4 ? h->flows_fd : h->flows6_fd;
}
int h_delete(struct harness *h, const struct h_tuple *t);
/* Number of entries in the flow table. */
int h_flow_count(struct harness *h);
/*
 * bpf/lib/flow_bins.h: bins whose count differs from the entries the
 * table holds on their tags (0: every bin exact; the table quiescent and
 * filled by the datapath only).
 */
int h_bins_mismatch(struct harness *h);
/* Walk every entry: cb returns non-zero to stop. */
int h_for_each_flow(struct harness *h,
		    int (*cb)(const struct xdpct_flow_key *, const struct xdpct_flow *, void *),
		    void *arg);

const char *h_state_name(int s);

#endif /* XDPCT_TEST_HARNESS_H */
