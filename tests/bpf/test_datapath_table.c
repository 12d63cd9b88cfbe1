// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow table, through the real datapath: one entry per connection and
 * VLAN pair, expiry by the sweep (every reason), eviction of half-open and
 * closed flows when the table is full, insert failures when nothing can
 * go, and both directions of one flow updated from two CPUs at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include "conn.h"

/* ---- VLANs ---------------------------------------------------------------- */

Test(table, same_tuple_on_two_vlans_is_two_flows)
{
	static struct harness h;
	struct xdpct_flow fa, fa2;
	int i;

	cr_assert(!h_open(&h, NULL, 0));
	for (i = 0; i < conn_nvariants; i++) {
		const struct variant *v = &conn_variants[i];
		struct variant untagged = *v;
		struct conn a, b, u, q;

		if (!v->nvlan)
			continue;
		untagged.nvlan = 0;
		conn_init_vlan(&a, &h, v, i, 100, 300);
		conn_init_vlan(&b, &h, v, i, 101, 300);
		conn_init_vlan(&u, &h, &untagged, i, 0, 0);
		HANDSHAKE(&a);
		conn_flow(&a, &fa);
		conn_resync(&b);
		HANDSHAKE(&b);
		conn_resync(&u);
		HANDSHAKE(&u);
		cr_assert_eq(h_flow_count(&h), 3, "%s", a.name);
		if (v->nvlan == 2) {
			/* same outer tag, other inner tag: a fourth flow */
			conn_init_vlan(&q, &h, v, i, 100, 301);
			HANDSHAKE(&q);
			cr_assert_eq(h_flow_count(&h), 4, "%s", a.name);
			h_delete(&h, &q.tup);
		}
		/* closing one leaves the others alone */
		conn_resync(&b);
		STEP(&b, .who = C, .flags = RA, .seq = 1, .ack = 1, .st = { CLOSED, CLOSED },
		     .ev = { { C, EST, CLOSED }, { S, EST, CLOSED } },
		     .cnt = { { N(FLOWS_CLOSED), 1 } }, .set_flags = XDPCT_F_RESET);
		conn_flow(&a, &fa2);
		cr_assert(!memcmp(&fa, &fa2, sizeof(fa)), "%s: other VLAN's flow changed", a.name);
		h_delete(&h, &a.tup);
		h_delete(&h, &b.tup);
		h_delete(&h, &u.tup);
	}
	h_close(&h);
}

/* ---- expiry reasons ------------------------------------------------------- */

static void seq_expire_half_open(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	conn_sweep(c, 120 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_HALF_OPEN, __LINE__);
}

static void seq_expire_synrcvd(struct conn *c)
{
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, LISTEN }, .ev = { { C, NONE, SSENT } },
	     .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	conn_sweep(c, 60 * XDPCT_NSEC_PER_SEC, NULL, 0, 0, __LINE__);
	/* a retransmission refreshes last_seen */
	STEP(c, .who = C, .flags = SYN, .st = { SSENT, SRCVD },
	     .cnt = { { N(SYN_RETRANS), 1 } });
	conn_sweep(c, 119 * XDPCT_NSEC_PER_SEC, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1 * XDPCT_NSEC_PER_SEC, NULL, 0, XDPCT_EXP_HALF_OPEN, __LINE__);
}

Test(table, half_open_expires)
{
	conn_run_all_cfg(NULL, seq_expire_half_open);
	conn_run_all_cfg(NULL, seq_expire_synrcvd);
}

static void seq_expire_idle(struct conn *c)
{
	HANDSHAKE(c);
	conn_sweep(c, 432000 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_IDLE, __LINE__);
}

Test(table, idle_established_expires)
{
	conn_run_all_cfg(NULL, seq_expire_idle);
}

