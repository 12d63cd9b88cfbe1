// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct exporter: the instance's counters, gauges and histograms over HTTP
 * for Prometheus, served by libmicrohttpd.  Every scrape reads the maps
 * afresh: an instance attached or detached meanwhile is seen.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <microhttpd.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/env.h"
#include "lib/format.h"
#include "lib/instance.h"
#include "lib/log.h"
#include "xdpct/cookie.h"
#include "xdpct/hist.h"

/*
 * Prometheus' default-port allocation list (github.com/prometheus/prometheus/
 * wiki/Default-port-allocations) filled 9100-9999 in 2023; allocations go
 * on above 10000.  10119 was free on it when chosen.
 */
#define EXPORTER_PORT 10119

static const char exporter_help[] =
"Usage: xdpct exporter [--listen ADDR:PORT]\n"
"\n"
"Serve this network namespace's xdpct instance to Prometheus: GET /metrics\n"
"answers in the Prometheus text exposition format (version 0.0.4), read afresh\n"
"from the datapath's maps at each scrape (libmicrohttpd serves it).  Runs until\n"
"SIGINT or SIGTERM.  It attaches nothing: while no instance is attached it\n"
"serves xdpct_up 0, and the figures again once one is.\n"
"\n"
"Metrics:\n"
"  xdpct_up                          1 while an instance is attached and this\n"
"                                    build can read it, else 0\n"
"  xdpct_attached                    1 while an instance is attached, read or\n"
"                                    not (up 0, attached 1: another build's,\n"
"                                    see stderr)\n"
"  xdpct_<counter>_total             every counter of 'xdpct stats'\n"
"  xdpct_flows                       flow-table entries, IPv4 and IPv6\n"
"  xdpct_flows_capacity, xdpct_flows6_capacity  each table's maximum\n"
"  xdpct_flows_by_state{client,server}  entries per pair of endpoint states\n"
"  xdpct_interface_info{interface,mode,egress,multiprog}  one per interface\n"
"  xdpct_syncookie_info{mode,completion}, xdpct_syncookie_threshold\n"
"  xdpct_syncookie_port{port,cookies}   each protected port, cookies on|off now\n"
"  xdpct_syncookie_port_syn_rate{port}  its SYN/s over the last window (auto)\n"
"  xdpct_handshake_syn_to_synack_seconds{end}   histograms the datapath fills\n"
"  xdpct_handshake_synack_to_ack_seconds{end}   when a connection ends, by how\n"
"  xdpct_connection_lifetime_seconds{end}       it ended: closed, reset,\n"
"                                    refused or expired; buckets le 2^k ns\n"
"\n"
"Options:\n"
"  -l, --listen ADDR:PORT   where to listen (default 127.0.0.1:10119; IPv6 as\n"
"                           [ADDR]:PORT).  10119 follows Prometheus' default\n"
"                           port allocation list (its wiki)\n"
"\n"
"Exit status: 0 after SIGINT/SIGTERM; 1 cannot listen (address in use, ...);\n"
"2 bad usage.\n";

struct exporter_args {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[80];
};

static int parse_listen(const char *arg, struct exporter_args *a)
{
	char host[64];
	const char *orig = arg, *colon = strrchr(arg, ':');
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->sa;
	char *end;
	long port;
	size_t n;

	if (!colon || colon == arg)
		goto bad;
	n = colon - arg;
	if (arg[0] == '[') {
		if (n < 3 || arg[n - 1] != ']')
			goto bad;
		arg++;
		n -= 2;
	}
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, arg, n);
	host[n] = 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		goto bad;
	memset(&a->sa, 0, sizeof(a->sa));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		a->salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		a->salen = sizeof(*s6);
	} else {
		goto bad;
	}
	snprintf(a->text, sizeof(a->text), "%s", orig);
	return 0;
bad:
	xdpct_err("--listen '%s': want ADDR:PORT, e.g. 127.0.0.1:%d or [::1]:%d", arg,
		  EXPORTER_PORT, EXPORTER_PORT);
	return -1;
}

