/* test_ice.c - the ICE-lite agent: checks built as a browser builds them
 * (lib/stun's builder), responses read back with lib/stun's parser.
 */
/* needs: ice ice_checks */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "ice.h"
#include "stun.h"
#include "test.h"

#define THEIR_UFRAG	"bRoW"
#define THEIR_PWD	"browserPassword0123456789+/"
#define T0		1000000000000ll		/* fake clock, microseconds */
#define SEC		1000000ll

/* What a check leaves out or adds; 0 is a browser's plain check. */
enum {
	USE_CANDIDATE = 1 << 0,
	CONTROLLED = 1 << 1,		/* instead of ICE-CONTROLLING */
	NO_CONTROLLING = 1 << 2,
	NO_PRIORITY = 1 << 3,
	NO_USERNAME = 1 << 4,
	NO_INTEGRITY = 1 << 5,
	NO_FINGERPRINT = 1 << 6,
	UNKNOWN_REQUIRED = 1 << 7,	/* 0x7777 before the integrity */
	UNKNOWN_OPTIONAL = 1 << 8,	/* 0xc057, as Chrome sends */
	INDICATION = 1 << 9,
	RESPONSE = 1 << 10,
	WRONG_KEY = 1 << 11,		/* the peer's password, a classic */
	OTHER_METHOD = 1 << 12,		/* 3: TURN's Allocate */
	BAD_FINGERPRINT = 1 << 13,
};

static struct rg_ice *ice;	/* the agent under test, new in each case */
static uint8_t tid[STUN_TID_LEN];	/* of the last check built */

static bool new_agent(void)
{
	rg_ice_destroy(ice);
	ice = rg_ice_create();
	return ice && rg_ice_set_remote(ice, THEIR_UFRAG, THEIR_PWD) == 0;
}

static struct sockaddr_storage addr_of(const char *text, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return ss;
}

static socklen_t len_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
					: sizeof(struct sockaddr_in6);
}

/* The agent's answer on component 1 to the @len bytes at @pkt. */
static int handle(const uint8_t *pkt, size_t len,
		  const struct sockaddr_storage *from, int64_t now, uint8_t *resp)
{
	return rg_ice_handle(ice, 1, pkt, len, (const struct sockaddr *)from,
			     len_of(from), now, resp, RG_ICE_RESPONSE_MAX, NULL);
}

/* A Binding check for @ice into @buf: USERNAME @user (NULL: ours:theirs),
 * PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY keyed with @key (NULL: our
 * password), FINGERPRINT; @flags change that. A new transaction id each. */
static int build_check(uint8_t *buf, size_t cap, const char *user,
		       const char *key, unsigned flags)
{
	static uint8_t serial;
	enum stun_class cls = flags & INDICATION ? STUN_INDICATION :
			      flags & RESPONSE ? STUN_SUCCESS : STUN_REQUEST;
	unsigned finish = STUN_FINISH_INTEGRITY | STUN_FINISH_FINGERPRINT;
	char name[600];
	struct stun_builder b;
	int n;

	memset(tid, 0xa5, sizeof(tid));
	tid[0] = ++serial;
	if (!user) {
		snprintf(name, sizeof(name), "%s:%s", rg_ice_local_ufrag(ice),
			 THEIR_UFRAG);
		user = name;
	}
	if (!key)
		key = flags & WRONG_KEY ? THEIR_PWD : rg_ice_local_pwd(ice);
	stun_builder_init(&b, buf, cap, flags & OTHER_METHOD ? 0x003 :
			  STUN_METHOD_BINDING, cls, tid);
	if (!(flags & NO_USERNAME))
		stun_builder_add(&b, STUN_ATTR_USERNAME, user, strlen(user));
	if (flags & UNKNOWN_OPTIONAL)
		stun_builder_add_u32(&b, 0xc057, 0x0001000a);
	if (!(flags & (NO_CONTROLLING | CONTROLLED)))
		stun_builder_add_u64(&b, STUN_ATTR_ICE_CONTROLLING,
				     0x1f2e3d4c5b6a7988ull);
	if (flags & CONTROLLED)
		stun_builder_add_u64(&b, STUN_ATTR_ICE_CONTROLLED, 42);
	if (flags & USE_CANDIDATE)
		stun_builder_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	if (!(flags & NO_PRIORITY))
		stun_builder_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e7f1eff);
	if (flags & UNKNOWN_REQUIRED)
		stun_builder_add_u32(&b, 0x7777, 7);
	if (flags & NO_INTEGRITY)
		finish &= ~STUN_FINISH_INTEGRITY;
	if (flags & NO_FINGERPRINT)
		finish &= ~STUN_FINISH_FINGERPRINT;
	n = stun_builder_finish(&b, (const uint8_t *)key, strlen(key), finish);
	if (n > 0 && flags & BAD_FINGERPRINT)
		buf[n - 1] ^= 1;
	return n;
}

