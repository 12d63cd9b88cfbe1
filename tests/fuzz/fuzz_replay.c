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
 * The datapath is loaded once (needs root, like replay); with
 * XDPCT_FUZZ_NO_BPF=1 only the userspace part runs.  Build and run:
 * `make fuzz-replay` (fuzz.mk).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "user/replay.h"

#define MAX_PKTS_PER_INPUT 512

static struct replay *r;
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct replay_opts ro = { 0 };
	char err[512];

	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	if (getenv("XDPCT_FUZZ_NO_BPF"))
		return 0;
	attach_opts_init(&ro.ao);
	ro.ao.flows = 1024;		/* small: eviction gets exercised too */
	ro.on_event = on_event;
	ro.on_warn = on_warn;
	r = replay_new(&ro, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "fuzz_replay: %s (run as root, or set XDPCT_FUZZ_NO_BPF=1)\n", err);
		exit(1);
	}
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
	int rc, n = 0;

	f = fmemopen((void *)data, size, "rb");
	if (!f)
		return;
	src = pcap_src_fopen(f, "fuzz", err, sizeof(err));
	if (!src)
		return;			/* fmemopen stream closed by pcap_src_fopen */
	while (n++ < MAX_PKTS_PER_INPUT) {
		rc = pcap_src_next(src, &fr);
		if (rc == PCAP_SRC_END || rc == PCAP_SRC_ERROR)
			break;
		if (rc == PCAP_SRC_SKIP) {
			fputs(pcap_src_msg(src), devnull);
			continue;
		}
		if (fr.caplen > fr.len || fr.len > PCAP_SRC_MAX_FRAME)
			abort();
		one_frame(fr.data, fr.len, fr.ts_ns, fr.num);
	}
	fprintf(devnull, "%d %s\n", pcap_src_linktype(src), pcap_src_linktype_name(src));
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
	if (is_capture(data, size))
		fuzz_capture(data, size);
	else
		fuzz_packet(data, size);
	if (r && execs % 4096 == 0)
		replay_flows(r, on_flow, NULL);	/* the table dump path, now and then */
	return 0;
}