static int exporter_opt(int opt, const char *arg, void *ctx)
{
	struct exporter_args *a = ctx;

	if (opt != 'l')
		return 0;
	return parse_listen(arg, a) ? -1 : 1;
}

/* ---- the exposition ------------------------------------------------------ */

static const struct {
	const char *name, *help;
} counters[] = {
#define XDPCT_STAT_NAME(id, name, help) { name, help },
	XDPCT_STATS(XDPCT_STAT_NAME)
#undef XDPCT_STAT_NAME
};

static const char *const end_names[XDPCT_END_MAX] = {
	[XDPCT_END_CLOSED] = "closed", [XDPCT_END_RESET] = "reset",
	[XDPCT_END_REFUSED] = "refused", [XDPCT_END_EXPIRED] = "expired",
};

static const struct {
	const char *name, *help;
} hists[XDPCT_H_KINDS] = {
	[XDPCT_H_SYN_SYNACK] = { "xdpct_handshake_syn_to_synack_seconds",
				 "First SYN to first SYN-ACK of connections that ended, by how" },
	[XDPCT_H_SYNACK_ACK] = { "xdpct_handshake_synack_to_ack_seconds",
				 "First SYN-ACK to both ends ESTABLISHED, of connections that ended" },
	[XDPCT_H_LIFETIME] = { "xdpct_connection_lifetime_seconds",
			       "First packet to the end, of connections that ended, by how" },
};

/* the buckets served: le 2^10 ns (1 us) .. 2^49 ns (6.5 days), then +Inf */
#define HIST_FIRST 10
#define HIST_LAST 49

static void put_hist(FILE *f, int kind, struct inst *in)
{
	int e, k;

	fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", hists[kind].name, hists[kind].help,
		hists[kind].name);
	for (e = XDPCT_END_CLOSED; e < XDPCT_END_MAX; e++) {
		struct xdpct_hist h;
		__u64 cum = 0;

		inst_read_hist(in, kind, e, &h);
		for (k = 0; k <= HIST_LAST; k++) {
			cum += h.bucket[k];
			if (k >= HIST_FIRST)
				fprintf(f, "%s_bucket{end=\"%s\",le=\"%.10g\"} %llu\n",
					hists[kind].name, end_names[e], (double)(1ULL << k) / 1e9,
					(unsigned long long)cum);
		}
		fprintf(f, "%s_bucket{end=\"%s\",le=\"+Inf\"} %llu\n", hists[kind].name,
			end_names[e], (unsigned long long)h.count);
		fprintf(f, "%s_sum{end=\"%s\"} %.9f\n", hists[kind].name, end_names[e],
			h.sum_ns / 1e9);
		fprintf(f, "%s_count{end=\"%s\"} %llu\n", hists[kind].name, end_names[e],
			(unsigned long long)h.count);
	}
}

/* One entry into the client x server state matrix */
static int count_pair(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	__u32 (*pairs)[XDPCT_S_MAX] = ctx;

	(void)k;
	pairs[v->state[v->client & 1] % XDPCT_S_MAX][v->state[!(v->client & 1)] % XDPCT_S_MAX]++;
	return 0;
}

static void put_flows(FILE *f, struct inst *in)
{
	static __u32 pairs[XDPCT_S_MAX][XDPCT_S_MAX];
	struct flow_tables t = inst_flow_tables(in);
	struct flow_counts c;
	int i, j;

	memset(pairs, 0, sizeof(pairs));
	inst_flow_count(in, &c);
	fprintf(f, "# HELP xdpct_flows Flow-table entries (IPv4 and IPv6)\n"
		   "# TYPE xdpct_flows gauge\nxdpct_flows %u\n", c.n[0] + c.n[1]);
	fprintf(f, "# HELP xdpct_flows_capacity IPv4 flow-table size (--flows)\n"
		   "# TYPE xdpct_flows_capacity gauge\nxdpct_flows_capacity %u\n", c.max[0]);
	fprintf(f, "# HELP xdpct_flows6_capacity IPv6 flow-table size (--flows6)\n"
		   "# TYPE xdpct_flows6_capacity gauge\nxdpct_flows6_capacity %u\n", c.max[1]);
	flow_table_each(&t, count_pair, pairs);
	fprintf(f, "# HELP xdpct_flows_by_state Flow-table entries per client and server state\n"
		   "# TYPE xdpct_flows_by_state gauge\n");
	for (i = 0; i < XDPCT_S_MAX; i++)
		for (j = 0; j < XDPCT_S_MAX; j++)
			if (pairs[i][j])
				fprintf(f, "xdpct_flows_by_state{client=\"%s\",server=\"%s\"} %u\n",
					xdpct_state_name(i), xdpct_state_name(j), pairs[i][j]);
}

