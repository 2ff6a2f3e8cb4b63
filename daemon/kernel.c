/* kernel.c - see kernel.h. Requests are built and replies checked here;
 * netlink.c carries them. */
#include "kernel.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"

/* Big enough for the largest request: a target with IPv6 addresses. */
#define REQ_SIZE 1024

struct rg_kernel {
	struct rg_nl *nl;
	uint16_t family;		/* generic netlink id of "rtpgate" */
	unsigned table;
};

union req {
	struct nlmsghdr align;
	char buf[REQ_SIZE];
};

/* How an attribute must look before its payload is read. */
enum kind { K_SKIP, K_U8, K_U16, K_U32, K_U64, K_ADDR, K_BITMAP, K_NESTED, K_U64_ARRAY,
	    K_SSRC_STATE };

static const uint8_t target_kinds[RTPG_A_MAX + 1] = {
	[RTPG_A_ABI_VERSION] = K_U32,	[RTPG_A_TABLE] = K_U32,
	[RTPG_A_LOCAL_ADDR] = K_ADDR,	[RTPG_A_LOCAL_PORT] = K_U16,
	[RTPG_A_EXPECT_ADDR] = K_ADDR,	[RTPG_A_EXPECT_PORT] = K_U16,
	[RTPG_A_SOURCE_MODE] = K_U8,
	[RTPG_A_SRC_ADDR] = K_ADDR,	[RTPG_A_SRC_PORT] = K_U16,
	[RTPG_A_DST_ADDR] = K_ADDR,	[RTPG_A_DST_PORT] = K_U16,
	[RTPG_A_TOS] = K_U8,		[RTPG_A_FLAGS] = K_U32,
	[RTPG_A_PT_ALLOW] = K_BITMAP,
	[RTPG_A_STATS] = K_NESTED,	[RTPG_A_SSRC] = K_NESTED,
	[RTPG_A_SRTP_DECRYPT] = K_NESTED, [RTPG_A_SRTP_ENCRYPT] = K_NESTED,
};

static const uint8_t srtp_kinds[RTPG_SRTP_MAX + 1] = {
	[RTPG_SRTP_SUITE] = K_U8,	[RTPG_SRTP_TAG_LEN] = K_U8,
	[RTPG_SRTP_SSRC_STATE] = K_SSRC_STATE,
};

static const uint8_t stats_kinds[RTPG_S_MAX + 1] = {
	[RTPG_S_PACKETS] = K_U64,	[RTPG_S_BYTES] = K_U64,
	[RTPG_S_ERRORS] = K_U64,	[RTPG_S_HANDED_UP] = K_U64,
	[RTPG_S_LAST_PACKET_NS] = K_U64, [RTPG_S_DROPS] = K_U64_ARRAY,
};

static const uint8_t ssrc_kinds[RTPG_SS_MAX + 1] = {
	[RTPG_SS_SSRC] = K_U32,		[RTPG_SS_PACKETS] = K_U64,
	[RTPG_SS_BYTES] = K_U64,	[RTPG_SS_PT_BITMAP] = K_BITMAP,
	[RTPG_SS_LOST] = K_U64,		[RTPG_SS_JITTER] = K_U32,
};

/* One attribute space being parsed into @tb; attributes of type @repeat
 * (0: none) may come several times and are collected in @rep. */
struct attrs {
	const uint8_t *kinds;
	unsigned max;
	const struct nlattr **tb;
	unsigned repeat;
	const struct nlattr *rep[RTPG_SSRC_MAX];
	unsigned nrep;
};

