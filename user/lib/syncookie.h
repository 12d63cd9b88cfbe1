/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload (--syncookie), userspace side: what this host needs for
 * the reqsk completion, and the offloader's key, programs and maps in a
 * datapath object.  Options: attach_opts.h; TC ingress: tc.h; the synproxy
 * completion's iptables rules: netfilter.h.
 */
#ifndef XDPCT_SYNCOOKIE_USER_H
#define XDPCT_SYNCOOKIE_USER_H

#include <stdbool.h>
#include "attach_opts.h"

/* The kernel can turn an skb into a request socket from BPF (6.9+). */
bool sc_have_reqsk(void);
/* reqsk completion: kernel support and net.ipv4.tcp_syncookies; 0 or -1 printed */
int sc_reqsk_check(void);

/* Opened, not loaded: a fresh key, the rate map's size, which programs load. */
int sc_apply(const struct dp_obj *dp, const struct attach_opts *o);
/* Loaded: the protected ports and, for auto mode, their rate entries. */
int sc_fill_maps(const struct dp_obj *dp, const struct attach_opts *o);

#endif /* XDPCT_SYNCOOKIE_USER_H */
