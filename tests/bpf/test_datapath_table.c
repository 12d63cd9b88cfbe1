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
#include <bpf/bpf.h>
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

/*
 * The entry's tag (xdpct/flow.h xdpct_flow_tag()) as the datapath computes
 * it from the packet equals the one userspace computes from the key: a
 * loader filling the table (the bench) writes entries the datapath takes
 * for its own, on every variant (IPv4, IPv6, extension headers, VLANs).
 */
Test(table, datapath_tag_is_the_keys)
{
	static struct harness h;
	struct xdpct_flow f;
	int i;

	cr_assert(!h_open(&h, NULL, 0));
	for (i = 0; i < conn_nvariants; i++) {
		struct conn c;

		conn_init(&c, &h, &conn_variants[i], i);
		HANDSHAKE(&c);
		conn_flow(&c, &f);
		cr_assert_neq(f.tag, 0, "%s", c.name);
		cr_assert_eq(f.tag, xdpct_flow_tag(&c.key), "%s: datapath tag %08x, key's %08x",
			     c.name, f.tag, xdpct_flow_tag(&c.key));
		h_delete(&h, &c.tup);
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

/* A SYN that evicts one flow to make room for its own (family 4 or 6). */
static void syn_evicts_want(__s64 *w, int family)
{
	syn_want(w);
	if (family == 6) {
		w[XDPCT_STAT_IPV4] = 0;
		w[XDPCT_STAT_IPV6] = 1;
	}
	w[XDPCT_STAT_FLOWS_EVICTED] = 1;
	w[XDPCT_STAT_FLOWS_CREATED] = 1;
	w[XDPCT_STAT_TRANSITIONS] = 1;
	w[XDPCT_STAT_EVENTS] = 2;
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
	syn_evicts_want(w, 4);
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
	syn_evicts_want(w, 4);
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
	cr_assert_eq(xdpct_flow_packets(&f, conn_idx(c, C)), pk0, "client packets lost");
	cr_assert_eq(xdpct_flow_packets(&f, conn_idx(c, S)), pk1, "server packets lost");
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

/* ---- a full table always makes room ---------------------------------------- */

/* One segment of c, built from a step and sent as it is (no checks). */
static int send(struct conn *c, int who, __u8 flags, __s64 seq, __s64 ack)
{
	struct pkt p;

	conn_build(c, &(struct step){ .who = who, .flags = flags, .seq = seq, .ack = ack }, &p);
	return h_run_pkt(c->h, &p);
}

static void open_est(struct conn *c)
{
	send(c, C, SYN, 0, 0);
	send(c, S, SA, 0, 1);
	send(c, C, ACK, 1, 1);
}

/* Client closes first: client TIME_WAIT, server CLOSED. */
static void close_tw(struct conn *c)
{
	send(c, C, FA, 1, 1);
	send(c, S, ACK, 1, 2);
	send(c, S, FA, 1, 2);
	send(c, C, ACK, 2, 2);
}

static void state_of(struct conn *c, __u8 *cs, __u8 *ss)
{
	struct xdpct_flow f;

	conn_flow(c, &f);
	*cs = f.state[conn_idx(c, C)];
	*ss = f.state[conn_idx(c, S)];
}

/* Events since the last drain: every expired one is an eviction of a non-established flow. */
static int evictions_checked(struct harness *h)
{
	int i, n = 0;

	h_clear_events(h);
	h_drain(h);
	for (i = 0; i < h->nev; i++) {
		const struct xdpct_event *e = &h->ev[i];

		if (e->type != XDPCT_EV_EXPIRED || e->reason != XDPCT_EXP_EVICTED)
			continue;
		cr_assert(e->cstate != XDPCT_S_ESTABLISHED && e->sstate != XDPCT_S_ESTABLISHED,
			  "an established flow was evicted (%s/%s)", h_state_name(e->cstate),
			  h_state_name(e->sstate));
		n++;
	}
	return n;
}

/*
 * IPv4 and IPv6 flows live in two tables (bpf/lib/maps.h), each keyed by its
 * prefix of the key and each with its own capacity and eviction queue: a
 * full table makes room from its own evictable flows, never the other's,
 * and one family filling its table leaves the other's room alone.
 */
Test(table, each_family_fills_its_own_table)
{
	const struct variant *v4 = &conn_variants[0], *v6 = NULL;
	struct bpf_map_info i4 = {}, i6 = {};
	__u32 len = sizeof(i4);
	struct conn c4[5], c6[5];
	struct xdpct_flow f;
	__s64 w[XDPCT_STAT_SLOTS];
	struct pkt p;
	int i, n;

	for (i = 0; i < conn_nvariants && !v6; i++)
		if (!strcmp(conn_variants[i].name, "v6"))
			v6 = &conn_variants[i];
	cr_assert(v6);
	cr_assert(!h_open(&T, NULL, 4));
	cr_assert(!bpf_obj_get_info_by_fd(T.flows_fd, &i4, &len));
	len = sizeof(i6);
	cr_assert(!bpf_obj_get_info_by_fd(T.flows6_fd, &i6, &len));
	cr_assert_eq(i4.key_size, 16, "the IPv4 table's key: 16 bytes");
	cr_assert_eq(i6.key_size, 40, "the IPv6 table's key: 40 bytes");
	cr_assert_eq(i4.max_entries, 4);
	cr_assert_eq(i6.max_entries, 4, "--flows6 defaults to --flows below 1024");
	cr_assert(!(i4.map_flags & BPF_F_NO_PREALLOC), "IPv4: preallocated");
	cr_assert(i6.map_flags & BPF_F_NO_PREALLOC, "IPv6: allocated as flows arrive");

	/* four half-open IPv6 flows fill the IPv6 table ... */
	for (i = 0; i < 4; i++) {
		conn_init(&c6[i], &T, v6, i);
		STEP(&c6[i], .who = C, .flags = SYN, .st = { SSENT, LISTEN },
		     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	}
	/* ... and four established IPv4 flows the IPv4 table: none evictable */
	for (i = 0; i < 4; i++) {
		conn_init(&c4[i], &T, v4, 10 + i);
		open_est(&c4[i]);
	}
	h_drain(&T);			/* their events: not the ones counted below */
	h_clear_events(&T);
	cr_assert_eq(h_flow_count(&T), 8, "8 flows in two tables of 4");
	for (i = 0; i < 4; i++) {
		struct xdpct_flow_key4 k4;

		/* found by its 16-byte prefix in the IPv4 table itself */
		memcpy(&k4, &c4[i].key, sizeof(k4));
		cr_assert_eq(bpf_map_lookup_elem(T.flows_fd, &k4, &f), 0);
		cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
	}

	/* a fifth IPv6 flow: the oldest half-open IPv6 flow makes room */
	conn_init(&c6[4], &T, v6, 4);
	conn_build(&c6[4], &(struct step){ .who = C, .flags = SYN }, &p);
	syn_evicts_want(w, 6);
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 2);
	cr_assert_eq(T.ev[0].reason, XDPCT_EXP_EVICTED);
	cr_assert_eq(T.ev[0].family, 6);
	cr_assert_eq(T.ev[0].client_port, c6[0].tup.sport, "the oldest IPv6 flow goes");
	cr_assert_eq(h_lookup_key(&T, &c6[0].key, &f), -ENOENT);
	cr_assert_eq(h_lookup_key(&T, &c6[4].key, &f), 0);
	for (i = 0; i < 4; i++)
		cr_assert_eq(h_lookup_key(&T, &c4[i].key, &f), 0, "IPv4 flow %d stays", i);

	/* a fifth IPv4 flow: its table has nothing to give up, and the IPv6
	 * table's half-open flows are not its to take */
	conn_init(&c4[4], &T, v4, 14);
	conn_build(&c4[4], &(struct step){ .who = C, .flags = SYN }, &p);
	syn_want(w);
	w[XDPCT_STAT_INSERT_FAILED] = 1;
	n = run_counted(&p, w, __LINE__);
	cr_assert_eq(n, 0);
	cr_assert_eq(h_lookup_key(&T, &c4[4].key, &f), -ENOENT);
	for (i = 1; i < 5; i++)
		cr_assert_eq(h_lookup_key(&T, &c6[i].key, &f), 0, "IPv6 flow %d stays", i);
	cr_assert_eq(h_flow_count(&T), 8);
	h_close(&T);
}

/*
 * The stale queue of issue 12: 520 refused connections (SYN, RST-ACK) come
 * and go (the sweep removes each CLOSED entry after --timeout-close), so
 * the queue holds 520 keys of entries long gone.  Then 64 connections fill
 * the 64-entry table and close into TIME_WAIT.  Every new SYN from then on
 * must take a TIME_WAIT slot (the README's promise), one eviction each,
 * none failing: the stale keys cost pops, not flows.
 */
Test(table, stale_queue_still_evicts)
{
	static struct harness h;
	static struct conn c[720];
	const struct variant *v = &conn_variants[0];
	__u64 now = 10 * XDPCT_NSEC_PER_SEC;
	__u8 cs, ss;
	int i, k;

	cr_assert(!h_open(&h, NULL, 64));
	for (i = 0; i < 520; i++) {
		conn_init(&c[i], &h, v, i);
		h_set_now(&h, now);
		send(&c[i], C, SYN, 0, 0);
		send(&c[i], S, RA, 0, 1);	/* refused: RFC 9293 3.10.7.3 */
		state_of(&c[i], &cs, &ss);
		cr_assert(cs == CLOSED && ss == CLOSED);
		if (i % 40 == 39) {
			now += 11 * XDPCT_NSEC_PER_SEC;	/* past --timeout-close */
			h_set_now(&h, now);
			cr_assert_eq(h_sweep(&h), XDP_PASS);
			cr_assert_eq(h_flow_count(&h), 0, "the sweep removed them");
		}
	}
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_EXPIRED), 520);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_EVICTED), 0);
	for (i = 520; i < 584; i++) {
		conn_init(&c[i], &h, v, i);
		h_set_now(&h, now);
		open_est(&c[i]);
		close_tw(&c[i]);
		state_of(&c[i], &cs, &ss);
		cr_assert(cs == TW && ss == CLOSED, "%d: %s/%s", i, h_state_name(cs),
			  h_state_name(ss));
	}
	cr_assert_eq(h_flow_count(&h), 64);
	evictions_checked(&h);
	/* every new SYN takes one TIME_WAIT slot, oldest first */
	for (i = 584, k = 0; i < 648; i++, k++) {
		struct xdpct_flow f;

		conn_init(&c[i], &h, v, i);
		h_set_now(&h, now);
		send(&c[i], C, SYN, 0, 0);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_INSERT_FAILED), 0, "SYN %d not tracked", k);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_EVICTED), k + 1);
		cr_assert_eq(evictions_checked(&h), 1);
		cr_assert(!h_lookup_key(&h, &c[i].key, &f));
		cr_assert_eq(h_lookup_key(&h, &c[520 + k].key, &f), -ENOENT,
			     "the oldest TIME_WAIT flow goes first");
		cr_assert_eq(h_flow_count(&h), 64);
	}
	/* and the half-open flows just made take each other's place */
	for (k = 0; k < 64; k++, i++) {
		conn_init(&c[i], &h, v, i);
		send(&c[i], C, SYN, 0, 0);
		cr_assert_eq(evictions_checked(&h), 1);
	}
	cr_assert_eq(h_stat(&h, XDPCT_STAT_INSERT_FAILED), 0);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_EVICT_SCANS), 0, "the queue lost nothing");
	h_close(&h);
}

