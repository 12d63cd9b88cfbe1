// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* BPF_PROG_TEST_RUN harness for the datapath tests: see harness.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "lib/attach_opts.h"
#include "lib/percpu.h"
#include "xdpct.skel.h"	/* after harness.h: needs struct xdpct_cfg */

static const char *const stat_names[XDPCT_STAT_MAX] = {
#define H_STAT_NAME(id, name, help) name,
	XDPCT_STATS(H_STAT_NAME)
#undef H_STAT_NAME
};

const char *h_stat_name(int id)
{
	return id >= 0 && id < XDPCT_STAT_MAX ? stat_names[id] : "?";
}

const char *h_state_name(int s)
{
	static const char *const n[XDPCT_S_MAX] = {
		"NONE", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED",
		"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK",
		"TIME_WAIT", "CLOSED",
	};

	return s >= 0 && s < XDPCT_S_MAX ? n[s] : "?";
}

void h_default_cfg(struct xdpct_cfg *cfg)
{
	*cfg = (struct xdpct_cfg)XDPCT_CFG_DEFAULTS;
	cfg->replay_clock = 1;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* keep warnings (verifier logs on failure), drop the chatter */
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct harness *h = ctx;

	if (size < sizeof(struct xdpct_event))
		return 0;
	if (h->nev >= H_MAX_EVENTS) {
		h->ev_overflow++;
		return 0;
	}
	memcpy(&h->ev[h->nev++], data, sizeof(struct xdpct_event));
	return 0;
}

static int open_prog(struct harness *h, const struct xdpct_cfg *cfg, __u32 max_flows,
		     bool frags)
{
	struct xdpct_cfg def;
	int err;

	memset(h, 0, sizeof(*h));
	libbpf_set_print(silent_print);
	h->skel = xdpct_bpf__open();
	if (!h->skel)
		return -errno;
	if (!cfg) {
		h_default_cfg(&def);
		cfg = &def;
	}
	memcpy((void *)&h->skel->rodata->cfg, cfg, sizeof(*cfg));
	if (max_flows) {
		/* the tables and eviction queues as the loader sizes them (datapath.c) */
		struct attach_opts ao = { .flows = max_flows };
		__u32 flows6 = attach_opts_flows6(&ao);
		__u32 victims = max_flows / 8 < 1024 ? 1024 : max_flows / 8;
		__u32 victims6 = flows6 / 8 < 1024 ? 1024 : flows6 / 8;

		err = bpf_map__set_max_entries(h->skel->maps.xdpct_flows, max_flows);
		if (!err)
			err = bpf_map__set_max_entries(h->skel->maps.xdpct_victims, victims);
		if (!err)
			err = bpf_map__set_max_entries(h->skel->maps.xdpct_flows6, flows6);
		if (!err)
			err = bpf_map__set_max_entries(h->skel->maps.xdpct_victims6, victims6);
		if (err)
			goto cleanup;
	}
	/* sweep and arm stay loaded: the expiry tests run xdpct_sweep */
	bpf_program__set_autoload(h->skel->progs.xdpct_tc, false);
	if (frags) {
		err = bpf_program__set_flags(h->skel->progs.xdpct_xdp,
					     bpf_program__flags(h->skel->progs.xdpct_xdp) |
					     BPF_F_XDP_HAS_FRAGS);
		if (err)
			goto cleanup;
	}
	h->frags = frags;
	err = xdpct_bpf__load(h->skel);
	if (err)
		goto cleanup;
	h->xdp_fd = bpf_program__fd(h->skel->progs.xdpct_xdp);
	h->sweep_fd = bpf_program__fd(h->skel->progs.xdpct_sweep);
	h->flows_fd = bpf_map__fd(h->skel->maps.xdpct_flows);
	h->flows6_fd = bpf_map__fd(h->skel->maps.xdpct_flows6);
	h->stats_fd = bpf_map__fd(h->skel->maps.xdpct_stats);
	h->ncpus = libbpf_num_possible_cpus();
	if (h->ncpus <= 0) {
		err = h->ncpus ? h->ncpus : -EINVAL;
		goto cleanup;
	}
	h->rb = ring_buffer__new(bpf_map__fd(h->skel->maps.xdpct_events), on_event, h, NULL);
	if (!h->rb) {
		err = -errno;
		goto cleanup;
	}
	return 0;

cleanup:
	xdpct_bpf__destroy(h->skel);
	h->skel = NULL;
	return err < 0 ? err : -err;
}

