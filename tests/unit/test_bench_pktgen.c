// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The bench's pktgen path (bench/pktgen.c).  This kernel has no pktgen,
 * so the test checks what would be written to /proc/net/pktgen: the
 * samples/pktgen order (reset; per thread: rem_device_all, add_device
 * DEV@CPU, the device's parameters; start), the values, and the plans the
 * bench makes per scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <criterion/criterion.h>
#include "net.h"
#include "pktgen.h"

#define MAXC 128

struct want {
	const char *file, *line;
};

static void expect(const struct pktgen_cmd *c, int n, const struct want *w, int nw)
{
	int i;

	cr_assert_eq(n, nw, "%d commands, want %d", n, nw);
	for (i = 0; i < nw; i++) {
		cr_expect_str_eq(c[i].file, w[i].file, "command %d: file", i);
		cr_expect_str_eq(c[i].line, w[i].line, "command %d: line", i);
	}
}

static struct pktgen_plan base_plan(void)
{
	return (struct pktgen_plan){
		.dev = "xbench-g", .threads = 1, .first_cpu = 1, .pkt_size = 90,
		.count = 0, .burst = 32, .clone_skb = 0, .delay_ns = 0,
		.dst_mac = "02:78:62:00:00:02", .src_min = 0x0a100000,
		.src_max = 0x0a1003e7, .dst = 0x0a000002, .udp_src_min = 1024,
		.udp_src_max = 1024, .udp_dst = 80,
	};
}

Test(pktgen, one_thread_exact_sequence)
{
	static const struct want w[] = {
		{ "pgctrl", "reset" },
		{ "kpktgend_1", "rem_device_all" },
		{ "kpktgend_1", "add_device xbench-g@1" },
		{ "xbench-g@1", "flag QUEUE_MAP_CPU" },
		{ "xbench-g@1", "count 0" },
		{ "xbench-g@1", "clone_skb 0" },
		{ "xbench-g@1", "pkt_size 90" },
		{ "xbench-g@1", "delay 0" },
		{ "xbench-g@1", "flag NO_TIMESTAMP" },
		{ "xbench-g@1", "dst_mac 02:78:62:00:00:02" },
		{ "xbench-g@1", "dst 10.0.0.2" },
		{ "xbench-g@1", "src_min 10.16.0.0" },
		{ "xbench-g@1", "src_max 10.16.3.231" },
		{ "xbench-g@1", "udp_src_min 1024" },
		{ "xbench-g@1", "udp_src_max 1024" },
		{ "xbench-g@1", "udp_dst_min 80" },
		{ "xbench-g@1", "udp_dst_max 80" },
		{ "xbench-g@1", "burst 32" },
		{ "pgctrl", "start" },
	};
	struct pktgen_plan p = base_plan();
	struct pktgen_cmd c[MAXC];
	int n = pktgen_commands(&p, c, MAXC);

	expect(c, n, w, sizeof(w) / sizeof(w[0]));
}

/* One device instance per kpktgend thread, each set up completely in turn. */
Test(pktgen, threads_get_their_own_device)
{
	struct pktgen_plan p = base_plan();
	struct pktgen_cmd c[MAXC];
	int n, i, adds = 0, starts = 0, last_reset = -1, first_start = -1;

	p.threads = 2;
	p.first_cpu = 0;
	p.xmit_mode = "netif_receive";
	n = pktgen_commands(&p, c, MAXC);
	cr_assert_gt(n, 0);
	for (i = 0; i < n; i++) {
		if (!strcmp(c[i].file, "pgctrl") && !strcmp(c[i].line, "reset"))
			last_reset = i;
		if (!strcmp(c[i].file, "pgctrl") && !strcmp(c[i].line, "start")) {
			starts++;
			first_start = i;
		}
		if (!strncmp(c[i].line, "add_device ", 11)) {
			char want[32];

			snprintf(want, sizeof(want), "add_device xbench-g@%d", adds);
			cr_expect_str_eq(c[i].line, want);
			snprintf(want, sizeof(want), "kpktgend_%d", adds);
			cr_expect_str_eq(c[i].file, want);
			/* the instance's parameters follow its add_device */
			snprintf(want, sizeof(want), "xbench-g@%d", adds);
			cr_expect_str_eq(c[i + 1].file, want);
			adds++;
		}
	}
	cr_expect_eq(adds, 2);
	cr_expect_eq(starts, 1);
	cr_expect_eq(last_reset, 0);
	cr_expect_eq(first_start, n - 1, "start comes last");
	cr_expect_str_eq(c[n - 2].line, "xmit_mode netif_receive");
	cr_expect_str_eq(c[n - 2].file, "xbench-g@1");
}

Test(pktgen, flood_randomises_sources)
{
	struct pktgen_plan p;
	struct pktgen_cmd c[MAXC];
	int n, i, ip_rnd = 0, port_rnd = 0;

	cr_assert_eq(pktgen_plan_for(GEN_SYNFLOOD, 0, 1, 1, &p), 0);
	n = pktgen_commands(&p, c, MAXC);
	cr_assert_gt(n, 0);
	for (i = 0; i < n; i++) {
		ip_rnd += !strcmp(c[i].line, "flag IPSRC_RND");
		port_rnd += !strcmp(c[i].line, "flag UDPSRC_RND");
		if (!strncmp(c[i].line, "src_min ", 8))
			cr_expect_str_eq(c[i].line, "src_min 10.64.0.0");
		if (!strncmp(c[i].line, "src_max ", 8))
			cr_expect_str_eq(c[i].line, "src_max 10.127.255.255");
	}
	cr_expect_eq(ip_rnd, 1);
	cr_expect_eq(port_rnd, 1);
}

/* The established plan walks exactly the generator's client addresses. */
Test(pktgen, established_plan_covers_the_flows)
{
	struct pktgen_plan p;

	cr_assert_eq(pktgen_plan_for(GEN_ESTABLISHED, 100000, 2, 0, &p), 0);
	cr_expect_eq(p.src_min, gen_client_addr(BENCH_CLIENTS, 0));
	cr_expect_eq(p.src_max, gen_client_addr(BENCH_CLIENTS, 99999));
	cr_expect_eq(p.pkt_size, GEN_FRAME_LEN + 4);
	cr_expect_not(p.src_rnd);
	cr_expect_str_eq(p.dev, BENCH_IF_GEN);
	cr_assert_eq(pktgen_plan_for(GEN_ESTABLISHED, 2000000, 1, 0, &p), 0);
	cr_expect_eq(p.src_max, gen_client_addr(BENCH_CLIENTS, 0xfffff));
	cr_expect_eq(p.udp_src_max, gen_client_port(1999999));
}

Test(pktgen, bad_plans_are_refused)
{
	struct pktgen_cmd c[MAXC];
	struct pktgen_plan p;

	p = base_plan();
	p.threads = 0;
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	p.pkt_size = 40;
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	p.xmit_mode = "queue_xmit_please";
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	p.src_min = p.src_max + 1;
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	p.dev = NULL;
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	p.dev = "a-name-longer-than-ifnamsiz";
	cr_expect_eq(pktgen_commands(&p, c, MAXC), -EINVAL);
	p = base_plan();
	cr_expect_eq(pktgen_commands(&p, c, 5), -ENOSPC);
	cr_expect_eq(pktgen_plan_for(0, 10, 1, 0, &p), -EINVAL);
}
