// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* xdpct watch: transitions from the datapath's ring buffer, as they happen. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cmd_watch.h"
#include "cmdline.h"
#include "commands.h"
#include "lib/clock.h"
#include "lib/format.h"
#include "lib/log.h"

static const char watch_help[] =
"Usage: xdpct watch [-j] [--count N] [--duration S]\n"
"\n"
"Stream endpoint state transitions of the instance attached in this network\n"
"namespace, one line per endpoint transition, plus a summary line when a\n"
"handshake completes (its timings) and when a connection has closed (lifetime,\n"
"packets and bytes each side sent).  Ends on Ctrl-C (SIGINT) or SIGTERM and\n"
"says how many events the datapath lost (ring buffer full).  One reader at a\n"
"time: two watchers would split the events between them.\n"
"\n"
"Text line:  TIME tcpFAMILY vlan VLAN CLIENT -> SERVER  SIDE FROM -> TO  [FLAGS]\n"
"  FLAGS are the TCP flags of the packet that caused it: F S R P A U E C.\n"
"\n"
"JSON (-j), one object per line:\n"
"  {\"ts_ns\", \"event\": \"transition\", \"family\", \"vlan\": [ids],\n"
"   \"client\": {\"addr\", \"port\"}, \"server\": {...}, \"side\": \"client\"|\"server\",\n"
"   \"from\", \"to\", \"tcp_flags\", \"flags\": [...]}\n"
"  \"event\": \"handshake\" adds syn_to_synack_ns, synack_to_ack_ns;\n"
"  \"event\": \"closed\" adds how (closed|reset|refused), lifetime_ns,\n"
"   packets and bytes {client, server}; \"event\": \"expired\" adds reason.\n"
"  ts_ns is CLOCK_MONOTONIC (as bpf_ktime_get_ns).  At exit:\n"
"  {\"event\": \"end\", \"events\": N, \"lost\": N}\n"
"\n"
"Options:\n"
"  -c, --count N      exit after N events\n"
"  -d, --duration S   exit after S seconds\n"
"  -j, --json         JSON lines\n"
"\n"
"Exit status: 0 on a clean end; 1 when nothing is attached or reading failed.\n";

static volatile sig_atomic_t stop;
static __u64 seen;

static void on_signal(int sig)
{
	stop = 1;
}

void watch_signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int on_event(void *ctx, void *data, size_t len)
{
	if (len < sizeof(struct xdpct_event))
		return 0;
	xdpct_print_event(stdout, data, g_out.json);
	seen++;
	return 0;
}

int watch_loop(struct inst *in, __u64 max_events, double duration_s)
{
	struct xdpct_stats before, after;
	struct ring_buffer *rb;
	__u64 deadline = 0;
	int err = 0;

	rb = ring_buffer__new(in->fd[I_EVENTS], on_event, NULL, NULL);
	if (!rb) {
		xdpct_err("cannot read the event ring buffer: %s", strerror(errno));
		return 1;
	}
	inst_read_stats(in, &before);
	if (duration_s > 0)
		deadline = xdpct_now_ns() + (__u64)(duration_s * 1e9);
	seen = 0;
	while (!stop) {
		/* the datapath wakes us only for a backlog (bpf/events.h):
		 * read whatever is there every 50 ms regardless */
		err = ring_buffer__poll(rb, 50);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (err < 0 && err != -EINTR) {
			xdpct_err("reading events: %s", strerror(-err));
			break;
		}
		err = 0;
		if (max_events && seen >= max_events)
			break;
		if (deadline && xdpct_now_ns() >= deadline)
			break;
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	inst_read_stats(in, &after);
	{
		__u64 lost = after.c[XDPCT_STAT_EVENTS_LOST] - before.c[XDPCT_STAT_EVENTS_LOST];

		if (g_out.json)
			printf("{\"event\":\"end\",\"events\":%llu,\"lost\":%llu}\n",
			       (unsigned long long)seen, (unsigned long long)lost);
		else
			fprintf(stderr, "xdpct: %llu events, %llu lost\n",
				(unsigned long long)seen, (unsigned long long)lost);
	}
	return err ? 1 : 0;
}

struct watch_args {
	__u64 count;
	double duration;
};

static int watch_opt(int opt, const char *arg, void *ctx)
{
	struct watch_args *w = ctx;
	char *end;

	errno = 0;
	if (opt == 'c') {
		w->count = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || arg[0] == '-' || !w->count) {
			xdpct_err("--count '%s': want a whole number > 0", arg);
			return -1;
		}
		return 1;
	}
	if (opt == 'd') {
		w->duration = strtod(arg, &end);
		if (errno || *end || end == arg || !(w->duration > 0)) {
			xdpct_err("--duration '%s': want seconds > 0", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

static int watch_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ 0 },
	};
	struct watch_args w = {};
	struct inst in;
	int r;

	r = open_attached(argc, argv, "c:d:", longopts, watch_opt, &w, &in);
	if (r)
		return r;
	watch_signals_init();
	r = watch_loop(&in, w.count, w.duration);
	inst_close(&in);
	return r;
}

const struct command watch_command = {
	"watch", watch_main, "Stream state transitions as they happen", watch_help,
};
