/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table.h - tables of targets, each target keyed by the local address and
 * UDP port its packets arrive on.
 *
 * Lifetimes: a target is reference-counted (kref). Its table holds one
 * reference while the target is hashed; the control path may take more
 * with rtpg_target_get(). The packet path takes none: it runs under RCU,
 * and a target is freed one grace period after its last reference is
 * dropped, so a target found under rcu_read_lock() stays valid until
 * rcu_read_unlock(). Removal is two-phase: unhash under the table's lock,
 * free after the grace period (WireGuard's peer.c does the same).
 */
#ifndef RTPG_TABLE_H
#define RTPG_TABLE_H

#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "stats.h"

struct rtpg_srtp;

#define RTPG_HASH_BITS		14	/* buckets per table: 16384 */
#define RTPG_PT_BITMAP_LEN	16	/* payload types 0..127 */

union rtpg_addr {
	__be32 v4;
	struct in6_addr v6;
};

struct rtpg_endpoint {
	union rtpg_addr addr;
	__be16 port;
};

/* Where packets arrive. Hashed and compared as bytes: build it with
 * rtpg_key_init(), which zeroes what the family does not use. */
struct rtpg_key {
	union rtpg_addr addr;
	__be16 port;
	u8 family;		/* AF_INET or AF_INET6 */
	u8 zero;
};

/* What a target does with a packet. Read by the packet path under RCU;
 * never changed in place: an update publishes a new copy. All addresses
 * are of the key's family. */
struct rtpg_fwd {
	struct rtpg_endpoint expect;	/* port 0: any port */
	struct rtpg_endpoint src;	/* address 0: the route chooses */
	struct rtpg_endpoint dst;
	u32 flags;			/* enum rtpg_target_flags */
	u8 source_mode;			/* enum rtpg_source_mode */
	u8 tos;
	bool has_expect;
	bool has_pt_allow;
	u8 pt_allow[RTPG_PT_BITMAP_LEN];	/* type n: bit n % 8 of byte n / 8 */
	/* SRTP (srtp.h), or NULL: one reference each, shared with the
	 * previous copy when an update kept them */
	struct rtpg_srtp *decrypt;		/* what arrives is SRTP */
	struct rtpg_srtp *encrypt;		/* what leaves is SRTP */
	struct rcu_head rcu;
};

struct rtpg_target {
	struct hlist_node node;		/* in a bucket; table->lock */
	struct rtpg_key key;		/* immutable */
	struct rtpg_fwd __rcu *fwd;	/* replaced under table->lock */
	struct rtpg_stats stats;
	struct kref ref;
	struct rcu_head rcu;
};

struct rtpg_table {
	struct mutex lock;		/* writers: buckets, count, targets' fwd */
	u32 id;
	u32 max_targets;
	u32 count;			/* targets hashed; lock */
	u32 seed;			/* of the bucket hash */
	struct hlist_head *buckets;	/* readers: RCU */
	struct rcu_head rcu;
};

/* A position in a table walk: bucket, then index within the bucket. */
struct rtpg_cursor {
	u32 bucket;
	u32 index;
};

/* A copy of @fwd (its SRTP contexts referenced again), or NULL. */
struct rtpg_fwd *rtpg_fwd_dup(const struct rtpg_fwd *fwd);

/* Frees @fwd now and drops its SRTP references (NULL allowed). */
void rtpg_fwd_free(struct rtpg_fwd *fwd);

/* Fills *@key for @family (AF_INET or AF_INET6) from @addr (4 or 16 bytes,
 * network order) and @port (network order). */
void rtpg_key_init(struct rtpg_key *key, u8 family, const void *addr,
		   __be16 port);

/* Returns a new, empty table that accepts up to @max_targets targets, or
 * ERR_PTR(-ENOMEM). The caller publishes it and owns it until
 * rtpg_table_destroy(). */
struct rtpg_table *rtpg_table_create(u32 id, u32 max_targets);

/* Removes every target of @table (dropping the table's references) and
 * frees the table after an RCU grace period. The caller has unpublished
 * @table first, so no new lookup can find it; lookups already running
 * finish safely. Process context. */
void rtpg_table_destroy(struct rtpg_table *table);

/* The target keyed @key in @table, or NULL. Caller holds rcu_read_lock();
 * the result is valid until it drops it (take a reference to keep it). */
struct rtpg_target *rtpg_table_lookup(const struct rtpg_table *table,
				      const struct rtpg_key *key);

/* Adds a target keyed @key doing @fwd. Takes ownership of @fwd whatever
 * the result. Returns 0, -EEXIST when @key is taken, -ENOSPC when the
 * table is full, or -ENOMEM. Takes table->lock. */
int rtpg_table_add(struct rtpg_table *table, const struct rtpg_key *key,
		   struct rtpg_fwd *fwd);

/* Replaces the target's behaviour by a copy of its current one that
 * @edit changed (edit returns 0 or a negative errno, which aborts the
 * update). The old copy is freed after a grace period; counters are kept.
 * Returns 0, -ENOENT, -ENOMEM or edit's error. Takes table->lock and
 * calls @edit under it. */
int rtpg_table_update(struct rtpg_table *table, const struct rtpg_key *key,
		      int (*edit)(struct rtpg_fwd *fwd, void *arg), void *arg);

/* Unhashes the target keyed @key and drops the table's reference.
 * Returns 0 or -ENOENT. Takes table->lock. */
int rtpg_table_del(struct rtpg_table *table, const struct rtpg_key *key);

/* The target at @pos or, if that is past its bucket's end, the first one
 * after it; @pos is moved there. NULL at the end of the table. Caller
 * holds rcu_read_lock(); a walk that spans unlocks may miss or repeat
 * targets added or removed meanwhile. */
struct rtpg_target *rtpg_table_walk(const struct rtpg_table *table,
				    struct rtpg_cursor *pos);

/* Takes a reference on @t, found under RCU. False if @t is being freed. */
bool rtpg_target_get(struct rtpg_target *t);

/* Drops a reference; the last one frees @t after an RCU grace period. */
void rtpg_target_put(struct rtpg_target *t);

/* Waits for every target and table freed so far to be gone (module exit). */
void rtpg_table_barrier(void);

#endif
