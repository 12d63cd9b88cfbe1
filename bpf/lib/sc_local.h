/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload: is a segment's destination this host's own?
 *
 * A cookie SYN-ACK speaks in the destination's name, and the handshake
 * completes at a listener of this host (a request socket, or SYNPROXY on
 * INPUT).  On a router, a SYN to a protected port of a server behind it
 * is on its way to that server, whose own stack answers it: answering it
 * here would take the connection from the server (the client's ACK then
 * reaches a host with no listener for it).  So the offloader answers, and
 * checks cookies of, only segments the kernel would deliver locally; the
 * rest pass untouched and are tracked as any flow.
 *
 * The kernel's FIB says (bpf_fib_lookup(): the route the input path would
 * take from the ingress device, policy rules included).  A local (or
 * broadcast) destination is BPF_FIB_LKUP_RET_NOT_FWDED.  A device that
 * does not forward gives BPF_FIB_LKUP_RET_FWD_DISABLED before any route
 * is looked at: such a host delivers only its own addresses and drops the
 * rest, so that is answered as before.  Anything else (a route out,
 * unreachable, a blackhole) is another node's.
 *
 * One lookup per destination and ingress device on each CPU, kept
 * SC_LOCAL_TTL_NS (about a second): a flood at one server pays it once a
 * second, and an address added or removed counts within that second.
 * A replay has no host to ask (cfg.sc_local_check 0): every destination
 * is the capture's server's.
 */
#ifndef XDPCT_SC_LOCAL_H
#define XDPCT_SC_LOCAL_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "cfg.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define SC_LOCAL_TTL_NS (1ULL << 30)

/* Per CPU (in struct xdpct_work): the last destination asked about. */
struct sc_local_cache {
	__u32 addr[4];		/* IPv4: addr[0] */
	__u32 ifindex;
	__u8 family;		/* 0: empty */
	__u8 local;
	__u16 pad;
	__u64 until_ns;
	struct bpf_fib_lookup fib;	/* the question, here not on the stack */
};

static __always_inline int sc_local_hit(const struct sc_local_cache *c, __u32 ifindex,
					__u8 family, const __u32 *daddr, __u64 now)
{
	if (c->family != family || c->ifindex != ifindex || now >= c->until_ns ||
	    c->addr[0] != daddr[0])
		return 0;
	return family == 4 || (c->addr[1] == daddr[1] && c->addr[2] == daddr[2] &&
			       c->addr[3] == daddr[3]);
}

/*
 * 1 when daddr (network order; IPv4: daddr[0]) is delivered locally on
 * this host for a segment from saddr arriving on ctx's device.
 */
static __always_inline int sc_dst_local(struct xdp_md *ctx, struct sc_local_cache *c, __u64 now,
					__u8 family, const __u32 *saddr, const __u32 *daddr)
{
	struct bpf_fib_lookup *q = &c->fib;
	__u32 ifindex;
	long r;

	if (!cfg.sc_local_check)
		return 1;
	ifindex = ctx->ingress_ifindex;
	if (sc_local_hit(c, ifindex, family, daddr, now))
		return c->local;
	__builtin_memset(q, 0, sizeof(*q));
	q->l4_protocol = IPPROTO_TCP;
	q->ifindex = ifindex;
	c->addr[0] = daddr[0];
	if (family == 6) {
		q->family = AF_INET6;
		__builtin_memcpy(q->ipv6_src, saddr, 16);
		__builtin_memcpy(q->ipv6_dst, daddr, 16);
		c->addr[1] = daddr[1];
		c->addr[2] = daddr[2];
		c->addr[3] = daddr[3];
	} else {
		q->family = AF_INET;
		q->ipv4_src = saddr[0];
		q->ipv4_dst = daddr[0];
	}
	r = bpf_fib_lookup(ctx, q, sizeof(*q), 0);
	c->family = family;
	c->ifindex = ifindex;
	c->local = r == BPF_FIB_LKUP_RET_NOT_FWDED || r == BPF_FIB_LKUP_RET_FWD_DISABLED;
	c->until_ns = now + SC_LOCAL_TTL_NS;
	return c->local;
}

#endif /* XDPCT_SC_LOCAL_H */
