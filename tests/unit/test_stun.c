/* test_stun.c - the STUN codec against the RFC 5769 test vectors, its
 * own builder, and broken messages.
 *
 * The two vectors not from RFC 5769 (a Chrome-style binding request and a
 * MESSAGE-INTEGRITY-SHA256 request) were computed with Python's hmac,
 * hashlib and zlib, an implementation independent of lib/stun.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

#include "stun.h"
#include "test.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static const uint8_t rfc_password[] = "VOkJxbRl1RmTxUk/WvJxBt";
#define RFC_PASSWORD_LEN (sizeof(rfc_password) - 1)

/* RFC 5769 2.1: sample request. Padding is ASCII spaces. */
static const uint8_t rfc_request[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20,
	0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2,
	0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: sample IPv4 response, 192.0.2.1 port 32853. */
static const uint8_t rfc_response4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: sample IPv6 response,
 * 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
static const uint8_t rfc_response6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

/* RFC 5769 2.4: request with long-term authentication. */
static const uint8_t rfc_long_term[] = {
	0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42,
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
	0x00, 0x06, 0x00, 0x12, 0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83,
	0xaa, 0xe3, 0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00,
	0x00, 0x15, 0x00, 0x1c, 0x66, 0x2f, 0x2f, 0x34, 0x39, 0x39, 0x6b, 0x39,
	0x35, 0x34, 0x64, 0x36, 0x4f, 0x4c, 0x33, 0x34, 0x6f, 0x4c, 0x39, 0x46,
	0x53, 0x54, 0x76, 0x79, 0x36, 0x34, 0x73, 0x41,
	0x00, 0x14, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x6f, 0x72, 0x67, 0x00,
	0x00, 0x08, 0x00, 0x14, 0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e,
	0x02, 0xb8, 0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

/* A binding request as Chrome sends it: USERNAME, GOOG-NETWORK-INFO
 * (0xc057), ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY
 * with password "a1b2c3d4e5f6g7h8i9j0k1l2", FINGERPRINT. */
static const uint8_t chrome_request[] = {
	0x00, 0x01, 0x00, 0x50, 0x21, 0x12, 0xa4, 0x42,
	0x4a, 0x6b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50, 0x61, 0x72, 0x83, 0xa4, 0xb5,
	0x00, 0x06, 0x00, 0x09, 0x58, 0x7a, 0x38, 0x71, 0x3a, 0x39, 0x66, 0x4a,
	0x63, 0x00, 0x00, 0x00, 0xc0, 0x57, 0x00, 0x04, 0x00, 0x01, 0x00, 0x0a,
	0x80, 0x2a, 0x00, 0x08, 0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88,
	0x00, 0x25, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x7f, 0x1e, 0xff,
	0x00, 0x08, 0x00, 0x14, 0x84, 0x62, 0x30, 0xa6, 0xb1, 0x47, 0x1a, 0x2c,
	0xb1, 0xde, 0xa5, 0xd0, 0xf8, 0xc4, 0xe4, 0x94, 0x96, 0x43, 0x7d, 0x3c,
	0x80, 0x28, 0x00, 0x04, 0x2e, 0x8e, 0xf9, 0x6b,
};

/* Binding request, transaction id 1..12, USERNAME "alice:bob",
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 (32 bytes) and FINGERPRINT,
 * key "secret-password". */
static const uint8_t sha256_request[] = {
	0x00, 0x01, 0x00, 0x54, 0x21, 0x12, 0xa4, 0x42,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
	0x00, 0x06, 0x00, 0x09, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x3a, 0x62, 0x6f,
	0x62, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x14, 0x5f, 0xad, 0x01, 0xfe,
	0xd8, 0xb9, 0x54, 0x01, 0x53, 0x36, 0x11, 0x0c, 0x58, 0x56, 0xf4, 0xe6,
	0xf8, 0x66, 0xba, 0x7f, 0x00, 0x1c, 0x00, 0x20, 0xff, 0x82, 0xbc, 0x65,
	0xac, 0x9d, 0xa9, 0xd3, 0xb1, 0xc0, 0x38, 0x91, 0x05, 0x07, 0x48, 0xbc,
	0x3b, 0xf6, 0x4c, 0x67, 0x43, 0x2b, 0x1d, 0xe3, 0x5b, 0xb8, 0xc9, 0xfe,
	0xfa, 0x01, 0xc1, 0x75, 0x80, 0x28, 0x00, 0x04, 0xfa, 0xb8, 0xa2, 0x75,
};

struct vector {
	const uint8_t *bytes;
	size_t len;
};

static const struct vector vectors[] = {
	{ rfc_request, sizeof(rfc_request) },
	{ rfc_response4, sizeof(rfc_response4) },
	{ rfc_response6, sizeof(rfc_response6) },
	{ rfc_long_term, sizeof(rfc_long_term) },
	{ chrome_request, sizeof(chrome_request) },
	{ sha256_request, sizeof(sha256_request) },
};

static bool bytes_are(const struct stun_bytes *b, const char *s)
{
	return b->data && b->len == strlen(s) && !memcmp(b->data, s, b->len);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A header-only message of @body_len attribute bytes (the caller fills
 * them in at @buf + 20). */
static void header(uint8_t *buf, size_t body_len)
{
	memcpy(buf, rfc_request, STUN_HEADER_LEN);
	put16(buf + 2, (uint16_t)body_len);
}

/* Ends @b with MESSAGE-INTEGRITY (the RFC 5769 password) and FINGERPRINT. */
static int finish_rfc(struct stun_builder *b)
{
	return stun_builder_finish(b, rfc_password, RFC_PASSWORD_LEN,
				   STUN_FINISH_INTEGRITY |
				   STUN_FINISH_FINGERPRINT);
}

static void sample_request_decodes_every_attribute(void)
{
	struct stun_msg m;

	CHECK_INT(stun_parse(rfc_request, sizeof(rfc_request), &m), 0);
	CHECK_INT(m.method, STUN_METHOD_BINDING);
	CHECK_INT(m.cls, STUN_REQUEST);
	CHECK(!memcmp(m.tid, rfc_request + 8, STUN_TID_LEN));
	CHECK(bytes_are(&m.software, "STUN test client"));
	CHECK(bytes_are(&m.username, "evtj:h6vY"));
	CHECK(m.present & STUN_HAS_PRIORITY);
	CHECK_INT(m.priority, 0x6e0001ff);
	CHECK(m.present & STUN_HAS_ICE_CONTROLLED);
	CHECK(m.ice_controlled == 0x932ff9b151263b36ull);
	CHECK(!(m.present & STUN_HAS_ICE_CONTROLLING));
	CHECK(!(m.present & STUN_HAS_USE_CANDIDATE));
	CHECK_INT(m.n_attrs, 6);
	CHECK_INT(m.n_unknown, 0);
	CHECK_INT(m.integrity_off, 76);
	CHECK_INT(m.fingerprint_off, 100);
}

static void sample_request_passes_integrity_and_fingerprint(void)
{
	struct stun_msg m;

	CHECK_INT(stun_parse(rfc_request, sizeof(rfc_request), &m), 0);
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void ipv4_response_decodes_the_xor_mapped_address(void)
{
	struct stun_msg m;

	CHECK_INT(stun_parse(rfc_response4, sizeof(rfc_response4), &m), 0);
	CHECK_INT(m.cls, STUN_SUCCESS);
	CHECK(bytes_are(&m.software, "test vector"));
	CHECK(m.present & STUN_HAS_XOR_MAPPED_ADDRESS);
	CHECK_INT(m.xor_mapped.sa.sa_family, AF_INET);
	CHECK_INT(ntohs(m.xor_mapped.in4.sin_port), 32853);
	CHECK_INT(ntohl(m.xor_mapped.in4.sin_addr.s_addr), 0xc0000201);
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void ipv6_response_decodes_the_xor_mapped_address(void)
{
	struct in6_addr want;
	struct stun_msg m;

	CHECK_INT(inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677",
			    &want), 1);
	CHECK_INT(stun_parse(rfc_response6, sizeof(rfc_response6), &m), 0);
	CHECK_INT(m.xor_mapped.sa.sa_family, AF_INET6);
	CHECK_INT(ntohs(m.xor_mapped.in6.sin6_port), 32853);
	CHECK(!memcmp(&m.xor_mapped.in6.sin6_addr, &want, sizeof(want)));
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void long_term_request_verifies_with_the_md5_key(void)
{
	/* U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9, and the password after
	 * SASLprep */
	static const char user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa"
				   "\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
	struct stun_bytes u = { (const uint8_t *)user, sizeof(user) - 1 };
	struct stun_bytes pw = { (const uint8_t *)"TheMatrIX", 9 };
	uint8_t key[STUN_LONG_TERM_KEY_LEN];
	struct stun_msg m;

	CHECK_INT(stun_parse(rfc_long_term, sizeof(rfc_long_term), &m), 0);
	CHECK(bytes_are(&m.username, user));
	CHECK(bytes_are(&m.realm, "example.org"));
	CHECK(bytes_are(&m.nonce, "f//499k954d6OL34oL9FSTvy64sA"));
	CHECK_INT(m.n_unknown, 0);
	CHECK_INT(stun_long_term_key(&u, &m.realm, &pw, key), 0);
	CHECK_INT(stun_check_integrity(&m, key, sizeof(key)), 0);
	CHECK_INT(stun_check_fingerprint(&m), -ENOENT);
	CHECK_INT(stun_check_integrity(&m, (const uint8_t *)"TheMatrIX", 9),
		  -EACCES);
}

static void chrome_binding_request_parses_and_verifies(void)
{
	static const uint8_t pw[] = "a1b2c3d4e5f6g7h8i9j0k1l2";
	struct stun_msg m;

	CHECK_INT(stun_parse(chrome_request, sizeof(chrome_request), &m), 0);
	CHECK(bytes_are(&m.username, "Xz8q:9fJc"));
	CHECK(m.present & STUN_HAS_USE_CANDIDATE);
	CHECK(m.ice_controlling == 0x1f2e3d4c5b6a7988ull);
	CHECK_INT(m.priority, 0x6e7f1eff);
	/* GOOG-NETWORK-INFO is comprehension-optional: kept, not listed */
	CHECK(stun_msg_find(&m, 0xc057) != NULL);
	CHECK_INT(stun_msg_find(&m, 0xc057)->len, 4);
	CHECK_INT(m.n_unknown, 0);
	CHECK_INT(stun_check_integrity(&m, pw, sizeof(pw) - 1), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void sha256_integrity_covers_the_sha1_one_before_it(void)
{
	static const uint8_t key[] = "secret-password";
	struct stun_msg m;
	uint8_t bad[sizeof(sha256_request)];

	CHECK_INT(stun_parse(sha256_request, sizeof(sha256_request), &m), 0);
	CHECK_INT(m.integrity_sha256_len, 32);
	CHECK_INT(stun_check_integrity(&m, key, sizeof(key) - 1), 0);
	CHECK_INT(stun_check_integrity_sha256(&m, key, sizeof(key) - 1), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
	CHECK_INT(stun_check_integrity_sha256(&m, key, 5), -EACCES);
	/* a change inside MESSAGE-INTEGRITY breaks SHA256 too */
	memcpy(bad, sha256_request, sizeof(bad));
	bad[40] ^= 1;
	CHECK_INT(stun_parse(bad, sizeof(bad), &m), 0);
	CHECK_INT(stun_check_integrity_sha256(&m, key, sizeof(key) - 1),
		  -EACCES);
}

static void wrong_password_fails_integrity(void)
{
	struct stun_msg m;

	CHECK_INT(stun_parse(rfc_response4, sizeof(rfc_response4), &m), 0);
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN - 1),
		  -EACCES);
	CHECK_INT(stun_check_integrity(&m, NULL, 0), -EACCES);
	CHECK_INT(stun_check_integrity_sha256(&m, rfc_password,
					      RFC_PASSWORD_LEN), -ENOENT);
}

static void any_flipped_byte_fails_parse_integrity_or_fingerprint(void)
{
	uint8_t buf[sizeof(rfc_request)];
	struct stun_msg m;
	size_t i;
	int bit;

	for (i = 0; i < sizeof(buf); i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(buf, rfc_request, sizeof(buf));
			buf[i] ^= (uint8_t)(1 << bit);
			if (stun_parse(buf, sizeof(buf), &m))
				continue;
			/* everything but the FINGERPRINT value is under it */
			CHECK(stun_check_fingerprint(&m) != 0);
			if (i < m.integrity_off + 24)
				CHECK(stun_check_integrity(&m, rfc_password,
					RFC_PASSWORD_LEN) != 0);
		}
	}
}

/* Builds RFC 5769 2.2 (or, with @ipv6, 2.3) from its inputs. */
static int build_response(uint8_t *buf, size_t cap, bool ipv6)
{
	union stun_sockaddr sa = { .in4 = { .sin_family = AF_INET } };
	struct stun_builder b;

	sa.in4.sin_port = htons(32853);
	sa.in4.sin_addr.s_addr = htonl(0xc0000201);
	if (ipv6) {
		sa.in6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8:1234:5678:11:2233:4455:6677",
			  &sa.in6.sin6_addr);
	}
	stun_builder_init(&b, buf, cap, STUN_METHOD_BINDING, STUN_SUCCESS,
			  rfc_response4 + 8);
	b.pad = ' ';	/* RFC 5769 pads with spaces */
	stun_builder_add(&b, STUN_ATTR_SOFTWARE, "test vector", 11);
	stun_builder_add_xor_address(&b, &sa.sa);
	return finish_rfc(&b);
}

static void builder_reproduces_the_responses_byte_for_byte(void)
{
	uint8_t buf[256];

	CHECK_INT(build_response(buf, sizeof(buf), false),
		  sizeof(rfc_response4));
	CHECK(!memcmp(buf, rfc_response4, sizeof(rfc_response4)));
	CHECK_INT(build_response(buf, sizeof(buf), true),
		  sizeof(rfc_response6));
	CHECK(!memcmp(buf, rfc_response6, sizeof(rfc_response6)));
}

static void builder_reproduces_the_sample_request_byte_for_byte(void)
{
	struct stun_builder b;
	uint8_t buf[256];

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	b.pad = ' ';
	stun_builder_add(&b, STUN_ATTR_SOFTWARE, "STUN test client", 16);
	stun_builder_add_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
	stun_builder_add_u64(&b, STUN_ATTR_ICE_CONTROLLED,
			     0x932ff9b151263b36ull);
	stun_builder_add(&b, STUN_ATTR_USERNAME, "evtj:h6vY", 9);
	CHECK_INT(finish_rfc(&b), sizeof(rfc_request));
	CHECK(!memcmp(buf, rfc_request, sizeof(rfc_request)));
}

static void builder_reproduces_the_sha256_request_byte_for_byte(void)
{
	static const uint8_t key[] = "secret-password";
	struct stun_builder b;
	uint8_t buf[256];

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, sha256_request + 8);
	stun_builder_add(&b, STUN_ATTR_USERNAME, "alice:bob", 9);
	CHECK_INT(stun_builder_finish(&b, key, sizeof(key) - 1,
				      STUN_FINISH_INTEGRITY |
				      STUN_FINISH_INTEGRITY_SHA256 |
				      STUN_FINISH_FINGERPRINT),
		  sizeof(sha256_request));
	CHECK(!memcmp(buf, sha256_request, sizeof(sha256_request)));
}

static void built_error_response_round_trips(void)
{
	static const uint16_t unknown[] = { 0x0031, 0x7777, 0x0002 };
	struct stun_builder b;
	struct stun_msg m;
	uint8_t buf[256];
	int n;

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_ERROR, rfc_request + 8);
	stun_builder_add_error(&b, 420, "Unknown Attribute", 17);
	stun_builder_add_unknown(&b, unknown, ARRAY_LEN(unknown));
	n = finish_rfc(&b);
	CHECK(n > 0);
	CHECK_INT(buf[0], 0x01);
	CHECK_INT(buf[1], 0x11);
	CHECK_INT(stun_parse(buf, (size_t)n, &m), 0);
	CHECK_INT(m.cls, STUN_ERROR);
	CHECK_INT(m.error_code, 420);
	CHECK(bytes_are(&m.error_reason, "Unknown Attribute"));
	CHECK_INT(m.n_error_unknown, 3);
	CHECK_INT(m.error_unknown[1], 0x7777);
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN), 0);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void built_ice_request_round_trips_with_zero_padding(void)
{
	struct stun_builder b;
	struct stun_msg m;
	uint8_t buf[256];
	int n;

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	stun_builder_add(&b, STUN_ATTR_USERNAME, "ab:c", 4);
	stun_builder_add(&b, STUN_ATTR_SOFTWARE, "x", 1);
	stun_builder_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	stun_builder_add_u64(&b, STUN_ATTR_ICE_CONTROLLING, 42);
	n = stun_builder_finish(&b, NULL, 0, STUN_FINISH_FINGERPRINT);
	CHECK_INT(n, 20 + 8 + 8 + 4 + 12 + 8);
	CHECK(!memcmp(buf + 32, "x\0\0\0", 4));
	CHECK_INT(stun_parse(buf, (size_t)n, &m), 0);
	CHECK(m.present & STUN_HAS_USE_CANDIDATE);
	CHECK(m.ice_controlling == 42);
	CHECK_INT(stun_check_integrity(&m, rfc_password, 1), -ENOENT);
	CHECK_INT(stun_check_fingerprint(&m), 0);
}

static void every_class_encodes_and_decodes(void)
{
	static const uint16_t types[] = { 0x0001, 0x0011, 0x0101, 0x0111 };
	struct stun_builder b;
	struct stun_msg m;
	uint8_t buf[32];
	unsigned c;

	for (c = 0; c < 4; c++) {
		stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
				  (enum stun_class)c, rfc_request + 8);
		CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), 20);
		CHECK_INT(buf[0] << 8 | buf[1], types[c]);
		CHECK_INT(stun_parse(buf, 20, &m), 0);
		CHECK_INT(m.cls, c);
		CHECK_INT(m.method, STUN_METHOD_BINDING);
		CHECK_INT(m.n_attrs, 0);
	}
	/* the highest method: every method bit around the class bits */
	stun_builder_init(&b, buf, sizeof(buf), 0xfff, STUN_ERROR,
			  rfc_request + 8);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), 20);
	CHECK_INT(buf[0] << 8 | buf[1], 0x3fff);
	CHECK_INT(stun_parse(buf, 20, &m), 0);
	CHECK_INT(m.method, 0xfff);
}

