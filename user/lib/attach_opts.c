// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Options shared by attach, run and replay: every option is parsed here,
 * the handshake offload's too, and checked against this host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "attach_opts.h"
#include "log.h"
#include "netfilter.h"
#include "syncookie.h"

enum {
	OPT_RINGBUF = 0x100, OPT_TW, OPT_SYN, OPT_EST, OPT_CLOSING, OPT_CLOSE,
	OPT_SWEEP, OPT_NO_MIDSTREAM, OPT_DROP_INVALID, OPT_DROP_WINDOW,
	OPT_SC, OPT_SC_MODE, OPT_SC_THRESHOLD, OPT_SC_COMPLETION, OPT_MSS4, OPT_MSS6,
	OPT_WSCALE, OPT_TTL, OPT_CHECKSUM, OPT_FLOWS6,
};

const struct option attach_long_opts[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "egress", no_argument, NULL, 'e' },
	{ "force", no_argument, NULL, 'f' },
	{ "flows", required_argument, NULL, 'n' },
	{ "flows6", required_argument, NULL, OPT_FLOWS6 },
	{ "ringbuf", required_argument, NULL, OPT_RINGBUF },
	{ "timeout-time-wait", required_argument, NULL, OPT_TW },
	{ "timeout-syn", required_argument, NULL, OPT_SYN },
	{ "timeout-established", required_argument, NULL, OPT_EST },
	{ "timeout-closing", required_argument, NULL, OPT_CLOSING },
	{ "timeout-close", required_argument, NULL, OPT_CLOSE },
	{ "sweep-interval", required_argument, NULL, OPT_SWEEP },
	{ "no-midstream", no_argument, NULL, OPT_NO_MIDSTREAM },
	{ "drop-invalid", no_argument, NULL, OPT_DROP_INVALID },
	{ "drop-window", no_argument, NULL, OPT_DROP_WINDOW },
	{ "checksum", required_argument, NULL, OPT_CHECKSUM },
	{ "syncookie", required_argument, NULL, OPT_SC },
	{ "syncookie-mode", required_argument, NULL, OPT_SC_MODE },
	{ "syncookie-threshold", required_argument, NULL, OPT_SC_THRESHOLD },
	{ "syncookie-completion", required_argument, NULL, OPT_SC_COMPLETION },
	{ "mss4", required_argument, NULL, OPT_MSS4 },
	{ "mss6", required_argument, NULL, OPT_MSS6 },
	{ "wscale", required_argument, NULL, OPT_WSCALE },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ 0 },
};

/*
 * The IPv6 table's capacity: --flows6, else a quarter of --flows (at least
 * 1024, at most --flows).  Unused IPv6 capacity costs its buckets, 16
 * bytes an entry (bpf/lib/maps.h): a quarter keeps that to 4 bytes per
 * IPv4 entry.
 */
__u32 attach_opts_flows6(const struct attach_opts *o)
{
	__u32 q = o->flows / 4;

	if (o->flows6)
		return o->flows6;
	if (q < 1024)
		q = 1024;
	return q < o->flows ? q : o->flows;
}

void attach_opts_init(struct attach_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = XDPCT_MODE_NATIVE;
	o->flows = XDPCT_DEF_FLOWS;
	o->ringbuf = 1 << 20;
	o->cfg = (struct xdpct_cfg)XDPCT_CFG_DEFAULTS;
	o->cfg.sc_mode = XDPCT_SC_OFF;
	o->cfg.sc_mss4 = XDPCT_SC_DEF_MSS4;
	o->cfg.sc_mss6 = XDPCT_SC_DEF_MSS6;
	o->cfg.sc_wscale = XDPCT_SC_DEF_WSCALE;
	o->cfg.sc_ttl = XDPCT_SC_DEF_TTL;
	o->cfg.sc_threshold = XDPCT_SC_DEF_THRESHOLD;
	o->cfg.sc_local_check = 1;
}

