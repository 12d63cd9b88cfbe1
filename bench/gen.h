/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The benchmark's traffic generator (bpf/gen.bpf.c), shared with userspace
 * (user/bench_*.c): its configuration, its per-CPU state, and the rule that
 * turns a flow number into addresses and initial sequence numbers.  The
 * same rule lets userspace pre-populate the flow table with exactly the
 * flows the generator then sends on.
 */
#ifndef XDPCT_GEN_H
#define XDPCT_GEN_H

#ifndef __BPF__
#include <linux/types.h>
#endif

enum gen_mode {
	GEN_ESTABLISHED = 1,	/* client data and server ACKs on N established flows */
	GEN_HANDSHAKE,		/* SYN, SYN-ACK, ACK once per flow: warms nf_conntrack up */
	GEN_CHURN,		/* whole connections, 8 packets each, never reused */
	GEN_SYNFLOOD,		/* SYNs from random sources to one port */
	GEN_GARBAGE,		/* malformed and non-TCP packets */
};

/*
 * `xdpct-bench micro`'s breakdown of an established ACK: the datapath
 * loaded with bench_stage = N stops where stage N ends (XDPCT_BENCH_STOP in
 * bpf/lib/track.h), so the differences between stages are each part's cost.
 * Cumulative, in the order the datapath runs them.
 */
enum bench_stage {
	BENCH_STAGE_ALL = 0,	/* the whole datapath */
	BENCH_STAGE_PARSE,	/* parse, count, options: stop before track() */
	BENCH_STAGE_LOOKUP,	/* + key and flow lookup (no clock read) */
	BENCH_STAGE_CLOCK,	/* + the clock */
	BENCH_STAGE_LOCK,	/* + the entry's lock taken and dropped */
	BENCH_STAGE_FSM,	/* + state machine, counters, last_seen */
	BENCH_STAGE_SNAP,	/* + the event snapshot; stop before the report */
	BENCH_STAGE_MAX,
};

/* Every frame has the same length: the largest packet (data) fits it. */
#define GEN_PAYLOAD	32
#define GEN_FRAME_LEN	(14 + 20 + 20 + GEN_PAYLOAD)
/*
 * The flood's frames are a Linux SYN's own length (40 bytes of options),
 * as on a wire: in a GEN_FRAME_LEN frame every SYN carried 12 bytes of
 * padding past its IP length, which an answerer that keeps its SYN-ACK's
 * frame exact (xdpct) had to trim at every answer and one that does not
 * (the reflector) did not.
 */
#define GEN_SYN_LEN	(14 + 20 + 40)
#define GEN_WSCALE	7	/* window scale both ends offer on their SYNs */
#define GEN_WIN		65535	/* window field of established segments */
#define GEN_MSS		1460
#define GEN_GARBAGE_KINDS 10

struct gen_cfg {
	__u32 mode;		/* enum gen_mode */
	__u32 flows;		/* established/handshake: N flows in all;
				 * churn: connections in flight per thread */
	__u32 client_net;	/* host order: base of the clients' addresses */
	__u32 server_addr;	/* host order */
	__u16 server_port;
	__u8 src_mac[6];	/* generator's veth */
	__u8 dst_mac[6];	/* receiver's veth */
	__u16 pad;
	__u32 isn_salt;
	__u32 rate_pps;		/* all threads together; 0: as fast as they can */
	__u32 frame_len;	/* the template's length: GEN_SYN_LEN for the flood, else GEN_FRAME_LEN */
	__u32 legit_addr;	/* host order: the real client's source (gen_legit_tx);
				 * 0: no client (overload only) */
};

/* Per CPU: how many packets this CPU's generator thread sent, and which thread it is. */
struct gen_cpu {
	__u64 cnt;
	__u64 next_ns;		/* rate_pps: when this CPU sends its next frame */
	__u32 slot;		/* thread index, 0..nslots-1 */
	__u32 nslots;		/* generator threads */
	__u64 last_ns;		/* legit_addr: when this CPU last wrote a frame */
	__u64 run_from;		/* cnt when its current run (no gap > GEN_RUN_GAP_NS) began */
	__u64 run_ns;		/* and when */
};

/*
 * The overload scenario's real client (legit.c): its frames are taken off
 * its veth's transmit path (gen_legit_tx, a TC egress program) into a queue
 * and sent by the generator in place of a flood frame, so they enter the
 * receiver's ring in the flood's stream and meet its drops as frames on a
 * NIC's wire would.
 */
/*
 * A client frame waits until its generator thread has run, without a break
 * of GEN_RUN_GAP_NS, GEN_LEGIT_STEADY frames (twice the veth's 256-frame
 * ring) or GEN_LEGIT_STEADY_NS: sent at once, it would go first after every
 * break the client's own wake-up made, into a ring that had just drained,
 * and pass a flood whose other frames are dropped.  A shorter break drains
 * a few frames of the ring at most.
 */
#define GEN_RUN_GAP_NS	100000
#define GEN_LEGIT_STEADY 512
#define GEN_LEGIT_STEADY_NS 1000000
#define GEN_LEGIT_MAX	128	/* bytes of one client frame (SYN, ACK, RST: <= 74) */
#define GEN_LEGIT_QLEN	1024

struct gen_legit_frame {
	__u32 len;
	__u8 data[GEN_LEGIT_MAX];
};

/* What the sink on the generator's veth saw coming back. */
struct gen_sink_stats {
	__u64 packets;
	__u64 synacks;
	__u64 rsts;
};

/* Flow (or connection) number i: client address and port, both ISNs. */
#ifndef __BPF__
static inline __u32 gen_frame_len(const struct gen_cfg *c)
{
	return c->frame_len ? c->frame_len : GEN_FRAME_LEN;
}
#endif

static inline __u32 gen_client_addr(__u32 client_net, __u32 i)
{
	return client_net + (i & 0xfffff);	/* a /12: 1M addresses */
}

static inline __u16 gen_client_port(__u32 i)
{
	return 1024 + (i >> 20) % 60000;
}

static inline __u32 gen_cisn(__u32 salt, __u32 i)
{
	return (i * 2654435761u) ^ salt;
}

static inline __u32 gen_sisn(__u32 salt, __u32 i)
{
	return ~gen_cisn(salt, i) + 0x9e3779b9u;
}

#endif /* XDPCT_GEN_H */