static void every_truncation_is_rejected(void)
{
	struct stun_msg m;
	size_t v, len;

	for (v = 0; v < ARRAY_LEN(vectors); v++)
		for (len = 0; len < vectors[v].len; len++)
			CHECK_INT(stun_parse(vectors[v].bytes, len, &m),
				  -EINVAL);
}

static void cut_inside_an_attribute_with_a_fixed_length_is_rejected(void)
{
	uint8_t buf[sizeof(rfc_request)];
	struct stun_msg m;
	size_t len;
	int err;

	/* attribute boundaries of RFC 5769 2.1 */
	for (len = 20; len < sizeof(rfc_request); len += 4) {
		memcpy(buf, rfc_request, len);
		put16(buf + 2, (uint16_t)(len - 20));
		err = stun_parse(buf, len, &m);
		if (len == 20 || len == 40 || len == 48 || len == 60 ||
		    len == 76 || len == 100)
			CHECK_INT(err, 0);
		else
			CHECK_INT(err, -EBADMSG);
	}
}

static void bad_headers_are_rejected(void)
{
	uint8_t buf[sizeof(rfc_response4)];
	struct stun_msg m;

	memcpy(buf, rfc_response4, sizeof(buf));
	buf[3] += 4;			/* length says 4 more */
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EINVAL);
	buf[3] -= 5;			/* not a multiple of 4 */
	CHECK_INT(stun_parse(buf, sizeof(buf) - 1, &m), -EINVAL);
	memcpy(buf, rfc_response4, sizeof(buf));
	buf[6] ^= 0x01;			/* cookie */
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EINVAL);
	memcpy(buf, rfc_response4, sizeof(buf));
	buf[0] |= 0x80;			/* first two bits */
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EINVAL);
	CHECK_INT(stun_parse(NULL, 0, &m), -EINVAL);
}

