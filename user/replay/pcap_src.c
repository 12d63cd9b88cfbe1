// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Capture reader for `xdpct replay`: libpcap does the file formats (pcap in
 * micro- or nanoseconds, pcapng); this file turns each packet of a
 * supported link type into the Ethernet frame the XDP program expects.
 *
 * Every length here comes from the file and is checked before use: the
 * fuzzer (tests/fuzz/) feeds this code arbitrary bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include "pcap_src.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_IPV6_	0x86DD
#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8

struct pcap_src {
	pcap_t *p;
	int dlt;
	uint64_t num;		/* packets read so far */
	int done;
	uint8_t *buf;		/* PCAP_SRC_MAX_FRAME bytes */
	char msg[512];
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pcap_src_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	}
	return 0;
}

/* ---- header walk ------------------------------------------------------ */

/* IPv4 header at off; returns 1 and the TCP span if TCP follows. */
static int walk_ipv4(const uint8_t *f, uint32_t cap, uint32_t off, struct frame_hdrs *h,
		     uint32_t *l4, uint32_t *l4len)
{
	uint32_t ihl, tot;
	uint16_t frag;

	if (cap < off + 20) {
		h->cut = "IPv4 header";
		return 0;
	}
	if (f[off] >> 4 != 4)
		return 0;
	ihl = (f[off] & 0x0f) * 4u;
	tot = be16(f + off + 2);
	if (ihl < 20 || tot < ihl)
		return 0;		/* malformed: the datapath counts it */
	if (cap < off + ihl) {
		h->cut = "IPv4 options";
		return 0;
	}
	h->family = 4;
	h->ip_end = off + tot;
	if (f[off + 9] != 6)
		return 0;
	frag = be16(f + off + 6);
	if (frag & 0x3fff)
		h->frag = 1;
	if (frag & 0x1fff)
		return 0;		/* a later fragment has no TCP header */
	*l4 = off + ihl;
	*l4len = tot - ihl;
	return 1;
}

/* IPv6 header and extension chain at off, the way bpf/parse.h walks it. */
static int walk_ipv6(const uint8_t *f, uint32_t cap, uint32_t off, struct frame_hdrs *h,
		     uint32_t *l4, uint32_t *l4len)
{
	uint32_t plen, used = 0, p = off + 40, len;
	uint8_t nh;
	int i;

	if (cap < off + 40) {
		h->cut = "IPv6 header";
		return 0;
	}
	if (f[off] >> 4 != 6)
		return 0;
	plen = be16(f + off + 4);
	h->family = 6;
	h->ip_end = off + 40 + plen;
	nh = f[off + 6];
	for (i = 0; i < 8 && nh != 6; i++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			return 0;
		if (cap < p + 8) {
			h->cut = "IPv6 extension header";
			return 0;
		}
		if (nh == 44) {
			h->frag = 1;
			if (be16(f + p + 2) & 0xfff8)
				return 0;
			len = 8;
		} else if (nh == 51) {
			len = (f[p + 1] + 2u) * 4;
		} else {
			len = (f[p + 1] + 1u) * 8;
		}
		nh = f[p];
		used += len;
		if (used > plen)
			return 0;
		p += len;
	}
	if (nh != 6)
		return 0;
	*l4 = p;
	*l4len = plen - used;
	return 1;
}

void frame_walk(const uint8_t *f, uint32_t cap, struct frame_hdrs *h)
{
	uint32_t off = ETH_HLEN_, l4 = 0, l4len = 0, doff;
	uint16_t proto;
	int i, tcp;

	memset(h, 0, sizeof(*h));
	if (cap < ETH_HLEN_) {
		h->cut = "Ethernet header";
		return;
	}
	proto = be16(f + 12);
	for (i = 0; i < 2 && (proto == ETH_P_8021Q_ || proto == ETH_P_8021AD_); i++) {
		if (cap < off + 4) {
			h->cut = "VLAN tag";
			return;
		}
		proto = be16(f + off + 2);
		off += 4;
	}
	h->l3 = off;
	if (proto == ETH_P_IP_)
		tcp = walk_ipv4(f, cap, off, h, &l4, &l4len);
	else if (proto == ETH_P_IPV6_)
		tcp = walk_ipv6(f, cap, off, h, &l4, &l4len);
	else
		return;
	if (!tcp || l4len < 20)
		return;
	h->tcp = 1;
	h->l4 = l4;
	if (cap < l4 + 20) {
		h->cut = "TCP header";
		return;
	}
	doff = (f[l4 + 12] >> 4) * 4u;
	if (doff < 20 || doff > l4len)
		return;
	h->l4_end = l4 + doff;
	if (cap < l4 + doff)
		h->cut = "TCP options";
}

/*
 * An IPv4 total length of 0 is a TSO/GSO super-frame recorded on the
 * sending host, before segmentation wrote each piece's length: take it at
 * the recorded length, as tcpdump (ip_print(): "we guess that it is a TSO
 * send") and Wireshark do.  The header checksum is recomputed over the
 * length written.  1 if the frame was changed.
 */