/*
 * The queue holds an eighth of the table: when more flows become
 * evictable than it holds, it drops its oldest keys.  16384 SYNs fill a
 * 16384-entry table (2048 queued, 14336 dropped from the queue); the 2048
 * newest are then established, so every queued key is stale.  A new SYN
 * must still evict: the queue runs dry, the table walk finds the
 * half-open flows it lost, and an established flow is never taken.
 */
Test(table, lost_candidates_found_by_walk)
{
	static struct harness h;
	static struct conn c;
	const struct variant *v = &conn_variants[0];
	const int n = 16384, est = 2048;
	struct xdpct_flow f;
	int i;

	cr_assert(!h_open(&h, NULL, n));
	for (i = 0; i < n; i++) {
		conn_init(&c, &h, v, i);
		send(&c, C, SYN, 0, 0);
		if (i >= n - est) {
			send(&c, S, SA, 0, 1);
			send(&c, C, ACK, 1, 1);
		}
		if (!(i % 1024))
			evictions_checked(&h);
	}
	evictions_checked(&h);
	cr_assert_eq(h_flow_count(&h), n);
	cr_assert_eq(h_stat(&h, XDPCT_STAT_FLOWS_EVICTED), 0);
	for (i = n; i < n + 600; i++) {
		conn_init(&c, &h, v, i);
		send(&c, C, SYN, 0, 0);
		cr_assert_eq(h_stat(&h, XDPCT_STAT_INSERT_FAILED), 0, "SYN %d not tracked", i - n);
		cr_assert_eq(evictions_checked(&h), 1, "SYN %d", i - n);
		cr_assert(!h_lookup_key(&h, &c.key, &f));
	}
	/*
	 * One walk: it queued a batch of the lost half-open flows, and behind
	 * them each new SYN queues its own (half-open) key, so the queue never
	 * runs dry again.
	 */
	cr_assert_eq(h_stat(&h, XDPCT_STAT_EVICT_SCANS), 1);
	/* every established flow is still there */
	for (i = n - est; i < n; i++) {
		conn_init(&c, &h, v, i);
		cr_assert(!h_lookup_key(&h, &c.key, &f), "established flow %d evicted", i);
	}
	h_close(&h);
}

