/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Connection driver for the BPF_PROG_TEST_RUN tests.  A test writes a TCP
 * exchange as a list of steps (who sends which segment, and what must hold
 * afterwards); conn_step() sends it through the real datapath and checks,
 * after every packet:
 *   - the XDP verdict,
 *   - every counter's delta (the expected extras plus what any parsed TCP
 *     segment adds: packets, tcp, ipv4/ipv6, vlan, transitions, events),
 *   - the ring-buffer events, in order, field by field,
 *   - both endpoints' states and the entry's bookkeeping (isn, end, ack,
 *     window, fin_seq, options, packets/bytes per direction, timestamps,
 *     flags, generation), or that the entry did not change at all.
 *
 * Sequence numbers in a step are relative to the sender's ISN and acks to
 * the receiver's, so the same exchange runs with ISNs that wrap past 2^32.
 * Uses Criterion assertions: link into Criterion tests only.
 */
#ifndef XDPCT_TEST_CONN_H
#define XDPCT_TEST_CONN_H

#include <stdbool.h>
#include "harness.h"

enum { C = 0, S = 1 };		/* roles: client, server */

/* Short state names for the step tables. */
#define NONE	XDPCT_S_NONE
#define LISTEN	XDPCT_S_LISTEN
#define SSENT	XDPCT_S_SYN_SENT
#define SRCVD	XDPCT_S_SYN_RCVD
#define EST	XDPCT_S_ESTABLISHED
#define FW1	XDPCT_S_FIN_WAIT_1
#define FW2	XDPCT_S_FIN_WAIT_2
#define CW	XDPCT_S_CLOSE_WAIT
#define CLOSING	XDPCT_S_CLOSING
#define LA	XDPCT_S_LAST_ACK
#define TW	XDPCT_S_TIME_WAIT
#define CLOSED	XDPCT_S_CLOSED

/* Counter ids for .cnt: N(FLOWS_CREATED) */
#define N(x)	XDPCT_STAT_##x

#define SYN	TH_SYN
#define ACK	TH_ACK
#define FIN	TH_FIN
#define RST	TH_RST
#define PSH	TH_PSH
#define SA	(TH_SYN | TH_ACK)
#define FA	(TH_FIN | TH_ACK)
#define PA	(TH_PSH | TH_ACK)
#define RA	(TH_RST | TH_ACK)

/* Encapsulation and addressing of one run of a sequence. */
struct variant {
	const char *name;
	__u8 family;		/* 4 or 6 */
	__u8 nvlan;		/* 0, 1 (802.1Q), 2 (802.1ad + 802.1Q) */
	__u8 ext;		/* IPv6: extension chain of 6; IPv4: IP options */
	__u32 isn[2];		/* client, server ISN */
};

extern const struct variant conn_variants[];
extern const int conn_nvariants;

struct ev_exp {
	__u8 side;		/* C or S */
	__u8 from, to;
};

struct cnt_exp {
	__u8 id;		/* XDPCT_STAT_* */
	__s8 d;			/* expected delta on top of the base */
};

struct step {
	__u8 who;		/* C or S sends */
	__u8 flags;		/* TH_* */
	__s64 seq, ack;		/* relative to sender's / receiver's ISN */
	__u16 len;		/* payload bytes */
	__u16 win;		/* raw window field; 0 means 65535 */
	bool zero_win;		/* raw window field 0 (win is ignored) */
	bool abs_seq, abs_ack;	/* seq / ack are absolute */
	bool opts;		/* Linux-like SYN options (MSS 1460, wscale 7...) */
	__u8 st[2];		/* expected states of client, server */
	struct ev_exp ev[4];	/* expected events in order (to == 0 ends) */
	struct cnt_exp cnt[6];	/* extra counter deltas (d == 0 ends) */
	int verdict;		/* expected XDP verdict; 0 means XDP_PASS */
	int keep;		/* 1: entry must not change (but packets/bytes,
				 * last_seen); -1: it may; 0: keep iff invalid */
	bool no_flow;		/* no entry exists afterwards */
	bool nocheck_seq;	/* skip end/ack/win bookkeeping (RST, ...) */
	__u8 set_flags;		/* XDPCT_F_* this step adds to the entry */
	__u8 clr_flags;		/* XDPCT_F_* this step clears (liberal, left) */
	__u64 dt;		/* clock advance before it; 0 means 1 ms */
	__u32 ts;		/* nonzero: a timestamp option, TSval ts (RFC 7323) */
	__u8 restart;		/* roles (1 << C, 1 << S) whose state timer restarts
				 * without a transition (FIN into TIME_WAIT) */
	bool psyn;		/* an ignored SYN the entry now remembers */
	bool retry;		/* a SYN_SENT client's new SYN: its direction and the
				 * handshake times start over (syn_ns now) */
	bool stale;		/* a SYN-ACK reopening a stale entry: syn_ns 0 */
	bool sack;		/* a SACK option (RFC 2018) with one block, after any TS */
	__s64 sack_l, sack_r;	/* its left and right edge, relative to the receiver's ISN */
};

