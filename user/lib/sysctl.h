/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One number in a /proc/sys (or /sys) file, read or written. */
#ifndef XDPCT_SYSCTL_H
#define XDPCT_SYSCTL_H

/* the file's first number, or -1 */
long sysctl_read(const char *path);
/* 0 or -errno */
int sysctl_write(const char *path, unsigned long v);

#endif /* XDPCT_SYSCTL_H */
