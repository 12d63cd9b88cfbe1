/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The replay engine: frames go through the production XDP program with
 * BPF_PROG_TEST_RUN, the capture's timestamps as its clock.  Used by
 * `xdpct replay` (cli/cmd_replay.c), the capture tests and the fuzzer.
 */
#ifndef XDPCT_REPLAY_ENGINE_H
#define XDPCT_REPLAY_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/attach_opts.h"
#include "pcap_src.h"
#include "xdpct/event.h"
#include "xdpct/flow.h"
#include "xdpct/stats.h"

struct replay;

/*
 * ctx, the event, the packet it belongs to (the sweep that runs before
 * packet N reports N; the final sweep reports 0), and whether the sweep
 * made it.
 */
typedef void (*replay_event_fn)(void *ctx, const struct xdpct_event *e,
				uint64_t pkt, bool sweep);
/* ctx and one line without "xdpct: " (e.g. "packet 7: ...") */
typedef void (*replay_warn_fn)(void *ctx, const char *msg);
typedef void (*replay_flow_fn)(void *ctx, const struct xdpct_flow_key *k,
			       const struct xdpct_flow *v);

struct replay_opts {
	struct attach_opts ao;		/* table size, timeouts, drop options */
	replay_event_fn on_event;
	replay_warn_fn on_warn;
	void *ctx;
	bool verbose;			/* libbpf's messages too */
	bool strip_vlan;		/* remove VLAN tags before the datapath */
};

struct replay_counts {
	uint64_t packets;		/* records read from the capture */
	uint64_t frames;		/* frames run through the XDP program */
	uint64_t skipped;		/* packets not run (snapped header, ...) */
	uint64_t split;			/* oversize packets cut into several frames */
	uint64_t trimmed;		/* oversize non-TCP frames shortened */
	uint64_t clock_held;		/* packets stamped before their predecessor */
	uint64_t xdp_drop;		/* XDP_DROP verdicts */
	uint64_t xdp_tx;		/* XDP_TX verdicts: SYN-ACKs (--syncookie) */
	uint64_t transitions;		/* transition events received */
	uint64_t expired;		/* expiry events received */
	uint64_t sweeps;
	uint64_t flows;			/* entries in the table (replay_flows) */
	uint64_t first_ns, last_ns;	/* replay clock at the first and last packet */
	int truncated;			/* the capture ended in a corrupt record */
	struct xdpct_stats dp;		/* datapath counters summed over CPUs */
};

/*
 * Load the datapath for replay; NULL and a message in err on failure.
 * With --syncookie (o->ao.sc.set) the process first moves to a new, empty
 * network namespace, so the offloader's socket lookups see no host state.
 */
struct replay *replay_new(const struct replay_opts *o, char *err, size_t errlen);
/*
 * One frame at capture time ts_ns (packet number pkt).  Runs the sweep
 * first when the clock moved a sweep period.  0, or -errno when the test
 * run itself failed (fatal).
 */
int replay_frame(struct replay *r, const uint8_t *frame, uint32_t len, uint64_t ts_ns,
		 uint64_t pkt);
/* Every packet of src; skips bad ones with a warning.  0 or -errno (fatal). */
int replay_source(struct replay *r, struct pcap_src *src);
/* The last sweep, at the last packet's time; counters read. */
int replay_finish(struct replay *r);
/* The flow table, sorted by first-seen time; returns the number of flows. */
int replay_flows(struct replay *r, replay_flow_fn fn, void *ctx);
const struct replay_counts *replay_counts(const struct replay *r);
/* The replay clock (ns): the last packet's capture time. */
uint64_t replay_now(const struct replay *r);
void replay_free(struct replay *r);

#endif /* XDPCT_REPLAY_ENGINE_H */
