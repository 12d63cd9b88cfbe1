/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Datapath counters: one per decision.  The X-macro keeps the enum (used by
 * the BPF side) and the names/help texts (used by `xdpct stats`) in one list.
 */
#ifndef XDPCT_STATS_H
#define XDPCT_STATS_H

#include "xdpct/types.h"

#define XDPCT_STATS(X)							\
	X(PACKETS,		"packets",		"Packets seen by the datapath") \
	X(NON_TCP,		"non_tcp",		"Packets that were not TCP (passed untouched)") \
	X(TCP,			"tcp",			"TCP segments parsed") \
	X(IPV4,			"ipv4",			"IPv4 packets") \
	X(IPV6,			"ipv6",			"IPv6 packets") \
	X(VLAN,			"vlan",			"Packets with a VLAN tag of non-zero id") \
	X(FRAG_FIRST,		"frag_first",		"First fragments tracked by their TCP header") \
	X(FRAG_LATER,		"frag_later",		"Non-first fragments, counted and passed") \
	X(INV_ETH,		"invalid_eth",		"Invalid: truncated Ethernet or VLAN header") \
	X(INV_VLAN_DEPTH,	"invalid_vlan_depth",	"Invalid: more than two VLAN tags") \
	X(INV_IP,		"invalid_ip",		"Invalid: truncated IP header, bad version, IHL or length") \
	X(INV_IPV6_EXT,		"invalid_ipv6_ext",	"Invalid: truncated or too long IPv6 extension chain") \
	X(INV_TCP_HDR,		"invalid_tcp_hdr",	"Invalid: truncated TCP header, doff < 5 or past the end") \
	X(INV_TCP_FLAGS,	"invalid_tcp_flags",	"Invalid: impossible TCP flag combination") \
	X(INV_SEQ,		"invalid_seq",		"Invalid: sequence number outside the window") \
	X(INV_ACK,		"invalid_ack",		"Invalid: acknowledgement outside the window") \
	X(INV_RST,		"invalid_rst",		"Invalid: RST outside the window (RFC 5961)") \
	X(INV_SYNACK,		"invalid_synack",	"Invalid: SYN-ACK that does not acknowledge the SYN") \
	X(INV_STATE,		"invalid_state",	"Invalid: segment impossible in the endpoints' states") \
	X(DROPPED,		"dropped",		"Packets dropped (invalid with drop enabled)") \
	X(SYN_RETRANS,		"syn_retrans",		"SYN or SYN-ACK retransmissions") \
	X(FIN_RETRANS,		"fin_retrans",		"FIN retransmissions") \
	X(NO_FLOW,		"no_flow",		"Segments of unknown flows that do not start one") \
	X(FLOWS_CREATED,	"flows_created",	"Flows created") \
	X(FLOWS_REOPENED,	"flows_reopened",	"Connections reopened on a TIME_WAIT/CLOSED entry") \
	X(FLOWS_MIDSTREAM,	"flows_midstream",	"Flows picked up midstream") \
	X(FLOWS_CLOSED,		"flows_closed",		"Connections that reached CLOSED on both ends") \
	X(FLOWS_EXPIRED,	"flows_expired",	"Flows removed by a timeout") \
	X(FLOWS_EVICTED,	"flows_evicted",	"Flows evicted to make room for a new one") \
	X(INSERT_FAILED,	"insert_failed",	"New flows not tracked: table full, nothing evictable") \
	X(TRANSITIONS,		"transitions",		"Endpoint state transitions") \
	X(EVENTS,		"events",		"Events written to the ring buffer") \
	X(EVENTS_LOST,		"events_lost",		"Events lost: ring buffer full") \
	X(SWEEPS,		"sweeps",		"Expiry sweeps over the flow table") \
	X(SC_SYN_SEEN,		"syn_seen",		"SYNs to protected ports (--syncookie)") \
	X(SC_SYN_PASSED,	"syn_passed",		"SYNs to protected ports left to the kernel: cookies off (auto)") \
	X(SC_SYNACK_SENT,	"synack_sent",		"SYN-ACKs with a SYN cookie sent by XDP") \
	X(SC_SYNACK_FAILED,	"synack_failed",	"SYNs dropped: no SYN-ACK could be built (no room, cookie helper)") \
	X(SC_SYN_MALFORMED,	"syn_malformed",	"SYNs to protected ports dropped: bad header, flags or addresses") \
	X(SC_SYN_FRAGMENT,	"syn_fragment",		"SYNs to protected ports dropped: IP fragments") \
	X(SC_COOKIE_ACCEPTED,	"cookie_accepted",	"ACKs with a valid SYN cookie: flow created, passed on") \
	X(SC_COOKIE_BAD,	"cookie_rejected_bad",	"ACKs without a flow dropped: cookie does not match") \
	X(SC_COOKIE_STALE,	"cookie_rejected_stale", "ACKs without a flow dropped: cookie too old") \
	X(SC_RST_DROPPED,	"cookie_rejected_rst",	"RSTs to protected ports without a flow or connection, dropped") \
	X(SC_KNOWN_PASSED,	"sc_known_passed",	"Segments without a flow the local stack knows: passed, picked up") \
	X(SC_HANDSHAKE_DONE,	"handshake_completed",	"Cookie handshakes handed to the listener (request socket/SYNPROXY)") \
	X(SC_REQSK_FAILED,	"reqsk_failed",		"Valid cookies the TC program could not turn into a request socket") \
	X(SC_MODE_SWITCH,	"sc_mode_switch",	"auto mode: cookies switched on or off for a port") \
	X(RESYNC,		"resync",		"Directions resynchronised after segments the tracker missed") \
	X(SC_SYN_BAD_CSUM,	"syn_bad_csum",		"SYNs to protected ports dropped: bad TCP checksum") \
	X(SC_SYN_LIVE,		"syn_live_flow",	"SYNs to protected ports on a live flow: passed to the endpoint (RFC 5961 4.2)") \
	X(SC_FRAG_DROPPED,	"sc_frag_dropped",	"TCP fragments dropped (--syncookie): to a protected port, or port unknown") \
	X(INV_CHECKSUM,		"invalid_checksum",	"Invalid: TCP checksum wrong (XDP, --checksum): moves nothing") \
	X(INV_FRAG,		"invalid_fragment",	"Invalid: IP fragment too short for the TCP flags, or overlapping the TCP header (RFC 1858/3128)") \
	X(FRAG_UNKNOWN,		"frag_unknown",		"Non-first fragments of no known first fragment (passed, not counted in a flow)") \
	X(EVICT_SCANS,		"evict_scans",		"Table walks for eviction candidates the queue had lost") \
	X(FLOW_BUSY,		"flow_busy",		"Segments that met their entry being deleted by another CPU and gave up waiting") \
	X(SYN_TW_DUP,		"syn_tw_old_dup",	"SYNs on a TIME_WAIT end taken for old duplicates (not newer by seq or TSval): no reopen") \
	X(STALE_UNDONE,		"stale_undone",		"Stale-entry reopens or closes taken back: the old connection spoke (a forged SYN and answer)") \
	X(HAZARD_TIMEOUTS,	"hazard_timeouts",	"Deletes or reopens that stopped waiting for another CPU's lock-free write into the entry") \
	X(SC_SYN_ROUTED,	"syn_routed",		"SYNs to protected ports dropped: an IPv6 Routing header names a further hop (RFC 8200 4.4)") \
	X(SC_SYN_NOT_LOCAL,	"syn_not_local",	"SYNs to protected ports of another host (routed through): passed, not answered") \
	X(SC_NOT_LOCAL_PASSED,	"sc_not_local_passed",	"Segments without a flow to protected ports of another host: passed, no cookie check")

enum xdpct_stat {
#define XDPCT_STAT_ENUM(id, name, help) XDPCT_STAT_##id,
	XDPCT_STATS(XDPCT_STAT_ENUM)
#undef XDPCT_STAT_ENUM
	XDPCT_STAT_MAX,
};

/*
 * One per-CPU array element holds every counter: one lookup per packet.
 * 64 slots, so an index masked with XDPCT_STAT_MASK is always in bounds.
 */
#define XDPCT_STAT_SLOTS 64
#define XDPCT_STAT_MASK (XDPCT_STAT_SLOTS - 1)
struct xdpct_stats {
	__u64 c[XDPCT_STAT_SLOTS];
};
_Static_assert(XDPCT_STAT_MAX <= XDPCT_STAT_SLOTS, "too many counters");

#endif /* XDPCT_STATS_H */
