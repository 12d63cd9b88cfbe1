// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Packet builder for the datapath tests: see pkt.h. */
#include <string.h>
#include <arpa/inet.h>
#include "pkt.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void spec_base(struct pkt_spec *s, __u16 sport, __u16 dport)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->smac, mac_a, 6);
	memcpy(s->dmac, mac_b, 6);
	s->proto = IPPROTO_TCP;
	s->sport = sport;
	s->dport = dport;
	s->win = 65535;
}

void pkt_spec_v4(struct pkt_spec *s, const char *src, const char *dst,
		 __u16 sport, __u16 dport)
{
	spec_base(s, sport, dport);
	s->family = 4;
	inet_pton(AF_INET, src, s->saddr);
	inet_pton(AF_INET, dst, s->daddr);
}

void pkt_spec_v6(struct pkt_spec *s, const char *src, const char *dst,
		 __u16 sport, __u16 dport)
{
	spec_base(s, sport, dport);
	s->family = 6;
	inet_pton(AF_INET6, src, s->saddr);
	inet_pton(AF_INET6, dst, s->daddr);
}

void pkt_spec_arp(struct pkt_spec *s, const char *sip, const char *tip)
{
	static __u8 arp[28];

	spec_base(s, 0, 0);
	memset(s->dmac, 0xff, 6);
	s->family = 0;
	s->ethertype = PKT_ETH_ARP;
	memset(arp, 0, sizeof(arp));
	arp[1] = 1;			/* htype Ethernet */
	arp[2] = 0x08;			/* ptype IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	arp[7] = 1;			/* request */
	memcpy(arp + 8, mac_a, 6);
	inet_pton(AF_INET, sip, arp + 14);
	inet_pton(AF_INET, tip, arp + 24);
	s->payload = arp;
	s->payload_len = sizeof(arp);
}

void pkt_spec_reverse(struct pkt_spec *s)
{
	__u8 t[16];
	__u16 p;

	memcpy(t, s->smac, 6);
	memcpy(s->smac, s->dmac, 6);
	memcpy(s->dmac, t, 6);
	memcpy(t, s->saddr, 16);
	memcpy(s->saddr, s->daddr, 16);
	memcpy(s->daddr, t, 16);
	p = s->sport;
	s->sport = s->dport;
	s->dport = p;
}

void pkt_spec_vlans(struct pkt_spec *s, int n, const __u16 *ids)
{
	int i;

	s->nvlan = n;
	for (i = 0; i < n && i < PKT_MAX_VLAN; i++)
		s->vlan[i] = ids[i];
}

void pkt_spec_add_ext(struct pkt_spec *s, __u8 type, __u8 hlen)
{
	if (s->next >= PKT_MAX_EXT)
		return;
	s->ext[s->next].type = type;
	s->ext[s->next].hlen = hlen;
	s->next++;
}

void pkt_spec_add_frag(struct pkt_spec *s, __u16 off, int mf)
{
	if (s->next >= PKT_MAX_EXT)
		return;
	s->ext[s->next].type = PKT_EXT_FRAG;
	s->ext[s->next].frag_off = off;
	s->ext[s->next].mf = !!mf;
	s->next++;
}

void pkt_opt_raw(struct pkt_spec *s, const __u8 *bytes, int n)
{
	if (s->tcp_opts_len + n > 40)
		return;
	memcpy(s->tcp_opts + s->tcp_opts_len, bytes, n);
	s->tcp_opts_len += n;
}

void pkt_opt_nop(struct pkt_spec *s)
{
	const __u8 o[] = { 1 };

	pkt_opt_raw(s, o, sizeof(o));
}

void pkt_opt_mss(struct pkt_spec *s, __u16 mss)
{
	const __u8 o[] = { 2, 4, mss >> 8, mss & 0xff };

	pkt_opt_raw(s, o, sizeof(o));
}

void pkt_opt_wscale(struct pkt_spec *s, __u8 shift)
{
	const __u8 o[] = { 3, 3, shift };

	pkt_opt_raw(s, o, sizeof(o));
}

void pkt_opt_sackperm(struct pkt_spec *s)
{
	const __u8 o[] = { 4, 2 };

	pkt_opt_raw(s, o, sizeof(o));
}

void pkt_opt_ts(struct pkt_spec *s, __u32 tsval, __u32 tsecr)
{
	const __u8 o[] = { 8, 10, tsval >> 24, tsval >> 16, tsval >> 8, tsval,
			   tsecr >> 24, tsecr >> 16, tsecr >> 8, tsecr };

	pkt_opt_raw(s, o, sizeof(o));
}

