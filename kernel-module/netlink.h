/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the generic netlink family "rtpgate" (rtpgate_abi.h).
 */
#ifndef RTPG_NETLINK_H
#define RTPG_NETLINK_H

#include <net/genetlink.h>

#include "rtpgate_abi.h"
#include "table.h"

extern struct genl_family rtpg_genl_family;

/* Registers and unregisters the family (module init and exit). */
int rtpg_genl_register(void);
void rtpg_genl_unregister(void);

/* RTPG_CMD_TARGET_GET: the doit, and the dump's start and dumpit
 * (netlink_get.c). */
int rtpg_nl_target_get(struct sk_buff *skb, struct genl_info *info);
int rtpg_nl_dump_start(struct netlink_callback *cb);
int rtpg_nl_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* Reads RTPG_A_TABLE, RTPG_A_LOCAL_ADDR and RTPG_A_LOCAL_PORT of a request
 * into *@table and *@key. Returns 0, or -EINVAL with an extack message
 * when one is missing or the address is unspecified. */
int rtpg_nl_target_key(struct genl_info *info, u32 *table,
		       struct rtpg_key *key);

/* SRTP nests (netlink_srtp.c): their policy; applying a request's nest
 * of @type to *@slot (a context replaced, cleared, or kept when the keys
 * are the same), 0 or a negative errno with extack; writing one for
 * context @s (nothing when NULL), 0 or -EMSGSIZE. */
extern const struct nla_policy rtpg_srtp_policy[RTPG_SRTP_MAX + 1];
int rtpg_nl_take_srtp(struct genl_info *info, int type,
		      struct rtpg_srtp **slot);
int rtpg_nl_put_srtp(struct sk_buff *msg, int type, struct rtpg_srtp *s);

#endif
