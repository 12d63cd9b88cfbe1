// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Everything xdpct prints about flows and transitions, text and JSON, so
 * `watch`, `flows` and `replay` agree to the byte.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "clock.h"
#include "format.h"
#include "xdpct/hist.h"
#include "log.h"

static const char *const state_names[XDPCT_S_MAX] = {
	[XDPCT_S_NONE] = "CLOSED",	/* RFC 9293: every endpoint starts CLOSED */
	[XDPCT_S_LISTEN] = "LISTEN",
	[XDPCT_S_SYN_SENT] = "SYN_SENT",
	[XDPCT_S_SYN_RCVD] = "SYN_RCVD",
	[XDPCT_S_ESTABLISHED] = "ESTABLISHED",
	[XDPCT_S_FIN_WAIT_1] = "FIN_WAIT_1",
	[XDPCT_S_FIN_WAIT_2] = "FIN_WAIT_2",
	[XDPCT_S_CLOSE_WAIT] = "CLOSE_WAIT",
	[XDPCT_S_CLOSING] = "CLOSING",
	[XDPCT_S_LAST_ACK] = "LAST_ACK",
	[XDPCT_S_TIME_WAIT] = "TIME_WAIT",
	[XDPCT_S_CLOSED] = "CLOSED",
};

const char *xdpct_state_name(__u8 state)
{
	return state < XDPCT_S_MAX ? state_names[state] : "UNKNOWN";
}

/* ss(8) spellings that differ from ours once '-' is read as '_' */
static const struct {
	const char *alias;
	int state;
} state_aliases[] = {
	{ "SYN_RECV", XDPCT_S_SYN_RCVD },
	{ "LISTENING", XDPCT_S_LISTEN },
	{ "ESTAB", XDPCT_S_ESTABLISHED },
	{ "FIN_WAIT1", XDPCT_S_FIN_WAIT_1 },
	{ "FIN_WAIT2", XDPCT_S_FIN_WAIT_2 },
	{ "CLOSE", XDPCT_S_CLOSED },
	{ "UNCONN", XDPCT_S_CLOSED },
};

int xdpct_state_parse(const char *s)
{
	char buf[32];
	size_t i;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	for (i = 0; s[i]; i++)
		buf[i] = s[i] == '-' ? '_' : toupper((unsigned char)s[i]);
	buf[i] = '\0';
	for (i = 1; i < XDPCT_S_MAX; i++)
		if (!strcmp(buf, state_names[i]))
			return i;
	for (i = 0; i < sizeof(state_aliases) / sizeof(state_aliases[0]); i++)
		if (!strcmp(buf, state_aliases[i].alias))
			return state_aliases[i].state;
	return -1;
}

void xdpct_addr_str(__u8 family, const __u32 addr[4], char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, len))
		snprintf(buf, len, "?");
}

static const char *const flag_names[] = {
	"midstream", "syncookie", "simopen", "liberal", "reused", "reset",
};

void xdpct_flags_str(__u8 flags, char *buf, size_t len, bool json)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, json ? "%s\"%s\"" : "%s%s",
			      n ? "," : "", flag_names[i]);
	}
	if (!json && !n)
		snprintf(buf, len, "-");
}

static void tcp_flags_str(__u8 f, char *buf)
{
	static const char letters[] = "FSRPAUEC";
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = (f & (1u << i)) ? letters[i] : '.';
	buf[8] = '\0';
}

static void vlan_json(FILE *f, const __u16 vlan[2])
{
	fprintf(f, "[");
	if (vlan[0])
		fprintf(f, "%u", vlan[0]);
	if (vlan[1])
		fprintf(f, ",%u", vlan[1]);
	fprintf(f, "]");
}

static void vlan_text(char *buf, size_t len, const __u16 vlan[2])
{
	if (!vlan[0])
		snprintf(buf, len, "-");
	else if (!vlan[1])
		snprintf(buf, len, "%u", vlan[0]);
	else
		snprintf(buf, len, "%u.%u", vlan[0], vlan[1]);
}

static void endpoint_str(char *buf, size_t len, __u8 family, const __u32 addr[4], __u16 port)
{
	char a[INET6_ADDRSTRLEN];

	xdpct_addr_str(family, addr, a, sizeof(a));
	snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", a, port);
}

static void wall_time(char *buf, size_t len, __u64 ts_ns)
{
	__s64 wall = (__s64)ts_ns + g_wall_offset_ns;
	time_t sec = wall / 1000000000LL;
	struct tm tm;

	localtime_r(&sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(wall % 1000000000LL) / 1000);
}

