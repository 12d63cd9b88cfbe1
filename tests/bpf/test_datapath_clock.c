// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The established path's clock (clock_coarse_ns() in bpf/lib/cfg.h) on the
 * real clock, not the replay clock: last_seen_ns is CLOCK_MONOTONIC as of
 * the last tick, never ahead of it, never more than a couple of ticks
 * behind, and it follows time as segments keep coming.  The cache it keeps
 * per CPU (bpf_jiffies64() → bpf_ktime_get_coarse_ns()) must refresh at a
 * tick: a cache that never refreshed would freeze last_seen_ns at the
 * first segment and expire a busy flow as idle.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <criterion/criterion.h>
#include "harness.h"
#include "pkt.h"

static struct harness H;

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void spec(struct pkt_spec *s, int server)
{
	pkt_spec_v4(s, "10.7.0.1", "10.7.0.2", 40000, 80);
	if (server)
		pkt_spec_reverse(s);
}

static void run(struct pkt_spec *s)
{
	struct pkt p;

	pkt_build(&p, s);
	cr_assert_eq(h_run_pkt(&H, &p), 2 /* XDP_PASS */);
}

Test(clock, established_last_seen_follows_the_coarse_clock, .timeout = 60)
{
	const __u32 ci = 1000, si = 900000;
	/* at HZ=100 a tick is 10 ms; the coarse clock is at most one behind, */
	/* and one more should the tick land between its two reads */
	const __u64 behind_max = 30000000ULL, gap_ns = 5000000ULL;
	struct xdpct_cfg cfg;
	struct xdpct_flow f;
	struct pkt_spec s;
	struct h_tuple t;
	__u64 first = 0, last = 0;
	int i;

	h_default_cfg(&cfg);
	cfg.replay_clock = 0;
	cr_assert_eq(h_open(&H, &cfg, 64), 0);

	spec(&s, 0);
	s.flags = TH_SYN, s.seq = ci, s.win = 64240;
	run(&s);
	spec(&s, 1);
	s.flags = TH_SYN | TH_ACK, s.seq = si, s.ack = ci + 1, s.win = 65160;
	run(&s);
	spec(&s, 0);
	h_tuple_from_spec(&t, &s);
	for (i = 0; i < 40; i++) {
		struct timespec gap = { 0, gap_ns };
		__u64 before, after;

		spec(&s, i % 2);
		s.flags = TH_ACK;
		s.seq = i % 2 ? si + 1 : ci + 1;
		s.ack = i % 2 ? ci + 1 : si + 1;
		s.win = 502;
		before = mono_ns();
		run(&s);
		after = mono_ns();
		cr_assert_eq(h_lookup(&H, &t, &f), 0);
		if (i > 0) {
			/* from the second ACK on, both ends are ESTABLISHED: the coarse clock */
			cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
			cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
			cr_assert_leq(f.last_seen_ns, after, "last_seen %llu ahead of the clock %llu",
				      (unsigned long long)f.last_seen_ns, (unsigned long long)after);
			cr_assert_geq(f.last_seen_ns + behind_max, before,
				      "last_seen %llu is %llu ns behind the clock", (unsigned long long)f.last_seen_ns,
				      (unsigned long long)(before - f.last_seen_ns));
			if (!first)
				first = f.last_seen_ns;
			last = f.last_seen_ns;
		}
		nanosleep(&gap, NULL);
	}
	/* 39 segments 5 ms apart: ≥ 195 ms of time, less two ticks of coarseness */
	cr_assert_geq(last - first, 150000000ULL, "last_seen moved only %llu ns",
		      (unsigned long long)(last - first));
	h_close(&H);
}

/*
 * The handshake and transitions take the fine clock, the segments after
 * them the coarse one, up to a tick behind: last_seen_ns never moves back
 * (bpf/lib/track.h flow_seen()), so no flow is last seen before it was
 * first seen or before its handshake ended, and an end record (IPFIX
 * flowEndMilliseconds) never ends before its flow began.
 */
Test(clock, last_seen_never_moves_back, .timeout = 60)
{
	const __u32 ci = 5000, si = 700000;
	struct xdpct_cfg cfg;
	struct xdpct_flow f;
	struct pkt_spec s;
	struct h_tuple t;
	__u64 prev = 0;
	int i;

	h_default_cfg(&cfg);
	cfg.replay_clock = 0;
	cr_assert_eq(h_open(&H, &cfg, 64), 0);
	spec(&s, 0);
	h_tuple_from_spec(&t, &s);
	s.flags = TH_SYN, s.seq = ci, s.win = 64240;
	run(&s);
	spec(&s, 1);
	s.flags = TH_SYN | TH_ACK, s.seq = si, s.ack = ci + 1, s.win = 65160;
	run(&s);
	/* the handshake's last ACK (fine clock), then the established path's
	 * segments at once, within the same tick as it */
	for (i = 0; i < 20; i++) {
		spec(&s, i % 2);
		s.flags = TH_ACK;
		s.seq = i % 2 ? si + 1 : ci + 1;
		s.ack = i % 2 ? ci + 1 : si + 1;
		s.win = 502;
		run(&s);
		cr_assert_eq(h_lookup(&H, &t, &f), 0);
		cr_assert_geq(f.last_seen_ns, prev, "segment %d: last_seen %llu, before it %llu", i,
			      (unsigned long long)f.last_seen_ns, (unsigned long long)prev);
		cr_assert_geq(f.last_seen_ns, xdpct_flow_est_ns(&f),
			      "segment %d: last_seen %llu before the handshake ended (%llu)", i,
			      (unsigned long long)f.last_seen_ns,
			      (unsigned long long)xdpct_flow_est_ns(&f));
		cr_assert_geq(f.last_seen_ns, f.first_seen_ns);
		prev = f.last_seen_ns;
	}
	cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
	h_close(&H);
}
