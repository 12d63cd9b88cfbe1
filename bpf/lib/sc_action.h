/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Handshake offload: what its parts tell the decision in track.h. */
#ifndef XDPCT_SC_ACTION_H
#define XDPCT_SC_ACTION_H

enum sc_action {
	SC_TRACK = 0,		/* as without the offloader: track, pass */
	SC_DROP,		/* dropped, counted by reason */
	SC_TX,			/* the SYN became its SYN-ACK: XDP_TX */
	SC_START_FLOW,		/* a valid cookie ACK: its flow starts ESTABLISHED */
};

#endif /* XDPCT_SC_ACTION_H */
