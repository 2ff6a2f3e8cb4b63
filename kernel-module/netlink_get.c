// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_get.c - RTPG_CMD_TARGET_GET: one target, or a dump of a table's
 * (or every table's) targets, each with its configuration, RTPG_A_STATS
 * and one RTPG_A_SSRC per SSRC seen.
 *
 * A dump walks the tables under RCU, one skb at a time, resuming from a
 * cursor kept in cb->args. Targets added or removed between two skbs may
 * be missed or repeated; the message then carries NLM_F_DUMP_INTR (the
 * namespace's generation counter changed), and the daemon dumps again.
 */
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "netlink.h"
#include "netns.h"
#include "rtpgate_abi.h"

/* cb->args slots of a dump in progress. */
enum { DUMP_TABLE, DUMP_EVERY_TABLE, DUMP_BUCKET, DUMP_INDEX };

static int put_endpoint(struct sk_buff *msg, int addr_type, int port_type,
			const union rtpg_addr *addr, __be16 port, int alen)
{
	return nla_put(msg, addr_type, alen, addr) ?:
	       nla_put_u16(msg, port_type, ntohs(port));
}

static int put_config(struct sk_buff *msg, u32 table_id,
		      const struct rtpg_target *t, const struct rtpg_fwd *fwd)
{
	int alen = t->key.family == AF_INET ? 4 : 16;

	return nla_put_u32(msg, RTPG_A_TABLE, table_id) ?:
	       put_endpoint(msg, RTPG_A_LOCAL_ADDR, RTPG_A_LOCAL_PORT,
			    &t->key.addr, t->key.port, alen) ?:
	       (fwd->has_expect ?
		put_endpoint(msg, RTPG_A_EXPECT_ADDR, RTPG_A_EXPECT_PORT,
			     &fwd->expect.addr, fwd->expect.port, alen) : 0) ?:
	       nla_put_u8(msg, RTPG_A_SOURCE_MODE, fwd->source_mode) ?:
	       put_endpoint(msg, RTPG_A_SRC_ADDR, RTPG_A_SRC_PORT,
			    &fwd->src.addr, fwd->src.port, alen) ?:
	       put_endpoint(msg, RTPG_A_DST_ADDR, RTPG_A_DST_PORT,
			    &fwd->dst.addr, fwd->dst.port, alen) ?:
	       nla_put_u8(msg, RTPG_A_TOS, fwd->tos) ?:
	       nla_put_u32(msg, RTPG_A_FLAGS, fwd->flags) ?:
	       (fwd->has_pt_allow ?
		nla_put(msg, RTPG_A_PT_ALLOW, sizeof(fwd->pt_allow),
			fwd->pt_allow) : 0) ?:
	       rtpg_nl_put_srtp(msg, RTPG_A_SRTP_DECRYPT, fwd->decrypt) ?:
	       rtpg_nl_put_srtp(msg, RTPG_A_SRTP_ENCRYPT, fwd->encrypt);
}

static int put_stats(struct sk_buff *msg, const struct rtpg_stats_snapshot *s)
{
	struct nlattr *nest = nla_nest_start(msg, RTPG_A_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, RTPG_S_PACKETS, s->packets, RTPG_S_PAD) ||
	    nla_put_u64_64bit(msg, RTPG_S_BYTES, s->bytes, RTPG_S_PAD) ||
	    nla_put_u64_64bit(msg, RTPG_S_ERRORS, s->errors, RTPG_S_PAD) ||
	    nla_put_u64_64bit(msg, RTPG_S_HANDED_UP, s->handed_up,
			      RTPG_S_PAD) ||
	    nla_put_u64_64bit(msg, RTPG_S_LAST_PACKET_NS, s->last_ns,
			      RTPG_S_PAD) ||
	    nla_put(msg, RTPG_S_DROPS, sizeof(s->drops), s->drops)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* lib/rtp.c keeps payload types as four host-order words; the ABI's
 * bitmaps are bytes: type n is bit n % 8 of byte n / 8. */
static void pt_bytes(const uint32_t words[4], u8 out[RTPG_PT_BITMAP_LEN])
{
	unsigned int pt;

	memset(out, 0, RTPG_PT_BITMAP_LEN);
	for (pt = 0; pt < 128; pt++)
		if (words[pt / 32] & (1u << (pt % 32)))
			out[pt / 8] |= 1u << (pt % 8);
}

static int put_ssrc(struct sk_buff *msg, const struct rtp_ssrc_stats *ss)
{
	struct nlattr *nest = nla_nest_start(msg, RTPG_A_SSRC);
	s64 lost = rtp_ssrc_stats_lost(ss);
	u8 pts[RTPG_PT_BITMAP_LEN];

	if (!nest)
		return -EMSGSIZE;
	pt_bytes(ss->payload_types, pts);
	if (nla_put_u32(msg, RTPG_SS_SSRC, ss->ssrc) ||
	    nla_put_u64_64bit(msg, RTPG_SS_PACKETS, ss->packets, RTPG_SS_PAD) ||
	    nla_put_u64_64bit(msg, RTPG_SS_BYTES, ss->bytes, RTPG_SS_PAD) ||
	    nla_put(msg, RTPG_SS_PT_BITMAP, sizeof(pts), pts) ||
	    nla_put_u64_64bit(msg, RTPG_SS_LOST, lost > 0 ? lost : 0,
			      RTPG_SS_PAD) ||
	    nla_put_u32(msg, RTPG_SS_JITTER, rtp_ssrc_stats_jitter(ss))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* Writes one RTPG_CMD_TARGET_GET message about @t into @msg; @cb is the
 * dump's, or NULL. Returns 0 or -EMSGSIZE (nothing written). The caller
 * holds a reference on @t or rcu_read_lock(). */
static int fill_target(struct sk_buff *msg, struct rtpg_target *t,
		       u32 table_id, u32 portid, u32 seq, int flags,
		       struct netlink_callback *cb)
{
	struct rtpg_stats_snapshot snap;
	unsigned int i;
	void *hdr;
	int err;

	hdr = genlmsg_put(msg, portid, seq, &rtpg_genl_family, flags,
			  RTPG_CMD_TARGET_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	rtpg_stats_read(&t->stats, &snap);
	rcu_read_lock();
	err = put_config(msg, table_id, t, rcu_dereference(t->fwd));
	rcu_read_unlock();
	err = err ?: put_stats(msg, &snap);
	for (i = 0; !err && i < snap.ssrc_used; i++)
		err = put_ssrc(msg, &snap.ssrc[i]);
	if (err) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

/* The target a GET names, with a reference taken, or NULL (extack set). */
static struct rtpg_target *find_target(struct genl_info *info, u32 id,
				       const struct rtpg_key *key)
{
	struct rtpg_net *tn = rtpg_net(genl_info_net(info));
	struct rtpg_target *t = NULL;
	struct rtpg_table *table;

	rcu_read_lock();
	table = rtpg_net_table_rcu(tn, id);
	if (table)
		t = rtpg_table_lookup(table, key);
	if (t && !rtpg_target_get(t))
		t = NULL;
	rcu_read_unlock();
	if (!t && table)
		GENL_SET_ERR_MSG(info, "no target on LOCAL_ADDR:LOCAL_PORT");
	else if (!t)
		GENL_SET_ERR_MSG(info, "no such table");
	return t;
}

int rtpg_nl_target_get(struct sk_buff *skb, struct genl_info *info)
{
	struct rtpg_target *t;
	struct sk_buff *msg;
	struct rtpg_key key;
	u32 id;
	int err;

	err = rtpg_nl_target_key(info, &id, &key);
	if (err)
		return err;
	t = find_target(info, id, &key);
	if (!t)
		return -ENOENT;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	err = msg ? fill_target(msg, t, id, info->snd_portid, info->snd_seq,
				0, NULL) : -ENOMEM;
	rtpg_target_put(t);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static bool table_exists(struct net *net, u32 id)
{
	bool found;

	rcu_read_lock();
	found = rtpg_net_table_rcu(rtpg_net(net), id);
	rcu_read_unlock();
	return found;
}

int rtpg_nl_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = rtpg_dump_attrs(cb);

	if (attrs[RTPG_A_LOCAL_ADDR] || attrs[RTPG_A_LOCAL_PORT]) {
		NL_SET_ERR_MSG(cb->extack,
			       "a dump takes TABLE only; ask for one target without NLM_F_DUMP");
		return -EINVAL;
	}
	cb->args[DUMP_EVERY_TABLE] = !attrs[RTPG_A_TABLE];
	cb->args[DUMP_TABLE] = attrs[RTPG_A_TABLE] ?
			       nla_get_u32(attrs[RTPG_A_TABLE]) : 0;
	cb->args[DUMP_BUCKET] = 0;
	cb->args[DUMP_INDEX] = 0;
	if (attrs[RTPG_A_TABLE] && !table_exists(sock_net(cb->skb->sk),
						 cb->args[DUMP_TABLE])) {
		NL_SET_ERR_MSG(cb->extack, "no such table");
		return -ENOENT;
	}
	return 0;
}

/* Dumps @table's targets from @pos on. Returns true when @skb filled up
 * first; @pos is then the target to start the next skb with. */
static bool dump_table(struct sk_buff *skb, struct netlink_callback *cb,
		       const struct rtpg_table *table, struct rtpg_cursor *pos)
{
	struct rtpg_target *t;

	for (t = rtpg_table_walk(table, pos); t;
	     pos->index++, t = rtpg_table_walk(table, pos))
		if (fill_target(skb, t, table->id,
				NETLINK_CB(cb->skb).portid,
				cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
			return true;
	return false;
}

int rtpg_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct rtpg_net *tn = rtpg_net(sock_net(skb->sk));
	struct rtpg_cursor pos = {
		.bucket = cb->args[DUMP_BUCKET],
		.index = cb->args[DUMP_INDEX],
	};
	u32 id = cb->args[DUMP_TABLE];
	struct rtpg_table *table;

	if (id > RTPG_TABLE_MAX)
		return 0;
	rcu_read_lock();
	cb->seq = READ_ONCE(tn->generation);
	for (;;) {
		table = rtpg_net_table_rcu(tn, id);
		if (table && dump_table(skb, cb, table, &pos))
			break;
		if (!cb->args[DUMP_EVERY_TABLE] || id == RTPG_TABLE_MAX) {
			id = RTPG_TABLE_MAX + 1;
			break;
		}
		id++;
		pos = (struct rtpg_cursor){};
	}
	rcu_read_unlock();
	cb->args[DUMP_TABLE] = id;
	cb->args[DUMP_BUCKET] = pos.bucket;
	cb->args[DUMP_INDEX] = pos.index;
	return skb->len;
}