/* Each protected port: its cookies on or off now (auto mode switches them), its SYN rate. */
static void put_ports(FILE *f, struct inst *in)
{
	__u32 port, next, *prev = NULL;
	struct xdpct_sc_port ps;

	if (in->cfg.sc_mode == XDPCT_SC_OFF || in->fd[I_SC_STATE] < 0)
		return;
	fprintf(f, "# HELP xdpct_syncookie_port A protected port: cookies answered by XDP now or not\n"
		   "# TYPE xdpct_syncookie_port gauge\n");
	while (!bpf_map_get_next_key(in->fd[I_SC_STATE], prev, &next)) {
		port = next;
		prev = &port;
		if (bpf_map_lookup_elem(in->fd[I_SC_STATE], &port, &ps))
			continue;
		fprintf(f, "xdpct_syncookie_port{port=\"%u\",cookies=\"%s\"} 1\n", port,
			in->cfg.sc_mode == XDPCT_SC_ALWAYS || ps.on ? "on" : "off");
	}
	fprintf(f, "# HELP xdpct_syncookie_port_syn_rate SYN/s to a protected port over the last window\n"
		   "# TYPE xdpct_syncookie_port_syn_rate gauge\n");
	prev = NULL;
	while (!bpf_map_get_next_key(in->fd[I_SC_STATE], prev, &next)) {
		port = next;
		prev = &port;
		if (!bpf_map_lookup_elem(in->fd[I_SC_STATE], &port, &ps))
			fprintf(f, "xdpct_syncookie_port_syn_rate{port=\"%u\"} %llu\n", port,
				(unsigned long long)ps.rate);
	}
}

static void put_info(FILE *f, struct inst *in)
{
	struct xdpct_iface ifs[XDPCT_MAX_IFACES];
	int i, n = inst_read_ifaces(in, ifs, XDPCT_MAX_IFACES);
	const struct xdpct_cfg *c = &in->cfg;

	fprintf(f, "# HELP xdpct_interface_info An interface xdpct is attached to\n"
		   "# TYPE xdpct_interface_info gauge\n");
	for (i = 0; i < n; i++)
		fprintf(f, "xdpct_interface_info{interface=\"%s\",mode=\"%s\",egress=\"%s\","
			   "multiprog=\"%s\"} 1\n", ifs[i].name,
			ifs[i].mode == XDPCT_MODE_GENERIC ? "generic" : "native",
			ifs[i].egress ? "true" : "false", ifs[i].multiprog ? "true" : "false");
	fprintf(f, "# HELP xdpct_syncookie_info Handshake offload: mode and completion\n"
		   "# TYPE xdpct_syncookie_info gauge\n"
		   "xdpct_syncookie_info{mode=\"%s\",completion=\"%s\"} 1\n",
		c->sc_mode == XDPCT_SC_ALWAYS ? "always" : c->sc_mode == XDPCT_SC_AUTO ? "auto" : "off",
		c->sc_mode == XDPCT_SC_OFF ? "none" :
		c->sc_completion == XDPCT_SC_REQSK ? "reqsk" :
		c->sc_completion == XDPCT_SC_SYNPROXY ? "synproxy" : "none");
	fprintf(f, "# HELP xdpct_syncookie_threshold auto mode: SYN/s per port that turns cookies on\n"
		   "# TYPE xdpct_syncookie_threshold gauge\nxdpct_syncookie_threshold %u\n",
		c->sc_threshold);
	put_ports(f, in);
}

