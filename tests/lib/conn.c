// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Connection driver for the datapath tests: see conn.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>
#include "conn.h"

#define WRAP_C 0xffffffc0u	/* 64 bytes of client data before 2^32 */
#define WRAP_S 0xffffffffu	/* the server's SYN takes the last number */

/*
 * Every sequence runs in each of these.  The IPv6 chain (6 headers,
 * including an atomic fragment header) and the IPv4 options move the TCP
 * header to offsets no other variant uses; the wrap ISNs make every
 * exchange cross 2^32 on both directions.
 */
#define V(n, fam, vl, ex) \
	{ n, fam, vl, ex, { 1000, 5000000 } }, \
	{ n "/wrap", fam, vl, ex, { WRAP_C, WRAP_S } }
const struct variant conn_variants[] = {
	V("v4", 4, 0, 0),
	V("v4/vlan", 4, 1, 0),
	V("v4/qinq", 4, 2, 0),
	V("v4/ipopts", 4, 0, 1),
	V("v4/qinq/ipopts", 4, 2, 1),
	V("v6", 6, 0, 0),
	V("v6/vlan", 6, 1, 0),
	V("v6/qinq", 6, 2, 0),
	V("v6/ext6", 6, 0, 1),
	V("v6/vlan/ext6", 6, 1, 1),
	V("v6/qinq/ext6", 6, 2, 1),
};
#undef V
const int conn_nvariants = sizeof(conn_variants) / sizeof(conn_variants[0]);

