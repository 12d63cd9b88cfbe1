// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct export --ipfix HOST:PORT: one IPFIX record (RFC 7011) per finished
 * connection, built from the same ring-buffer events `watch` reads and
 * sent with libfixbuf.  Information elements from the IANA registry (RFC
 * 7012), the server->client counters as RFC 5103 reverse elements, and
 * what has no IANA element under the enterprise number 32473, the one RFC
 * 5612 reserves for documentation (xdpct has none of its own).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fixbuf/public.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/clock.h"
#include "lib/format.h"
#include "lib/instance.h"
#include "lib/log.h"
#include "xdpct/hist.h"

#define XDPCT_PEN 32473

static const char export_help[] =
"Usage: xdpct export --ipfix [udp:|tcp:]HOST:PORT [--duration S]\n"
"\n"
"Export one IPFIX record (RFC 7011) per finished connection to a collector,\n"
"over UDP (default) or TCP, with libfixbuf: a connection is finished when\n"
"both endpoints are CLOSED/TIME_WAIT (closed, reset or refused, as 'watch'\n"
"says) or when its flow expired or was evicted before that.  It reads the\n"
"instance's event ring buffer, as 'watch' does (one reader at a time), and\n"
"says how many events the datapath lost (ring buffer full) at the end and\n"
"whenever more were lost.  Ends on SIGINT or SIGTERM.\n"
"\n"
"Record (IANA elements; client = the endpoint that sent the first SYN):\n"
"  sourceIPv4Address/sourceIPv6Address, sourceTransportPort   the client\n"
"  destinationIPv4Address/IPv6Address, destinationTransportPort  the server\n"
"  protocolIdentifier 6; vlanId (outer tag), dot1qCustomerVlanId (inner)\n"
"  flowStartMilliseconds, flowEndMilliseconds   first and last packet\n"
"  packetDeltaCount, octetDeltaCount            what the client sent (IP bytes)\n"
"  reversePacketDeltaCount, reverseOctetDeltaCount  what the server sent (RFC 5103)\n"
"  tcpControlBits   every flag either side sent (from the flow entry; for an\n"
"                   expired flow, which left it, those of its transitions)\n"
"  flowEndReason    3 end of flow (closed/reset/refused), 1 idle timeout,\n"
"                   5 lack of resources (evicted); biflowDirection 1 (initiator)\n"
"Enterprise elements (PEN 32473):\n"
"  1 xdpctClientState, 2 xdpctServerState   final states (enum as in xdpct\n"
"                   flows: 1 LISTEN .. 11 CLOSED)\n"
"  3 xdpctEndReason   1 closed, 2 reset, 3 refused, 4 expired\n"
"  4 xdpctSynToSynAckNanoseconds, 5 xdpctSynAckToAckNanoseconds  handshake\n"
"  6 xdpctFlowFlags   the flags of 'xdpct flows' as bits (midstream 1,\n"
"                   syncookie 2, simopen 4, liberal 8, reused 16, reset 32)\n"
"  7 xdpctClientTcpFlags, 8 xdpctServerTcpFlags   the TCP flags each sent\n"
"                   (0: unknown, an expired flow)\n"
"\n"
"Options:\n"
"  -i, --ipfix [udp:|tcp:]HOST:PORT   the collector (HOST: a name or address)\n"
"  -d, --duration S   exit after S seconds\n"
"  -j, --json         the end line as JSON: {\"event\": \"end\", \"records\", \"lost\"}\n"
"\n"
"Exit status: 0 on a clean end; 1 nothing attached, collector unreachable or\n"
"an export error; 2 bad usage.\n";

/* --- the templates -------------------------------------------------------- */

