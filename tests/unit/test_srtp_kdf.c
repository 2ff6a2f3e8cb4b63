/* test_srtp_kdf.c - SRTP session key derivation (RFC 3711 section 4.3)
 * against the vectors of RFC 3711 appendix B.3. */
#include <errno.h>
#include <stdint.h>

#include "srtp_kdf.h"
#include "test.h"

static void unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	for (i = 0; i < n; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static const char master_key[] = "E1F97A0D3E018BE0D64FA32C06DE4139";
static const char master_salt[] = "0EC675AD498AFEEBB6960B3AABE6";

/* Derives @n octets of @label and compares them with @hex. */
static bool derives(enum srtp_kdf_label label, const char *hex, size_t n)
{
	uint8_t key[16], salt[14], out[SRTP_KDF_OUT_MAX], want[SRTP_KDF_OUT_MAX];

	unhex(master_key, key, sizeof(key));
	unhex(master_salt, salt, sizeof(salt));
	unhex(hex, want, n);
	return srtp_kdf(key, sizeof(key), salt, label, out, n) == 0 &&
	       memcmp(out, want, n) == 0;
}

static void derives_the_cipher_key_of_b3(void)
{
	CHECK(derives(SRTP_LABEL_RTP_CIPHER, "C61E7A93744F39EE10734AFE3FF7A087", 16));
}

static void derives_the_cipher_salt_of_b3(void)
{
	CHECK(derives(SRTP_LABEL_RTP_SALT, "30CBBC08863D8C85D49DB34A9AE1", 14));
}

static void derives_the_auth_key_of_b3(void)
{
	/* HMAC-SHA1 uses the first 20 of the vector's 94 octets */
	CHECK(derives(SRTP_LABEL_RTP_AUTH,
		      "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", 20));
}

/* the first 64 of the 94 (four counter blocks) */
static void derives_a_long_auth_key_of_b3(void)
{
	CHECK(derives(SRTP_LABEL_RTP_AUTH,
		      "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
		      "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25", 64));
}

static void refuses_lengths_out_of_range(void)
{
	uint8_t key[32] = { 0 }, salt[14] = { 0 }, out[SRTP_KDF_OUT_MAX + 1];

	CHECK_INT(srtp_kdf(key, 24, salt, SRTP_LABEL_RTP_CIPHER, out, 16), -EINVAL);
	CHECK_INT(srtp_kdf(key, 16, salt, SRTP_LABEL_RTP_CIPHER, out, 0), -EINVAL);
	CHECK_INT(srtp_kdf(key, 16, salt, SRTP_LABEL_RTP_CIPHER, out, SRTP_KDF_OUT_MAX + 1), -EINVAL);
	CHECK_INT(srtp_kdf(key, 16, salt, (enum srtp_kdf_label)6, out, 16), -EINVAL);
	CHECK_INT(srtp_kdf(key, 32, salt, SRTP_LABEL_RTP_CIPHER, out, 32), 0);
}

static const struct test_case cases[] = {
	{ "the session cipher key is RFC 3711 B.3's", derives_the_cipher_key_of_b3 },
	{ "the session salt is RFC 3711 B.3's", derives_the_cipher_salt_of_b3 },
	{ "the session auth key is RFC 3711 B.3's", derives_the_auth_key_of_b3 },
	{ "a 64-octet auth key stream is RFC 3711 B.3's", derives_a_long_auth_key_of_b3 },
	{ "lengths out of range are refused", refuses_lengths_out_of_range },
};

TEST_MAIN(cases)
