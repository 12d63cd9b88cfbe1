// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Both directions of the same flows processed on two CPUs at the same time.
 *
 * The design argument (bpf/lib/track.h): the state machine, the per-
 * direction counters and last_seen are only touched under the entry's
 * bpf_spin_lock, so two CPUs updating one entry serialise; events are built
 * from a snapshot taken under the lock.  This test is the evidence: thread A
 * on CPU 0 sends the clients' data, thread B on CPU 1 the servers' data,
 * through BPF_PROG_TEST_RUN of the real program, and afterwards every
 * entry's packet, byte and sequence figures must equal exactly what was sent
 * (a lost update would show as a shortfall) and both ends stay ESTABLISHED.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdpct/config.h"
#include "xdpct.skel.h"
#include "harness.h"
#include "pkt.h"

#define NFLOWS	64
#define SEG	100

/* rounds per direction; XDPCT_CONCURRENCY_ROUNDS runs it longer (hardening:
 * 140000 rounds is about a minute on two cores) */
static long ROUNDS = 4000;

static struct harness H;
static __u64 base[NFLOWS][2];	/* bytes each side sent in the handshake */

struct side {
	int cpu;
	int server;		/* 0: client->server data, 1: server->client */
	int errors;
};

static void spec_for(struct pkt_spec *s, int i, int server)
{
	pkt_spec_v4(s, "10.1.0.1", "10.2.0.1", 20000 + i, 80);
	if (server)
		pkt_spec_reverse(s);
}

/* handshake with window scaling 14 both ways: windows far beyond the data */
static void handshake(int i)
{
	struct pkt_spec s;
	struct pkt p;
	__u32 ci = 1000 + i * 7919, si = 5000000 + i * 104729;

	spec_for(&s, i, 0);
	s.flags = TH_SYN;
	s.seq = ci;
	s.win = 65535;
	pkt_opts_linux_syn(&s, 1460, 14);
	pkt_build(&p, &s);
	cr_assert_eq(h_run_pkt(&H, &p), 2 /* XDP_PASS */);

	spec_for(&s, i, 1);
	s.flags = TH_SYN | TH_ACK;
	s.seq = si;
	s.ack = ci + 1;
	s.win = 65535;
	pkt_opts_linux_syn(&s, 1460, 14);
	pkt_build(&p, &s);
	h_run_pkt(&H, &p);

	spec_for(&s, i, 0);
	pkt_opts_clear(&s);
	s.flags = TH_ACK;
	s.seq = ci + 1;
	s.ack = si + 1;
	s.win = 65535;
	pkt_build(&p, &s);
	h_run_pkt(&H, &p);
}

static void *blast(void *arg)
{
	struct side *sd = arg;
	cpu_set_t set;
	int r, i;

	CPU_ZERO(&set);
	CPU_SET(sd->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < NFLOWS; i++) {
			__u32 ci = 1000 + i * 7919, si = 5000000 + i * 104729;
			struct pkt_spec s;
			struct pkt p;

			spec_for(&s, i, sd->server);
			s.flags = TH_ACK | TH_PSH;
			/* each side acks only the peer's SYN: the other CPU's data
			 * is in flight, as on a real link */
			s.seq = (sd->server ? si : ci) + 1 + r * SEG;
			s.ack = (sd->server ? ci : si) + 1;
			s.win = 65535;
			s.payload_len = SEG;
			pkt_build(&p, &s);
			if (h_run(&H, p.buf, p.len) != 2)
				sd->errors++;
		}
	}
	return NULL;
}

Test(concurrency, two_cpus_both_directions_lose_nothing, .timeout = 600)
{
	struct xdpct_cfg cfg;
	struct side a = { .cpu = 0, .server = 0 }, b = { .cpu = 1, .server = 1 };
	pthread_t ta, tb;
	int i;

	if (getenv("XDPCT_CONCURRENCY_ROUNDS"))
		ROUNDS = atol(getenv("XDPCT_CONCURRENCY_ROUNDS"));
	h_default_cfg(&cfg);
	cr_assert_eq(h_open(&H, &cfg, 4096), 0);
	for (i = 0; i < NFLOWS; i++) {
		struct pkt_spec s;
		struct h_tuple t;
		struct xdpct_flow f;

		handshake(i);
		spec_for(&s, i, 0);
		h_tuple_from_spec(&t, &s);
		cr_assert_eq(h_lookup(&H, &t, &f), 0);
		cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
		base[i][0] = xdpct_flow_bytes(&f, f.client & 1);
		base[i][1] = xdpct_flow_bytes(&f, !(f.client & 1));
	}
	h_reset_stats(&H);

	pthread_create(&ta, NULL, blast, &a);
	pthread_create(&tb, NULL, blast, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cr_assert_eq(a.errors + b.errors, 0, "verdicts other than XDP_PASS");

	cr_expect_eq(h_stat(&H, XDPCT_STAT_PACKETS), 2ULL * ROUNDS * NFLOWS);
	cr_expect_eq(h_stat(&H, XDPCT_STAT_INV_SEQ) + h_stat(&H, XDPCT_STAT_INV_ACK), 0);
	cr_expect_eq(h_stat(&H, XDPCT_STAT_TRANSITIONS), 0);

	for (i = 0; i < NFLOWS; i++) {
		__u32 ci = 1000 + i * 7919, si = 5000000 + i * 104729;
		struct pkt_spec s;
		struct h_tuple t;
		struct xdpct_flow f;
		int c, sv;

		spec_for(&s, i, 0);
		h_tuple_from_spec(&t, &s);
		cr_assert_eq(h_lookup(&H, &t, &f), 0, "flow %d missing", i);
		c = f.client & 1;
		sv = !c;
		cr_expect_eq(f.state[c], XDPCT_S_ESTABLISHED, "flow %d client state", i);
		cr_expect_eq(f.state[sv], XDPCT_S_ESTABLISHED, "flow %d server state", i);
		/* 2 handshake packets from the client, 1 from the server */
		cr_expect_eq(xdpct_flow_packets(&f, c), 2 + ROUNDS, "flow %d client packets %llu", i,
			     (unsigned long long)xdpct_flow_packets(&f, c));
		cr_expect_eq(xdpct_flow_packets(&f, sv), 1 + ROUNDS, "flow %d server packets %llu", i,
			     (unsigned long long)xdpct_flow_packets(&f, sv));
		cr_expect_eq(f.dir[c].end, ci + 1 + ROUNDS * SEG, "flow %d client end", i);
		cr_expect_eq(f.dir[sv].end, si + 1 + ROUNDS * SEG, "flow %d server end", i);
		/* every data packet: 20 IP + 20 TCP + SEG payload bytes */
		cr_expect_eq(xdpct_flow_bytes(&f, c), base[i][0] + ROUNDS * (40 + SEG), "flow %d client bytes", i);
		cr_expect_eq(xdpct_flow_bytes(&f, sv), base[i][1] + ROUNDS * (40 + SEG), "flow %d server bytes", i);
	}
	h_close(&H);
}