#define CHECK(c, line, cond, fmt, ...)						\
	cr_assert(cond, "%s, step %d (line %d): " fmt, (c)->name, (c)->nstep,	\
		  line, ##__VA_ARGS__)

static void spec_encap(struct pkt_spec *s, const struct variant *v, __u16 v0, __u16 v1)
{
	/* PCP bits set on purpose: the key holds the 12-bit id only */
	const __u16 ids[2] = { v0 | 0xa000, v1 | 0x2000 };
	static const __u8 ipopts[8] = { 0x94, 0x04, 0, 0, 1, 1, 1, 0 };

	pkt_spec_vlans(s, v->nvlan, ids);
	if (v->ext && v->family == 4) {
		memcpy(s->ip_opts, ipopts, sizeof(ipopts));
		s->ip_opts_len = sizeof(ipopts);
	}
	if (v->ext && v->family == 6) {
		pkt_spec_add_ext(s, PKT_EXT_HOP, 0);
		pkt_spec_add_ext(s, PKT_EXT_DSTOPT, 1);
		pkt_spec_add_ext(s, PKT_EXT_ROUTING, 0);
		pkt_spec_add_frag(s, 0, 0);
		pkt_spec_add_ext(s, PKT_EXT_AH, 0);
		pkt_spec_add_ext(s, PKT_EXT_DSTOPT, 0);
	}
}

static void conn_setup(struct conn *c, struct harness *h, const struct variant *v, int idx,
		       __u16 vlan0, __u16 vlan1)
{
	char cl[64], sv[64];

	memset(c, 0, sizeof(*c));
	c->h = h;
	c->v = v;
	snprintf(c->name, sizeof(c->name), "%s #%d", v->name, idx);
	/* odd runs put the client on the higher address: both key orders */
	if (v->family == 4) {
		snprintf(cl, sizeof(cl), "10.%d.%d.1", idx & 1 ? 200 : 1, (idx >> 1) & 255);
		snprintf(sv, sizeof(sv), "10.100.0.2");
		pkt_spec_v4(&c->spec[C], cl, sv, 40000 + idx, 80);
	} else {
		snprintf(cl, sizeof(cl), "fd00:%x::%x", idx & 1 ? 0xf000 : 1, idx + 1);
		snprintf(sv, sizeof(sv), "fd00:100::2");
		pkt_spec_v6(&c->spec[C], cl, sv, 40000 + idx, 443);
	}
	spec_encap(&c->spec[C], v, vlan0, vlan1);
	c->spec[S] = c->spec[C];
	pkt_spec_reverse(&c->spec[S]);
	h_tuple_from_spec(&c->tup, &c->spec[C]);
	c->cidx = h_make_key(&c->key, &c->tup);
	c->isn[C] = v->isn[0];
	c->isn[S] = v->isn[1];
	c->now = 10 * XDPCT_NSEC_PER_SEC;
	h_stats(h, c->stats);
}

void conn_init(struct conn *c, struct harness *h, const struct variant *v, int idx)
{
	conn_setup(c, h, v, idx, 100, 300);
}

void conn_init_vlan(struct conn *c, struct harness *h, const struct variant *v, int idx,
		    __u16 vlan0, __u16 vlan1)
{
	conn_setup(c, h, v, idx, vlan0, vlan1);
}

void conn_swap_roles(struct conn *c)
{
	struct pkt_spec t = c->spec[C];
	__u64 x;

	c->spec[C] = c->spec[S];
	c->spec[S] = t;
	h_tuple_from_spec(&c->tup, &c->spec[C]);
	c->cidx = h_make_key(&c->key, &c->tup);
	x = c->isn[C];
	c->isn[C] = c->isn[S];
	c->isn[S] = x;
	x = c->pk[C];
	c->pk[C] = c->pk[S];
	c->pk[S] = x;
	x = c->by[C];
	c->by[C] = c->by[S];
	c->by[S] = x;
	x = c->tfl[C];
	c->tfl[C] = c->tfl[S];
	c->tfl[S] = x;
}

void conn_build(struct conn *c, const struct step *s, struct pkt *p)
{
	struct pkt_spec sp = c->spec[s->who];

	sp.flags = s->flags;
	sp.seq = s->abs_seq ? (__u32)s->seq : (__u32)(c->isn[s->who] + s->seq);
	sp.ack = s->abs_ack ? (__u32)s->ack : (__u32)(c->isn[!s->who] + s->ack);
	sp.win = s->zero_win ? 0 : (s->win ? s->win : 65535);
	sp.payload_len = s->len;
	if (s->opts && !s->ts) {
		pkt_opts_linux_syn(&sp, 1460, 7);
	} else if (s->opts) {
		pkt_opts_clear(&sp);
		pkt_opt_mss(&sp, 1460);
		pkt_opt_sackperm(&sp);
		pkt_opt_ts(&sp, s->ts, 0);
		pkt_opt_nop(&sp);
		pkt_opt_wscale(&sp, 7);
	} else {
		pkt_opts_clear(&sp);
		if (s->ts) {
			pkt_opt_nop(&sp);
			pkt_opt_nop(&sp);
			pkt_opt_ts(&sp, s->ts, 0);
		}
	}
	if (s->sack) {
		__u32 l = (__u32)(c->isn[!s->who] + s->sack_l), r = (__u32)(c->isn[!s->who] + s->sack_r);
		__u8 o[10] = { 5, 10, l >> 24, l >> 16, l >> 8, l, r >> 24, r >> 16, r >> 8, r };

		pkt_opt_nop(&sp);
		pkt_opt_nop(&sp);
		pkt_opt_raw(&sp, o, sizeof(o));
	}
	cr_assert(pkt_build(p, &sp) > 0, "%s: packet does not fit", c->name);
}

void conn_resync(struct conn *c)
{
	h_stats(c->h, c->stats);
	c->have = h_lookup_key(c->h, &c->key, &c->prev) == 0;
}

void conn_flow(struct conn *c, struct xdpct_flow *f)
{
	int err = h_lookup_key(c->h, &c->key, f);

	cr_assert(!err, "%s: flow lookup failed: %d", c->name, err);
}

static int seq_after(__u32 a, __u32 b)
{
	return (__s32)(b - a) < 0;
}

static int is_inv(int id)
{
	return id >= XDPCT_STAT_INV_ETH && id <= XDPCT_STAT_INV_STATE;
}

/* Counter deltas: everything must match, not just the ones a test names. */
static void check_counters(struct conn *c, int line, const __u64 *before, const __u64 *after,
			   const __s64 *want)
{
	int i;

	for (i = 0; i < XDPCT_STAT_MAX; i++)
		CHECK(c, line, (__s64)(after[i] - before[i]) == want[i],
		      "counter %s moved by %lld, expected %lld", h_stat_name(i),
		      (long long)(after[i] - before[i]), (long long)want[i]);
}

static void check_event_common(struct conn *c, int line, const struct xdpct_event *e,
			       const struct xdpct_flow *f)
{
	CHECK(c, line, e->ts_ns == c->now, "event ts %llu, now %llu",
	      (unsigned long long)e->ts_ns, (unsigned long long)c->now);
	CHECK(c, line, e->family == c->v->family, "event family %u", e->family);
	CHECK(c, line, !memcmp(e->client_addr, c->tup.saddr, 16), "event client address");
	CHECK(c, line, !memcmp(e->server_addr, c->tup.daddr, 16), "event server address");
	CHECK(c, line, e->client_port == c->tup.sport && e->server_port == c->tup.dport,
	      "event ports %u -> %u", e->client_port, e->server_port);
	CHECK(c, line, e->vlan[0] == c->tup.vlan[0] && e->vlan[1] == c->tup.vlan[1],
	      "event vlans %u/%u", e->vlan[0], e->vlan[1]);
	/*
	 * The flow's last packet: the entry's after a packet's events (this
	 * packet's time); the sweep's and an expiry's, the entry's before
	 * the sweep, which moves no last_seen (RFC 7011 flowEndMilliseconds).
	 */
	if (f || c->have) {
		__u64 last = (f ? f : &c->prev)->last_seen_ns;

		CHECK(c, line, e->last_seen_ns == last, "event last_seen_ns %llu, entry's %llu",
		      (unsigned long long)e->last_seen_ns, (unsigned long long)last);
	}
	if (!f)
		return;
	CHECK(c, line, e->gen == f->gen, "event gen %u, entry %u", e->gen, f->gen);
	CHECK(c, line, e->flow_flags == f->flags, "event flow flags %#x, entry %#x",
	      e->flow_flags, f->flags);
	CHECK(c, line, e->packets[0] == c->pk[C] && e->packets[1] == c->pk[S],
	      "event packets %llu/%llu, expected %llu/%llu",
	      (unsigned long long)e->packets[0], (unsigned long long)e->packets[1],
	      (unsigned long long)c->pk[C], (unsigned long long)c->pk[S]);
	CHECK(c, line, e->bytes[0] == c->by[C] && e->bytes[1] == c->by[S],
	      "event bytes %llu/%llu, expected %llu/%llu",
	      (unsigned long long)e->bytes[0], (unsigned long long)e->bytes[1],
	      (unsigned long long)c->by[C], (unsigned long long)c->by[S]);
	CHECK(c, line, e->first_seen_ns == f->first_seen_ns &&
	      e->syn_ns == xdpct_flow_syn_ns(f) && e->synack_ns == xdpct_flow_synack_ns(f) &&
	      e->est_ns == xdpct_flow_est_ns(f),
	      "event timestamps differ from the entry");
}

/*
 * Time t as entry f keeps it (xdpct/flow.h, issue 14): a handshake time to
 * the microsecond, the state time to the millisecond after first_seen_ns.
 */
static __u64 q_hs(const struct xdpct_flow *f, __u64 t)
{
	return xdpct_hs_dec(f, xdpct_hs_enc(f, t));
}

static __u64 q_state(const struct xdpct_flow *f, __u64 t)
{
	struct xdpct_flow q = *f;

	xdpct_flow_set_state_ns(&q, t);
	return xdpct_flow_state_ns(&q);
}

/*
 * The end record a reopen sends first (XDPCT_EXP_REOPENED): the replaced
 * connection's figures as the entry held them before this segment, old its
 * entry then, opk/oby its counts by this step's roles.  Its client is
 * old's, which may be this step's server (the former server reopens).
 */
static void check_end_record(struct conn *c, int line, const struct xdpct_event *e,
			     const struct xdpct_flow *old, const __u64 *opk, const __u64 *oby)
{
	bool same = e->client_port == c->tup.sport &&
		    !memcmp(e->client_addr, c->tup.saddr, 16);
	int oc = same ? C : S;
	__u8 ocs = old->state[old->client & 1], oss = old->state[!(old->client & 1)];

	CHECK(c, line, e->type == XDPCT_EV_EXPIRED && e->reason == XDPCT_EXP_REOPENED,
	      "first event type %u reason %u, expected the old connection's end record",
	      e->type, e->reason);
	CHECK(c, line, e->ts_ns == c->now, "end record ts %llu, now %llu",
	      (unsigned long long)e->ts_ns, (unsigned long long)c->now);
	CHECK(c, line, same ? !memcmp(e->server_addr, c->tup.daddr, 16) &&
			      e->server_port == c->tup.dport
			    : !memcmp(e->client_addr, c->tup.daddr, 16) &&
			      e->client_port == c->tup.dport &&
			      !memcmp(e->server_addr, c->tup.saddr, 16) &&
			      e->server_port == c->tup.sport,
	      "end record addresses are not this connection's");
	CHECK(c, line, (same ? old->client == c->cidx : old->client != c->cidx),
	      "end record's client is not the old connection's");
	CHECK(c, line, e->gen == old->gen && e->flow_flags == old->flags &&
	      e->first_seen_ns == old->first_seen_ns && e->last_seen_ns == old->last_seen_ns,
	      "end record gen %u flags %#x, old connection's %u %#x", e->gen, e->flow_flags,
	      old->gen, old->flags);
	CHECK(c, line, e->cstate == ocs && e->sstate == oss,
	      "end record states %s/%s, old connection's %s/%s", h_state_name(e->cstate),
	      h_state_name(e->sstate), h_state_name(ocs), h_state_name(oss));
	CHECK(c, line, e->packets[0] == opk[oc] && e->packets[1] == opk[!oc] &&
	      e->bytes[0] == oby[oc] && e->bytes[1] == oby[!oc],
	      "end record packets %llu/%llu bytes %llu/%llu, old connection's %llu/%llu %llu/%llu",
	      (unsigned long long)e->packets[0], (unsigned long long)e->packets[1],
	      (unsigned long long)e->bytes[0], (unsigned long long)e->bytes[1],
	      (unsigned long long)opk[oc], (unsigned long long)opk[!oc],
	      (unsigned long long)oby[oc], (unsigned long long)oby[!oc]);
}

static void check_events(struct conn *c, int line, const struct ev_exp *ev, int nev,
			 __u8 tcp_flags, const struct xdpct_flow *f, const struct xdpct_flow *old,
			 const __u64 *opk, const __u64 *oby)
{
	int n, i, first = 0;

	h_clear_events(c->h);
	n = h_drain(c->h);
	CHECK(c, line, n == nev + !!old, "%d events, expected %d", n, nev + !!old);
	if (old && n > 0) {
		check_end_record(c, line, &c->h->ev[0], old, opk, oby);
		first = 1;
	}
	for (i = first; i < n; i++) {
		const struct xdpct_event *e = &c->h->ev[i];

		const struct ev_exp *x = &ev[i - first];

		CHECK(c, line, e->type == XDPCT_EV_TRANSITION, "event %d type %u", i, e->type);
		CHECK(c, line, e->side == x->side && e->from == x->from && e->to == x->to,
		      "event %d: side %u %s -> %s, expected side %u %s -> %s", i, e->side,
		      h_state_name(e->from), h_state_name(e->to), x->side,
		      h_state_name(x->from), h_state_name(x->to));
		CHECK(c, line, e->tcp_flags == tcp_flags, "event %d tcp flags %#x, sent %#x",
		      i, e->tcp_flags, tcp_flags);
		check_event_common(c, line, e, f);
	}
	c->nev_total += n;
}

static int n_events(const struct ev_exp *ev, int max)
{
	int n = 0;

	while (n < max && ev[n].to)
		n++;
	return n;
}

static void check_states(struct conn *c, int line, const struct xdpct_flow *f, const __u8 *st)
{
	__u8 cs = f->state[c->cidx], ss = f->state[!c->cidx];

	CHECK(c, line, cs == st[C] && ss == st[S],
	      "states client %s server %s, expected %s %s", h_state_name(cs),
	      h_state_name(ss), h_state_name(st[C]), h_state_name(st[S]));
	CHECK(c, line, f->client == c->cidx, "client index %u, expected %d", f->client, c->cidx);
}

/* What the segment must have left in the sender's direction. */
static void check_dir(struct conn *c, int line, const struct step *s,
		      const struct xdpct_dir *pd, const struct xdpct_dir *D)
{
	__u32 seq = (__u32)(s->abs_seq ? s->seq : c->isn[s->who] + s->seq);
	__u32 ack = (__u32)(s->abs_ack ? s->ack : c->isn[!s->who] + s->ack);
	__u32 end = seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
	__u32 want;

	if (s->flags & TH_SYN) {
		CHECK(c, line, (D->flags & XDPCT_D_SYN) && D->isn == (pd->flags & XDPCT_D_SYN ?
								      pd->isn : seq),
		      "isn %u, expected %u", D->isn, seq);
		if (!(pd->flags & XDPCT_D_SYN)) {
			__u8 of = XDPCT_D_WSCALE | XDPCT_D_SACK_PERM | XDPCT_D_TS;

			CHECK(c, line, D->mss == (s->opts ? 1460 : 0) &&
			      D->wscale == (s->opts ? 7 : 0) &&
			      (D->flags & of) == (s->opts ? of : 0),
			      "SYN options: mss %u wscale %u flags %#x", D->mss, D->wscale,
			      D->flags);
		}
	}
	want = (pd->flags & XDPCT_D_SYN) && !seq_after(end, pd->end) ? pd->end : end;
	CHECK(c, line, D->end == want, "end %u, expected %u", D->end, want);
	if (s->flags & TH_ACK) {
		want = (pd->flags & XDPCT_D_ACKED_ANY) && !seq_after(ack, pd->ack) ? pd->ack : ack;
		CHECK(c, line, (D->flags & XDPCT_D_ACKED_ANY) && D->ack == want,
		      "ack %u flags %#x, expected %u", D->ack, D->flags, want);
	} else {
		CHECK(c, line, D->ack == pd->ack, "ack moved without ACK flag");
	}
	/* the latest TSval (pkt_opts_linux_syn() sends 0x01020304) */
	{
		/* options are read on SYNs and FINs only (bpf/lib/parse.h) */
		bool has = (s->ts || s->opts) && (s->flags & (TH_SYN | TH_FIN));
		bool init = (s->flags & TH_SYN) && !(pd->flags & XDPCT_D_SYN);
		__u32 tsv = s->ts ? s->ts : (s->opts ? 0x01020304 : 0);

		want = pd->ts_recent;
		if (init)
			want = has ? tsv : 0;
		else if (has && (__s32)(tsv - pd->ts_recent) > 0)
			want = tsv;
		CHECK(c, line, D->ts_recent == want, "ts_recent %#x, expected %#x",
		      D->ts_recent, want);
	}
	if (s->flags & TH_FIN) {
		want = pd->flags & XDPCT_D_FIN ? pd->fin_seq : seq + s->len;
		CHECK(c, line, (D->flags & XDPCT_D_FIN) && D->fin_seq == want,
		      "fin_seq %u flags %#x, expected %u", D->fin_seq, D->flags, want);
	} else {
		CHECK(c, line, (D->flags & XDPCT_D_FIN) == (pd->flags & XDPCT_D_FIN) &&
		      D->fin_seq == pd->fin_seq, "FIN bookkeeping moved without a FIN");
	}
}

void conn_step(struct conn *c, const struct step *s, int line)
{
	int nev = n_events(s->ev, 4), d = conn_idx(c, s->who), i, err, verdict, want_verdict;
	bool invalid = false, created = false, reopened = false, note = false, keep, to_est = false;
	__u64 after[XDPCT_STAT_SLOTS], opk[2], oby[2];
	__s64 want[XDPCT_STAT_SLOTS] = { 0 };
	struct xdpct_flow f, e;
	struct xdpct_dir zero = { 0 };
	const struct xdpct_dir *pd;

	c->nstep++;
	c->now += s->dt ? s->dt : 1000000;
	h_set_now(c->h, c->now);
	conn_build(c, s, &c->last);
	verdict = h_run_pkt(c->h, &c->last);
	want_verdict = s->verdict ? s->verdict : XDP_PASS;
	CHECK(c, line, verdict == want_verdict, "verdict %d, expected %d", verdict, want_verdict);

	/* counters */
	want[XDPCT_STAT_PACKETS] = 1;
	want[XDPCT_STAT_TCP] = 1;
	want[c->v->family == 4 ? XDPCT_STAT_IPV4 : XDPCT_STAT_IPV6] = 1;
	want[XDPCT_STAT_VLAN] = c->v->nvlan > 0;
	/* the IPv6 variant's fragment header is an atomic fragment (offset 0,
	 * M=0): RFC 8200 4.5 / RFC 6946, an unfragmented packet */
	want[XDPCT_STAT_FRAG_FIRST] = 0;
	want[XDPCT_STAT_TRANSITIONS] = nev;
	want[XDPCT_STAT_DROPPED] = verdict == XDP_DROP;
	for (i = 0; i < 6 && s->cnt[i].d; i++) {
		want[s->cnt[i].id] += s->cnt[i].d;
		invalid |= is_inv(s->cnt[i].id);
		created |= s->cnt[i].id == XDPCT_STAT_FLOWS_CREATED;
		reopened |= s->cnt[i].id == XDPCT_STAT_FLOWS_REOPENED;
		note |= s->cnt[i].id == XDPCT_STAT_SYN_RETRANS ||
			s->cnt[i].id == XDPCT_STAT_FIN_RETRANS;
	}
	/* a reopen ends the old connection first: its end record (issue 12) */
	want[XDPCT_STAT_EVENTS] = nev + reopened;
	h_stats(c->h, after);
	check_counters(c, line, c->stats, after, want);
	memcpy(c->stats, after, sizeof(after));

	err = h_lookup_key(c->h, &c->key, &f);
	if (s->no_flow) {
		CHECK(c, line, err == -ENOENT, "an entry exists (lookup %d)", err);
		check_events(c, line, s->ev, nev, s->flags, NULL, NULL, NULL, NULL);
		c->have = false;
		return;
	}
	CHECK(c, line, !err, "no entry (lookup %d)", err);
	CHECK(c, line, c->have || created, "entry appeared without flows_created");

	/* the old connection's counts, for its end record */
	memcpy(opk, c->pk, sizeof(opk));
	memcpy(oby, c->by, sizeof(oby));
	/* what the entry must say now */
	if (created || reopened) {
		c->pk[C] = c->pk[S] = c->by[C] = c->by[S] = 0;
		c->tfl[C] = c->tfl[S] = 0;
		/* a stale reopen's new connection began with the SYN the entry
		 * remembered, from this SYN-ACK's peer: its flag is the new
		 * connection's, its packet and bytes the old one's (end record) */
		if (reopened && s->stale)
			c->tfl[!s->who] = TH_SYN;
		c->fflags = reopened ? XDPCT_F_REUSED : 0;
		if (reopened)
			c->gen++;
	}
	c->fflags |= s->set_flags;
	c->fflags &= ~s->clr_flags;
	c->pk[s->who]++;
	c->by[s->who] += c->last.ip_len;
	/* like packets and bytes, every segment's flags count, invalid or not */
	c->tfl[s->who] |= s->flags;
	/*
	 * est_ns: the handshake completed.  An endpoint reached ESTABLISHED,
	 * or went from SYN_SENT straight to CLOSE_WAIT (its peer had closed
	 * during the handshake).
	 */
	for (i = 0; i < nev; i++)
		to_est |= s->ev[i].to == EST || (s->ev[i].from == SSENT && s->ev[i].to == CW);

	check_states(c, line, &f, s->st);
	check_events(c, line, s->ev, nev, s->flags, &f, reopened ? &c->prev : NULL, opk, oby);
	CHECK(c, line, f.flags == c->fflags, "flow flags %#x, expected %#x", f.flags, c->fflags);
	CHECK(c, line, f.gen == c->gen, "gen %u, expected %u", f.gen, c->gen);
	CHECK(c, line, xdpct_flow_packets(&f, c->cidx) == c->pk[C] &&
	      xdpct_flow_packets(&f, !c->cidx) == c->pk[S],
	      "packets %llu/%llu, expected %llu/%llu",
	      (unsigned long long)xdpct_flow_packets(&f, c->cidx),
	      (unsigned long long)xdpct_flow_packets(&f, !c->cidx),
	      (unsigned long long)c->pk[C], (unsigned long long)c->pk[S]);
	CHECK(c, line, xdpct_flow_bytes(&f, c->cidx) == c->by[C] &&
	      xdpct_flow_bytes(&f, !c->cidx) == c->by[S],
	      "bytes %llu/%llu, expected %llu/%llu",
	      (unsigned long long)xdpct_flow_bytes(&f, c->cidx),
	      (unsigned long long)xdpct_flow_bytes(&f, !c->cidx),
	      (unsigned long long)c->by[C], (unsigned long long)c->by[S]);
	CHECK(c, line, f.tcp_flags_seen[c->cidx] == c->tfl[C] &&
	      f.tcp_flags_seen[!c->cidx] == c->tfl[S], "tcp flags seen %#x/%#x, expected %#x/%#x",
	      f.tcp_flags_seen[c->cidx], f.tcp_flags_seen[!c->cidx], c->tfl[C], c->tfl[S]);

	keep = s->keep ? s->keep > 0 : (invalid || note);
	if (keep && c->have && !created) {
		e = c->prev;
		xdpct_flow_set_count(&e, c->cidx, c->pk[C], c->by[C]);
		xdpct_flow_set_count(&e, !c->cidx, c->pk[S], c->by[S]);
		e.tcp_flags_seen[c->cidx] = c->tfl[C];
		e.tcp_flags_seen[!c->cidx] = c->tfl[S];
		if (!invalid)
			e.last_seen_ns = c->now;
		if (s->psyn) {
			__u32 seq = (__u32)(s->abs_seq ? s->seq : c->isn[s->who] + s->seq);

			CHECK(c, line, f.pend == XDPCT_PEND_SYN && f.pend_ep == d &&
			      f.pend_seq == seq,
			      "remembered SYN: %u ep %u seq %u", f.pend, f.pend_ep, f.pend_seq);
		}
		/* what a refused segment may leave: evidence for the peer to confirm */
		{
			e.pend = f.pend;
			e.pend_ep = f.pend_ep;
			e.pend_seq = f.pend_seq;
			e.pend_win = f.pend_win;
			e.pend_wscale = f.pend_wscale;
			e.pend_opts = f.pend_opts;
		}
		/* one state time per flow (issue 14): either end's restart moves it */
		if (s->restart)
			xdpct_flow_set_state_ns(&e, c->now);
		CHECK(c, line, !memcmp(&e, &f, sizeof(f)),
		      "entry changed (it must not: %s)", invalid ? "invalid" : "no-op");
		goto done;
	}

	/* timestamps */
	if (created || reopened) {
		bool bare_syn = (s->flags & (TH_SYN | TH_ACK)) == TH_SYN;

		CHECK(c, line, f.first_seen_ns == c->now, "first_seen_ns not now");
		CHECK(c, line, xdpct_flow_syn_ns(&f) == (bare_syn && !s->stale ? q_hs(&f, c->now) : 0),
		      "syn_ns %llu", (unsigned long long)xdpct_flow_syn_ns(&f));
		CHECK(c, line, xdpct_flow_synack_ns(&f) ==
		      ((s->flags & SA) == SA ? q_hs(&f, c->now) : 0),
		      "synack_ns %llu", (unsigned long long)xdpct_flow_synack_ns(&f));
		CHECK(c, line, xdpct_flow_est_ns(&f) == (to_est ? q_hs(&f, c->now) : 0),
		      "est_ns %llu", (unsigned long long)xdpct_flow_est_ns(&f));
		CHECK(c, line, xdpct_flow_state_ns(&f) == q_state(&f, c->now),
		      "state time not now on a new connection");
	} else if (s->retry) {
		CHECK(c, line, f.first_seen_ns == c->prev.first_seen_ns, "first_seen_ns moved");
		CHECK(c, line, xdpct_flow_syn_ns(&f) == q_hs(&f, c->now) && !f.synack_us &&
		      !f.est_us,
		      "a retried SYN restarts the handshake times");
	} else {
		__u64 psynack = xdpct_flow_synack_ns(&c->prev), pest = xdpct_flow_est_ns(&c->prev);
		int moved = s->restart || nev;

		CHECK(c, line, f.first_seen_ns == c->prev.first_seen_ns, "first_seen_ns moved");
		CHECK(c, line, f.syn_us == c->prev.syn_us, "syn_ns moved");
		CHECK(c, line, xdpct_flow_synack_ns(&f) ==
		      (!psynack && (s->flags & SA) == SA && !invalid && !note ?
		       q_hs(&f, c->now) : psynack),
		      "synack_ns %llu, before %llu",
		      (unsigned long long)xdpct_flow_synack_ns(&f), (unsigned long long)psynack);
		CHECK(c, line, xdpct_flow_est_ns(&f) == (!pest && to_est ? q_hs(&f, c->now) : pest),
		      "est_ns %llu, before %llu", (unsigned long long)xdpct_flow_est_ns(&f),
		      (unsigned long long)pest);
		/* one state time per flow (issue 14): any end's move sets it */
		CHECK(c, line, xdpct_flow_state_ns(&f) ==
		      (moved ? q_state(&f, c->now) : xdpct_flow_state_ns(&c->prev)),
		      "state time %llu",
		      (unsigned long long)xdpct_flow_state_ns(&f));
	}
	CHECK(c, line, f.last_seen_ns == (invalid ? c->prev.last_seen_ns : c->now),
	      "last_seen_ns %llu", (unsigned long long)f.last_seen_ns);

	if (!s->nocheck_seq && !(s->flags & TH_RST) && !invalid) {
		pd = created || reopened || s->retry ? &zero : &c->prev.dir[d];
		check_dir(c, line, s, pd, &f.dir[d]);
	}
done:
	c->prev = f;
	c->have = true;
}

void conn_handshake(struct conn *c, bool opts)
{
	STEP(c, .who = C, .flags = SYN, .opts = opts, .st = { SSENT, LISTEN },
	     .ev = { { C, NONE, SSENT } }, .cnt = { { N(FLOWS_CREATED), 1 } });
	STEP(c, .who = S, .flags = SA, .ack = 1, .opts = opts, .st = { SSENT, SRCVD },
	     .ev = { { S, LISTEN, SRCVD } });
	STEP(c, .who = C, .flags = ACK, .seq = 1, .ack = 1, .st = { EST, EST },
	     .ev = { { C, SSENT, EST }, { S, SRCVD, EST } });
}

void conn_sweep(struct conn *c, __u64 dt, const struct ev_exp *ev, int nev, int expired,
		int line)
{
	__u64 after[XDPCT_STAT_SLOTS];
	__s64 want[XDPCT_STAT_SLOTS] = { 0 };
	struct xdpct_flow f;
	int n, i, err, closed = 0;

	c->nstep++;
	c->now += dt;
	h_set_now(c->h, c->now);
	CHECK(c, line, h_sweep(c->h) == XDP_PASS, "sweep run failed");
	for (i = 0; i < nev; i++)
		closed |= ev[i].to == CLOSED;
	want[XDPCT_STAT_SWEEPS] = 1;
	want[XDPCT_STAT_TRANSITIONS] = nev;
	want[XDPCT_STAT_EVENTS] = nev + !!expired;
	want[XDPCT_STAT_FLOWS_CLOSED] = closed;
	want[XDPCT_STAT_FLOWS_EXPIRED] = !!expired;
	h_stats(c->h, after);
	check_counters(c, line, c->stats, after, want);
	memcpy(c->stats, after, sizeof(after));

	err = h_lookup_key(c->h, &c->key, &f);
	CHECK(c, line, expired ? err == -ENOENT : !err, "lookup after sweep: %d", err);
	h_clear_events(c->h);
	n = h_drain(c->h);
	CHECK(c, line, n == nev + !!expired, "%d events after sweep, expected %d", n,
	      nev + !!expired);
	for (i = 0; i < n; i++) {
		const struct xdpct_event *e = &c->h->ev[i];

		if (i < nev) {
			CHECK(c, line, e->type == XDPCT_EV_TRANSITION && e->side == ev[i].side &&
			      e->from == ev[i].from && e->to == ev[i].to && e->tcp_flags == 0,
			      "sweep event %d: type %u side %u %s -> %s", i, e->type, e->side,
			      h_state_name(e->from), h_state_name(e->to));
			check_event_common(c, line, e, expired ? NULL : &f);
		} else {
			CHECK(c, line, e->type == XDPCT_EV_EXPIRED && e->reason == expired,
			      "expiry event type %u reason %u, expected reason %d", e->type,
			      e->reason, expired);
			check_event_common(c, line, e, NULL);
			CHECK(c, line, e->packets[0] == c->pk[C] && e->packets[1] == c->pk[S],
			      "expiry event packets");
		}
	}
	if (expired) {
		c->have = false;
		return;
	}
	/* one state time per flow (issue 14): the sweep's transitions set it */
	if (nev)
		CHECK(c, line, xdpct_flow_state_ns(&f) == q_state(&f, c->now),
		      "state time after sweep");
	c->prev = f;
}

void conn_run_all(struct harness *h, conn_seq_fn fn, int base)
{
	struct conn c;
	int i;

	for (i = 0; i < conn_nvariants; i++) {
		conn_init(&c, h, &conn_variants[i], base + i);
		fn(&c);
		/* leave an empty table for the next run (sweeps see it all) */
		h_delete(h, &c.tup);
		h_clear_events(h);
		h_drain(h);
	}
}

void conn_run_all_cfg(const struct xdpct_cfg *cfg, conn_seq_fn fn)
{
	static struct harness h;	/* large: keep it off the stack */
	int err = h_open(&h, cfg, 0);

	cr_assert(!err, "loading the datapath failed: %d", err);
	conn_run_all(&h, fn, 0);
	h_close(&h);
}

const struct xdpct_cfg *conn_drop_cfg(void)
{
	static struct xdpct_cfg cfg;

	h_default_cfg(&cfg);
	cfg.drop_invalid = 1;
	cfg.drop_window = 1;
	return &cfg;
}
