/* test_sdes.c - the a=crypto parser and writer (RFC 4568). */
#include <errno.h>
#include <stdint.h>

#include "sdes.h"
#include "test.h"

/* The examples of RFC 4568 sections 4 and 6 (attribute values). */
#define RFC_EXAMPLE_1 \
	"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"
#define RFC_EXAMPLE_2 \
	"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP"
#define RFC_EXAMPLE_3 \
	"2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;" \
	"inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP"
#define RFC_EXAMPLE_4 \
	"1 AES_CM_128_HMAC_SHA1_80 inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4"
/* 30 octets: an AES_CM_128 key and salt */
#define KEY30 "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
#define LINE30 "1 AES_CM_128_HMAC_SHA1_80 " KEY30

static const char *why;

static int parse(const char *s, struct sdes_crypto *c)
{
	why = NULL;
	return sdes_parse(s, strlen(s), c, &why);
}

static int parse_err(const char *s)
{
	struct sdes_crypto c;
	int ret = parse(s, &c);

	/* every failure says why */
	return ret != 0 && why == NULL ? -9999 : ret;
}

/* "" if each of the @n @lines is refused with @code and a reason, else
 * the first line that is not (shown by CHECK_STR). */
static const char *unrefused(int code, const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (parse_err(lines[i]) != code)
			return lines[i];
	return "";
}

#define CHECK_REFUSED(code, lines) \
	CHECK_STR(unrefused(code, lines, sizeof(lines) / sizeof(lines[0])), "")

/* @c filled with a recognisable key for suite @id. */
static void fill(struct sdes_crypto *c, enum sdes_suite_id id)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->tag = 7;
	c->suite = sdes_suite_at(id);
	for (i = 0; i < SDES_KEY_MAX; i++)
		c->key[i] = (uint8_t)(i * 37 + id);
	for (i = 0; i < SDES_SALT_MAX; i++)
		c->salt[i] = (uint8_t)(0xf0 - i * 11);
}

static bool same_keys(const struct sdes_crypto *a, const struct sdes_crypto *b)
{
	return a->suite == b->suite &&
	       memcmp(a->key, b->key, a->suite->key_len) == 0 &&
	       memcmp(a->salt, b->salt, a->suite->salt_len) == 0;
}

static void rfc_section_4_example_is_read(void)
{
	static const uint8_t key[16] = {
		0x3d, 0x2d, 0x6e, 0x40, 0x25, 0x5e, 0x78, 0x21,
		0x42, 0x6a, 0x75, 0x66, 0x72, 0x39, 0x29, 0x3f,
	};
	static const uint8_t salt[14] = {
		0x2c, 0x23, 0x35, 0x68, 0x5c, 0x60, 0x3d, 0x26,
		0x5d, 0x7b, 0x71, 0x69, 0x50, 0x51,
	};
	struct sdes_crypto c;

	CHECK_INT(parse(RFC_EXAMPLE_1, &c), 0);
	CHECK_INT(c.tag, 1);
	CHECK_STR(c.suite->name, "AES_CM_128_HMAC_SHA1_80");
	CHECK(c.suite->supported);
	CHECK(memcmp(c.key, key, 16) == 0);
	CHECK(memcmp(c.salt, salt, 14) == 0);
	CHECK_INT(c.lifetime, 1 << 20);
	CHECK(c.lifetime_pow2);
	CHECK_INT(c.mki, 1);
	CHECK_INT(c.mki_len, 32);
	CHECK_INT(c.extra_keys, 0);
	CHECK_INT(c.flags, 0);
}

static void rfc_example_with_fec_order_is_read(void)
{
	struct sdes_crypto c;

	CHECK_INT(parse(RFC_EXAMPLE_2, &c), 0);
	CHECK_INT(c.fec_order, SDES_FEC_SRTP);
	CHECK_INT(c.mki_len, 4);
	CHECK_INT(c.key[0], 'Y');
	CHECK_INT(c.salt[13], 's');
}

static void rfc_f8_example_keeps_the_first_of_two_keys(void)
{
	struct sdes_crypto c;

	CHECK_INT(parse(RFC_EXAMPLE_3, &c), 0);
	CHECK_INT(c.tag, 2);
	CHECK_INT(c.suite->id, SDES_F8_128_HMAC_SHA1_80);
	CHECK(!c.suite->supported);
	CHECK_INT(c.extra_keys, 1);
	CHECK(memcmp(c.key, "123456789ABCDE01", 16) == 0);
	CHECK(memcmp(c.salt, "23456789ABcdef", 14) == 0);
	CHECK_INT(c.mki, 1);
	CHECK_INT(c.fec_order, SDES_FEC_SRTP);
}

