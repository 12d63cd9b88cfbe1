/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-packet working structures handed between the datapath's stages.
 * They live in a per-CPU map value (maps.h), not on the stack: the call
 * chain through the global functions has little stack left.
 */
#ifndef XDPCT_WORK_H
#define XDPCT_WORK_H

#include "vmlinux.h"
#include "xdpct/flow.h"
#include "parse.h"
#include "tcp_opts.h"
#include "fsm.h"
#include "cfg.h"
#include "xdpct/cookie.h"
#include "sc_local.h"

/* What an event needs of a flow entry, copied while its lock is held. */
struct xdpct_snap {
	__u8 client;
	__u8 flags;
	__u8 state[2];		/* by endpoint index */
	__u32 gen;
	__u64 first_seen_ns, last_seen_ns, syn_ns, synack_ns, est_ns;
	__u64 packets[2], bytes[2];	/* by endpoint index */
};

/*
 * Everything that follows one segment's state-machine run: counters and
 * events (xdpct_report() in events.h).
 */
struct xdpct_report {
	struct xdpct_flow_key key;
	struct xdpct_snap sn;
	struct xdpct_snap old;	/* before a run that may reopen (fsm_may_reopen):
				 * the connection a reopen ends */
	struct xdpct_fsm_out out;
	__u64 now;
	__u32 tag;		/* the key's (table.h flow_tag) */
	__u8 tcp_flags;
};

/* One packet on its way through the datapath. */
struct xdpct_work {
	struct pkt_meta meta;		/* the parser's findings */
	struct xdpct_report rep;
	struct xdpct_seg seg;		/* the state machine's view of it */
	struct tcp_opts opts;
	struct xdpct_cookie_hs hs;	/* a valid cookie ACK's handshake (sc_check.h) */
	__u64 inst;			/* flow_fast(): the entry's instance it checked */
	struct xdpct_coarse_clock clock;	/* kept across packets: per-CPU */
	struct xdpct_cookie_prefix sc_prefix;	/* kept across packets: the IPv4 cookie's
						 * first block (sc_fast.h) */
	struct sc_local_cache sc_local;	/* kept across packets: is the last
					 * destination this host's (sc_local.h) */
	__u64 hazard;			/* flow_fast(): the tag of the entry it is
					 * writing without the lock, 0 none; read by
					 * other CPUs (hazard.h) */
};

#endif /* XDPCT_WORK_H */
