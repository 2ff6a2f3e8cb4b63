/* srtp_kdf.c - SRTP key derivation with OpenSSL, see srtp_kdf.h. */
#include "srtp_kdf.h"

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define BLOCK 16

/* The AES-CM keystream of @n octets (a multiple of BLOCK) for the
 * counter block @iv, ECB over IV, IV + 1, ... (the counter stays in the
 * last two octets: at most 2^16 blocks are asked for). */
static int keystream(const uint8_t *key, size_t key_len, const uint8_t iv[BLOCK],
		     uint8_t *out, size_t n)
{
	const EVP_CIPHER *c = key_len == 32 ? EVP_aes_256_ecb() : EVP_aes_128_ecb();
	uint8_t in[SRTP_KDF_OUT_MAX];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, ok;
	size_t b;

	if (!ctx)
		return -EIO;
	for (b = 0; b < n / BLOCK; b++) {
		memcpy(in + b * BLOCK, iv, BLOCK);
		in[b * BLOCK + BLOCK - 1] = (uint8_t)b;
	}
	ok = EVP_EncryptInit_ex(ctx, c, NULL, key, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_EncryptUpdate(ctx, out, &len, in, (int)n) && (size_t)len == n;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int srtp_kdf(const uint8_t *key, size_t key_len,
	     const uint8_t salt[SRTP_KDF_SALT_LEN], enum srtp_kdf_label label,
	     uint8_t *out, size_t out_len)
{
	uint8_t iv[BLOCK] = { 0 }, ks[SRTP_KDF_OUT_MAX];
	size_t blocks;
	int rc;

	if ((key_len != 16 && key_len != 32) || !out_len ||
	    out_len > SRTP_KDF_OUT_MAX || (unsigned)label > SRTP_LABEL_RTCP_SALT)
		return -EINVAL;
	/* x = key_id XOR master salt, key_id = label || r with r = 0: the
	 * label lands in octet 7 of the 14; IV = x * 2^16 */
	memcpy(iv, salt, SRTP_KDF_SALT_LEN);
	iv[7] ^= (uint8_t)label;
	blocks = (out_len + BLOCK - 1) / BLOCK;
	rc = keystream(key, key_len, iv, ks, blocks * BLOCK);
	if (rc)
		memset(out, 0, out_len);
	else
		memcpy(out, ks, out_len);
	OPENSSL_cleanse(ks, sizeof(ks));
	return rc;
}
