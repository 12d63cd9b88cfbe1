// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The replay engine.  Each frame goes through the production XDP program
 * (xdpct_xdp) with BPF_PROG_TEST_RUN; nothing of the state machine runs in
 * userspace.  The datapath's clock is the capture's: cfg.replay_clock = 1
 * and replay_now_ns is set to each packet's timestamp before its run, so
 * TIME_WAIT and the idle timeouts expire on capture time.  The expiry sweep
 * (xdpct_sweep) runs whenever capture time has moved one sweep period, as
 * the BPF timer would have fired, and once at the end.
 */
#define _GNU_SOURCE		/* unshare() */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "engine.h"
#include "lib/flow_table.h"
#include "lib/percpu.h"
#include "lib/datapath.h"
#include "xdpct.skel.h"

struct replay {
	struct xdpct_bpf *skel;
	struct ring_buffer *rb;
	int xdp_fd, sweep_fd;
	int tick_fd;			/* --syncookie-mode auto: rate windows */
	uint64_t last_tick;
	struct replay_opts o;
	struct replay_counts c;
	uint64_t now;			/* the replay clock */
	uint64_t last_sweep;
	uint64_t cur_pkt;		/* packet whose events are being read */
	bool in_sweep;
	bool started;
	uint32_t max_linear;		/* largest frame the program sees whole */
	uint8_t *seg;			/* one frame cut from an oversize packet */
	uint8_t *untagged;		/* --strip-vlan copy of a frame */
	libbpf_print_fn_t old_print;
	bool print_set;
};

static bool g_verbose;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's log (the verifier's on a failed load) only with -vv */
	if (!g_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void warn(struct replay *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->o.on_warn)
		r->o.on_warn(r->o.ctx, msg);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	struct replay *r = ctx;
	struct xdpct_event e;

	if (size < sizeof(e))
		return 0;
	memcpy(&e, data, sizeof(e));
	if (e.type == XDPCT_EV_TRANSITION)
		r->c.transitions++;
	else if (e.type == XDPCT_EV_EXPIRED)
		r->c.expired++;
	if (r->o.on_event)
		r->o.on_event(r->o.ctx, &e, r->cur_pkt, r->in_sweep);
	return 0;
}

/*
 * Ring size: one packet makes at most a few events and is read at once,
 * but one sweep can expire the whole table: up to three events per flow
 * (two transitions out of TIME_WAIT, then the removal).  Grow the ring to
 * hold that, within reason; what still does not fit is counted as lost.
 */
static __u32 ringbuf_size(const struct attach_opts *ao)
{
	__u64 need = (__u64)ao->flows * 3 * (sizeof(struct xdpct_event) + 8);
	__u64 sz = ao->ringbuf ? ao->ringbuf : 4096;

	if (need > 64ULL << 20)
		need = 64ULL << 20;
	while (sz < need)
		sz <<= 1;
	return sz;
}

struct replay *replay_new(const struct replay_opts *o, char *err, size_t errlen)
{
	struct attach_opts ao = o->ao;
	struct replay *r;
	struct datapath dp;
	long page;
	int e;

	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->o = *o;
	/*
	 * BPF_PROG_TEST_RUN puts at most a page less the XDP headroom and the
	 * skb_shared_info (320 bytes here; 512 leaves room) in the linear part;
	 * beyond that the frame becomes fragments the program cannot see.
	 */
	page = sysconf(_SC_PAGESIZE);
	r->max_linear = (page > 0 ? page : 4096) - 256 - 512;
	r->seg = malloc(r->max_linear);
	if (o->strip_vlan)
		r->untagged = malloc(PCAP_SRC_MAX_FRAME);
	if (!r->seg || (o->strip_vlan && !r->untagged)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}

