// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flood's baselines that answer SYNs from XDP, on the receiving veth:
 *
 *   reflector  the least an XDP SYN answerer can do: parse Ethernet, IPv4
 *              (no options) and TCP, turn a bare SYN into a SYN-ACK in
 *              place (MACs, addresses and ports swapped, ack = seq + 1,
 *              the SYN's options left as they are, the TCP checksum
 *              updated incrementally; the IPv4 one does not change) and
 *              XDP_TX it.  No cookie, no checks: the path's limit.
 *   selftest   the kernel selftest's XDP synproxy approach
 *              (tools/testing/selftests/bpf/progs/xdp_synproxy_kern.c),
 *              written anew: direct packet access, its conntrack lookup
 *              of every segment (bpf_xdp_ct_lookup: a confirmed
 *              connection's goes to the stack), the port and the
 *              SYN-ACK's values from maps, IPv4 and TCP checksums
 *              verified, the kernel's cookie from
 *              bpf_tcp_raw_gen_syncookie_ipv4, the client's timestamp
 *              found by a bpf_loop() walk of the options, the SYN-ACK's
 *              headers written anew with options (MSS, SACK-permitted,
 *              timestamps, window scale), both checksums recomputed, the
 *              frame trimmed, XDP_TX.  Left out: the selftest's growing the
 *              frame to 60 bytes of TCP header first (a second
 *              bpf_xdp_adjust_tail per SYN).
 *
 * Both count what they answered (XDP_TX) and everything they saw.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/tcp.h"

struct refl_stats {
	__u64 packets;
	__u64 tx;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct refl_stats);
} refl_stats SEC(".maps");

/* selftest: the ports it answers, and the SYN-ACK's MSS, wscale and TTL */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u16);
} st_ports SEC(".maps");

struct st_values {
	__u16 mss;
	__u8 wscale;
	__u8 ttl;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct st_values);
} st_values SEC(".maps");

static __always_inline struct refl_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&refl_stats, &zero);
}

/* the selftest's conntrack lookup (weak: the object loads where one is missing) */
extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts,
					 __u32 opts__sz) __ksym __weak;
extern void bpf_ct_release(struct nf_conn *ct) __ksym __weak;

/*
 * The selftest's tcp_lookup(): every TCP segment's 4-tuple looked up in
 * nf_conntrack; a confirmed connection's segment goes to the stack.  The
 * counterpart of xdpct's live-flow lookup (a SYN on a running connection
 * is the endpoint's): each answerer pays for knowing that.  0: not known.
 */
static __always_inline int st_conntrack_knows(struct xdp_md *ctx, struct iphdr *ip, __u8 *t)
{
	struct bpf_ct_opts o = { .netns_id = -1, .l4proto = 6 };
	struct bpf_sock_tuple tup = {};
	struct nf_conn *ct;
	int known;

	tup.ipv4.saddr = ip->saddr;
	tup.ipv4.daddr = ip->daddr;
	tup.ipv4.sport = *(__u16 *)t;
	tup.ipv4.dport = *(__u16 *)(t + 2);
	ct = bpf_xdp_ct_lookup(ctx, &tup, sizeof(tup.ipv4), &o, sizeof(o));
	if (!ct)
		return 0;
	known = !!(ct->status & IPS_CONFIRMED);
	bpf_ct_release(ct);
	return known;
}

