// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The lock-free path (flow_fast() in bpf/lib/track.h) is the state
 * machine's own run, not a second one.
 *
 * Segments of ESTABLISHED/ESTABLISHED connections, seeded-random from both
 * ends, go through the real datapath (BPF_PROG_TEST_RUN of xdpct_xdp) and,
 * beside it, through fsm_segment() itself (bpf/lib/fsm.h compiled here,
 * the code the locked path runs) on a copy of the entry.  After every
 * segment the entry in the map must equal the copy byte for byte (the
 * lock aside): states, flags, every window edge, the raw window, the TCP
 * flags each side sent, counters, last_seen.  At the end the datapath's invalid_* counters must equal the
 * refusals the state machine made.
 *
 * The mix reaches both sides of every condition flow_fast() tests: data in
 * order and retransmitted, pure ACKs, acks lagging and acks of data never
 * sent (RFC 9293 3.10.7.4 "If the ACK acks something not yet sent ...
 * drop"), sequence numbers far outside the window (3.10.7.4, first), window
 * growth and shrinking, small windows that data overruns (nf_conntrack's
 * tcp_in_window() grows the receiver's maxwin then), zero windows, and,
 * last, FINs that end the ESTABLISHED pair.  XDPCT_SEED=n picks another
 * seed; XDPCT_FASTPATH_SEGS=n sends n segments per connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <criterion/criterion.h>
#include "harness.h"
#include "pkt.h"
#include "lib/fsm.h"

#define NCONN 8

static struct harness H;
static unsigned long long rng;

static __u32 rnd(void)
{
	/* xorshift64*: deterministic per seed */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (__u32)((rng * 2685821657736338717ULL) >> 32);
}

struct conn {
	int i;
	__u32 nxt[2];		/* by side: 0 client, 1 server */
	struct xdpct_flow m;	/* the state machine's copy of the entry */
};

static void spec_for(struct pkt_spec *s, int i, int server)
{
	pkt_spec_v4(s, "10.1.0.1", "10.2.0.1", 30000 + i, 443);
	if (server)
		pkt_spec_reverse(s);
}

static __u64 now_ns = 1000000000ULL;

static void tick(void)
{
	now_ns += 1000 + rnd() % 1000000;
	h_set_now(&H, now_ns);
}

/* handshake, window scale 7 both ways, as Linux sends it */
static void open_conn(struct conn *c, int i)
{
	__u32 ci = 0x10000000u * (i + 1) + rnd() % 1000, si = 0xf0000000u - i * 7777;
	struct pkt_spec s;
	struct pkt p;
	struct h_tuple t;

	memset(c, 0, sizeof(*c));
	c->i = i;
	tick();
	spec_for(&s, i, 0);
	s.flags = TH_SYN;
	s.seq = ci;
	s.win = 64240;
	pkt_opts_linux_syn(&s, 1460, 7);
	pkt_build(&p, &s);
	cr_assert_eq(h_run_pkt(&H, &p), 2);
	tick();
	spec_for(&s, i, 1);
	s.flags = TH_SYN | TH_ACK;
	s.seq = si;
	s.ack = ci + 1;
	s.win = 65160;
	pkt_opts_linux_syn(&s, 1460, 7);
	pkt_build(&p, &s);
	cr_assert_eq(h_run_pkt(&H, &p), 2);
	tick();
	spec_for(&s, i, 0);
	pkt_opts_clear(&s);
	s.flags = TH_ACK;
	s.seq = ci + 1;
	s.ack = si + 1;
	s.win = 502;
	pkt_build(&p, &s);
	cr_assert_eq(h_run_pkt(&H, &p), 2);

	c->nxt[0] = ci + 1;
	c->nxt[1] = si + 1;
	spec_for(&s, i, 0);
	h_tuple_from_spec(&t, &s);
	cr_assert_eq(h_lookup(&H, &t, &c->m), 0);
	cr_assert_eq(c->m.state[0], XDPCT_S_ESTABLISHED);
	cr_assert_eq(c->m.state[1], XDPCT_S_ESTABLISHED);
}

/* One segment from side x: its flags, seq, ack, window and length chosen by kind. */
static void pick(struct conn *c, int x, struct pkt_spec *s, int last)
{
	__u32 k = rnd() % 100, len = rnd() % 4 ? rnd() % 1401 : 0;

	spec_for(s, c->i, x);
	s->flags = TH_ACK | (len && rnd() % 2 ? TH_PSH : 0);
	s->seq = c->nxt[x];
	s->ack = c->nxt[!x];
	s->win = rnd() % 3 ? 502 + rnd() % 64000 : rnd() % 24;	/* small: 0..23 << 7 */
	if (k < 55) {
		c->nxt[x] += len;			/* in order */
	} else if (k < 70) {
		s->seq = c->nxt[x] - rnd() % 3000;	/* retransmission / overlap */
	} else if (k < 78) {
		s->ack = c->nxt[!x] - rnd() % 200000;	/* lagging ack */
	} else if (k < 84) {
		s->ack = c->nxt[!x] + 1 + rnd() % 100000;	/* acks what was not sent */
	} else if (k < 90) {
		s->seq = rnd();				/* anywhere */
	} else if (k < 95) {
		len = 0;				/* pure ACK, maybe zero window */
		s->win = rnd() % 2 ? 0 : s->win;
	} else {
		len = 20000 + rnd() % 40000;		/* overruns a small window */
		len = len > 1400 ? 1400 : len;
		c->nxt[x] += len;
	}
	if (last)
		s->flags |= TH_FIN;
	s->payload_len = len;
}

/* The same segment as the datapath's seg_from_meta() gives it to the state machine. */
static void seg_of(const struct pkt_spec *s, const struct xdpct_flow *m, int x,
		   struct xdpct_seg *g)
{
	memset(g, 0, sizeof(*g));
	g->seq = s->seq;
	g->ack = s->ack;
	g->win = s->win;
	g->len = s->payload_len;
	g->ip_bytes = 20 + 20 + s->payload_len;
	g->flags = s->flags;
	g->sport = s->sport;
	g->dport = s->dport;
	/* the client's endpoint index is f.client; x is 0 for the client */
	g->d = x ? !(m->client & 1) : (m->client & 1);
}

static int same_entry(const struct xdpct_flow *a, const struct xdpct_flow *b)
{
	size_t o = offsetof(struct xdpct_flow, state);

	return !memcmp((const char *)a + o, (const char *)b + o, sizeof(*a) - o);
}

Test(fastpath, lockfree_path_is_the_state_machine, .timeout = 300)
{
	static struct conn C[NCONN];
	__u64 want[XDPCT_STAT_SLOTS] = {}, got[XDPCT_STAT_SLOTS];
	struct xdpct_cfg cfg;
	unsigned long long seed = getenv("XDPCT_SEED") ? strtoull(getenv("XDPCT_SEED"), 0, 0) :
				  0x5eedfa57ULL;
	long segs = getenv("XDPCT_FASTPATH_SEGS") ? atol(getenv("XDPCT_FASTPATH_SEGS")) : 3000;
	int i, reasons[] = { XDPCT_STAT_INV_SEQ, XDPCT_STAT_INV_ACK, XDPCT_STAT_INV_STATE };
	long n, accepted = 0, refused = 0;

	rng = seed ? seed : 1;
	h_default_cfg(&cfg);
	cr_assert_eq(h_open(&H, &cfg, 1024), 0);
	for (i = 0; i < NCONN; i++)
		open_conn(&C[i], i);
	h_reset_stats(&H);

	for (n = 0; n < segs * NCONN; n++) {
		struct conn *c = &C[rnd() % NCONN];
		int x = rnd() % 2, last = n >= (segs - 1) * NCONN && rnd() % 4 == 0;
		struct xdpct_fsm_out o = {};
		struct xdpct_flow f;
		struct xdpct_seg g;
		struct pkt_spec s;
		struct h_tuple t;
		struct pkt p;
		int v;

		tick();
		pick(c, x, &s, last);
		pkt_build(&p, &s);
		v = h_run_pkt(&H, &p);
		cr_assert_eq(v, 2, "seed %#llx segment %ld: verdict %d", seed, n, v);

		/* the locked path's run, on the copy (track.h: flow_segment) */
		seg_of(&s, &c->m, x, &g);
		fsm_segment(&c->m, &g, now_ns, &cfg, &o);
		if (o.reopened)
			c->m.tcp_flags_seen[0] = c->m.tcp_flags_seen[1] = 0;
		c->m.tcp_flags_seen[g.d & 1] |= g.flags;
		xdpct_flow_set_count(&c->m, g.d, xdpct_flow_packets(&c->m, g.d) + 1,
				     xdpct_flow_bytes(&c->m, g.d) + g.ip_bytes);
		if (!o.invalid)
			c->m.last_seen_ns = now_ns;
		if (o.invalid) {
			want[o.invalid & XDPCT_STAT_MASK]++;
			refused++;
		} else {
			accepted++;
		}

		h_tuple_from_spec(&t, &s);
		cr_assert_eq(h_lookup(&H, &t, &f), 0);
		cr_assert(same_entry(&f, &c->m),
			  "seed %#llx segment %ld (conn %d side %d seq %u ack %u win %u len %u "
			  "flags %#x): the entry differs from the state machine's "
			  "(end %u/%u maxend %u/%u maxwin %u/%u ack %u/%u, peer maxend %u/%u, "
			  "packets %llu/%llu)", seed, n, c->i, x, s.seq, s.ack, s.win,
			  s.payload_len, s.flags, f.dir[g.d].end, c->m.dir[g.d].end,
			  f.dir[g.d].maxend, c->m.dir[g.d].maxend, f.dir[g.d].maxwin,
			  c->m.dir[g.d].maxwin, f.dir[g.d].ack, c->m.dir[g.d].ack,
			  f.dir[!g.d].maxend, c->m.dir[!g.d].maxend,
			  (unsigned long long)xdpct_flow_packets(&f, g.d),
			  (unsigned long long)xdpct_flow_packets(&c->m, g.d));
		if (c->m.state[0] != XDPCT_S_ESTABLISHED || c->m.state[1] != XDPCT_S_ESTABLISHED) {
			/* a FIN ended the pair: a fresh connection on the same tuple */
			cr_assert_eq(h_delete(&H, &t), 0);
			open_conn(c, c->i);
		}
	}
	cr_assert_eq(h_stats(&H, got), 0);
	for (i = 0; i < (int)(sizeof(reasons) / sizeof(reasons[0])); i++)
		cr_expect_eq(got[reasons[i]], want[reasons[i]], "seed %#llx: %s %llu, the state "
			     "machine refused %llu", seed, h_stat_name(reasons[i]),
			     (unsigned long long)got[reasons[i]],
			     (unsigned long long)want[reasons[i]]);
	cr_log_info("seed %#llx: %ld segments accepted, %ld refused", seed, accepted, refused);
	/* both sides of the path were taken, many times */
	cr_expect_gt(accepted, segs, "accepted %ld", accepted);
	cr_expect_gt(refused, segs / 10, "refused %ld", refused);
	h_close(&H);
}