static void attribute_running_past_the_end_is_rejected(void)
{
	uint8_t buf[28];
	struct stun_msg m;

	header(buf, 8);
	put16(buf + 20, STUN_ATTR_SOFTWARE);
	put16(buf + 22, 5);		/* padded to 8, only 4 there */
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EBADMSG);
	put16(buf + 22, 4);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	put16(buf + 22, 0xffff);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EBADMSG);
}

static void attributes_after_integrity_are_ignored(void)
{
	uint8_t buf[sizeof(rfc_response4) + 8];
	struct stun_msg m;

	/* 2.2 with PRIORITY between MESSAGE-INTEGRITY and FINGERPRINT */
	memcpy(buf, rfc_response4, 72);
	memcpy(buf + 72, "\x00\x24\x00\x04\x01\x02\x03\x04", 8);
	memcpy(buf + 80, rfc_response4 + 72, 8);
	put16(buf + 2, sizeof(buf) - 20);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	CHECK(!(m.present & STUN_HAS_PRIORITY));
	CHECK(stun_msg_find(&m, STUN_ATTR_PRIORITY) == NULL);
	CHECK_INT(m.n_attrs, 4);
	CHECK_INT(m.fingerprint_off, 80);
	/* the HMAC stops before it; the CRC covers it */
	CHECK_INT(stun_check_integrity(&m, rfc_password, RFC_PASSWORD_LEN), 0);
	CHECK_INT(stun_check_fingerprint(&m), -EBADMSG);
	/* an unknown required type there is not listed either */
	put16(buf + 72, 0x0033);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	CHECK_INT(m.n_unknown, 0);
}

