// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the generic netlink family: policy, commands that change
 * state (HELLO, TABLE_NEW/DEL, TARGET_ADD/UPDATE/DEL). Replies that read
 * state are in netlink_get.c.
 *
 * The policy table validates every attribute before a handler runs (type,
 * length, range, flag mask); the handlers check what a policy cannot:
 * required attributes, and that all of a target's addresses are of one
 * family. Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM) and acts on
 * the sender's network namespace.
 */
#include <linux/socket.h>
#include <linux/stringify.h>
#include <net/genetlink.h>

#include "compat.h"
#include "netlink.h"
#include "netns.h"
#include "rtpgate_abi.h"

/* An address attribute is 4 (IPv4) or 16 (IPv6) bytes. */
static int validate_addr(const struct nlattr *attr,
			 struct netlink_ext_ack *extack)
{
	if (nla_len(attr) == 4 || nla_len(attr) == 16)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "an address is 4 (IPv4) or 16 (IPv6) bytes");
	return -EINVAL;
}

#define ADDR_POLICY	NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_addr, 16)
#define REPLY_ONLY	{ .type = NLA_REJECT, \
			  .reject_message = "attribute is for replies only" }

static const struct nla_policy rtpg_policy[RTPG_A_MAX + 1] = {
	[RTPG_A_ABI_VERSION]	= { .type = NLA_U32 },
	[RTPG_A_TABLE]		= NLA_POLICY_MAX(NLA_U32, RTPG_TABLE_MAX),
	[RTPG_A_LOCAL_ADDR]	= ADDR_POLICY,
	[RTPG_A_LOCAL_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[RTPG_A_EXPECT_ADDR]	= ADDR_POLICY,
	[RTPG_A_EXPECT_PORT]	= { .type = NLA_U16 },	/* 0: any port */
	[RTPG_A_SOURCE_MODE]	= NLA_POLICY_MAX(NLA_U8, __RTPG_SOURCE_MAX - 1),
	[RTPG_A_SRC_ADDR]	= ADDR_POLICY,
	[RTPG_A_SRC_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[RTPG_A_DST_ADDR]	= ADDR_POLICY,
	[RTPG_A_DST_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[RTPG_A_TOS]		= { .type = NLA_U8 },
	[RTPG_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32, RTPG_F_ALL),
	[RTPG_A_PT_ALLOW]	= NLA_POLICY_EXACT_LEN(RTPG_PT_BITMAP_LEN),
	[RTPG_A_STATS]		= REPLY_ONLY,
	[RTPG_A_SSRC]		= REPLY_ONLY,
	[RTPG_A_PAD]		= REPLY_ONLY,
	[RTPG_A_SRTP_DECRYPT]	= NLA_POLICY_NESTED(rtpg_srtp_policy),
	[RTPG_A_SRTP_ENCRYPT]	= NLA_POLICY_NESTED(rtpg_srtp_policy),
};

static u8 family_of_len(int len)
{
	return len == 4 ? AF_INET : AF_INET6;
}

static bool addr_unspecified(const void *addr, int len)
{
	return !memchr_inv(addr, 0, len);
}

int rtpg_nl_target_key(struct genl_info *info, u32 *table,
		       struct rtpg_key *key)
{
	struct nlattr *addr = info->attrs[RTPG_A_LOCAL_ADDR];

	if (GENL_REQ_ATTR_CHECK(info, RTPG_A_TABLE) ||
	    GENL_REQ_ATTR_CHECK(info, RTPG_A_LOCAL_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, RTPG_A_LOCAL_PORT))
		return -EINVAL;
	if (addr_unspecified(nla_data(addr), nla_len(addr))) {
		NL_SET_ERR_MSG_ATTR(info->extack, addr,
				    "LOCAL_ADDR is unspecified");
		return -EINVAL;
	}
	*table = nla_get_u32(info->attrs[RTPG_A_TABLE]);
	rtpg_key_init(key, family_of_len(nla_len(addr)), nla_data(addr),
		      htons(nla_get_u16(info->attrs[RTPG_A_LOCAL_PORT])));
	return 0;
}

static int rtpg_nl_hello(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *ver = info->attrs[RTPG_A_ABI_VERSION];
	struct sk_buff *msg;
	void *hdr;

	if (GENL_REQ_ATTR_CHECK(info, RTPG_A_ABI_VERSION))
		return -EINVAL;
	if (nla_get_u32(ver) != RTPG_ABI_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack, ver,
				    "ABI version differs from xt_RTPGATE's, which is "
				    __stringify(RTPG_ABI_VERSION));
		return -EPROTO;
	}
	msg = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &rtpg_genl_family, 0,
				RTPG_CMD_HELLO);
	if (!hdr || nla_put_u32(msg, RTPG_A_ABI_VERSION, RTPG_ABI_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int table_command(struct genl_info *info, bool create)
{
	struct rtpg_net *tn = rtpg_net(genl_info_net(info));
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, RTPG_A_TABLE))
		return -EINVAL;
	id = nla_get_u32(info->attrs[RTPG_A_TABLE]);
	mutex_lock(&tn->lock);
	err = create ? rtpg_net_table_new(tn, id) : rtpg_net_table_del(tn, id);
	mutex_unlock(&tn->lock);
	if (err == -EEXIST)
		GENL_SET_ERR_MSG(info, "table exists");
	else if (err == -ENOENT)
		GENL_SET_ERR_MSG(info, "no such table");
	return err;
}

static int rtpg_nl_table_new(struct sk_buff *skb, struct genl_info *info)
{
	return table_command(info, true);
}

static int rtpg_nl_table_del(struct sk_buff *skb, struct genl_info *info)
{
	return table_command(info, false);
}

/* A target request being applied: its attributes and the family its
 * LOCAL_ADDR set. */
struct edit {
	struct genl_info *info;
	u8 family;
};

/* Copies address attribute @type, if present, into *@out; it must be of
 * the edit's family. */
static int take_addr(const struct edit *e, int type, union rtpg_addr *out)
{
	struct nlattr *a = e->info->attrs[type];

	if (!a)
		return 0;
	if (family_of_len(nla_len(a)) != e->family) {
		NL_SET_ERR_MSG_ATTR(e->info->extack, a,
				    "address family differs from LOCAL_ADDR's");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, nla_data(a), nla_len(a));
	return 0;
}

static void take_port(const struct edit *e, int type, __be16 *out)
{
	if (e->info->attrs[type])
		*out = htons(nla_get_u16(e->info->attrs[type]));
}

/* Checks what the policy cannot: a complete and consistent target. */
static int check_fwd(const struct edit *e, const struct rtpg_fwd *fwd)
{
	struct netlink_ext_ack *extack = e->info->extack;
	int alen = e->family == AF_INET ? 4 : 16;

	if (!fwd->src.port || !fwd->dst.port) {
		NL_SET_ERR_MSG(extack, "a target needs SRC_PORT and DST_PORT");
		return -EINVAL;
	}
	if (addr_unspecified(&fwd->dst.addr, alen)) {
		NL_SET_ERR_MSG(extack, "DST_ADDR is missing or unspecified");
		return -EINVAL;
	}
	if (fwd->source_mode != RTPG_SOURCE_IGNORE && !fwd->has_expect) {
		NL_SET_ERR_MSG(extack, "SOURCE_MODE DROP or HANDUP needs EXPECT_ADDR");
		return -EINVAL;
	}
	if ((fwd->flags & RTPG_F_PT_FILTER) && !fwd->has_pt_allow) {
		NL_SET_ERR_MSG(extack, "RTPG_F_PT_FILTER needs PT_ALLOW");
		return -EINVAL;
	}
	if ((fwd->decrypt || fwd->encrypt) && !(fwd->flags & RTPG_F_RTP)) {
		NL_SET_ERR_MSG(extack, "SRTP needs RTPG_F_RTP");
		return -EINVAL;
	}
	return 0;
}

/* Applies a request's target attributes to *@fwd: those present replace
 * the current values, those absent keep them. */
static int edit_fwd(struct rtpg_fwd *fwd, void *arg)
{
	const struct edit *e = arg;
	struct nlattr **a = e->info->attrs;
	int err;

	err = take_addr(e, RTPG_A_EXPECT_ADDR, &fwd->expect.addr) ?:
	      take_addr(e, RTPG_A_SRC_ADDR, &fwd->src.addr) ?:
	      take_addr(e, RTPG_A_DST_ADDR, &fwd->dst.addr) ?:
	      rtpg_nl_take_srtp(e->info, RTPG_A_SRTP_DECRYPT, &fwd->decrypt) ?:
	      rtpg_nl_take_srtp(e->info, RTPG_A_SRTP_ENCRYPT, &fwd->encrypt);
	if (err)
		return err;
	take_port(e, RTPG_A_EXPECT_PORT, &fwd->expect.port);
	take_port(e, RTPG_A_SRC_PORT, &fwd->src.port);
	take_port(e, RTPG_A_DST_PORT, &fwd->dst.port);
	if (a[RTPG_A_EXPECT_ADDR])
		fwd->has_expect = true;
	if (a[RTPG_A_SOURCE_MODE])
		fwd->source_mode = nla_get_u8(a[RTPG_A_SOURCE_MODE]);
	if (a[RTPG_A_TOS])
		fwd->tos = nla_get_u8(a[RTPG_A_TOS]);
	if (a[RTPG_A_FLAGS])
		fwd->flags = nla_get_u32(a[RTPG_A_FLAGS]);
	if (a[RTPG_A_PT_ALLOW]) {
		nla_memcpy(fwd->pt_allow, a[RTPG_A_PT_ALLOW],
			   sizeof(fwd->pt_allow));
		fwd->has_pt_allow = true;
	}
	return check_fwd(e, fwd);
}

enum target_op { OP_ADD, OP_UPDATE, OP_DEL };

static int apply(struct rtpg_table *table, enum target_op op,
		 const struct rtpg_key *key, struct edit *e)
{
	struct rtpg_fwd *fwd;
	int err;

	switch (op) {
	case OP_ADD:
		fwd = kzalloc(sizeof(*fwd), GFP_KERNEL_ACCOUNT);
		if (!fwd)
			return -ENOMEM;
		err = edit_fwd(fwd, e);
		if (err) {
			rtpg_fwd_free(fwd);
			return err;
		}
		err = rtpg_table_add(table, key, fwd);
		break;
	case OP_UPDATE:
		err = rtpg_table_update(table, key, edit_fwd, e);
		break;
	default:
		err = rtpg_table_del(table, key);
		break;
	}
	if (err == -EEXIST)
		NL_SET_ERR_MSG(e->info->extack, "the table has a target on LOCAL_ADDR:LOCAL_PORT");
	else if (err == -ENOENT)
		NL_SET_ERR_MSG(e->info->extack, "no target on LOCAL_ADDR:LOCAL_PORT");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG(e->info->extack, "the table is full (RTPG_TARGETS_MAX)");
	return err;
}

static int target_command(struct genl_info *info, enum target_op op)
{
	struct rtpg_net *tn = rtpg_net(genl_info_net(info));
	struct edit e = { .info = info };
	struct rtpg_table *table;
	struct rtpg_key key;
	u32 id;
	int err;

	err = rtpg_nl_target_key(info, &id, &key);
	if (err)
		return err;
	e.family = key.family;
	mutex_lock(&tn->lock);
	table = rtpg_net_table(tn, id);
	if (table) {
		err = apply(table, op, &key, &e);
	} else {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RTPG_A_TABLE],
				    "no such table");
		err = -ENOENT;
	}
	if (!err)
		WRITE_ONCE(tn->generation, tn->generation + 1);
	mutex_unlock(&tn->lock);
	return err;
}

