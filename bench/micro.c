// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: per-path micro-costs.
 *
 * Micro-costs: BPF_PROG_TEST_RUN (not live) repeats one program on one
 * frame and reports the mean time per run.  xdpct_micro can rewrite the
 * frame before each run (a new flow each time, or N established flows in
 * turn); micro_base does only the rewrite, and its time is subtracted, so
 * each figure is the datapath's own ns per packet.  The ceiling's figure has
 * the same empty-program time subtracted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "micro.h"
#include "net.h"
#include "xdpct/config.h"
#include "bench/ceiling.skel.h"
#include "bench/xdpct_bench.skel.h"

enum { VARY_NONE, VARY_NEW_FLOW, VARY_WALK, VARY_SYN };	/* as bpf/xdpct_bench.bpf.c */

static const char *const names[MICRO_MAX] = {
	[MICRO_CEILING_ACK] = "ceiling: parse + drop (TCP ACK)",
	[MICRO_NON_TCP] = "non-TCP (UDP)",
	[MICRO_INVALID] = "invalid (IPv4 IHL 4)",
	[MICRO_ACK_ONE] = "established ACK, same flow",
	[MICRO_ACK_WALK] = "established ACK, flows in turn",
	[MICRO_SYN_NEW] = "SYN creating a flow",
	[MICRO_FIN] = "FIN on an established flow",
	[MICRO_SYN_COOKIE] = "SYN answered with a cookie (XDP_TX)",
	[MICRO_ACK_CSUM_OFF] = "established ACK, checksum off",
	[MICRO_ACK_CSUM_CONTROL] = "established ACK, checksum control",
	[MICRO_ACK_CSUM_ALL] = "established ACK, checksum all",
	[MICRO_ACK_TS] = "established ACK, timestamps",
	[MICRO_LOOKUP_ACK] = "lookup baseline, same flow's ACK",
};

const char *micro_name(enum micro_kind k)
{
	return k < MICRO_MAX ? names[k] : "?";
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Ethernet + IPv4 + TCP (or UDP) frame of GEN_FRAME_LEN bytes for flow 0. */
static void build_frame(__u8 *f, enum micro_kind kind, __u32 salt)
{
	__u32 caddr = htonl(gen_client_addr(BENCH_CLIENTS, 0)), saddr = htonl(BENCH_SERVER);
	__u8 *ip = f + 14, *l4 = f + 34;
	__u16 iplen = 40;

	memset(f, 0, GEN_FRAME_LEN);
	bench_macs(f + 6, f);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, &caddr, 4);
	memcpy(ip + 16, &saddr, 4);
	*(__u16 *)(l4 + 0) = htons(gen_client_port(0));
	*(__u16 *)(l4 + 2) = htons(BENCH_PORT);
	*(__u32 *)(l4 + 4) = htonl(gen_cisn(salt, 0) + 1);
	*(__u32 *)(l4 + 8) = htonl(gen_sisn(salt, 0) + 1);
	l4[12] = 5 << 4;
	l4[13] = 0x10;				/* ACK */
	*(__u16 *)(l4 + 14) = htons(GEN_WIN);
	switch (kind) {
	case MICRO_NON_TCP:
		ip[9] = 17;
		*(__u16 *)(l4 + 4) = htons(8 + 32);
		*(__u16 *)(l4 + 6) = 0;
		iplen = 20 + 8 + 32;
		break;
	case MICRO_INVALID:
		ip[0] = 0x44;
		break;
	case MICRO_SYN_NEW:
	case MICRO_SYN_COOKIE:
		l4[12] = 10 << 4;
		l4[13] = 0x02;
		*(__u32 *)(l4 + 4) = htonl(12345);
		*(__u32 *)(l4 + 8) = 0;
		memcpy(l4 + 20, "\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01"
		       "\x00\x00\x00\x00\x01\x03\x03\x07", 20);
		iplen = 60;
		break;
	case MICRO_FIN:
		l4[13] = 0x11;			/* FIN|ACK */
		break;
	case MICRO_ACK_TS:
		/* Linux's layout on every segment after the handshake: NOP, NOP,
		 * timestamps (RFC 7323 appendix A), then 20 bytes of data */
		l4[12] = 8 << 4;
		memcpy(l4 + 20, "\x01\x01\x08\x0a\x00\x01\x00\x00\x00\x00\x00\x01", 12);
		iplen = 20 + 32 + 20;
		break;
	default:
		break;
	}
	*(__u16 *)(ip + 2) = htons(iplen);
	*(__u16 *)(ip + 10) = htons(csum16(ip, 20));
	if (ip[9] == 6) {
		/* a right TCP checksum: --checksum control verifies SYNs and FINs
		 * (xdpct_micro keeps it right as it rewrites the frame) */
		__u8 ph[12 + 60];
		__u16 tl = iplen - 20;

		memcpy(ph, ip + 12, 8);
		ph[8] = 0;
		ph[9] = 6;
		ph[10] = tl >> 8;
		ph[11] = tl;
		memcpy(ph + 12, l4, tl);
		ph[12 + 16] = ph[12 + 17] = 0;
		*(__u16 *)(l4 + 16) = htons(csum16(ph, 12 + tl));
	}
}

