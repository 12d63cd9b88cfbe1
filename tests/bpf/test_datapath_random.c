// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Seeded randomised test of the real datapath (BPF_PROG_TEST_RUN).  Many
 * connections run at once, each a plausible TCP exchange (handshakes,
 * simultaneous opens, Fast Open, data, retransmissions, every way of
 * closing, resets, refusals, midstream pickups, reuse of the same tuple),
 * interleaved with mutated copies of their segments (bytes flipped, flags,
 * sequence numbers, header fields, truncations), random garbage frames,
 * non-TCP traffic, clock jumps and expiry sweeps.
 *
 * After every packet:
 *  - the counters obey xdpct_handle()'s accounting: packets goes up by
 *    one and exactly one of tcp, non_tcp, frag_later or a parser invalid_*
 *    with it; a TCP segment either finds its entry or ends in exactly one
 *    of no_flow, insert_failed, flows_created; the state machine's invalid_*
 *    only on an entry that exists; dropped exactly when the verdict is
 *    XDP_DROP and the invalid reason's drop option is on; events + lost =
 *    transitions + evictions; what the ring buffer holds = events.
 *  - a segment of a known connection bumps exactly its direction's packet
 *    count (back to 1 on a reopen), and its entry holds a possible pair of
 *    states (tests/lib/pairs.h says which and why).
 * Every few hundred packets and at the end, every entry is checked: a
 * possible pair, and the states the event stream says it should have
 * (each transition's "from" must be where the previous event left that
 * endpoint: no transition happens without an event).  At the end the
 * table holds created - evicted - expired entries and the totals satisfy
 *   packets = tcp + non_tcp + frag_later + invalid_{eth,vlan_depth,ip,
 *             ipv6_ext,tcp_hdr,tcp_flags,fragment}.
 *
 * XDPCT_SEED=n picks another seed; failures print the seed.
 * XDPCT_RANDOM_TICKS=n sends n packets per test (default 12000).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>
#include "conn.h"
#include "pairs.h"

#define NSLOTS	48
#define MAXPLAN	96

static __u64 rng;
static __u64 seed;

static __u32 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (__u32)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static __u32 rndn(__u32 n)
{
	return n ? rnd() % n : 0;
}

/* ---- connection plans ------------------------------------------------------ */

struct plan_step {
	__u8 who, flags;
	__u16 len;
	__u32 seq, ack;		/* relative to the sender's / receiver's ISN */
};

struct slot {
	const struct variant *v;
	struct pkt_spec spec[2];
	struct xdpct_flow_key key;
	int cidx;
	__u32 isn[2];
	__u32 nxt[2];
	struct plan_step plan[MAXPLAN];
	int n, pos;
	int id;
};

static struct slot slots[NSLOTS];
static struct harness H;
static struct xdpct_cfg cfg;
static __u64 now;

static void add(struct slot *s, __u8 who, __u8 flags, __u32 seq, __u32 ack, __u16 len)
{
	if (s->n >= MAXPLAN)
		return;
	s->plan[s->n++] = (struct plan_step){ .who = who, .flags = flags, .len = len,
					      .seq = seq, .ack = ack };
}

static void data(struct slot *s, __u8 w)
{
	__u16 len = 1 + rndn(1400);

	add(s, w, PA, s->nxt[w], s->nxt[!w], len);
	s->nxt[w] += len;
	if (rndn(4))
		add(s, !w, ACK, s->nxt[!w], s->nxt[w], 0);
}

/* Occasionally send the last step again (a retransmission). */
static void maybe_dup(struct slot *s)
{
	if (s->n && s->n < MAXPLAN && !rndn(6))
		s->plan[s->n] = s->plan[s->n - 1], s->n++;
}