/* Feeds @flags' check from @from on component 1 at @now; the result. */
static int feed(const struct sockaddr_storage *from, unsigned flags,
		int64_t now, uint8_t *resp, bool *nominated)
{
	uint8_t req[512];
	int n = build_check(req, sizeof(req), NULL, NULL, flags);

	if (n < 0)
		return n;
	return rg_ice_handle(ice, 1, req, (size_t)n, (struct sockaddr *)from,
			     len_of(from), now, resp, RG_ICE_RESPONSE_MAX,
			     nominated);
}

/* The answer to a check with USERNAME @user and key @key (NULL: ours). */
static int check_as(const char *user, const char *key, unsigned flags,
		    const struct sockaddr_storage *from, uint8_t *resp)
{
	uint8_t req[512];
	int n = build_check(req, sizeof(req), user, key, flags);

	return n < 0 ? n : handle(req, (size_t)n, from, T0, resp);
}

/* Whether the @n bytes at @buf are a Binding response of class @cls (and
 * error @code) to the last check, with FINGERPRINT and, exactly when
 * @with_mi, MESSAGE-INTEGRITY under our password. Says why not. */
static bool is_response(const uint8_t *buf, int n, enum stun_class cls,
			unsigned code, bool with_mi, struct stun_msg *m)
{
	const char *why = NULL;
	const uint8_t *pwd = (const uint8_t *)rg_ice_local_pwd(ice);

	if (n <= 0 || stun_parse(buf, (size_t)n, m))
		why = "no parsable response";
	else if (m->method != STUN_METHOD_BINDING || m->cls != cls)
		why = "wrong method or class";
	else if (memcmp(m->tid, tid, sizeof(tid)))
		why = "transaction id not echoed";
	else if (stun_check_fingerprint(m))
		why = "bad or missing FINGERPRINT";
	else if (cls == STUN_ERROR && m->error_code != code)
		why = "wrong error code";
	else if (with_mi && stun_check_integrity(m, pwd, strlen((const char *)pwd)))
		why = "MESSAGE-INTEGRITY does not verify with our password";
	else if (!with_mi && (m->present & STUN_HAS_INTEGRITY))
		why = "MESSAGE-INTEGRITY where there must be none";
	if (why)
		fprintf(stderr, "  response (%d bytes, wanted %u): %s\n", n,
			code, why);
	return !why;
}

static bool same_sockaddr(const struct sockaddr_storage *a,
			  const union stun_sockaddr *b)
{
	if (a->ss_family == AF_INET)
		return b->sa.sa_family == AF_INET &&
		       !memcmp(a, &b->in4, sizeof(struct sockaddr_in));
	return b->sa.sa_family == AF_INET6 &&
	       !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &b->in6.sin6_addr, 16) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port == b->in6.sin6_port;
}

/* ---- answers ---- */

