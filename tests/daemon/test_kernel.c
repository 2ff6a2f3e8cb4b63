/* test_kernel.c - the xt_RTPGATE client without the module: requests are
 * read back and replies hand-made on the other end of a socketpair that
 * stands in for the netlink socket; and, on this kernel (no module), the
 * family lookup and the daemon's start-up fall back as they should.
 * (The transport itself, netlink.c, is tested in test_netlink.c.)
 */
/* needs: netlink kernel kernel_setup nft_rules log */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "ctx.h"
#include "kernel.h"
#include "kernel_setup.h"
#include "log.h"
#include "netlink.h"
#include "kernel_fixture.h"
#include "test.h"


static bool attr_is(const struct nlattr *a, const void *data, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len &&
	       memcmp(mnl_attr_get_payload(a), data, len) == 0;
}

static bool v4_attr_is(const struct nlattr *a, const char *text)
{
	struct in_addr in;

	inet_pton(AF_INET, text, &in);
	return attr_is(a, &in, 4);
}

static void family_lookup_asks_the_controller_by_name(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;
	union msgbuf m;
	const struct nlattr *name = NULL, *a;
	ssize_t n;

	CHECK(fake_open(&f));
	queue_ack(&f, 1, -ENOENT, NULL);
	CHECK_INT(rg_kernel_open(f.nl, 0, &k), -ENOENT);
	n = read_request(&f, &m);
	CHECK(n > 0);
	CHECK_INT(m.align.nlmsg_type, GENL_ID_CTRL);
	CHECK(m.align.nlmsg_flags & NLM_F_REQUEST);
	CHECK_INT(((struct genlmsghdr *)mnl_nlmsg_get_payload(&m.align))->cmd, CTRL_CMD_GETFAMILY);
	mnl_attr_for_each(a, &m.align, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = a;
	CHECK(name);
	CHECK_STR(mnl_attr_get_str(name), "rtpgate");
	CHECK(strstr(rg_nl_error(f.nl), "not loaded"));
	fake_close(&f);
}

static void missing_family_on_this_kernel_gives_enoent(void)
{
	struct rg_kernel *k = NULL;
	struct rg_nl *nl;

	CHECK_INT(rg_nl_open(NETLINK_GENERIC, &nl), 0);
	CHECK_INT(rg_kernel_open(nl, 0, &k), -ENOENT);
	CHECK(k == NULL);
	rg_nl_close(nl);
}

static void handshake_sends_our_version_and_opens(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;

	CHECK_INT(handshake(&f, 7, RTPG_ABI_VERSION, 0, NULL, &k), 0);
	CHECK(read_request(&f, &req) > 0);	/* the family lookup */
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_HELLO);
	CHECK(tb[RTPG_A_ABI_VERSION]);
	CHECK_INT(mnl_attr_get_u32(tb[RTPG_A_ABI_VERSION]), RTPG_ABI_VERSION);
	CHECK_INT(rg_kernel_table(k), 7);
	rg_kernel_close(k);	/* closes f's end too */
	close(f.peer);
}

static void other_abi_version_is_refused_naming_both(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;
	char want[64];

	CHECK_INT(handshake(&f, 0, RTPG_ABI_VERSION + 1, -EPROTO, NULL, &k), -EPROTO);
	snprintf(want, sizeof(want), "ABI version %u, rtpgated speaks version %u",
		 RTPG_ABI_VERSION + 1, RTPG_ABI_VERSION);
	CHECK(strstr(rg_nl_error(f.nl), want));
	fake_close(&f);
}

static void refusal_without_version_quotes_the_module(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;

	CHECK_INT(handshake(&f, 0, -1, -EPROTO, "rtpgate ABI 9 expected", &k), -EPROTO);
	CHECK(strstr(rg_nl_error(f.nl), "ABI version 1"));
	CHECK(strstr(rg_nl_error(f.nl), "rtpgate ABI 9 expected"));
	fake_close(&f);
}

static void accepted_hello_with_another_version_is_refused(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;

	CHECK_INT(handshake(&f, 0, 0, 0, NULL, &k), -EPROTO);
	CHECK(strstr(rg_nl_error(f.nl), "ABI version 0, rtpgated speaks version 1"));
	fake_close(&f);
}

static void handshake_without_cap_net_admin_gives_eperm(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;

	CHECK_INT(handshake(&f, 0, -1, -EPERM, NULL, &k), -EPERM);
	CHECK(strstr(rg_nl_error(f.nl), "CAP_NET_ADMIN"));
	fake_close(&f);
}

