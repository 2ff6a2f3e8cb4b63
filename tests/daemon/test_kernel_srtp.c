/* test_kernel_srtp.c - the xt_RTPGATE client's SRTP attributes (daemon/
 * kernel.c): what a target with SRTP sends, what is refused before
 * anything is sent, and what a reply's SRTP nests are read as. */
/* needs: netlink kernel log */
#include <errno.h>
#include <stdlib.h>

#include "kernel_fixture.h"
#include "test.h"

static struct rg_kernel_srtp srtp80(void)
{
	struct rg_kernel_srtp s = {
		.suite = RTPG_SUITE_AES_CM_128_HMAC_SHA1_80,
		.tag_len = 10,
		.nstate = 2,
		.state = { { 0xcafe, 3, 65000, 0 }, { 0xbeef, 0, 7, 0 } },
	};

	memset(s.cipher_key, 0x11, sizeof(s.cipher_key));
	memset(s.salt, 0x22, sizeof(s.salt));
	memset(s.auth_key, 0x33, sizeof(s.auth_key));
	return s;
}

static struct rg_kernel_target srtp_target(void)
{
	struct rg_kernel_target t = {
		.local = v4("10.0.0.1", 30000),
		.src = v4("10.0.1.1", 30002),
		.dst = v4("198.51.100.9", 5004),
		.flags = RTPG_F_RTP,
	};

	t.decrypt = srtp80();
	return t;
}

static int nest_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= RTPG_SRTP_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static bool is(const struct nlattr *a, const void *want, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len &&
	       !memcmp(mnl_attr_get_payload(a), want, len);
}

/* Sends @t and reads its TARGET_ADD back, its nests into @dec and @enc;
 * *@present: 1 if the decrypt nest came, 2 the encrypt one, 3 both. */
static bool sent(const struct rg_kernel_target *t, const struct nlattr **dec,
		 const struct nlattr **enc, union msgbuf *req, int *present)
{
	const struct nlattr *tb[RTPG_A_MAX + 1];
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 3);
	bool ok;

	if (!k)
		return false;
	queue_ack(&f, 3, 0, NULL);
	ok = rg_kernel_target_set(k, t) == 0 &&
	     read_genl(&f, req, tb, NULL) == RTPG_CMD_TARGET_ADD &&
	     (!tb[RTPG_A_SRTP_DECRYPT] ||
	      mnl_attr_parse_nested(tb[RTPG_A_SRTP_DECRYPT], nest_cb, dec) == MNL_CB_OK) &&
	     (!tb[RTPG_A_SRTP_ENCRYPT] ||
	      mnl_attr_parse_nested(tb[RTPG_A_SRTP_ENCRYPT], nest_cb, enc) == MNL_CB_OK);
	*present = (tb[RTPG_A_SRTP_DECRYPT] ? 1 : 0) | (tb[RTPG_A_SRTP_ENCRYPT] ? 2 : 0);
	rg_kernel_close(k);
	close(f.peer);
	return ok;
}

static void target_with_srtp_sends_suite_keys_tag_and_state(void)
{
	const struct nlattr *dec[RTPG_SRTP_MAX + 1] = { 0 }, *enc[RTPG_SRTP_MAX + 1] = { 0 };
	struct rg_kernel_target t = srtp_target();
	union msgbuf req;
	int present = 0;

	CHECK(sent(&t, dec, enc, &req, &present));
	CHECK_INT(present, 1);	/* no SRTP towards the destination: no nest */
	CHECK(dec[RTPG_SRTP_SUITE] &&
	      mnl_attr_get_u8(dec[RTPG_SRTP_SUITE]) == RTPG_SUITE_AES_CM_128_HMAC_SHA1_80);
	CHECK(is(dec[RTPG_SRTP_CIPHER_KEY], t.decrypt.cipher_key, 16));
	CHECK(is(dec[RTPG_SRTP_CIPHER_SALT], t.decrypt.salt, 14));
	CHECK(is(dec[RTPG_SRTP_AUTH_KEY], t.decrypt.auth_key, RTPG_SRTP_AUTH_KEY_LEN));
	CHECK(dec[RTPG_SRTP_TAG_LEN] && mnl_attr_get_u8(dec[RTPG_SRTP_TAG_LEN]) == 10);
	CHECK(is(dec[RTPG_SRTP_SSRC_STATE], t.decrypt.state, 2 * sizeof(struct rtpg_srtp_ssrc)));
	(void)enc;
}

static void gcm_target_sends_its_key_and_12_octet_salt_and_no_auth_key(void)
{
	const struct nlattr *dec[RTPG_SRTP_MAX + 1] = { 0 }, *enc[RTPG_SRTP_MAX + 1] = { 0 };
	struct rg_kernel_target t = srtp_target();
	union msgbuf req;
	int present = 0;

	memset(&t.decrypt, 0, sizeof(t.decrypt));
	t.encrypt = srtp80();
	t.encrypt.suite = RTPG_SUITE_AEAD_AES_256_GCM;
	t.encrypt.tag_len = 16;
	CHECK(sent(&t, dec, enc, &req, &present));
	CHECK_INT(present, 2);
	CHECK(is(enc[RTPG_SRTP_CIPHER_KEY], t.encrypt.cipher_key, 32));
	CHECK(is(enc[RTPG_SRTP_CIPHER_SALT], t.encrypt.salt, 12));
	CHECK(!enc[RTPG_SRTP_AUTH_KEY]);
	CHECK(enc[RTPG_SRTP_TAG_LEN] && mnl_attr_get_u8(enc[RTPG_SRTP_TAG_LEN]) == 16);
}

