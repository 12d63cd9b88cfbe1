/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Handshake offload, userspace side: options, maps, TC ingress, SYNPROXY rules. */
#ifndef XDPCT_SYNCOOKIE_USER_H
#define XDPCT_SYNCOOKIE_USER_H

#include <stdbool.h>
#include "xdpct/cookie.h"
#include "xdpct/instance.h"
#include "xdpct/config.h"

struct attach_opts;
struct xdpct_bpf;

/* What --syncookie and its companions asked for (inside struct attach_opts). */
struct sc_opts {
	bool set;			/* --syncookie PORTS given */
	bool mode_set, completion_set, tuning_set;
	__u32 nports;
	struct xdpct_sc_portmap ports;
};

/* "80,443,8000-8100" -> bitmap; -1 with the error printed */
int sc_parse_ports(const char *arg, struct xdpct_sc_portmap *map, __u32 *n);

/* The option values (cfg fields) or -1 with the error printed. */
int sc_parse_mode(const char *arg, __u8 *mode);
int sc_parse_completion(const char *arg, __u8 *completion);

/* Defaults into cfg (mss, wscale, ttl, threshold). */
void sc_opts_init(struct xdpct_cfg *cfg);

/*
 * Before any attach: the combination makes sense and this host can do it
 * (kernel support, sysctls, nft).  Fills the default completion.  0 or -1
 * with the error printed.
 */
int sc_check(struct attach_opts *o);

/* Skeleton opened, not loaded: key, map sizes, which programs load. */
int sc_apply(struct xdpct_bpf *skel, const struct attach_opts *o);

/* Loaded: the protected ports and, for auto mode, their rate entries. */
int sc_fill_maps(struct xdpct_bpf *skel, const struct attach_opts *o);

/*
 * The TC ingress program on one interface (reqsk completion).  link_fd
 * non-NULL: as a tcx link owned by the caller (run); else a clsact filter
 * that outlives the process, recorded in e (made_clsact).
 */
int sc_attach_ingress(int ifindex, int prog_fd, struct xdpct_iface *e, int *link_fd);
/* Undo sc_attach_ingress (clsact filter; clsact itself if xdpct made it
 * and no egress program uses it). */
void sc_detach_ingress(const struct xdpct_iface *e, const struct xdpct_cfg *cfg);

/* synproxy completion: iptables/ip6tables SYNPROXY rules (chains XDPCT_SC_RAW
 * in raw, XDPCT_SC in filter) + nf_conntrack_tcp_loose. */
int sc_netfilter_install(const struct xdpct_cfg *cfg, const struct xdpct_sc_portmap *ports);
void sc_netfilter_remove(const struct xdpct_cfg *cfg);

#endif /* XDPCT_SYNCOOKIE_USER_H */