static void table_out_of_range_is_refused(void)
{
	struct fake f;
	struct rg_kernel *k = NULL;
	union msgbuf m;

	CHECK(fake_open(&f));
	CHECK_INT(rg_kernel_open(f.nl, RTPG_TABLE_MAX + 1, &k), -EINVAL);
	CHECK_INT(read_request(&f, &m), 0);
	fake_close(&f);
}

static void table_create_and_delete_name_the_table(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 42);
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;

	CHECK(k);
	queue_ack(&f, 3, 0, NULL);
	queue_ack(&f, 4, -ENOENT, NULL);
	CHECK_INT(rg_kernel_table_create(k), 0);
	CHECK_INT(rg_kernel_table_delete(k), -ENOENT);
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_TABLE_NEW);
	CHECK(tb[RTPG_A_TABLE] && mnl_attr_get_u32(tb[RTPG_A_TABLE]) == 42);
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_TABLE_DEL);
	CHECK(tb[RTPG_A_TABLE] && mnl_attr_get_u32(tb[RTPG_A_TABLE]) == 42);
	rg_kernel_close(k);
	close(f.peer);
}

/* @tb holds the attributes of @t as rg_kernel_target_set() sends them. */
static bool sent_target_v4(const struct nlattr **tb, const struct rg_kernel_target *t)
{
	return tb[RTPG_A_TABLE] && mnl_attr_get_u32(tb[RTPG_A_TABLE]) == 3 &&
	       v4_attr_is(tb[RTPG_A_LOCAL_ADDR], "10.0.0.1") &&
	       mnl_attr_get_u16(tb[RTPG_A_LOCAL_PORT]) == 30000 &&
	       v4_attr_is(tb[RTPG_A_EXPECT_ADDR], "192.0.2.7") &&
	       mnl_attr_get_u16(tb[RTPG_A_EXPECT_PORT]) == 4000 &&
	       mnl_attr_get_u8(tb[RTPG_A_SOURCE_MODE]) == RTPG_SOURCE_DROP &&
	       v4_attr_is(tb[RTPG_A_SRC_ADDR], "10.0.1.1") &&
	       mnl_attr_get_u16(tb[RTPG_A_SRC_PORT]) == 30002 &&
	       v4_attr_is(tb[RTPG_A_DST_ADDR], "198.51.100.9") &&
	       mnl_attr_get_u16(tb[RTPG_A_DST_PORT]) == 5004 &&
	       mnl_attr_get_u8(tb[RTPG_A_TOS]) == 0xb8 &&
	       mnl_attr_get_u32(tb[RTPG_A_FLAGS]) == (RTPG_F_RTP | RTPG_F_PT_FILTER) &&
	       attr_is(tb[RTPG_A_PT_ALLOW], t->pt_allow, 16);
}

static void target_set_sends_every_field(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	struct rg_kernel_target t = target_v4();
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;

	CHECK(k);
	queue_ack(&f, 3, 0, NULL);
	CHECK_INT(rg_kernel_target_set(k, &t), 0);
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_TARGET_ADD);
	CHECK(sent_target_v4(tb, &t));
	rg_kernel_close(k);
	close(f.peer);
}

static void existing_target_is_updated_with_the_same_fields(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	struct rg_kernel_target t = target_v4();
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;
	uint32_t seq;

	CHECK(k);
	queue_ack(&f, 3, -EEXIST, NULL);
	queue_ack(&f, 4, 0, NULL);
	CHECK_INT(rg_kernel_target_set(k, &t), 0);
	CHECK_INT(read_genl(&f, &req, tb, &seq), RTPG_CMD_TARGET_ADD);
	CHECK_INT(seq, 3);
	CHECK_INT(read_genl(&f, &req, tb, &seq), RTPG_CMD_TARGET_UPDATE);
	CHECK_INT(seq, 4);
	CHECK(sent_target_v4(tb, &t));
	rg_kernel_close(k);
	close(f.peer);
}