static bool attr_ok(const struct nlattr *a, enum kind k)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	switch (k) {
	case K_U8:
		return mnl_attr_validate(a, MNL_TYPE_U8) == 0;
	case K_U16:
		return mnl_attr_validate(a, MNL_TYPE_U16) == 0;
	case K_U32:
		return mnl_attr_validate(a, MNL_TYPE_U32) == 0;
	case K_U64:
		return mnl_attr_validate(a, MNL_TYPE_U64) == 0;
	case K_ADDR:
		return len == 4 || len == 16;
	case K_BITMAP:
		return len == RG_PT_BITMAP_SIZE;
	case K_NESTED:
		return mnl_attr_validate(a, MNL_TYPE_NESTED) == 0;
	case K_U64_ARRAY:
		return len % sizeof(uint64_t) == 0;
	case K_SSRC_STATE:
		return len % sizeof(struct rtpg_srtp_ssrc) == 0 &&
		       len <= RTPG_SSRC_MAX * sizeof(struct rtpg_srtp_ssrc);
	default:
		return true;
	}
}

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *p = data;
	uint16_t type = mnl_attr_get_type(a);

	/* unknown attributes are a newer module's additions: skipped */
	if (type > p->max || p->kinds[type] == K_SKIP)
		return MNL_CB_OK;
	if (!attr_ok(a, p->kinds[type]))
		return MNL_CB_ERROR;
	if (type == p->repeat) {
		if (p->nrep < RTPG_SSRC_MAX)
			p->rep[p->nrep++] = a;
		return MNL_CB_OK;
	}
	p->tb[type] = a;
	return MNL_CB_OK;
}

/* The genl header and attributes of a reply of our family. */
static int parse_reply(const struct nlmsghdr *nlh, struct attrs *p)
{
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, attr_cb, p) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

static int parse_nested(const struct nlattr *nest, struct attrs *p)
{
	return mnl_attr_parse_nested(nest, attr_cb, p) == MNL_CB_OK ? 0 : -EBADMSG;
}

static uint64_t u64_or_0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static struct nlmsghdr *genl_put(struct rg_nl *nl, union req *r, uint16_t type,
				 uint8_t cmd, uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = rg_nl_seq_next(nl);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;
	uint16_t *id = arg;

	if (nlh->nlmsg_type != GENL_ID_CTRL || mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != CTRL_ATTR_FAMILY_ID)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		*id = mnl_attr_get_u16(a);
	}
	return 0;
}

static int resolve_family(struct rg_nl *nl, uint16_t *id)
{
	union req r;
	struct nlmsghdr *nlh = genl_put(nl, &r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	int rc;

	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, RTPG_GENL_NAME);
	*id = 0;
	rc = rg_nl_talk(nl, nlh, nlh->nlmsg_len, family_cb, id);
	if (rc == -ENOENT)
		rg_nl_set_error(nl, "no generic netlink family '%s' (module xt_RTPGATE not loaded)",
				RTPG_GENL_NAME);
	else if (!rc && !*id)
		rc = -EBADMSG;
	return rc;
}

struct hello {
	bool seen;
	uint32_t version;
};

static int hello_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[RTPG_A_MAX + 1] = { 0 };
	struct attrs p = { target_kinds, RTPG_A_MAX, tb, 0, { 0 }, 0 };
	struct hello *h = arg;

	if (parse_reply(nlh, &p))
		return -EBADMSG;
	if (tb[RTPG_A_ABI_VERSION]) {
		h->seen = true;
		h->version = mnl_attr_get_u32(tb[RTPG_A_ABI_VERSION]);
	}
	return 0;
}

/* The handshake of rtpgate_abi.h: a mismatch stops the daemon, with a
 * message naming both versions (or what the module said instead). */
static int handshake(struct rg_nl *nl, uint16_t family)
{
	union req r;
	struct nlmsghdr *nlh = genl_put(nl, &r, family, RTPG_CMD_HELLO, RTPG_GENL_VERSION, NLM_F_ACK);
	struct hello h = { false, 0 };
	char said[128];
	int rc;

	mnl_attr_put_u32(nlh, RTPG_A_ABI_VERSION, RTPG_ABI_VERSION);
	rc = rg_nl_talk(nl, nlh, nlh->nlmsg_len, hello_cb, &h);
	if (rc == -EPERM)
		rg_nl_set_error(nl, "permission denied: the kernel module answers only CAP_NET_ADMIN");
	if (rc && rc != -EPROTO)
		return rc;
	if (!rc && h.seen && h.version == RTPG_ABI_VERSION)
		return 0;
	snprintf(said, sizeof(said), "%s", rg_nl_error(nl));
	if (h.seen)
		rg_nl_set_error(nl, "kernel module speaks ABI version %u, rtpgated speaks version %u: "
				"load the module of the same release", h.version, RTPG_ABI_VERSION);
	else if (rc)
		rg_nl_set_error(nl, "kernel module refused rtpgated's ABI version %u without naming its own%s%s",
				RTPG_ABI_VERSION, said[0] ? ": " : "", said);
	else
		rg_nl_set_error(nl, "kernel module did not say its ABI version (rtpgated speaks version %u)",
				RTPG_ABI_VERSION);
	return -EPROTO;
}

