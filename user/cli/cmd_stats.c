// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct stats: every datapath counter, summed over CPUs. */
#include <stdio.h>
#include <string.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/instance.h"
#include "lib/log.h"

static const char stats_help[] =
"Usage: xdpct stats [-j | --prometheus]\n"
"\n"
"Print the datapath's counters, summed over CPUs: one per decision it takes\n"
"(packets parsed, invalid by reason, flows created/closed/expired/evicted,\n"
"insert failures, transitions, events emitted and lost, ...).\n"
"\n"
"Options:\n"
"  -j, --json         one JSON object {\"counter\": value, ...}\n"
"  -P, --prometheus   Prometheus text exposition format: xdpct_<name>_total\n"
"                     counters with # HELP and # TYPE lines\n"
"\n"
"Exit status: 0; 1 nothing attached; 2 bad usage.\n";

static const struct {
	const char *name, *help;
} counters[] = {
#define XDPCT_STAT_NAME(id, name, help) { name, help },
	XDPCT_STATS(XDPCT_STAT_NAME)
#undef XDPCT_STAT_NAME
};

static int stats_opt(int opt, const char *arg, void *ctx)
{
	if (opt != 'P')
		return 0;
	*(bool *)ctx = true;
	return 1;
}

static void print_stats(const struct xdpct_stats *s, bool json, bool prom)
{
	int i;

	if (json)
		printf("{");
	for (i = 0; i < XDPCT_STAT_MAX; i++) {
		unsigned long long v = s->c[i];

		if (prom)
			printf("# HELP xdpct_%s_total %s\n# TYPE xdpct_%s_total counter\n"
			       "xdpct_%s_total %llu\n", counters[i].name, counters[i].help,
			       counters[i].name, counters[i].name, v);
		else if (json)
			printf("%s%s\"%s\":%llu", i ? "," : "", g_out.pretty ? "\n  " : "",
			       counters[i].name, v);
		else
			printf("%-20s %20llu  %s\n", counters[i].name, v, counters[i].help);
	}
	if (json)
		printf("%s}\n", g_out.pretty ? "\n" : "");
}

static int stats_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prometheus", no_argument, NULL, 'P' },
		{ 0 },
	};
	struct xdpct_stats s;
	bool prom = false;
	struct inst in;
	int r;

	r = open_attached(argc, argv, "P", longopts, stats_opt, &prom, &in);
	if (r)
		return r;
	if (inst_read_stats(&in, &s)) {
		xdpct_err("cannot read the counters");
		inst_close(&in);
		return 1;
	}
	print_stats(&s, g_out.json && !prom, prom);
	inst_close(&in);
	return 0;
}

const struct command stats_command = {
	"stats", stats_main, "Datapath counters (text, JSON or Prometheus)", stats_help,
};
