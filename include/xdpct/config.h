/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Load-time configuration: lives in .rodata, so the verifier folds it. */
#ifndef XDPCT_CONFIG_H
#define XDPCT_CONFIG_H

#include "xdpct/types.h"

#define XDPCT_NSEC_PER_SEC 1000000000ULL

/* Defaults close to Linux (TCP_TIMEWAIT_LEN, nf_conntrack_tcp_timeout_*). */
#define XDPCT_DEF_TIME_WAIT_S	60	/* 2*MSL as Linux uses */
#define XDPCT_DEF_SYN_S		120	/* nf_conntrack syn_sent */
#define XDPCT_DEF_ESTABLISHED_S	432000	/* nf_conntrack established: 5 days */
#define XDPCT_DEF_CLOSING_S	120	/* fin_wait / close_wait / last_ack */
#define XDPCT_DEF_CLOSE_S	10	/* linger of a CLOSED flow (nf: close) */
#define XDPCT_DEF_SWEEP_S	1	/* expiry sweep period */
#define XDPCT_DEF_FLOWS		65536

/* --checksum: the TCP checksums XDP ingress verifies (bpf/lib/csum.h) */
enum xdpct_csum_mode {
	XDPCT_CSUM_OFF = 0,
	XDPCT_CSUM_CONTROL,	/* segments that can change state (the default) */
	XDPCT_CSUM_ALL,		/* every segment */
};

struct xdpct_cfg {
	__u64 time_wait_ns;
	__u64 syn_ns;
	__u64 established_ns;
	__u64 closing_ns;
	__u64 close_ns;
	__u64 sweep_ns;
	__u8 drop_invalid;	/* drop malformed packets (default: pass) */
	__u8 drop_window;	/* drop out-of-window segments (default: pass) */
	__u8 no_midstream;	/* do not pick up flows without a SYN */
	__u8 replay_clock;	/* take "now" from replay_now_ns (xdpct replay) */
	__u8 checksum;		/* enum xdpct_csum_mode: which segments XDP verifies */
	__u8 pad[3];
	/* handshake offload (bpf/lib/sc_*.h); sc_mode 0: none */
	__u8 sc_mode;		/* enum xdpct_sc_mode */
	__u8 sc_completion;	/* enum xdpct_sc_completion */
	__u8 sc_wscale;		/* window scale the SYN-ACK offers */
	__u8 sc_ttl;		/* TTL / hop limit of the SYN-ACK */
	__u16 sc_mss4;		/* MSS the SYN-ACK offers, IPv4 */
	__u16 sc_mss6;		/* and IPv6 */
	__u32 sc_threshold;	/* auto: SYN/s per port that turns cookies on */
	__u8 sc_local_check;	/* answer only this host's destinations (sc_local.h);
				 * 0: any (a replay, BPF_PROG_TEST_RUN tests) */
	__u8 sc_pad[3];		/* (what synproxy changed on the host is
				 * recorded in its iptables rules: netfilter.c) */
};

/*
 * The defaults as an initializer, for the BPF side's .rodata and the
 * loaders alike:  struct xdpct_cfg c = XDPCT_CFG_DEFAULTS;  or
 * c = (struct xdpct_cfg)XDPCT_CFG_DEFAULTS;  Everything else starts at 0:
 * no dropping, midstream pickup on, the real clock, no handshake offload
 * (whose own defaults, XDPCT_SC_DEF_*, apply once it is configured).
 */
#define XDPCT_CFG_DEFAULTS {						\
	.time_wait_ns = XDPCT_DEF_TIME_WAIT_S * XDPCT_NSEC_PER_SEC,	\
	.syn_ns = XDPCT_DEF_SYN_S * XDPCT_NSEC_PER_SEC,			\
	.established_ns = XDPCT_DEF_ESTABLISHED_S * XDPCT_NSEC_PER_SEC,	\
	.closing_ns = XDPCT_DEF_CLOSING_S * XDPCT_NSEC_PER_SEC,		\
	.close_ns = XDPCT_DEF_CLOSE_S * XDPCT_NSEC_PER_SEC,		\
	.sweep_ns = XDPCT_DEF_SWEEP_S * XDPCT_NSEC_PER_SEC,		\
	.checksum = XDPCT_CSUM_CONTROL,					\
}

#endif /* XDPCT_CONFIG_H */