int rg_kernel_open(struct rg_nl *nl, unsigned table, struct rg_kernel **out)
{
	struct rg_kernel *k;
	uint16_t family;
	int rc;

	if (table > RTPG_TABLE_MAX)
		return -EINVAL;
	rc = resolve_family(nl, &family);
	if (rc)
		return rc;
	rc = handshake(nl, family);
	if (rc)
		return rc;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->nl = nl;
	k->family = family;
	k->table = table;
	*out = k;
	return 0;
}

void rg_kernel_close(struct rg_kernel *k)
{
	if (!k)
		return;
	rg_nl_close(k->nl);
	free(k);
}

struct rg_nl *rg_kernel_nl(struct rg_kernel *k)
{
	return k->nl;
}

unsigned rg_kernel_table(const struct rg_kernel *k)
{
	return k->table;
}

static struct nlmsghdr *table_msg(struct rg_kernel *k, union req *r, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = genl_put(k->nl, r, k->family, cmd, RTPG_GENL_VERSION, flags);

	mnl_attr_put_u32(nlh, RTPG_A_TABLE, k->table);
	return nlh;
}

static int table_cmd(struct rg_kernel *k, uint8_t cmd)
{
	union req r;
	struct nlmsghdr *nlh = table_msg(k, &r, cmd, NLM_F_ACK);

	return rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, NULL, NULL);
}

int rg_kernel_table_create(struct rg_kernel *k)
{
	return table_cmd(k, RTPG_CMD_TABLE_NEW);
}

int rg_kernel_table_delete(struct rg_kernel *k)
{
	return table_cmd(k, RTPG_CMD_TABLE_DEL);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static bool endpoint_ok(const struct sockaddr_storage *ss)
{
	return (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) && port_of(ss);
}

static void put_endpoint(struct nlmsghdr *nlh, uint16_t addr_type, uint16_t port_type,
			 const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		mnl_attr_put(nlh, addr_type, 4, &((const struct sockaddr_in *)ss)->sin_addr);
	else
		mnl_attr_put(nlh, addr_type, 16, &((const struct sockaddr_in6 *)ss)->sin6_addr);
	mnl_attr_put_u16(nlh, port_type, port_of(ss));
}

/* Both attributes or neither; a port of 0 is the kernel's business. */
static int get_endpoint(const struct nlattr *addr, const struct nlattr *port,
			struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (!addr || !port)
		return addr || port ? -EBADMSG : 0;
	if (mnl_attr_get_payload_len(addr) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, mnl_attr_get_payload(addr), 4);
		sin->sin_port = htons(mnl_attr_get_u16(port));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, mnl_attr_get_payload(addr), 16);
		sin6->sin6_port = htons(mnl_attr_get_u16(port));
	}
	return 0;
}

static int srtp_check(const struct rg_kernel_srtp *s, uint32_t flags)
{
	uint8_t key_len, salt_len, tag_len;

	if (s->suite == RTPG_SUITE_NONE)
		return 0;
	if (rtpg_suite_lengths(s->suite, &key_len, &salt_len, &tag_len) ||
	    s->tag_len != tag_len || s->nstate > RTPG_SSRC_MAX || !(flags & RTPG_F_RTP))
		return -EINVAL;
	return 0;
}

/* One direction's SRTP nest, when it has SRTP: a plain target's message
 * is what it was before SRTP existed, so a module of the same ABI
 * version without SRTP still takes it. (A target never changes from SRTP
 * to plain by an update: every signalling event deletes the targets
 * first, offload.h.) */
