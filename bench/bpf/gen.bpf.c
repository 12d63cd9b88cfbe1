// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench traffic generator.
 *
 * Run by BPF_PROG_TEST_RUN in live-frames mode (BPF_F_TEST_XDP_LIVE_FRAMES)
 * on a template frame: for every packet it writes the whole header set the
 * scenario asks for (addresses, ports, sequence numbers, flags, checksums)
 * and returns XDP_TX, which the test run turns into a transmit out of the
 * veth named in the context, i.e. into the receive path of its peer.
 *
 * Pages of the live-frames pool keep what an earlier run wrote into them,
 * so every packet rewrites every header field it depends on.
 *
 * gen_sink runs on the generator's own veth and counts what comes back
 * (SYN-ACKs of the kernel baselines) before dropping it.
 *
 * The pktgen path: pktgen can only send UDP, so gen_rx, on the receiving
 * veth, turns each of its frames into the scenario's segment exactly as gen
 * does, then tail-calls the program under test (gen_next[0]).  gen_carrier
 * stands in for pktgen where the kernel has none: it sends the template
 * frame unchanged.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/tcp.h"
#include "gen.h"

#ifndef TC_ACT_OK	/* linux/pkt_cls.h: defines, not in vmlinux.h */
#define TC_ACT_OK	0
#define TC_ACT_SHOT	2
#define TC_ACT_STOLEN	4
#endif

const volatile struct gen_cfg cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cpu);
} gen_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_sink_stats);
} sink_stats SEC(".maps");

/* pktgen path: the program under test, run after gen_rx */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} gen_next SEC(".maps");

/* the real client's frames, from gen_legit_tx to gen_write */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, GEN_LEGIT_QLEN);
	__type(value, struct gen_legit_frame);
} legit_q SEC(".maps");

/* pushed and popped: unequal, a frame waits (no queue lock on the flood's path) */
__u64 legit_queued, legit_taken;

/* One TCP segment to write. */
struct seg {
	__u32 saddr, daddr;	/* host order */
	__u16 sport, dport;
	__u32 seq, ack;
	__u16 win;
	__u8 flags;
	__u8 syn_opts;		/* MSS, SACK-permitted, timestamps, window scale */
	__u8 data;		/* carries GEN_PAYLOAD bytes */
};

/* byte by byte: each read of the volatile cfg stays a load of .rodata */
static __always_inline void put_mac(__u8 *p, const volatile __u8 *mac)
{
	int i;

#pragma unroll
	for (i = 0; i < 6; i++)
		p[i] = mac[i];
}

static __always_inline void put_eth(__u8 *p, __u16 proto)
{
	put_mac(p, cfg.dst_mac);
	put_mac(p + 6, cfg.src_mac);
	*(__u16 *)(p + 12) = bpf_htons(proto);
}

/* IPv4 header without options, checksum included. */
static __always_inline void put_ip(struct iphdr *ip, __u8 proto, __u16 len,
				   __u32 saddr, __u32 daddr, __u16 frag)
{
	__u16 *w = (__u16 *)ip;
	__u64 sum = 0;
	int i;

	*(__u8 *)ip = 0x45;
	ip->tos = 0;
	ip->tot_len = bpf_htons(len);
	ip->id = 0;
	ip->frag_off = bpf_htons(frag);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = bpf_htonl(saddr);
	ip->daddr = bpf_htonl(daddr);
#pragma unroll
	for (i = 0; i < 10; i++)
		sum += w[i];
	ip->check = csum_fold(sum);
}

static __always_inline void put_syn_opts(__u8 *o, __u32 tsval)
{
	o[0] = TCPOPT_MSS; o[1] = TCPOLEN_MSS; o[2] = GEN_MSS >> 8; o[3] = GEN_MSS & 0xff;
	o[4] = TCPOPT_SACK_PERM; o[5] = TCPOLEN_SACK_PERM;
	o[6] = TCPOPT_TIMESTAMP; o[7] = TCPOLEN_TIMESTAMP;
	*(__u32 *)(o + 8) = bpf_htonl(tsval);
	*(__u32 *)(o + 12) = 0;
	o[16] = TCPOPT_NOP;
	o[17] = TCPOPT_WINDOW; o[18] = TCPOLEN_WINDOW; o[19] = GEN_WSCALE;
}

