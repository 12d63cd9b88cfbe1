/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload, XDP: IP fragments of TCP.  The kernel reassembles
 * fragments behind XDP, so a SYN split over two fragments (a "tiny
 * fragment" first one with 8 bytes of TCP header, RFC 1858) would reach
 * the listener without ever being answered here.  With the offloader on,
 * as the kernel selftest's XDP synproxy does, TCP fragments are dropped:
 *
 *   first fragments   to a protected port, or whose TCP header is cut
 *                     short of the ports (the port is unknown)
 *   later fragments   always: they carry no port to look at (IPv6: those
 *                     whose fragment header names TCP or an extension)
 *
 * TCP avoids fragmentation itself (path MTU discovery, DF), so this costs
 * legitimate traffic next to nothing.  An IPv6 atomic fragment (offset 0,
 * M=0, RFC 6946) is no fragment (the parser leaves frag_first 0): handled as
 * the unfragmented segment it is.
 */
#ifndef XDPCT_SC_FRAG_H
#define XDPCT_SC_FRAG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/stats.h"
#include "tcp.h"
#include "parse.h"
#include "maps.h"
#include "sc_maps.h"

/* After parse_packet() returned r for m: 1 when the frame is to be dropped. */
__noinline int xdpct_sc_fragment(struct pkt_meta *m, int r)
{
	struct xdpct_stats *st;
	__u32 zero = 0;

	if (!m)
		return 0;
	if (r != PARSE_FRAG_LATER &&
	    (m->frag_first != 1 || (r != PARSE_TCP && r != PARSE_INVALID)))
		return 0;
	/* a later fragment of another protocol (parse.h: frag_tcp) is not ours */
	if (r == PARSE_FRAG_LATER && !m->frag_tcp)
		return 0;
	/* a first fragment whose ports the parser saw, to an open port */
	if (r != PARSE_FRAG_LATER && m->dport && !sc_protected(m->dport))
		return 0;
	st = bpf_map_lookup_elem(&xdpct_stats, &zero);
	if (!st)
		return 1;
	/* what the frame is, as without the offloader: every packet one class */
	if (r == PARSE_FRAG_LATER) {
		st->c[XDPCT_STAT_FRAG_LATER]++;
	} else if (r == PARSE_TCP) {
		st->c[XDPCT_STAT_TCP]++;
		st->c[XDPCT_STAT_FRAG_FIRST]++;
	} else {
		st->c[m->invalid & XDPCT_STAT_MASK]++;
	}
	if (r == PARSE_TCP && (m->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN) {
		st->c[XDPCT_STAT_SC_SYN_SEEN]++;
		st->c[XDPCT_STAT_SC_SYN_FRAGMENT]++;
	} else {
		st->c[XDPCT_STAT_SC_FRAG_DROPPED]++;
	}
	return 1;
}

#endif /* XDPCT_SC_FRAG_H */
