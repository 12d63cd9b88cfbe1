// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Churn, reopen, sweep and eviction on both CPUs at once through the real
 * xdpct_xdp (issue 12, point 4): no update lost or landing in a stranger's
 * entry.  It failed (a key accounted one segment more than it sent, from an
 * eviction or sweep acting on a reused element, or the lock-free path
 * writing into one; bpf/lib/table.h, sweep.h, track.h) and hung when the
 * reader stopped draining before the second thread was done; both fixed.
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

static struct harness H;

/* ---- churn, reopen, sweep and eviction on both CPUs at once ------------------ */

/*
 * Issue 12 point 4: the sweep, eviction and a reopening SYN all decide on
 * an entry under its lock; a delete after the unlock could remove (or a
 * packet could update) an entry another CPU has reopened, moved or reused
 * meanwhile.  The dying mark (bpf/lib/table.h) makes those decisions safe.
 *
 * Two threads, one per CPU, each run connection lifecycles through the
 * real xdpct_xdp on keys of their own: a full close, a refused connection
 * (SYN, RST), a half-open one (SYN only) and an abort, one after another
 * on each key, so every key is reopened again and again.  A 16-entry
 * table for 48 keys evicts all the time, on both CPUs, and both threads
 * run the sweep (xdpct_sweep) with tiny timeouts on the real clock, so an
 * entry is expired, evicted and reopened from both CPUs at once.  The main
 * thread drains every event meanwhile.
 *
 * Afterwards every connection instance is accounted: an instance
 * is (key, first_seen_ns) (the real clock: no two share it); its packets
 * and bytes are those of its last event (its expiry, its eviction, or the
 * end record a reopen sends for it: XDPCT_EXP_REOPENED) or of its entry at
 * the end.  Their sum plus the segments that found no entry and started
 * none (an RST whose half-open entry was evicted: no_flow, 40 bytes each)
 * is every packet and byte sent, exactly, and per key exactly what that
 * key sent (an update lost, counted twice or landing in a stranger's entry
 * would show there: before the end record, a segment counted into an entry
 * after its instance's last event and then wiped by a reopen left a key
 * one segment short); every transition's "from" is where
 * the previous event of that instance left the endpoint; and the counter of
 * transitions equals the transition events received.
 */
#define CH_KEYS		24	/* per thread */
#define CH_TABLE	16
#define CH_SEG		60
#define CH_IDS		(1 << 19)

struct ch_side {
	int cpu, base, errors;
	long rounds;
	__u64 sent_pk, sent_by;
	__u64 key_pk[CH_KEYS], key_by[CH_KEYS];
	__u64 unc, unc_pk, unc_by;	/* segments in no entry (this CPU's counters) */
	struct xdpct_stats *pc;		/* per-CPU counters, read back */
};

/* Segments this CPU counted in no entry: no flow, table full, entry busy. */
static __u64 ch_uncounted(struct ch_side *sd)
{
	const struct xdpct_stats *c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(H.stats_fd, &zero, sd->pc))
		return 0;
	c = &sd->pc[sd->cpu];
	return c->c[XDPCT_STAT_NO_FLOW] + c->c[XDPCT_STAT_INSERT_FAILED] +
	       c->c[XDPCT_STAT_FLOW_BUSY];
}

struct ch_id {
	struct xdpct_flow_key key;
	__u64 first_seen;
	__u64 pk, by;		/* both directions, last seen */
	__u8 st[2];		/* client, server as the events left them */
	__u8 used, known;
};

static struct ch_id ids[CH_IDS];
static volatile int ch_stop;
static __u64 ch_trans, ch_evicted, ch_expired, ch_reopened;
static volatile __u64 ch_events;

static void ch_spec(struct pkt_spec *s, int key, int server)
{
	char a[32];

	snprintf(a, sizeof(a), "10.7.%d.%d", key / 200, key % 200 + 1);
	pkt_spec_v4(s, a, "10.8.0.1", 30000 + key, 80);
	if (server)
		pkt_spec_reverse(s);
}