static fbInfoElement_t xdpct_elements[] = {
	FB_IE_INIT_FULL("xdpctClientState", XDPCT_PEN, 1, 1, FB_IE_IDENTIFIER, 0, 0, FB_UINT_8,
			"TCP state of the client at the end (RFC 9293, as xdpct flows)"),
	FB_IE_INIT_FULL("xdpctServerState", XDPCT_PEN, 2, 1, FB_IE_IDENTIFIER, 0, 0, FB_UINT_8,
			"TCP state of the server at the end"),
	FB_IE_INIT_FULL("xdpctEndReason", XDPCT_PEN, 3, 1, FB_IE_IDENTIFIER, 0, 0, FB_UINT_8,
			"1 closed, 2 reset, 3 refused, 4 expired"),
	FB_IE_INIT_FULL("xdpctSynToSynAckNanoseconds", XDPCT_PEN, 4, 8,
			FB_IE_QUANTITY | FB_UNITS_NANOSECONDS, 0, 0, FB_UINT_64,
			"first SYN to first SYN-ACK"),
	FB_IE_INIT_FULL("xdpctSynAckToAckNanoseconds", XDPCT_PEN, 5, 8,
			FB_IE_QUANTITY | FB_UNITS_NANOSECONDS, 0, 0, FB_UINT_64,
			"first SYN-ACK to both endpoints ESTABLISHED"),
	FB_IE_INIT_FULL("xdpctFlowFlags", XDPCT_PEN, 6, 1, FB_IE_FLAGS, 0, 0, FB_UINT_8,
			"xdpct flow flags"),
	FB_IE_INIT_FULL("xdpctClientTcpFlags", XDPCT_PEN, 7, 1, FB_IE_FLAGS, 0, 0, FB_UINT_8,
			"OR of the TCP flags the client sent (0: unknown)"),
	FB_IE_INIT_FULL("xdpctServerTcpFlags", XDPCT_PEN, 8, 1, FB_IE_FLAGS, 0, 0, FB_UINT_8,
			"OR of the TCP flags the server sent (0: unknown)"),
	FB_IE_NULL,
};

enum { T_V4 = 1, T_V6 = 2 };

static fbInfoElementSpec_t spec[] = {
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "reversePacketDeltaCount", 8, 0 },
	{ "reverseOctetDeltaCount", 8, 0 },
	{ "xdpctSynToSynAckNanoseconds", 8, 0 },
	{ "xdpctSynAckToAckNanoseconds", 8, 0 },
	{ "sourceIPv6Address", 16, T_V6 },
	{ "destinationIPv6Address", 16, T_V6 },
	{ "sourceIPv4Address", 4, T_V4 },
	{ "destinationIPv4Address", 4, T_V4 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "vlanId", 2, 0 },
	{ "dot1qCustomerVlanId", 2, 0 },
	{ "tcpControlBits", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowEndReason", 1, 0 },
	{ "biflowDirection", 1, 0 },
	{ "xdpctClientState", 1, 0 },
	{ "xdpctServerState", 1, 0 },
	{ "xdpctEndReason", 1, 0 },
	{ "xdpctFlowFlags", 1, 0 },
	{ "xdpctClientTcpFlags", 1, 0 },
	{ "xdpctServerTcpFlags", 1, 0 },
	FB_IESPEC_NULL,
};

/* The records in memory, element by element as the specs above. */
struct rec_head {
	uint64_t start_ms, end_ms;
	uint64_t pkts, octets, rpkts, roctets;
	uint64_t syn_synack_ns, synack_ack_ns;
} __attribute__((packed));

struct rec_tail {
	uint16_t sport, dport, vlan, cvlan, tcp_flags;
	uint8_t proto, end_reason, biflow_dir, cstate, sstate, xend, fflags, cflags, sflags;
} __attribute__((packed));

struct rec4 {
	struct rec_head h;
	uint32_t src, dst;
	struct rec_tail t;
} __attribute__((packed));

struct rec6 {
	struct rec_head h;
	uint8_t src[16], dst[16];
	struct rec_tail t;
} __attribute__((packed));

struct ipfix {
	fbInfoModel_t *model;
	fbSession_t *session;
	fBuf_t *fbuf;
	uint16_t tid[3];		/* by T_V4 / T_V6 */
	bool tcp;
};