static void ipv6_target_sends_16_byte_addresses_and_no_unset_fields(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 0);
	struct rg_kernel_target t = {
		.local = v6("2001:db8::1", 30010),
		.source_mode = RTPG_SOURCE_IGNORE,
		.src = v6("2001:db8::2", 30012),
		.dst = v6("2001:db8::99", 6000),
	};
	struct in6_addr want;
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;

	CHECK(k);
	queue_ack(&f, 3, 0, NULL);
	CHECK_INT(rg_kernel_target_set(k, &t), 0);
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_TARGET_ADD);
	inet_pton(AF_INET6, "2001:db8::99", &want);
	CHECK(attr_is(tb[RTPG_A_DST_ADDR], &want, 16));
	CHECK_INT(mnl_attr_get_payload_len(tb[RTPG_A_LOCAL_ADDR]), 16);
	CHECK(!tb[RTPG_A_EXPECT_ADDR] && !tb[RTPG_A_EXPECT_PORT] && !tb[RTPG_A_PT_ALLOW]);
	rg_kernel_close(k);
	close(f.peer);
}

static void bad_targets_are_refused_before_anything_is_sent(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 0);
	struct rg_kernel_target t;
	union msgbuf m;

	CHECK(k);
	t = target_v4();
	t.dst = v6("2001:db8::1", 5004);	/* mixed families */
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = target_v4();
	t.src = v4("10.0.1.1", 0);		/* no port */
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = target_v4();
	memset(&t.expect, 0, sizeof(t.expect));	/* DROP needs EXPECT */
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = target_v4();
	t.source_mode = __RTPG_SOURCE_MAX;
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = target_v4();
	t.flags |= 1u << 20;
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	queue_ack(&f, 3, 0, NULL);
	CHECK_INT(rg_kernel_target_del(k, &t.expect), 0);
	memset(&t.local, 0, sizeof(t.local));
	CHECK_INT(rg_kernel_target_del(k, &t.local), -EINVAL);
	/* only the one good delete above went out */
	CHECK(read_request(&f, &m) > 0);
	CHECK_INT(read_request(&f, &m), 0);
	rg_kernel_close(k);
	close(f.peer);
}

/* A TARGET_GET reply for target_v4() with counters and two SSRCs. */
static struct nlmsghdr *target_reply(union msgbuf *m, uint32_t seq, uint16_t flags)
{
	struct rg_kernel_target t = target_v4();
	struct nlmsghdr *nlh = genl_reply(m, FAMILY, RTPG_CMD_TARGET_GET, seq);
	uint64_t drops[__RTPG_DROP_MAX] = { 5, 0, 1, 2 };
	struct nlattr *nest;
	uint32_t i;