static void fingerprint_not_last_is_rejected(void)
{
	uint8_t buf[sizeof(rfc_response4) + 8];
	struct stun_msg m;

	memcpy(buf, rfc_response4, sizeof(rfc_response4));
	memcpy(buf + sizeof(rfc_response4), "\x80\x22\x00\x01z\0\0\0", 8);
	put16(buf + 2, sizeof(buf) - 20);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EBADMSG);
	/* nor may a second FINGERPRINT follow the first */
	memcpy(buf + sizeof(rfc_response4), rfc_response4 + 72, 8);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -EBADMSG);
}

static void unknown_required_attributes_are_listed_once(void)
{
	uint8_t buf[20 + 5 * 8];
	struct stun_msg m;

	header(buf, 5 * 8);
	memcpy(buf + 20, "\x00\x31\x00\x04" "abcd"	/* unknown required */
			 "\x7f\xff\x00\x04" "abcd"	/* unknown required */
			 "\x00\x31\x00\x04" "abcd"	/* again */
			 "\x80\x99\x00\x04" "abcd"	/* optional */
			 "\x00\x24\x00\x04" "abcd", 40);	/* PRIORITY */
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	CHECK_INT(m.n_attrs, 5);
	CHECK_INT(m.n_unknown, 2);
	CHECK_INT(m.unknown[0], 0x0031);
	CHECK_INT(m.unknown[1], 0x7fff);
	CHECK_INT(m.priority, 0x61626364);
}