/* The TCP header's fixed part at p + 34, checksum 0. */
static __always_inline void put_th(__u8 *p, const struct seg *s)
{
	struct tcphdr *th = (void *)(p + 34);

	put_eth(p, 0x0800);
	th->source = bpf_htons(s->sport);
	th->dest = bpf_htons(s->dport);
	th->seq = bpf_htonl(s->seq);
	th->ack_seq = bpf_htonl(s->ack);
	((__u8 *)th)[13] = s->flags;
	th->window = bpf_htons(s->win);
	th->check = 0;
	th->urg_ptr = 0;
}

static __always_inline void put_csums(__u8 *p, const struct seg *s, __u16 len, __u64 sum)
{
	struct tcphdr *th = (void *)(p + 34);

	th->check = csum_fold(sum + csum_pseudo_v4(bpf_htonl(s->saddr), bpf_htonl(s->daddr),
						   6, len));
	put_ip((void *)(p + 14), 6, 20 + len, s->saddr, s->daddr, 0x4000);
}

/* A SYN with Linux's options at data, which has GEN_SYN_LEN bytes. */
static __always_inline void put_syn(__u8 *p, const struct seg *s)
{
	__u8 *t = p + 34;

	put_th(p, s);
	t[12] = 10 << 4;
	put_syn_opts(t + 20, s->seq ^ 0x5a5a5a5a);
	put_csums(p, s, 40, bpf_csum_diff(NULL, 0, (void *)t, 40, 0));
}

/* Ethernet + IPv4 + TCP at data, which has GEN_FRAME_LEN bytes. */
static __always_inline void put_tcp(__u8 *p, const struct seg *s)
{
	struct tcphdr *th = (void *)(p + 34);
	__u8 *t = (__u8 *)th;
	__u16 len;
	__u64 sum;

	if (s->syn_opts) {
		put_syn(p, s);
		return;
	}
	put_th(p, s);
	/* constant lengths per branch: bpf_csum_diff needs a known size */
	if (s->data) {
		t[12] = 5 << 4;
		len = 20 + GEN_PAYLOAD;
		sum = bpf_csum_diff(NULL, 0, (void *)th, 20 + GEN_PAYLOAD, 0);
	} else {
		t[12] = 5 << 4;
		len = 20;
		sum = bpf_csum_diff(NULL, 0, (void *)th, 20, 0);
	}
	put_csums(p, s, len, sum);
}

/* Flow i's client -> server or server -> client segment. */
static __always_inline void flow_seg(struct seg *s, __u32 i, int from_client)
{
	__u32 c = gen_client_addr(cfg.client_net, i);
	__u16 cp = gen_client_port(i);

	if (from_client) {
		s->saddr = c;
		s->sport = cp;
		s->daddr = cfg.server_addr;
		s->dport = cfg.server_port;
	} else {
		s->saddr = cfg.server_addr;
		s->sport = cfg.server_port;
		s->daddr = c;
		s->dport = cp;
	}
}

/*
 * Established: this thread owns flows t, t+T, t+2T, ...  and visits them
 * round-robin.  In rounds 0, 1, 2 (mod 4) the client sends GEN_PAYLOAD bytes,
 * in round 3 the server acknowledges everything sent so far, so both
 * trackers always see in-window segments.
 */
