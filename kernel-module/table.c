// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - tables of targets, see table.h.
 *
 * A fixed array of RCU hlist buckets per table (the layout of WireGuard's
 * peer hashtables): lookups are lock-free, writers take the table's mutex.
 * The bucket index is a seeded jhash of the key, so the chain lengths do
 * not depend on anything a remote sender chooses.
 */
#include <linux/err.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "srtp.h"
#include "table.h"

#define BUCKETS		(1u << RTPG_HASH_BITS)

static_assert(sizeof(struct rtpg_key) % sizeof(u32) == 0);

void rtpg_key_init(struct rtpg_key *key, u8 family, const void *addr,
		   __be16 port)
{
	memset(key, 0, sizeof(*key));
	key->family = family;
	key->port = port;
	memcpy(&key->addr, addr, family == AF_INET ? 4 : 16);
}

struct rtpg_fwd *rtpg_fwd_dup(const struct rtpg_fwd *fwd)
{
	struct rtpg_fwd *copy = kmemdup(fwd, sizeof(*fwd), GFP_KERNEL_ACCOUNT);

	if (copy) {
		rtpg_srtp_get(copy->decrypt);
		rtpg_srtp_get(copy->encrypt);
	}
	return copy;
}

void rtpg_fwd_free(struct rtpg_fwd *fwd)
{
	if (!fwd)
		return;
	rtpg_srtp_put(fwd->decrypt);
	rtpg_srtp_put(fwd->encrypt);
	kfree(fwd);
}

static void fwd_free_rcu(struct rcu_head *rcu)
{
	rtpg_fwd_free(container_of(rcu, struct rtpg_fwd, rcu));
}

static u32 bucket_of(const struct rtpg_table *table,
		     const struct rtpg_key *key)
{
	return jhash2((const u32 *)key, sizeof(*key) / sizeof(u32),
		      table->seed) & (BUCKETS - 1);
}

struct rtpg_table *rtpg_table_create(u32 id, u32 max_targets)
{
	struct rtpg_table *table = kzalloc(sizeof(*table), GFP_KERNEL_ACCOUNT);

	if (!table)
		return ERR_PTR(-ENOMEM);
	table->buckets = kvcalloc(BUCKETS, sizeof(*table->buckets),
				  GFP_KERNEL_ACCOUNT);
	if (!table->buckets) {
		kfree(table);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&table->lock);
	table->id = id;
	table->max_targets = max_targets;
	table->seed = get_random_u32();
	return table;
}

static void target_free_rcu(struct rcu_head *rcu)
{
	struct rtpg_target *t = container_of(rcu, struct rtpg_target, rcu);

	rtpg_fwd_free(rcu_dereference_raw(t->fwd));
	rtpg_stats_destroy(&t->stats);
	kfree(t);
}

static void target_release(struct kref *ref)
{
	struct rtpg_target *t = container_of(ref, struct rtpg_target, ref);

	call_rcu(&t->rcu, target_free_rcu);
}

bool rtpg_target_get(struct rtpg_target *t)
{
	return kref_get_unless_zero(&t->ref);
}

void rtpg_target_put(struct rtpg_target *t)
{
	kref_put(&t->ref, target_release);
}

/* First phase of removal: readers already on the chain may still see @t;
 * the grace period before the free covers them. */
static void unhash(struct rtpg_table *table, struct rtpg_target *t)
{
	lockdep_assert_held(&table->lock);
	hlist_del_init_rcu(&t->node);
	table->count--;
	rtpg_target_put(t);
}

static void table_free_rcu(struct rcu_head *rcu)
{
	struct rtpg_table *table = container_of(rcu, struct rtpg_table, rcu);

	kvfree(table->buckets);
	kfree(table);
}

void rtpg_table_destroy(struct rtpg_table *table)
{
	struct rtpg_target *t;
	struct hlist_node *next;
	u32 i;

	mutex_lock(&table->lock);
	for (i = 0; i < BUCKETS; i++)
		hlist_for_each_entry_safe(t, next, &table->buckets[i], node)
			unhash(table, t);
	mutex_unlock(&table->lock);
	mutex_destroy(&table->lock);
	call_rcu(&table->rcu, table_free_rcu);
}