static void check_gets_success_with_its_source_mapped(void)
{
	const struct sockaddr_storage from[] = {
		addr_of("192.0.2.7", 50000), addr_of("2001:db8:5::77", 61234),
	};
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	struct stun_msg m;
	bool nominated = true;
	unsigned i;
	int n;

	CHECK(new_agent());
	for (i = 0; i < 2; i++) {
		n = feed(&from[i], UNKNOWN_OPTIONAL, T0, resp, &nominated);
		CHECK(is_response(resp, n, STUN_SUCCESS, 0, true, &m));
		CHECK(m.present & STUN_HAS_XOR_MAPPED_ADDRESS);
		CHECK(same_sockaddr(&from[i], &m.xor_mapped));
		CHECK(!(m.present & STUN_HAS_USERNAME));
		CHECK(!nominated);
	}
	CHECK_INT(n, 20 + 24 + 24 + 8);		/* IPv6: the largest success */
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_SUCCESS), 2);
}

static void response_may_overwrite_the_request_in_place(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t buf[512];
	struct stun_msg m;
	int n;

	CHECK(new_agent());
	n = build_check(buf, sizeof(buf), NULL, NULL, USE_CANDIDATE);
	CHECK(n > 0);
	n = rg_ice_handle(ice, 1, buf, (size_t)n, (struct sockaddr *)&from,
			  len_of(&from), T0, buf, sizeof(buf), NULL);
	CHECK(is_response(buf, n, STUN_SUCCESS, 0, true, &m));
	CHECK(same_sockaddr(&from, &m.xor_mapped));
	CHECK(rg_ice_selected(ice, 1, NULL, NULL));
}

static void wrong_ufrag_gets_401_without_integrity(void)
{
	static const char *const names[] = {
		"nope:" THEIR_UFRAG,	/* not our ufrag */
		NULL,			/* ours, then another remote one */
		"",			/* empty */
		THEIR_UFRAG,		/* no colon */
	};
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	char user[64];
	struct stun_msg m;
	unsigned i;

	CHECK(new_agent());
	snprintf(user, sizeof(user), "%s:other", rg_ice_local_ufrag(ice));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(is_response(resp, check_as(names[i] ? names[i] : user, NULL,
						 USE_CANDIDATE, &from, resp),
				  STUN_ERROR, 401, false, &m));
	snprintf(user, sizeof(user), "%s:", rg_ice_local_ufrag(ice));
	CHECK(is_response(resp, check_as(user, NULL, 0, &from, resp),
			  STUN_ERROR, 401, false, &m));
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_UNAUTHENTICATED), 5);
}

static void check_before_the_answer_is_accepted_with_any_remote_ufrag(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	char user[64];
	struct stun_msg m;

	rg_ice_destroy(ice);
	ice = rg_ice_create();
	CHECK(ice);
	CHECK_STR(rg_ice_remote_ufrag(ice), "");
	snprintf(user, sizeof(user), "%s:early", rg_ice_local_ufrag(ice));
	CHECK(is_response(resp, check_as(user, NULL, 0, &from, resp),
			  STUN_SUCCESS, 0, true, &m));
	CHECK_INT(rg_ice_set_remote(ice, "later", THEIR_PWD), 0);
	CHECK(is_response(resp, check_as(user, NULL, 0, &from, resp),
			  STUN_ERROR, 401, false, &m));
}

/* A check with @flags gets error @code (with MESSAGE-INTEGRITY exactly
 * when @with_mi), counted as @ev, and selects nothing. */
static void expect_error(unsigned flags, unsigned code, bool with_mi,
			 enum rg_ice_event ev)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	struct stun_msg m;

	CHECK(new_agent());
	CHECK(is_response(resp, feed(&from, flags | USE_CANDIDATE, T0, resp, NULL),
			  STUN_ERROR, code, with_mi, &m));
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, ev), 1);
}