static __always_inline void mode_established(struct seg *s, __u64 c, __u32 t, __u32 T)
{
	__u32 nt = (cfg.flows - t + T - 1) / T;
	__u64 k, j, d;
	__u32 i, cisn, sisn;

	if (!nt)
		nt = 1;
	j = c % nt;
	k = c / nt;
	i = t + (__u32)j * T;
	d = k - k / 4;			/* data segments before round k */
	cisn = gen_cisn(cfg.isn_salt, i);
	sisn = gen_sisn(cfg.isn_salt, i);
	s->win = GEN_WIN;
	if ((k & 3) == 3) {
		flow_seg(s, i, 0);
		s->seq = sisn + 1;
		s->ack = cisn + 1 + (__u32)d * GEN_PAYLOAD;
		s->flags = TCPF_ACK;
	} else {
		flow_seg(s, i, 1);
		s->seq = cisn + 1 + (__u32)d * GEN_PAYLOAD;
		s->ack = sisn + 1;
		s->flags = TCPF_ACK | TCPF_PSH;
		s->data = 1;
	}
}

/* The three-way handshake of every flow: all SYNs, then SYN-ACKs, then ACKs. */
static __always_inline void mode_handshake(struct seg *s, __u64 c, __u32 t, __u32 T)
{
	__u32 nt = (cfg.flows - t + T - 1) / T;
	__u32 i, cisn, sisn, phase;

	if (!nt)
		nt = 1;
	i = t + (__u32)(c % nt) * T;
	phase = c / nt;
	cisn = gen_cisn(cfg.isn_salt, i);
	sisn = gen_sisn(cfg.isn_salt, i);
	if (phase == 0) {
		flow_seg(s, i, 1);
		s->seq = cisn;
		s->flags = TCPF_SYN;
		s->win = 64240;
		s->syn_opts = 1;
	} else if (phase == 1) {
		flow_seg(s, i, 0);
		s->seq = sisn;
		s->ack = cisn + 1;
		s->flags = TCPF_SYN | TCPF_ACK;
		s->win = 65160;
		s->syn_opts = 1;
	} else {
		flow_seg(s, i, 1);
		s->seq = cisn + 1;
		s->ack = sisn + 1;
		s->flags = TCPF_ACK;
		s->win = GEN_WIN;
	}
}

/*
 * Churn: W connections in flight per thread; each step of the round-robin
 * advances one of them by one packet of its life.  After 8 packets the
 * slot starts a connection with new addresses (a new flow, never reused).
 */
static __always_inline void mode_churn(struct seg *s, __u64 c, __u32 t, __u32 T)
{
	__u32 w = cfg.flows ? cfg.flows : 1;
	__u64 r = c / w;
	__u32 phase = r & 7;
	__u32 conn = (__u32)(((r >> 3) * w + c % w) * T + t);
	__u32 cisn = gen_cisn(cfg.isn_salt, conn);
	__u32 sisn = gen_sisn(cfg.isn_salt, conn);

	switch (phase) {
	case 0:		/* SYN */
		flow_seg(s, conn, 1);
		s->seq = cisn;
		s->flags = TCPF_SYN;
		s->win = 64240;
		s->syn_opts = 1;
		break;
	case 1:		/* SYN-ACK */
		flow_seg(s, conn, 0);
		s->seq = sisn;
		s->ack = cisn + 1;
		s->flags = TCPF_SYN | TCPF_ACK;
		s->win = 65160;
		s->syn_opts = 1;
		break;
	case 2:		/* ACK */
		flow_seg(s, conn, 1);
		s->seq = cisn + 1;
		s->ack = sisn + 1;
		s->flags = TCPF_ACK;
		s->win = 502;
		break;
	case 3:		/* data */
		flow_seg(s, conn, 1);
		s->seq = cisn + 1;
		s->ack = sisn + 1;
		s->flags = TCPF_ACK | TCPF_PSH;
		s->win = 502;
		s->data = 1;
		break;
	case 4:		/* client FIN */
		flow_seg(s, conn, 1);
		s->seq = cisn + 1 + GEN_PAYLOAD;
		s->ack = sisn + 1;
		s->flags = TCPF_FIN | TCPF_ACK;
		s->win = 502;
		break;
	case 5:		/* server ACKs data and FIN */
		flow_seg(s, conn, 0);
		s->seq = sisn + 1;
		s->ack = cisn + 2 + GEN_PAYLOAD;
		s->flags = TCPF_ACK;
		s->win = 509;
		break;
	case 6:		/* server FIN */
		flow_seg(s, conn, 0);
		s->seq = sisn + 1;
		s->ack = cisn + 2 + GEN_PAYLOAD;
		s->flags = TCPF_FIN | TCPF_ACK;
		s->win = 509;
		break;
	default:	/* last ACK */
		flow_seg(s, conn, 1);
		s->seq = cisn + 2 + GEN_PAYLOAD;
		s->ack = sisn + 2;
		s->flags = TCPF_ACK;
		s->win = 502;
		break;
	}
}

