// SPDX-License-Identifier: GPL-2.0
/*
 * target.c - the xtables target RTPGATE and the packet path.
 *
 * For each UDP datagram a rule sends here: find the target of its
 * destination address and port in the rule's table; none, and the
 * datagram continues (XT_CONTINUE) as if the rule were not there. Found:
 * classify it (classify.c), count it (stats.c), and either hand it up
 * (XT_CONTINUE: the relay socket, i.e. rtpgated, gets it), drop it
 * (NF_DROP) or rewrite and send it (send.c, NF_STOLEN). A target with
 * SRTP decrypts and/or encrypts RTP in place first (srtp.c); a packet
 * that fails authentication or is a replay is dropped, counted.
 *
 * What this path does not parse it leaves alone, uncounted: non-UDP,
 * fragments, IPv4 options, IPv6 extension headers. What it finds odd on a
 * target's port it hands up, counted: GSO super-packets, a UDP length
 * that disagrees with the IP length, IPv6 UDP without a checksum.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter/x_tables.h>
#include <linux/ktime.h>
#include <linux/udp.h>
#include <net/ip.h>

#include "classify.h"
#include "netns.h"
#include "send.h"
#include "srtp.h"
#include "target.h"

/* A datagram's facts, from its headers. */
struct packet {
	struct rtpg_key key;		/* destination: the target's key */
	struct rtpg_endpoint from;	/* source */
	unsigned int thoff;		/* UDP header, from skb->data */
	unsigned int udp_len;		/* UDP length field */
	bool no_check;			/* UDP checksum field 0 */
};

/* RTP arrival time in the 8 kHz units the ABI assumes for jitter. */
static u32 arrival_8khz(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_SEC / 8000);
}

/* Whether the datagram on a target's port can go through the kernel:
 * linear (so lib/rtp.c can read it), not GSO, lengths consistent. */
static bool usable(struct sk_buff *skb, const struct packet *pkt)
{
	if (skb_is_gso(skb))
		return false;
	if (pkt->udp_len < sizeof(struct udphdr) ||
	    pkt->udp_len != skb->len - pkt->thoff)
		return false;
	if (pkt->key.family == AF_INET6 && pkt->no_check &&
	    skb->ip_summed != CHECKSUM_PARTIAL)
		return false;
	return pskb_may_pull(skb, skb->len);
}

static enum rtpg_drop srtp_drop_reason(int err)
{
	if (err == -EBADMSG)
		return RTPG_DROP_SRTP_AUTH;
	if (err == -EALREADY)
		return RTPG_DROP_SRTP_REPLAY;
	return RTPG_DROP_SRTP;
}

/* Decrypts and/or encrypts the RTP packet @h of @pkt as @fwd says, in
 * place, and sets the skb's length to the result (send.c rewrites the
 * UDP length and checksum). Returns 0, -ENOSPC when the packet is to be
 * handed up unchanged (an SSRC beyond the table), or another errno. */
static int srtp_apply(struct sk_buff *skb, const struct packet *pkt,
		      const struct rtpg_fwd *fwd, const struct rtp_header *h)
{
	unsigned int off = pkt->thoff + sizeof(struct udphdr);
	unsigned int room = fwd->encrypt ? fwd->encrypt->tag_len : 0;
	size_t len = pkt->udp_len - sizeof(struct udphdr);
	int err;

	if (skb->len + room > IP_MAX_MTU)
		return -EMSGSIZE;	/* no room for the tag in one datagram */
	if (skb_ensure_writable(skb, skb->len))
		return -ENOMEM;
	if (skb_tailroom(skb) < room &&
	    pskb_expand_head(skb, 0, room, GFP_ATOMIC))
		return -ENOMEM;
	if (fwd->decrypt) {
		err = rtpg_srtp_decrypt(fwd->decrypt, skb->data + off, &len, h);
		if (err)
			return err;
	}
	if (fwd->encrypt) {
		err = rtpg_srtp_encrypt(fwd->encrypt, skb->data + off, &len, h);
		/* decrypted already: too late to hand it up */
		if (err == -ENOSPC && fwd->decrypt)
			err = -ENOMEM;
		if (err)
			return err;
	}
	if (off + len > skb->len)
		skb_put(skb, off + len - skb->len);
	else
		skb_trim(skb, off + len);
	return 0;
}

static unsigned int handle(struct net *net, struct rtpg_target *t,
			   struct sk_buff *skb, const struct packet *pkt)
{
	const struct rtpg_fwd *fwd = rcu_dereference(t->fwd);
	size_t len = pkt->udp_len - sizeof(struct udphdr);
	const u8 *data = skb->data + pkt->thoff + sizeof(struct udphdr);
	struct rtp_header rtp;
	unsigned int verdict;
	int drop, err;

	switch (rtpg_classify(fwd, pkt->key.family, &pkt->from, data, len,
			      &rtp)) {
	case RTPG_ACT_HANDUP:
		rtpg_stats_handed_up(&t->stats);
		return XT_CONTINUE;
	case RTPG_ACT_MALFORMED:
		rtpg_stats_dropped(&t->stats, RTPG_DROP_MALFORMED);
		rtpg_stats_handed_up(&t->stats);
		return XT_CONTINUE;
	case RTPG_ACT_DROP_SOURCE:
		rtpg_stats_dropped(&t->stats, RTPG_DROP_SOURCE);
		return NF_DROP;
	case RTPG_ACT_FORWARD_RTP:
		err = fwd->decrypt || fwd->encrypt ?
		      srtp_apply(skb, pkt, fwd, &rtp) : 0;
		if (err == -ENOSPC) {
			rtpg_stats_handed_up(&t->stats);
			return XT_CONTINUE;
		}
		if (err) {
			rtpg_stats_dropped(&t->stats, srtp_drop_reason(err));
			return NF_DROP;
		}
		rtpg_stats_rtp(&t->stats, &rtp, arrival_8khz());
		break;
	case RTPG_ACT_FORWARD:
		break;
	}
	verdict = rtpg_send(net, skb, pkt->key.family, fwd, &drop);
	if (drop < 0)
		rtpg_stats_forwarded(&t->stats, len);
	else
		rtpg_stats_dropped(&t->stats, drop);
	return verdict;
}