static void close_plan(struct slot *s)
{
	__u8 a = rndn(2), b = !a;
	int i, k = rndn(5);

	switch (rndn(6)) {
	case 0:		/* a closes, b acks, sends some more, closes */
	case 1:
		add(s, a, FA, s->nxt[a], s->nxt[b], 0);
		maybe_dup(s);
		s->nxt[a]++;
		add(s, b, ACK, s->nxt[b], s->nxt[a], 0);
		for (i = 0; i < k; i++)
			data(s, b);
		add(s, b, FA, s->nxt[b], s->nxt[a], 0);
		maybe_dup(s);
		s->nxt[b]++;
		add(s, a, ACK, s->nxt[a], s->nxt[b], 0);
		maybe_dup(s);
		break;
	case 2:		/* simultaneous */
		add(s, a, FA, s->nxt[a], s->nxt[b], 0);
		add(s, b, FA, s->nxt[b], s->nxt[a], 0);
		s->nxt[a]++;
		s->nxt[b]++;
		add(s, a, ACK, s->nxt[a], s->nxt[b], 0);
		add(s, b, ACK, s->nxt[b], s->nxt[a], 0);
		break;
	case 3:		/* the second FIN acks the first */
		add(s, a, FA | PSH, s->nxt[a], s->nxt[b], 10);
		s->nxt[a] += 11;
		add(s, b, FA, s->nxt[b], s->nxt[a], 0);
		s->nxt[b]++;
		add(s, a, ACK, s->nxt[a], s->nxt[b], 0);
		break;
	case 4:		/* reset */
		add(s, a, rndn(2) ? RST : RA, s->nxt[a], s->nxt[b], 0);
		break;
	default:	/* abandoned: left to expiry or eviction */
		break;
	}
}

static void new_plan(struct slot *s)
{
	int i, k;
	__u16 tfo;

	s->n = 0;
	s->pos = 0;
	s->isn[C] += 100000 + rnd();
	s->isn[S] += rnd();
	s->nxt[C] = s->nxt[S] = 1;
	switch (rndn(8)) {
	case 0:		/* refused */
		add(s, C, SYN, 0, 0, 0);
		maybe_dup(s);
		add(s, S, RA, 0, 1, 0);
		return;
	case 1:		/* simultaneous open */
		add(s, C, SYN, 0, 0, 0);
		add(s, S, SYN, 0, 0, 0);
		add(s, C, SA, 0, 1, 0);
		add(s, S, SA, 0, 1, 0);
		break;
	case 2:		/* picked up midstream */
		s->nxt[C] = rnd();
		s->nxt[S] = rnd();
		break;
	case 3:		/* half-open, never answered */
		add(s, C, SYN, 0, 0, 0);
		maybe_dup(s);
		return;
	default:	/* handshake, maybe Fast Open, retransmissions */
		tfo = rndn(4) ? 0 : 1 + rndn(200);
		add(s, C, rndn(8) ? SYN : SYN | TH_ECE | TH_CWR, 0, 0, tfo);
		maybe_dup(s);
		add(s, S, SA, 0, 1 + tfo, 0);
		maybe_dup(s);
		add(s, C, ACK, 1 + tfo, 1, 0);
		s->nxt[C] = 1 + tfo;
		break;
	}
	k = rndn(8);
	for (i = 0; i < k; i++)
		data(s, rndn(2));
	close_plan(s);
}

static void slot_init(struct slot *s, int id)
{
	struct conn c;
	struct harness *h = &H;

	/* conn.c's addressing and encapsulation; a fresh tuple per id */
	conn_init(&c, h, &conn_variants[rndn(conn_nvariants)], id);
	s->v = c.v;
	s->spec[C] = c.spec[C];
	s->spec[S] = c.spec[S];
	s->key = c.key;
	s->cidx = c.cidx;
	s->isn[C] = rnd();
	s->isn[S] = rnd();
	s->id = id;
	new_plan(s);
}

static void build_step(struct slot *s, const struct plan_step *st, struct pkt *p)
{
	struct pkt_spec sp = s->spec[st->who];

	sp.flags = st->flags;
	sp.seq = s->isn[st->who] + st->seq;
	sp.ack = s->isn[!st->who] + st->ack;
	sp.win = 65535;
	sp.payload_len = st->len;
	if ((st->flags & TH_SYN) && rndn(2))
		pkt_opts_linux_syn(&sp, 1460, rndn(15));
	else
		pkt_opts_clear(&sp);
	cr_assert(pkt_build(p, &sp) > 0);
}

