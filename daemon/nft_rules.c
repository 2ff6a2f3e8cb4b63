/* nft_rules.c - see nft_rules.h. libnftnl builds the messages of one
 * nfnetlink batch (a transaction: all of it applies, or none); netlink.c
 * sends it and collects one ack per message. */
#include "nft_rules.h"

/* glibc's netinet/in.h first: linux/netfilter.h then skips its twin */
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel-module/rtpgate_abi.h"
#include "netlink.h"

#define TARGET_NAME "RTPGATE"
#define TARGET_NAME_MAX 29	/* XT_EXTENSION_MAXNAMELEN, with its NUL */
#define MSG_ROOM 1024		/* the largest message built here, with room */
#define BATCH_SIZE (8 * MSG_ROOM)
#define RULE_EXPRS 7

struct rg_nft_rules {
	struct rg_nl *nl;
	char table[32];
};

struct batch {
	struct rg_nl *nl;
	size_t len;
	union {
		struct nlmsghdr align;
		char buf[BATCH_SIZE];
	};
};

static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type, uint16_t flags)
{
	/* at most 7 messages of at most MSG_ROOM bytes each: they fit */
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET,
				     flags | NLM_F_ACK, rg_nl_seq_next(b->nl));
}

static void batch_add(struct batch *b, const struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static int put_table(struct batch *b, uint16_t type, uint16_t flags, const char *name,
		     bool owned)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	if (owned)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nlh = batch_msg(b, type, flags);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_add(b, nlh);
	nftnl_table_free(t);
	return 0;
}

static int put_chain(struct batch *b, const char *table)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, RG_NFT_CHAIN);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	batch_add(b, nlh);
	nftnl_chain_free(c);
	return 0;
}

static struct nftnl_expr *expr_cmp(uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return e;
}

static struct nftnl_expr *expr_l4proto(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return e;
}

static struct nftnl_expr *expr_udp_dport(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_TRANSPORT_HEADER);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offsetof(struct udphdr, dest));
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, sizeof(uint16_t));
	}
	return e;
}

/* nft_compat's "target" expression; libnftnl frees the info it is given. */
static struct nftnl_expr *expr_target(const struct rg_nft_spec *spec)
{
	struct xt_rtpgate_info ours = { .table = spec->table };
	const void *info = spec->target ? spec->target_info : &ours;
	size_t len = spec->target ? spec->target_info_len : sizeof(ours);
	struct nftnl_expr *e = nftnl_expr_alloc("target");
	void *copy = malloc(len ? len : 1);

	if (!e || !copy) {
		nftnl_expr_free(e);
		free(copy);
		return NULL;
	}
	memcpy(copy, info, len);
	nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, spec->target ? spec->target : TARGET_NAME);
	nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, spec->target ? spec->target_rev : 0);
	nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, copy, (uint32_t)len);
	return e;
}

/* meta l4proto udp udp dport MIN-MAX counter xt target ... */
static int rule_exprs(struct nftnl_rule *r, const struct rg_nft_spec *spec)
{
	uint8_t udp = IPPROTO_UDP;
	uint16_t min = htons((uint16_t)spec->port_min), max = htons((uint16_t)spec->port_max);
	struct nftnl_expr *e[RULE_EXPRS] = {
		expr_l4proto(),
		expr_cmp(NFT_CMP_EQ, &udp, sizeof(udp)),
		expr_udp_dport(),
		expr_cmp(NFT_CMP_GTE, &min, sizeof(min)),
		expr_cmp(NFT_CMP_LTE, &max, sizeof(max)),
		nftnl_expr_alloc("counter"),
		expr_target(spec),
	};
	bool ok = true;
	int i;

	for (i = 0; i < RULE_EXPRS; i++)
		ok = ok && e[i];
	for (i = 0; i < RULE_EXPRS; i++) {
		if (ok)
			nftnl_rule_add_expr(r, e[i]);
		else
			nftnl_expr_free(e[i]);
	}
	return ok ? 0 : -ENOMEM;
}

