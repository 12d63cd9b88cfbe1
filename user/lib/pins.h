/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Where an instance pins its objects (a bpffs), and pinning them. */
#ifndef XDPCT_PINS_H
#define XDPCT_PINS_H

#include <stdbool.h>
#include <stddef.h>

/* bpffs to pin under: "/sys/fs/bpf", or pid 1's when this mount namespace
 * has none (ip netns exec); NULL if none can be found or mounted. */
const char *xdpct_bpffs(bool mount_if_missing);

/* <bpffs>/xdpct/ns<netns inode>; -ENOENT without a bpffs */
int xdpct_pin_dir(char *buf, size_t len, bool mount_if_missing);

/* remove pins left by network namespaces deleted while attached */
void xdpct_gc_pins(void);

/* fds[i] from dir/names[i] (-1 where there is none); how many were there */
int pins_open(const char *dir, const char *const names[], int fds[], int n);
/* fds[i] (those >= 0) as dir/names[i], dir made; 0, or -errno with nothing pinned */
int pins_write(const char *dir, const char *const names[], const int fds[], int n);
/* dir/names[i] and dir removed (and <bpffs>/xdpct once empty) */
void pins_remove(const char *dir, const char *const names[], int n);

#endif /* XDPCT_PINS_H */