/*
 * The refusal the exporter last said (layout_refusal()): said once, when
 * it starts or changes, not on every scrape; the scrape itself says
 * xdpct_up 0.  Forgotten when the instance becomes readable or goes away,
 * so the next instance that cannot be read is said again.  One scrape at
 * a time (the daemon's single polling thread), so it needs no lock.
 */
static char refusal_said[256];

/* Can this build read the attached instance?  It is closed when not. */
static bool readable(struct inst *in)
{
	char msg[256];

	if (!layout_refusal(in, msg, sizeof(msg))) {
		refusal_said[0] = 0;
		return true;
	}
	if (strcmp(msg, refusal_said)) {
		xdpct_err("%s", msg);
		snprintf(refusal_said, sizeof(refusal_said), "%s", msg);
	}
	inst_close(in);
	return false;
}

/* The whole exposition into a malloc'ed buffer; its length in *len. */
static char *metrics(size_t *len)
{
	struct xdpct_stats s;
	struct inst in;
	char *buf = NULL;
	bool up, attached;
	FILE *f;
	int i, k;

	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	/* another build's instance is not read (said once on stderr) */
	attached = !inst_find(&in);
	if (!attached)
		refusal_said[0] = 0;
	up = attached && readable(&in);
	if (up && inst_read_stats(&in, &s)) {
		inst_close(&in);
		up = false;
	}
	fprintf(f, "# HELP xdpct_up 1 if an xdpct instance is attached in this network namespace "
		   "and this build can read it\n# TYPE xdpct_up gauge\nxdpct_up %d\n", up);
	fprintf(f, "# HELP xdpct_attached 1 if an xdpct instance is attached in this network "
		   "namespace, read or not (another build's: xdpct_up 0)\n"
		   "# TYPE xdpct_attached gauge\nxdpct_attached %d\n", attached);
	if (up) {
		for (i = 0; i < XDPCT_STAT_MAX; i++)
			fprintf(f, "# HELP xdpct_%s_total %s\n# TYPE xdpct_%s_total counter\n"
				   "xdpct_%s_total %llu\n", counters[i].name, counters[i].help,
				counters[i].name, counters[i].name, (unsigned long long)s.c[i]);
		put_flows(f, &in);
		put_info(f, &in);
		for (k = 0; k < XDPCT_H_KINDS; k++)
			put_hist(f, k, &in);
		inst_close(&in);
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = MHD_HTTP_OK;
	size_t len = 0;
	char *body;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "only GET /metrics\n";

		resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
						       MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		static const char msg[] = "xdpct exporter: metrics at /metrics\n";

		resp = MHD_create_response_from_buffer(sizeof(msg) - 1, (void *)msg,
						       MHD_RESPMEM_PERSISTENT);
		code = MHD_HTTP_NOT_FOUND;
	} else {
		body = metrics(&len);
		if (!body)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	}
	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int exporter_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct exporter_args a = {};
	struct MHD_Daemon *d;
	sigset_t mask, old;
	int r, fd, one = 1;
	char def[32];

	snprintf(def, sizeof(def), "127.0.0.1:%d", EXPORTER_PORT);
	parse_listen(def, &a);
	r = parse_no_operands(argc, argv, "l:", longopts, exporter_opt, &a);
	if (r)
		return r;
	/* our own socket: a bind error is reported as the kernel says it */
	fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a.sa, a.salen) || listen(fd, 64)) {
		xdpct_err("cannot listen on %s: %s", a.text, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* signals to this thread only: MHD's thread inherits the mask */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     answer, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!d) {
		xdpct_err("cannot serve on %s (libmicrohttpd failed to start)", a.text);
		close(fd);
		return 1;
	}
	if (!g_out.json)
		fprintf(stderr, "xdpct: serving http://%s/metrics\n", a.text);
	else
		printf("{\"listening\":\"%s\"}\n", a.text);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	close(fd);
	return 0;
}

const struct command exporter_command = {
	"exporter", exporter_main, "Serve the metrics to Prometheus over HTTP", exporter_help,
};