static int put_rule(struct batch *b, const char *table, const struct rg_nft_spec *spec)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int rc;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, RG_NFT_CHAIN);
	/* tells xtables the rule matches UDP only, for targets that ask */
	nftnl_rule_set_u32(r, NFTNL_RULE_COMPAT_PROTO, IPPROTO_UDP);
	nftnl_rule_set_u32(r, NFTNL_RULE_COMPAT_FLAGS, 0);
	rc = rule_exprs(r, spec);
	if (!rc) {
		nlh = batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		batch_add(b, nlh);
	}
	nftnl_rule_free(r);
	return rc;
}

static void batch_begin(struct batch *b, struct rg_nl *nl)
{
	b->nl = nl;
	b->len = 0;
	batch_add(b, nftnl_batch_begin(b->buf, rg_nl_seq_next(nl)));
}

static int batch_send(struct batch *b)
{
	batch_add(b, nftnl_batch_end(b->buf + b->len, rg_nl_seq_next(b->nl)));
	return rg_nl_talk(b->nl, b->buf, b->len, NULL, NULL);
}

static int spec_check(const struct rg_nft_spec *spec)
{
	if (spec->table > RTPG_TABLE_MAX || spec->port_min < 1 ||
	    spec->port_min > spec->port_max || spec->port_max > 65535)
		return -EINVAL;
	if (spec->target && (strlen(spec->target) >= TARGET_NAME_MAX ||
			     spec->target_info_len > RG_NFT_INFO_MAX ||
			     (spec->target_info_len && !spec->target_info)))
		return -EINVAL;
	return 0;
}

static void explain(struct rg_nl *nl, int rc, const struct rg_nft_rules *r,
		    const struct rg_nft_spec *spec)
{
	if (rg_nl_error(nl)[0])
		return;
	if (rc == -EPERM)
		rg_nl_set_error(nl, "nftables table inet %s belongs to another running process "
				"(another daemon with --table=%u?), or rtpgated lacks CAP_NET_ADMIN",
				r->table, spec->table);
	else if (rc == -ENOENT)
		rg_nl_set_error(nl, "the kernel has no xtables target %s for nftables "
				"(module not loaded, or no nft_compat)",
				spec->target ? spec->target : TARGET_NAME);
}

int rg_nft_rules_create(struct rg_nl *nl, const struct rg_nft_spec *spec,
			struct rg_nft_rules **out)
{
	struct rg_nft_rules *r;
	struct batch *b;
	int rc = spec_check(spec);

	if (rc)
		return rc;
	r = calloc(1, sizeof(*r));
	b = malloc(sizeof(*b));
	if (!r || !b) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(r->table, sizeof(r->table), RG_NFT_TABLE_PREFIX "%u", spec->table);
	batch_begin(b, nl);
	/* Adding first makes the delete succeed whether or not a stale table
	 * is there; then the table is made again, owned by this socket. */
	rc = put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, r->table, false);
	rc = rc ?: put_table(b, NFT_MSG_DELTABLE, 0, r->table, false);
	rc = rc ?: put_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, r->table, true);
	rc = rc ?: put_chain(b, r->table);
	rc = rc ?: put_rule(b, r->table, spec);
	rc = rc ?: batch_send(b);
	if (rc) {
		explain(nl, rc, r, spec);
		goto out;
	}
	r->nl = nl;
	*out = r;
	r = NULL;
out:
	free(b);
	free(r);
	return rc;
}

int rg_nft_rules_destroy(struct rg_nft_rules *r)
{
	struct batch *b;
	int rc = -ENOMEM;

	if (!r)
		return 0;
	b = malloc(sizeof(*b));
	if (b) {
		batch_begin(b, r->nl);
		rc = put_table(b, NFT_MSG_DELTABLE, 0, r->table, false);
		rc = rc ?: batch_send(b);
		free(b);
	}
	rg_nl_close(r->nl);	/* removes the owned table in any case */
	free(r);
	return rc;
}

const char *rg_nft_rules_table(const struct rg_nft_rules *r)
{
	return r->table;
}
