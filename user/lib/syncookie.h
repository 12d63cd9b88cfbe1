/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Handshake offload (--syncookie): what the reqsk completion needs of this
 * host.  Options: attach_opts.h; key, programs and maps: datapath.h; TC
 * ingress: tc.h; the synproxy completion's iptables rules: netfilter.h.
 */
#ifndef XDPCT_SYNCOOKIE_USER_H
#define XDPCT_SYNCOOKIE_USER_H

#include <stdbool.h>

/* The kernel can turn an skb into a request socket from BPF (6.9+). */
bool sc_have_reqsk(void);
/* reqsk completion: kernel support and net.ipv4.tcp_syncookies; 0 or -1 printed */
int sc_reqsk_check(void);

#endif /* XDPCT_SYNCOOKIE_USER_H */
