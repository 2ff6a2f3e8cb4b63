// SPDX-License-Identifier: GPL-2.0
/*
 * netlink_srtp.c - RTPG_A_SRTP_DECRYPT and RTPG_A_SRTP_ENCRYPT: their
 * policy, turning a request's nest into a context (srtp.c), and the
 * nest of a reply (suite, tag length, per-SSRC state; never keys).
 */
#include <linux/err.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "srtp.h"

/* A cipher key is 16 or 32 octets, a salt 12 or 14: which, the suite
 * says (params()). */
static int validate_len(const struct nlattr *attr, struct netlink_ext_ack *extack,
			int a, int b)
{
	if (nla_len(attr) == a || nla_len(attr) == b)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "key or salt of a length no suite has");
	return -EINVAL;
}

static int validate_key(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	return validate_len(attr, extack, 16, 32);
}

static int validate_salt(const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	return validate_len(attr, extack, 12, 14);
}

/* SSRC_STATE: 1..RTPG_SSRC_MAX whole records, flags 0, SSRCs distinct. */
static int validate_state(const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const struct rtpg_srtp_ssrc *st = nla_data(attr);
	int len = nla_len(attr), n, i, j;

	if (!len || len % sizeof(*st) ||
	    len > RTPG_SSRC_MAX * (int)sizeof(*st)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "SSRC_STATE is 1 to RTPG_SSRC_MAX struct rtpg_srtp_ssrc");
		return -EINVAL;
	}
	n = len / sizeof(*st);
	for (i = 0; i < n; i++) {
		if (st[i].flags) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "SSRC_STATE flags must be 0");
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (st[j].ssrc == st[i].ssrc) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "SSRC_STATE names an SSRC twice");
				return -EINVAL;
			}
	}
	return 0;
}

const struct nla_policy rtpg_srtp_policy[RTPG_SRTP_MAX + 1] = {
	[RTPG_SRTP_SUITE]	= NLA_POLICY_RANGE(NLA_U8, 1, __RTPG_SUITE_MAX - 1),
	[RTPG_SRTP_CIPHER_KEY]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_key,
							 RTPG_SRTP_KEY_MAX),
	[RTPG_SRTP_CIPHER_SALT]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_salt,
							 RTPG_SRTP_SALT_MAX),
	[RTPG_SRTP_AUTH_KEY]	= NLA_POLICY_EXACT_LEN(RTPG_SRTP_AUTH_KEY_LEN),
	[RTPG_SRTP_TAG_LEN]	= NLA_POLICY_RANGE(NLA_U8, 4, RTPG_SRTP_TAG_MAX),
	[RTPG_SRTP_SSRC_STATE]	= NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_state,
				RTPG_SSRC_MAX * sizeof(struct rtpg_srtp_ssrc)),
};

static bool any_but_suite(struct nlattr **tb)
{
	int i;

	for (i = RTPG_SRTP_SUITE + 1; i <= RTPG_SRTP_MAX; i++)
		if (tb[i])
			return true;
	return false;
}

static bool sized(const struct nlattr *a, int len)
{
	return a && nla_len(a) == len;
}

/* Fills @p from a nest that has a SUITE: the suite's key, salt and tag
 * length, an AUTH_KEY exactly when the suite is not AEAD. */
static int params(struct nlattr *nest, struct nlattr **tb,
		  struct rtpg_srtp_params *p, struct netlink_ext_ack *extack)
{
	struct nlattr *state = tb[RTPG_SRTP_SSRC_STATE];
	u8 key_len, salt_len, tag_len;
	bool aead;

	memset(p, 0, sizeof(*p));
	p->suite = nla_get_u8(tb[RTPG_SRTP_SUITE]);
	if (rtpg_suite_lengths(p->suite, &key_len, &salt_len, &tag_len))
		return -EINVAL;		/* the policy's range keeps this out */
	aead = salt_len == 12;
	if (!sized(tb[RTPG_SRTP_CIPHER_KEY], key_len) ||
	    !sized(tb[RTPG_SRTP_CIPHER_SALT], salt_len) ||
	    !tb[RTPG_SRTP_TAG_LEN]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "SRTP needs CIPHER_KEY and CIPHER_SALT of the suite's lengths, and TAG_LEN");
		return -EINVAL;
	}
	if (!aead && !tb[RTPG_SRTP_AUTH_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "an AES-CM suite needs AUTH_KEY");
		return -EINVAL;
	}
	if (aead && tb[RTPG_SRTP_AUTH_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RTPG_SRTP_AUTH_KEY],
				    "an AEAD suite takes no AUTH_KEY");
		return -EINVAL;
	}
	p->tag_len = nla_get_u8(tb[RTPG_SRTP_TAG_LEN]);
	if (p->tag_len != tag_len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[RTPG_SRTP_TAG_LEN],
				    "TAG_LEN is not the suite's");
		return -EINVAL;
	}
	nla_memcpy(p->cipher_key, tb[RTPG_SRTP_CIPHER_KEY], sizeof(p->cipher_key));
	nla_memcpy(p->salt, tb[RTPG_SRTP_CIPHER_SALT], sizeof(p->salt));
	if (tb[RTPG_SRTP_AUTH_KEY])
		nla_memcpy(p->auth_key, tb[RTPG_SRTP_AUTH_KEY], sizeof(p->auth_key));
	if (state) {
		p->nstate = nla_len(state) / sizeof(p->state[0]);
		nla_memcpy(p->state, state, sizeof(p->state));
	}
	return 0;
}

int rtpg_nl_take_srtp(struct genl_info *info, int type,
		      struct rtpg_srtp **slot)
{
	struct nlattr *nest = info->attrs[type], *tb[RTPG_SRTP_MAX + 1];
	struct rtpg_srtp_params p;
	struct rtpg_srtp *s;
	int err;

	if (!nest)
		return 0;
	err = nla_parse_nested(tb, RTPG_SRTP_MAX, nest, rtpg_srtp_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[RTPG_SRTP_SUITE]) {
		if (any_but_suite(tb)) {
			NL_SET_ERR_MSG_ATTR(info->extack, nest,
					    "SRTP attributes without SUITE");
			return -EINVAL;
		}
		rtpg_srtp_put(*slot);
		*slot = NULL;
		return 0;
	}
	err = params(nest, tb, &p, info->extack);
	if (err)
		return err;
	if (*slot && rtpg_srtp_same_keys(*slot, &p)) {
		memzero_explicit(&p, sizeof(p));
		return 0;	/* a routine re-send: the state goes on */
	}
	s = rtpg_srtp_create(&p);
	memzero_explicit(&p, sizeof(p));
	if (IS_ERR(s)) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "cannot set up the suite's transforms (ctr(aes) and hmac(sha1), or gcm(aes))");
		return PTR_ERR(s);
	}
	rtpg_srtp_put(*slot);
	*slot = s;
	return 0;
}

int rtpg_nl_put_srtp(struct sk_buff *msg, int type, struct rtpg_srtp *s)
{
	struct rtpg_srtp_ssrc state[RTPG_SSRC_MAX];
	struct nlattr *nest;
	unsigned int n;

	if (!s)
		return 0;
	n = rtpg_srtp_state(s, state);
	nest = nla_nest_start(msg, type);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(msg, RTPG_SRTP_SUITE, s->suite) ||
	    nla_put_u8(msg, RTPG_SRTP_TAG_LEN, s->tag_len) ||
	    (n && nla_put(msg, RTPG_SRTP_SSRC_STATE, n * sizeof(state[0]),
			  state))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}