static void seq_expire_closing(struct conn *c)
{
	HANDSHAKE(c);
	STEP(c, .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(c, .who = S, .flags = ACK, .seq = 1, .ack = 2, .st = { FW2, CW },
	     .ev = { { C, FW1, FW2 } });
	conn_sweep(c, 120 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_CLOSING, __LINE__);
}

Test(table, stuck_closing_expires)
{
	conn_run_all_cfg(NULL, seq_expire_closing);
}

/* Shorter timeouts from the configuration are honoured. */
static void seq_expire_cfg(struct conn *c)
{
	HANDSHAKE(c);
	conn_sweep(c, 3 * XDPCT_NSEC_PER_SEC - 1, NULL, 0, 0, __LINE__);
	conn_sweep(c, 1, NULL, 0, XDPCT_EXP_IDLE, __LINE__);
}

Test(table, timeouts_configurable)
{
	struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.established_ns = 3 * XDPCT_NSEC_PER_SEC;
	conn_run_all_cfg(&cfg, seq_expire_cfg);
}

/* ---- full table ---------------------------------------------------------- */

static struct harness T;

/* One frame; every counter delta as listed; returns the events it emitted. */
static int run_counted(const struct pkt *p, const __s64 *want_in, int line)
{
	__u64 before[XDPCT_STAT_SLOTS], after[XDPCT_STAT_SLOTS];
	__s64 want[XDPCT_STAT_SLOTS];
	int i;

	memcpy(want, want_in, sizeof(want));
	h_stats(&T, before);
	cr_assert_eq(h_run_pkt(&T, p), XDP_PASS, "line %d", line);
	h_stats(&T, after);
	for (i = 0; i < XDPCT_STAT_MAX; i++)
		cr_assert_eq((__s64)(after[i] - before[i]), want[i],
			     "line %d: counter %s moved by %lld, expected %lld", line,
			     h_stat_name(i), (long long)(after[i] - before[i]),
			     (long long)want[i]);
	h_clear_events(&T);
	return h_drain(&T);
}

static void syn_want(__s64 *w)
{
	memset(w, 0, sizeof(__s64) * XDPCT_STAT_SLOTS);
	w[XDPCT_STAT_PACKETS] = 1;
	w[XDPCT_STAT_TCP] = 1;
	w[XDPCT_STAT_IPV4] = 1;
}

Test(table, full_table_evicts_then_fails)
{
	const struct variant *v = &conn_variants[0];
	struct conn c[8];
	struct pkt p;
	__s64 w[XDPCT_STAT_SLOTS];
	struct xdpct_flow f;
	int i, n;

	cr_assert(!h_open(&T, NULL, 4));
	/* four half-open flows fill it */
	for (i = 0; i < 4; i++) {
		conn_init(&c[i], &T, v, i);
		STEP(&c[i], .who = C, .flags = SYN, .st = { SSENT, LISTEN },
		     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	}
	cr_assert_eq(h_flow_count(&T), 4);

	/* a fifth: the oldest half-open flow makes room */
	conn_init(&c[4], &T, v, 4);
	conn_build(&c[4], &(struct step){ .who = C, .flags = SYN }, &p);
	syn_want(w);
	w[XDPCT_STAT_FLOWS_EVICTED] = 1;
	w[XDPCT_STAT_FLOWS_CREATED] = 1;
	w[XDPCT_STAT_TRANSITIONS] = 1;
	w[XDPCT_STAT_EVENTS] = 2;
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 2);
	cr_assert_eq(T.ev[0].type, XDPCT_EV_EXPIRED);
	cr_assert_eq(T.ev[0].reason, XDPCT_EXP_EVICTED);
	cr_assert_eq(T.ev[0].client_port, c[0].tup.sport, "the oldest goes first");
	cr_assert_eq(T.ev[1].type, XDPCT_EV_TRANSITION);
	cr_assert_eq(T.ev[1].client_port, c[4].tup.sport);
	cr_assert_eq(h_lookup_key(&T, &c[0].key, &f), -ENOENT);
	cr_assert_eq(h_lookup_key(&T, &c[4].key, &f), 0);
	cr_assert_eq(h_flow_count(&T), 4);
	conn_resync(&c[4]);
	c[4].pk[C] = 1;
	c[4].by[C] = p.ip_len;
	c[4].tfl[C] = TH_SYN;		/* sent outside conn_step: its flags too */
	c[4].nstep = 1;

	/* established flows are never given up: the next one is not tracked */
	for (i = 1; i <= 4; i++) {
		conn_resync(&c[i]);
		STEP(&c[i], .who = S, .flags = SA, .ack = 1, .st = { SSENT, SRCVD },
		     .ev = { { S, LISTEN, SRCVD } });
		STEP(&c[i], .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
		     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
	}
	conn_init(&c[5], &T, v, 5);
	conn_build(&c[5], &(struct step){ .who = C, .flags = SYN }, &p);
	syn_want(w);
	w[XDPCT_STAT_INSERT_FAILED] = 1;
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 0);
	cr_assert_eq(h_lookup_key(&T, &c[5].key, &f), -ENOENT);
	/* a midstream pickup is a new flow too: fails the same way */
	conn_build(&c[5], &(struct step){ .who = C, .flags = PA, .len = 5 }, &p);
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 0);

	/* one closes: TIME_WAIT makes it a candidate again */
	conn_resync(&c[2]);
	STEP(&c[2], .who = C, .flags = FA, .seq = 1, .ack = 1, .st = { FW1, CW },
	     .ev = { { C, EST, FW1 }, { S, EST, CW } });
	STEP(&c[2], .who = S, .flags = FA, .seq = 1, .ack = 2, .st = { TW, LA },
	     .ev = { { C, FW1, FW2 }, { S, CW, LA }, { C, FW2, TW } });
	conn_init(&c[6], &T, v, 6);
	conn_build(&c[6], &(struct step){ .who = C, .flags = SYN }, &p);
	syn_want(w);
	w[XDPCT_STAT_FLOWS_EVICTED] = 1;
	w[XDPCT_STAT_FLOWS_CREATED] = 1;
	w[XDPCT_STAT_TRANSITIONS] = 1;
	w[XDPCT_STAT_EVENTS] = 2;
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 2);
	cr_assert_eq(T.ev[0].reason, XDPCT_EXP_EVICTED);
	cr_assert_eq(T.ev[0].client_port, c[2].tup.sport);
	cr_assert_eq(h_lookup_key(&T, &c[2].key, &f), -ENOENT);
	cr_assert_eq(h_flow_count(&T), 4);
	h_close(&T);
}