/* Parses a message of one attribute @type with the @len bytes at @v. */
static int parse_one(uint16_t type, const void *v, size_t len)
{
	uint8_t buf[20 + 4 + 64];
	struct stun_msg m;
	size_t padded = (len + 3) & ~(size_t)3;

	header(buf, 4 + padded);
	put16(buf + 20, type);
	put16(buf + 22, (uint16_t)len);
	memset(buf + 24, 0, padded);
	memcpy(buf + 24, v, len);
	return stun_parse(buf, 24 + padded, &m);
}

static void malformed_known_attributes_are_rejected(void)
{
	static const uint8_t zeros[64];

	CHECK_INT(parse_one(STUN_ATTR_PRIORITY, zeros, 3), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_PRIORITY, zeros, 8), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_USE_CANDIDATE, zeros, 4), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_ICE_CONTROLLING, zeros, 4), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MESSAGE_INTEGRITY, zeros, 19), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 12),
		  -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 18),
		  -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 36),
		  -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MESSAGE_INTEGRITY_SHA256, zeros, 16), 0);
	CHECK_INT(parse_one(STUN_ATTR_FINGERPRINT, zeros, 8), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_UNKNOWN_ATTRIBUTES, zeros, 3), -EBADMSG);
	/* family 3; IPv4 family with an IPv6 length */
	CHECK_INT(parse_one(STUN_ATTR_XOR_MAPPED_ADDRESS,
			    "\x00\x03\x00\x01\x01\x02\x03\x04", 8), -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_MAPPED_ADDRESS, "\x00\x01\x00\x01"
			    "0123456789abcdef", 20), -EBADMSG);
	/* class 7; number 100 */
	CHECK_INT(parse_one(STUN_ATTR_ERROR_CODE, "\x00\x00\x07\x00", 4),
		  -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_ERROR_CODE, "\x00\x00\x04\x64", 4),
		  -EBADMSG);
	CHECK_INT(parse_one(STUN_ATTR_ERROR_CODE, "\x00\x00\x04\x14", 4), 0);
}