void pkt_opts_linux_syn(struct pkt_spec *s, __u16 mss, __u8 wscale)
{
	pkt_opts_clear(s);
	pkt_opt_mss(s, mss);
	pkt_opt_sackperm(s);
	pkt_opt_ts(s, 0x01020304, 0);
	pkt_opt_nop(s);
	pkt_opt_wscale(s, wscale);
}

void pkt_opts_clear(struct pkt_spec *s)
{
	s->tcp_opts_len = 0;
	memset(s->tcp_opts, 0, sizeof(s->tcp_opts));
}

/* ---- checksums ---------------------------------------------------------- */

static __u32 csum_add(const void *data, size_t len, __u32 sum)
{
	const __u8 *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

__u16 pkt_csum(const void *data, size_t len, __u32 sum)
{
	return csum_fold(csum_add(data, len, sum));
}

static __u32 pseudo_sum(const struct pkt_spec *s, __u8 proto, __u32 l4len)
{
	__u32 sum = 0;

	if (s->family == 4) {
		sum = csum_add(s->saddr, 4, sum);
		sum = csum_add(s->daddr, 4, sum);
		sum += proto + l4len;
	} else {
		sum = csum_add(s->saddr, 16, sum);
		sum = csum_add(s->daddr, 16, sum);
		sum += (l4len >> 16) + (l4len & 0xffff) + proto;
	}
	return sum;
}

/* ---- building ----------------------------------------------------------- */

static void put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(__u8 *b, __u32 v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static __u32 ext_len(const struct pkt_ext *e)
{
	switch (e->type) {
	case PKT_EXT_FRAG:
		return 8;
	case PKT_EXT_AH:
		return ((__u32)(e->hlen ? e->hlen : 4) + 2) * 4;
	default:
		return ((__u32)e->hlen + 1) * 8;
	}
}

/* Body of one extension header (after next-header and length bytes). */
static void ext_fill(__u8 *h, const struct pkt_ext *e, __u32 len)
{
	__u32 i;

	switch (e->type) {
	case PKT_EXT_FRAG:
		h[1] = 0;
		put16(h + 2, (e->frag_off << 3) | e->mf);
		put32(h + 4, 0x12345678);	/* identification */
		break;
	case PKT_EXT_AH:
		h[1] = e->hlen ? e->hlen : 4;
		put32(h + 4, 0x1000);		/* SPI */
		put32(h + 8, 1);		/* sequence */
		break;
	case PKT_EXT_ROUTING:
		h[1] = e->hlen;
		h[2] = 253;			/* experimental routing type */
		h[3] = 0;			/* segments left: nothing to do */
		break;
	default:				/* options headers: PadN fill */
		h[1] = e->hlen;
		for (i = 2; i < len; ) {
			__u32 n = len - i > 257 ? 257 : len - i;

			if (len - i - n == 1)	/* never leave a lone byte */
				n--;
			h[i] = 1;		/* PadN: type, length, zeros */
			h[i + 1] = n - 2;
			i += n;
		}
		break;
	}
}

static void fill_payload(__u8 *b, const struct pkt_spec *s)
{
	__u32 i;

	if (s->payload) {
		memcpy(b, s->payload, s->payload_len);
		return;
	}
	for (i = 0; i < s->payload_len; i++)
		b[i] = (__u8)(i * 7 + 1);
}

/* L4 header + payload at b; returns its length, *hl the header's. */
static __u32 build_l4(__u8 *b, const struct pkt_spec *s, int later_frag, __u32 *hlp)
{
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	__u32 hl, len;
	__u16 c;

	*hlp = 0;
	if (later_frag) {
		fill_payload(b, s);
		return s->payload_len;
	}
	switch (proto) {
	case IPPROTO_TCP:
		hl = 20 + ((s->tcp_opts_len + 3) & ~3u);
		len = hl + s->payload_len;
		memset(b, 0, hl);
		put16(b, s->sport);
		put16(b + 2, s->dport);
		put32(b + 4, s->seq);
		put32(b + 8, s->ack);
		b[12] = (hl / 4) << 4;
		b[13] = s->flags;
		put16(b + 14, s->win);
		memcpy(b + 20, s->tcp_opts, s->tcp_opts_len);
		fill_payload(b + hl, s);
		c = pkt_csum(b, len, pseudo_sum(s, IPPROTO_TCP, len));
		put16(b + 16, c);
		*hlp = hl;
		return len;
	case IPPROTO_UDP:
		len = 8 + s->payload_len;
		put16(b, s->sport);
		put16(b + 2, s->dport);
		put16(b + 4, len);
		put16(b + 6, 0);
		fill_payload(b + 8, s);
		c = pkt_csum(b, len, pseudo_sum(s, IPPROTO_UDP, len));
		put16(b + 6, c ? c : 0xffff);
		*hlp = 8;
		return len;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		len = 8 + s->payload_len;
		memset(b, 0, 8);
		b[0] = proto == IPPROTO_ICMP ? 8 : 128;	/* echo request */
		put16(b + 4, 0x4242);
		put16(b + 6, 1);
		fill_payload(b + 8, s);
		c = proto == IPPROTO_ICMP ? pkt_csum(b, len, 0) :
		    pkt_csum(b, len, pseudo_sum(s, IPPROTO_ICMPV6, len));
		put16(b + 2, c);
		*hlp = 8;
		return len;
	default:
		fill_payload(b, s);
		return s->payload_len;
	}
}

int pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	__u8 *b = p->buf;
	__u32 off, i, bound;

	memset(p, 0, sizeof(*p));
	/* everything written below fits in this bound: check it first */
	bound = 14 + 4 * PKT_MAX_VLAN + 60 + 60 + s->payload_len;
	for (i = 0; i < s->next && i < PKT_MAX_EXT; i++)
		bound += ext_len(&s->ext[i]);
	if (bound > PKT_MAX)
		return -1;
	memcpy(b, s->dmac, 6);
	memcpy(b + 6, s->smac, 6);
	off = 12;
	for (i = 0; i < s->nvlan && i < PKT_MAX_VLAN; i++) {
		__u16 tpid = s->tpid[i];

		if (!tpid)
			tpid = (s->nvlan > 1 && i == 0) ? PKT_ETH_8021AD : PKT_ETH_8021Q;
		put16(b + off, tpid);
		p->vlan_off[i] = off;
		put16(b + off + 2, s->vlan[i]);
		off += 4;
	}

	if (s->family == 0) {
		put16(b + off, s->ethertype);
		off += 2;
		p->l3_off = off;
		fill_payload(b + off, s);
		p->len = off + s->payload_len;
		return p->len;
	}

	put16(b + off, s->family == 4 ? PKT_ETH_IP : PKT_ETH_IPV6);
	off += 2;
	p->l3_off = off;
	if (s->family == 4) {
		__u32 ihl = 20 + ((s->ip_opts_len + 3) & ~3u), l4, hl;
		__u16 frag = s->frag_off | (s->mf ? 0x2000 : 0) | (s->df ? 0x4000 : 0);

		memset(b + off, 0, ihl);
		b[off] = 0x40 | ihl / 4;
		b[off + 1] = s->tos;
		put16(b + off + 4, s->ip_id ? s->ip_id : 0x4242);
		put16(b + off + 6, frag);
		b[off + 8] = s->ttl ? s->ttl : 64;
		b[off + 9] = proto;
		memcpy(b + off + 12, s->saddr, 4);
		memcpy(b + off + 16, s->daddr, 4);
		memcpy(b + off + 20, s->ip_opts, s->ip_opts_len);
		l4 = build_l4(b + off + ihl, s, s->frag_off != 0, &hl);
		p->l4_off = s->frag_off ? 0 : off + ihl;
		p->data_off = off + ihl + hl;
		p->ip_len = ihl + l4;
		put16(b + off + 2, p->ip_len);
		put16(b + off + 10, pkt_csum(b + off, ihl, 0));
	} else {
		__u32 l3 = off, l4, e, hl;
		int later = 0;

		memset(b + off, 0, 40);
		b[off] = 0x60 | s->tos >> 4;
		b[off + 1] = (s->tos & 0xf) << 4;
		b[off + 6] = s->next ? s->ext[0].type : proto;
		b[off + 7] = s->ttl ? s->ttl : 64;
		memcpy(b + off + 8, s->saddr, 16);
		memcpy(b + off + 24, s->daddr, 16);
		off += 40;
		for (e = 0; e < s->next && e < PKT_MAX_EXT; e++) {
			__u32 len = ext_len(&s->ext[e]);

			memset(b + off, 0, len);
			b[off] = e + 1 < s->next ? s->ext[e + 1].type : proto;
			ext_fill(b + off, &s->ext[e], len);
			if (s->ext[e].type == PKT_EXT_FRAG && s->ext[e].frag_off)
				later = 1;
			p->ext_off[e] = off;
			off += len;
		}
		l4 = build_l4(b + off, s, later, &hl);
		p->l4_off = later ? 0 : off;
		p->data_off = off + hl;
		p->ip_len = off - l3 + l4;
		put16(b + l3 + 4, p->ip_len - 40);
	}
	p->len = p->l3_off + p->ip_len;
	if (p->len > PKT_MAX)
		return -1;
	return p->len;
}

/* ---- mutations ---------------------------------------------------------- */

void pkt_truncate(struct pkt *p, __u32 len)
{
	if (len < p->len)
		p->len = len;
}

void pkt_set_u8(struct pkt *p, __u32 off, __u8 v)
{
	if (off < PKT_MAX)
		p->buf[off] = v;
}

void pkt_set_be16(struct pkt *p, __u32 off, __u16 v)
{
	if (off + 1 < PKT_MAX)
		put16(p->buf + off, v);
}

void pkt_ip_set_version(struct pkt *p, __u8 version)
{
	p->buf[p->l3_off] = (p->buf[p->l3_off] & 0x0f) | version << 4;
}

void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl)
{
	p->buf[p->l3_off] = (p->buf[p->l3_off] & 0xf0) | (ihl & 0x0f);
}