static void an_mki_without_a_lifetime_is_read(void)
{
	struct sdes_crypto c;

	CHECK_INT(parse(RFC_EXAMPLE_4, &c), 0);
	CHECK_INT(c.lifetime, 0);
	CHECK_INT(c.mki, 1066);
	CHECK_INT(c.mki_len, 4);
	CHECK_INT(c.key[0], 'a');
}

static void every_suite_has_the_lengths_of_its_rfc(void)
{
	static const struct {
		const char *name;
		int key, salt, srtp_tag, srtcp_tag, aead;
	} want[] = {
		{ "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, 0 },	/* RFC 4568 */
		{ "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, 0 },
		{ "F8_128_HMAC_SHA1_80", 16, 14, 10, 10, 0 },
		{ "AES_192_CM_HMAC_SHA1_80", 24, 14, 10, 10, 0 },	/* RFC 6188 */
		{ "AES_192_CM_HMAC_SHA1_32", 24, 14, 4, 10, 0 },
		{ "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, 0 },
		{ "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, 0 },
		{ "AEAD_AES_128_GCM", 16, 12, 16, 16, 1 },		/* RFC 7714 */
		{ "AEAD_AES_256_GCM", 32, 12, 16, 16, 1 },
		{ "NULL_HMAC_SHA1_80", 16, 14, 10, 10, 0 },
		{ "NULL_HMAC_SHA1_32", 16, 14, 4, 10, 0 },
	};
	const struct sdes_suite *s;
	size_t i;

	CHECK_INT(sizeof(want) / sizeof(want[0]), SDES_SUITE_COUNT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		s = sdes_suite_find(want[i].name);
		CHECK(s != NULL);
		CHECK_STR(s->name, want[i].name);
		CHECK_INT(s->key_len, want[i].key);
		CHECK_INT(s->salt_len, want[i].salt);
		CHECK_INT(s->srtp_tag_len, want[i].srtp_tag);
		CHECK_INT(s->srtcp_tag_len, want[i].srtcp_tag);
		CHECK_INT(s->aead, want[i].aead);
	}
}

static void suites_enumerate_in_preference_order_supported_first(void)
{
	const struct sdes_suite *s;
	bool unsupported_seen = false;
	size_t i;

	for (i = 0; (s = sdes_suite_at(i)) != NULL; i++) {
		CHECK_INT(s->id, i);
		CHECK(sdes_suite_find(s->name) == s);
		CHECK(!(unsupported_seen && s->supported));
		unsupported_seen |= !s->supported;
	}
	CHECK_INT(i, SDES_SUITE_COUNT);
	CHECK_INT(sdes_suite_at(0)->id, SDES_AEAD_AES_256_GCM);
	CHECK(sdes_suite_find("aes_cm_128_hmac_sha1_80") == NULL);
	CHECK(sdes_suite_find(NULL) == NULL);
}

/* Each suite, written and read back, gives the same key and salt; a
 * key-salt of another length is refused for it. */
static void each_suite_takes_exactly_its_key_and_salt_length(void)
{
	struct sdes_crypto c, back, other;
	char line[SDES_WRITE_MAX], swapped[SDES_WRITE_MAX];
	const char *b64;
	size_t i, j;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		fill(&c, (enum sdes_suite_id)i);
		CHECK(sdes_write(&c, line, sizeof(line)) > 0);
		CHECK_INT(parse(line, &back), 0);
		CHECK(same_keys(&c, &back));
		/* the same base64 under every suite of another length */
		b64 = strstr(line, "inline:");
		for (j = 0; j < SDES_SUITE_COUNT; j++) {
			const struct sdes_suite *s = sdes_suite_at(j);

			snprintf(swapped, sizeof(swapped), "1 %s %s", s->name, b64);
			if (s->key_len + s->salt_len == c.suite->key_len + c.suite->salt_len) {
				CHECK_INT(parse(swapped, &other), 0);
				continue;
			}
			CHECK_INT(parse_err(swapped), -EINVAL);
			CHECK_STR(why, "key-salt length does not match the suite");
		}
	}
}

static void base64_outside_the_alphabet_or_badly_padded_is_refused(void)
{
	static const char *bad[] = {
		/* '*' in the alphabet's place */
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB*",
		/* base64url's '-' and '_' */
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxa-_R",
		/* padding in the middle */
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVm=jkpPywjNWhcYD0mXXtxaVBR",
		/* a whole quantum of padding */
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR====",
		/* 38 octets (AES_192) with "==": one '=' too many */
		"1 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU==",
		/* unused bits not zero: "CV" instead of "CU" */
		"1 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCV=",
		/* one character left over (len % 4 == 1) */
		"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRQ",
		/* empty key */
		"1 AES_CM_128_HMAC_SHA1_80 inline:",
		"1 AES_CM_128_HMAC_SHA1_80 inline:|2^20",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(parse_err(bad[i]), -EINVAL);
		CHECK(strstr(why, "base64") != NULL);
	}
}

static void base64_without_its_padding_is_accepted(void)
{
	struct sdes_crypto padded, bare;

	CHECK_INT(parse("1 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU=",
			&padded), 0);
	CHECK_INT(parse("1 AES_192_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCU",
			&bare), 0);
	CHECK(same_keys(&padded, &bare));
	CHECK_INT(bare.key[23], 23);
	CHECK_INT(bare.salt[13], 37);
}

static void an_unknown_suite_is_told_apart_from_a_malformed_one(void)
{
	static const char *const unknown[] = {
		"1 AES_CM_129_HMAC_SHA1_80 " KEY30, "1 SEED_128_GCM_96 " KEY30,
		"1 aes_cm_128_hmac_sha1_80 " KEY30,
	};
	static const char *const malformed[] = {
		"1 AES-CM-128 " KEY30, "1 AES_CM_128_HMAC_SHA1_80: " KEY30,
	};

	CHECK_REFUSED(-ENOENT, unknown);
	CHECK_STR(why, "unknown crypto suite");
	CHECK_REFUSED(-EINVAL, malformed);
}

static void a_key_method_other_than_inline_is_not_supported(void)
{
	static const char *const other[] = {
		"1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key",
		LINE30 ";mikey:AAAA",
	};

	CHECK_REFUSED(-ENOTSUP, other);
	CHECK_INT(parse_err("1 AES_CM_128_HMAC_SHA1_80 PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"), -EINVAL);
	CHECK_STR(why, "key-param has no key method");
}

static void lifetimes_are_read_as_powers_of_two_or_decimals_up_to_2_48(void)
{
	static const char *const bad[] = {
		LINE30 "|2^49", LINE30 "|281474976710657", LINE30 "|0",
		LINE30 "|2^", LINE30 "|2^x", LINE30 "|3^2", LINE30 "|",
		LINE30 "|99999999999999999999999",
	};
	struct sdes_crypto c;

	CHECK_INT(parse(LINE30 "|2^48", &c), 0);
	CHECK(c.lifetime == SDES_LIFETIME_MAX && c.lifetime_pow2);
	CHECK_INT(parse(LINE30 "|2^0", &c), 0);
	CHECK_INT(c.lifetime, 1);
	CHECK_INT(parse(LINE30 "|281474976710656", &c), 0);
	CHECK(c.lifetime == SDES_LIFETIME_MAX && !c.lifetime_pow2);
	CHECK_INT(parse(LINE30 "|1048576", &c), 0);
	CHECK(c.lifetime == 1048576 && !c.lifetime_pow2);
	CHECK_REFUSED(-EINVAL, bad);
}

static void an_mki_must_fit_its_length_of_1_to_128_octets(void)
{
	static const char *const bad[] = {
		LINE30 "|4294967296:4", LINE30 "|18446744073709551616:8",
		LINE30 "|1:0", LINE30 "|1:129", LINE30 "|1:", LINE30 "|:4",
		LINE30 "|1:4:4",
	};
	struct sdes_crypto c;

	CHECK_INT(parse(LINE30 "|2^31|4294967295:4", &c), 0);
	CHECK(c.mki == 4294967295u && c.mki_len == 4);
	CHECK_INT(parse(LINE30 "|18446744073709551615:128", &c), 0);
	CHECK(c.mki == UINT64_MAX && c.mki_len == 128);
	CHECK_INT(parse(LINE30 "|255:1", &c), 0);
	CHECK_INT(parse_err(LINE30 "|256:1"), -EINVAL);
	CHECK_STR(why, "MKI value does not fit its length");
	CHECK_REFUSED(-EINVAL, bad);
}

static void lifetime_comes_before_the_mki_and_nothing_follows(void)
{
	static const char *const bad[] = {
		LINE30 "|1:4|2^20", LINE30 "|2^20|2^10", LINE30 "|2^20|1:4|5",
		LINE30 "|2^20|1:4|",
	};

	CHECK_REFUSED(-EINVAL, bad);
}

static void session_parameters_are_kept_and_written_back(void)
{
	static const char *line = LINE30 "|2^20|3:2 KDR=1 UNENCRYPTED_SRTP "
		"UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC WSH=128";
	struct sdes_crypto c;
	char out[SDES_WRITE_MAX];

	CHECK_INT(parse(line, &c), 0);
	CHECK_INT(c.kdr, 1);
	CHECK_INT(c.flags, SDES_UNENCRYPTED_SRTP | SDES_UNENCRYPTED_SRTCP |
		  SDES_UNAUTHENTICATED_SRTP);
	CHECK_INT(c.fec_order, SDES_SRTP_FEC);
	CHECK_INT(c.wsh, 128);
	CHECK_INT(sdes_write(&c, out, sizeof(out)), strlen(line));
	CHECK_STR(out, line);
}

static void session_parameters_out_of_range_or_repeated_are_refused(void)
{
	static const char *const bad[] = {
		LINE30 " KDR=25", LINE30 " KDR=", LINE30 " KDR=1 KDR=2",
		LINE30 " WSH=63", LINE30 " WSH=4294967296",
		LINE30 " FEC_ORDER=SRTP",
		LINE30 " UNENCRYPTED_SRTP UNENCRYPTED_SRTP",
		LINE30 " FEC_ORDER=FEC_SRTP FEC_ORDER=FEC_SRTP",
	};

	CHECK_REFUSED(-EINVAL, bad);
}

static void unknown_session_parameters_are_ignored_only_when_optional(void)
{
	static const char *const mandatory[] = {
		LINE30 " EXTRA=1", LINE30 " kdr=1", LINE30 " -",
	};
	struct sdes_crypto c;

	CHECK_INT(parse(LINE30 " -EXTRA=1 -X", &c), 0);
	CHECK_INT(c.ignored_params, 2);
	CHECK_REFUSED(-ENOTSUP, mandatory);
}

static void a_fec_key_is_checked_but_not_kept(void)
{
	struct sdes_crypto c;
	char out[SDES_WRITE_MAX];

	CHECK_INT(parse(LINE30 " FEC_KEY=" KEY30 "|2^20|1:4", &c), 0);
	CHECK(c.fec_key);
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	CHECK_STR(out, LINE30);
	CHECK_INT(parse_err(LINE30 " FEC_KEY=inline:AAAA"), -EINVAL);
	CHECK_INT(parse_err(LINE30 " FEC_KEY=" KEY30 " FEC_KEY=" KEY30), -EINVAL);
}

static void several_key_params_are_counted_and_all_checked(void)
{
	struct sdes_crypto c;
	char line[2048];
	int i;

	CHECK_INT(parse(LINE30 ";" KEY30 ";" KEY30 "|2^10", &c), 0);
	CHECK_INT(c.extra_keys, 2);
	CHECK_INT(c.lifetime, 0);
	CHECK_INT(parse_err(LINE30 ";inline:AAAA"), -EINVAL);
	CHECK_INT(parse_err(LINE30 ";"), -EINVAL);
	CHECK_INT(parse_err(LINE30 ";;" KEY30), -EINVAL);
	strcpy(line, LINE30);
	for (i = 1; i < SDES_KEY_PARAMS_MAX; i++)
		strcat(line, ";" KEY30);
	CHECK_INT(parse(line, &c), 0);
	CHECK_INT(c.extra_keys, SDES_KEY_PARAMS_MAX - 1);
	strcat(line, ";" KEY30);
	CHECK_INT(parse_err(line), -EINVAL);
}

static void tag_and_blanks_follow_the_grammar(void)
{
	static const char *const bad[] = {
		"1000000000 AES_CM_128_HMAC_SHA1_80 " KEY30,
		"x AES_CM_128_HMAC_SHA1_80 " KEY30,
		" 1 AES_CM_128_HMAC_SHA1_80 " KEY30,
		"1 AES_CM_128_HMAC_SHA1_80", "1 AES_CM_128_HMAC_SHA1_80 ", "1", "",
	};
	struct sdes_crypto c;

	CHECK_INT(parse("999999999\tAES_CM_128_HMAC_SHA1_80  \t" KEY30 " \t", &c), 0);
	CHECK_INT(c.tag, 999999999);
	CHECK_REFUSED(-EINVAL, bad);
}

static void bytes_outside_vchar_are_refused_and_len_is_respected(void)
{
	static const char with_nul[] = LINE30 "\0 KDR=1";
	static const char with_crlf[] = LINE30 "\r\n";
	static const char high[] = LINE30 " -X\x80";
	struct sdes_crypto c;

	CHECK_INT(sdes_parse(with_nul, sizeof(with_nul) - 1, &c, &why), -EINVAL);
	CHECK_INT(sdes_parse(with_crlf, sizeof(with_crlf) - 1, &c, &why), -EINVAL);
	CHECK_INT(sdes_parse(high, sizeof(high) - 1, &c, &why), -EINVAL);
	/* only @len bytes are read: the NUL and what follows are not */
	CHECK_INT(sdes_parse(with_nul, strlen(LINE30), &c, NULL), 0);
	CHECK_INT(c.kdr, 0);
	CHECK_INT(sdes_parse(LINE30 "|2^20", strlen(LINE30) + 3, &c, NULL), -EINVAL);
	CHECK_INT(sdes_parse(NULL, 0, &c, NULL), -EINVAL);
}

static void too_many_session_parameters_are_refused(void)
{
	char line[1024];
	struct sdes_crypto c;
	int i;

	strcpy(line, LINE30);
	for (i = 0; i < SDES_SESSION_PARAMS_MAX; i++)
		strcat(line, " -X");
	CHECK_INT(parse(line, &c), 0);
	strcat(line, " -X");
	CHECK_INT(parse_err(line), -EINVAL);
}

static void the_writer_pads_base64_and_writes_the_lifetime_as_given(void)
{
	struct sdes_crypto c;
	char out[SDES_WRITE_MAX];
	const char *b64;

	fill(&c, SDES_AES_256_CM_HMAC_SHA1_80);	/* 46 octets: "==" */
	c.lifetime = 1ull << 31;
	c.lifetime_pow2 = true;
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	b64 = strstr(out, "inline:") + 7;
	CHECK_INT(strchr(b64, '|') - b64, 64);
	CHECK(strstr(out, "==|2^31") != NULL);
	c.lifetime_pow2 = false;
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	CHECK(strstr(out, "==|2147483648") != NULL);
	fill(&c, SDES_AEAD_AES_128_GCM);	/* 28 octets: "=" */
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	CHECK_INT(strlen(strstr(out, "inline:") + 7), 40);
	CHECK_INT(out[strlen(out) - 1], '=');
}

static void the_writer_reports_a_short_buffer_at_every_size(void)
{
	struct sdes_crypto c;
	char out[SDES_WRITE_MAX];
	int full;
	size_t n;

	/* the longest value the writer can make */
	fill(&c, SDES_AES_256_CM_HMAC_SHA1_80);
	c.tag = 999999999;
	c.lifetime = SDES_LIFETIME_MAX - 1;
	c.mki = UINT64_MAX;
	c.mki_len = 128;
	c.kdr = 24;
	c.flags = SDES_UNENCRYPTED_SRTP | SDES_UNENCRYPTED_SRTCP |
		  SDES_UNAUTHENTICATED_SRTP;
	c.fec_order = SDES_SRTP_FEC;
	c.wsh = UINT32_MAX;
	full = sdes_write(&c, out, sizeof(out));
	CHECK(full > 0 && full < SDES_WRITE_MAX);
	for (n = 0; n <= (size_t)full; n++)
		CHECK_INT(sdes_write(&c, out, n), -ENOSPC);
	CHECK_INT(sdes_write(&c, out, (size_t)full + 1), full);
}

static void the_writer_refuses_what_the_parser_would(void)
{
	struct sdes_crypto c, bad[11];
	char out[SDES_WRITE_MAX];
	size_t i;

	fill(&c, SDES_AES_CM_128_HMAC_SHA1_80);
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad[i] = c;
	bad[0].suite = NULL;
	bad[1].tag = 1000000000;
	bad[2].lifetime = 3;			/* not a power of 2 */
	bad[2].lifetime_pow2 = true;
	bad[3].lifetime = SDES_LIFETIME_MAX + 1;
	bad[4].mki = 256;			/* does not fit one octet */
	bad[4].mki_len = 1;
	bad[5].mki_len = SDES_MKI_LEN_MAX + 1;
	bad[6].mki = 5;				/* an MKI without a length */
	bad[7].kdr = SDES_KDR_MAX + 1;
	bad[8].wsh = SDES_WSH_MIN - 1;
	bad[9].flags = 0x8;
	bad[10].fec_order = (enum sdes_fec_order)3;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(sdes_write(&bad[i], out, sizeof(out)), -EINVAL);
	CHECK_INT(sdes_write(NULL, out, sizeof(out)), -EINVAL);
}

static void every_rfc_example_survives_write_and_read(void)
{
	static const char *lines[] = {
		RFC_EXAMPLE_1, RFC_EXAMPLE_2, RFC_EXAMPLE_3, RFC_EXAMPLE_4,
	};
	struct sdes_crypto c, back;
	char out[SDES_WRITE_MAX];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK_INT(parse(lines[i], &c), 0);
		CHECK(sdes_write(&c, out, sizeof(out)) > 0);
		CHECK_INT(parse(out, &back), 0);
		back.extra_keys = c.extra_keys;
		CHECK(memcmp(&c, &back, sizeof(c)) == 0);
	}
	CHECK_INT(parse(RFC_EXAMPLE_1, &c), 0);
	CHECK(sdes_write(&c, out, sizeof(out)) > 0);
	CHECK_STR(out, RFC_EXAMPLE_1);
}

static const struct test_case cases[] = {
	{ "the RFC 4568 section 4 example is read: tag, suite, key, salt, lifetime, MKI",
	  rfc_section_4_example_is_read },
	{ "an RFC 4568 example with FEC_ORDER is read", rfc_example_with_fec_order_is_read },
	{ "the RFC 4568 F8 example keeps the first of two keys and counts the other",
	  rfc_f8_example_keeps_the_first_of_two_keys },
	{ "an MKI without a lifetime (RFC 4568's 1066:4) is read", an_mki_without_a_lifetime_is_read },
	{ "every suite has the key, salt and tag lengths of its RFC",
	  every_suite_has_the_lengths_of_its_rfc },
	{ "suites enumerate in preference order, supported ones first",
	  suites_enumerate_in_preference_order_supported_first },
	{ "each suite takes exactly its key and salt length, no other",
	  each_suite_takes_exactly_its_key_and_salt_length },
	{ "base64 outside the alphabet or badly padded is refused",
	  base64_outside_the_alphabet_or_badly_padded_is_refused },
	{ "base64 without its padding is accepted", base64_without_its_padding_is_accepted },
	{ "an unknown suite (-ENOENT) is told apart from a malformed one (-EINVAL)",
	  an_unknown_suite_is_told_apart_from_a_malformed_one },
	{ "a key method other than inline is not supported",
	  a_key_method_other_than_inline_is_not_supported },
	{ "lifetimes are read as 2^N or decimals, up to 2^48",
	  lifetimes_are_read_as_powers_of_two_or_decimals_up_to_2_48 },
	{ "an MKI must fit its length of 1 to 128 octets",
	  an_mki_must_fit_its_length_of_1_to_128_octets },
	{ "the lifetime comes before the MKI and nothing follows them",
	  lifetime_comes_before_the_mki_and_nothing_follows },
	{ "session parameters are kept and written back in order",
	  session_parameters_are_kept_and_written_back },
	{ "session parameters out of range or repeated are refused",
	  session_parameters_out_of_range_or_repeated_are_refused },
	{ "unknown session parameters are ignored only when marked optional",
	  unknown_session_parameters_are_ignored_only_when_optional },
	{ "a FEC_KEY is checked but not kept", a_fec_key_is_checked_but_not_kept },
	{ "several key-params are counted and all checked",
	  several_key_params_are_counted_and_all_checked },
	{ "the tag and the blanks between fields follow the grammar",
	  tag_and_blanks_follow_the_grammar },
	{ "bytes outside VCHAR are refused and nothing past len is read",
	  bytes_outside_vchar_are_refused_and_len_is_respected },
	{ "too many session parameters are refused", too_many_session_parameters_are_refused },
	{ "the writer pads base64 and writes the lifetime as it was given",
	  the_writer_pads_base64_and_writes_the_lifetime_as_given },
	{ "the writer reports a short buffer at every size",
	  the_writer_reports_a_short_buffer_at_every_size },
	{ "the writer refuses what the parser would refuse",
	  the_writer_refuses_what_the_parser_would },
	{ "every RFC example survives write and read unchanged",
	  every_rfc_example_survives_write_and_read },
};

TEST_MAIN(cases)
