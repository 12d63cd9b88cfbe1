/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The XDP program on an interface: through libxdp (attach: can share the
 * interface through libxdp's dispatcher, outlives the process) or as a BPF
 * link owned by the process (run).
 */
#ifndef XDPCT_XDP_HOOK_H
#define XDPCT_XDP_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "xdpct/instance.h"

struct xdp_program;

/* The id of an XDP program on ifindex that is not ours (name in name), or 0. */
__u32 xdp_hook_foreign(int ifindex, __u32 our_id, char *name, size_t len);
/* libxdp attach in mode (enum xdpct_attach_mode); *multiprog: through its dispatcher */
int xdp_hook_attach(struct xdp_program *xp, int ifindex, int mode, bool *multiprog);
/* a BPF link (mode generic: XDP_FLAGS_SKB_MODE): its fd, or -errno */
int xdp_hook_link(int prog_fd, int ifindex, int mode);
/*
 * Undo xdp_hook_attach: the program called name out of the dispatcher, or
 * our legacy attachment (our_fd, our_id) replaced by none.
 */
void xdp_hook_detach(const struct xdpct_iface *e, const char *name, int our_fd, __u32 our_id);

#endif /* XDPCT_XDP_HOOK_H */