static void request_without_username_or_integrity_gets_400(void)
{
	expect_error(NO_USERNAME, 400, false, RG_ICE_EV_BAD_REQUEST);
	expect_error(NO_INTEGRITY, 400, false, RG_ICE_EV_BAD_REQUEST);
}

static void failing_integrity_gets_401_without_integrity(void)
{
	expect_error(WRONG_KEY, 401, false, RG_ICE_EV_UNAUTHENTICATED);
}

static void peer_claiming_the_controlled_role_gets_487(void)
{
	expect_error(CONTROLLED, 487, true, RG_ICE_EV_ROLE_CONFLICT);
}

static void check_without_role_or_priority_gets_400_with_integrity(void)
{
	expect_error(NO_CONTROLLING, 400, true, RG_ICE_EV_BAD_REQUEST);
	expect_error(NO_PRIORITY, 400, true, RG_ICE_EV_BAD_REQUEST);
}

static void unknown_required_attribute_gets_420_listing_it(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	struct stun_msg m;
	int n;

	CHECK(new_agent());
	n = feed(&from, UNKNOWN_REQUIRED | UNKNOWN_OPTIONAL | USE_CANDIDATE,
		 T0, resp, NULL);
	CHECK(is_response(resp, n, STUN_ERROR, 420, true, &m));
	CHECK_INT(m.n_error_unknown, 1);
	CHECK_INT(m.error_unknown[0], 0x7777);
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_UNKNOWN_ATTR), 1);
}

static void longest_response_fits_the_documented_size(void)
{
	struct sockaddr_storage from = addr_of("2001:db8::1", 1);
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX];
	struct stun_builder b;
	struct stun_msg m;
	char user[64];
	unsigned i;
	int n;

	CHECK(new_agent());
	snprintf(user, sizeof(user), "%s:%s", rg_ice_local_ufrag(ice), THEIR_UFRAG);
	stun_builder_init(&b, req, sizeof(req), STUN_METHOD_BINDING,
			  STUN_REQUEST, tid);
	stun_builder_add(&b, STUN_ATTR_USERNAME, user, strlen(user));
	for (i = 0; i < 40; i++)	/* more than STUN_MAX_UNKNOWN types */
		stun_builder_add(&b, (uint16_t)(0x7000 + i), NULL, 0);
	n = stun_builder_finish(&b, (const uint8_t *)rg_ice_local_pwd(ice),
				RG_ICE_PWD_LEN,
				STUN_FINISH_INTEGRITY | STUN_FINISH_FINGERPRINT);
	CHECK(n > 0);
	n = handle(req, (size_t)n, &from, T0, resp);
	CHECK(is_response(resp, n, STUN_ERROR, 420, true, &m));
	CHECK_INT(m.n_error_unknown, STUN_MAX_UNKNOWN);
}

static void small_response_buffer_is_an_error_and_selects_nothing(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX];
	bool nominated = true;
	int n;

	CHECK(new_agent());
	n = build_check(req, sizeof(req), NULL, NULL, USE_CANDIDATE);
	n = rg_ice_handle(ice, 1, req, (size_t)n, (struct sockaddr *)&from,
			  len_of(&from), T0, resp, 40, &nominated);
	CHECK_INT(n, -ENOBUFS);
	CHECK(!nominated);
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_SUCCESS), 0);
}