	g_verbose = o->verbose;
	r->old_print = libbpf_set_print(quiet_print);
	r->print_set = true;
	r->skel = xdpct_bpf__open();
	if (!r->skel) {
		snprintf(err, errlen, "cannot open the embedded BPF object: %s",
			 strerror(errno));
		goto fail;
	}
	ao.ringbuf = ringbuf_size(&ao);
	if (ao.sc.set && ao.cfg.sc_mode != XDPCT_SC_OFF) {
		/*
		 * The cookie format follows the completion; nothing completes
		 * a handshake in a replay, so the default is xdpct's own.
		 */
		if (!ao.cfg.sc_completion)
			ao.cfg.sc_completion = XDPCT_SC_REQSK;
		/*
		 * The offloader asks the local stack (socket and conntrack
		 * lookups in the current network namespace) about segments
		 * it has no flow for.  In an empty namespace of our own the
		 * answers depend on the capture alone, not on this host.
		 */
		/* and every destination is the capture's server's: no FIB to ask */
		ao.cfg.sc_local_check = 0;
		if (unshare(CLONE_NEWNET)) {
			snprintf(err, errlen, "--syncookie: cannot make an empty network "
				 "namespace to replay in: %s", strerror(errno));
			goto fail;
		}
	}
	dp = DATAPATH(r->skel);
	e = datapath_configure(&dp, &ao);
	if (e) {
		snprintf(err, errlen, "cannot size the maps: %s", strerror(-e));
		goto fail;
	}
	r->skel->rodata->cfg.replay_clock = 1;
	/* replay runs the XDP and sweep programs only */
	bpf_program__set_autoload(r->skel->progs.xdpct_tc, false);
	bpf_program__set_autoload(r->skel->progs.xdpct_arm, false);
	bpf_program__set_autoload(r->skel->progs.xdpct_sc_tc, false);
	/* auto mode's rate windows: the BPF timer's work, run on capture time */
	bpf_program__set_autoload(r->skel->progs.xdpct_sc_tick,
				  ao.sc.set && ao.cfg.sc_mode == XDPCT_SC_AUTO);
	e = xdpct_bpf__load(r->skel);
	if (e) {
		snprintf(err, errlen, "cannot load the datapath: %s%s", strerror(-e),
			 geteuid() ? " (replay runs the XDP program in the kernel: run it "
				     "as root, or with CAP_BPF and CAP_NET_ADMIN)" :
			 g_verbose ? "" : " (-vv shows libbpf's log)");
		goto fail;
	}
	r->xdp_fd = bpf_program__fd(r->skel->progs.xdpct_xdp);
	r->sweep_fd = bpf_program__fd(r->skel->progs.xdpct_sweep);
	r->tick_fd = ao.sc.set && ao.cfg.sc_mode == XDPCT_SC_AUTO ?
		     bpf_program__fd(r->skel->progs.xdpct_sc_tick) : -1;
	e = datapath_fill(&dp, &ao);
	if (e) {
		snprintf(err, errlen, "--syncookie: cannot fill the port map: %s", strerror(-e));
		goto fail;
	}
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.xdpct_events), on_ringbuf, r, NULL);
	if (!r->rb) {
		snprintf(err, errlen, "cannot open the event ring buffer: %s", strerror(errno));
		goto fail;
	}
	return r;
fail:
	replay_free(r);
	return NULL;
}

static int run_prog(struct replay *r, int fd, const uint8_t *data, uint32_t len, __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, t,
		.data_in = data,
		.data_size_in = len,
		.repeat = 1,
	);
	int e;

	r->skel->bss->replay_now_ns = r->now;
	e = bpf_prog_test_run_opts(fd, &t);
	if (e)
		return e < 0 ? e : -EIO;
	*ret = t.retval;
	ring_buffer__consume(r->rb);
	return 0;
}

static int run_sweep(struct replay *r, uint64_t pkt)
{
	static const uint8_t dummy[64];	/* the sweep looks at no packet */
	__u32 ret;
	int e;

	r->in_sweep = true;
	r->cur_pkt = pkt;
	e = run_prog(r, r->sweep_fd, dummy, sizeof(dummy), &ret);
	r->in_sweep = false;
	if (e)
		return e;
	r->last_sweep = r->now;
	r->c.sweeps++;
	return 0;
}

/* auto mode: turn the ports' SYN counts into rates, as the timer would */
static int run_tick(struct replay *r, uint64_t pkt)
{
	static const uint8_t dummy[64];
	__u32 ret;
	int e;

	r->in_sweep = true;
	r->cur_pkt = pkt;
	e = run_prog(r, r->tick_fd, dummy, sizeof(dummy), &ret);
	r->in_sweep = false;
	if (!e)
		r->last_tick = r->now;
	return e;
}

