// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hazard slots (bpf/lib/hazard.h): every decider that deletes or wipes an
 * entry waits for any CPU that is writing into it without the lock.
 *
 * A CPU caught inside the lock-free path's window cannot be staged from a
 * test (it lasts a dozen instructions), so the window is held open by hand:
 * a CPU's slot in the per-CPU work area (xdpct_work.hazard, found by BTF)
 * is set to an entry's tag from userspace, as if that CPU were stuck in
 * its window.  Each decider must then wait on it, give up at the bound and
 * count hazard_timeouts, and still finish its job (the entry goes, its end
 * record is sent); with the slot clear, or holding another key's tag, it
 * must not wait at all.  The deciders: the sweep (idle expiry), eviction
 * (a full table), a reopening SYN on a TIME_WAIT entry (RFC 9293 3.10.7.4
 * / RFC 6191) and the cookie path's flow start over a dead entry
 * (test_syncookie_prog covers that one's end record).  And the lock-free
 * path itself leaves every slot clear.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include "xdpct/config.h"
#include "xdpct.skel.h"
#include "harness.h"
#include "pkt.h"

static struct harness H;
static int work_fd, hz_off, val_sz, ncpu;
static __u8 *vals;

static void pin_cpu0(void)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(0, &s);
	cr_assert_eq(sched_setaffinity(0, sizeof(s), &s), 0);
}

/* The offset of struct xdpct_work's hazard, from the object's BTF. */
static int hazard_offset(void)
{
	const struct btf *btf = bpf_object__btf(H.skel->obj);
	const struct btf_type *t;
	const struct btf_member *m;
	int id, i;

	cr_assert_not_null(btf);
	id = btf__find_by_name_kind(btf, "xdpct_work", BTF_KIND_STRUCT);
	cr_assert_gt(id, 0, "no struct xdpct_work in the object's BTF");
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), "hazard"))
			return btf_member_bit_offset(t, i) / 8;
	cr_assert_fail("struct xdpct_work has no hazard");
	return -1;
}

static void open_h(__u32 max_flows)
{
	struct xdpct_cfg cfg;

	pin_cpu0();
	h_default_cfg(&cfg);
	cr_assert_eq(h_open(&H, &cfg, max_flows), 0);
	work_fd = bpf_map__fd(H.skel->maps.xdpct_work);
	ncpu = libbpf_num_possible_cpus();
	val_sz = (bpf_map__value_size(H.skel->maps.xdpct_work) + 7) & ~7;
	vals = calloc(ncpu, val_sz);
	cr_assert_not_null(vals);
	hz_off = hazard_offset();
}

static void close_h(void)
{
	free(vals);
	h_close(&H);
}

/* CPU cpu's slot: read (set < 0) or set to tag. */
static __u64 slot(int cpu, long long set)
{
	__u32 zero = 0;
	__u64 v;

	cr_assert_eq(bpf_map_lookup_elem(work_fd, &zero, vals), 0);
	if (set >= 0) {
		v = set;
		memcpy(vals + cpu * val_sz + hz_off, &v, 8);
		cr_assert_eq(bpf_map_update_elem(work_fd, &zero, vals, 0), 0);
	}
	memcpy(&v, vals + cpu * val_sz + hz_off, 8);
	return v;
}

/* The other CPU's slot, or this one's on a one-CPU machine: any CPU counts. */
static int other_cpu(void)
{
	return ncpu > 1 ? 1 : 0;
}

static __u64 now_ns = 1000000000ULL;

static void run(struct pkt_spec *s)
{
	struct pkt p;

	now_ns += 1000000;
	h_set_now(&H, now_ns);
	pkt_build(&p, s);
	cr_assert_eq(h_run_pkt(&H, &p), 2 /* XDP_PASS */);
}

static void spec(struct pkt_spec *s, int i, int server)
{
	pkt_spec_v4(s, "10.9.0.1", "10.9.0.2", 41000 + i, 80);
	if (server)
		pkt_spec_reverse(s);
}

#define CI 1000u
#define SI 500000u

/* A handshake on connection i; its tag. */
static __u32 open_conn(int i)
{
	struct pkt_spec s;
	struct h_tuple t;
	struct xdpct_flow f;

	spec(&s, i, 0);
	s.flags = TH_SYN, s.seq = CI, s.win = 64240;
	run(&s);
	spec(&s, i, 1);
	s.flags = TH_SYN | TH_ACK, s.seq = SI, s.ack = CI + 1, s.win = 65160;
	run(&s);
	spec(&s, i, 0);
	s.flags = TH_ACK, s.seq = CI + 1, s.ack = SI + 1, s.win = 502;
	run(&s);
	h_tuple_from_spec(&t, &s);
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	cr_assert_eq(f.state[0], XDPCT_S_ESTABLISHED);
	cr_assert_eq(f.state[1], XDPCT_S_ESTABLISHED);
	return f.tag;
}

static int have(int i)
{
	struct pkt_spec s;
	struct h_tuple t;
	struct xdpct_flow f;

	spec(&s, i, 0);
	h_tuple_from_spec(&t, &s);
	return h_lookup(&H, &t, &f) == 0;
}

