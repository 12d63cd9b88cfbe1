/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload (xdpct attach --syncookie): the key of xdpct's own
 * cookies, the protected ports, and the per-CPU room the offloader works
 * in.  The auto mode's maps are in sc_auto.h.
 *
 * The offloader's parts, each its own header:
 *   sc_synack.h  XDP: a bare SYN to a protected port -> its SYN-ACK (XDP_TX)
 *   sc_check.h   XDP: a segment without a live flow -> the cookie check
 *   sc_auto.h    auto mode: per-port SYN rates switch cookies on and off
 *   sc_reqsk.h   TC ingress: a valid cookie ACK -> a request socket
 * and what they share: sc_frame.h (the frame), sc_ack.h (a cookie ACK).
 * Which of them a packet meets is decided in one place: track.h.
 */
#ifndef XDPCT_SC_MAPS_H
#define XDPCT_SC_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/cookie.h"
#include "xdpct/flow.h"
#include "tcp_opts.h"
#include "csum.h"

/* SipHash key of xdpct's own cookies: random, set by the loader. */
const volatile __u64 xdpct_sc_key[2];

/* Protected ports: a bitmap, one element (written by the loader). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_portmap);
} xdpct_sc_ports SEC(".maps");

/* What a cookie ACK says beyond its cookie (sc_ack.h). */
struct sc_ack {
	__u8 tsbits;		/* XDPCT_TS_* from the ACK's TSecr */
	__u8 has_ts;		/* the ACK carries timestamps */
	__u16 mss;		/* client's MSS from the cookie, 0: unknown */
};

/* Per-CPU room for header copies and the SYN-ACK under construction. */
struct xdpct_sc_scratch {
	__u8 l3[64];		/* the segment's IP header */
	__u8 l4[64];		/* its TCP header */
	/*
	 * The SYN-ACK's headers: IP and TCP at SC_IP_AT, Ethernet and VLAN
	 * tags right before them, so one store writes them all.
	 */
	__u8 frame[192];
	__u8 eth[24];		/* the SYN's first 22 bytes: MACs, tags, type */
	struct tcp_opts opts;	/* the ACK's options */
	struct xdpct_cookie_in in;
	struct bpf_sock_tuple tuple;
	struct bpf_ct_opts ct_opts;
	struct sc_ack ack;
	struct xdpct_flow_key key;	/* a SYN's flow: is it live? */
	__u32 l3_off;		/* the SYN's IP header */
	__u32 slot;		/* launder() (TC parse) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpct_sc_scratch);
} xdpct_sc_work SEC(".maps");

static __always_inline int sc_protected(__u16 port)
{
	struct xdpct_sc_portmap *m;
	__u32 zero = 0;

	m = bpf_map_lookup_elem(&xdpct_sc_ports, &zero);
	return m ? xdpct_sc_port_isset(m, port) : 0;
}

/*
 * The window a reqsk SYN-ACK offers: ten segments of the client's MSS.
 * The client's first flight is that much anyway, and the listener's first
 * window is never smaller.
 */
static __always_inline __u16 sc_synack_win(__u16 mss)
{
	__u32 win = (__u32)mss * 10;

	return win > 65535 ? 65535 : win;
}

#endif /* XDPCT_SC_MAPS_H */
