// SPDX-License-Identifier: GPL-2.0
/*
 * netns.c - per-network-namespace state (pernet_operations), see netns.h.
 *
 * Each namespace has its own tables. They go when the namespace goes:
 * by then its devices are gone, so no packet can be inside the target,
 * and no netlink socket of its own is left to send a command.
 */
#include <net/netns/generic.h>

#include "netns.h"

static unsigned int rtpg_net_id __read_mostly;

struct rtpg_net *rtpg_net(const struct net *net)
{
	return net_generic(net, rtpg_net_id);
}

struct rtpg_table *rtpg_net_table_rcu(struct rtpg_net *tn, u32 id)
{
	return rcu_dereference(tn->tables[id]);
}

struct rtpg_table *rtpg_net_table(struct rtpg_net *tn, u32 id)
{
	return rcu_dereference_protected(tn->tables[id],
					 lockdep_is_held(&tn->lock));
}

int rtpg_net_table_new(struct rtpg_net *tn, u32 id)
{
	struct rtpg_table *table;

	lockdep_assert_held(&tn->lock);
	if (rtpg_net_table(tn, id))
		return -EEXIST;
	table = rtpg_table_create(id, RTPG_TARGETS_MAX);
	if (IS_ERR(table))
		return PTR_ERR(table);
	rcu_assign_pointer(tn->tables[id], table);
	return 0;
}

int rtpg_net_table_del(struct rtpg_net *tn, u32 id)
{
	struct rtpg_table *table = rtpg_net_table(tn, id);

	if (!table)
		return -ENOENT;
	RCU_INIT_POINTER(tn->tables[id], NULL);
	WRITE_ONCE(tn->generation, tn->generation + 1);
	rtpg_table_destroy(table);
	return 0;
}

static int __net_init rtpg_net_init(struct net *net)
{
	struct rtpg_net *tn = rtpg_net(net);

	mutex_init(&tn->lock);
	/* dumps compare generations, and netlink takes 0 for "not set" */
	tn->generation = 1;
	return 0;
}

static void __net_exit rtpg_net_exit(struct net *net)
{
	struct rtpg_net *tn = rtpg_net(net);
	u32 id;

	mutex_lock(&tn->lock);
	for (id = 0; id <= RTPG_TABLE_MAX; id++)
		rtpg_net_table_del(tn, id);
	mutex_unlock(&tn->lock);
	mutex_destroy(&tn->lock);
}

static struct pernet_operations rtpg_net_ops = {
	.init = rtpg_net_init,
	.exit = rtpg_net_exit,
	.id = &rtpg_net_id,
	.size = sizeof(struct rtpg_net),
};

int rtpg_net_register(void)
{
	return register_pernet_subsys(&rtpg_net_ops);
}

void rtpg_net_unregister(void)
{
	unregister_pernet_subsys(&rtpg_net_ops);
}