static void ch_send(struct ch_side *sd, int k, int server, __u8 flags, __u32 seq, __u32 ack,
		    __u16 len)
{
	struct pkt_spec s;
	struct pkt p;

	ch_spec(&s, sd->base + k, server);
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	s.win = 65535;
	s.payload_len = len;
	pkt_build(&p, &s);
	__u64 unc;

	if (h_run(&H, p.buf, p.len) != 2)
		sd->errors++;
	sd->sent_pk++;
	sd->sent_by += p.ip_len;
	unc = ch_uncounted(sd);
	if (unc != sd->unc) {
		/* this one went into no entry */
		sd->unc_pk++;
		sd->unc_by += p.ip_len;
		sd->unc = unc;
		return;
	}
	sd->key_pk[k]++;
	sd->key_by[k] += p.ip_len;
}

static void ch_sweep(struct ch_side *sd)
{
	__u8 frame[64] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame),
		    .repeat = 1);

	if (bpf_prog_test_run_opts(H.sweep_fd, &o) || o.retval != 2)
		sd->errors++;
}

/* One connection on key k, ISNs from n: a lifecycle of kind 0..3. */
static void ch_lifecycle(struct ch_side *sd, int k, __u32 n, int kind)
{
	__u32 c = 1000 + n * 100003 + k * 7, s = 9000000 + n * 7919;

	switch (kind) {
	case 0:		/* handshake, data both ways, FINs, TIME_WAIT */
		ch_send(sd, k, 0, TH_SYN, c, 0, 0);
		ch_send(sd, k, 1, TH_SYN | TH_ACK, s, c + 1, 0);
		ch_send(sd, k, 0, TH_ACK, c + 1, s + 1, 0);
		ch_send(sd, k, 0, TH_ACK | TH_PSH, c + 1, s + 1, CH_SEG);
		ch_send(sd, k, 1, TH_ACK | TH_PSH, s + 1, c + 1 + CH_SEG, CH_SEG);
		ch_send(sd, k, 0, TH_FIN | TH_ACK, c + 1 + CH_SEG, s + 1 + CH_SEG, 0);
		ch_send(sd, k, 1, TH_FIN | TH_ACK, s + 1 + CH_SEG, c + 2 + CH_SEG, 0);
		ch_send(sd, k, 0, TH_ACK, c + 2 + CH_SEG, s + 2 + CH_SEG, 0);
		break;
	case 1:		/* refused (RFC 9293 3.10.7.3) */
		ch_send(sd, k, 0, TH_SYN, c, 0, 0);
		ch_send(sd, k, 1, TH_RST | TH_ACK, 0, c + 1, 0);
		break;
	case 2:		/* half-open: the SYN is never answered */
		ch_send(sd, k, 0, TH_SYN, c, 0, 0);
		break;
	default:	/* established, then aborted by the client */
		ch_send(sd, k, 0, TH_SYN, c, 0, 0);
		ch_send(sd, k, 1, TH_SYN | TH_ACK, s, c + 1, 0);
		ch_send(sd, k, 0, TH_ACK, c + 1, s + 1, 0);
		ch_send(sd, k, 0, TH_RST | TH_ACK, c + 1, s + 1, 0);
		break;
	}
}

