/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which (client, server) endpoint state pairs a flow entry may hold.  The
 * randomised tests (test_fsm_unit.c on the pure state machine,
 * test_datapath_random.c through the datapath) check every entry against
 * this after every step.
 *
 * The set follows from RFC 9293 as seen by an observer of both directions,
 * not from the code:
 *
 *  - NONE never stays in an entry: a new entry sets both endpoints (a SYN:
 *    SYN_SENT/LISTEN; a SYN-ACK: SYN_SENT/SYN_RCVD; anything else:
 *    ESTABLISHED/ESTABLISHED).  LISTEN is only ever the server's state, and
 *    only opposite a client in SYN_SENT (it answered nothing yet).
 *  - Handshake: both endpoints in SYN_SENT or SYN_RCVD, in any mix
 *    (SYN_SENT/SYN_SENT and SYN_RCVD/SYN_RCVD are a simultaneous open).
 *  - ESTABLISHED pairs with ESTABLISHED only: the observer moves both ends
 *    on the ACK that completes the handshake, and a FIN moves the receiver
 *    out of ESTABLISHED as it moves the sender.
 *  - Closing, in either role (X closed first):
 *      FIN_WAIT_1/CLOSE_WAIT   X's FIN seen
 *      FIN_WAIT_2/CLOSE_WAIT   ... and acknowledged
 *      TIME_WAIT/LAST_ACK      Y's FIN after X's was acknowledged
 *      TIME_WAIT/CLOSED        Y's FIN acknowledged
 *      CLOSING/CLOSING, CLOSING/TIME_WAIT, TIME_WAIT/TIME_WAIT
 *                              Y's FIN crossed X's: RFC 9293's simultaneous
 *                              close (figure 13), where both ends count
 *                              as having closed first and neither is ever
 *                              LAST_ACK
 *      CLOSED/CLOSED           reset, or TIME_WAIT ran out
 *  - CLOSED/LISTEN (client, server): an RST reached the server in SYN_RCVD
 *    (RFC 9293 3.10.7.4: a passive open returns to LISTEN).
 *  - An endpoint may close before the handshake is over (RFC 9293 allows
 *    CLOSE in SYN_RCVD; a Fast Open server does it): FIN_WAIT_1 opposite
 *    SYN_SENT or SYN_RCVD.  Its peer moves on only when it completes the
 *    handshake, to CLOSE_WAIT (covered above).
 * Anything else - ESTABLISHED opposite a closing state, LAST_ACK opposite
 * FIN_WAIT_1/2 or CLOSING, CLOSED opposite anything but TIME_WAIT/CLOSED (or
 * a server's LISTEN), a
 * handshake state opposite a closing state other than FIN_WAIT_1 - would
 * mean a transition was lost or invented.
 */
#ifndef XDPCT_TEST_PAIRS_H
#define XDPCT_TEST_PAIRS_H

#include <stdbool.h>
#include "xdpct/flow.h"

static inline bool pair_is(__u8 a, __u8 b, __u8 x, __u8 y)
{
	return (a == x && b == y) || (a == y && b == x);
}

static inline bool pair_in_handshake(__u8 s)
{
	return s == XDPCT_S_SYN_SENT || s == XDPCT_S_SYN_RCVD;
}

static inline bool xdpct_pair_possible(__u8 c, __u8 s)
{
	if ((c == XDPCT_S_SYN_SENT || c == XDPCT_S_CLOSED) && s == XDPCT_S_LISTEN)
		return true;
	if (pair_in_handshake(c) && pair_in_handshake(s))
		return true;
	if (c == XDPCT_S_ESTABLISHED && s == XDPCT_S_ESTABLISHED)
		return true;
	if ((pair_in_handshake(c) && s == XDPCT_S_FIN_WAIT_1) ||
	    (pair_in_handshake(s) && c == XDPCT_S_FIN_WAIT_1))
		return true;
	return pair_is(c, s, XDPCT_S_FIN_WAIT_1, XDPCT_S_CLOSE_WAIT) ||
	       pair_is(c, s, XDPCT_S_FIN_WAIT_2, XDPCT_S_CLOSE_WAIT) ||
	       pair_is(c, s, XDPCT_S_TIME_WAIT, XDPCT_S_LAST_ACK) ||
	       pair_is(c, s, XDPCT_S_TIME_WAIT, XDPCT_S_CLOSED) ||
	       pair_is(c, s, XDPCT_S_CLOSING, XDPCT_S_CLOSING) ||
	       pair_is(c, s, XDPCT_S_CLOSING, XDPCT_S_TIME_WAIT) ||
	       pair_is(c, s, XDPCT_S_TIME_WAIT, XDPCT_S_TIME_WAIT) ||
	       pair_is(c, s, XDPCT_S_CLOSED, XDPCT_S_CLOSED);
}

/* The pair of an entry, in (client, server) order. */
static inline bool xdpct_flow_pair_possible(const struct xdpct_flow *f)
{
	return xdpct_pair_possible(f->state[f->client & 1], f->state[!(f->client & 1)]);
}

#endif /* XDPCT_TEST_PAIRS_H */
