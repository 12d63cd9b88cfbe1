// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct status: where the instance is attached and how full it is. */
#include <net/if.h>
#include <string.h>
#include <stdio.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/env.h"
#include "lib/instance.h"
#include "lib/log.h"
#include "xdpct/cookie.h"

static const char status_help[] =
"Usage: xdpct status [-j]\n"
"\n"
"Show this network namespace's xdpct instance: each interface it is attached\n"
"to with the XDP mode, whether TC egress is attached and whether libxdp's\n"
"dispatcher is used; program ids; flow-table fill; flows evicted and inserts\n"
"failed; ring-buffer events lost; expiry sweeps; where it is pinned.\n"
"\n"
"JSON (-j): {\"attached\": true, \"interfaces\": [{\"name\", \"ifindex\", \"mode\",\n"
"  \"egress\", \"multiprog\", \"present\"}], \"prog_ids\": {\"xdp\", \"tc\"},\n"
"  \"flows\": {\"count\", \"max\", \"ipv6\": {\"count\", \"max\"}}, \"flows_evicted\",\n"
"  \"insert_failed\", \"events_lost\", \"sweeps\", \"pin_dir\", \"timeouts_s\": {...},\n"
"  \"syncookie\": {\"mode\", \"completion\", \"threshold\", \"mss4\", \"mss6\",\n"
"  \"wscale\", \"ttl\"}}\n"
"  or {\"attached\": false} when there is no instance.  An instance another\n"
"  build of xdpct loaded with another layout of its tables, counters, events\n"
"  or settings gives {\"attached\": true, \"interfaces\", \"prog_ids\",\n"
"  \"readable\": false, \"why\", \"pin_dir\"}: nothing read from those maps.\n"
"\n"
"Exit status: 0 attached; 1 not attached (still prints it); 2 bad usage.\n";

static const char *sc_mode_name(__u8 m)
{
	return m == XDPCT_SC_ALWAYS ? "always" : m == XDPCT_SC_AUTO ? "auto" : "off";
}

static const char *sc_completion_name(__u8 c)
{
	return c == XDPCT_SC_REQSK ? "reqsk" : c == XDPCT_SC_SYNPROXY ? "synproxy" : "none";
}

static int status_opt(int opt, const char *arg, void *ctx)
{
	return 0;
}

/* A message made JSON-safe in place: quotes, backslashes and controls go. */
static void json_safe(char *m)
{
	for (; *m; m++)
		if (*m == '"' || *m == '\\' || (unsigned char)*m < 0x20)
			*m = '\'';
}