/* SYNs from random sources (10.64.0.0/10) and ports to the server. */
static __always_inline void mode_synflood(struct seg *s)
{
	__u32 r = bpf_get_prandom_u32();

	s->saddr = (10u << 24 | 64u << 16) + (r & 0x3fffff);
	s->sport = 1024 + (r >> 22) * 60;
	s->daddr = cfg.server_addr;
	s->dport = cfg.server_port;
	s->seq = bpf_get_prandom_u32();
	s->flags = TCPF_SYN;
	s->win = 64240;
	s->syn_opts = 1;
}

/*
 * Garbage: non-TCP (UDP, ICMP echo, ARP) and every kind of broken header
 * the parser must reject, from 256 sources so nf_conntrack's table for the
 * valid non-TCP part stays small.
 */
static __always_inline void mode_garbage(__u8 *p, __u64 c)
{
	__u32 kind = c % GEN_GARBAGE_KINDS;
	__u32 src = cfg.client_net + (c / GEN_GARBAGE_KINDS & 0xff);
	__u32 dst = cfg.server_addr;
	struct iphdr *ip = (void *)(p + 14);
	__u8 *l4 = p + 34;
	struct seg s = {
		.saddr = src, .daddr = dst, .sport = 40000, .dport = cfg.server_port,
		.seq = (__u32)c, .ack = 1, .win = 1000, .flags = TCPF_ACK,
	};
	__u64 sum;

	switch (kind) {
	case 0:		/* UDP */
		put_eth(p, 0x0800);
		*(__u16 *)l4 = bpf_htons(40000);
		*(__u16 *)(l4 + 2) = bpf_htons(53);
		*(__u16 *)(l4 + 4) = bpf_htons(8 + 32);
		*(__u16 *)(l4 + 6) = 0;		/* no checksum: allowed over IPv4 */
		put_ip(ip, 17, 20 + 8 + 32, src, dst, 0);
		break;
	case 1:		/* ICMP echo request */
		put_eth(p, 0x0800);
		l4[0] = 8;
		l4[1] = 0;
		*(__u16 *)(l4 + 2) = 0;
		*(__u16 *)(l4 + 4) = bpf_htons(0x4242);
		*(__u16 *)(l4 + 6) = bpf_htons((__u16)c);
		sum = bpf_csum_diff(NULL, 0, (void *)l4, 8 + 32, 0);
		*(__u16 *)(l4 + 2) = csum_fold(sum);
		put_ip(ip, 1, 20 + 8 + 32, src, dst, 0);
		break;
	case 2:		/* ARP request for an address nobody has */
		put_eth(p, 0x0806);
		*(__u16 *)(p + 14) = bpf_htons(1);
		*(__u16 *)(p + 16) = bpf_htons(0x0800);
		p[18] = 6;
		p[19] = 4;
		*(__u16 *)(p + 20) = bpf_htons(1);
		put_mac(p + 22, cfg.src_mac);
		*(__u32 *)(p + 28) = bpf_htonl(src);
		__builtin_memset(p + 32, 0, 6);
		*(__u32 *)(p + 38) = bpf_htonl(dst + 0x100);
		break;
	case 3:		/* IP version 5 */
		put_tcp(p, &s);
		p[14] = 0x55;
		break;
	case 4:		/* IHL 4 (< 5) */
		put_tcp(p, &s);
		p[14] = 0x44;
		break;
	case 5:		/* total length past the frame */
		put_tcp(p, &s);
		ip->tot_len = bpf_htons(1400);
		break;
	case 6:		/* TCP doff 4 (< 5) */
		put_tcp(p, &s);
		l4[12] = 4 << 4;
		break;
	case 7:		/* TCP doff 15: header past the segment's end */
		put_tcp(p, &s);
		l4[12] = 15 << 4;
		break;
	case 8:		/* SYN+FIN: flags no stack accepts */
		s.flags = TCPF_SYN | TCPF_FIN;
		put_tcp(p, &s);
		break;
	default:	/* a later IPv4 fragment of a TCP datagram */
		put_tcp(p, &s);
		put_ip(ip, 6, 20 + 20, src, dst, 100);
		break;
	}
}