static void put_srtp(struct nlmsghdr *nlh, uint16_t type, const struct rg_kernel_srtp *s)
{
	uint8_t key_len, salt_len, tag_len;
	struct nlattr *nest;

	/* srtp_check() took the suite */
	if (rtpg_suite_lengths(s->suite, &key_len, &salt_len, &tag_len))
		return;
	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_u8(nlh, RTPG_SRTP_SUITE, s->suite);
	mnl_attr_put(nlh, RTPG_SRTP_CIPHER_KEY, key_len, s->cipher_key);
	mnl_attr_put(nlh, RTPG_SRTP_CIPHER_SALT, salt_len, s->salt);
	if (salt_len != 12)	/* AES-CM: HMAC-SHA1; AES-GCM has none */
		mnl_attr_put(nlh, RTPG_SRTP_AUTH_KEY, sizeof(s->auth_key), s->auth_key);
	mnl_attr_put_u8(nlh, RTPG_SRTP_TAG_LEN, s->tag_len);
	if (s->nstate)
		mnl_attr_put(nlh, RTPG_SRTP_SSRC_STATE, s->nstate * sizeof(s->state[0]),
			     s->state);
	mnl_attr_nest_end(nlh, nest);
}

static int target_check(const struct rg_kernel_target *t)
{
	int family = t->local.ss_family;

	if (!endpoint_ok(&t->local) || !endpoint_ok(&t->src) || !endpoint_ok(&t->dst))
		return -EINVAL;
	if (t->src.ss_family != family || t->dst.ss_family != family)
		return -EINVAL;
	if (t->expect.ss_family &&
	    (t->expect.ss_family != family || !endpoint_ok(&t->expect)))
		return -EINVAL;
	if ((unsigned)t->source_mode >= __RTPG_SOURCE_MAX)
		return -EINVAL;
	if (t->source_mode != RTPG_SOURCE_IGNORE && !t->expect.ss_family)
		return -EINVAL;
	if (t->flags & ~(uint32_t)RTPG_F_ALL)
		return -EINVAL;
	if (srtp_check(&t->decrypt, t->flags) || srtp_check(&t->encrypt, t->flags))
		return -EINVAL;
	return 0;
}

int rg_kernel_target_set(struct rg_kernel *k, const struct rg_kernel_target *t)
{
	union req r;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int rc = target_check(t);

	if (rc)
		return rc;
	nlh = table_msg(k, &r, RTPG_CMD_TARGET_ADD, NLM_F_ACK);
	put_endpoint(nlh, RTPG_A_LOCAL_ADDR, RTPG_A_LOCAL_PORT, &t->local);
	if (t->expect.ss_family)
		put_endpoint(nlh, RTPG_A_EXPECT_ADDR, RTPG_A_EXPECT_PORT, &t->expect);
	mnl_attr_put_u8(nlh, RTPG_A_SOURCE_MODE, (uint8_t)t->source_mode);
	put_endpoint(nlh, RTPG_A_SRC_ADDR, RTPG_A_SRC_PORT, &t->src);
	put_endpoint(nlh, RTPG_A_DST_ADDR, RTPG_A_DST_PORT, &t->dst);
	mnl_attr_put_u8(nlh, RTPG_A_TOS, t->tos);
	mnl_attr_put_u32(nlh, RTPG_A_FLAGS, t->flags);
	if (t->flags & RTPG_F_PT_FILTER)
		mnl_attr_put(nlh, RTPG_A_PT_ALLOW, sizeof(t->pt_allow), t->pt_allow);
	put_srtp(nlh, RTPG_A_SRTP_DECRYPT, &t->decrypt);
	put_srtp(nlh, RTPG_A_SRTP_ENCRYPT, &t->encrypt);
	rc = rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, NULL, NULL);
	if (rc == -EEXIST) {
		/* the same message as an update, under a sequence number of its own */
		g = mnl_nlmsg_get_payload(nlh);
		g->cmd = RTPG_CMD_TARGET_UPDATE;
		nlh->nlmsg_seq = rg_nl_seq_next(k->nl);
		rc = rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, NULL, NULL);
	}
	explicit_bzero(&r, sizeof(r));	/* session keys */
	return rc;
}