	nlh->nlmsg_flags |= flags;
	mnl_attr_put_u32(nlh, RTPG_A_TABLE, 3);
	mnl_attr_put(nlh, RTPG_A_LOCAL_ADDR, 4, &((struct sockaddr_in *)&t.local)->sin_addr);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	mnl_attr_put(nlh, RTPG_A_EXPECT_ADDR, 4, &((struct sockaddr_in *)&t.expect)->sin_addr);
	mnl_attr_put_u16(nlh, RTPG_A_EXPECT_PORT, 4000);
	mnl_attr_put_u8(nlh, RTPG_A_SOURCE_MODE, RTPG_SOURCE_DROP);
	mnl_attr_put(nlh, RTPG_A_SRC_ADDR, 4, &((struct sockaddr_in *)&t.src)->sin_addr);
	mnl_attr_put_u16(nlh, RTPG_A_SRC_PORT, 30002);
	mnl_attr_put(nlh, RTPG_A_DST_ADDR, 4, &((struct sockaddr_in *)&t.dst)->sin_addr);
	mnl_attr_put_u16(nlh, RTPG_A_DST_PORT, 5004);
	mnl_attr_put_u8(nlh, RTPG_A_TOS, 0xb8);
	mnl_attr_put_u32(nlh, RTPG_A_FLAGS, t.flags);
	mnl_attr_put(nlh, RTPG_A_PT_ALLOW, 16, t.pt_allow);
	mnl_attr_put_u32(nlh, RTPG_A_MAX + 5, 77);	/* from a newer module */
	nest = mnl_attr_nest_start(nlh, RTPG_A_STATS);
	mnl_attr_put_u64(nlh, RTPG_S_PACKETS, 1000);
	mnl_attr_put_u64(nlh, RTPG_S_BYTES, 160000);
	mnl_attr_put_u64(nlh, RTPG_S_ERRORS, 8);
	mnl_attr_put_u64(nlh, RTPG_S_HANDED_UP, 3);
	mnl_attr_put_u64(nlh, RTPG_S_LAST_PACKET_NS, 1700000000123456789ull);
	mnl_attr_put(nlh, RTPG_S_DROPS, sizeof(drops), drops);
	mnl_attr_nest_end(nlh, nest);
	for (i = 0; i < 2; i++) {
		nest = mnl_attr_nest_start(nlh, RTPG_A_SSRC);
		mnl_attr_put_u32(nlh, RTPG_SS_SSRC, 0x11223344 + i);
		mnl_attr_put_u64(nlh, RTPG_SS_PACKETS, 500 + i);
		mnl_attr_put_u64(nlh, RTPG_SS_BYTES, 80000);
		mnl_attr_put(nlh, RTPG_SS_PT_BITMAP, 16, t.pt_allow);
		mnl_attr_put_u64(nlh, RTPG_SS_LOST, 2);
		mnl_attr_put_u32(nlh, RTPG_SS_JITTER, 40 + i);
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

static void target_get_parses_addresses_counters_and_ssrcs(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	struct rg_kernel_target want = target_v4();
	struct sockaddr_storage local = v4("10.0.0.1", 30000);
	struct rg_kernel_entry e;
	const struct nlattr *tb[RTPG_A_MAX + 1];
	union msgbuf req;
	union msgbuf m;

	CHECK(k);
	send_msg(&f, target_reply(&m, 3, 0));
	queue_ack(&f, 3, 0, NULL);
	CHECK_INT(rg_kernel_target_get(k, &local, &e), 0);
	CHECK(memcmp(&e.target.local, &want.local, sizeof(want.local)) == 0);
	CHECK(memcmp(&e.target.expect, &want.expect, sizeof(want.expect)) == 0);
	CHECK(memcmp(&e.target.src, &want.src, sizeof(want.src)) == 0);
	CHECK(memcmp(&e.target.dst, &want.dst, sizeof(want.dst)) == 0);
	CHECK_INT(e.target.source_mode, RTPG_SOURCE_DROP);
	CHECK_INT(e.target.tos, 0xb8);
	CHECK_INT(e.target.flags, want.flags);
	CHECK(memcmp(e.target.pt_allow, want.pt_allow, 16) == 0);
	CHECK_INT(e.stats.packets, 1000);
	CHECK_INT(e.stats.bytes, 160000);
	CHECK_INT(e.stats.errors, 8);
	CHECK_INT(e.stats.handed_up, 3);
	CHECK(e.stats.last_packet_ns == 1700000000123456789ull);
	CHECK_INT(e.stats.drops[RTPG_DROP_SOURCE], 5);
	CHECK_INT(e.stats.drops[RTPG_DROP_MALFORMED], 2);
	CHECK_INT(e.stats.ssrc_count, 2);
	CHECK_INT(e.stats.ssrc[1].ssrc, 0x11223345);
	CHECK_INT(e.stats.ssrc[1].packets, 501);
	CHECK_INT(e.stats.ssrc[0].bytes, 80000);
	CHECK_INT(e.stats.ssrc[0].lost, 2);
	CHECK_INT(e.stats.ssrc[1].jitter, 41);
	CHECK(memcmp(e.stats.ssrc[0].pt_seen, want.pt_allow, 16) == 0);
	CHECK_INT(read_genl(&f, &req, tb, NULL), RTPG_CMD_TARGET_GET);
	CHECK(v4_attr_is(tb[RTPG_A_LOCAL_ADDR], "10.0.0.1"));
	rg_kernel_close(k);
	close(f.peer);
}

static void reply_attributes_of_the_wrong_size_are_rejected(void)
{
	union msgbuf m;
	struct rg_kernel_entry e;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_ADDR, 1);
	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_PORT, 30000);	/* a u16 */
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);

	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	mnl_attr_put(nlh, RTPG_A_LOCAL_ADDR, 6, "abcdef");	/* neither 4 nor 16 */
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);

	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_ADDR, 1);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	nest = mnl_attr_nest_start(nlh, RTPG_A_STATS);
	mnl_attr_put_u32(nlh, RTPG_S_PACKETS, 1);		/* a u64 */
	mnl_attr_nest_end(nlh, nest);
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);

	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_ADDR, 1);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	nest = mnl_attr_nest_start(nlh, RTPG_A_SSRC);
	mnl_attr_put_u64(nlh, RTPG_SS_PACKETS, 1);		/* no SSRC */
	mnl_attr_nest_end(nlh, nest);
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);
}

static void reply_with_a_port_but_no_address_is_rejected(void)
{
	union msgbuf m;
	struct rg_kernel_entry e;
	struct nlmsghdr *nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);

	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_ADDR, 1);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	mnl_attr_put_u16(nlh, RTPG_A_DST_PORT, 5004);
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);
	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);
	nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;			/* no genl header */
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), -EBADMSG);
}