static int rtpg_nl_target_add(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, RTPG_A_SRC_PORT) ||
	    GENL_REQ_ATTR_CHECK(info, RTPG_A_DST_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, RTPG_A_DST_PORT))
		return -EINVAL;
	return target_command(info, OP_ADD);
}

static int rtpg_nl_target_update(struct sk_buff *skb, struct genl_info *info)
{
	return target_command(info, OP_UPDATE);
}

static int rtpg_nl_target_del(struct sk_buff *skb, struct genl_info *info)
{
	return target_command(info, OP_DEL);
}

static const struct genl_ops rtpg_ops[] = {
	{
		.cmd = RTPG_CMD_HELLO,
		.doit = rtpg_nl_hello,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TABLE_NEW,
		.doit = rtpg_nl_table_new,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TABLE_DEL,
		.doit = rtpg_nl_table_del,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TARGET_ADD,
		.doit = rtpg_nl_target_add,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TARGET_UPDATE,
		.doit = rtpg_nl_target_update,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TARGET_DEL,
		.doit = rtpg_nl_target_del,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = RTPG_CMD_TARGET_GET,
		.doit = rtpg_nl_target_get,
		.start = rtpg_nl_dump_start,
		.dumpit = rtpg_nl_dump,
		.flags = GENL_ADMIN_PERM,
	},
};

struct genl_family rtpg_genl_family __ro_after_init = {
	.name = RTPG_GENL_NAME,
	.version = RTPG_GENL_VERSION,
	.maxattr = RTPG_A_MAX,
	.policy = rtpg_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = rtpg_ops,
	.n_ops = ARRAY_SIZE(rtpg_ops),
};

int rtpg_genl_register(void)
{
	return genl_register_family(&rtpg_genl_family);
}

void rtpg_genl_unregister(void)
{
	genl_unregister_family(&rtpg_genl_family);
}
