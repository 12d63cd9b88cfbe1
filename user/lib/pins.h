/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where an instance pins its objects, and the pins themselves. */
#ifndef XDPCT_PINS_H
#define XDPCT_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include "instance.h"

/* bpffs to pin under: "/sys/fs/bpf", or pid 1's when this mount namespace
 * has none (ip netns exec); NULL if none can be found or mounted. */
const char *xdpct_bpffs(bool mount_if_missing);

/* <bpffs>/xdpct/ns<netns inode>; -ENOENT without a bpffs */
int xdpct_pin_dir(char *buf, size_t len, bool mount_if_missing);

/* remove pins left by network namespaces deleted while attached */
void xdpct_gc_pins(void);

/* in->pin_dir's objects into in->fd[]; 0, or -1 if the required ones are missing */
int pins_open(struct inst *in);
/* pin every open object of in under in->pin_dir; 0 or -errno (nothing pinned) */
int pins_write(struct inst *in);
/* remove in->pin_dir and its pins (and <bpffs>/xdpct once empty) */
void pins_remove(struct inst *in);

#endif /* XDPCT_PINS_H */
