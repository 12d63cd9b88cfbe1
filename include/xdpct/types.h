/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a header compiled both by the BPF side (clang -target bpf, with the
 * kernel's types from vmlinux.h) and by gcc on the host (userspace, unit
 * tests) needs first: __u8.. __u64, __be16/__be32, and __always_inline.
 */
#ifndef XDPCT_TYPES_H
#define XDPCT_TYPES_H

#ifdef __BPF__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif /* XDPCT_TYPES_H */
