// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The end-of-connection histograms (bpf/lib/hist.h), through the real
 * datapath: a connection that closes with FINs (RFC 9293 3.6), one reset
 * after it was established (3.5.3), one refused (an RST-ACK answering the
 * SYN, 3.5.2), one expired half-open: each lands once, in its end
 * reason's histograms, with its handshake times and lifetime exact and
 * in the log2 bucket that holds them.  Segments that change no state
 * (the established path) leave every histogram as it was.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "conn.h"
#include "lib/percpu.h"
#include "xdpct/hist.h"
#include "xdpct.skel.h"

static struct harness h;

struct all_hist {
	struct xdpct_hist_set end[XDPCT_END_MAX];
};

static void read_hist(struct all_hist *a)
{
	int fd = bpf_map__fd(h.skel->maps.xdpct_hist), e;

	for (e = 0; e < XDPCT_END_MAX; e++)
		cr_assert(!percpu_sum(fd, e, (__u64 *)&a->end[e],
				      sizeof(a->end[e]) / sizeof(__u64)), "reading the histograms");
}

/* the smallest k with v <= 2^k: the bucket, computed here on its own */
static int want_bucket(__u64 v)
{
	int k = 0;

	while (k < XDPCT_HIST_BUCKETS - 1 && v > (1ULL << k))
		k++;
	return k;
}

static const char *const end_names[] = { "none", "closed", "reset", "refused", "expired" };
static const char *const kind_names[] = { "syn_synack", "synack_ack", "lifetime" };

/*
 * Between before and after exactly one sample went into histogram (end,
 * kind) for each want[kind] != 0, of that value; nothing else changed.
 */
static void expect_one(const struct all_hist *before, const struct all_hist *after, int end,
		       const __u64 want[XDPCT_H_KINDS])
{
	int e, k, b;

	for (e = 0; e < XDPCT_END_MAX; e++)
		for (k = 0; k < XDPCT_H_KINDS; k++) {
			const struct xdpct_hist *x = &before->end[e].h[k], *y = &after->end[e].h[k];
			__u64 v = e == end ? want[k] : 0;

			cr_expect_eq(y->count - x->count, v ? 1 : 0, "%s %s: %llu samples, want %d",
				     end_names[e], kind_names[k],
				     (unsigned long long)(y->count - x->count), v ? 1 : 0);
			cr_expect_eq(y->sum_ns - x->sum_ns, v, "%s %s: sum %llu ns, want %llu",
				     end_names[e], kind_names[k],
				     (unsigned long long)(y->sum_ns - x->sum_ns),
				     (unsigned long long)v);
			for (b = 0; b < XDPCT_HIST_BUCKETS; b++)
				cr_expect_eq(y->bucket[b] - x->bucket[b],
					     v && b == want_bucket(v) ? 1 : 0,
					     "%s %s: bucket %d (le 2^%d ns) for %llu ns", end_names[e],
					     kind_names[k], b, b, (unsigned long long)v);
		}
}

/*
 * The interval from a to b as the entry keeps handshake times (issue 14):
 * microseconds after first_seen_ns (here the SYN's time), truncated.
 */
static __u64 hs_us(__u64 first, __u64 a, __u64 b)
{
	return ((b - first) / 1000 - (a - first) / 1000) * 1000;
}

static void open_datapath(void)
{
	cr_assert(!h_open(&h, NULL, 0), "loading the datapath");
}

static void h_close_fini(void)
{
	h_close(&h);
}