const char *xdpct_expire_reason(__u8 r)
{
	switch (r) {
	case XDPCT_EXP_CLOSED: return "closed";
	case XDPCT_EXP_HALF_OPEN: return "half_open";
	case XDPCT_EXP_IDLE: return "idle";
	case XDPCT_EXP_CLOSING: return "closing";
	case XDPCT_EXP_EVICTED: return "evicted";
	case XDPCT_EXP_REOPENED: return "reopened";
	}
	return "unknown";
}

/* The event's head; with states, each endpoint's state too (as flows -j). */
static void event_head_json(FILE *f, const struct xdpct_event *e, const char *kind,
			    bool states)
{
	char c[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];

	xdpct_addr_str(e->family, e->client_addr, c, sizeof(c));
	xdpct_addr_str(e->family, e->server_addr, s, sizeof(s));
	fprintf(f, "{\"ts_ns\":%llu,\"event\":\"%s\",\"family\":%u,\"vlan\":",
		(unsigned long long)e->ts_ns, kind, e->family);
	vlan_json(f, e->vlan);
	fprintf(f, ",\"client\":{\"addr\":\"%s\",\"port\":%u", c, e->client_port);
	if (states)
		fprintf(f, ",\"state\":\"%s\"", xdpct_state_name(e->cstate));
	fprintf(f, "},\"server\":{\"addr\":\"%s\",\"port\":%u", s, e->server_port);
	if (states)
		fprintf(f, ",\"state\":\"%s\"", xdpct_state_name(e->sstate));
	fputc('}', f);
}

static void event_head_text(FILE *f, const struct xdpct_event *e)
{
	char ts[32], c[64], s[64], v[16];

	wall_time(ts, sizeof(ts), e->ts_ns);
	endpoint_str(c, sizeof(c), e->family, e->client_addr, e->client_port);
	endpoint_str(s, sizeof(s), e->family, e->server_addr, e->server_port);
	vlan_text(v, sizeof(v), e->vlan);
	fprintf(f, "%s tcp%u vlan %-5s %s -> %s", ts, e->family, v, c, s);
}

static double ms(__u64 a, __u64 b)
{
	return b > a ? (b - a) / 1e6 : 0.0;
}

static int is_gone(__u8 s)
{
	return s == XDPCT_S_CLOSED || s == XDPCT_S_TIME_WAIT;
}

/* handshake finished with this packet (and not by a midstream pickup) */
static int handshake_done(const struct xdpct_event *e)
{
	return e->last && e->to == XDPCT_S_ESTABLISHED &&
	       e->cstate == XDPCT_S_ESTABLISHED && e->sstate == XDPCT_S_ESTABLISHED &&
	       e->from != XDPCT_S_NONE;
}

/* both ends gone with this packet; TIME_WAIT running out is not news */
static int connection_done(const struct xdpct_event *e)
{
	return e->last && is_gone(e->cstate) && is_gone(e->sstate) && is_gone(e->to) &&
	       e->from != XDPCT_S_TIME_WAIT;
}

__u8 xdpct_event_end(const struct xdpct_event *e)
{
	if (e->type == XDPCT_EV_EXPIRED)
		return is_gone(e->cstate) && is_gone(e->sstate) ? XDPCT_END_NONE
								: XDPCT_END_EXPIRED;
	if (e->type != XDPCT_EV_TRANSITION || !connection_done(e))
		return XDPCT_END_NONE;
	if (!e->est_ns)
		return XDPCT_END_REFUSED;
	return e->flow_flags & XDPCT_F_RESET ? XDPCT_END_RESET : XDPCT_END_CLOSED;
}

const char *xdpct_end_name(__u8 end)
{
	static const char *const names[XDPCT_END_MAX] = {
		"", "closed", "reset", "refused", "expired",
	};

	return end < XDPCT_END_MAX ? names[end] : "";
}

/* syncookie auto mode switched a port's cookies on or off */
static void print_mode_event(FILE *f, const struct xdpct_event *e, bool json)
{
	char ts[32];

	if (json) {
		fprintf(f, "{\"ts_ns\":%llu,\"event\":\"syncookie\",\"port\":%u,"
			   "\"cookies\":\"%s\",\"syn_rate\":%llu}\n",
			(unsigned long long)e->ts_ns, e->server_port, e->reason ? "on" : "off",
			(unsigned long long)e->packets[0]);
	} else {
		wall_time(ts, sizeof(ts), e->ts_ns);
		fprintf(f, "%s syncookie port %u: cookies %s (%llu SYN/s)\n", ts,
			e->server_port, e->reason ? "ON" : "off",
			(unsigned long long)e->packets[0]);
	}
	fflush(f);
}