static void more_ssrcs_than_the_abi_allows_are_ignored(void)
{
	union msgbuf m;
	struct rg_kernel_entry e;
	struct nlmsghdr *nlh = genl_reply(&m, FAMILY, RTPG_CMD_TARGET_GET, 1);
	struct nlattr *nest;
	uint32_t i;

	mnl_attr_put_u32(nlh, RTPG_A_LOCAL_ADDR, 1);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	for (i = 0; i < RTPG_SSRC_MAX + 3; i++) {
		nest = mnl_attr_nest_start(nlh, RTPG_A_SSRC);
		mnl_attr_put_u32(nlh, RTPG_SS_SSRC, i);
		mnl_attr_nest_end(nlh, nest);
	}
	CHECK_INT(rg_kernel_entry_parse(nlh, &e), 0);
	CHECK_INT(e.stats.ssrc_count, RTPG_SSRC_MAX);
	CHECK_INT(e.stats.ssrc[RTPG_SSRC_MAX - 1].ssrc, RTPG_SSRC_MAX - 1);
}

struct seen {
	unsigned count;
	uint16_t ports[4];
	int fail_at;		/* 1-based call that fails, 0: none */
};

static int count_entry(const struct rg_kernel_entry *e, void *arg)
{
	struct seen *s = arg;

	if (s->count < 4)
		s->ports[s->count] = ntohs(((const struct sockaddr_in *)&e->target.local)->sin_port);
	s->count++;
	return (int)s->count == s->fail_at ? -ECANCELED : 0;
}

/* Two targets in one datagram, a third in another, then NLMSG_DONE. */
static void queue_dump(struct fake *f, uint32_t seq)
{
	union msgbuf m, two;
	struct nlmsghdr *nlh = target_reply(&m, seq, NLM_F_MULTI);
	size_t len = nlh->nlmsg_len;

	memcpy(two.buf, m.buf, len);
	nlh = target_reply(&m, seq, NLM_F_MULTI);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30004);	/* the last one wins */
	memcpy(two.buf + len, m.buf, nlh->nlmsg_len);
	send(f->peer, two.buf, len + nlh->nlmsg_len, 0);
	send_msg(f, target_reply(&m, seq, NLM_F_MULTI));
	nlh = reply_start(&m, NLMSG_DONE, NLM_F_MULTI, seq);
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	send_msg(f, nlh);
}

static void dump_calls_back_once_per_target_until_done(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	struct seen s = { 0 };
	union msgbuf m;

	CHECK(k);
	queue_dump(&f, 3);
	CHECK_INT(rg_kernel_stats_dump(k, count_entry, &s), 0);
	CHECK_INT(s.count, 3);
	CHECK_INT(s.ports[0], 30000);
	CHECK_INT(s.ports[1], 30004);
	CHECK(read_request(&f, &m) > 0);
	CHECK((m.align.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP);
	CHECK(!(m.align.nlmsg_flags & NLM_F_ACK));
	rg_kernel_close(k);
	close(f.peer);
}

static void callback_error_ends_the_calls_and_is_returned(void)
{
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	struct seen s = { .fail_at = 1 };

	CHECK(k);
	queue_dump(&f, 3);
	queue_ack(&f, 4, 0, NULL);
	CHECK_INT(rg_kernel_stats_dump(k, count_entry, &s), -ECANCELED);
	CHECK_INT(s.count, 1);
	/* the rest of the dump was read: the next request gets its own ack */
	CHECK_INT(rg_kernel_table_create(k), 0);
	rg_kernel_close(k);
	close(f.peer);
}

/* xorshift: the same corruption on every run */
static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void corrupted_replies_never_crash_the_parser(void)
{
	union msgbuf good, bad;
	struct rg_kernel_entry e;
	uint32_t s = 0x2545f491, len, i, j;
	unsigned parsed = 0;

	len = target_reply(&good, 1, 0)->nlmsg_len;
	for (i = 0; i < 20000; i++) {
		memcpy(bad.buf, good.buf, len);
		for (j = 0; j < 1 + next_rand(&s) % 4; j++)
			bad.buf[NLMSG_HDRLEN + next_rand(&s) % (len - NLMSG_HDRLEN)] =
				(char)next_rand(&s);
		/* sometimes cut it short, as a datagram could be */
		if (next_rand(&s) % 4 == 0)
			bad.align.nlmsg_len = NLMSG_HDRLEN + next_rand(&s) % (len - NLMSG_HDRLEN);
		if (rg_kernel_entry_parse(&bad.align, &e) == 0)
			parsed++;
	}
	CHECK(parsed > 0);
	CHECK_INT(rg_kernel_entry_parse(&good.align, &e), 0);
}

static void setup_config(struct rg_config *cfg, int table, bool no_fallback)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->table = table;
	cfg->no_fallback = no_fallback;
	cfg->port_min = 41000;
	cfg->port_max = 41999;
}