/* Common to both families once the headers are read. Runs under the
 * RCU read lock that netfilter holds around every hook. */
static unsigned int lookup_and_handle(const struct xt_action_param *par,
				      struct sk_buff *skb,
				      const struct packet *pkt)
{
	const struct xt_rtpgate_info *info = par->targinfo;
	struct net *net = xt_net(par);
	struct rtpg_table *table;
	struct rtpg_target *t;

	table = rtpg_net_table_rcu(rtpg_net(net), info->table);
	if (!table)
		return XT_CONTINUE;
	t = rtpg_table_lookup(table, &pkt->key);
	if (!t)
		return XT_CONTINUE;
	if (!usable(skb, pkt)) {
		rtpg_stats_handed_up(&t->stats);
		return XT_CONTINUE;
	}
	return handle(net, t, skb, pkt);
}

/* Reads the UDP header at pkt->thoff of a datagram from @saddr to @daddr
 * (4 or 16 bytes, of @family) and handles it. */
static unsigned int handle_udp(const struct xt_action_param *par,
			       struct sk_buff *skb, struct packet *pkt,
			       u8 family, const void *saddr, const void *daddr)
{
	const struct udphdr *uh;
	struct udphdr _uh;

	uh = skb_header_pointer(skb, pkt->thoff, sizeof(_uh), &_uh);
	if (!uh)
		return XT_CONTINUE;
	rtpg_key_init(&pkt->key, family, daddr, uh->dest);
	memset(&pkt->from, 0, sizeof(pkt->from));
	memcpy(&pkt->from.addr, saddr, family == AF_INET ? 4 : 16);
	pkt->from.port = uh->source;
	pkt->udp_len = ntohs(uh->len);
	pkt->no_check = !uh->check;
	return lookup_and_handle(par, skb, pkt);
}

static unsigned int rtpg_tg4(struct sk_buff *skb,
			     const struct xt_action_param *par)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct packet pkt = { .thoff = sizeof(*iph) };

	if (iph->protocol != IPPROTO_UDP || iph->ihl != 5 ||
	    ip_is_fragment(iph) || skb_network_offset(skb) != 0)
		return XT_CONTINUE;
	return handle_udp(par, skb, &pkt, AF_INET, &iph->saddr, &iph->daddr);
}

static unsigned int rtpg_tg6(struct sk_buff *skb,
			     const struct xt_action_param *par)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct packet pkt = { .thoff = sizeof(*ip6h) };

	/* UDP right after the fixed header: no extension headers, so no
	 * fragment header either */
	if (ip6h->nexthdr != IPPROTO_UDP || skb_network_offset(skb) != 0)
		return XT_CONTINUE;
	return handle_udp(par, skb, &pkt, AF_INET6, &ip6h->saddr,
			  &ip6h->daddr);
}

static unsigned int rtpg_tg(struct sk_buff *skb,
			    const struct xt_action_param *par)
{
	switch (xt_family(par)) {
	case NFPROTO_IPV4:
		return rtpg_tg4(skb, par);
	case NFPROTO_IPV6:
		return rtpg_tg6(skb, par);
	default:
		return XT_CONTINUE;
	}
}

/* The rule only names a table; the table need not exist yet (the daemon
 * creates it when it starts) and packets pass untouched until it does. */
static int rtpg_tg_check(const struct xt_tgchk_param *par)
{
	const struct xt_rtpgate_info *info = par->targinfo;

	if (par->family != NFPROTO_IPV4 && par->family != NFPROTO_IPV6 &&
	    par->family != NFPROTO_INET) {
		pr_info_ratelimited("RTPGATE: IPv4 and IPv6 only\n");
		return -EINVAL;
	}
	if (info->table > RTPG_TABLE_MAX) {
		pr_info_ratelimited("RTPGATE: table %u is not in 0..%u\n",
				    info->table, RTPG_TABLE_MAX);
		return -EINVAL;
	}
	return 0;
}

/* One family-independent target: iptables and ip6tables find it after
 * their own family's list, and nft_compat finds it for "inet" tables too,
 * which only look at NFPROTO_UNSPEC. checkentry keeps it to IP. */
static struct xt_target rtpg_tg_reg __read_mostly = {
	.name = "RTPGATE",
	.revision = 0,
	.family = NFPROTO_UNSPEC,
	.target = rtpg_tg,
	.targetsize = sizeof(struct xt_rtpgate_info),
	.checkentry = rtpg_tg_check,
	/* packets for this host only; not OUTPUT, where sending from the
	 * hook could recurse */
	.hooks = (1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_IN),
	.me = THIS_MODULE,
};

int rtpg_xt_register(void)
{
	return xt_register_target(&rtpg_tg_reg);
}

void rtpg_xt_unregister(void)
{
	xt_unregister_target(&rtpg_tg_reg);
}
