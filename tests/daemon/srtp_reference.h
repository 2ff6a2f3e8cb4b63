/* srtp_reference.h - an independent SRTP implementation for test_srtp.c.
 *
 * RFC 3711 (the AES-CM key derivation of section 4.3, AES-CM encryption
 * of 4.1.1, HMAC-SHA1 authentication of 4.2, the SRTP and SRTCP packets
 * of 3.3 and 3.4) and RFC 7714 (AES-GCM, sections 8 and 9) written in a
 * few lines on OpenSSL's libcrypto, sharing nothing with libsrtp. It
 * handles what the tests need: key derivation rate 0, no MKI, no session
 * parameters. test_srtp.c checks it against the RFCs' own test vectors
 * before comparing libsrtp's output with it.
 */
#ifndef RG_TEST_SRTP_REFERENCE_H
#define RG_TEST_SRTP_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sdes.h"

struct ref_keys {
	uint8_t enc[32], auth[20], salt[14];
	size_t enc_len, salt_len;
};

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const EVP_CIPHER *aes_ctr(size_t key_len)
{
	return key_len == 16 ? EVP_aes_128_ctr() :
	       key_len == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
}

/* XORs @n bytes at @data with AES-CTR(@key, @iv) keystream. */
static void ctr_xor(const uint8_t *key, size_t key_len, const uint8_t iv[16],
		    uint8_t *data, size_t n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int out;

	EVP_EncryptInit_ex(c, aes_ctr(key_len), NULL, key, iv);
	EVP_EncryptUpdate(c, data, &out, data, (int)n);
	EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 4.3.1 and 4.3.3 with a key derivation rate of 0: x = label
 * at octet 7 of the 14-octet salt, IV = x || 0x0000. A 12-octet GCM
 * master salt is padded with two zero octets. */
static void kdf(const struct sdes_crypto *k, uint8_t label, uint8_t *out,
		size_t n)
{
	uint8_t iv[16] = { 0 };

	memcpy(iv, k->salt, k->suite->salt_len);
	iv[7] ^= label;
	memset(out, 0, n);
	ctr_xor(k->key, k->suite->key_len, iv, out, n);
}

static void ref_derive(const struct sdes_crypto *k, bool rtcp,
		       struct ref_keys *r)
{
	uint8_t base = rtcp ? 3 : 0;

	r->enc_len = k->suite->key_len;
	r->salt_len = k->suite->aead ? 12 : 14;
	kdf(k, base, r->enc, r->enc_len);
	kdf(k, base + 1, r->auth, sizeof(r->auth));
	kdf(k, base + 2, r->salt, r->salt_len);
}

static size_t rtp_header_len(const uint8_t *p)
{
	size_t n = 12 + 4 * (size_t)(p[0] & 0x0f);

	if (p[0] & 0x10)
		n += 4 + 4 * (size_t)(p[n + 2] << 8 | p[n + 3]);
	return n;
}

/* AES-CM IV, RFC 3711 4.1.1: salt * 2^16 ^ SSRC * 2^64 ^ index * 2^16. */
static void cm_iv(const struct ref_keys *r, uint32_t ssrc, uint64_t index,
		  uint8_t iv[16])
{
	int i;

	memset(iv, 0, 16);
	memcpy(iv, r->salt, 14);
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 6; i++)
		iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* HMAC-SHA1 of the @n bytes at @p, truncated to @tag_len, appended. */
static void hmac_append(const struct ref_keys *r, uint8_t *p, size_t n,
			size_t tag_len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len;

	HMAC(EVP_sha1(), r->auth, sizeof(r->auth), p, n, md, &md_len);
	memcpy(p + n, md, tag_len);
}

/* SRTP with AES-CM and HMAC-SHA1, RFC 3711 3.3; returns the length. */
static size_t ref_protect_cm(const struct sdes_crypto *k, uint8_t *p,
			     size_t len, uint32_t roc)
{
	struct ref_keys r;
	size_t hlen = rtp_header_len(p);
	uint64_t index = (uint64_t)roc << 16 | (uint16_t)(p[2] << 8 | p[3]);
	uint8_t iv[16];

	ref_derive(k, false, &r);
	cm_iv(&r, get_be32(p + 8), index, iv);
	ctr_xor(r.enc, r.enc_len, iv, p + hlen, len - hlen);
	put_be32(p + len, roc);		/* authenticated, not sent */
	hmac_append(&r, p, len + 4, k->suite->srtp_tag_len);
	memmove(p + len, p + len + 4, k->suite->srtp_tag_len);
	return len + k->suite->srtp_tag_len;
}

/* SRTCP with AES-CM, RFC 3711 3.4: E flag and index, then the tag. */
static size_t ref_protect_rtcp_cm(const struct sdes_crypto *k, uint8_t *p,
				  size_t len, uint32_t index)
{
	struct ref_keys r;
	uint8_t iv[16];

	ref_derive(k, true, &r);
	cm_iv(&r, get_be32(p + 4), index, iv);
	ctr_xor(r.enc, r.enc_len, iv, p + 8, len - 8);
	put_be32(p + len, 0x80000000u | index);
	hmac_append(&r, p, len + 4, k->suite->srtcp_tag_len);
	return len + 4 + k->suite->srtcp_tag_len;
}

/* AES-GCM SRTP with session keys, RFC 7714 8.1 and 9.1: IV = salt ^
 * (0x0000 || SSRC || ROC || SEQ), AAD = the header, tag after. */
static size_t gcm_seal(const uint8_t *key, size_t key_len,
		       const uint8_t salt[12], uint8_t *p, size_t len,
		       uint32_t roc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t hlen = rtp_header_len(p);
	uint8_t iv[12] = { 0 };
	int i, out;

	memcpy(iv + 2, p + 8, 4);
	put_be32(iv + 6, roc);
	memcpy(iv + 10, p + 2, 2);
	for (i = 0; i < 12; i++)
		iv[i] ^= salt[i];
	EVP_EncryptInit_ex(c, key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(),
			   NULL, NULL, NULL);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL);
	EVP_EncryptInit_ex(c, NULL, NULL, key, iv);
	EVP_EncryptUpdate(c, NULL, &out, p, (int)hlen);
	EVP_EncryptUpdate(c, p + hlen, &out, p + hlen, (int)(len - hlen));
	EVP_EncryptFinal_ex(c, p + len, &out);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, p + len);
	EVP_CIPHER_CTX_free(c);
	return len + 16;
}

static size_t ref_protect_gcm(const struct sdes_crypto *k, uint8_t *p,
			      size_t len, uint32_t roc)
{
	struct ref_keys r;

	ref_derive(k, false, &r);
	return gcm_seal(r.enc, r.enc_len, r.salt, p, len, roc);
}

static size_t ref_protect(const struct sdes_crypto *k, uint8_t *p,
			  size_t len, uint32_t roc)
{
	return k->suite->aead ? ref_protect_gcm(k, p, len, roc) :
				ref_protect_cm(k, p, len, roc);
}

#endif