/* ---- mutations and garbage ------------------------------------------------- */

static void mutate(struct pkt *p)
{
	int i, n;

	switch (rndn(9)) {
	case 0:		/* flip bytes anywhere */
		n = 1 + rndn(3);
		for (i = 0; i < n; i++)
			p->buf[rndn(p->len)] ^= 1 << rndn(8);
		break;
	case 1:		/* any flags byte */
		if (p->l4_off)
			pkt_tcp_set_flags(p, rnd());
		break;
	case 2:		/* sequence / ack anywhere */
		if (p->l4_off) {
			__u32 v = rnd();

			memcpy(p->buf + p->l4_off + 4 + 4 * rndn(2), &v, 4);
		}
		break;
	case 3:		/* frame cut */
		pkt_truncate(p, rndn(p->len));
		break;
	case 4:		/* datagram cut, lengths made to match */
		if (p->len > p->l3_off + 40) {
			__u32 len = p->l3_off + 40 + rndn(p->len - p->l3_off - 40);

			p->len = len;
			if (p->buf[p->l3_off] >> 4 == 4)
				pkt_ipv4_set_tot_len(p, len - p->l3_off);
			else
				pkt_ipv6_set_plen(p, len - p->l3_off - 40);
		}
		break;
	case 5:
		if (p->l4_off)
			pkt_tcp_set_doff(p, rndn(16));
		break;
	case 6:
		pkt_ip_set_version(p, rndn(16));
		break;
	case 7:
		if (p->buf[p->l3_off] >> 4 == 4)
			pkt_ipv4_set_ihl(p, rndn(16));
		break;
	default:	/* the window */
		if (p->l4_off)
			pkt_set_be16(p, p->l4_off + 14, rnd());
		break;
	}
}

static void garbage(struct pkt *p)
{
	struct pkt_spec s;
	__u32 i;

	switch (rndn(4)) {
	case 0:		/* noise */
		memset(p, 0, sizeof(*p));
		p->len = rndn(200);
		for (i = 0; i < p->len; i++)
			p->buf[i] = rnd();
		break;
	case 1:		/* UDP / ICMP */
		pkt_spec_v4(&s, "10.9.9.9", "10.8.8.8", rnd(), rnd());
		s.proto = rndn(2) ? IPPROTO_UDP : IPPROTO_ICMP;
		s.payload_len = rndn(100);
		pkt_build(p, &s);
		break;
	case 2:		/* ARP */
		pkt_spec_arp(&s, "10.0.0.1", "10.0.0.2");
		pkt_build(p, &s);
		break;
	default:	/* TCP from nowhere, any flags, maybe a fragment */
		pkt_spec_v4(&s, "10.7.0.1", "10.7.0.2", 1 + rndn(8), 1 + rndn(8));
		s.flags = rnd();
		s.seq = rnd();
		s.ack = rnd();
		s.payload_len = rndn(64);
		if (!rndn(4))
			s.frag_off = rndn(3);
		pkt_build(p, &s);
		break;
	}
}

/* ---- the event-stream model ------------------------------------------------- */

/* States per entry as the events say; open addressing on the key. */
#define MSIZE (1 << 17)	/* > the largest table a test loads */
struct model {
	struct xdpct_flow_key key;
	__u8 used;
	__u8 st[2];	/* by key endpoint index */
};
static struct model model[MSIZE];