Test(hist, closed_with_fins, .init = open_datapath, .fini = h_close_fini)
{
	struct all_hist a, b, c0;
	struct conn c;
	__u64 t_syn, t_synack, t_est, want[XDPCT_H_KINDS];

	conn_init(&c, &h, &conn_variants[0], 1);
	read_hist(&a);
	STEP(&c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	t_syn = c.now;
	STEP(&c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } }, .dt = 3000123);
	t_synack = c.now;
	STEP(&c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } }, .dt = 517000);
	t_est = c.now;
	/* the established path: data both ways, no transition, no sample */
	STEP(&c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(&c, .who = S, .flags = PA, .seq = 1, .ack = 101, .len = 200, .st = { EST, EST });
	STEP(&c, .who = C, .flags = ACK, .seq = 101, .ack = 201, .st = { EST, EST });
	read_hist(&b);
	cr_expect(!memcmp(&a, &b, sizeof(a)), "the handshake and data changed a histogram");
	STEP(&c, .who = C, .flags = FA, .seq = 101, .ack = 201, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(&c, .who = S, .flags = ACK, .seq = 201, .ack = 102, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	STEP(&c, .who = S, .flags = FA, .seq = 201, .ack = 102, .st = { TW, LA },
	     .ev = { { S, CW, LA }, { C, FW2, TW } });
	read_hist(&c0);
	cr_expect(!memcmp(&a, &c0, sizeof(a)), "a histogram changed before the connection ended");
	/* the last ACK: both ends CLOSED/TIME_WAIT, the connection is over */
	STEP(&c, .who = C, .flags = ACK, .seq = 102, .ack = 202, .st = { TW, CLOSED },
	     .ev = { { S, LA, CLOSED } }, .dt = 40000000000ULL);
	read_hist(&b);
	want[XDPCT_H_SYN_SYNACK] = hs_us(t_syn, t_syn, t_synack);
	want[XDPCT_H_SYNACK_ACK] = hs_us(t_syn, t_synack, t_est);
	want[XDPCT_H_LIFETIME] = c.now - t_syn;
	/* 3000123 ns and 517000 ns, to the microsecond */
	cr_assert_eq(want[XDPCT_H_SYN_SYNACK], 3000000);
	cr_assert_eq(want[XDPCT_H_SYNACK_ACK], 517000);
	expect_one(&a, &b, XDPCT_END_CLOSED, want);
	/* TIME_WAIT running out (the sweep closes the client) ends nothing new */
	conn_sweep(&c, 60 * XDPCT_NSEC_PER_SEC, (struct ev_exp[]){ { C, TW, CLOSED } }, 1, 0,
		   __LINE__);
	read_hist(&c0);
	cr_expect(!memcmp(&b, &c0, sizeof(b)), "TIME_WAIT's end counted the connection again");
}

Test(hist, reset_after_established, .init = open_datapath, .fini = h_close_fini)
{
	struct all_hist a, b;
	struct conn c;
	__u64 t0, want[XDPCT_H_KINDS];

	conn_init(&c, &h, &conn_variants[2], 2);	/* v4, VLAN */
	read_hist(&a);
	t0 = c.now + 1000000;		/* the SYN step's clock */
	HANDSHAKE(&c);
	STEP(&c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	STEP(&c, .who = C, .flags = RA, .seq = 101, .ack = 1, .st = { CLOSED, CLOSED },
	     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET,
	     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } }, .dt = 7777);
	read_hist(&b);
	want[XDPCT_H_SYN_SYNACK] = 1000000;	/* HANDSHAKE: a step per ms */
	want[XDPCT_H_SYNACK_ACK] = 1000000;
	want[XDPCT_H_LIFETIME] = c.now - t0;
	expect_one(&a, &b, XDPCT_END_RESET, want);
}

Test(hist, refused, .init = open_datapath, .fini = h_close_fini)
{
	struct all_hist a, b;
	struct conn c;
	__u64 want[XDPCT_H_KINDS] = { 0, 0, 2500 };

	conn_init(&c, &h, &conn_variants[10], 3);	/* v6 */
	read_hist(&a);
	STEP(&c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(&c, .who = S, .flags = RA, .abs_seq = true, .seq = 0, .ack = 1,
	     .st = { CLOSED, CLOSED }, .cnt = { { N(FLOWS_CLOSED), 1 } },
	     .set_flags = XDPCT_F_RESET, .ev = { { C, SSENT, CLOSED }, { S, LISTEN, CLOSED } },
	     .dt = 2500);
	read_hist(&b);
	/* no SYN-ACK, never established: only its lifetime */
	expect_one(&a, &b, XDPCT_END_REFUSED, want);
}

Test(hist, expired_half_open, .init = open_datapath, .fini = h_close_fini)
{
	struct all_hist a, b;
	struct conn c;
	__u64 t_syn, want[XDPCT_H_KINDS] = { 0 };

	conn_init(&c, &h, &conn_variants[0], 4);
	read_hist(&a);
	STEP(&c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	t_syn = c.now;
	STEP(&c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } }, .dt = 12345);
	conn_sweep(&c, 120 * XDPCT_NSEC_PER_SEC, NULL, 0, XDPCT_EXP_HALF_OPEN, __LINE__);
	read_hist(&b);
	want[XDPCT_H_SYN_SYNACK] = hs_us(t_syn, t_syn, t_syn + 12345);	/* 12 us */
	want[XDPCT_H_LIFETIME] = c.now - t_syn;
	expect_one(&a, &b, XDPCT_END_EXPIRED, want);
}

Test(hist, bucket_edges)
{
	/* bucket k holds 2^(k-1) < v <= 2^k: the edges themselves */
	cr_expect_eq(xdpct_hist_bucket(0), 0);
	cr_expect_eq(xdpct_hist_bucket(1), 0);
	cr_expect_eq(xdpct_hist_bucket(2), 1);
	cr_expect_eq(xdpct_hist_bucket(3), 2);
	cr_expect_eq(xdpct_hist_bucket(4), 2);
	cr_expect_eq(xdpct_hist_bucket(5), 3);
	cr_expect_eq(xdpct_hist_bucket(1ULL << 40), 40);
	cr_expect_eq(xdpct_hist_bucket((1ULL << 40) + 1), 41);
	cr_expect_eq(xdpct_hist_bucket(~0ULL), XDPCT_HIST_BUCKETS - 1);
	for (__u64 v = 0; v < 5000; v++)
		cr_expect_eq(xdpct_hist_bucket(v), want_bucket(v), "v %llu", (unsigned long long)v);
}