static int ipfix_open(struct ipfix *x, const char *host, const char *port, bool tcp)
{
	fbConnSpec_t cs = { .transport = tcp ? FB_TCP : FB_UDP, .host = (char *)host,
			    .svc = (char *)port };
	fbExporter_t *exp;
	GError *err = NULL;
	int t;

	x->tcp = tcp;
	x->model = fbInfoModelAlloc();
	fbInfoModelAddElementArray(x->model, xdpct_elements);
	x->session = fbSessionAlloc(x->model);
	for (t = T_V4; t <= T_V6; t++) {
		fbTemplate_t *tm = fbTemplateAlloc(x->model);

		if (!fbTemplateAppendSpecArray(tm, spec, t, &err))
			goto fail;
		x->tid[t] = fbSessionAddTemplate(x->session, TRUE, FB_TID_AUTO, tm, &err);
		if (!x->tid[t] || !fbSessionAddTemplate(x->session, FALSE, x->tid[t], tm, &err))
			goto fail;
	}
	exp = fbExporterAllocNet(&cs);
	if (!exp) {
		xdpct_err("--ipfix %s:%s: cannot set up the exporter", host, port);
		return -1;
	}
	x->fbuf = fBufAllocForExport(x->session, exp);
	/* the templates go first; on UDP they go again with every message
	 * batch below, so a collector started later learns them (RFC 7011 8.4) */
	if (!fbSessionExportTemplates(x->session, &err) || !fBufEmit(x->fbuf, &err))
		goto fail;
	return 0;
fail:
	xdpct_err("--ipfix %s:%s: %s", host, port, err ? err->message : "libfixbuf failed");
	if (err)
		g_clear_error(&err);
	return -1;
}

static int ipfix_send(struct ipfix *x, int t, const void *rec, size_t len)
{
	GError *err = NULL;

	if (!fBufSetInternalTemplate(x->fbuf, x->tid[t], &err) ||
	    !fBufSetExportTemplate(x->fbuf, x->tid[t], &err) ||
	    !fBufAppend(x->fbuf, (uint8_t *)rec, len, &err) || !fBufEmit(x->fbuf, &err)) {
		xdpct_err("IPFIX export: %s", err ? err->message : "libfixbuf failed");
		g_clear_error(&err);
		return -1;
	}
	return 0;
}

static int ipfix_templates_again(struct ipfix *x)
{
	GError *err = NULL;

	if (x->tcp)
		return 0;
	if (!fbSessionExportTemplates(x->session, &err) || !fBufEmit(x->fbuf, &err)) {
		xdpct_err("IPFIX export: %s", err ? err->message : "libfixbuf failed");
		g_clear_error(&err);
		return -1;
	}
	return 0;
}

static void ipfix_close(struct ipfix *x)
{
	if (x->fbuf)
		fBufFree(x->fbuf);	/* frees the session and the exporter too */
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
}

/* --- the connections' flags, from their transitions ------------------------ */

#define FLAGS_SLOTS (1 << 16)
static struct {
	__u64 h;
	__u8 flags;
} seen[FLAGS_SLOTS];

static __u64 conn_hash(const struct xdpct_event *e)
{
	const __u8 *p[] = { (const __u8 *)e->vlan, (const __u8 *)&e->client_port,
			    (const __u8 *)e->client_addr, (const __u8 *)e->server_addr,
			    (const __u8 *)&e->gen, &e->family };
	const size_t n[] = { 4, 4, 16, 16, 4, 1 };
	__u64 h = 1469598103934665603ULL;
	size_t i, j;

	for (i = 0; i < 6; i++)
		for (j = 0; j < n[i]; j++)
			h = (h ^ p[i][j]) * 1099511628211ULL;
	return h | 1;
}

/* OR of the flags of this connection's transitions so far (and this one's) */
static __u8 flags_note(const struct xdpct_event *e, bool end)
{
	__u64 h = conn_hash(e);
	unsigned int s = h & (FLAGS_SLOTS - 1);
	__u8 f;

	if (seen[s].h != h) {
		seen[s].h = h;
		seen[s].flags = 0;
	}
	seen[s].flags |= e->tcp_flags;
	f = seen[s].flags;
	if (end)
		seen[s].h = 0;
	return f;
}

/* --- events to records ----------------------------------------------------- */

struct export_ctx {
	struct inst *in;
	struct ipfix x;
	__u64 records, events;
	int err;
};

static __u64 wall_ms(__u64 mono_ns)
{
	return (__u64)((__s64)mono_ns + g_wall_offset_ns) / 1000000ULL;
}

/*
 * The flags each side sent, from the connection's entry (the events do not
 * carry them): still in the table after a close (--timeout-close), gone
 * after an expiry.  0 with *cf = *sf = 0 when it is not there any more.
 */
