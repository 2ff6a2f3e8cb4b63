// SPDX-License-Identifier: GPL-2.0
/*
 * send.c - rewrite, route and send a forwarded datagram, see send.h.
 *
 * The arrived skb becomes the sent one: no copy when it is not shared.
 * Routing comes first, while the skb is untouched, so a datagram without
 * a route is dropped whole. The UDP checksum is updated for the new
 * addresses and ports, or, when SRTP changed the payload and its length,
 * computed afresh.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/udp.h>

#include "send.h"
#include "srtp.h"

#define UDP4_HEADERS	(sizeof(struct iphdr) + sizeof(struct udphdr))
#define UDP6_HEADERS	(sizeof(struct ipv6hdr) + sizeof(struct udphdr))

/* What an arrived skb carries that a sent one must not: the socket early
 * demux may have attached, the input route, conntrack state, IPsec
 * secpath, the mark, the receive timestamp (which fq would read as a
 * departure time). */
static void scrub(struct sk_buff *skb)
{
	skb_orphan(skb);
	skb_scrub_packet(skb, true);
	/* a receive-side checksum state means nothing once bytes changed;
	 * CHECKSUM_PARTIAL (a local sender's, via veth) stays: the output
	 * path completes it */
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		skb->ip_summed = CHECKSUM_NONE;
}

/* Rewrites the UDP ports and updates the checksum for them (the callers
 * do the pseudo-header's addresses). @check says whether there is a
 * checksum to keep (IPv4 may send none). */
