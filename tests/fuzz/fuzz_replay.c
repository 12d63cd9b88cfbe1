// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for `xdpct replay`: the capture reader (libpcap plus
 * pcap_src.c's link-layer conversion and header walk) and the packet path
 * (snap-length handling, splitting of oversize packets, the test run of
 * the real XDP program, ring-buffer events and their printing).
 *
 * Two kinds of input:
 *  - a whole capture (starts with a pcap or pcapng magic number): read from
 *    memory with fmemopen(), every packet replayed;
 *  - anything else: byte 0 picks a link type, byte 1 how much longer the
 *    packet was on the wire, the rest is one packet of that link type.
 *    This reaches the conversions without getting through libpcap first.
 *
 * The datapath is loaded twice (needs root, like replay): with the
 * defaults, and with --strip-vlan, --drop-invalid, --drop-window and short
 * timeouts; the input's length picks one.  With XDPCT_FUZZ_NO_BPF=1 only
 * the userspace part runs.  Build and run:
 * `make fuzz-replay` (fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/format.h"
#include "replay/engine.h"

static struct replay *engines[2], *r;
static FILE *devnull;
static uint64_t execs;
static uint8_t frame[PCAP_SRC_MAX_FRAME];

static void on_event(void *ctx, const struct xdpct_event *e, uint64_t pkt, bool sweep)
{
	/* both output formats, on whatever the datapath reported */
	xdpct_print_event(devnull, e, false);
	xdpct_print_event(devnull, e, true);
}

static void on_warn(void *ctx, const char *msg)
{
	fputs(msg, devnull);
}

static void on_flow(void *ctx, const struct xdpct_flow_key *k, const struct xdpct_flow *v)
{
	xdpct_flows_entry(devnull, k, v, replay_now(r), false);
	xdpct_flows_entry(devnull, k, v, replay_now(r), true);
}

static struct replay *load(bool variant)
{
	struct replay_opts ro = { 0 };
	char err[512];
	struct replay *e;

	attach_opts_init(&ro.ao);
	ro.ao.flows = 1024;		/* small: eviction gets exercised too */
	if (variant) {
		ro.strip_vlan = true;
		ro.ao.cfg.drop_invalid = 1;
		ro.ao.cfg.drop_window = 1;
		ro.ao.cfg.time_wait_ns = 1000000000ULL;
		ro.ao.cfg.syn_ns = 2000000000ULL;
		ro.ao.cfg.closing_ns = 2000000000ULL;
		ro.ao.cfg.close_ns = 500000000ULL;
		ro.ao.cfg.sweep_ns = 100000000ULL;
	}
	ro.on_event = on_event;
	ro.on_warn = on_warn;
	e = replay_new(&ro, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "fuzz_replay: %s (run as root, or set XDPCT_FUZZ_NO_BPF=1)\n", err);
		exit(1);
	}
	return e;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	if (getenv("XDPCT_FUZZ_NO_BPF"))
		return 0;
	engines[0] = load(false);
	engines[1] = load(true);
	return 0;
}

static void one_frame(const uint8_t *f, uint32_t len, uint64_t ts, uint64_t pkt)
{
	struct frame_hdrs h;

	frame_walk(f, len, &h);
	if (h.cut && len >= h.l3 && h.l3 > PCAP_SRC_MAX_FRAME)
		abort();		/* offsets stay inside the frame */
	if (r && replay_frame(r, f, len, ts, pkt))
		abort();		/* the kernel refused a test run: a bug */
}

static int is_capture(const uint8_t *d, size_t n)
{
	static const uint8_t magics[][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },	/* pcap us */
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },	/* pcap ns */
		{ 0x0a, 0x0d, 0x0d, 0x0a },				/* pcapng */
	};
	size_t i;

	for (i = 0; n >= 4 && i < sizeof(magics) / sizeof(magics[0]); i++)
		if (!memcmp(d, magics[i], 4))
			return 1;
	return 0;
}

static void fuzz_capture(const uint8_t *data, size_t size)
{
	struct pcap_src *src;
	struct pcap_frame fr;
	char err[512];
	FILE *f;
	int rc;

	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return;
	src = pcap_src_fopen(f, "fuzz", err, sizeof(err));
	if (!src)
		return;			/* the stream was closed by pcap_src_fopen */
	fprintf(devnull, "%d %s\n", pcap_src_linktype(src), pcap_src_linktype_name(src));
	if (r) {
		/* the loop `xdpct replay` runs: read, skip, replay, stop */
		if (replay_source(r, src))
			abort();	/* the kernel refused a test run: a bug */
	} else {
		while ((rc = pcap_src_next(src, &fr)) != PCAP_SRC_END && rc != PCAP_SRC_ERROR) {
			if (rc == PCAP_SRC_SKIP) {
				fputs(pcap_src_msg(src), devnull);
				continue;
			}
			if (fr.caplen > fr.len || fr.len > PCAP_SRC_MAX_FRAME)
				abort();
			one_frame(fr.data, fr.len, fr.ts_ns, fr.num);
		}
	}
	pcap_src_close(src);
}

static void fuzz_packet(const uint8_t *data, size_t size)
{
	static const int dlts[] = { 1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 105 };
	uint32_t len, cap, wire;
	char msg[256];
	int rc;

	if (size < 2)
		return;
	cap = size - 2;
	wire = cap + (data[1] & 0x80 ? data[1] & 0x7f : 0);
	rc = pcap_src_to_eth(dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))], data + 2, cap,
			     wire, frame, sizeof(frame), &len, &cap, msg, sizeof(msg));
	if (rc != PCAP_SRC_FRAME)
		return;
	if (cap > len || len > sizeof(frame))
		abort();
	one_frame(frame, len, execs * 1000000ULL, execs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	execs++;
	r = engines[size & 1];
	if (is_capture(data, size))
		fuzz_capture(data, size);
	else
		fuzz_packet(data, size);
	if (r && execs % 1024 == 0) {
		/* the end of a replay, now and then: last sweep, counters, table */
		if (replay_finish(r))
			abort();
		replay_flows(r, on_flow, NULL);
	}
	return 0;
}