int h_open(struct harness *h, const struct xdpct_cfg *cfg, __u32 max_flows)
{
	return open_prog(h, cfg, max_flows, false);
}

int h_open_frags(struct harness *h, const struct xdpct_cfg *cfg, __u32 max_flows)
{
	return open_prog(h, cfg, max_flows, true);
}

void h_close(struct harness *h)
{
	ring_buffer__free(h->rb);
	h->rb = NULL;
	xdpct_bpf__destroy(h->skel);
	h->skel = NULL;
}

void h_set_now(struct harness *h, __u64 ns)
{
	h->skel->bss->replay_now_ns = ns;
}

/*
 * XDP test runs refuse frames shorter than ETH_HLEN.  A frags-capable
 * program (h_open_frags) can still be shown one: the linear part
 * (xdp_md.data_end) holds the short frame and the rest of the 14 bytes the
 * kernel insists on goes into a fragment, which the datapath never reads
 * (it parses [data, data_end) only, as on a real multi-buffer frame).
 */
static int run_prog(int fd, const void *frame, __u32 len, int repeat, __u32 *ns,
		    bool frags)
{
	__u8 buf[PKT_MAX];
	struct xdp_md ctx = {};
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	if (len > PKT_MAX)
		return -EINVAL;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, frame, len);
	o.data_in = buf;
	o.data_size_in = len;
	o.repeat = repeat;
	if (len < 14) {
		if (!frags)
			return -EINVAL;
		o.data_size_in = 14;
		ctx.data_end = len;
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		return -errno;
	if (ns)
		*ns = o.duration;
	return o.retval;
}

int h_run(struct harness *h, const void *frame, __u32 len)
{
	return run_prog(h->xdp_fd, frame, len, 1, NULL, h->frags);
}

int h_run_pkt(struct harness *h, const struct pkt *p)
{
	return h_run(h, p->buf, p->len);
}

int h_run_repeat(struct harness *h, int prog_fd, const void *frame, __u32 len,
		 int n, __u32 *ns)
{
	return run_prog(prog_fd, frame, len, n, ns, h->frags);
}

int h_sweep(struct harness *h)
{
	__u8 frame[64] = { 0 };

	return run_prog(h->sweep_fd, frame, sizeof(frame), 1, NULL, false);
}

int h_drain(struct harness *h)
{
	int before = h->nev, err;

	err = ring_buffer__consume(h->rb);
	if (err < 0)
		return err;
	return h->nev - before;
}

void h_clear_events(struct harness *h)
{
	h->nev = 0;
	h->ev_overflow = 0;
}

int h_stats(struct harness *h, __u64 out[XDPCT_STAT_SLOTS])
{
	return percpu_sum(h->stats_fd, 0, out, XDPCT_STAT_SLOTS);
}

__u64 h_stat(struct harness *h, int id)
{
	__u64 all[XDPCT_STAT_SLOTS];

	if (h_stats(h, all))
		return ~0ULL;
	return all[id & XDPCT_STAT_MASK];
}

int h_reset_stats(struct harness *h)
{
	struct xdpct_stats *per;
	__u32 zero = 0;
	int err = 0;

	per = calloc(h->ncpus, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_update_elem(h->stats_fd, &zero, per, BPF_ANY))
		err = -errno;
	free(per);
	return err;
}

void h_tuple_from_spec(struct h_tuple *t, const struct pkt_spec *s)
{
	memset(t, 0, sizeof(*t));
	t->family = s->family;
	memcpy(t->saddr, s->saddr, s->family == 4 ? 4 : 16);
	memcpy(t->daddr, s->daddr, s->family == 4 ? 4 : 16);
	t->sport = s->sport;
	t->dport = s->dport;
	if (s->nvlan > 0)
		t->vlan[0] = s->vlan[0] & 0x0fff;
	if (s->nvlan > 1)
		t->vlan[1] = s->vlan[1] & 0x0fff;
}