static void mapped_address_is_decoded_without_xor(void)
{
	uint8_t buf[20 + 12];
	struct stun_msg m;

	header(buf, 12);
	memcpy(buf + 20, "\x00\x01\x00\x08\x00\x01\x13\x88\x0a\x00\x00\x01",
	       12);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	CHECK(m.present & STUN_HAS_MAPPED_ADDRESS);
	CHECK_INT(ntohs(m.mapped.in4.sin_port), 5000);
	CHECK_INT(ntohl(m.mapped.in4.sin_addr.s_addr), 0x0a000001);
}

static void only_the_first_of_a_repeated_attribute_counts(void)
{
	uint8_t buf[20 + 16];
	struct stun_msg m;

	header(buf, 16);
	memcpy(buf + 20, "\x00\x24\x00\x04\x00\x00\x00\x01"
			 "\x00\x24\x00\x04\x00\x00\x00\x02", 16);
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), 0);
	CHECK_INT(m.priority, 1);
	CHECK_INT(m.n_attrs, 2);
}

static void more_than_64_attributes_are_refused(void)
{
	uint8_t buf[20 + 4 * (STUN_MAX_ATTRS + 1)];
	struct stun_msg m;
	unsigned i;

	for (i = 0; i <= STUN_MAX_ATTRS; i++)
		memcpy(buf + 20 + 4 * i, "\x80\x99\x00\x00", 4);
	header(buf, 4 * STUN_MAX_ATTRS);
	CHECK_INT(stun_parse(buf, 20 + 4 * STUN_MAX_ATTRS, &m), 0);
	CHECK_INT(m.n_attrs, STUN_MAX_ATTRS);
	header(buf, 4 * (STUN_MAX_ATTRS + 1));
	CHECK_INT(stun_parse(buf, sizeof(buf), &m), -E2BIG);
}

