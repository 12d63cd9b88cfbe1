/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Handshake offload, XDP: the frame around the segment. */
#ifndef XDPCT_SC_FRAME_H
#define XDPCT_SC_FRAME_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sc_maps.h"

/*
 * Where the IP header starts: after the Ethernet header and the VLAN tags
 * the parser walked (they were valid, or we would not be here).  Read from
 * the frame into s->eth: the parser's VLAN ids cannot tell a priority tag
 * (id 0) from none.  -1 on failure.
 */
static __always_inline int sc_l3_off(struct xdp_md *ctx, struct xdpct_sc_scratch *s)
{
	__u8 *e = s->eth + 12;
	int off = 14;

	/* a TCP segment's frame is longer than 22 bytes */
	if (bpf_xdp_load_bytes(ctx, 0, s->eth, 22))
		return -1;
	if ((e[0] == 0x81 && e[1] == 0x00) || (e[0] == 0x88 && e[1] == 0xa8)) {
		off = 18;
		if ((e[4] == 0x81 && e[5] == 0x00) || (e[4] == 0x88 && e[5] == 0xa8))
			off = 22;
	}
	return off;
}

#endif /* XDPCT_SC_FRAME_H */