static int parse_port(const char *s, const char *end, __u32 *port)
{
	unsigned long v = 0;
	const char *p;

	if (s == end || end - s > 5)
		return -1;
	for (p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int sc_parse_ports(const char *arg, struct xdpct_sc_portmap *map, __u32 *n)
{
	const char *tok = arg, *comma, *dash;
	__u32 lo, hi, p;

	memset(map, 0, sizeof(*map));
	*n = 0;
	for (;;) {
		comma = strchr(tok, ',');
		if (!comma)
			comma = tok + strlen(tok);
		dash = memchr(tok, '-', comma - tok);
		if (parse_port(tok, dash ? dash : comma, &lo) ||
		    (dash && parse_port(dash + 1, comma, &hi))) {
			xdpct_err("--syncookie '%s': '%.*s' is not a port or range of ports "
				  "(1-65535, e.g. 80,443,8000-8100)", arg, (int)(comma - tok), tok);
			return -1;
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			xdpct_err("--syncookie '%s': range %u-%u ends before it starts", arg, lo, hi);
			return -1;
		}
		for (p = lo; p <= hi; p++) {
			if (!xdpct_sc_port_isset(map, p))
				(*n)++;
			xdpct_sc_port_set(map, p);
		}
		if (!*comma)
			break;
		tok = comma + 1;
	}
	return 0;
}

static int parse_sc_mode(const char *arg, __u8 *mode)
{
	if (!strcmp(arg, "always"))
		*mode = XDPCT_SC_ALWAYS;
	else if (!strcmp(arg, "auto"))
		*mode = XDPCT_SC_AUTO;
	else if (!strcmp(arg, "off"))
		*mode = XDPCT_SC_OFF;
	else {
		xdpct_err("--syncookie-mode '%s': want always, auto or off", arg);
		return -1;
	}
	return 0;
}

static int parse_sc_completion(const char *arg, __u8 *completion)
{
	if (!strcmp(arg, "reqsk"))
		*completion = XDPCT_SC_REQSK;
	else if (!strcmp(arg, "synproxy"))
		*completion = XDPCT_SC_SYNPROXY;
	else {
		xdpct_err("--syncookie-completion '%s': want reqsk or synproxy", arg);
		return -1;
	}
	return 0;
}

/* --checksum: which TCP checksums XDP ingress verifies */
static int parse_checksum(const char *arg, __u8 *mode)
{
	if (!strcmp(arg, "control"))
		*mode = XDPCT_CSUM_CONTROL;
	else if (!strcmp(arg, "all"))
		*mode = XDPCT_CSUM_ALL;
	else if (!strcmp(arg, "off"))
		*mode = XDPCT_CSUM_OFF;
	else {
		xdpct_err("--checksum '%s': want control, all or off", arg);
		return -1;
	}
	return 0;
}

/* seconds, fractions allowed ("0.5"), > 0 and at most a year */
static int parse_secs(const char *name, const char *arg, __u64 *ns)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s > 0) || s > 365 * 86400.0) {
		xdpct_err("--%s '%s': want seconds, > 0 (e.g. 60 or 0.5)", name, arg);
		return -1;
	}
	*ns = (__u64)(s * 1e9);
	return 1;
}

static int parse_u32(const char *name, const char *arg, __u32 min, __u32 max, __u32 *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || x < min || x > max) {
		xdpct_err("--%s '%s': want a whole number from %u to %u", name, arg, min, max);
		return -1;
	}
	*v = x;
	return 1;
}

