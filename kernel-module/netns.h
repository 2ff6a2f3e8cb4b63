/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - xt_RTPGATE's state in each network namespace: its tables.
 */
#ifndef RTPG_NETNS_H
#define RTPG_NETNS_H

#include <linux/mutex.h>
#include <net/net_namespace.h>

#include "rtpgate_abi.h"
#include "table.h"

struct rtpg_net {
	struct mutex lock;	/* tables[], generation; held by every writer */
	u32 generation;		/* bumped when targets come or go (dumps) */
	struct rtpg_table __rcu *tables[RTPG_TABLE_MAX + 1];	/* readers: RCU */
};

/* The namespace's state; valid as long as @net is. */
struct rtpg_net *rtpg_net(const struct net *net);

/* Table @id (<= RTPG_TABLE_MAX) or NULL. Caller holds rcu_read_lock(). */
struct rtpg_table *rtpg_net_table_rcu(struct rtpg_net *tn, u32 id);

/* Table @id or NULL, for a writer holding tn->lock. */
struct rtpg_table *rtpg_net_table(struct rtpg_net *tn, u32 id);

/* Creates table @id. Returns 0, -EEXIST or -ENOMEM. Caller holds tn->lock. */
int rtpg_net_table_new(struct rtpg_net *tn, u32 id);

/* Unpublishes table @id and destroys it with its targets (freed after a
 * grace period). Returns 0 or -ENOENT. Caller holds tn->lock. */
int rtpg_net_table_del(struct rtpg_net *tn, u32 id);

/* Per-namespace setup and teardown for module init and exit. */
int rtpg_net_register(void);
void rtpg_net_unregister(void);

#endif
