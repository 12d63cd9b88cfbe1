// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A foreign XDP program for the tests: xdpct must not replace it unasked. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int foreign_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