/* ---- two CPUs on one flow -------------------------------------------------- */

struct hammer {
	struct harness *h;
	struct pkt p;
	int cpu;
	int n;
	int err;
};

static void *hammer_run(void *arg)
{
	struct hammer *hm = arg;
	cpu_set_t set;
	__u32 ns;

	CPU_ZERO(&set);
	CPU_SET(hm->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	hm->err = h_run_repeat(hm->h, hm->h->xdp_fd, hm->p.buf, hm->p.len, hm->n, &ns);
	return NULL;
}

/*
 * Both directions, and the same direction, from two CPUs at the same time:
 * every update lands (the entry's spin lock), none is lost.
 */
static void hammer(struct conn *c, int who0, int who1)
{
	struct hammer hm[2];
	pthread_t th[2];
	struct xdpct_flow f;
	__u64 pk0 = c->pk[C], pk1 = c->pk[S];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	for (i = 0; i < 2; i++) {
		int who = i ? who1 : who0;

		hm[i].h = c->h;
		hm[i].cpu = ncpu > 1 ? i : 0;
		hm[i].n = 100000;
		conn_build(c, &(struct step){ .who = who, .flags = ACK, .seq = 1, .ack = 1 },
			   &hm[i].p);
		if (who == C)
			pk0 += hm[i].n;
		else
			pk1 += hm[i].n;
	}
	for (i = 0; i < 2; i++)
		cr_assert(!pthread_create(&th[i], NULL, hammer_run, &hm[i]));
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		cr_assert_eq(hm[i].err, XDP_PASS, "test run on cpu %d: %d", hm[i].cpu,
			     hm[i].err);
	}
	conn_flow(c, &f);
	cr_assert_eq(f.dir[conn_idx(c, C)].packets, pk0, "client packets lost");
	cr_assert_eq(f.dir[conn_idx(c, S)].packets, pk1, "server packets lost");
	cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
	c->pk[C] = pk0;
	c->pk[S] = pk1;
}

Test(table, two_cpus_one_flow)
{
	static struct harness h;
	struct conn c;
	__u64 packets;

	cr_assert(!h_open(&h, NULL, 0));
	conn_init(&c, &h, &conn_variants[0], 0);
	HANDSHAKE(&c);
	packets = h_stat(&h, XDPCT_STAT_PACKETS);
	hammer(&c, C, S);
	hammer(&c, C, C);
	hammer(&c, S, S);
	/* per-CPU counters summed see every packet */
	cr_assert_eq(h_stat(&h, XDPCT_STAT_PACKETS), packets + 6 * 100000);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_TCP), 3 + 6 * 100000);
	h_close(&h);
}
