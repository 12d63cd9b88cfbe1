/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The load-time configuration and the datapath's clock.
 *
 * cfg lives in .rodata: the loader writes it before the load and the
 * verifier folds it, so a switch that is off costs nothing (and its code
 * is not even verified).  `xdpct replay` sets cfg.replay_clock and, before
 * each packet, replay_now_ns to the packet's capture time: expiry, cookies
 * and the auto mode's rates then all run at capture time.
 */
#ifndef XDPCT_CFG_H
#define XDPCT_CFG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xdpct/config.h"

const volatile struct xdpct_cfg cfg = XDPCT_CFG_DEFAULTS;

volatile __u64 replay_now_ns;

static __always_inline __u64 clock_ns(void)
{
	return cfg.replay_clock ? replay_now_ns : bpf_ktime_get_ns();
}

/*
 * The coarse clock's per-CPU cache: bpf_ktime_get_coarse_ns() as read at
 * the tick `jiffies`.  The coarse clock moves only at a tick, and the
 * verifier inlines bpf_jiffies64() into one load (x86-64, arm64 JITs), so
 * a packet pays a load and a compare; the helper call is paid once a tick
 * per CPU, and so is the division into milliseconds (a 64-bit divide by a
 * constant is a real `div` in BPF, which has no multiply-high).
 */
struct xdpct_coarse_clock {
	__u64 jiffies;
	__u64 ns;
	__u32 ms;		/* ns in milliseconds, low 32 bits: the SYN-ACK's TSval */
	__u32 pad;
};

/*
 * The same clock (CLOCK_MONOTONIC) as of the last tick: up to one jiffy
 * behind clock_ns(), and one more should a tick land between the two
 * reads below.  For last_seen on the established path, where only idle
 * timeouts (seconds to days) read it, and for the cookie's 68.7-second
 * tick and TSval.  c->ms is then this time's milliseconds.
 */
static __always_inline __u64 clock_coarse_ns(struct xdpct_coarse_clock *c)
{
	__u64 j;

	if (cfg.replay_clock) {
		if (c->ns != replay_now_ns || c->jiffies) {
			c->ns = replay_now_ns;
			c->ms = (__u32)(replay_now_ns / 1000000);
			c->jiffies = 0;		/* the real clock re-reads at its next use */
		}
		return c->ns;
	}
	j = bpf_jiffies64();
	if (j != c->jiffies) {
		c->ns = bpf_ktime_get_coarse_ns();
		c->ms = (__u32)(c->ns / 1000000);
		c->jiffies = j;
	}
	return c->ns;
}

#endif /* XDPCT_CFG_H */
