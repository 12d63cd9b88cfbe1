/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Capture files (pcap in micro- or nanoseconds, pcapng) read through
 * libpcap and handed out as Ethernet frames with nanosecond timestamps, the
 * form the XDP datapath takes.  Also the header walk replay needs to tell a
 * snapped (cut) TCP header from a malformed one.
 */
#ifndef XDPCT_PCAP_SRC_H
#define XDPCT_PCAP_SRC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Largest frame handed out: an IP datagram (64 KiB) behind an Ethernet
 * header and two VLAN tags, with room for an Ethernet trailer.  A packet
 * whose recorded wire length is larger is taken at its captured length.
 */
#define PCAP_SRC_MAX_FRAME (65535 + 14 + 8 + 64)

enum pcap_src_result {
	PCAP_SRC_FRAME = 0,	/* the frame is in *fr */
	PCAP_SRC_SKIP,		/* this packet cannot be replayed: pcap_src_msg() */
	PCAP_SRC_END,		/* no more packets */
	PCAP_SRC_ERROR,		/* the file cannot be read on: pcap_src_msg() */
};

struct pcap_frame {
	const uint8_t *data;	/* Ethernet frame; valid until the next call */
	uint32_t len;		/* frame length as on the wire */
	uint32_t caplen;	/* bytes of it that came from the capture; the
				 * rest (a snapped payload) is zero-filled */
	uint64_t ts_ns;		/* capture time, ns since the epoch */
	uint64_t num;		/* packet number in the file, from 1 */
};

struct pcap_src;

/* NULL and a message in err when the file cannot be opened or used. */
struct pcap_src *pcap_src_open(const char *path, char *err, size_t errlen);
/* The same from a stream (the fuzzer's in-memory file); takes f over. */
struct pcap_src *pcap_src_fopen(FILE *f, const char *name, char *err, size_t errlen);
int pcap_src_next(struct pcap_src *s, struct pcap_frame *fr);
/* Why the last call said SKIP or ERROR; starts with "packet N: ". */
const char *pcap_src_msg(const struct pcap_src *s);
/* Link type of the file (DLT_*) and its name. */
int pcap_src_linktype(const struct pcap_src *s);
const char *pcap_src_linktype_name(const struct pcap_src *s);
void pcap_src_close(struct pcap_src *s);

/* 1 if xdpct replay can read this link type. */
int pcap_src_dlt_supported(int dlt);

/*
 * One link-layer packet to an Ethernet frame in out[outsz] (outsz >=
 * PCAP_SRC_MAX_FRAME).  caplen bytes were captured of wirelen.  Returns
 * PCAP_SRC_FRAME with *len / *caplen_out set, or PCAP_SRC_SKIP with a reason
 * (without the "packet N: " prefix) in msg.
 */
int pcap_src_to_eth(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
		    uint8_t *out, size_t outsz, uint32_t *len, uint32_t *caplen_out,
		    char *msg, size_t msglen);

/* Where the headers of an Ethernet frame are, as the datapath parses them. */
struct frame_hdrs {
	uint32_t l3;		/* IP header offset */
	uint32_t l4;		/* TCP header offset */
	uint32_t l4_end;	/* end of the TCP header and its options */
	uint32_t ip_end;	/* l3 + the IP datagram's length per its header */
	uint8_t family;		/* 4, 6; 0: not IP */
	uint8_t tcp;		/* a TCP header follows (whole or first fragment) */
	uint8_t frag;		/* the datagram is a fragment */
	uint8_t pad;
	const char *cut;	/* the header that runs past the captured bytes,
				 * NULL if none does */
};

/*
 * Walk Ethernet, up to two VLAN tags, IPv4 / IPv6 and its extension
 * headers, and TCP over the first caplen bytes of f.  Fills *h; h->cut
 * names the first header needed to reach the TCP header's end that is not
 * complete within caplen.  Malformed headers just end the walk: judging
 * them is the datapath's job.
 */
void frame_walk(const uint8_t *f, uint32_t caplen, struct frame_hdrs *h);

#endif /* XDPCT_PCAP_SRC_H */