static __u32 key_hash(const struct xdpct_flow_key *k)
{
	const __u8 *b = (const __u8 *)k;
	__u32 h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static struct model *model_get(const struct xdpct_flow_key *k, int create)
{
	__u32 i = key_hash(k) & (MSIZE - 1), n;
	struct model *slot = NULL;	/* first tombstone: reused on insert */

	for (n = 0; n < MSIZE; n++, i = (i + 1) & (MSIZE - 1)) {
		if (model[i].used == 1 && !memcmp(&model[i].key, k, sizeof(*k)))
			return &model[i];
		if (model[i].used == 2 && !slot)
			slot = &model[i];
		if (!model[i].used) {
			if (!slot)
				slot = &model[i];
			break;
		}
	}
	if (!create)
		return NULL;
	if (!slot)
		cr_assert_fail("seed %#llx: model table full", (unsigned long long)seed);
	slot->used = 1;
	slot->key = *k;
	slot->st[0] = slot->st[1] = XDPCT_S_NONE;
	return slot;
}

static void model_del(const struct xdpct_flow_key *k)
{
	struct model *m = model_get(k, 0);

	if (m)
		m->used = 2;	/* tombstone */
}

/* The event's entry key and which endpoint index its client is. */
static int event_key(const struct xdpct_event *e, struct xdpct_flow_key *k)
{
	struct h_tuple t = { .family = e->family };

	memcpy(t.saddr, e->client_addr, 16);
	memcpy(t.daddr, e->server_addr, 16);
	t.sport = e->client_port;
	t.dport = e->server_port;
	t.vlan[0] = e->vlan[0];
	t.vlan[1] = e->vlan[1];
	return h_make_key(k, &t);
}

static void model_events(int first, int n)
{
	int i;

	for (i = first; i < first + n; i++) {
		const struct xdpct_event *e = &H.ev[i];
		struct xdpct_flow_key k;
		struct model *m;
		int cidx = event_key(e, &k), ep;

		if (e->type == XDPCT_EV_EXPIRED && e->reason == XDPCT_EXP_REOPENED) {
			/* the replaced connection's end record: its last states, as
			 * the model has them; the entry goes on, its next instance's
			 * transitions start from them */
			m = model_get(&k, 0);
			cr_assert(m, "seed %#llx: an end record of no connection",
				  (unsigned long long)seed);
			cr_assert(e->cstate == m->st[cidx] && e->sstate == m->st[!cidx],
				  "seed %#llx: end record %s/%s, but the events left %s/%s",
				  (unsigned long long)seed, h_state_name(e->cstate),
				  h_state_name(e->sstate), h_state_name(m->st[cidx]),
				  h_state_name(m->st[!cidx]));
			continue;
		}
		if (e->type == XDPCT_EV_EXPIRED) {
			model_del(&k);
			continue;
		}
		cr_assert_eq(e->type, XDPCT_EV_TRANSITION);
		m = model_get(&k, 1);
		ep = e->side == 0 ? cidx : !cidx;
		/* a server goes NONE -> LISTEN with the client's SYN, silently */
		cr_assert(m->st[ep] == e->from ||
			  (m->st[ep] == XDPCT_S_NONE && e->from == XDPCT_S_LISTEN),
			  "seed %#llx: event %s -> %s, but the last event left it in %s",
			  (unsigned long long)seed, h_state_name(e->from), h_state_name(e->to),
			  h_state_name(m->st[ep]));
		cr_assert_neq(e->from, e->to);
		m->st[ep] = e->to;
	}
}

static int check_entry(const struct xdpct_flow_key *k, const struct xdpct_flow *f, void *arg)
{
	struct model *m = model_get(k, 0);
	int i;

	(void)arg;
	cr_assert(xdpct_flow_pair_possible(f),
		  "seed %#llx: entry holds client %s server %s", (unsigned long long)seed,
		  h_state_name(f->state[f->client & 1]), h_state_name(f->state[!(f->client & 1)]));
	cr_assert(m, "seed %#llx: an entry no event announced", (unsigned long long)seed);
	for (i = 0; i < 2; i++)
		cr_assert(m->st[i] == f->state[i] ||
			  (m->st[i] == XDPCT_S_NONE && f->state[i] == XDPCT_S_LISTEN),
			  "seed %#llx: endpoint %d is %s, the events say %s",
			  (unsigned long long)seed, i, h_state_name(f->state[i]),
			  h_state_name(m->st[i]));
	return 0;
}

/* ---- the run --------------------------------------------------------------------- */

static const int parse_inv[] = { XDPCT_STAT_INV_ETH, XDPCT_STAT_INV_VLAN_DEPTH,
				 XDPCT_STAT_INV_IP, XDPCT_STAT_INV_IPV6_EXT,
				 XDPCT_STAT_INV_TCP_HDR, XDPCT_STAT_INV_TCP_FLAGS,
				 /* RFC 1858: a tiny first or an overlapping later fragment */
				 XDPCT_STAT_INV_FRAG };
static const int fsm_inv[] = { XDPCT_STAT_INV_SEQ, XDPCT_STAT_INV_ACK, XDPCT_STAT_INV_RST,
			       XDPCT_STAT_INV_SYNACK, XDPCT_STAT_INV_STATE };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct tally {
	unsigned script, mutated, garbage, sweeps, jumps, drops;
};

/* The frame as built is a bare SYN (the builder's TCP offset). */
static int pkt_is_bare_syn(const struct pkt *p)
{
	return p->l4_off && p->l4_off + 13 < p->len &&
	       (p->buf[p->l4_off + 13] & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
}

static int psyn_match(const struct xdpct_flow_key *k, const struct xdpct_flow *f, void *arg)
{
	__u32 *seq = arg;

	(void)k;
	if (f->pend && f->pend_seq == *seq)
		seq[1] = 1;
	return 0;
}

/* Some entry (the packet's key may be mutated) remembers this SYN now. */
static int psyn_remembered(const struct pkt *p)
{
	const __u8 *t = p->buf + p->l4_off + 4;
	__u32 seq[2] = { (__u32)t[0] << 24 | (__u32)t[1] << 16 | (__u32)t[2] << 8 | t[3], 0 };

	h_for_each_flow(&H, psyn_match, seq);
	return seq[1];
}

static int liberal_match(const struct xdpct_flow_key *k, const struct xdpct_flow *f, void *arg)
{
	__u16 *pt = arg;

	if ((f->flags & XDPCT_F_LIBERAL) &&
	    ((k->port[0] == pt[0] && k->port[1] == pt[1]) ||
	     (k->port[0] == pt[1] && k->port[1] == pt[0])))
		pt[2] = 1;
	return 0;
}

/* The entry on this segment's ports (its key may be mutated) is liberal. */
static int liberal_entry(const struct pkt *p)
{
	const __u8 *t = p->buf + p->l4_off;
	__u16 pt[3] = { (__u16)(t[0] << 8 | t[1]), (__u16)(t[2] << 8 | t[3]), 0 };

	h_for_each_flow(&H, liberal_match, pt);
	return pt[2];
}

/* One frame; the per-packet accounting rules. */
static void send_checked(const struct pkt *p, struct slot *s, int who, struct tally *t)
{
	__u64 b[XDPCT_STAT_SLOTS], a[XDPCT_STAT_SLOTS];
	__s64 d[XDPCT_STAT_SLOTS];
	struct xdpct_flow fb, fa;
	int had = 0, v, i, cls = 0, pinv = 0, finv = 0, newpath, drop_want = 0, n, first;

	if (s)
		had = !h_lookup_key(&H, &s->key, &fb);
	h_stats(&H, b);
	h_set_now(&H, now);
	v = h_run(&H, p->buf, p->len);
	cr_assert(v == XDP_PASS || v == XDP_DROP, "seed %#llx: verdict %d",
		  (unsigned long long)seed, v);
	h_stats(&H, a);
	for (i = 0; i < XDPCT_STAT_SLOTS; i++)
		d[i] = a[i] - b[i];

	cr_assert_eq(d[XDPCT_STAT_PACKETS], 1);
	for (i = 0; i < (int)NELEM(parse_inv); i++)
		pinv += d[parse_inv[i]];
	for (i = 0; i < (int)NELEM(fsm_inv); i++)
		finv += d[fsm_inv[i]];
	cls = d[XDPCT_STAT_TCP] + d[XDPCT_STAT_NON_TCP] + d[XDPCT_STAT_FRAG_LATER] + pinv;
	cr_assert_eq(cls, 1, "seed %#llx: %d classes for one packet", (unsigned long long)seed, cls);
	newpath = d[XDPCT_STAT_NO_FLOW] + d[XDPCT_STAT_INSERT_FAILED] + d[XDPCT_STAT_FLOWS_CREATED];
	cr_assert_leq(newpath, d[XDPCT_STAT_TCP]);
	cr_assert_leq(finv, 1);
	cr_assert(!finv || (d[XDPCT_STAT_TCP] && !newpath),
		  "seed %#llx: state-machine invalid without an entry", (unsigned long long)seed);
	/* a bad checksum (a mutated segment) is a TCP segment that moves nothing */
	cr_assert(!d[XDPCT_STAT_INV_CHECKSUM] || (d[XDPCT_STAT_TCP] && !newpath && !finv),
		  "seed %#llx: a bad checksum went further", (unsigned long long)seed);
	if (pinv || d[XDPCT_STAT_INV_STATE] || d[XDPCT_STAT_INV_SYNACK] ||
	    d[XDPCT_STAT_INV_CHECKSUM])
		drop_want = cfg.drop_invalid;
	/*
	 * a bare SYN in a synchronized connection is counted but passed
	 * (RFC 5961 4.2 ignores it; it may open the next connection over a
	 * stale entry): the entry remembers it
	 */
	if (d[XDPCT_STAT_INV_STATE] && pkt_is_bare_syn(p) && psyn_remembered(p))
		drop_want = 0;
	if (d[XDPCT_STAT_INV_SEQ] || d[XDPCT_STAT_INV_ACK] || d[XDPCT_STAT_INV_RST])
		drop_want = cfg.drop_window;
	/* a liberal (midstream, one side seen) entry counts window failures, passes them */
	if ((d[XDPCT_STAT_INV_SEQ] || d[XDPCT_STAT_INV_ACK]) && liberal_entry(p))
		drop_want = 0;
	cr_assert_eq(v == XDP_DROP, drop_want, "seed %#llx: verdict %d", (unsigned long long)seed,
		     v);
	cr_assert_eq(d[XDPCT_STAT_DROPPED], v == XDP_DROP);
	/* a reopen sends the old connection's end record first (issue 12) */
	cr_assert_eq(d[XDPCT_STAT_EVENTS] + d[XDPCT_STAT_EVENTS_LOST],
		     d[XDPCT_STAT_TRANSITIONS] + d[XDPCT_STAT_FLOWS_EVICTED] +
		     d[XDPCT_STAT_FLOWS_REOPENED]);
	cr_assert_eq(d[XDPCT_STAT_EVENTS_LOST], 0, "events lost although drained every packet");
	cr_assert_leq(d[XDPCT_STAT_FLOWS_EVICTED], 1);
	cr_assert_leq(d[XDPCT_STAT_FLOWS_EVICTED], d[XDPCT_STAT_FLOWS_CREATED]);
	t->drops += v == XDP_DROP;

	first = H.nev;
	n = h_drain(&H);
	cr_assert_eq(n, d[XDPCT_STAT_EVENTS]);
	model_events(first, n);
	if (H.nev > H_MAX_EVENTS / 2)
		h_clear_events(&H);

	if (!s)
		return;
	/* a segment of a known connection: it found its entry, or made one */
	cr_assert_eq(d[XDPCT_STAT_TCP], 1);
	if (had)
		cr_assert_eq(newpath, 0, "seed %#llx: entry existed, but %s",
			     (unsigned long long)seed,
			     d[XDPCT_STAT_NO_FLOW] ? "no_flow" : "a new one");
	else
		cr_assert_eq(newpath, 1, "seed %#llx: no entry, and no new-flow outcome",
			     (unsigned long long)seed);
	if (!h_lookup_key(&H, &s->key, &fa)) {
		int ep = who == C ? s->cidx : !s->cidx;

		cr_assert(xdpct_flow_pair_possible(&fa),
			  "seed %#llx slot %d: client %s server %s", (unsigned long long)seed,
			  s->id, h_state_name(fa.state[fa.client & 1]),
			  h_state_name(fa.state[!(fa.client & 1)]));
		if (had && !d[XDPCT_STAT_FLOWS_REOPENED])
			cr_assert_eq(xdpct_flow_packets(&fa, ep), xdpct_flow_packets(&fb, ep) + 1);
		else
			cr_assert_eq(xdpct_flow_packets(&fa, ep), 1);
	} else {
		/* nothing removes an entry on the packet path but eviction of another */
		cr_assert(!had, "seed %#llx: entry vanished", (unsigned long long)seed);
	}
}

static void sweep_checked(struct tally *t)
{
	__u64 b[XDPCT_STAT_SLOTS], a[XDPCT_STAT_SLOTS];
	int first, n;

	h_stats(&H, b);
	h_set_now(&H, now);
	cr_assert_eq(h_sweep(&H), XDP_PASS);
	h_stats(&H, a);
	cr_assert_eq(a[XDPCT_STAT_SWEEPS] - b[XDPCT_STAT_SWEEPS], 1);
	cr_assert_eq(a[XDPCT_STAT_PACKETS], b[XDPCT_STAT_PACKETS]);
	cr_assert_eq((a[XDPCT_STAT_EVENTS] - b[XDPCT_STAT_EVENTS]),
		     (a[XDPCT_STAT_TRANSITIONS] - b[XDPCT_STAT_TRANSITIONS]) +
		     (a[XDPCT_STAT_FLOWS_EXPIRED] - b[XDPCT_STAT_FLOWS_EXPIRED]));
	first = H.nev;
	n = h_drain(&H);
	cr_assert_eq((__u64)n, a[XDPCT_STAT_EVENTS] - b[XDPCT_STAT_EVENTS]);
	model_events(first, n);
	t->sweeps++;
}

static void check_table(void)
{
	__u64 a[XDPCT_STAT_SLOTS];
	int n;

	h_stats(&H, a);
	n = h_for_each_flow(&H, check_entry, NULL);
	cr_assert_eq((__u64)n, a[XDPCT_STAT_FLOWS_CREATED] - a[XDPCT_STAT_FLOWS_EVICTED] -
			       a[XDPCT_STAT_FLOWS_EXPIRED],
		     "seed %#llx: %d entries", (unsigned long long)seed, n);
}

/* XDPCT_RANDOM_TICKS=n runs n packets per test instead (hardening runs) */
static int ticks_or_env(int dflt)
{
	const char *env = getenv("XDPCT_RANDOM_TICKS");

	return env ? atoi(env) : dflt;
}

static void run(const struct xdpct_cfg *c, __u32 max_flows, int ticks)
{
	struct tally t = { 0 };
	__u64 a[XDPCT_STAT_SLOTS];
	struct pkt p;
	int i, tick;
	const char *env = getenv("XDPCT_SEED");

	seed = env ? strtoull(env, NULL, 0) : 0xc0ffee;
	rng = seed * 2654435761u + max_flows + 1;
	cfg = *c;
	memset(model, 0, sizeof(model));
	cr_assert(!h_open_frags(&H, &cfg, max_flows));
	now = 1000 * XDPCT_NSEC_PER_SEC;
	for (i = 0; i < NSLOTS; i++)
		slot_init(&slots[i], i);
	h_clear_events(&H);

	for (tick = 0; tick < ticks; tick++) {
		struct slot *s = &slots[rndn(NSLOTS)];
		__u32 r = rndn(100);

		now += 100000;
		if (r < 72) {
			const struct plan_step *st;

			if (s->pos >= s->n) {
				/* next connection: same tuple (reuse) or a new one */
				if (rndn(2))
					slot_init(s, NSLOTS + tick);
				else
					new_plan(s);
				now += rndn(3) ? 1000000 : cfg.time_wait_ns;
			}
			if (s->pos >= s->n)
				continue;
			st = &s->plan[s->pos++];
			build_step(s, st, &p);
			send_checked(&p, s, st->who, &t);
			t.script++;
		} else if (r < 86) {
			const struct plan_step *st = &s->plan[s->n ? rndn(s->n) : 0];

			if (!s->n)
				continue;
			build_step(s, st, &p);
			mutate(&p);
			send_checked(&p, NULL, 0, &t);
			t.mutated++;
		} else if (r < 95) {
			garbage(&p);
			send_checked(&p, NULL, 0, &t);
			t.garbage++;
		} else if (r < 98) {
			now += rndn(2) ? cfg.time_wait_ns : cfg.syn_ns;
			t.jumps++;
		} else {
			sweep_checked(&t);
		}
		if (tick % 500 == 499)
			check_table();
	}
	check_table();
	h_stats(&H, a);
	cr_assert_eq(a[XDPCT_STAT_PACKETS],
		     a[XDPCT_STAT_TCP] + a[XDPCT_STAT_NON_TCP] + a[XDPCT_STAT_FRAG_LATER] +
		     a[XDPCT_STAT_INV_ETH] + a[XDPCT_STAT_INV_VLAN_DEPTH] + a[XDPCT_STAT_INV_IP] +
		     a[XDPCT_STAT_INV_IPV6_EXT] + a[XDPCT_STAT_INV_TCP_HDR] +
		     a[XDPCT_STAT_INV_TCP_FLAGS] + a[XDPCT_STAT_INV_FRAG]);
	cr_assert_eq(a[XDPCT_STAT_DROPPED], t.drops);
	/* a later fragment is a segment too once its first one was seen (frag.h) */
	cr_assert_geq(a[XDPCT_STAT_TCP] + a[XDPCT_STAT_FRAG_LATER], a[XDPCT_STAT_NO_FLOW] + a[XDPCT_STAT_INSERT_FAILED] +
					 a[XDPCT_STAT_FLOWS_CREATED] + a[XDPCT_STAT_INV_SEQ] +
					 a[XDPCT_STAT_INV_ACK] + a[XDPCT_STAT_INV_RST] +
					 a[XDPCT_STAT_INV_SYNACK] + a[XDPCT_STAT_INV_STATE]);
	cr_log_info("seed %#llx, table %u: %u script, %u mutated, %u garbage packets, "
		    "%u sweeps, %u clock jumps; created %llu reopened %llu closed %llu "
		    "evicted %llu expired %llu insert_failed %llu; invalid seq %llu ack %llu "
		    "rst %llu synack %llu state %llu; dropped %u",
		    (unsigned long long)seed, max_flows, t.script, t.mutated, t.garbage, t.sweeps,
		    t.jumps, (unsigned long long)a[XDPCT_STAT_FLOWS_CREATED],
		    (unsigned long long)a[XDPCT_STAT_FLOWS_REOPENED],
		    (unsigned long long)a[XDPCT_STAT_FLOWS_CLOSED],
		    (unsigned long long)a[XDPCT_STAT_FLOWS_EVICTED],
		    (unsigned long long)a[XDPCT_STAT_FLOWS_EXPIRED],
		    (unsigned long long)a[XDPCT_STAT_INSERT_FAILED],
		    (unsigned long long)a[XDPCT_STAT_INV_SEQ],
		    (unsigned long long)a[XDPCT_STAT_INV_ACK],
		    (unsigned long long)a[XDPCT_STAT_INV_RST],
		    (unsigned long long)a[XDPCT_STAT_INV_SYNACK],
		    (unsigned long long)a[XDPCT_STAT_INV_STATE], t.drops);
	/* the mix must have exercised the paths, or it proves little */
	cr_assert(a[XDPCT_STAT_FLOWS_REOPENED] && a[XDPCT_STAT_FLOWS_CLOSED] &&
		  a[XDPCT_STAT_SYN_RETRANS] && a[XDPCT_STAT_INV_STATE]);
	h_close(&H);
}

Test(random, default_config)
{
	struct xdpct_cfg c;

	h_default_cfg(&c);
	run(&c, 0, ticks_or_env(12000));
}

/* A table too small for the load (evictions, failed inserts), drops on. */
Test(random, small_table_drops_on)
{
	struct xdpct_cfg c;

	h_default_cfg(&c);
	c.drop_invalid = 1;
	c.drop_window = 1;
	run(&c, 40, ticks_or_env(12000));
}

Test(random, no_midstream_short_timeouts)
{
	struct xdpct_cfg c;

	h_default_cfg(&c);
	c.no_midstream = 1;
	c.time_wait_ns = XDPCT_NSEC_PER_SEC;
	c.syn_ns = 2 * XDPCT_NSEC_PER_SEC;
	c.closing_ns = 2 * XDPCT_NSEC_PER_SEC;
	c.close_ns = XDPCT_NSEC_PER_SEC;
	run(&c, 64, ticks_or_env(12000));
}
