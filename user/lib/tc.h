/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xdpct's TC programs on an interface: the egress tracker (--egress) and the
 * offloader's ingress program (reqsk completion), either as clsact filters
 * that outlive the process (attach) or as tcx links owned by it (run).
 */
#ifndef XDPCT_TC_H
#define XDPCT_TC_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include "xdpct/instance.h"

/*
 * tcx attach types came with Linux 6.6 (enum bpf_attach_type, with the
 * multi-program flags such as BPF_F_BEFORE); Debian 12's <linux/bpf.h>
 * (linux-libc-dev 6.1) predates them, so their kernel values stand in.
 */
#ifndef BPF_F_BEFORE
#define BPF_TCX_INGRESS 46
#define BPF_TCX_EGRESS 47
#endif

/*
 * The handle and priority of xdpct's filters on either clsact hook: fixed,
 * so detach finds the filter it made without listing the others ("dc7":
 * xDpCT; any value no other tool picks would do).
 */
#define XDPCT_TC_HANDLE	0xdc7
#define XDPCT_TC_PRIO	1

/*
 * prog_fd as a clsact filter on hook (BPF_TC_INGRESS or BPF_TC_EGRESS),
 * creating clsact if the interface has none (then e->made_clsact = 1).
 * 0 or -errno, nothing left behind on failure.
 */
int tc_filter_attach(struct xdpct_iface *e, enum bpf_tc_attach_point hook, int prog_fd);
void tc_filter_detach(const struct xdpct_iface *e, enum bpf_tc_attach_point hook);
/* After the filters are gone: clsact too, if xdpct made it. */
void tc_clsact_release(const struct xdpct_iface *e);

/* prog_fd as a tcx link (BPF_TCX_INGRESS/EGRESS): its fd, or -errno. */
int tcx_link(int ifindex, enum bpf_attach_type type, int prog_fd);

#endif /* XDPCT_TC_H */