int rg_kernel_target_del(struct rg_kernel *k, const struct sockaddr_storage *local)
{
	union req r;
	struct nlmsghdr *nlh;

	if (!endpoint_ok(local))
		return -EINVAL;
	nlh = table_msg(k, &r, RTPG_CMD_TARGET_DEL, NLM_F_ACK);
	put_endpoint(nlh, RTPG_A_LOCAL_ADDR, RTPG_A_LOCAL_PORT, local);
	return rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, NULL, NULL);
}

static void fill_stats(const struct nlattr **tb, struct rg_kernel_stats *s)
{
	const struct nlattr *drops = tb[RTPG_S_DROPS];
	size_t n;

	s->packets = u64_or_0(tb[RTPG_S_PACKETS]);
	s->bytes = u64_or_0(tb[RTPG_S_BYTES]);
	s->errors = u64_or_0(tb[RTPG_S_ERRORS]);
	s->handed_up = u64_or_0(tb[RTPG_S_HANDED_UP]);
	s->last_packet_ns = u64_or_0(tb[RTPG_S_LAST_PACKET_NS]);
	if (drops) {
		/* a newer module may count more reasons: the known ones are first */
		n = mnl_attr_get_payload_len(drops);
		if (n > sizeof(s->drops))
			n = sizeof(s->drops);
		memcpy(s->drops, mnl_attr_get_payload(drops), n);
	}
}

static int fill_ssrc(const struct nlattr *nest, struct rg_kernel_ssrc *ss)
{
	const struct nlattr *tb[RTPG_SS_MAX + 1] = { 0 };
	struct attrs p = { ssrc_kinds, RTPG_SS_MAX, tb, 0, { 0 }, 0 };

	if (parse_nested(nest, &p) || !tb[RTPG_SS_SSRC])
		return -EBADMSG;
	ss->ssrc = mnl_attr_get_u32(tb[RTPG_SS_SSRC]);
	ss->packets = u64_or_0(tb[RTPG_SS_PACKETS]);
	ss->bytes = u64_or_0(tb[RTPG_SS_BYTES]);
	ss->lost = u64_or_0(tb[RTPG_SS_LOST]);
	ss->jitter = tb[RTPG_SS_JITTER] ? mnl_attr_get_u32(tb[RTPG_SS_JITTER]) : 0;
	if (tb[RTPG_SS_PT_BITMAP])
		memcpy(ss->pt_seen, mnl_attr_get_payload(tb[RTPG_SS_PT_BITMAP]),
		       sizeof(ss->pt_seen));
	return 0;
}

static int fill_counters(const struct nlattr *stats, const struct attrs *top,
			 struct rg_kernel_stats *s)
{
	const struct nlattr *tb[RTPG_S_MAX + 1] = { 0 };
	struct attrs p = { stats_kinds, RTPG_S_MAX, tb, 0, { 0 }, 0 };
	unsigned i;

	if (stats) {
		if (parse_nested(stats, &p))
			return -EBADMSG;
		fill_stats(tb, s);
	}
	for (i = 0; i < top->nrep; i++)
		if (fill_ssrc(top->rep[i], &s->ssrc[i]))
			return -EBADMSG;
	s->ssrc_count = top->nrep;
	return 0;
}

/* A reply's SRTP nest: suite, tag length and SSRC state (no keys). */
static int fill_srtp(const struct nlattr *nest, struct rg_kernel_srtp *s)
{
	const struct nlattr *tb[RTPG_SRTP_MAX + 1] = { 0 };
	struct attrs p = { srtp_kinds, RTPG_SRTP_MAX, tb, 0, { 0 }, 0 };
	const struct nlattr *st;

	if (!nest)
		return 0;
	if (parse_nested(nest, &p))
		return -EBADMSG;
	s->suite = tb[RTPG_SRTP_SUITE] ? mnl_attr_get_u8(tb[RTPG_SRTP_SUITE]) : 0;
	s->tag_len = tb[RTPG_SRTP_TAG_LEN] ? mnl_attr_get_u8(tb[RTPG_SRTP_TAG_LEN]) : 0;
	st = tb[RTPG_SRTP_SSRC_STATE];
	if (st) {
		s->nstate = mnl_attr_get_payload_len(st) / sizeof(s->state[0]);
		memcpy(s->state, mnl_attr_get_payload(st), mnl_attr_get_payload_len(st));
	}
	return 0;
}