struct rtpg_target *rtpg_table_lookup(const struct rtpg_table *table,
				      const struct rtpg_key *key)
{
	struct rtpg_target *t;

	hlist_for_each_entry_rcu(t, &table->buckets[bucket_of(table, key)],
				 node)
		if (!memcmp(&t->key, key, sizeof(*key)))
			return t;
	return NULL;
}

/* The target keyed @key, for a writer. */
static struct rtpg_target *find_locked(struct rtpg_table *table,
				       const struct rtpg_key *key)
{
	struct rtpg_target *t;

	lockdep_assert_held(&table->lock);
	hlist_for_each_entry(t, &table->buckets[bucket_of(table, key)], node)
		if (!memcmp(&t->key, key, sizeof(*key)))
			return t;
	return NULL;
}

static struct rtpg_target *target_create(const struct rtpg_key *key,
					 struct rtpg_fwd *fwd)
{
	struct rtpg_target *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	if (rtpg_stats_init(&t->stats)) {
		kfree(t);
		return NULL;
	}
	t->key = *key;
	RCU_INIT_POINTER(t->fwd, fwd);
	kref_init(&t->ref);
	INIT_HLIST_NODE(&t->node);
	return t;
}

int rtpg_table_add(struct rtpg_table *table, const struct rtpg_key *key,
		   struct rtpg_fwd *fwd)
{
	struct rtpg_target *t;
	int err = 0;

	mutex_lock(&table->lock);
	if (find_locked(table, key))
		err = -EEXIST;
	else if (table->count >= table->max_targets)
		err = -ENOSPC;
	if (err)
		goto fail;
	t = target_create(key, fwd);
	if (!t) {
		err = -ENOMEM;
		goto fail;
	}
	hlist_add_head_rcu(&t->node, &table->buckets[bucket_of(table, key)]);
	table->count++;
	mutex_unlock(&table->lock);
	return 0;
fail:
	mutex_unlock(&table->lock);
	rtpg_fwd_free(fwd);
	return err;
}

int rtpg_table_update(struct rtpg_table *table, const struct rtpg_key *key,
		      int (*edit)(struct rtpg_fwd *fwd, void *arg), void *arg)
{
	struct rtpg_fwd *old, *fwd;
	struct rtpg_target *t;
	int err;

	mutex_lock(&table->lock);
	t = find_locked(table, key);
	err = -ENOENT;
	if (!t)
		goto out;
	old = rcu_dereference_protected(t->fwd, lockdep_is_held(&table->lock));
	fwd = rtpg_fwd_dup(old);
	err = -ENOMEM;
	if (!fwd)
		goto out;
	err = edit(fwd, arg);
	if (err) {
		rtpg_fwd_free(fwd);
		goto out;
	}
	rcu_assign_pointer(t->fwd, fwd);
	call_rcu(&old->rcu, fwd_free_rcu);
out:
	mutex_unlock(&table->lock);
	return err;
}

int rtpg_table_del(struct rtpg_table *table, const struct rtpg_key *key)
{
	struct rtpg_target *t;

	mutex_lock(&table->lock);
	t = find_locked(table, key);
	if (t)
		unhash(table, t);
	mutex_unlock(&table->lock);
	return t ? 0 : -ENOENT;
}

struct rtpg_target *rtpg_table_walk(const struct rtpg_table *table,
				    struct rtpg_cursor *pos)
{
	struct rtpg_target *t;
	u32 i;

	for (; pos->bucket < BUCKETS; pos->bucket++, pos->index = 0) {
		i = 0;
		hlist_for_each_entry_rcu(t, &table->buckets[pos->bucket], node)
			if (i++ == pos->index)
				return t;
	}
	return NULL;
}

void rtpg_table_barrier(void)
{
	rcu_barrier();
}