void xdpct_print_event(FILE *f, const struct xdpct_event *e, bool json)
{
	char fl[16], flags[96];

	if (e->type == XDPCT_EV_MODE) {
		print_mode_event(f, e, json);
		return;
	}
	xdpct_flags_str(e->flow_flags, flags, sizeof(flags), json);
	if (e->type == XDPCT_EV_EXPIRED) {
		/* the connection's end record: its last states and figures */
		if (json) {
			event_head_json(f, e, "expired", true);
			fprintf(f, ",\"reason\":\"%s\",\"first_seen_ns\":%llu,\"last_seen_ns\":%llu,"
				   "\"packets\":{\"client\":%llu,\"server\":%llu},"
				   "\"bytes\":{\"client\":%llu,\"server\":%llu},\"flags\":[%s]}\n",
				xdpct_expire_reason(e->reason), (unsigned long long)e->first_seen_ns,
				(unsigned long long)e->last_seen_ns,
				(unsigned long long)e->packets[0], (unsigned long long)e->packets[1],
				(unsigned long long)e->bytes[0], (unsigned long long)e->bytes[1],
				flags);
		} else {
			event_head_text(f, e);
			fprintf(f, "  flow removed (%s) in %s/%s, last packet %.3f s before: "
				   "client sent %llu pkts/%llu B, server sent %llu pkts/%llu B\n",
				xdpct_expire_reason(e->reason), xdpct_state_name(e->cstate),
				xdpct_state_name(e->sstate), ms(e->last_seen_ns, e->ts_ns) / 1000.0,
				(unsigned long long)e->packets[0], (unsigned long long)e->bytes[0],
				(unsigned long long)e->packets[1], (unsigned long long)e->bytes[1]);
		}
		return;
	}
	if (e->type != XDPCT_EV_TRANSITION)
		return;

	tcp_flags_str(e->tcp_flags, fl);
	if (json) {
		event_head_json(f, e, "transition", false);
		fprintf(f, ",\"side\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
			   "\"tcp_flags\":\"%s\",\"flags\":[%s]}\n",
			e->side ? "server" : "client", xdpct_state_name(e->from),
			xdpct_state_name(e->to), fl, flags);
	} else {
		event_head_text(f, e);
		fprintf(f, "  %-6s %s -> %s  [%s]\n", e->side ? "server" : "client",
			xdpct_state_name(e->from), xdpct_state_name(e->to), fl);
	}

	if (handshake_done(e)) {
		if (json) {
			event_head_json(f, e, "handshake", false);
			fprintf(f, ",\"syn_to_synack_ns\":%llu,\"synack_to_ack_ns\":%llu,"
				   "\"flags\":[%s]}\n",
				(unsigned long long)(e->syn_ns && e->synack_ns > e->syn_ns ?
						     e->synack_ns - e->syn_ns : 0),
				(unsigned long long)(e->est_ns > e->synack_ns ?
						     e->synack_ns ? e->est_ns - e->synack_ns : 0 : 0),
				flags);
		} else {
			event_head_text(f, e);
			fprintf(f, "  handshake done: SYN->SYN-ACK %.3f ms, SYN-ACK->ACK %.3f ms\n",
				e->syn_ns ? ms(e->syn_ns, e->synack_ns) : 0.0,
				e->synack_ns ? ms(e->synack_ns, e->est_ns) : 0.0);
		}
	} else if (connection_done(e)) {
		const char *how = e->est_ns ? (e->flow_flags & XDPCT_F_RESET ? "reset" : "closed")
					    : "refused";

		if (json) {
			event_head_json(f, e, "closed", false);
			fprintf(f, ",\"how\":\"%s\",\"lifetime_ns\":%llu,"
				   "\"packets\":{\"client\":%llu,\"server\":%llu},"
				   "\"bytes\":{\"client\":%llu,\"server\":%llu},\"flags\":[%s]}\n",
				how, (unsigned long long)(e->ts_ns - e->first_seen_ns),
				(unsigned long long)e->packets[0], (unsigned long long)e->packets[1],
				(unsigned long long)e->bytes[0], (unsigned long long)e->bytes[1],
				flags);
		} else {
			event_head_text(f, e);
			fprintf(f, "  connection %s after %.3f s: client sent %llu pkts/%llu B, "
				   "server sent %llu pkts/%llu B\n",
				how, ms(e->first_seen_ns, e->ts_ns) / 1000.0,
				(unsigned long long)e->packets[0], (unsigned long long)e->bytes[0],
				(unsigned long long)e->packets[1], (unsigned long long)e->bytes[1]);
		}
	}
	fflush(f);
}