static void bad_component_or_source_is_refused(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	struct sockaddr_storage unix_from = { .ss_family = AF_UNIX };
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX];
	int n;

	CHECK(new_agent());
	n = build_check(req, sizeof(req), NULL, NULL, 0);
	CHECK_INT(rg_ice_handle(ice, 0, req, (size_t)n, (struct sockaddr *)&from,
				len_of(&from), T0, resp, sizeof(resp), NULL), -EINVAL);
	CHECK_INT(rg_ice_handle(ice, 3, req, (size_t)n, (struct sockaddr *)&from,
				len_of(&from), T0, resp, sizeof(resp), NULL), -EINVAL);
	CHECK_INT(rg_ice_handle(ice, 1, req, (size_t)n, (struct sockaddr *)&from,
				4, T0, resp, sizeof(resp), NULL), -EINVAL);
	CHECK_INT(rg_ice_handle(ice, 1, req, (size_t)n, NULL, 0, T0, resp,
				sizeof(resp), NULL), -EINVAL);
	CHECK_INT(rg_ice_handle(ice, 1, req, (size_t)n,
				(struct sockaddr *)&unix_from, sizeof(unix_from),
				T0, resp, sizeof(resp), NULL), -EINVAL);
	CHECK(!rg_ice_selected(ice, 0, NULL, NULL));
	CHECK(!rg_ice_consent_ok(ice, 3, T0));
	CHECK(rg_ice_consent_time(ice, 1) == INT64_MIN);
}

/* ---- what gets no answer ---- */

/* A check with @flags gets no answer, counted as @ev, selects nothing. */
static void expect_silence(unsigned flags, enum rg_ice_event ev)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];

	CHECK(new_agent());
	CHECK_INT(feed(&from, flags | USE_CANDIDATE, T0, resp, NULL), 0);
	CHECK_INT(rg_ice_count(ice, ev), 1);
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
}

static void indications_are_keepalives_without_answer(void)
{
	expect_silence(INDICATION, RG_ICE_EV_KEEPALIVE);
	expect_silence(INDICATION | NO_FINGERPRINT | NO_INTEGRITY,
		       RG_ICE_EV_KEEPALIVE);
}

static void responses_and_other_methods_get_no_answer(void)
{
	expect_silence(RESPONSE, RG_ICE_EV_IGNORED);
	expect_silence(OTHER_METHOD, RG_ICE_EV_IGNORED);
}

static void missing_or_wrong_fingerprint_gets_no_answer(void)
{
	expect_silence(NO_FINGERPRINT, RG_ICE_EV_FINGERPRINT);
	expect_silence(BAD_FINGERPRINT, RG_ICE_EV_FINGERPRINT);
}

static void every_truncation_and_bit_flip_gets_no_answer(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX], *copy;
	size_t k;
	int n, r;

	CHECK(new_agent());
	n = build_check(req, sizeof(req), NULL, NULL, USE_CANDIDATE);
	CHECK(n > 0);
	for (k = 0; k < (size_t)n; k++) {
		copy = malloc(k ? k : 1);	/* exact size: ASan sees overreads */
		CHECK(copy);
		memcpy(copy, req, k);
		r = handle(copy, k, &from, T0, resp);
		free(copy);
		CHECK_INT(r, 0);
	}
	for (k = 0; k < (size_t)n * 8; k++) {
		req[k / 8] ^= (uint8_t)(1u << (k % 8));
		r = handle(req, (size_t)n, &from, T0, resp);
		req[k / 8] ^= (uint8_t)(1u << (k % 8));
		CHECK_INT(r, 0);
	}
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_SUCCESS), 0);
}

static void garbage_datagrams_get_no_answer(void)
{
	struct sockaddr_storage from = addr_of("192.0.2.7", 50000);
	uint8_t pkt[200], resp[RG_ICE_RESPONSE_MAX];
	uint32_t x = 12345;
	size_t len, i;
	unsigned round;

	CHECK(new_agent());
	CHECK_INT(handle(NULL, 0, &from, T0, resp), 0);
	for (round = 0; round < 20000; round++) {
		len = 20 + 4 * (round % 45);
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			pkt[i] = (uint8_t)(x >> 16);
		}
		if (round % 2) {	/* a STUN header, random attributes */
			memcpy(pkt, "\x00\x01\x00\x00\x21\x12\xa4\x42", 8);
			pkt[3] = (uint8_t)(len - 20);
		}
		CHECK_INT(handle(pkt, len, &from, T0, resp), 0);
	}
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_SUCCESS), 0);
}