/*
 * Hours of churn on the replay clock, then a flood.  A 64-entry table
 * keeps 32 long-lived established connections (one segment a minute)
 * while short connections come and go: closed into TIME_WAIT, refused,
 * or left half-open, and the sweep runs every second of capture time.
 * After three hours, a flood of 2000 SYNs: each is tracked by taking the
 * place of a half-open/TIME_WAIT/CLOSED flow; none of the 32 is evicted.
 */
Test(table, flood_after_hours_of_churn)
{
	static struct harness h;
	static struct conn lived[32], c;
	const struct variant *v = &conn_variants[0];
	struct xdpct_cfg cfg;
	__u64 now = 10 * XDPCT_NSEC_PER_SEC, end;
	struct xdpct_flow f;
	int i, idx = 100, tick = 0;
	__u64 failed;

	h_default_cfg(&cfg);
	cfg.replay_clock = 1;
	cr_assert(!h_open(&h, &cfg, 64));
	h_set_now(&h, now);
	for (i = 0; i < 32; i++) {
		conn_init(&lived[i], &h, v, i);
		open_est(&lived[i]);
	}
	end = now + 3 * 3600 * XDPCT_NSEC_PER_SEC;
	for (; now < end; now += XDPCT_NSEC_PER_SEC, tick++) {
		h_set_now(&h, now);
		cr_assert_eq(h_sweep(&h), XDP_PASS);
		if (tick % 60 == 0)
			for (i = 0; i < 32; i++)
				send(&lived[i], C, ACK, 1, 1);
		conn_init(&c, &h, v, idx++ % 20000 + 100);
		switch (tick % 3) {
		case 0:
			open_est(&c);
			close_tw(&c);
			break;
		case 1:
			send(&c, C, SYN, 0, 0);
			send(&c, S, RA, 0, 1);
			break;
		default:
			send(&c, C, SYN, 0, 0);	/* never answered */
			break;
		}
		if (tick % 256 == 0)
			evictions_checked(&h);
	}
	evictions_checked(&h);
	failed = h_stat(&h, XDPCT_STAT_INSERT_FAILED);
	cr_assert_eq(failed, 0, "churn: %llu new flows not tracked", (unsigned long long)failed);
	for (i = 0; i < 2000; i++) {
		conn_init(&c, &h, v, 30000 + i % 30000);
		c.spec[C].sport = 1024 + i;
		h_tuple_from_spec(&c.tup, &c.spec[C]);
		c.cidx = h_make_key(&c.key, &c.tup);
		send(&c, C, SYN, 0, 0);
		cr_assert(!h_lookup_key(&h, &c.key, &f), "flood SYN %d not tracked", i);
		if (h_flow_count(&h) == 64 && i > 64)
			cr_assert_eq(evictions_checked(&h), 1, "flood SYN %d", i);
		else
			evictions_checked(&h);
	}
	cr_assert_eq(h_stat(&h, XDPCT_STAT_INSERT_FAILED), 0);
	for (i = 0; i < 32; i++) {
		__u8 cs, ss;

		state_of(&lived[i], &cs, &ss);
		cr_assert(cs == EST && ss == EST, "long-lived connection %d: %s/%s", i,
			  h_state_name(cs), h_state_name(ss));
	}
	h_close(&h);
}