/* ---- flow table ------------------------------------------------------- */

static int flows_n;

void xdpct_flows_begin(FILE *f, bool json)
{
	flows_n = 0;
	if (json)
		fprintf(f, "[");
	else
		fprintf(f, "%-5s %-9s %-28s %-28s %-12s %-12s %8s %13s %17s %s\n",
			"Proto", "VLAN", "Client", "Server", "Client-State", "Server-State",
			"Age", "Pkts(c/s)", "Bytes(c/s)", "Flags");
}

void xdpct_flows_entry(FILE *f, const struct xdpct_flow_key *k,
		       const struct xdpct_flow *v, __u64 now_ns, bool json)
{
	int c = v->client & 1, s = !c;
	char ca[INET6_ADDRSTRLEN], sa[INET6_ADDRSTRLEN], flags[96];
	__u32 caddr[4], saddr[4];

	xdpct_key_addr(k, c, caddr);
	xdpct_key_addr(k, s, saddr);
	xdpct_addr_str(k->family, caddr, ca, sizeof(ca));
	xdpct_addr_str(k->family, saddr, sa, sizeof(sa));
	xdpct_flags_str(v->flags, flags, sizeof(flags), json);
	if (json) {
		__u64 syn_ns = xdpct_flow_syn_ns(v), synack_ns = xdpct_flow_synack_ns(v);
		__u64 est_ns = xdpct_flow_est_ns(v);
		char tc[9], ts[9];

		tcp_flags_str(v->tcp_flags_seen[c], tc);
		tcp_flags_str(v->tcp_flags_seen[s], ts);
		fprintf(f, "%s%s{\"family\":%u,\"vlan\":", flows_n ? "," : "",
			g_out.pretty ? "\n  " : "", k->family);
		vlan_json(f, k->vlan);
		fprintf(f, ",\"client\":{\"addr\":\"%s\",\"port\":%u,\"state\":\"%s\"},"
			   "\"server\":{\"addr\":\"%s\",\"port\":%u,\"state\":\"%s\"},"
			   "\"packets\":{\"client\":%llu,\"server\":%llu},"
			   "\"bytes\":{\"client\":%llu,\"server\":%llu},"
			   "\"first_seen_ns\":%llu,\"last_seen_ns\":%llu,"
			   "\"syn_to_synack_ns\":%llu,\"synack_to_ack_ns\":%llu,"
			   "\"generation\":%u,\"tcp_flags\":{\"client\":\"%s\",\"server\":\"%s\"},"
			   "\"flags\":[%s]}",
			ca, k->port[c], xdpct_state_name(v->state[c]),
			sa, k->port[s], xdpct_state_name(v->state[s]),
			(unsigned long long)xdpct_flow_packets(v, c),
			(unsigned long long)xdpct_flow_packets(v, s),
			(unsigned long long)xdpct_flow_bytes(v, c), (unsigned long long)xdpct_flow_bytes(v, s),
			(unsigned long long)v->first_seen_ns, (unsigned long long)v->last_seen_ns,
			(unsigned long long)(syn_ns && synack_ns > syn_ns ? synack_ns - syn_ns : 0),
			(unsigned long long)(synack_ns && est_ns > synack_ns ? est_ns - synack_ns : 0),
			v->gen, tc, ts, flags);
	} else {
		char ce[64], se[64], vl[16], pk[32], by[48], age[24];

		endpoint_str(ce, sizeof(ce), k->family, caddr, k->port[c]);
		endpoint_str(se, sizeof(se), k->family, saddr, k->port[s]);
		vlan_text(vl, sizeof(vl), k->vlan);
		snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)xdpct_flow_packets(v, c),
			 (unsigned long long)xdpct_flow_packets(v, s));
		snprintf(by, sizeof(by), "%llu/%llu", (unsigned long long)xdpct_flow_bytes(v, c),
			 (unsigned long long)xdpct_flow_bytes(v, s));
		snprintf(age, sizeof(age), "%.1fs",
			 now_ns > v->first_seen_ns ? (now_ns - v->first_seen_ns) / 1e9 : 0.0);
		fprintf(f, "tcp%-2u %-9s %-28s %-28s %-12s %-12s %8s %13s %17s %s\n",
			k->family, vl, ce, se, xdpct_state_name(v->state[c]),
			xdpct_state_name(v->state[s]), age, pk, by, flags);
	}
	flows_n++;
}

void xdpct_flows_end(FILE *f, bool json)
{
	if (json)
		fprintf(f, "%s]\n", g_out.pretty && flows_n ? "\n" : "");
}