static void rewrite_udp(struct sk_buff *skb, struct udphdr *uh, bool check,
			const struct rtpg_fwd *fwd)
{
	if (check) {
		inet_proto_csum_replace2(&uh->check, skb, uh->source,
					 fwd->src.port, false);
		inet_proto_csum_replace2(&uh->check, skb, uh->dest,
					 fwd->dst.port, false);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	uh->source = fwd->src.port;
	uh->dest = fwd->dst.port;
}

/* Whether the payload was transformed (srtp_apply in target.c), so the
 * UDP length and checksum must be written whole. */
static bool payload_changed(const struct rtpg_fwd *fwd)
{
	return fwd->decrypt || fwd->encrypt;
}

/* Writes the UDP length of the datagram at @uh (it ends at the skb's
 * tail) and returns the sum over it with a zero checksum field; the
 * callers fold in the pseudo-header. */
static __wsum udp_fill(struct sk_buff *skb, struct udphdr *uh)
{
	unsigned int ulen = skb_tail_pointer(skb) - (unsigned char *)uh;

	uh->len = htons(ulen);
	uh->check = 0;
	skb->ip_summed = CHECKSUM_NONE;
	return csum_partial(uh, ulen, 0);
}

static void resum4(struct sk_buff *skb, struct iphdr *iph, struct udphdr *uh)
{
	__wsum sum = udp_fill(skb, uh);

	uh->check = csum_tcpudp_magic(iph->saddr, iph->daddr, ntohs(uh->len),
				      IPPROTO_UDP, sum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

static void resum6(struct sk_buff *skb, struct ipv6hdr *ip6h,
		   struct udphdr *uh)
{
	__wsum sum = udp_fill(skb, uh);

	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ntohs(uh->len),
				    IPPROTO_UDP, sum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

static void rewrite4(struct sk_buff *skb, const struct flowi4 *fl4,
		     const struct rtpg_fwd *fwd)
{
	struct iphdr *iph = ip_hdr(skb);
	struct udphdr *uh = (struct udphdr *)(iph + 1);
	bool full = payload_changed(fwd);
	bool check = !full &&
		     (uh->check || skb->ip_summed == CHECKSUM_PARTIAL);

	if (check) {
		inet_proto_csum_replace4(&uh->check, skb, iph->saddr,
					 fl4->saddr, true);
		inet_proto_csum_replace4(&uh->check, skb, iph->daddr,
					 fl4->daddr, true);
	}
	rewrite_udp(skb, uh, check, fwd);
	iph->saddr = fl4->saddr;
	iph->daddr = fl4->daddr;
	iph->tos = fwd->tos;
	/* a relay is an endpoint: its own fragmentation, its own ID */
	iph->frag_off = 0;
	if (full)
		resum4(skb, iph, uh);
}

static struct dst_entry *route4(struct net *net, const struct rtpg_fwd *fwd,
				struct flowi4 *fl4)
{
	struct rtable *rt;

	memset(fl4, 0, sizeof(*fl4));
	fl4->daddr = fwd->dst.addr.v4;
	fl4->saddr = fwd->src.addr.v4;
	fl4->flowi4_proto = IPPROTO_UDP;
	fl4->fl4_sport = fwd->src.port;
	fl4->fl4_dport = fwd->dst.port;
	rt = ip_route_output_key(net, fl4);	/* picks saddr when it is 0 */
	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

/* The IPv4 header fields that come from the route; __ip_local_out sets
 * tot_len and the header checksum. */
static int out4(struct net *net, struct sk_buff *skb)
{
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	ip_hdr(skb)->ttl = ip4_dst_hoplimit(skb_dst(skb));
	ip_select_ident(net, skb, NULL);
	return ip_local_out(net, NULL, skb);
}

static void rewrite6(struct sk_buff *skb, const struct flowi6 *fl6,
		     const struct rtpg_fwd *fwd)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct udphdr *uh = (struct udphdr *)(ip6h + 1);
	bool full = payload_changed(fwd);

	/* RFC 8200 8.1: the UDP checksum is mandatory over IPv6 */
	if (!full) {
		inet_proto_csum_replace16(&uh->check, skb, ip6h->saddr.s6_addr32,
					  fl6->saddr.s6_addr32, true);
		inet_proto_csum_replace16(&uh->check, skb, ip6h->daddr.s6_addr32,
					  fl6->daddr.s6_addr32, true);
	}
	rewrite_udp(skb, uh, !full, fwd);
	ip6h->saddr = fl6->saddr;
	ip6h->daddr = fl6->daddr;
	if (full)
		resum6(skb, ip6h, uh);
}

static struct dst_entry *route6(struct net *net, const struct rtpg_fwd *fwd,
				struct flowi6 *fl6)
{
	memset(fl6, 0, sizeof(*fl6));
	fl6->daddr = fwd->dst.addr.v6;
	fl6->saddr = fwd->src.addr.v6;
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->fl6_sport = fwd->src.port;
	fl6->fl6_dport = fwd->dst.port;
	/* picks the source address too when it is :: */
	return ip6_dst_lookup_flow(net, NULL, fl6, NULL);
}

/* The IPv6 header fields that come from the route; __ip6_local_out sets
 * payload_len. */
static int out6(struct net *net, struct sk_buff *skb, struct flowi6 *fl6,
		u8 tos)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);

	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	/* as a UDP socket would: fragment locally rather than drop */
	skb->ignore_df = 1;
	ip6_flow_hdr(ip6h, tos, ip6_make_flowlabel(net, skb, 0, true, fl6));
	ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
	return ip6_local_out(net, NULL, skb);
}

unsigned int rtpg_send(struct net *net, struct sk_buff *skb, u8 family,
		       const struct rtpg_fwd *fwd, int *drop)
{
	bool v4 = family == AF_INET;
	struct dst_entry *dst;
	struct flowi fl;
	int err;

	dst = v4 ? route4(net, fwd, &fl.u.ip4) : route6(net, fwd, &fl.u.ip6);
	if (IS_ERR(dst)) {
		*drop = RTPG_DROP_ROUTE;
		return NF_DROP;
	}
	if (skb_ensure_writable(skb, v4 ? UDP4_HEADERS : UDP6_HEADERS)) {
		dst_release(dst);
		*drop = RTPG_DROP_SEND;
		return NF_DROP;
	}
	if (v4)
		rewrite4(skb, &fl.u.ip4, fwd);
	else
		rewrite6(skb, &fl.u.ip6, fwd);
	scrub(skb);
	skb_dst_set(skb, dst);
	err = v4 ? out4(net, skb) : out6(net, skb, &fl.u.ip6, fwd->tos);
	*drop = net_xmit_eval(err) ? RTPG_DROP_SEND : -1;
	return NF_STOLEN;
}