static void quick_check_tells_stun_from_other_traffic(void)
{
	static const uint8_t rtp[20] = { 0x80, 0x00, 0, 1, 0x21, 0x12, 0xa4,
					 0x42 };
	static const uint8_t dtls[20] = { 22, 0xfe, 0xfd };
	uint8_t buf[sizeof(rfc_request)];

	CHECK(stun_is_stun(rfc_request, sizeof(rfc_request)));
	CHECK(stun_is_stun(rfc_response6, sizeof(rfc_response6)));
	CHECK(!stun_is_stun(rfc_request, 19));
	CHECK(!stun_is_stun(rtp, sizeof(rtp)));
	CHECK(!stun_is_stun(dtls, sizeof(dtls)));
	memcpy(buf, rfc_request, sizeof(buf));
	buf[7] = 0;
	CHECK(!stun_is_stun(buf, sizeof(buf)));
}

static void builder_reports_a_buffer_too_small_without_overrunning(void)
{
	uint8_t buf[sizeof(rfc_response4) + 16];
	size_t cap, i;

	for (cap = 0; cap < sizeof(rfc_response4); cap++) {
		memset(buf, 0xa5, sizeof(buf));
		CHECK_INT(build_response(buf, cap, false), -ENOBUFS);
		for (i = cap; i < sizeof(buf); i++)
			CHECK_INT(buf[i], 0xa5);
	}
	CHECK_INT(build_response(buf, sizeof(rfc_response4), false),
		  sizeof(rfc_response4));
}

static void builder_refuses_misuse(void)
{
	struct sockaddr sa = { .sa_family = AF_UNIX };
	struct stun_builder b;
	uint8_t buf[128];

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	CHECK_INT(stun_builder_add_xor_address(&b, &sa), -EAFNOSUPPORT);
	CHECK_INT(stun_builder_add_u32(&b, STUN_ATTR_PRIORITY, 1),
		  -EAFNOSUPPORT);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), -EAFNOSUPPORT);

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	CHECK_INT(stun_builder_add(&b, STUN_ATTR_FINGERPRINT, "abcd", 4),
		  -EINVAL);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), -EINVAL);

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_SUCCESS, rfc_request + 8);
	CHECK_INT(stun_builder_add_error(&b, 299, "x", 1), -EINVAL);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), -EINVAL);

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, STUN_FINISH_INTEGRITY),
		  -EINVAL);

	stun_builder_init(&b, buf, sizeof(buf), 0x1000, STUN_REQUEST,
			  rfc_request + 8);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), -EINVAL);
}