static int fix_ipv4_len0(uint8_t *f, uint32_t cap, uint32_t wire)
{
	uint32_t off = ETH_HLEN_, ihl, len, sum = 0, i;
	uint16_t proto;
	int n;

	if (cap < ETH_HLEN_)
		return 0;
	proto = be16(f + 12);
	for (n = 0; n < 2 && (proto == ETH_P_8021Q_ || proto == ETH_P_8021AD_); n++) {
		if (cap < off + 4)
			return 0;
		proto = be16(f + off + 2);
		off += 4;
	}
	if (proto != ETH_P_IP_ || cap < off + 20 || f[off] >> 4 != 4 || be16(f + off + 2))
		return 0;
	ihl = (f[off] & 0x0f) * 4u;
	len = wire - off;
	if (len > 0xffff)
		len = 0xffff;
	if (ihl < 20 || len < ihl || cap < off + ihl)
		return 0;
	f[off + 2] = len >> 8;
	f[off + 3] = len & 0xff;
	f[off + 10] = f[off + 11] = 0;
	for (i = 0; i < ihl; i += 2)
		sum += (uint32_t)f[off + i] << 8 | f[off + i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[off + 10] = (~sum >> 8) & 0xff;
	f[off + 11] = ~sum & 0xff;
	return 1;
}

/* ---- link layer to Ethernet ------------------------------------------- */

/* BSD loopback: the address family, in either byte order. */
static uint16_t loop_ethertype(const uint8_t *p)
{
	uint32_t fam = be32(p);

	if (fam > 0xffff)
		fam = __builtin_bswap32(fam);
	switch (fam) {
	case 2:			/* AF_INET everywhere */
		return ETH_P_IP_;
	case 24:		/* AF_INET6: NetBSD, OpenBSD, BSD/OS */
	case 28:		/* FreeBSD, DragonFly */
	case 30:		/* macOS */
		return ETH_P_IPV6_;
	}
	return 0;		/* not IP: the datapath passes it as non-TCP */
}

static void put_eth(uint8_t *out, const uint8_t *src_mac, uint16_t etype)
{
	memset(out, 0, 12);
	if (src_mac)
		memcpy(out + 6, src_mac, 6);
	out[12] = etype >> 8;
	out[13] = etype & 0xff;
}

int pcap_src_to_eth(int dlt, const uint8_t *pkt, uint32_t caplen, uint32_t wirelen,
		    uint8_t *out, size_t outsz, uint32_t *len, uint32_t *caplen_out,
		    char *msg, size_t msglen)
{
	const uint8_t *mac = NULL;
	const char *what = NULL;
	uint64_t cap, wire;		/* 64 bits: a recorded length may be ~4 GiB */
	uint32_t hdr = 0;
	uint16_t etype = 0;
	struct frame_hdrs h;

	if (outsz < PCAP_SRC_MAX_FRAME) {
		snprintf(msg, msglen, "internal error: frame buffer too small");
		return PCAP_SRC_SKIP;
	}
	if (wirelen < caplen)		/* a writer that recorded less than it kept */
		wirelen = caplen;

	switch (dlt) {
	case DLT_EN10MB:
		break;
	case DLT_LINUX_SLL:
		hdr = 16;
		what = "Linux cooked (v1) header";
		if (caplen >= hdr) {
			etype = be16(pkt + 14);
			if (be16(pkt + 4) == 6)
				mac = pkt + 6;
		}
		break;
	case DLT_LINUX_SLL2:
		hdr = 20;
		what = "Linux cooked (v2) header";
		if (caplen >= hdr) {
			etype = be16(pkt);
			if (pkt[11] == 6)
				mac = pkt + 12;
		}
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (dlt == DLT_IPV6 || (dlt == DLT_RAW && caplen && pkt[0] >> 4 == 6))
			etype = ETH_P_IPV6_;
		else
			etype = ETH_P_IP_;	/* the datapath judges a bad version */
		if (!caplen && wirelen) {
			snprintf(msg, msglen, "snap length cut the IP header "
				 "(0 of %u bytes captured)", wirelen);
			return PCAP_SRC_SKIP;
		}
		break;
	case DLT_NULL:
	case DLT_LOOP:
		hdr = 4;
		what = "BSD loopback header";
		if (caplen >= hdr)
			etype = loop_ethertype(pkt);
		break;
	default:
		snprintf(msg, msglen, "unsupported link type %d", dlt);
		return PCAP_SRC_SKIP;
	}

	if (what && wirelen < hdr) {
		snprintf(msg, msglen, "%u bytes: too short for a %s", wirelen, what);
		return PCAP_SRC_SKIP;
	}
	if (what && caplen < hdr) {
		snprintf(msg, msglen, "snap length cut the %s (%u of %u bytes captured)",
			 what, caplen, wirelen);
		return PCAP_SRC_SKIP;
	}

	if (dlt == DLT_EN10MB) {
		cap = caplen;
		wire = wirelen;
		if (cap > outsz)
			cap = outsz;
		memcpy(out, pkt, cap);
	} else {
		cap = (uint64_t)caplen - hdr + ETH_HLEN_;
		wire = (uint64_t)wirelen - hdr + ETH_HLEN_;
		if (cap > outsz)
			cap = outsz;
		put_eth(out, mac, etype);
		memcpy(out + ETH_HLEN_, pkt + hdr, (size_t)cap - ETH_HLEN_);
	}
	if (wire > outsz)
		wire = outsz;		/* a recorded length no link carries */
	if (wire > PCAP_SRC_MAX_FRAME)
		wire = PCAP_SRC_MAX_FRAME;
	if (cap > wire)
		cap = wire;
	fix_ipv4_len0(out, cap, wire);

	if (cap < wire) {
		/*
		 * The capture's snap length cut this packet.  If what was
		 * kept holds every header up to the end of TCP's, the
		 * datapath decides the same as on the wire: it reads no
		 * payload, only its length, so the cut payload is
		 * zero-filled.  A cut header cannot be judged: skip it.
		 */
		frame_walk(out, cap, &h);
		if (h.cut) {
			snprintf(msg, msglen, "snap length cut the %s (%u of %u bytes "
				 "captured)", h.cut, caplen, wirelen);
			return PCAP_SRC_SKIP;
		}
		memset(out + cap, 0, wire - cap);
	}
	*len = wire;
	*caplen_out = cap;
	return PCAP_SRC_FRAME;
}

/* ---- the file --------------------------------------------------------- */

static struct pcap_src *src_new(pcap_t *p, const char *name, char *err, size_t errlen)
{
	struct pcap_src *s;
	int dlt = pcap_datalink(p);

	if (!pcap_src_dlt_supported(dlt)) {
		const char *n = pcap_datalink_val_to_name(dlt);
		const char *d = pcap_datalink_val_to_description(dlt);

		snprintf(err, errlen, "%s: link type %d (%s%s%s) is not supported; replay "
			 "reads Ethernet, Linux cooked capture v1 and v2, raw IP and BSD "
			 "loopback", name, dlt, n ? n : "unknown", d ? ", " : "", d ? d : "");
		pcap_close(p);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->buf = malloc(PCAP_SRC_MAX_FRAME);
	if (!s || !s->buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (s)
			free(s);
		pcap_close(p);
		return NULL;
	}
	s->p = p;
	s->dlt = dlt;
	return s;
}

struct pcap_src *pcap_src_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		/* libpcap names the file itself for errors from open() */
		if (!strncmp(perr, path, strlen(path)))
			snprintf(err, errlen, "%s", perr);
		else
			snprintf(err, errlen, "%s: %s", path, perr);
		return NULL;
	}
	return src_new(p, path, err, errlen);
}

