/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The synproxy completion's netfilter side: iptables and ip6tables chains
 * XDPCT_SC_RAW (raw) and XDPCT_SC (filter) with the kernel's SYNPROXY
 * target, and nf_conntrack_tcp_loose = 0.  The chains carry how to undo
 * them, so any later xdpct command can remove those of an instance that
 * died (a `run` killed by SIGKILL) and restore the sysctl.
 */
#ifndef XDPCT_NETFILTER_H
#define XDPCT_NETFILTER_H

#include "xdpct/config.h"
#include "xdpct/cookie.h"

/* iptables-restore, ip6tables-restore and conntrack are there; 0 or -1 printed */
int nf_synproxy_check(void);
/* Install for cfg's ports (a no-op unless cfg asks for synproxy); 0 or <0 printed. */
int nf_synproxy_install(const struct xdpct_cfg *cfg, const struct xdpct_sc_portmap *ports);
/* Remove the chains, drop the tables iptables made for them, restore the sysctl. */
void nf_synproxy_remove(void);
/*
 * This network namespace has no xdpct instance: remove chains left by one
 * that is gone (their installer no longer runs), with a warning.
 */
void nf_synproxy_gc(void);

#endif /* XDPCT_NETFILTER_H */