/* RFC 1624: the checksum after a 32-bit word changed from old to new. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 old, __u32 new)
{
	__u64 s = (__u16)~check;

	s += (__u16)~(old >> 16) + (__u16)~(old & 0xffff) + (new >> 16) + (new & 0xffff);
	return csum_fold(s);
}

SEC("xdp")
int reflector(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct refl_stats *st = stats();
	__u8 mac[6];
	__u32 a, old_seq, old_ack, seq;
	__u16 port, check, oflags, nflags;
	__u8 *t;

	if (!st)
		return XDP_DROP;
	st->packets++;
	if ((void *)(p + 54) > end || *(__u16 *)(p + 12) != bpf_htons(0x0800) ||
	    p[14] != 0x45 || p[23] != 6)
		return XDP_DROP;
	t = p + 34;
	if ((t[13] & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) != TCPF_SYN)
		return XDP_DROP;

	__builtin_memcpy(mac, p, 6);
	__builtin_memcpy(p, p + 6, 6);
	__builtin_memcpy(p + 6, mac, 6);
	a = *(__u32 *)(p + 26);
	*(__u32 *)(p + 26) = *(__u32 *)(p + 30);
	*(__u32 *)(p + 30) = a;
	port = *(__u16 *)t;
	*(__u16 *)t = *(__u16 *)(t + 2);
	*(__u16 *)(t + 2) = port;

	old_seq = *(__u32 *)(t + 4);
	old_ack = *(__u32 *)(t + 8);
	seq = old_seq ^ 0x5eed5eed;
	*(__u32 *)(t + 4) = seq;
	*(__u32 *)(t + 8) = bpf_htonl(bpf_ntohl(old_seq) + 1);
	oflags = *(__u16 *)(t + 12);
	t[13] = TCPF_SYN | TCPF_ACK;
	nflags = *(__u16 *)(t + 12);
	check = *(__u16 *)(t + 16);
	check = csum_replace4(check, old_seq, seq);
	check = csum_replace4(check, old_ack, *(__u32 *)(t + 8));
	check = csum_replace4(check, oflags, nflags);
	*(__u16 *)(t + 16) = check;
	st->tx++;
	return XDP_TX;
}

/* ---- selftest ------------------------------------------------------------ */

struct opt_walk {
	__u8 *opts;
	void *end;
	__u32 off, len;
	__u32 tsval;
	__u8 has_ts, wscale, sack;
	__u16 mss;
};

/* One option per call, as the selftest walks them with bpf_loop(). */
static long st_opt(__u32 i, struct opt_walk *w)
{
	__u8 *o, kind, len;

	if (w->off >= w->len || w->off > 39)
		return 1;
	o = w->opts + (w->off & 63);
	if ((void *)(o + 1) > w->end)
		return 1;
	kind = o[0];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off++;
		return 0;
	}
	if ((void *)(o + 2) > w->end)
		return 1;
	len = o[1];
	if (len < 2)
		return 1;
	if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP) {
		if ((void *)(o + 10) > w->end)
			return 1;
		w->tsval = *(__u32 *)(o + 2);
		w->has_ts = 1;
	} else if (kind == TCPOPT_WINDOW && len == TCPOLEN_WINDOW) {
		if ((void *)(o + 3) > w->end)
			return 1;
		w->wscale = o[2] | 0x80;
	} else if (kind == TCPOPT_SACK_PERM) {
		w->sack = 1;
	}
	w->off += len;
	return 0;
}