int rg_kernel_entry_parse(const struct nlmsghdr *nlh, struct rg_kernel_entry *out)
{
	const struct nlattr *tb[RTPG_A_MAX + 1] = { 0 };
	struct attrs p = { target_kinds, RTPG_A_MAX, tb, RTPG_A_SSRC, { 0 }, 0 };
	struct rg_kernel_target *t = &out->target;
	uint8_t mode;

	memset(out, 0, sizeof(*out));
	if (parse_reply(nlh, &p) || !tb[RTPG_A_LOCAL_ADDR])
		return -EBADMSG;
	if (get_endpoint(tb[RTPG_A_LOCAL_ADDR], tb[RTPG_A_LOCAL_PORT], &t->local) ||
	    get_endpoint(tb[RTPG_A_EXPECT_ADDR], tb[RTPG_A_EXPECT_PORT], &t->expect) ||
	    get_endpoint(tb[RTPG_A_SRC_ADDR], tb[RTPG_A_SRC_PORT], &t->src) ||
	    get_endpoint(tb[RTPG_A_DST_ADDR], tb[RTPG_A_DST_PORT], &t->dst))
		return -EBADMSG;
	mode = tb[RTPG_A_SOURCE_MODE] ? mnl_attr_get_u8(tb[RTPG_A_SOURCE_MODE]) : 0;
	if (mode >= __RTPG_SOURCE_MAX)
		return -EBADMSG;
	t->source_mode = mode;
	t->tos = tb[RTPG_A_TOS] ? mnl_attr_get_u8(tb[RTPG_A_TOS]) : 0;
	t->flags = tb[RTPG_A_FLAGS] ? mnl_attr_get_u32(tb[RTPG_A_FLAGS]) : 0;
	if (tb[RTPG_A_PT_ALLOW])
		memcpy(t->pt_allow, mnl_attr_get_payload(tb[RTPG_A_PT_ALLOW]),
		       sizeof(t->pt_allow));
	if (fill_srtp(tb[RTPG_A_SRTP_DECRYPT], &t->decrypt) ||
	    fill_srtp(tb[RTPG_A_SRTP_ENCRYPT], &t->encrypt))
		return -EBADMSG;
	return fill_counters(tb[RTPG_A_STATS], &p, &out->stats);
}

struct get {
	struct rg_kernel_entry *out;
	bool found;
};

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct get *g = arg;
	int rc = rg_kernel_entry_parse(nlh, g->out);

	g->found = !rc;
	return rc;
}

int rg_kernel_target_get(struct rg_kernel *k, const struct sockaddr_storage *local,
			 struct rg_kernel_entry *out)
{
	union req r;
	struct nlmsghdr *nlh;
	struct get g = { out, false };
	int rc;

	if (!endpoint_ok(local))
		return -EINVAL;
	nlh = table_msg(k, &r, RTPG_CMD_TARGET_GET, NLM_F_ACK);
	put_endpoint(nlh, RTPG_A_LOCAL_ADDR, RTPG_A_LOCAL_PORT, local);
	rc = rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, get_cb, &g);
	if (!rc && !g.found)
		rc = -EBADMSG;	/* acknowledged, but no target sent */
	return rc;
}

struct dump {
	rg_kernel_entry_cb cb;
	void *arg;
	struct rg_kernel_entry e;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	int rc = rg_kernel_entry_parse(nlh, &d->e);

	return rc ? rc : d->cb(&d->e, d->arg);
}

int rg_kernel_stats_dump(struct rg_kernel *k, rg_kernel_entry_cb cb, void *arg)
{
	union req r;
	struct nlmsghdr *nlh = table_msg(k, &r, RTPG_CMD_TARGET_GET, NLM_F_DUMP);
	struct dump d = { .cb = cb, .arg = arg };

	return rg_nl_talk(k->nl, nlh, nlh->nlmsg_len, dump_cb, &d);
}