static __u64 timeouts(void)
{
	return h_stat(&H, XDPCT_STAT_HAZARD_TIMEOUTS);
}

Test(hazard, lockfree_path_leaves_every_slot_clear)
{
	struct pkt_spec s;
	int i, c;

	open_h(64);
	open_conn(0);
	for (i = 0; i < 20; i++) {
		spec(&s, 0, i % 2);
		s.flags = TH_ACK;
		s.seq = (i % 2 ? SI : CI) + 1 + 100 * (i / 2);
		s.ack = (i % 2 ? CI : SI) + 1 + 100 * ((i + 1) / 2);
		s.win = 502;
		s.payload_len = 100;
		run(&s);
	}
	cr_assert_eq(h_stat(&H, XDPCT_STAT_INV_SEQ) + h_stat(&H, XDPCT_STAT_INV_ACK), 0);
	for (c = 0; c < ncpu; c++)
		cr_assert_eq(slot(c, -1), 0, "CPU %d's slot left set", c);
	cr_assert_eq(timeouts(), 0);
	close_h();
}

Test(hazard, sweep_waits_for_a_writer_in_the_entry)
{
	__u32 a, b;

	open_h(64);
	a = open_conn(0);
	b = open_conn(1);
	/* another key's writer: no wait */
	slot(other_cpu(), b + 1 == a ? b + 2 : b + 1);
	/* past the idle timeout, both go; a's writer is "stuck" */
	slot(other_cpu(), a);
	now_ns += (XDPCT_DEF_ESTABLISHED_S + 10) * 1000000000ULL;
	h_set_now(&H, now_ns);
	cr_assert_eq(h_sweep(&H), 2);
	cr_assert_eq(timeouts(), 1, "the sweep did not wait for the writer in a's entry");
	cr_assert(!have(0) && !have(1), "the sweep still deletes, at the bound");
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_EXPIRED), 2);
	close_h();
}

Test(hazard, sweep_does_not_wait_for_a_clear_slot)
{
	__u32 a;

	open_h(64);
	a = open_conn(0);
	slot(other_cpu(), a + 1);	/* another tag */
	now_ns += (XDPCT_DEF_ESTABLISHED_S + 10) * 1000000000ULL;
	h_set_now(&H, now_ns);
	cr_assert_eq(h_sweep(&H), 2);
	cr_assert_eq(timeouts(), 0);
	cr_assert(!have(0));
	close_h();
}

/* A FIN each way and the last ACK: client TIME_WAIT, server CLOSED. */
static void close_conn(int i)
{
	struct pkt_spec s;

	spec(&s, i, 0);
	s.flags = TH_FIN | TH_ACK, s.seq = CI + 1, s.ack = SI + 1, s.win = 502;
	run(&s);
	spec(&s, i, 1);
	s.flags = TH_FIN | TH_ACK, s.seq = SI + 1, s.ack = CI + 2, s.win = 502;
	run(&s);
	spec(&s, i, 0);
	s.flags = TH_ACK, s.seq = CI + 2, s.ack = SI + 2, s.win = 502;
	run(&s);
}

Test(hazard, reopening_syn_waits_for_a_writer_in_the_entry)
{
	struct pkt_spec s;
	__u32 a;

	open_h(64);
	a = open_conn(0);
	close_conn(0);
	slot(other_cpu(), a);
	/* RFC 6191: a new SYN, its ISN above the old connection's */
	spec(&s, 0, 0);
	s.flags = TH_SYN, s.seq = CI + 100000, s.win = 64240;
	run(&s);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_REOPENED), 1, "not reopened");
	cr_assert_eq(timeouts(), 1, "the reopening SYN did not wait for the writer");
	/* the SYN-ACK of a live handshake does not wait: nothing to reopen */
	spec(&s, 0, 1);
	s.flags = TH_SYN | TH_ACK, s.seq = SI, s.ack = CI + 100001, s.win = 65160;
	run(&s);
	cr_assert_eq(timeouts(), 1, "a SYN-ACK of a new handshake waited");
	close_h();
}

Test(hazard, eviction_waits_for_a_writer_in_the_victim)
{
	struct pkt_spec s;
	struct h_tuple t;
	struct xdpct_flow f;
	int i, n = 8;

	open_h(n);
	/* n half-open connections fill the table; the first is the first victim */
	for (i = 0; i < n; i++) {
		spec(&s, 100 + i, 0);
		s.flags = TH_SYN, s.seq = CI, s.win = 64240;
		run(&s);
	}
	cr_assert_eq(h_flow_count(&H), n);
	spec(&s, 100, 0);
	h_tuple_from_spec(&t, &s);
	cr_assert_eq(h_lookup(&H, &t, &f), 0);
	slot(other_cpu(), f.tag);
	spec(&s, 200, 0);
	s.flags = TH_SYN, s.seq = CI, s.win = 64240;
	run(&s);
	cr_assert_eq(h_stat(&H, XDPCT_STAT_FLOWS_EVICTED), 1);
	cr_assert_eq(timeouts(), 1, "the eviction did not wait for the writer in its victim");
	cr_assert(!have(100) && have(200));
	close_h();
}