static int status_main(int argc, char **argv)
{
	struct xdpct_iface ifs[XDPCT_MAX_IFACES];
	struct xdpct_stats s;
	struct inst in;
	struct flow_counts fc;
	char lay_why[256];
	__u32 n, max;
	int r, nif, i, lay;

	r = parse_no_operands(argc, argv, "", NULL, status_opt, NULL);
	if (r)
		return r;
	if (inst_find(&in)) {
		if (g_out.json)
			printf("{\"attached\":false}\n");
		else
			printf("xdpct: not attached in this network namespace\n");
		return 1;
	}
	nif = inst_read_ifaces(&in, ifs, XDPCT_MAX_IFACES);
	/*
	 * Another build's tables and counters are not read: its entries may
	 * be laid out otherwise (user/lib/layout.c), and read as this build's
	 * they would show a full table as empty.  Said instead of the figures.
	 */
	lay = layout_refusal(&in, lay_why, sizeof(lay_why));
	memset(&fc, 0, sizeof(fc));
	memset(&s, 0, sizeof(s));
	if (!lay) {
		/* count: both tables; max: the IPv4 table's (--flows); ipv6: its own */
		inst_flow_count(&in, &fc);
		inst_read_stats(&in, &s);
	}
	n = fc.n[0] + fc.n[1];
	max = fc.max[0];

	if (g_out.json) {
		printf("{\"attached\":true,\"interfaces\":[");
		for (i = 0; i < nif; i++) {
			char nm[IF_NAMESIZE];

			printf("%s{\"name\":\"%s\",\"ifindex\":%u,\"mode\":\"%s\",\"egress\":%s,"
			       "\"multiprog\":%s,\"present\":%s}", i ? "," : "", ifs[i].name,
			       ifs[i].ifindex,
			       ifs[i].mode == XDPCT_MODE_GENERIC ? "generic" : "native",
			       ifs[i].egress ? "true" : "false",
			       ifs[i].multiprog ? "true" : "false",
			       if_indextoname(ifs[i].ifindex, nm) ? "true" : "false");
		}
		if (lay) {
			json_safe(lay_why);
			printf("],\"prog_ids\":{\"xdp\":%u,\"tc\":%u},\"readable\":false,\"why\":\"%s\","
			       "\"pin_dir\":\"%s\"}\n", inst_prog_id(in.fd[I_PROG_XDP]),
			       inst_prog_id(in.fd[I_PROG_TC]), lay_why, in.pinned ? in.pin_dir : "");
			goto out;
		}
		printf("],\"prog_ids\":{\"xdp\":%u,\"tc\":%u},\"flows\":{\"count\":%u,\"max\":%u,"
		       "\"ipv6\":{\"count\":%u,\"max\":%u}},"
		       "\"flows_evicted\":%llu,\"insert_failed\":%llu,\"events_lost\":%llu,"
		       "\"sweeps\":%llu,\"pin_dir\":\"%s\",\"timeouts_s\":{\"time_wait\":%.3f,"
		       "\"syn\":%.3f,\"established\":%.3f,\"closing\":%.3f,\"close\":%.3f},"
		       "\"syncookie\":{\"mode\":\"%s\",\"completion\":\"%s\",\"threshold\":%u,"
		       "\"mss4\":%u,\"mss6\":%u,\"wscale\":%u,\"ttl\":%u}}\n",
		       inst_prog_id(in.fd[I_PROG_XDP]), inst_prog_id(in.fd[I_PROG_TC]), n, max, fc.n[1], fc.max[1],
		       (unsigned long long)s.c[XDPCT_STAT_FLOWS_EVICTED],
		       (unsigned long long)s.c[XDPCT_STAT_INSERT_FAILED],
		       (unsigned long long)s.c[XDPCT_STAT_EVENTS_LOST],
		       (unsigned long long)s.c[XDPCT_STAT_SWEEPS],
		       in.pinned ? in.pin_dir : "",
		       in.cfg.time_wait_ns / 1e9, in.cfg.syn_ns / 1e9,
		       in.cfg.established_ns / 1e9, in.cfg.closing_ns / 1e9,
		       in.cfg.close_ns / 1e9, sc_mode_name(in.cfg.sc_mode),
		       sc_completion_name(in.cfg.sc_completion), in.cfg.sc_threshold,
		       in.cfg.sc_mss4, in.cfg.sc_mss6, in.cfg.sc_wscale, in.cfg.sc_ttl);
	} else {
		printf("xdpct attached (xdp prog id %u, tc prog id %u)\n",
		       inst_prog_id(in.fd[I_PROG_XDP]), inst_prog_id(in.fd[I_PROG_TC]));
		for (i = 0; i < nif; i++) {
			char nm[IF_NAMESIZE];

			printf("  %-16s ifindex %-4u %-7s%s%s%s\n", ifs[i].name, ifs[i].ifindex,
			       ifs[i].mode == XDPCT_MODE_GENERIC ? "generic" : "native",
			       ifs[i].egress ? " +egress" : "",
			       ifs[i].multiprog ? " (libxdp dispatcher)" : "",
			       if_indextoname(ifs[i].ifindex, nm) ? "" : " (interface gone)");
		}
		if (lay) {
			printf("not read       flow tables and counters: %s\n", lay_why);
			printf("pinned at      %s\n", in.pinned ? in.pin_dir : "(not pinned)");
			goto out;
		}
		printf("flows          %u of %u (%.1f%%)\n", fc.n[0], max,
		       max ? 100.0 * fc.n[0] / max : 0);
		printf("flows (IPv6)   %u of %u (%.1f%%)\n", fc.n[1], fc.max[1],
		       fc.max[1] ? 100.0 * fc.n[1] / fc.max[1] : 0);
		printf("evicted        %llu\ninsert failed  %llu\nevents lost    %llu\n"
		       "sweeps         %llu\n",
		       (unsigned long long)s.c[XDPCT_STAT_FLOWS_EVICTED],
		       (unsigned long long)s.c[XDPCT_STAT_INSERT_FAILED],
		       (unsigned long long)s.c[XDPCT_STAT_EVENTS_LOST],
		       (unsigned long long)s.c[XDPCT_STAT_SWEEPS]);
		printf("timeouts       time-wait %.0fs, syn %.0fs, established %.0fs, "
		       "closing %.0fs, close %.0fs\n",
		       in.cfg.time_wait_ns / 1e9, in.cfg.syn_ns / 1e9,
		       in.cfg.established_ns / 1e9, in.cfg.closing_ns / 1e9,
		       in.cfg.close_ns / 1e9);
		if (in.cfg.sc_mode)
			printf("syncookies     %s, completion %s, threshold %u SYN/s, MSS %u/%u, "
			       "wscale %u, ttl %u\n", sc_mode_name(in.cfg.sc_mode),
			       sc_completion_name(in.cfg.sc_completion), in.cfg.sc_threshold,
			       in.cfg.sc_mss4, in.cfg.sc_mss6, in.cfg.sc_wscale, in.cfg.sc_ttl);
		printf("pinned at      %s\n", in.pinned ? in.pin_dir : "(not pinned)");
	}
out:
	inst_close(&in);
	return 0;
}

const struct command status_command = {
	"status", status_main, "Where xdpct is attached, table fill, losses", status_help,
};