static void without_the_module_setup_falls_back_unless_told_not_to(void)
{
	struct rg_config cfg;
	struct rg_ctx ctx = { 0 };

	rg_log_init(true, LOG_EMERG);	/* the lines are the daemon's business */
	setup_config(&cfg, 0, false);
	CHECK_INT(rg_kernel_setup(&ctx, &cfg), 0);
	CHECK(!ctx.kernel && !ctx.nft_rules);
	rg_kernel_teardown(&ctx);
	setup_config(&cfg, 5, true);
	CHECK_INT(rg_kernel_setup(&ctx, &cfg), -ENOENT);
	CHECK(!ctx.kernel && !ctx.nft_rules);
}

static void table_minus_one_never_uses_the_kernel(void)
{
	struct rg_config cfg;
	struct rg_ctx ctx = { 0 };

	rg_log_init(true, LOG_EMERG);
	setup_config(&cfg, -1, false);
	CHECK_INT(rg_kernel_setup(&ctx, &cfg), 0);
	CHECK(!ctx.kernel);
	setup_config(&cfg, -1, true);
	CHECK_INT(rg_kernel_setup(&ctx, &cfg), -EINVAL);
}

static const struct test_case cases[] = {
	{ "the family is looked up by the name 'rtpgate' through the genl controller",
	  family_lookup_asks_the_controller_by_name },
	{ "on this kernel, without the module, the family lookup gives -ENOENT",
	  missing_family_on_this_kernel_gives_enoent },
	{ "the handshake sends our ABI version and opens on the module's equal answer",
	  handshake_sends_our_version_and_opens },
	{ "a module of another ABI version is refused with -EPROTO naming both versions",
	  other_abi_version_is_refused_naming_both },
	{ "a refusal without a version names ours and quotes what the module said",
	  refusal_without_version_quotes_the_module },
	{ "an accepted handshake answering another version is refused too",
	  accepted_hello_with_another_version_is_refused },
	{ "a handshake without CAP_NET_ADMIN gives -EPERM and says so",
	  handshake_without_cap_net_admin_gives_eperm },
	{ "a table number above 255 is refused before anything is sent",
	  table_out_of_range_is_refused },
	{ "table create and delete name the table and return the kernel's answer",
	  table_create_and_delete_name_the_table },
	{ "setting a target sends every field of it",
	  target_set_sends_every_field },
	{ "setting an existing target updates it with the same fields",
	  existing_target_is_updated_with_the_same_fields },
	{ "an IPv6 target sends 16-byte addresses and leaves out what is unset",
	  ipv6_target_sends_16_byte_addresses_and_no_unset_fields },
	{ "bad targets (mixed families, no port, DROP without a peer, unknown flags) are refused unsent",
	  bad_targets_are_refused_before_anything_is_sent },
	{ "getting a target parses its addresses, counters and SSRC stats",
	  target_get_parses_addresses_counters_and_ssrcs },
	{ "reply attributes of the wrong size are rejected",
	  reply_attributes_of_the_wrong_size_are_rejected },
	{ "a reply with a port but no address, or no genl header, is rejected",
	  reply_with_a_port_but_no_address_is_rejected },
	{ "more SSRCs than the ABI allows are ignored",
	  more_ssrcs_than_the_abi_allows_are_ignored },
	{ "a dump calls back once per target until NLMSG_DONE",
	  dump_calls_back_once_per_target_until_done },
	{ "a callback error ends the dump's calls and is returned",
	  callback_error_ends_the_calls_and_is_returned },
	{ "corrupted target replies never crash the parser",
	  corrupted_replies_never_crash_the_parser },
	{ "without the module start-up falls back to userspace, or fails with --no-fallback",
	  without_the_module_setup_falls_back_unless_told_not_to },
	{ "--table=-1 never uses the kernel and contradicts --no-fallback",
	  table_minus_one_never_uses_the_kernel },
};

TEST_MAIN(cases)