SEC("xdp")
int selftest(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct refl_stats *st = stats();
	struct opt_walk w = {};
	struct st_values *v;
	struct iphdr *ip;
	__u8 *t, mac[6];
	__u32 zero = 0, i, thl, saddr, daddr, cport, sport, isn, tsval;
	__u16 *allowed, dport;
	__s64 cookie, cs;
	__u64 sum;
	int found = 0, delta;

	if (!st)
		return XDP_DROP;
	st->packets++;
	if ((void *)(p + 54) > end || *(__u16 *)(p + 12) != bpf_htons(0x0800))
		return XDP_PASS;
	ip = (void *)(p + 14);
	if (ip->ihl != 5 || ip->protocol != 6)
		return XDP_PASS;
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_DROP;
	t = p + 34;
	if (st_conntrack_knows(ctx, ip, t))
		return XDP_PASS;
	if ((t[13] & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
		return XDP_PASS;
	if (t[13] & (TCPF_FIN | TCPF_RST))
		return XDP_DROP;
	dport = bpf_ntohs(*(__u16 *)(t + 2));
	for (i = 0; i < 8; i++) {
		__u32 k = i;

		allowed = bpf_map_lookup_elem(&st_ports, &k);
		if (!allowed || !*allowed)
			break;
		if (*allowed == dport) {
			found = 1;
			break;
		}
	}
	if (!found)
		return XDP_DROP;
	thl = (t[12] >> 4) * 4;
	if (thl < 20 || thl > 60 || (void *)(t + thl) > end)
		return XDP_DROP;
	/* both checksums checked before an answer */
	cs = bpf_csum_diff(NULL, 0, (__be32 *)ip, 20, 0);
	if (cs < 0 || csum_fold(cs))
		return XDP_DROP;
	if (thl == 40 && (void *)(t + 40) <= end)
		cs = bpf_csum_diff(NULL, 0, (__be32 *)t, 40, 0);
	else if ((void *)(t + 20) <= end)
		cs = bpf_csum_diff(NULL, 0, (__be32 *)t, 20, 0);
	else
		return XDP_DROP;
	if (cs < 0 || csum_fold(cs + csum_pseudo_v4(ip->saddr, ip->daddr, 6, thl)))
		return XDP_DROP;
	/* constant sizes: the verifier checks the helper's read against the packet */
	if (thl == 40 && (void *)(t + 40) <= end)
		cookie = bpf_tcp_raw_gen_syncookie_ipv4(ip, (struct tcphdr *)t, 40);
	else if ((void *)(t + 20) <= end)
		cookie = bpf_tcp_raw_gen_syncookie_ipv4(ip, (struct tcphdr *)t, 20);
	else
		return XDP_DROP;
	if (cookie < 0)
		return XDP_DROP;
	v = bpf_map_lookup_elem(&st_values, &zero);
	if (!v)
		return XDP_DROP;
	w.opts = t + 20;
	w.end = end;
	w.len = thl - 20;
	bpf_loop(10, st_opt, &w, 0);

	saddr = ip->saddr;
	daddr = ip->daddr;
	cport = *(__u16 *)t;
	sport = *(__u16 *)(t + 2);
	isn = *(__u32 *)(t + 4);
	/* the kernel's timestamp cookie: options in its low 6 bits */
	tsval = ((__u32)(bpf_ktime_get_ns() / 1000000) & ~0x3fu) |
		((w.wscale & 0x80) ? (w.wscale & 0xf) : 0xf) | (w.sack ? 0x10 : 0);

	/* the answer, written anew */
	__builtin_memcpy(mac, p, 6);
	__builtin_memcpy(p, p + 6, 6);
	__builtin_memcpy(p + 6, mac, 6);
	if ((void *)(t + 40) > end)
		return XDP_DROP;
	*(__u16 *)t = sport;
	*(__u16 *)(t + 2) = cport;
	*(__u32 *)(t + 4) = bpf_htonl((__u32)cookie);
	*(__u32 *)(t + 8) = bpf_htonl(bpf_ntohl(isn) + 1);
	t[12] = 5 << 4;
	t[13] = TCPF_SYN | TCPF_ACK;
	*(__u16 *)(t + 14) = 0;
	*(__u16 *)(t + 16) = 0;
	*(__u16 *)(t + 18) = 0;
	t[20] = TCPOPT_MSS;
	t[21] = TCPOLEN_MSS;
	*(__u16 *)(t + 22) = bpf_htons(v->mss);
	thl = 24;
	if (w.has_ts) {
		t[24] = w.sack ? TCPOPT_SACK_PERM : TCPOPT_NOP;
		t[25] = w.sack ? TCPOLEN_SACK_PERM : TCPOPT_NOP;
		t[26] = TCPOPT_TIMESTAMP;
		t[27] = TCPOLEN_TIMESTAMP;
		*(__u32 *)(t + 28) = bpf_htonl(tsval);
		*(__u32 *)(t + 32) = w.tsval;
		t[36] = TCPOPT_NOP;
		t[37] = TCPOPT_WINDOW;
		t[38] = TCPOLEN_WINDOW;
		t[39] = v->wscale;
		thl = 40;
	}
	t[12] = (thl / 4) << 4;
	ip->saddr = daddr;
	ip->daddr = saddr;
	ip->tos = 0;
	ip->tot_len = bpf_htons(20 + thl);
	ip->id = 0;
	ip->frag_off = bpf_htons(0x4000);
	ip->ttl = v->ttl;
	ip->check = 0;
	cs = bpf_csum_diff(NULL, 0, (__be32 *)ip, 20, 0);
	ip->check = csum_fold(cs);
	cs = thl == 40 ? bpf_csum_diff(NULL, 0, (__be32 *)t, 40, 0) :
			 bpf_csum_diff(NULL, 0, (__be32 *)t, 24, 0);
	sum = cs + csum_pseudo_v4(daddr, saddr, 6, thl);
	*(__u16 *)(t + 16) = csum_fold(sum);
	delta = (int)(34 + thl) - (int)(end - (void *)p);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return XDP_DROP;
	st->tx++;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