/* ---- nomination and consent ---- */

static void use_candidate_selects_the_source_of_its_component(void)
{
	struct sockaddr_storage a = addr_of("192.0.2.7", 50000);
	struct sockaddr_storage b = addr_of("2001:db8::9", 50002);
	struct sockaddr_storage got;
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX];
	socklen_t got_len = 0;
	bool nominated = false;
	int n;

	CHECK(new_agent());
	CHECK(!rg_ice_selected(ice, 1, NULL, NULL));
	CHECK(feed(&a, USE_CANDIDATE, T0, resp, &nominated) > 0);
	CHECK(nominated);
	CHECK(rg_ice_selected(ice, 1, &got, &got_len));
	CHECK_INT(got_len, sizeof(struct sockaddr_in));
	CHECK(!memcmp(&got, &a, sizeof(struct sockaddr_in)));
	CHECK(!rg_ice_selected(ice, 2, NULL, NULL));
	/* the same pair again is no news */
	CHECK(feed(&a, USE_CANDIDATE, T0 + SEC, resp, &nominated) > 0);
	CHECK(!nominated);
	/* RTCP's own socket: component 2 */
	n = build_check(req, sizeof(req), NULL, NULL, USE_CANDIDATE);
	CHECK(rg_ice_handle(ice, 2, req, (size_t)n, (struct sockaddr *)&b,
			    len_of(&b), T0, resp, sizeof(resp), &nominated) > 0);
	CHECK(nominated);
	CHECK(rg_ice_selected(ice, 2, &got, &got_len));
	CHECK_INT(got_len, sizeof(struct sockaddr_in6));
	CHECK(!memcmp(&got, &b, sizeof(struct sockaddr_in6)));
	CHECK(rg_ice_selected(ice, 1, &got, NULL));
	CHECK(!memcmp(&got, &a, sizeof(struct sockaddr_in)));
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_NOMINATED), 2);
	CHECK_INT(rg_ice_count(ice, RG_ICE_EV_SUCCESS), 3);
}

static void later_nomination_from_another_address_moves_the_selection(void)
{
	struct sockaddr_storage a = addr_of("192.0.2.7", 50000);
	struct sockaddr_storage a2 = addr_of("192.0.2.7", 50001);
	struct sockaddr_storage got;
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	bool nominated;

	CHECK(new_agent());
	CHECK(feed(&a, USE_CANDIDATE, T0, resp, &nominated) > 0 && nominated);
	CHECK(feed(&a2, 0, T0, resp, &nominated) > 0 && !nominated);
	CHECK(rg_ice_selected(ice, 1, &got, NULL));
	CHECK(!memcmp(&got, &a, sizeof(struct sockaddr_in)));
	CHECK(feed(&a2, USE_CANDIDATE, T0, resp, &nominated) > 0 && nominated);
	CHECK(rg_ice_selected(ice, 1, &got, NULL));
	CHECK(!memcmp(&got, &a2, sizeof(struct sockaddr_in)));
}