/*
 * The real client's next frame in this slot of the flood (not counted as
 * the generator's own); -1: none waiting.
 */
static __always_inline int put_legit(struct xdp_md *ctx)
{
	struct gen_legit_frame f;
	__u32 len;

	if (bpf_map_pop_elem(&legit_q, &f))
		return -1;
	__sync_fetch_and_add(&legit_taken, 1);
	len = f.len;
	if (len < 14 || len > GEN_LEGIT_MAX)
		return XDP_DROP;
	/* the frame is the template's length again at every run */
	if (bpf_xdp_adjust_tail(ctx, (int)len - (int)cfg.frame_len))
		return XDP_DROP;
	if (bpf_xdp_store_bytes(ctx, 0, f.data, len))
		return XDP_DROP;
	return XDP_TX;
}

/* Write this CPU's next packet over the frame; XDP_TX if there is one. */
static __always_inline int gen_write(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	struct gen_cpu *g;
	struct seg s = {};
	__u32 zero = 0;
	__u64 c, now = 0;

	if ((void *)(p + GEN_SYN_LEN) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	g = bpf_map_lookup_elem(&gen_state, &zero);
	if (!g)
		return XDP_ABORTED;
	if (cfg.rate_pps || cfg.legit_addr)
		now = bpf_ktime_get_ns();
	if (cfg.legit_addr) {
		if (now - g->last_ns > GEN_RUN_GAP_NS) {
			g->run_from = g->cnt;	/* this thread was off its CPU: a new run */
			g->run_ns = now;
		}
		g->last_ns = now;
	}
	if (cfg.rate_pps) {
		/* paced: a frame every gap ns per thread; the others are not sent */
		__u64 gap = 1000000000ULL * (g->nslots ? g->nslots : 1) / cfg.rate_pps;

		if (now < g->next_ns)
			return XDP_DROP;
		/* behind by more than a millisecond: no burst to catch up */
		g->next_ns = g->next_ns && now - g->next_ns < 1000000 ? g->next_ns + gap :
									 now + gap;
	}
	if (cfg.legit_addr &&
	    (g->cnt - g->run_from >= GEN_LEGIT_STEADY || now - g->run_ns >= GEN_LEGIT_STEADY_NS) &&
	    *(volatile __u64 *)&legit_queued != *(volatile __u64 *)&legit_taken) {
		int v = put_legit(ctx);

		if (v >= 0)
			return v;
	}
	c = g->cnt++;
	if (cfg.mode == GEN_SYNFLOOD) {
		mode_synflood(&s);
		put_syn(p, &s);
		return XDP_TX;
	}
	/* the other modes' frames are GEN_FRAME_LEN long */
	p = (void *)(long)ctx->data;
	if ((void *)(p + GEN_FRAME_LEN) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	switch (cfg.mode) {
	case GEN_ESTABLISHED:
		mode_established(&s, c, g->slot, g->nslots ? g->nslots : 1);
		break;
	case GEN_HANDSHAKE:
		mode_handshake(&s, c, g->slot, g->nslots ? g->nslots : 1);
		break;
	case GEN_CHURN:
		mode_churn(&s, c, g->slot, g->nslots ? g->nslots : 1);
		break;
	case GEN_GARBAGE:
		mode_garbage(p, c);
		return XDP_TX;
	default:
		return XDP_ABORTED;
	}
	put_tcp(p, &s);
	return XDP_TX;
}

SEC("xdp")
int gen(struct xdp_md *ctx)
{
	return gen_write(ctx);
}

SEC("xdp")
int gen_rx(struct xdp_md *ctx)
{
	if (gen_write(ctx) != XDP_TX)
		return XDP_DROP;
	bpf_tail_call(ctx, &gen_next, 0);
	return XDP_DROP;
}

SEC("xdp")
int gen_carrier(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int gen_sink(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct gen_sink_stats *st;
	__u32 zero = 0;
	__u8 ihl;

	st = bpf_map_lookup_elem(&sink_stats, &zero);
	if (!st)
		return XDP_DROP;
	st->packets++;
	if ((void *)(p + 34) > end || *(__u16 *)(p + 12) != bpf_htons(0x0800) ||
	    p[23] != 6)
		return XDP_DROP;
	ihl = (p[14] & 0x0f) * 4;
	if (ihl < 20 || ihl > 60)
		return XDP_DROP;
	p += 14 + ihl;
	if ((void *)(p + 14) > end)
		return XDP_DROP;
	if ((p[13] & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		st->synacks++;
	if (p[13] & TCPF_RST)
		st->rsts++;
	return XDP_DROP;
}

/*
 * TC egress on the generator's veth while the real client runs: its frames
 * (IPv4 from cfg.legit_addr) into legit_q, taken off the veth's own path
 * (stolen: to TCP they were sent, as onto a wire); a full queue drops, as a
 * full transmit ring would.  Everything else goes its way.
 */
/*
 * The TCP checksum of a stolen frame, whole.  TCP leaves it partial
 * (CHECKSUM_PARTIAL: the pseudo-header's sum, for the device or
 * validate_xmit_skb()'s software fallback to finish), and TC egress runs
 * before either: sent as it is, every SYN and ACK of the client reached the
 * receiver with a bad checksum (TcpInCsumErrors; xdpct drops it too).
 * Recomputed from zero, right whether it was partial or not.  The client's
 * frames have no IP options; f->data past len is zero.
 */
static __always_inline void legit_tcp_csum(struct gen_legit_frame *f)
{
	__u16 *w = (__u16 *)f->data;
	__u32 len = f->len;
	__u64 sum;
	int i;

	/* 16-bit loads only: the addresses are not 4-aligned on the stack */
	if (f->data[14] != 0x45 || f->data[23] != 6 || len < 34 + 20)
		return;
	*(__u16 *)(f->data + 34 + 16) = 0;
	sum = bpf_htons(6) + bpf_htons(len - 34);
	for (i = 26 / 2; i < GEN_LEGIT_MAX / 2; i++)	/* addresses, then the segment */
		sum += w[i];
	*(__u16 *)(f->data + 34 + 16) = csum_fold(sum);
}

SEC("tc")
int gen_legit_tx(struct __sk_buff *skb)
{
	struct gen_legit_frame f = {};
	__u32 len = skb->len, src;

	if (skb->protocol != bpf_htons(0x0800) || bpf_skb_load_bytes(skb, 26, &src, 4) ||
	    src != bpf_htonl(cfg.legit_addr) || len < 34 || len > GEN_LEGIT_MAX)
		return TC_ACT_OK;
	f.len = len;
	if (bpf_skb_load_bytes(skb, 0, f.data, len))
		return TC_ACT_SHOT;
	legit_tcp_csum(&f);
	if (bpf_map_push_elem(&legit_q, &f, 0))
		return TC_ACT_SHOT;
	__sync_fetch_and_add(&legit_queued, 1);
	return TC_ACT_STOLEN;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