static void builder_refuses_to_touch_a_finished_message(void)
{
	struct stun_builder b;
	uint8_t buf[128];

	stun_builder_init(&b, buf, sizeof(buf), STUN_METHOD_BINDING,
			  STUN_REQUEST, rfc_request + 8);
	CHECK_INT(stun_builder_finish(&b, rfc_password, RFC_PASSWORD_LEN,
				      STUN_FINISH_INTEGRITY), 44);
	CHECK_INT(stun_builder_add(&b, STUN_ATTR_USERNAME, "a", 1), -EINVAL);
	CHECK_INT(stun_builder_finish(&b, NULL, 0, 0), -EINVAL);
	CHECK_INT(buf[3], 24);
}

static const struct test_case cases[] = {
	{ "RFC 5769 sample request decodes every attribute",
	  sample_request_decodes_every_attribute },
	{ "RFC 5769 sample request passes integrity and fingerprint",
	  sample_request_passes_integrity_and_fingerprint },
	{ "RFC 5769 IPv4 response decodes 192.0.2.1:32853 and verifies",
	  ipv4_response_decodes_the_xor_mapped_address },
	{ "RFC 5769 IPv6 response decodes its XOR-MAPPED-ADDRESS and verifies",
	  ipv6_response_decodes_the_xor_mapped_address },
	{ "RFC 5769 long-term request verifies with MD5(user:realm:password)",
	  long_term_request_verifies_with_the_md5_key },
	{ "a Chrome binding request parses, keeps GOOG-NETWORK-INFO, verifies",
	  chrome_binding_request_parses_and_verifies },
	{ "MESSAGE-INTEGRITY-SHA256 verifies and covers MESSAGE-INTEGRITY",
	  sha256_integrity_covers_the_sha1_one_before_it },
	{ "a wrong password fails integrity",
	  wrong_password_fails_integrity },
	{ "any flipped bit fails parsing, integrity or fingerprint",
	  any_flipped_byte_fails_parse_integrity_or_fingerprint },
	{ "the builder reproduces RFC 5769's IPv4 and IPv6 responses exactly",
	  builder_reproduces_the_responses_byte_for_byte },
	{ "the builder reproduces RFC 5769's sample request byte for byte",
	  builder_reproduces_the_sample_request_byte_for_byte },
	{ "the builder's SHA256 integrity matches an independent HMAC",
	  builder_reproduces_the_sha256_request_byte_for_byte },
	{ "a built 420 with UNKNOWN-ATTRIBUTES parses back and verifies",
	  built_error_response_round_trips },
	{ "a built ICE request pads with zeros and parses back",
	  built_ice_request_round_trips_with_zero_padding },
	{ "all four classes and every method bit encode and decode",
	  every_class_encodes_and_decodes },
	{ "every truncation of every vector is rejected",
	  every_truncation_is_rejected },
	{ "a cut inside an attribute is rejected even with the length fixed",
	  cut_inside_an_attribute_with_a_fixed_length_is_rejected },
	{ "a wrong length field, cookie or leading bits is rejected",
	  bad_headers_are_rejected },
	{ "an attribute running past the end is rejected",
	  attribute_running_past_the_end_is_rejected },
	{ "what follows MESSAGE-INTEGRITY, bar FINGERPRINT, is ignored",
	  attributes_after_integrity_are_ignored },
	{ "FINGERPRINT anywhere but last is rejected",
	  fingerprint_not_last_is_rejected },
	{ "unknown comprehension-required attributes are listed once each",
	  unknown_required_attributes_are_listed_once },
	{ "known attributes of the wrong length or value are rejected",
	  malformed_known_attributes_are_rejected },
	{ "MAPPED-ADDRESS is decoded without the XOR",
	  mapped_address_is_decoded_without_xor },
	{ "only the first of a repeated attribute is decoded",
	  only_the_first_of_a_repeated_attribute_counts },
	{ "a message of more than 64 attributes is refused",
	  more_than_64_attributes_are_refused },
	{ "the quick check tells STUN from RTP, DTLS and short packets",
	  quick_check_tells_stun_from_other_traffic },
	{ "the builder reports a small buffer and never writes past it",
	  builder_reports_a_buffer_too_small_without_overrunning },
	{ "the builder refuses bad types, codes, families and missing keys",
	  builder_refuses_misuse },
	{ "the builder refuses to touch a finished message",
	  builder_refuses_to_touch_a_finished_message },
};

TEST_MAIN(cases)