static void consent_expires_30_s_after_the_last_check_from_the_selected_address(void)
{
	struct sockaddr_storage a = addr_of("192.0.2.7", 50000);
	struct sockaddr_storage other = addr_of("192.0.2.8", 50000);
	uint8_t req[512], resp[RG_ICE_RESPONSE_MAX];
	int n;

	CHECK(new_agent());
	CHECK(!rg_ice_consent_ok(ice, 1, T0));
	CHECK(feed(&a, 0, T0, resp, NULL) > 0);
	CHECK(!rg_ice_consent_ok(ice, 1, T0));		/* nothing selected */
	CHECK(feed(&a, USE_CANDIDATE, T0, resp, NULL) > 0);
	CHECK(rg_ice_consent_time(ice, 1) == T0);
	CHECK(rg_ice_consent_ok(ice, 1, T0 + 30 * SEC - 1));
	CHECK(!rg_ice_consent_ok(ice, 1, T0 + 30 * SEC));
	CHECK(!rg_ice_consent_ok(ice, 2, T0));
	/* a check from the selected address brings it back */
	CHECK(feed(&a, 0, T0 + 31 * SEC, resp, NULL) > 0);
	CHECK(rg_ice_consent_ok(ice, 1, T0 + 60 * SEC));
	/* neither another address nor a failed check renews it */
	CHECK(feed(&other, 0, T0 + 50 * SEC, resp, NULL) > 0);
	n = build_check(req, sizeof(req), NULL, THEIR_PWD, 0);
	CHECK(handle(req, (size_t)n, &a, T0 + 55 * SEC, resp) > 0);
	CHECK(feed(&a, INDICATION, T0 + 56 * SEC, resp, NULL) == 0);
	CHECK(rg_ice_consent_time(ice, 1) == T0 + 31 * SEC);
	CHECK(!rg_ice_consent_ok(ice, 1, T0 + 61 * SEC));
}

/* ---- ICE restart ---- */

static void peer_restart_keeps_old_credentials_until_new_ones_are_used(void)
{
	struct sockaddr_storage a = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	char old_user[64], new_user[64];
	struct stun_msg m;
	char pwd[RG_ICE_PWD_LEN + 1];

	CHECK(new_agent());
	strcpy(pwd, rg_ice_local_pwd(ice));
	snprintf(old_user, sizeof(old_user), "%s:%s", rg_ice_local_ufrag(ice),
		 THEIR_UFRAG);
	snprintf(new_user, sizeof(new_user), "%s:n3wR", rg_ice_local_ufrag(ice));
	CHECK(check_as(old_user, pwd, USE_CANDIDATE, &a, resp) > 0);
	CHECK_INT(rg_ice_set_remote(ice, THEIR_UFRAG, THEIR_PWD), 0);
	CHECK_INT(rg_ice_set_remote(ice, "n3wR", "n3wRemotePassword+/+/+/+/"), 0);
	CHECK_STR(rg_ice_remote_ufrag(ice), "n3wR");
	CHECK(rg_ice_selected(ice, 1, NULL, NULL));	/* media goes on */
	CHECK(is_response(resp, check_as(old_user, pwd, USE_CANDIDATE, &a, resp),
			  STUN_SUCCESS, 0, true, &m));
	CHECK(is_response(resp, check_as(new_user, pwd, USE_CANDIDATE, &a, resp),
			  STUN_SUCCESS, 0, true, &m));
	CHECK(is_response(resp, check_as(old_user, pwd, USE_CANDIDATE, &a, resp),
			  STUN_ERROR, 401, false, &m));
}

static void own_restart_brings_new_credentials_and_retires_the_old(void)
{
	struct sockaddr_storage a = addr_of("192.0.2.7", 50000);
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	char old_user[64], new_user[64], old_pwd[RG_ICE_PWD_LEN + 1];
	struct stun_msg m;
	int n;

	CHECK(new_agent());
	strcpy(old_pwd, rg_ice_local_pwd(ice));
	snprintf(old_user, sizeof(old_user), "%s:%s", rg_ice_local_ufrag(ice),
		 THEIR_UFRAG);
	CHECK(check_as(old_user, old_pwd, USE_CANDIDATE, &a, resp) > 0);
	CHECK_INT(rg_ice_restart(ice), 0);
	CHECK(strcmp(rg_ice_local_pwd(ice), old_pwd));
	CHECK(strncmp(old_user, rg_ice_local_ufrag(ice), RG_ICE_UFRAG_LEN));
	CHECK_INT(rg_ice_set_remote(ice, "n3wR", "n3wRemotePassword+/+/+/+/"), 0);
	snprintf(new_user, sizeof(new_user), "%s:n3wR", rg_ice_local_ufrag(ice));
	/* the old generation still answers, keyed with its own password */
	n = check_as(old_user, old_pwd, USE_CANDIDATE, &a, resp);
	CHECK(n > 0 && !stun_parse(resp, (size_t)n, &m) && m.cls == STUN_SUCCESS);
	CHECK_INT(stun_check_integrity(&m, (const uint8_t *)old_pwd,
				       RG_ICE_PWD_LEN), 0);
	n = check_as(new_user, rg_ice_local_pwd(ice), USE_CANDIDATE, &a, resp);
	CHECK(is_response(resp, n, STUN_SUCCESS, 0, true, &m));
	CHECK(is_response(resp, check_as(old_user, old_pwd, USE_CANDIDATE, &a, resp),
			  STUN_ERROR, 401, false, &m));
	CHECK(rg_ice_consent_ok(ice, 1, T0));
}

