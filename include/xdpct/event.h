/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Ring-buffer events emitted by the datapath, read by `xdpct watch`. */
#ifndef XDPCT_EVENT_H
#define XDPCT_EVENT_H

#include "xdpct/types.h"

enum xdpct_event_type {
	XDPCT_EV_TRANSITION = 1,	/* one endpoint changed state */
	XDPCT_EV_EXPIRED,		/* flow removed by expiry or eviction */
	XDPCT_EV_MODE,			/* syncookie auto mode switched on a port:
					 * server_port = the port, reason = 1 on /
					 * 0 off, packets[0] = its SYN/s, the rest 0 */
};

/* why a flow left the table (XDPCT_EV_EXPIRED.reason) */
enum xdpct_expire_reason {
	XDPCT_EXP_CLOSED = 1,		/* closed flow lingered long enough */
	XDPCT_EXP_HALF_OPEN,		/* handshake never completed */
	XDPCT_EXP_IDLE,			/* established but idle too long */
	XDPCT_EXP_CLOSING,		/* stuck in a closing state */
	XDPCT_EXP_EVICTED,		/* made room for a new flow */
	XDPCT_EXP_REOPENED,		/* a new connection took its 4-tuple: the
					 * old one's end record, sent before the
					 * new one's first transitions */
};

struct xdpct_event {
	__u64 ts_ns;
	__u8 type;		/* enum xdpct_event_type */
	__u8 family;		/* 4 or 6 */
	__u8 side;		/* 0 = client endpoint, 1 = server endpoint */
	__u8 from;		/* enum xdpct_tcp_state */
	__u8 to;
	__u8 tcp_flags;		/* flags byte of the packet that caused it */
	__u8 flow_flags;	/* XDPCT_F_* */
	__u8 reason;		/* XDPCT_EV_EXPIRED: enum xdpct_expire_reason;
				 * XDPCT_EV_MODE: 1 = cookies on, 0 = off */
	__u16 vlan[2];
	__u16 client_port;	/* host byte order */
	__u16 server_port;
	__u32 client_addr[4];	/* network byte order */
	__u32 server_addr[4];
	__u32 gen;
	__u8 cstate;		/* client's and server's states after the packet */
	__u8 sstate;
	__u8 last;		/* last transition this packet caused */
	__u8 pad;
	__u64 first_seen_ns;
	__u64 syn_ns;
	__u64 synack_ns;
	__u64 est_ns;
	__u64 packets[2];	/* [0] sent by client, [1] sent by server */
	__u64 bytes[2];
	/*
	 * The flow's last packet: a packet's transitions, ts_ns; the sweep's
	 * events and an expiry, the last packet before them (RFC 7011's
	 * flowEndMilliseconds of an idle flow is that, not when it timed out).
	 */
	__u64 last_seen_ns;
};

#endif /* XDPCT_EVENT_H */