/*
 * The canonical key, written apart from xdpct_key_build() (xdpct/flow.h,
 * which the datapath and the CLI share) on purpose: the tests' oracle for
 * the order both directions share.  Keep the two in step.
 */
int h_make_key(struct xdpct_flow_key *k, const struct h_tuple *t)
{
	int i, swap = 0, decided = 0;

	memset(k, 0, sizeof(*k));
	k->family = t->family;
	k->vlan[0] = t->vlan[0];
	k->vlan[1] = t->vlan[1];
	for (i = 0; i < 4; i++) {
		__u32 a = ntohl(t->saddr[i]), b = ntohl(t->daddr[i]);

		if (!decided && a != b) {
			swap = a > b;
			decided = 1;
		}
	}
	if (!decided)
		swap = t->sport > t->dport;
	if (!swap) {
		xdpct_key_set_addr(k, 0, t->saddr);
		xdpct_key_set_addr(k, 1, t->daddr);
		k->port[0] = t->sport;
		k->port[1] = t->dport;
	} else {
		xdpct_key_set_addr(k, 0, t->daddr);
		xdpct_key_set_addr(k, 1, t->saddr);
		k->port[0] = t->dport;
		k->port[1] = t->sport;
	}
	return swap;
}

struct flow_tables h_tables(const struct harness *h)
{
	return (struct flow_tables){ .fd = { h->flows_fd, h->flows6_fd } };
}

int h_lookup_key(struct harness *h, const struct xdpct_flow_key *k, struct xdpct_flow *out)
{
	struct flow_tables t = h_tables(h);

	return flow_table_lookup(&t, k, out);
}

int h_lookup(struct harness *h, const struct h_tuple *t, struct xdpct_flow *out)
{
	struct xdpct_flow_key k;

	h_make_key(&k, t);
	return h_lookup_key(h, &k, out);
}

int h_delete(struct harness *h, const struct h_tuple *t)
{
	struct xdpct_flow_key k;

	h_make_key(&k, t);
	if (bpf_map_delete_elem(h_key_table(h, &k), &k))
		return -errno;
	return 0;
}

struct for_each_ctx {
	int (*cb)(const struct xdpct_flow_key *, const struct xdpct_flow *, void *);
	void *arg;
	int n;
};

static int for_each_one(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	struct for_each_ctx *c = ctx;

	c->n++;
	return c->cb ? c->cb(k, v, c->arg) : 0;
}

int h_for_each_flow(struct harness *h,
		    int (*cb)(const struct xdpct_flow_key *, const struct xdpct_flow *, void *),
		    void *arg)
{
	struct for_each_ctx c = { .cb = cb, .arg = arg };
	struct flow_tables t = h_tables(h);
	int r = flow_table_each(&t, for_each_one, &c);

	return r ? r : c.n;
}

int h_flow_count(struct harness *h)
{
	return h_for_each_flow(h, NULL, NULL);
}

static int count_bin(const struct xdpct_flow_key *k, const struct xdpct_flow *f, void *arg)
{
	__u64 *want = arg;

	(void)f;
	want[xdpct_flow_bin(k) & (XDPCT_FLOW_BINS - 1)]++;
	return 0;
}

int h_bins_mismatch(struct harness *h)
{
	static __u64 want[XDPCT_FLOW_BINS];
	const __u64 *got = h->skel->bss->xdpct_flow_bins;
	unsigned int i;
	int bad = 0;

	_Static_assert(sizeof(h->skel->bss->xdpct_flow_bins) == sizeof(want),
		       "the skeleton's bins are not XDPCT_FLOW_BINS long");
	memset(want, 0, sizeof(want));
	h_for_each_flow(h, count_bin, want);
	for (i = 0; i < XDPCT_FLOW_BINS; i++)
		bad += got[i] != want[i];
	return bad;
}