static void every_event_has_a_name(void)
{
	unsigned ev;

	for (ev = 0; ev < RG_ICE_EV_COUNT; ev++)
		CHECK(strcmp(rg_ice_event_name((enum rg_ice_event)ev), "?"));
	CHECK_STR(rg_ice_event_name(RG_ICE_EV_UNAUTHENTICATED), "unauthenticated");
	CHECK_STR(rg_ice_event_name(RG_ICE_EV_COUNT), "?");
	rg_ice_destroy(ice);
	ice = NULL;
}

static const struct test_case cases[] = {
	{ "a browser's check gets success with its IPv4 or IPv6 source mapped",
	  check_gets_success_with_its_source_mapped },
	{ "the response may overwrite the request in place",
	  response_may_overwrite_the_request_in_place },
	{ "a wrong ufrag gets 401 without integrity",
	  wrong_ufrag_gets_401_without_integrity },
	{ "failing integrity gets 401 without integrity",
	  failing_integrity_gets_401_without_integrity },
	{ "a check before the answer is accepted with any remote ufrag",
	  check_before_the_answer_is_accepted_with_any_remote_ufrag },
	{ "a request without USERNAME or integrity gets 400",
	  request_without_username_or_integrity_gets_400 },
	{ "a peer claiming the controlled role gets 487",
	  peer_claiming_the_controlled_role_gets_487 },
	{ "a check without role or priority gets 400 with integrity",
	  check_without_role_or_priority_gets_400_with_integrity },
	{ "an unknown comprehension-required attribute gets 420 listing it",
	  unknown_required_attribute_gets_420_listing_it },
	{ "the longest response fits the documented size",
	  longest_response_fits_the_documented_size },
	{ "a small response buffer is an error and selects nothing",
	  small_response_buffer_is_an_error_and_selects_nothing },
	{ "a bad component or source is refused",
	  bad_component_or_source_is_refused },
	{ "indications are keepalives without answer",
	  indications_are_keepalives_without_answer },
	{ "responses and other methods get no answer",
	  responses_and_other_methods_get_no_answer },
	{ "a missing or wrong fingerprint gets no answer",
	  missing_or_wrong_fingerprint_gets_no_answer },
	{ "every truncation and bit flip gets no answer",
	  every_truncation_and_bit_flip_gets_no_answer },
	{ "garbage datagrams get no answer",
	  garbage_datagrams_get_no_answer },
	{ "USE-CANDIDATE selects the source for its component",
	  use_candidate_selects_the_source_of_its_component },
	{ "a later nomination from another address moves the selection",
	  later_nomination_from_another_address_moves_the_selection },
	{ "consent expires 30 s after the last check from the selected address",
	  consent_expires_30_s_after_the_last_check_from_the_selected_address },
	{ "a peer's restart keeps old credentials until new ones are used",
	  peer_restart_keeps_old_credentials_until_new_ones_are_used },
	{ "our own restart brings new credentials and retires the old",
	  own_restart_brings_new_credentials_and_retires_the_old },
	{ "every event has a name",
	  every_event_has_a_name },
};

TEST_MAIN(cases)