static int run_xdp(struct replay *r, const uint8_t *f, uint32_t len)
{
	__u32 ret;
	int e;

	e = run_prog(r, r->xdp_fd, f, len, &ret);
	if (e)
		return e;
	r->c.frames++;
	if (ret == XDP_DROP)
		r->c.xdp_drop++;
	else if (ret == XDP_TX)
		r->c.xdp_tx++;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void ipv4_csum(uint8_t *ip)
{
	uint32_t ihl = (ip[0] & 0x0f) * 4u, sum = 0, i;

	ip[10] = ip[11] = 0;
	for (i = 0; i + 1 < ihl; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
}

/* Set the IP length fields of a frame cut to end at ip_end. */
static void set_ip_len(uint8_t *f, const struct frame_hdrs *h, uint32_t ip_end)
{
	if (h->family == 4) {
		put16(f + h->l3 + 2, ip_end - h->l3);
		ipv4_csum(f + h->l3);
	} else {
		put16(f + h->l3 + 4, ip_end - h->l3 - 40);
	}
}

/* RFC 3168's CWR: not among <netinet/tcp.h>'s TH_* flags */
#define TH_CWR 0x80

static uint32_t sum16(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/* The TCP checksum field a segment [l4, ip_end) of f should carry (RFC 9293 3.1). */
static uint16_t tcp_csum(const uint8_t *f, const struct frame_hdrs *h, uint32_t ip_end)
{
	uint32_t len = ip_end - h->l4, sum;

	sum = h->family == 4 ? sum16(f + h->l3 + 12, 8, 0) : sum16(f + h->l3 + 8, 32, 0);
	sum += IPPROTO_TCP + (len >> 16) + (len & 0xffff);
	sum = sum16(f + h->l4, 16, sum);		/* the checksum field skipped */
	sum = sum16(f + h->l4 + 18, len - 18, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/*
 * A TCP segment too large for one test run: a capture taken on a host with
 * TSO/GRO records the super-packet the stack handled, where the wire
 * carried several segments.  Cut it the way segmentation offload does:
 * same headers, consecutive sequence ranges, FIN and PSH on the last
 * piece, SYN, RST, URG and CWR on the first.
 */
static int run_split(struct replay *r, const uint8_t *f, const struct frame_hdrs *h)
{
	uint32_t hdr = h->l4_end, payload = h->ip_end - h->l4_end;
	uint32_t chunk = r->max_linear - hdr, off, n;
	uint32_t seq = get32(f + h->l4 + 4);
	uint8_t flags = f[h->l4 + 13];
	int e;

	for (off = 0; off < payload; off += n) {
		uint8_t fl = flags;

		n = payload - off < chunk ? payload - off : chunk;
		memcpy(r->seg, f, hdr);
		memcpy(r->seg + hdr, f + hdr + off, n);
		set_ip_len(r->seg, h, hdr + n);
		put32(r->seg + h->l4 + 4, seq + off + (off && (flags & TH_SYN) ? 1 : 0));
		if (off)
			fl &= ~(TH_SYN | TH_RST | TH_URG | TH_CWR);
		if (off + n < payload)
			fl &= ~(TH_FIN | TH_PUSH);
		r->seg[h->l4 + 13] = fl;
		/*
		 * A super-packet's checksum field is not the wire's: GRO merges
		 * only segments whose checksums it verified, TSO computes each
		 * segment's.  So each piece gets the right one, as on the wire.
		 */
		put16(r->seg + h->l4 + 16, tcp_csum(r->seg, h, hdr + n));
		e = run_xdp(r, r->seg, hdr + n);
		if (e)
			return e;
	}
	r->c.split++;
	return 0;
}

static int run_oversize(struct replay *r, const uint8_t *f, uint32_t len, uint64_t pkt)
{
	struct frame_hdrs h;

	frame_walk(f, len, &h);
	if (h.tcp && h.l4_end && !h.frag && h.ip_end <= len && h.l4_end < h.ip_end &&
	    h.l4_end + 64 <= r->max_linear)
		return run_split(r, f, &h);
	if (h.tcp && h.frag) {
		warn(r, "packet %llu: a %u-byte first fragment is too large to run "
		     "through XDP (at most %u bytes); skipped", (unsigned long long)pkt,
		     len, r->max_linear);
		r->c.skipped++;
		return 0;
	}
	/*
	 * Not TCP (or a later fragment): the datapath reads its headers and
	 * passes it.  Shorten it with its IP length to match, so the verdict
	 * is the wire's rather than a length mismatch.  Anything else is run
	 * cut short as it is, and the datapath judges it.
	 */
	memcpy(r->seg, f, r->max_linear);
	if (h.family && !h.tcp && h.ip_end <= len && h.l3 + 60 < r->max_linear)
		set_ip_len(r->seg, &h, r->max_linear);
	r->c.trimmed++;
	return run_xdp(r, r->seg, r->max_linear);
}

/*
 * --strip-vlan: the frame without its 802.1Q/802.1ad tags, for captures
 * where a switch or the capturing NIC tagged one direction only (the
 * datapath keys flows by VLAN, like Suricata with vlan.use-for-tracking).
 */
static const uint8_t *strip_vlan(struct replay *r, const uint8_t *f, uint32_t *len)
{
	uint32_t off = 12, n = *len;

	while (off + 4 <= n && ((f[off] == 0x81 && f[off + 1] == 0x00) ||
				(f[off] == 0x88 && f[off + 1] == 0xa8)))
		off += 4;
	if (off == 12 || n > PCAP_SRC_MAX_FRAME)
		return f;
	memcpy(r->untagged, f, 12);
	memcpy(r->untagged + 12, f + off, n - off);
	*len = n - (off - 12);
	return r->untagged;
}

int replay_frame(struct replay *r, const uint8_t *frame, uint32_t len, uint64_t ts_ns,
		 uint64_t pkt)
{
	int e;

	if (r->untagged)
		frame = strip_vlan(r, frame, &len);

	if (!r->started) {
		r->started = true;
		r->now = ts_ns;
		r->last_sweep = ts_ns;
		r->last_tick = ts_ns;
		r->c.first_ns = ts_ns;
	} else if (ts_ns < r->now) {
		/* time never runs backwards for the state machine */
		r->c.clock_held++;
		warn(r, "packet %llu: stamped %.6f s before the packet before it; the "
		     "replay clock stays where it was", (unsigned long long)pkt,
		     (r->now - ts_ns) / 1e9);
	} else {
		r->now = ts_ns;
	}
	r->c.last_ns = r->now;

	if (r->now - r->last_sweep >= r->skel->rodata->cfg.sweep_ns) {
		e = run_sweep(r, pkt);
		if (e)
			return e;
	}
	if (r->tick_fd >= 0 && r->now - r->last_tick >= XDPCT_SC_WINDOW_NS) {
		e = run_tick(r, pkt);
		if (e)
			return e;
	}

	r->cur_pkt = pkt;
	if (len < 14) {
		/*
		 * BPF_PROG_TEST_RUN refuses XDP input shorter than an
		 * Ethernet header (also behind XDP metadata, on 6.18), so a
		 * runt cannot reach the datapath's invalid_eth counter.
		 */
		warn(r, "packet %llu: %u bytes, shorter than an Ethernet header; skipped",
		     (unsigned long long)pkt, len);
		r->c.skipped++;
		return 0;
	}
	if (len > r->max_linear)
		return run_oversize(r, frame, len, pkt);
	return run_xdp(r, frame, len);
}

int replay_source(struct replay *r, struct pcap_src *src)
{
	struct pcap_frame fr;
	int rc, e;

	for (;;) {
		rc = pcap_src_next(src, &fr);
		if (rc == PCAP_SRC_END)
			return 0;
		if (rc == PCAP_SRC_ERROR) {
			warn(r, "%s; the capture is cut short or corrupt, replay stops here",
			     pcap_src_msg(src));
			r->c.truncated = 1;
			return 0;
		}
		r->c.packets++;
		if (rc == PCAP_SRC_SKIP) {
			warn(r, "%s; skipped", pcap_src_msg(src));
			r->c.skipped++;
			continue;
		}
		e = replay_frame(r, fr.data, fr.len, fr.ts_ns, fr.num);
		if (e)
			return e;
	}
}

int replay_finish(struct replay *r)
{
	int e = 0;

	if (r->started)
		e = run_sweep(r, 0);
	ring_buffer__consume(r->rb);
	percpu_sum(bpf_map__fd(r->skel->maps.xdpct_stats), 0, r->c.dp.c, XDPCT_STAT_SLOTS);
	return e;
}

struct flow_ent {
	struct xdpct_flow_key k;
	struct xdpct_flow v;
};

static int flow_cmp(const void *a, const void *b)
{
	const struct flow_ent *x = a, *y = b;

	if (x->v.first_seen_ns != y->v.first_seen_ns)
		return x->v.first_seen_ns < y->v.first_seen_ns ? -1 : 1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

struct flow_collect {
	struct flow_ent *ents;
	size_t n, cap;
};

static int flow_collect_one(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	struct flow_collect *c = ctx;
	struct flow_ent *tmp;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		tmp = realloc(c->ents, c->cap * sizeof(*c->ents));
		if (!tmp)
			return -ENOMEM;
		c->ents = tmp;
	}
	c->ents[c->n].k = *k;
	c->ents[c->n].v = *v;
	c->n++;
	return 0;
}

int replay_flows(struct replay *r, replay_flow_fn fn, void *ctx)
{
	struct flow_tables t = { .fd = { bpf_map__fd(r->skel->maps.xdpct_flows),
					 bpf_map__fd(r->skel->maps.xdpct_flows6) } };
	struct flow_collect c = {};
	size_t i;

	flow_table_each(&t, flow_collect_one, &c);
	if (c.n)
		qsort(c.ents, c.n, sizeof(*c.ents), flow_cmp);
	for (i = 0; i < c.n; i++)
		if (fn)
			fn(ctx, &c.ents[i].k, &c.ents[i].v);
	free(c.ents);
	r->c.flows = c.n;
	return c.n;
}

const struct replay_counts *replay_counts(const struct replay *r)
{
	return &r->c;
}

uint64_t replay_now(const struct replay *r)
{
	return r->now;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	xdpct_bpf__destroy(r->skel);
	if (r->print_set)
		libbpf_set_print(r->old_print);
	free(r->seg);
	free(r->untagged);
	free(r);
}