struct conn {
	struct harness *h;
	const struct variant *v;
	char name[128];
	struct pkt_spec spec[2];	/* [C] client->server, [S] server->client */
	struct h_tuple tup;		/* as the client sends */
	struct xdpct_flow_key key;
	int cidx;			/* key endpoint index of the client */
	__u32 isn[2];
	__u64 now;
	__u64 pk[2], by[2];		/* packets/bytes sent, by role */
	__u8 tfl[2];			/* OR of the TCP flags sent, by role */
	__u32 gen;
	__u8 fflags;			/* expected XDPCT_F_* */
	bool have;			/* entry exists (as far as we expect) */
	struct xdpct_flow prev;
	__u64 stats[XDPCT_STAT_SLOTS];
	struct pkt last;		/* last packet sent */
	int nstep;
	int nev_total;
};

/*
 * Set up a connection for variant v; idx makes the client port unique, so
 * many connections can share one loaded datapath.
 */
void conn_init(struct conn *c, struct harness *h, const struct variant *v, int idx);
/* Same addresses and ports as c, on other VLAN ids (same 5-tuple). */
void conn_init_vlan(struct conn *c, struct harness *h, const struct variant *v, int idx,
		    __u16 vlan0, __u16 vlan1);

/* Build the segment a step describes (no send). */
void conn_build(struct conn *c, const struct step *s, struct pkt *p);

/* Send one step and check everything listed above. */
void conn_step(struct conn *c, const struct step *s, int line);
#define STEP(c, ...) conn_step((c), &(struct step){ __VA_ARGS__ }, __LINE__)

/*
 * The three-way handshake, checked step by step; afterwards both sides'
 * next sequence number is 1 (relative).  opts: SYN options on both SYNs.
 */
void conn_handshake(struct conn *c, bool opts);
#define HANDSHAKE(c) conn_handshake((c), false)

/* Roles swap: the old server opens the next connection on this entry. */
void conn_swap_roles(struct conn *c);

/* Advance the clock; run the sweep and check its counters and events. */
void conn_sweep(struct conn *c, __u64 dt, const struct ev_exp *ev, int nev,
		int expired, int line);

/* Refresh c->stats and c->prev (after something outside conn_step). */
void conn_resync(struct conn *c);

/* Run fn for every variant (one loaded datapath), idx counting from base. */
typedef void (*conn_seq_fn)(struct conn *c);
void conn_run_all(struct harness *h, conn_seq_fn fn, int base);
/* Load with cfg (NULL: defaults), run fn over every variant, unload. */
void conn_run_all_cfg(const struct xdpct_cfg *cfg, conn_seq_fn fn);

/* The default cfg with --drop-invalid and --drop-window: nothing legitimate may be dropped. */
const struct xdpct_cfg *conn_drop_cfg(void);

/* The flow entry now (Criterion-asserts it exists). */
void conn_flow(struct conn *c, struct xdpct_flow *f);
/* Endpoint key index of a role. */
static inline int conn_idx(const struct conn *c, int role)
{
	return role == C ? c->cidx : !c->cidx;
}

#endif /* XDPCT_TEST_CONN_H */