int attach_opts_parse(struct attach_opts *o, int opt, const char *arg)
{
	__u32 v;

	switch (opt) {
	case OPT_SC:
		if (sc_parse_ports(arg, &o->sc.ports, &o->sc.nports))
			return -1;
		o->sc.set = true;
		if (!o->sc.mode_set)
			o->cfg.sc_mode = XDPCT_SC_ALWAYS;
		return 1;
	case OPT_SC_MODE:
		o->sc.mode_set = true;
		return parse_sc_mode(arg, &o->cfg.sc_mode) ? -1 : 1;
	case OPT_SC_COMPLETION:
		o->sc.completion_set = true;
		return parse_sc_completion(arg, &o->cfg.sc_completion) ? -1 : 1;
	case OPT_SC_THRESHOLD:
		o->sc.tuning_set = true;
		return parse_u32("syncookie-threshold", arg, 1, 100000000, &o->cfg.sc_threshold);
	case OPT_MSS4:
	case OPT_MSS6:
		o->sc.tuning_set = true;
		if (parse_u32(opt == OPT_MSS4 ? "mss4" : "mss6", arg,
			      opt == OPT_MSS4 ? 536 : 1220, 65495, &v) < 0)
			return -1;
		*(opt == OPT_MSS4 ? &o->cfg.sc_mss4 : &o->cfg.sc_mss6) = v;
		return 1;
	case OPT_WSCALE:
		o->sc.tuning_set = true;
		if (parse_u32("wscale", arg, 0, 14, &v) < 0)
			return -1;
		o->cfg.sc_wscale = v;
		return 1;
	case OPT_TTL:
		o->sc.tuning_set = true;
		if (parse_u32("ttl", arg, 1, 255, &v) < 0)
			return -1;
		o->cfg.sc_ttl = v;
		return 1;
	case 'm':
		if (!strcmp(arg, "native") || !strcmp(arg, "drv")) {
			o->mode = XDPCT_MODE_NATIVE;
		} else if (!strcmp(arg, "generic") || !strcmp(arg, "skb")) {
			o->mode = XDPCT_MODE_GENERIC;
		} else {
			xdpct_err("--mode '%s': want native or generic", arg);
			return -1;
		}
		o->mode_set = true;
		return 1;
	case 'e':
		o->egress = true;
		return 1;
	case 'f':
		o->force = true;
		return 1;
	case 'n':
		return parse_u32("flows", arg, 16, 64u << 20, &o->flows);
	case OPT_FLOWS6:
		return parse_u32("flows6", arg, 16, 64u << 20, &o->flows6);
	case OPT_RINGBUF:
		if (parse_u32("ringbuf", arg, 4096, 1u << 30, &o->ringbuf) < 0)
			return -1;
		if (o->ringbuf & (o->ringbuf - 1)) {
			xdpct_err("--ringbuf %s: want a power of 2 (e.g. 1048576)", arg);
			return -1;
		}
		return 1;
	case OPT_TW:
		return parse_secs("timeout-time-wait", arg, &o->cfg.time_wait_ns);
	case OPT_SYN:
		return parse_secs("timeout-syn", arg, &o->cfg.syn_ns);
	case OPT_EST:
		return parse_secs("timeout-established", arg, &o->cfg.established_ns);
	case OPT_CLOSING:
		return parse_secs("timeout-closing", arg, &o->cfg.closing_ns);
	case OPT_CLOSE:
		return parse_secs("timeout-close", arg, &o->cfg.close_ns);
	case OPT_SWEEP:
		return parse_secs("sweep-interval", arg, &o->cfg.sweep_ns);
	case OPT_NO_MIDSTREAM:
		o->cfg.no_midstream = 1;
		return 1;
	case OPT_DROP_INVALID:
		o->cfg.drop_invalid = 1;
		return 1;
	case OPT_DROP_WINDOW:
		o->cfg.drop_window = 1;
		return 1;
	case OPT_CHECKSUM:
		return parse_checksum(arg, &o->cfg.checksum) ? -1 : 1;
	}
	return 0;
}

int attach_opts_set(struct attach_opts *o, const char *name, const char *value)
{
	const struct option *opt;

	for (opt = attach_long_opts; opt->name; opt++)
		if (!strcmp(opt->name, name))
			break;
	if (!opt->name || (opt->has_arg == required_argument) != !!value) {
		xdpct_err("--%s%s%s: not an attach option", name, value ? " " : "",
			  value ? value : "");
		return -1;
	}
	return attach_opts_parse(o, opt->val, value) == 1 ? 0 : -1;
}

int attach_opts_finish(struct attach_opts *o)
{
	struct xdpct_cfg *cfg = &o->cfg;

	if (!o->sc.set) {
		if (o->sc.mode_set || o->sc.completion_set || o->sc.tuning_set) {
			xdpct_err("--syncookie-mode/-completion/-threshold, --mss4, --mss6, --wscale "
				  "and --ttl need --syncookie PORTS");
			return 2;
		}
		cfg->sc_mode = XDPCT_SC_OFF;
		return 0;
	}
	if (cfg->sc_mode == XDPCT_SC_OFF)
		return 0;
	if (!cfg->sc_completion)
		cfg->sc_completion = sc_have_reqsk() ? XDPCT_SC_REQSK : XDPCT_SC_SYNPROXY;
	if (cfg->sc_completion == XDPCT_SC_REQSK)
		return sc_reqsk_check() ? 1 : 0;
	return nf_synproxy_check() ? 1 : 0;
}