void pkt_ipv4_set_tot_len(struct pkt *p, __u16 len)
{
	put16(p->buf + p->l3_off + 2, len);
}

void pkt_ipv6_set_plen(struct pkt *p, __u16 len)
{
	put16(p->buf + p->l3_off + 4, len);
}

void pkt_tcp_set_doff(struct pkt *p, __u8 doff)
{
	p->buf[p->l4_off + 12] = (doff & 0x0f) << 4 | (p->buf[p->l4_off + 12] & 0x0f);
}

void pkt_tcp_set_flags(struct pkt *p, __u8 flags)
{
	p->buf[p->l4_off + 13] = flags;
}

/*
 * Recompute the TCP checksum from the frame as it is now (after a cut or
 * an edit): IPv4 tot_len or IPv6 payload length says where the segment ends.
 */
void pkt_tcp_fix_csum(struct pkt *p)
{
	const __u8 *ip = p->buf + p->l3_off;
	__u32 sum = 0, l4len;
	__u8 *th = p->buf + p->l4_off;

	if (!p->l4_off)
		return;
	if ((ip[0] >> 4) == 4) {
		l4len = (ip[2] << 8 | ip[3]) - (p->l4_off - p->l3_off);
		sum = csum_add(ip + 12, 8, 0) + IPPROTO_TCP + l4len;
	} else {
		l4len = (ip[4] << 8 | ip[5]) + 40 - (p->l4_off - p->l3_off);
		sum = csum_add(ip + 8, 32, 0) + IPPROTO_TCP + l4len;
	}
	if (p->l4_off + l4len > p->len)
		return;
	th[16] = th[17] = 0;
	put16(th + 16, pkt_csum(th, l4len, sum));
}

