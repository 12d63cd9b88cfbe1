// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: the kernel pktgen path.
 *
 * pktgen_commands() turns a plan into the lines the kernel's
 * samples/pktgen scripts write under /proc/net/pktgen, in their order:
 * reset the control file, give each kpktgend_N thread its own device
 * instance DEV@N, set every parameter on each instance, then start.
 * pktgen_write() writes them and, as the samples' functions.sh does, reads
 * each device file back for "Result: OK:".
 *
 * pktgen sends UDP only: gen_rx (bpf/gen.bpf.c) on the receiving veth
 * rewrites each frame into the scenario's TCP segment and tail-calls the
 * program under test (generator.c).  Kernels built without
 * CONFIG_NET_PKTGEN (ours) have no /proc/net/pktgen; there the benchmark
 * generates with BPF_PROG_TEST_RUN live frames, and this file is covered by
 * tests/unit/test_bench_pktgen.c, which checks the commands it would write
 * (`xdpct-bench --generator pktgen-sim` runs the receive side of the path).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "net.h"
#include "pktgen.h"

#define PKTGEN_DIR "/proc/net/pktgen"

bool pktgen_available(void)
{
	return access(PKTGEN_DIR "/pgctrl", W_OK) == 0;
}

struct cmdbuf {
	struct pktgen_cmd *c;
	int n, max;
	int overflow;
};

static void add(struct cmdbuf *b, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct cmdbuf *b, const char *file, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (b->n >= b->max) {
		b->overflow = 1;
		return;
	}
	snprintf(b->c[b->n].file, sizeof(b->c[b->n].file), "%s", file);
	va_start(ap, fmt);
	len = vsnprintf(b->c[b->n].line, sizeof(b->c[b->n].line), fmt, ap);
	va_end(ap);
	if (len < 0 || len >= (int)sizeof(b->c[b->n].line))
		b->overflow = 1;
	b->n++;
}

static void ip_str(__u32 a, char *buf)
{
	sprintf(buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

int pktgen_commands(const struct pktgen_plan *p, struct pktgen_cmd *cmds, int max)
{
	struct cmdbuf b = { .c = cmds, .max = max };
	char dev[48], thr[24], a[16];
	int t;

	if (!p || !p->dev || !p->dev[0] || strlen(p->dev) > 15 || p->threads < 1 ||
	    p->first_cpu < 0 || p->pkt_size < 64 || p->pkt_size > 9000 || !p->dst_mac ||
	    p->src_min > p->src_max || p->udp_src_min > p->udp_src_max || !p->burst)
		return -EINVAL;
	if (p->xmit_mode && strcmp(p->xmit_mode, "start_xmit") &&
	    strcmp(p->xmit_mode, "netif_receive"))
		return -EINVAL;

	add(&b, "pgctrl", "reset");
	for (t = 0; t < p->threads; t++) {
		snprintf(thr, sizeof(thr), "kpktgend_%d", p->first_cpu + t);
		snprintf(dev, sizeof(dev), "%s@%d", p->dev, p->first_cpu + t);
		add(&b, thr, "rem_device_all");
		add(&b, thr, "add_device %s", dev);
		/* the transmit queue follows the thread's CPU, as the samples ask */
		add(&b, dev, "flag QUEUE_MAP_CPU");
		add(&b, dev, "count %llu", (unsigned long long)p->count);
		add(&b, dev, "clone_skb %u", p->clone_skb);
		add(&b, dev, "pkt_size %u", p->pkt_size);
		add(&b, dev, "delay %u", p->delay_ns);
		add(&b, dev, "flag NO_TIMESTAMP");
		add(&b, dev, "dst_mac %s", p->dst_mac);
		ip_str(p->dst, a);
		add(&b, dev, "dst %s", a);
		ip_str(p->src_min, a);
		add(&b, dev, "src_min %s", a);
		ip_str(p->src_max, a);
		add(&b, dev, "src_max %s", a);
		add(&b, dev, "udp_src_min %u", p->udp_src_min);
		add(&b, dev, "udp_src_max %u", p->udp_src_max);
		add(&b, dev, "udp_dst_min %u", p->udp_dst);
		add(&b, dev, "udp_dst_max %u", p->udp_dst);
		if (p->src_rnd) {
			add(&b, dev, "flag IPSRC_RND");
			add(&b, dev, "flag UDPSRC_RND");
		}
		add(&b, dev, "burst %u", p->burst);
		if (p->xmit_mode)
			add(&b, dev, "xmit_mode %s", p->xmit_mode);
	}
	add(&b, "pgctrl", "start");
	return b.overflow ? -ENOSPC : b.n;
}

/*
 * The plan for a scenario: the same frame size as the live-frames
 * generator, pktgen walking the same client addresses (sequentially over
 * the flows, or at random for the flood), from the generator's veth to the
 * receiving veth's MAC.  The addresses matter little: gen_rx rewrites
 * every header on arrival, as gen does before sending on the live path.
 */
int pktgen_plan_for(enum gen_mode mode, __u32 flows, int threads, int first_cpu,
		    struct pktgen_plan *p)
{
	__u32 n = flows ? flows : 1;

	if (threads < 1 || first_cpu < 0)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->dev = BENCH_IF_GEN;
	p->threads = threads;
	p->first_cpu = first_cpu;
	p->pkt_size = GEN_FRAME_LEN + 4;	/* pktgen counts the FCS */
	p->count = 0;				/* until "stop" */
	p->burst = 32;
	p->clone_skb = 0;			/* every frame differs */
	p->dst_mac = "02:78:62:00:00:02";
	p->dst = BENCH_SERVER;
	p->udp_dst = BENCH_PORT;
	p->udp_src_min = p->udp_src_max = gen_client_port(0);
	switch (mode) {
	case GEN_ESTABLISHED:
	case GEN_HANDSHAKE:
	case GEN_CHURN:
		p->src_min = gen_client_addr(BENCH_CLIENTS, 0);
		p->src_max = gen_client_addr(BENCH_CLIENTS, (n > 0x100000 ? 0x100000 : n) - 1);
		if (n > 0x100000)
			p->udp_src_max = gen_client_port(n - 1);
		break;
	case GEN_SYNFLOOD:
		p->src_min = 10u << 24 | 64u << 16;
		p->src_max = p->src_min + 0x3fffff;
		p->udp_src_min = 1024;
		p->udp_src_max = 65000;
		p->src_rnd = true;
		break;
	case GEN_GARBAGE:
		p->src_min = BENCH_CLIENTS;
		p->src_max = BENCH_CLIENTS + 255;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int result_ok(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int ok = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Result: OK:"))
			ok = 1;
	fclose(f);
	return ok;
}

int pktgen_write(const struct pktgen_cmd *cmds, int n)
{
	char path[128];
	int i;

	for (i = 0; i < n; i++) {
		FILE *f;
		int err;

		snprintf(path, sizeof(path), PKTGEN_DIR "/%s", cmds[i].file);
		f = fopen(path, "w");
		if (!f)
			return -errno;
		err = fprintf(f, "%s\n", cmds[i].line) < 0 ? -EIO : 0;
		if (fclose(f) && !err)
			err = -errno;
		if (err)
			return err;
		/* pgctrl has no result line ("start" returns when the run ends) */
		if (strcmp(cmds[i].file, "pgctrl") && !result_ok(path))
			return -EINVAL;
	}
	return 0;
}