static int entry_flags(struct inst *in, const struct xdpct_event *e, __u8 *cf, __u8 *sf)
{
	struct xdpct_flow_key k;
	struct flow_tables t;
	struct xdpct_flow v;
	int c;

	*cf = *sf = 0;
	xdpct_key_build(&k, e->family, e->vlan, e->client_addr, e->server_addr,
			e->client_port, e->server_port);
	t = inst_flow_tables(in);
	if (flow_table_lookup(&t, &k, &v) || v.gen != e->gen)
		return -1;
	c = v.client & 1;
	*cf = v.tcp_flags_seen[c];
	*sf = v.tcp_flags_seen[!c];
	return 0;
}

static void fill(struct rec_head *h, struct rec_tail *t, const struct xdpct_event *e, __u8 end,
		 __u8 flags, __u8 cf, __u8 sf)
{
	h->start_ms = wall_ms(e->first_seen_ns);
	/* flowEndMilliseconds: the last packet, also of a flow that expired */
	h->end_ms = wall_ms(e->last_seen_ns);
	h->pkts = e->packets[0];
	h->octets = e->bytes[0];
	h->rpkts = e->packets[1];
	h->roctets = e->bytes[1];
	h->syn_synack_ns = e->syn_ns && e->synack_ns > e->syn_ns ? e->synack_ns - e->syn_ns : 0;
	h->synack_ack_ns = e->synack_ns && e->est_ns > e->synack_ns ? e->est_ns - e->synack_ns : 0;
	t->sport = e->client_port;
	t->dport = e->server_port;
	t->vlan = e->vlan[0];
	t->cvlan = e->vlan[1];
	t->tcp_flags = cf | sf ? cf | sf : flags;
	t->cflags = cf;
	t->sflags = sf;
	t->proto = 6;
	/* RFC 5102 flowEndReason: 1 idle timeout, 3 end of flow detected (a
	 * close, or a new connection on the 4-tuple), 5 lack of resources */
	t->end_reason = end != XDPCT_END_EXPIRED || e->reason == XDPCT_EXP_REOPENED ? 3 :
			e->reason == XDPCT_EXP_EVICTED ? 5 : 1;
	t->biflow_dir = 1;
	t->cstate = e->cstate;
	t->sstate = e->sstate;
	t->xend = end;
	t->fflags = e->flow_flags;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct export_ctx *c = ctx;
	const struct xdpct_event *e = data;
	__u8 end, flags, cf, sf;

	if (len < sizeof(*e))
		return 0;
	c->events++;
	if (e->type != XDPCT_EV_TRANSITION && e->type != XDPCT_EV_EXPIRED)
		return 0;
	end = xdpct_event_end(e);
	flags = flags_note(e, end != XDPCT_END_NONE);
	if (end == XDPCT_END_NONE)
		return 0;
	entry_flags(c->in, e, &cf, &sf);
	if (e->family == 6) {
		struct rec6 r = {};

		fill(&r.h, &r.t, e, end, flags, cf, sf);
		memcpy(r.src, e->client_addr, 16);
		memcpy(r.dst, e->server_addr, 16);
		c->err |= ipfix_send(&c->x, T_V6, &r, sizeof(r));
	} else {
		struct rec4 r = {};

		fill(&r.h, &r.t, e, end, flags, cf, sf);
		/* IANA addresses go out in network order: fixbuf swaps
		 * integers from host order, so hand it the host-order value */
		r.src = ntohl(e->client_addr[0]);
		r.dst = ntohl(e->server_addr[0]);
		c->err |= ipfix_send(&c->x, T_V4, &r, sizeof(r));
	}
	c->records++;
	return c->err ? -1 : 0;
}

/* --- the command ---------------------------------------------------------- */

struct export_args {
	char host[256], port[16];
	bool tcp, set;
	double duration;
};