struct micro_job {
	int prog_fd, base_fd;
	__u8 frame[GEN_FRAME_LEN];
	__u32 len;		/* GEN_FRAME_LEN; a SYN cookie's: the SYN's own, GEN_SYN_LEN */
	__u32 repeat;
	double ns;
	int err;
};

static int run_prog(int fd, __u8 *frame, __u32 len, __u32 repeat, __u32 *dur)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*dur = o.duration;
	return 0;
}

static void *micro_job(void *arg)
{
	struct micro_job *j = arg;
	__u8 copy[GEN_FRAME_LEN];
	__u32 d = 0, b = 0;

	memcpy(copy, j->frame, sizeof(copy));
	j->err = run_prog(j->prog_fd, j->frame, j->len, j->repeat, &d);
	if (!j->err)
		j->err = run_prog(j->base_fd, copy, j->len, j->repeat, &b);
	if (!j->err)
		j->ns = (double)d - (double)b;
	return NULL;
}

int bench_micro(struct bench_xdpct *x, struct ceiling_bpf *c, enum micro_kind kind,
		__u32 walk_n, __u32 repeat, int reps, struct micro_result *r)
{
	struct micro_job j = { .repeat = repeat, .len = GEN_FRAME_LEN };
	int cpus[1], i;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->flows = walk_n;
	if (!x || bench_pick_cpus(1, cpus))
		return -EINVAL;
	build_frame(j.frame, kind, x->skel->bss->vary_isn_salt);
	j.base_fd = bpf_program__fd(x->skel->progs.micro_base);
	if (kind == MICRO_CEILING_ACK) {
		if (!c)
			return -EINVAL;
		j.prog_fd = bpf_program__fd(c->progs.ceiling);
	} else if (kind == MICRO_LOOKUP_ACK) {
		j.prog_fd = bpf_program__fd(x->skel->progs.lookup);
	} else {
		j.prog_fd = bpf_program__fd(x->skel->progs.xdpct_micro);
	}
	x->skel->bss->vary_client_net = BENCH_CLIENTS;
	x->skel->bss->vary_n = walk_n;
	switch (kind) {
	case MICRO_ACK_WALK:
	case MICRO_FIN:
		x->skel->bss->vary = VARY_WALK;
		break;
	case MICRO_SYN_NEW:
		x->skel->bss->vary = VARY_NEW_FLOW;
		break;
	case MICRO_SYN_COOKIE:
		j.len = GEN_SYN_LEN;	/* as the flood's (gen.h) */
		memcpy(x->skel->bss->vary_syn, j.frame, GEN_SYN_LEN);
		x->skel->bss->vary = VARY_SYN;
		break;
	default:
		x->skel->bss->vary = VARY_NONE;
		break;
	}
	/* vary_cnt keeps counting: later repetitions meet flows not touched yet */
	for (i = 0; i < reps && i < BENCH_MAX_SAMPLES && !bench_stop; i++) {
		if (bench_run_on_cpu(cpus[0], micro_job, &j) || j.err)
			return j.err ? j.err : -EINVAL;
		r->ns[r->n++] = j.ns;
	}
	x->skel->bss->vary = VARY_NONE;
	return bench_stop ? -EINTR : 0;
}
