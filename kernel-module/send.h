/* SPDX-License-Identifier: GPL-2.0 */
/*
 * send.h - turning an arrived datagram into the forwarded one and sending it.
 */
#ifndef RTPG_SEND_H
#define RTPG_SEND_H

#include <linux/skbuff.h>
#include <net/net_namespace.h>

#include "table.h"

/* Sends @skb on as @fwd says: from fwd->src (or the address the route
 * picks when it is 0) to fwd->dst with TOS fwd->tos, routed in @net.
 * @skb is an IPv4 (@family AF_INET, 20-byte header) or IPv6 (AF_INET6, UDP
 * right after the fixed header) UDP datagram whose network header starts
 * skb->data, as in the PRE_ROUTING and LOCAL_IN hooks. The datagram itself
 * is reused: addresses, ports and TOS are rewritten and the UDP checksum
 * updated incrementally, so a corrupt one stays detectably corrupt.
 *
 * Returns NF_STOLEN when it took @skb (*@drop is -1 when it was sent, or
 * RTPG_DROP_SEND when the output path refused it), or NF_DROP when the
 * caller keeps @skb and must drop it (*@drop: RTPG_DROP_ROUTE when there
 * is no route, RTPG_DROP_SEND when it could not be made writable). */
unsigned int rtpg_send(struct net *net, struct sk_buff *skb, u8 family,
		       const struct rtpg_fwd *fwd, int *drop);

#endif