static void *churn(void *arg)
{
	struct ch_side *sd = arg;
	cpu_set_t set;
	long r;
	int k;

	CPU_ZERO(&set);
	CPU_SET(sd->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	sd->pc = calloc(H.ncpus, sizeof(*sd->pc));
	sd->unc = ch_uncounted(sd);
	for (r = 0; r < sd->rounds; r++) {
		for (k = 0; k < CH_KEYS; k++) {
			ch_lifecycle(sd, k, 2 * r, (r + k) % 4);
			/* and at once a new connection on the same 4-tuple: it
			 * reopens the entry, unless the other CPU took it */
			ch_lifecycle(sd, k, 2 * r + 1, 0);
			if (k % 6 == sd->cpu)
				ch_sweep(sd);
			/* the reader shares the CPUs: let it keep up with the ring */
			while (h_stat(&H, XDPCT_STAT_EVENTS) > ch_events + 2000)
				sched_yield();
		}
	}
	free(sd->pc);
	return NULL;
}

static struct ch_id *ch_find(const struct xdpct_flow_key *k, __u64 first_seen)
{
	__u64 h = first_seen * 0x9e3779b97f4a7c15ULL ^ k->port[0] * 131 ^ k->port[1];
	int i;

	for (i = 0; i < CH_IDS; i++) {
		struct ch_id *d = &ids[(h + i) & (CH_IDS - 1)];

		if (!d->used) {
			d->used = 1;
			d->key = *k;
			d->first_seen = first_seen;
			return d;
		}
		if (d->first_seen == first_seen && !memcmp(&d->key, k, sizeof(*k)))
			return d;
	}
	cr_assert_fail("identity table full");
	return NULL;
}

/* The key of an event, as the table keys it. */
static void ch_event_key(const struct xdpct_event *e, struct xdpct_flow_key *k)
{
	struct h_tuple t = { .family = e->family, .sport = e->client_port,
			     .dport = e->server_port };

	memcpy(t.saddr, e->client_addr, 16);
	memcpy(t.daddr, e->server_addr, 16);
	t.vlan[0] = e->vlan[0];
	t.vlan[1] = e->vlan[1];
	h_make_key(k, &t);
}

/*
 * An event as received.  Events are sent after the entry's lock is dropped
 * (ring-buffer helpers may not run under it), so two CPUs' events of one
 * connection can reach the ring in the other order than their snapshots
 * were taken: a FIN's FIN_WAIT_2>TIME_WAIT on one CPU after the other CPU's
 * sweep reported that TIME_WAIT's end.  Each CPU's own events keep their
 * order.  Across CPUs, an instance's packet count orders them: every packet
 * adds one under the lock before its snapshot, so the snapshots of two
 * packets differ in it.  Events with the same count are one packet's (in
 * arrival order, from one CPU) or the sweep's and an eviction's, which add
 * none and come after that packet's (they act on the entry it left); the
 * sweep's events carry no TCP flags.  Time orders none of this reliably:
 * a packet's time is read before it waits for the lock, and the sweep's at
 * the start of its walk.  So the chain is checked per instance in
 * (packets, the packet's before the sweep's, arrival) order, after the run.
 */
struct ch_ev {
	__u32 id;		/* index in ids[] */
	__u32 seq;		/* arrival */
	__u64 pk, by;
	__u8 late;		/* not a packet's transition: the sweep's, an expiry */
	__u8 type, side, from, to, last, cstate, sstate;
};

static struct ch_ev *evs;
static size_t n_evs, cap_evs;

static int ch_on_event(void *ctx, void *data, size_t len)
{
	const struct xdpct_event *e = data;
	struct xdpct_flow_key k;
	struct ch_ev *v;

	ch_events++;
	ch_event_key(e, &k);
	if (n_evs == cap_evs) {
		cap_evs = cap_evs ? 2 * cap_evs : 1 << 16;
		evs = realloc(evs, cap_evs * sizeof(*evs));
		cr_assert_not_null(evs);
	}
	v = &evs[n_evs];
	v->id = ch_find(&k, e->first_seen_ns) - ids;
	v->seq = n_evs++;
	v->late = e->type != XDPCT_EV_TRANSITION || !e->tcp_flags;
	v->pk = e->packets[0] + e->packets[1];
	v->by = e->bytes[0] + e->bytes[1];
	v->type = e->type;
	v->side = e->side & 1;
	v->from = e->from;
	v->to = e->to;
	v->last = e->last;
	v->cstate = e->cstate;
	v->sstate = e->sstate;
	if (e->type == XDPCT_EV_TRANSITION) {
		ch_trans++;
	} else if (e->type == XDPCT_EV_EXPIRED) {
		if (e->reason == XDPCT_EXP_EVICTED)
			ch_evicted++;
		else if (e->reason == XDPCT_EXP_REOPENED)
			ch_reopened++;
		else
			ch_expired++;
	}
	return 0;
}

static int ch_ev_cmp(const void *a, const void *b)
{
	const struct ch_ev *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->pk != y->pk)
		return x->pk < y->pk ? -1 : 1;
	if (x->late != y->late)
		return x->late < y->late ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every instance's events in its own order (above): the chain holds. */
static void ch_check_events(void)
{
	size_t i;

	qsort(evs, n_evs, sizeof(*evs), ch_ev_cmp);
	for (i = 0; i < n_evs; i++) {
		const struct ch_ev *v = &evs[i];
		struct ch_id *d = &ids[v->id];

		d->pk = v->pk;
		d->by = v->by;
		if (v->type != XDPCT_EV_TRANSITION)
			continue;
		/* the chain of one instance: each "from" where the last left it
		 * (an instance's first transitions may start from a reopened
		 * entry's old states, not known here) */
		if (d->known)
			cr_assert_eq(v->from, d->st[v->side], "port %u: %s %s>%s, but it was %s",
				     d->key.port[0] == 80 ? d->key.port[1] : d->key.port[0],
				     v->side ? "server" : "client", h_state_name(v->from),
				     h_state_name(v->to), h_state_name(d->st[v->side]));
		d->st[v->side] = v->to;
		if (v->last) {
			d->st[0] = v->cstate;
			d->st[1] = v->sstate;
			d->known = 1;
		}
	}
}

static int ch_table_entry(const struct xdpct_flow_key *k, const struct xdpct_flow *f, void *arg)
{
	struct ch_id *d = ch_find(k, f->first_seen_ns);
	__u64 pk = xdpct_flow_packets(f, 0) + xdpct_flow_packets(f, 1);

	cr_assert_geq(pk, d->pk);
	d->pk = pk;
	d->by = xdpct_flow_bytes(f, 0) + xdpct_flow_bytes(f, 1);
	return 0;
}

/* What was seen of key i's instances (on a failure). */
static void ch_dump(int key)
{
	int i;

	for (i = 0; i < CH_IDS; i++) {
		struct ch_id *d = &ids[i];
		int k;

		if (!d->used)
			continue;
		k = (d->key.port[0] == 80 ? d->key.port[1] : d->key.port[0]) - 30000;
		if (k == key)
			cr_log_error("key %d instance first_seen %llu: %llu packets %llu bytes, "
				     "%s/%s", key, (unsigned long long)d->first_seen,
				     (unsigned long long)d->pk, (unsigned long long)d->by,
				     h_state_name(d->st[0]), h_state_name(d->st[1]));
	}
}

Test(concurrency, churn_reopen_sweep_evict_account_exactly, .timeout = 600)
{
	static struct ch_side a = { .cpu = 0, .base = 0 }, b = { .cpu = 1, .base = CH_KEYS };
	struct xdpct_cfg cfg;
	struct ring_buffer *rb;
	pthread_t ta, tb;
	__u64 pk = 0, by = 0, key_pk[2 * CH_KEYS] = { 0 }, key_by[2 * CH_KEYS] = { 0 };
	long rounds = 300;
	int i, ta_live = 1, tb_live = 1;

	if (getenv("XDPCT_CONCURRENCY_ROUNDS"))
		rounds = atol(getenv("XDPCT_CONCURRENCY_ROUNDS")) / 10 + 1;
	a.rounds = b.rounds = rounds;
	h_default_cfg(&cfg);
	cfg.replay_clock = 0;			/* first_seen_ns tells instances apart */
	cfg.time_wait_ns = 200 * 1000;		/* tiny: the sweep takes entries */
	cfg.close_ns = 100 * 1000;
	cfg.syn_ns = 2 * 1000 * 1000;
	cfg.closing_ns = 2 * 1000 * 1000;
	cr_assert_eq(h_open(&H, &cfg, CH_TABLE), 0);
	/* our own reader: every event, however many */
	rb = ring_buffer__new(bpf_map__fd(H.skel->maps.xdpct_events), ch_on_event, NULL, NULL);
	cr_assert_not_null(rb);
	memset(ids, 0, sizeof(ids));

	pthread_create(&ta, NULL, churn, &a);
	pthread_create(&tb, NULL, churn, &b);
	/* drained until both are done: a thread waits for the reader to keep up */
	while (!ch_stop) {
		ring_buffer__poll(rb, 1);
		if (ta_live && !pthread_tryjoin_np(ta, NULL))
			ta_live = 0;
		if (tb_live && !pthread_tryjoin_np(tb, NULL))
			tb_live = 0;
		ch_stop = !ta_live && !tb_live;
	}
	while (ring_buffer__consume(rb) > 0)
		;
	cr_assert_eq(a.errors + b.errors, 0, "verdicts other than XDP_PASS");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_EVENTS_LOST), 0, "events lost: the reader fell behind");
	ch_check_events();
	h_for_each_flow(&H, ch_table_entry, NULL);
	/* every insert and delete on both CPUs kept the offloader's bins exact */
	cr_assert_eq(h_bins_mismatch(&H), 0, "flow bins (bpf/lib/flow_bins.h) off the table");

	cr_log_info("churn: evicted %llu expired %llu reopened %llu no-entry %llu midstream %llu",
		    (unsigned long long)h_stat(&H, XDPCT_STAT_FLOWS_EVICTED),
		    (unsigned long long)h_stat(&H, XDPCT_STAT_FLOWS_EXPIRED),
		    (unsigned long long)h_stat(&H, XDPCT_STAT_FLOWS_REOPENED),
		    (unsigned long long)(a.unc_pk + b.unc_pk),
		    (unsigned long long)h_stat(&H, XDPCT_STAT_FLOWS_MIDSTREAM));
	/* the decisions under test all happened, on both CPUs */
	cr_assert_gt(h_stat(&H, XDPCT_STAT_FLOWS_EVICTED), 100);
	cr_assert_gt(h_stat(&H, XDPCT_STAT_FLOWS_EXPIRED), 100);
	cr_assert_gt(h_stat(&H, XDPCT_STAT_FLOWS_REOPENED), 100);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_EVICTED), ch_evicted);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_EXPIRED), ch_expired);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_REOPENED), ch_reopened,
		     "reopens without the old connection's end record");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_TRANSITIONS), ch_trans, "transitions without events");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_NO_FLOW) + h_stat(&H, XDPCT_STAT_INSERT_FAILED) +
		     h_stat(&H, XDPCT_STAT_FLOW_BUSY), a.unc_pk + b.unc_pk);

	for (i = 0; i < CH_IDS; i++) {
		struct ch_id *d = &ids[i];
		int key;

		if (!d->used)
			continue;
		pk += d->pk;
		by += d->by;
		key = (d->key.port[0] == 80 ? d->key.port[1] : d->key.port[0]) - 30000;
		cr_assert(key >= 0 && key < 2 * CH_KEYS, "an event of no connection (port %d)",
			  key + 30000);
		key_pk[key] += d->pk;
		key_by[key] += d->by;
	}
	for (i = 0; i < 2 * CH_KEYS; i++) {
		__u64 sent = i < CH_KEYS ? a.key_pk[i] : b.key_pk[i - CH_KEYS];
		__u64 sent_by = i < CH_KEYS ? a.key_by[i] : b.key_by[i - CH_KEYS];

		if (key_by[i] != sent_by || key_pk[i] != sent)
			ch_dump(i);
		cr_assert_eq(key_by[i], sent_by,
			     "key %d: %llu bytes accounted, %llu sent into an entry", i,
			     (unsigned long long)key_by[i], (unsigned long long)sent_by);
		cr_assert_eq(key_pk[i], sent,
			     "key %d: %llu packets accounted, %llu sent into an entry", i,
			     (unsigned long long)key_pk[i], (unsigned long long)sent);
	}
	cr_assert_eq(pk + a.unc_pk + b.unc_pk, a.sent_pk + b.sent_pk,
		     "packets: %llu accounted + %llu in no entry, %llu sent",
		     (unsigned long long)pk, (unsigned long long)(a.unc_pk + b.unc_pk),
		     (unsigned long long)(a.sent_pk + b.sent_pk));
	cr_assert_eq(by + a.unc_by + b.unc_by, a.sent_by + b.sent_by,
		     "bytes: %llu accounted + %llu in no entry, %llu sent", (unsigned long long)by,
		     (unsigned long long)(a.unc_by + b.unc_by),
		     (unsigned long long)(a.sent_by + b.sent_by));
	cr_log_info("churn: %llu packets, %llu events, %llu evicted, %llu expired, %llu reopened, "
		    "%llu without a flow", (unsigned long long)(a.sent_pk + b.sent_pk),
		    (unsigned long long)ch_events, (unsigned long long)ch_evicted,
		    (unsigned long long)ch_expired,
		    (unsigned long long)h_stat(&H, XDPCT_STAT_FLOWS_REOPENED),
		    (unsigned long long)h_stat(&H, XDPCT_STAT_NO_FLOW));
	ring_buffer__free(rb);
	free(evs);
	h_close(&H);
}