/*
 * The packet count past 2^32 (issue 14: 32-bit pkts, its carry in the top
 * byte of octets, xdpct/flow.h): the packet that wraps pkts carries, so
 * the entry and its events count on exactly, and the byte count is intact.
 */
Test(table, packet_count_carries_past_32_bits)
{
	static struct harness h;
	struct xdpct_flow f;
	struct conn c;
	int ci;

	cr_assert(!h_open(&h, NULL, 0));
	conn_init(&c, &h, &conn_variants[0], 0);
	HANDSHAKE(&c);
	ci = conn_idx(&c, C);
	cr_assert_eq(h_lookup_key(&h, &c.key, &f), 0);
	xdpct_flow_set_count(&f, ci, 0xffffffffULL, xdpct_flow_bytes(&f, ci));
	cr_assert_eq(bpf_map_update_elem(h_key_table(&h, &c.key), &c.key, &f, BPF_EXIST | BPF_F_LOCK),
		     0);
	c.pk[C] = 0xffffffffULL;
	c.prev = f;
	STEP(&c, .who = C, .flags = PA, .seq = 1, .ack = 1, .len = 100, .st = { EST, EST });
	cr_assert_eq(h_lookup_key(&h, &c.key, &f), 0);
	cr_assert_eq(xdpct_flow_packets(&f, ci), 1ULL << 32);
	cr_assert_eq(f.pkts[ci], 0);
	STEP(&c, .who = C, .flags = PA, .seq = 101, .ack = 1, .len = 100, .st = { EST, EST });
	cr_assert_eq(h_lookup_key(&h, &c.key, &f), 0);
	cr_assert_eq(xdpct_flow_packets(&f, ci), (1ULL << 32) + 1);
	cr_assert_eq(xdpct_flow_bytes(&f, ci), c.by[C]);
	h_close(&h);
}