static int parse_collector(const char *arg, struct export_args *a)
{
	const char *p = arg, *colon;
	size_t n;

	if (!strncmp(p, "udp:", 4)) {
		p += 4;
	} else if (!strncmp(p, "tcp:", 4)) {
		a->tcp = true;
		p += 4;
	}
	colon = strrchr(p, ':');
	if (!colon || colon == p || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
		goto bad;
	n = colon - p;
	if (p[0] == '[' && n > 2 && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (n >= sizeof(a->host))
		goto bad;
	memcpy(a->host, p, n);
	a->host[n] = 0;
	snprintf(a->port, sizeof(a->port), "%s", colon + 1);
	a->set = true;
	return 1;
bad:
	xdpct_err("--ipfix '%s': want [udp:|tcp:]HOST:PORT, e.g. 192.0.2.1:4739", arg);
	return -1;
}

static int export_opt(int opt, const char *arg, void *ctx)
{
	struct export_args *a = ctx;
	char *end;

	if (opt == 'i')
		return parse_collector(arg, a);
	if (opt == 'd') {
		errno = 0;
		a->duration = strtod(arg, &end);
		if (errno || *end || end == arg || !(a->duration > 0)) {
			xdpct_err("--duration '%s': want seconds > 0", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int export_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ipfix", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct export_args a = {};
	static struct export_ctx c;
	struct xdpct_stats before, now;
	struct ring_buffer *rb;
	__u64 deadline = 0, last_tmpl, lost_shown = 0, lost;
	struct inst in;
	int r;

	r = open_attached(argc, argv, "i:d:", longopts, export_opt, &a, &in);
	if (r)
		return r;
	if (!a.set) {
		inst_close(&in);
		xdpct_err("export: where to? (xdpct export --ipfix HOST:PORT)");
		return 2;
	}
	c.in = &in;
	if (ipfix_open(&c.x, a.host, a.port, a.tcp)) {
		ipfix_close(&c.x);
		inst_close(&in);
		return 1;
	}
	rb = ring_buffer__new(in.fd[I_EVENTS], on_event, &c, NULL);
	if (!rb) {
		xdpct_err("cannot read the event ring buffer: %s", strerror(errno));
		ipfix_close(&c.x);
		inst_close(&in);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	inst_read_stats(&in, &before);
	last_tmpl = xdpct_now_ns();
	if (a.duration > 0)
		deadline = last_tmpl + (__u64)(a.duration * 1e9);
	if (!g_out.json)
		fprintf(stderr, "xdpct: exporting IPFIX to %s:%s over %s\n", a.host, a.port,
			a.tcp ? "TCP" : "UDP");
	while (!stop && !c.err) {
		__u64 t;

		r = ring_buffer__poll(rb, 50);
		if (r >= 0 || r == -EINTR)
			r = ring_buffer__consume(rb);
		if (r < 0 && r != -EINTR && !c.err) {
			xdpct_err("reading events: %s", strerror(-r));
			c.err = 1;
			break;
		}
		t = xdpct_now_ns();
		if (deadline && t >= deadline)
			break;
		if (t - last_tmpl >= 10ULL * 1000000000ULL) {
			last_tmpl = t;
			c.err |= ipfix_templates_again(&c.x);
			inst_read_stats(&in, &now);
			lost = now.c[XDPCT_STAT_EVENTS_LOST] - before.c[XDPCT_STAT_EVENTS_LOST];
			if (lost > lost_shown) {
				xdpct_warn("%llu events lost so far (ring buffer full): their "
					   "connections have no record", (unsigned long long)lost);
				lost_shown = lost;
			}
		}
	}
	if (!c.err)
		ring_buffer__consume(rb);
	ring_buffer__free(rb);
	inst_read_stats(&in, &now);
	lost = now.c[XDPCT_STAT_EVENTS_LOST] - before.c[XDPCT_STAT_EVENTS_LOST];
	if (g_out.json)
		printf("{\"event\":\"end\",\"records\":%llu,\"events\":%llu,\"lost\":%llu}\n",
		       (unsigned long long)c.records, (unsigned long long)c.events,
		       (unsigned long long)lost);
	else
		fprintf(stderr, "xdpct: %llu records exported from %llu events, %llu events lost\n",
			(unsigned long long)c.records, (unsigned long long)c.events,
			(unsigned long long)lost);
	ipfix_close(&c.x);
	inst_close(&in);
	return c.err ? 1 : 0;
}

const struct command export_command = {
	"export", export_main, "Export finished connections as IPFIX records", export_help,
};