struct pcap_src *pcap_src_fopen(FILE *f, const char *name, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;

	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		fclose(f);	/* libpcap leaves a stream it could not use open */
		snprintf(err, errlen, "%s: %s", name, perr);
		return NULL;
	}
	return src_new(p, name, err, errlen);
}

static uint64_t ts_ns(const struct timeval *tv)
{
	/* with PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds */
	uint64_t sec = tv->tv_sec < 0 ? 0 : (uint64_t)tv->tv_sec;
	uint64_t frac = tv->tv_usec < 0 ? 0 : (uint64_t)tv->tv_usec;

	if (sec > UINT64_MAX / 1000000000ULL - 1)
		return UINT64_MAX - 1000000000ULL;	/* corrupt: keep it finite */
	return sec * 1000000000ULL + frac;
}

int pcap_src_next(struct pcap_src *s, struct pcap_frame *fr)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	uint32_t len, cap;
	char why[256];
	int r;

	if (s->done)
		return PCAP_SRC_END;
	r = pcap_next_ex(s->p, &ph, &data);
	if (r == PCAP_ERROR_BREAK) {
		s->done = 1;
		return PCAP_SRC_END;
	}
	if (r != 1) {
		/* a cut or corrupt record: libpcap cannot find the next one */
		snprintf(s->msg, sizeof(s->msg), "packet %llu: %s",
			 (unsigned long long)s->num + 1, pcap_geterr(s->p));
		s->done = 1;
		return PCAP_SRC_ERROR;
	}
	s->num++;
	fr->num = s->num;
	fr->ts_ns = ts_ns(&ph->ts);
	r = pcap_src_to_eth(s->dlt, data, ph->caplen, ph->len, s->buf, PCAP_SRC_MAX_FRAME,
			    &len, &cap, why, sizeof(why));
	if (r != PCAP_SRC_FRAME) {
		snprintf(s->msg, sizeof(s->msg), "packet %llu: %s",
			 (unsigned long long)s->num, why);
		return r;
	}
	fr->data = s->buf;
	fr->len = len;
	fr->caplen = cap;
	return PCAP_SRC_FRAME;
}

const char *pcap_src_msg(const struct pcap_src *s)
{
	return s->msg;
}

int pcap_src_linktype(const struct pcap_src *s)
{
	return s->dlt;
}

const char *pcap_src_linktype_name(const struct pcap_src *s)
{
	const char *n = pcap_datalink_val_to_name(s->dlt);

	return n ? n : "unknown";
}

void pcap_src_close(struct pcap_src *s)
{
	if (!s)
		return;
	pcap_close(s->p);
	free(s->buf);
	free(s);
}