/* Spoil the TCP checksum (one bit of it): what hping3 --badcksum sends. */
void pkt_tcp_bad_csum(struct pkt *p)
{
	p->buf[p->l4_off + 17] ^= 0x01;
}

int pkt_v6_routed_syn(struct pkt *p, __u8 rt_type, const char *csum_dst, __u16 sport,
		      __u16 dport)
{
	__u8 buf[PKT_MAX + 40] = { 0 };
	struct pkt_spec s;
	__u32 l4len;
	__u8 *ip, *rh, *th;
	__u16 c;

	pkt_spec_v6(&s, "fd00::1", "fd00::2", sport, dport);
	s.flags = TH_SYN;
	pkt_spec_add_ext(&s, PKT_EXT_ROUTING, 2);
	if (pkt_build(p, &s) <= 0)
		return -1;
	ip = p->buf + p->l3_off;
	rh = p->buf + p->ext_off[0];
	rh[2] = rt_type;
	rh[3] = 1;				/* segments left */
	memset(rh + 4, 0, 4);
	if (inet_pton(AF_INET6, "fd00::9", rh + 8) != 1)
		return -1;
	l4len = (ip[4] << 8 | ip[5]) + 40 - (p->l4_off - p->l3_off);
	th = p->buf + p->l4_off;
	th[16] = th[17] = 0;
	/* the RFC 8200 8.1 pseudo-header: source, dst, length, next header */
	memcpy(buf, ip + 8, 16);
	if (inet_pton(AF_INET6, csum_dst, buf + 16) != 1)
		return -1;
	buf[34] = l4len >> 8;
	buf[35] = l4len;
	buf[39] = IPPROTO_TCP;
	memcpy(buf + 40, th, l4len);
	c = pkt_csum(buf, 40 + l4len, 0);
	th[16] = c >> 8;
	th[17] = c;
	return 0;
}
