// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Cost per packet of the datapath (xdpct_xdp) by BPF_PROG_TEST_RUN: a
 * measurement, not a test.  Not built by tests.mk (not a test_*.c):
 *
 *   make BUILD=build test-build   # skeleton and tests/lib objects
 *   gcc -O2 -Iinclude -Ibuild -Ibpf -I. -Itests/lib -o build/tests/bench_datapath \
 *       tests/bench_datapath.c tests/lib/harness.c tests/lib/pkt.c -lbpf -lelf -lz
 *   sudo build/tests/bench_datapath [repeat]
 *
 * With repeat the kernel runs the program N times on the same packet and
 * reports the mean, so a case must be a steady state:
 *   non-TCP         a UDP datagram: parse, count, pass
 *   est ACK         an ACK of an established flow: lookup, lock, state
 *                   machine (window check, no transition), unlock
 *   SYN retrans     a SYN of a flow already in SYN_SENT: the first run
 *                   creates the flow, every later one is a retransmission
 *   FIN retrans     a FIN of a flow already in FIN_WAIT_1: the same
 * The real "new flow" and "FIN transition" cannot repeat (the first run
 * changes what the next one sees), so they are measured one run at a time:
 * the entry is deleted (new SYN) or written back ESTABLISHED (FIN) from
 * userspace before each run, and the kernel's per-run duration averaged.
 * Single runs carry the timer's own cost; "est ACK x1" measures the same
 * way as a baseline, so new SYN - est ACK x1 is what creating costs extra.
 *
 * Events: a ring-buffer submit wakes the reader when it has caught up
 * (the default, adaptive notification), and that wakeup (irq_work, an IPI;
 * a VM exit under virtualisation) costs microseconds.  The cases with
 * transitions are measured twice: with the ring drained only every 1000
 * runs (a busy reader: one wakeup per batch), and drained after every run
 * (an idle reader woken by each event).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "harness.h"

static struct harness H;

static struct pkt mk(__u8 flags, __u32 seq, __u32 ack, int reverse, int proto)
{
	struct pkt_spec s;
	struct pkt p;

	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	if (reverse)
		pkt_spec_reverse(&s);
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	if (proto) {
		s.proto = proto;
		s.payload_len = 32;
	}
	if (flags & TH_SYN)
		pkt_opts_linux_syn(&s, 1460, 7);
	pkt_build(&p, &s);
	return p;
}

static double run_ns(const struct pkt *p, int n, int drain)
{
	__u32 ns = 0;
	int r = h_run_repeat(&H, H.xdp_fd, p->buf, p->len, n, &ns);

	if (r < 0) {
		fprintf(stderr, "test run failed: %d\n", r);
		exit(1);
	}
	if (drain) {
		h_clear_events(&H);
		h_drain(&H);
	}
	return ns;
}

static double repeat_ns(const struct pkt *p, int n)
{
	return run_ns(p, n, 1);
}

/*
 * Mean of n single runs, with setup(arg) before each (not timed); the
 * ring buffer drained every drain_every runs.
 */
static double single_ns(const struct pkt *p, int n, void (*setup)(void *), void *arg,
			int drain_every)
{
	double sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (setup)
			setup(arg);
		sum += run_ns(p, 1, (i + 1) % drain_every == 0);
	}
	h_clear_events(&H);
	h_drain(&H);
	if (h_stat(&H, XDPCT_STAT_EVENTS_LOST)) {
		fprintf(stderr, "events lost: the measurement is off\n");
		exit(1);
	}
	return sum / n;
}

static struct h_tuple tup;
static struct xdpct_flow est_entry;

static void del_flow(void *arg)
{
	(void)arg;
	h_delete(&H, &tup);
}

static void put_est(void *arg)
{
	struct xdpct_flow_key k;

	(void)arg;
	h_make_key(&k, &tup);
	bpf_map_update_elem(H.flows_fd, &k, &est_entry, BPF_ANY);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000000, singles = 50000;
	struct pkt syn, synack, ack, udp, fin;
	struct pkt_spec s;

	if (h_open(&H, NULL, 0)) {
		fprintf(stderr, "cannot load the datapath (root? make test-build?)\n");
		return 1;
	}
	h_set_now(&H, 1000000000ULL);
	pkt_spec_v4(&s, "10.0.0.1", "10.0.0.2", 40000, 80);
	h_tuple_from_spec(&tup, &s);

	udp = mk(0, 0, 0, 0, IPPROTO_UDP);
	syn = mk(TH_SYN, 1000, 0, 0, 0);
	synack = mk(TH_SYN | TH_ACK, 5000, 1001, 1, 0);
	ack = mk(TH_ACK, 1001, 5001, 0, 0);
	fin = mk(TH_FIN | TH_ACK, 1001, 5001, 0, 0);

	printf("xdpct_xdp, BPF_PROG_TEST_RUN, IPv4, %d repeats (single runs: %d)\n", n,
	       singles);
	printf("  %-34s %8.1f ns/packet\n", "non-TCP (UDP)", repeat_ns(&udp, n));

	repeat_ns(&syn, 1);
	printf("  %-34s %8.1f ns/packet\n", "SYN retransmission (SYN_SENT)", repeat_ns(&syn, n));
	repeat_ns(&synack, 1);
	repeat_ns(&ack, 1);
	if (h_lookup(&H, &tup, &est_entry) || est_entry.state[0] != XDPCT_S_ESTABLISHED) {
		fprintf(stderr, "handshake did not establish the flow\n");
		return 1;
	}
	printf("  %-34s %8.1f ns/packet\n", "established-flow ACK", repeat_ns(&ack, n));
	printf("  %-34s %8.1f ns/packet\n", "established-flow ACK, x1 runs",
	       single_ns(&ack, singles, NULL, NULL, 1000));
	printf("  %-34s %8.1f ns/packet\n", "FIN (ESTABLISHED -> FIN_WAIT_1), x1",
	       single_ns(&fin, singles, put_est, NULL, 1000));
	printf("  %-34s %8.1f ns/packet\n", "  same, reader woken per event",
	       single_ns(&fin, singles / 10, put_est, NULL, 1));
	repeat_ns(&fin, 1);
	printf("  %-34s %8.1f ns/packet\n", "FIN retransmission (FIN_WAIT_1)", repeat_ns(&fin, n));
	printf("  %-34s %8.1f ns/packet\n", "new-flow SYN (insert), x1",
	       single_ns(&syn, singles, del_flow, NULL, 1000));
	printf("  %-34s %8.1f ns/packet\n", "  same, reader woken per event",
	       single_ns(&syn, singles / 10, del_flow, NULL, 1));
	h_close(&H);
	return 0;
}