static void plain_target_sends_no_srtp_nest(void)
{
	const struct nlattr *dec[RTPG_SRTP_MAX + 1] = { 0 }, *enc[RTPG_SRTP_MAX + 1] = { 0 };
	struct rg_kernel_target t = srtp_target();
	union msgbuf req;
	int present = -1;

	memset(&t.decrypt, 0, sizeof(t.decrypt));
	CHECK(sent(&t, dec, enc, &req, &present));
	CHECK_INT(present, 0);
}

static void bad_srtp_is_refused_before_anything_is_sent(void)
{
	struct rg_kernel_target t;
	struct fake f;
	struct rg_kernel *k = open_fake(&f, 0);
	union msgbuf m;

	CHECK(k);
	t = srtp_target();
	t.decrypt.suite = __RTPG_SUITE_MAX;
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = srtp_target();
	t.decrypt.tag_len = 4;			/* the _32 suite's */
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = srtp_target();
	t.encrypt = srtp80();
	t.encrypt.nstate = RTPG_SSRC_MAX + 1;
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	t = srtp_target();
	t.flags = 0;				/* SRTP needs RTP */
	CHECK_INT(rg_kernel_target_set(k, &t), -EINVAL);
	CHECK_INT(read_request(&f, &m), 0);
	rg_kernel_close(k);
	close(f.peer);
}

/* A TARGET_GET reply for srtp_target() with @state_len bytes of SSRC
 * state in its decrypt nest and an encrypt nest with the _32 suite. */
static struct nlmsghdr *srtp_reply(union msgbuf *m, size_t state_len)
{
	struct rg_kernel_target t = srtp_target();
	struct nlmsghdr *nlh = genl_reply(m, FAMILY, RTPG_CMD_TARGET_GET, 5);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, RTPG_A_TABLE, 3);
	mnl_attr_put(nlh, RTPG_A_LOCAL_ADDR, 4, &((struct sockaddr_in *)&t.local)->sin_addr);
	mnl_attr_put_u16(nlh, RTPG_A_LOCAL_PORT, 30000);
	nest = mnl_attr_nest_start(nlh, RTPG_A_SRTP_DECRYPT);
	mnl_attr_put_u8(nlh, RTPG_SRTP_SUITE, t.decrypt.suite);
	mnl_attr_put_u8(nlh, RTPG_SRTP_TAG_LEN, 10);
	mnl_attr_put(nlh, RTPG_SRTP_SSRC_STATE, state_len, t.decrypt.state);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, RTPG_A_SRTP_ENCRYPT);
	mnl_attr_put_u8(nlh, RTPG_SRTP_SUITE, RTPG_SUITE_AES_CM_128_HMAC_SHA1_32);
	mnl_attr_put_u8(nlh, RTPG_SRTP_TAG_LEN, 4);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void reply_gives_suite_tag_and_state_per_direction(void)
{
	struct rg_kernel_entry *e = calloc(1, sizeof(*e));
	union msgbuf m;
	int rc = e ? rg_kernel_entry_parse(srtp_reply(&m, 2 * sizeof(struct rtpg_srtp_ssrc)), e) : -1;
	struct rg_kernel_srtp dec = e ? e->target.decrypt : (struct rg_kernel_srtp){ 0 };
	struct rg_kernel_srtp enc = e ? e->target.encrypt : (struct rg_kernel_srtp){ 0 };

	free(e);
	CHECK_INT(rc, 0);
	CHECK_INT(dec.suite, RTPG_SUITE_AES_CM_128_HMAC_SHA1_80);
	CHECK_INT(dec.tag_len, 10);
	CHECK_INT(dec.nstate, 2);
	CHECK_INT(dec.state[0].ssrc, 0xcafe);
	CHECK_INT(dec.state[0].roc, 3);
	CHECK_INT(dec.state[0].seq, 65000);
	CHECK_INT(dec.state[1].ssrc, 0xbeef);
	CHECK_INT(enc.suite, RTPG_SUITE_AES_CM_128_HMAC_SHA1_32);
	CHECK_INT(enc.tag_len, 4);
	CHECK_INT(enc.nstate, 0);
}

static void reply_with_a_broken_ssrc_state_is_rejected(void)
{
	struct rg_kernel_entry *e = calloc(1, sizeof(*e));
	union msgbuf m;
	int odd, many;

	CHECK(e);
	odd = rg_kernel_entry_parse(srtp_reply(&m, 11), e);
	many = rg_kernel_entry_parse(srtp_reply(&m, (RTPG_SSRC_MAX + 1) *
						sizeof(struct rtpg_srtp_ssrc)), e);
	free(e);
	CHECK_INT(odd, -EBADMSG);
	CHECK_INT(many, -EBADMSG);
}

static const struct test_case cases[] = {
	{ "a target with SRTP sends suite, session keys, tag length and SSRC state for that direction only",
	  target_with_srtp_sends_suite_keys_tag_and_state },
	{ "an AES-GCM target sends its suite's key, a 12-octet salt and no auth key",
	  gcm_target_sends_its_key_and_12_octet_salt_and_no_auth_key },
	{ "a plain target sends no SRTP nest (a module without SRTP takes it)",
	  plain_target_sends_no_srtp_nest },
	{ "SRTP with an unknown suite, another suite's tag length, too many SSRCs or without RTP is refused unsent",
	  bad_srtp_is_refused_before_anything_is_sent },
	{ "a reply's SRTP nests give each direction's suite, tag length and SSRC state",
	  reply_gives_suite_tag_and_state_per_direction },
	{ "a reply whose SSRC state is not whole records, or too many, is rejected",
	  reply_with_a_broken_ssrc_state_is_rejected },
};

TEST_MAIN(cases)
