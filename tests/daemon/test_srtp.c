/* test_srtp.c - SRTP/SRTCP through libsrtp2, checked against OpenSSL.
 *
 * libsrtp's output is compared with a small independent implementation
 * of RFC 3711 (AES-CM key derivation, AES-CM encryption, HMAC-SHA1) and
 * RFC 7714 (AES-GCM) on OpenSSL's libcrypto, srtp_reference.h. That
 * reference is itself first checked against the RFCs' own vectors: RFC 3711
 * B.2 (AES-CM keystream), B.3 (key derivation) and RFC 7714 section 16.1
 * (an AES-GCM SRTP packet), which libsrtp's API cannot take directly
 * because they start from session keys, not master keys.
 */
/* needs: srtp log */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "srtp.h"
#include "srtp_reference.h"
#include "test.h"

#define BUF 2048
#define SSRC 0xcafebabeu

static const char *why;

/* ---- helpers -------------------------------------------------------- */

static void unhex(const char *hex, uint8_t *out)
{
	size_t i;

	for (i = 0; hex[2 * i]; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

/* A key for suite @id: RFC 3711 B.3's master key and salt, extended with
 * a pattern where the suite needs more. */
static struct sdes_crypto key_for(enum sdes_suite_id id, uint8_t seed)
{
	struct sdes_crypto k = { .tag = 1, .suite = sdes_suite_at(id) };
	size_t i;

	for (i = 0; i < SDES_KEY_MAX; i++)
		k.key[i] = (uint8_t)(i * 29 + seed);
	for (i = 0; i < SDES_SALT_MAX; i++)
		k.salt[i] = (uint8_t)(i * 53 + seed);
	unhex("e1f97a0d3e018be0d64fa32c06de4139", k.key);
	unhex("0ec675ad498afeebb6960b3aabe6", k.salt);
	k.key[0] ^= seed;
	return k;
}

/* An RTP packet (PCMU) of @payload bytes; returns its length. */
static size_t rtp_packet(uint8_t *b, uint16_t seq, uint32_t ssrc, size_t payload)
{
	size_t i;

	b[0] = 0x80;
	b[1] = 0x00;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	put_be32(b + 4, (uint32_t)seq * 160);
	put_be32(b + 8, ssrc);
	for (i = 0; i < payload; i++)
		b[12 + i] = (uint8_t)(i * 7 + seq);
	return 12 + payload;
}

/* An RTCP receiver report with one report block: 32 bytes. */
static size_t rtcp_packet(uint8_t *b, uint32_t ssrc)
{
	size_t i;

	b[0] = 0x81;
	b[1] = 201;
	b[2] = 0;
	b[3] = 7;
	put_be32(b + 4, ssrc);
	for (i = 8; i < 32; i++)
		b[i] = (uint8_t)i;
	return 32;
}

static struct rg_srtp *create(enum rg_srtp_dir dir, const struct sdes_crypto *k)
{
	why = NULL;
	return rg_srtp_create(dir, k, &why);
}

/* A protect and an unprotect context for @k; false if either failed. */
static bool pair(const struct sdes_crypto *k, struct rg_srtp **tx,
		 struct rg_srtp **rx)
{
	*tx = create(RG_SRTP_PROTECT, k);
	*rx = create(RG_SRTP_UNPROTECT, k);
	return *tx && *rx;
}

static void unpair(struct rg_srtp *tx, struct rg_srtp *rx)
{
	rg_srtp_destroy(tx);
	rg_srtp_destroy(rx);
}

static bool suite_usable(size_t i)
{
	return sdes_suite_at(i)->supported;
}

/* ---- the cases ------------------------------------------------------ */

static void reference_matches_rfc_3711_keystream_and_key_derivation(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 0);
	uint8_t key[16], iv[16], stream[32] = { 0 }, want[32];
	struct ref_keys r;

	/* B.2: AES-CM keystream from a session key and salt */
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key);
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000", iv);
	unhex("e03ead0935c95e80e166b16dd92b4eb4"
	      "d23513162b02d0f72a43a2fe4a5f97ab", want);
	ctr_xor(key, 16, iv, stream, sizeof(stream));
	CHECK(memcmp(stream, want, 32) == 0);
	/* B.3: session keys from the master key and salt */
	ref_derive(&k, false, &r);
	unhex("c61e7a93744f39ee10734afe3ff7a087", want);
	CHECK(memcmp(r.enc, want, 16) == 0);
	unhex("30cbbc08863d8c85d49db34a9ae1", want);
	CHECK(memcmp(r.salt, want, 14) == 0);
	unhex("cebe321f6ff7716b6fd4ab49af256a156d38baa4", want);
	CHECK(memcmp(r.auth, want, 20) == 0);
}

static void reference_matches_rfc_7714_gcm_packet(void)
{
	_Alignas(4) uint8_t pkt[BUF], want[BUF], key[16], salt[12];
	size_t len;

	unhex("000102030405060708090a0b0c0d0e0f", key);
	unhex("517569642070726f2071756f", salt);
	unhex("8040f17b8041f8d35501a0b2"
	      "47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573",
	      pkt);
	unhex("8040f17b8041f8d35501a0b2"
	      "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
	      "899d7f27beb16a9152cf765ee4390cce", want);
	len = gcm_seal(key, 16, salt, pkt, 50, 0);
	CHECK_INT(len, 66);
	CHECK(memcmp(pkt, want, len) == 0);
}

/* libsrtp's output for a packet with CSRCs and a header extension, per
 * suite, is the reference's; and it unprotects back. */
static void protect_gives_the_bytes_of_an_independent_implementation(void)
{
	_Alignas(4) uint8_t pkt[BUF], ref[BUF];
	struct rg_srtp *tx, *rx;
	struct sdes_crypto k;
	size_t i, len, plain, ref_len;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if (!suite_usable(i))
			continue;
		k = key_for((enum sdes_suite_id)i, (uint8_t)i);
		plain = rtp_packet(pkt, 0x1234, SSRC, 160);
		/* CC = 1 and X: the CSRC and 2 words of extension are header */
		memmove(pkt + 24, pkt + 12, 160);
		pkt[0] = 0x91;
		put_be32(pkt + 12, 0x01020304);
		put_be32(pkt + 16, 0xbede0001);
		put_be32(pkt + 20, 0x10ff0000);
		plain += 12;
		memcpy(ref, pkt, plain);
		ref_len = ref_protect(&k, ref, plain, 0);
		CHECK(pair(&k, &tx, &rx));
		len = plain;
		CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
		CHECK_INT(len, ref_len);
		CHECK(memcmp(pkt, ref, len) == 0);
		CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
		CHECK_INT(len, plain);
		CHECK_INT(pkt[24], 0x34);
		unpair(tx, rx);
	}
}

static void srtcp_carries_the_e_flag_index_and_tag_of_the_reference(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_32, 3);
	_Alignas(4) uint8_t pkt[BUF], ref[BUF];
	struct rg_srtp *tx, *rx;
	uint32_t index;
	size_t len, ref_len;

	CHECK(pair(&k, &tx, &rx));
	/* libsrtp numbers SRTCP packets from 1 (RFC 3711 3.4 says 0) */
	for (index = 1; index <= 3; index++) {
		len = rtcp_packet(pkt, SSRC);
		memcpy(ref, pkt, len);
		ref_len = ref_protect_rtcp_cm(&k, ref, len, index);
		CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
		/* 80-bit SRTCP tag even with the _32 suite */
		CHECK_INT(len, 32 + 4 + 10);
		CHECK_INT(len, ref_len);
		CHECK(memcmp(pkt, ref, len) == 0);
		CHECK_INT(pkt[32] & 0x80, 0x80);
		CHECK_INT(pkt[35], index);
		CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), 0);
		CHECK_INT(len, 32);
		CHECK_INT(pkt[31], 31);
	}
	unpair(tx, rx);
}

static void every_supported_suite_round_trips_rtp_and_rtcp(void)
{
	_Alignas(4) uint8_t pkt[BUF], copy[BUF];
	struct rg_srtp *tx, *rx;
	struct sdes_crypto k;
	size_t i, len, n;
	uint16_t seq;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if (!suite_usable(i))
			continue;
		k = key_for((enum sdes_suite_id)i, 9);
		CHECK(pair(&k, &tx, &rx));
		for (seq = 100; seq < 110; seq++) {
			n = rtp_packet(pkt, seq, SSRC + (seq & 1), seq);
			memcpy(copy, pkt, n);
			len = n;
			CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
			CHECK_INT(len, n + k.suite->srtp_tag_len);
			CHECK(memcmp(pkt + 12, copy + 12, n - 12) != 0);
			CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
			CHECK_INT(len, n);
			CHECK(memcmp(pkt, copy, n) == 0);
			n = rtcp_packet(pkt, SSRC);
			len = n;
			CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
			CHECK_INT(len, n + 4 + k.suite->srtcp_tag_len);
			CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), 0);
			CHECK_INT(len, n);
		}
		unpair(tx, rx);
	}
}

/* A flipped bit anywhere authenticated fails with -EBADMSG and the
 * payload is not decrypted: AES-CM leaves the packet as it arrived, AES-GCM
 * (NSS) wipes the payload. */
static void a_flipped_bit_fails_authentication_and_nothing_is_decrypted(void)
{
	_Alignas(4) uint8_t pkt[BUF], sent[BUF], plain[BUF];
	struct rg_srtp *tx, *rx;
	struct sdes_crypto k;
	size_t i, len, n, spot[3];
	int s;

	for (i = 0; i < SDES_SUITE_COUNT; i++) {
		if (!suite_usable(i))
			continue;
		k = key_for((enum sdes_suite_id)i, 1);
		CHECK(pair(&k, &tx, &rx));
		n = rtp_packet(pkt, 7, SSRC, 160);
		memcpy(plain, pkt, n);
		CHECK_INT(rg_srtp_protect(tx, pkt, &n, sizeof(pkt)), 0);
		memcpy(sent, pkt, n);
		spot[0] = n - 1;	/* the tag */
		spot[1] = 40;		/* the payload */
		spot[2] = 1;		/* the header */
		for (s = 0; s < 3; s++) {
			memcpy(pkt, sent, n);
			pkt[spot[s]] ^= 0x04;
			len = n;
			CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EBADMSG);
			CHECK_INT(len, n);
			CHECK(memcmp(pkt + 12, plain + 12, 160) != 0);
			pkt[spot[s]] ^= 0x04;
			CHECK(k.suite->aead || memcmp(pkt, sent, n) == 0);
		}
		memcpy(pkt, sent, n);
		CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
		CHECK(memcmp(pkt, plain, len) == 0);
		unpair(tx, rx);
	}
}

static void another_key_fails_authentication(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 1);
	struct sdes_crypto other = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 2);
	_Alignas(4) uint8_t pkt[BUF];
	struct rg_srtp *tx = create(RG_SRTP_PROTECT, &k);
	struct rg_srtp *rx = create(RG_SRTP_UNPROTECT, &other);
	size_t len = rtp_packet(pkt, 1, SSRC, 80);

	CHECK(tx && rx);
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EBADMSG);
	len = rtcp_packet(pkt, SSRC);
	CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), -EBADMSG);
	unpair(tx, rx);
}

/* Protects a packet with sequence number @seq into @out (BUF bytes). */
static int protect_one(struct rg_srtp *tx, uint16_t seq, uint8_t *out,
		       size_t *len)
{
	*len = rtp_packet(out, seq, SSRC, 20);
	return rg_srtp_protect(tx, out, len, BUF);
}

static void a_replayed_or_too_old_packet_is_refused(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 4);
	static _Alignas(4) uint8_t pkts[3][BUF];
	_Alignas(4) uint8_t again[BUF];
	struct rg_srtp *tx, *rx;
	size_t lens[3], len;

	CHECK(pair(&k, &tx, &rx));
	CHECK_INT(protect_one(tx, 10, pkts[0], lens), 0);
	CHECK_INT(protect_one(tx, 10 + RG_SRTP_WINDOW, pkts[1], lens + 1), 0);
	CHECK_INT(protect_one(tx, 11 + RG_SRTP_WINDOW, pkts[2], lens + 2), 0);
	len = lens[2];
	memcpy(again, pkts[2], len);
	CHECK_INT(rg_srtp_unprotect(rx, pkts[2], &lens[2]), 0);
	CHECK_INT(rg_srtp_unprotect(rx, again, &len), -EALREADY);
	/* 1025 behind the newest: outside the window */
	CHECK_INT(rg_srtp_unprotect(rx, pkts[0], &lens[0]), -EALREADY);
	/* 1 behind: inside it, still new */
	CHECK_INT(rg_srtp_unprotect(rx, pkts[1], &lens[1]), 0);
	unpair(tx, rx);
}

static void a_window_size_hint_widens_the_replay_window(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 5);
	static _Alignas(4) uint8_t pkts[2][BUF];
	_Alignas(4) uint8_t copy[2][BUF];
	struct rg_srtp *tx = create(RG_SRTP_PROTECT, &k);
	struct rg_srtp *rx = create(RG_SRTP_UNPROTECT, &k), *wide;
	size_t lens[2], len[2];

	k.wsh = 4096;
	wide = create(RG_SRTP_UNPROTECT, &k);
	CHECK(tx && rx && wide);
	CHECK_INT(protect_one(tx, 1, pkts[0], lens), 0);
	CHECK_INT(protect_one(tx, 3001, pkts[1], lens + 1), 0);
	memcpy(copy, pkts, sizeof(copy));
	memcpy(len, lens, sizeof(len));
	CHECK_INT(rg_srtp_unprotect(rx, pkts[1], &lens[1]), 0);
	CHECK_INT(rg_srtp_unprotect(rx, pkts[0], &lens[0]), -EALREADY);
	CHECK_INT(rg_srtp_unprotect(wide, copy[1], &len[1]), 0);
	CHECK_INT(rg_srtp_unprotect(wide, copy[0], &len[0]), 0);
	unpair(tx, rx);
	rg_srtp_destroy(wide);
}

static void a_retransmitted_sequence_number_is_protected_again(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 6);
	_Alignas(4) uint8_t a[BUF], b[BUF];
	struct rg_srtp *tx = create(RG_SRTP_PROTECT, &k);
	size_t la = rtp_packet(a, 50, SSRC, 20), lb = rtp_packet(b, 50, SSRC, 20);

	CHECK(tx);
	CHECK_INT(rg_srtp_protect(tx, a, &la, sizeof(a)), 0);
	CHECK_INT(rg_srtp_protect(tx, b, &lb, sizeof(b)), 0);
	CHECK(la == lb && memcmp(a, b, la) == 0);
	rg_srtp_destroy(tx);
}

/* 65530..65535 then 0..5: the rollover counter becomes 1 on both sides,
 * and the packets after the wrap are the reference's with ROC 1. */
static void sequence_numbers_wrap_and_the_rollover_counter_follows(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 7);
	_Alignas(4) uint8_t pkt[BUF], ref[BUF];
	struct rg_srtp *tx, *rx;
	size_t len, plain;
	unsigned i;

	CHECK(pair(&k, &tx, &rx));
	for (i = 0; i < 12; i++) {
		uint16_t seq = (uint16_t)(65530 + i);

		len = plain = rtp_packet(pkt, seq, SSRC, 40);
		memcpy(ref, pkt, len);
		ref_protect(&k, ref, len, seq < 65530 ? 1 : 0);
		CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
		CHECK(memcmp(pkt, ref, len) == 0);
		CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
		CHECK_INT(len, plain);
	}
	unpair(tx, rx);
}

static void each_ssrc_keeps_its_own_sequence_state(void)
{
	struct sdes_crypto k = key_for(SDES_AEAD_AES_128_GCM, 8);
	_Alignas(4) uint8_t pkt[BUF];
	struct rg_srtp *tx, *rx;
	uint32_t ssrc;
	size_t len;

	CHECK(pair(&k, &tx, &rx));
	for (ssrc = 1; ssrc <= 50; ssrc++) {
		len = rtp_packet(pkt, 1000, ssrc, 30);
		CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
		CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
	}
	unpair(tx, rx);
}

static void an_mki_is_sent_and_a_foreign_one_is_refused(void)
{
	struct sdes_crypto k = key_for(SDES_AES_256_CM_HMAC_SHA1_80, 10);
	struct sdes_crypto other = k;
	_Alignas(4) uint8_t pkt[BUF];
	struct rg_srtp *tx, *rx, *rx_other;
	size_t len, plain;

	k.mki = 0x0102;
	k.mki_len = 4;
	other.mki = 0x0103;
	other.mki_len = 4;
	tx = create(RG_SRTP_PROTECT, &k);
	rx = create(RG_SRTP_UNPROTECT, &k);
	rx_other = create(RG_SRTP_UNPROTECT, &other);
	CHECK(tx && rx && rx_other);
	len = plain = rtp_packet(pkt, 3, SSRC, 30);
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(len, plain + 4 + 10);
	CHECK(memcmp(pkt + plain, "\0\0\x01\x02", 4) == 0);
	CHECK_INT(rg_srtp_unprotect(rx_other, pkt, &len), -ENOKEY);
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
	CHECK_INT(len, plain);
	len = rtcp_packet(pkt, SSRC);
	CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(len, 32 + 4 + 4 + 10);
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), 0);
	unpair(tx, rx);
	rg_srtp_destroy(rx_other);
}

static void unencrypted_and_unauthenticated_session_parameters_apply(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 11);
	_Alignas(4) uint8_t pkt[BUF], copy[BUF];
	struct rg_srtp *tx, *rx;
	size_t len, plain;

	k.flags = SDES_UNENCRYPTED_SRTP | SDES_UNENCRYPTED_SRTCP;
	CHECK(pair(&k, &tx, &rx));
	len = plain = rtp_packet(pkt, 3, SSRC, 30);
	memcpy(copy, pkt, len);
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(len, plain + 10);
	CHECK(memcmp(pkt, copy, plain) == 0);	/* readable, still tagged */
	pkt[20] ^= 1;
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EBADMSG);
	pkt[20] ^= 1;
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
	len = plain = rtcp_packet(pkt, SSRC);
	CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(pkt[plain] & 0x80, 0);	/* E flag clear */
	CHECK_INT(pkt[plain - 1], 31);
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), 0);
	unpair(tx, rx);

	k.flags = SDES_UNAUTHENTICATED_SRTP;
	CHECK(pair(&k, &tx, &rx));
	len = plain = rtp_packet(pkt, 3, SSRC, 30);
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(len, plain);		/* no tag */
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), 0);
	CHECK_INT(pkt[12], 3);
	unpair(tx, rx);

	k = key_for(SDES_AEAD_AES_128_GCM, 11);
	k.flags = SDES_UNENCRYPTED_SRTCP;
	CHECK(pair(&k, &tx, &rx));
	len = plain = rtcp_packet(pkt, SSRC);
	CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, sizeof(pkt)), 0);
	CHECK_INT(len, plain + 16 + 4);		/* GCM: the tag, then E || index */
	CHECK_INT(pkt[plain - 1], 31);
	CHECK_INT(pkt[plain + 16] & 0x80, 0);
	pkt[plain - 1] ^= 1;
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), -EBADMSG);
	pkt[plain - 1] ^= 1;
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), 0);
	CHECK_INT(len, plain);
	unpair(tx, rx);
}

static void keys_libsrtp_cannot_honour_are_refused_with_a_reason(void)
{
	struct sdes_crypto k = key_for(SDES_F8_128_HMAC_SHA1_80, 0);

	CHECK(create(RG_SRTP_PROTECT, &k) == NULL);
	CHECK_STR(why, "crypto suite not supported");
	k = key_for(SDES_NULL_HMAC_SHA1_80, 0);
	CHECK(create(RG_SRTP_UNPROTECT, &k) == NULL);
	/* libsrtp 2.5 derives AES-192 keys with the AES-256 KDF */
	k = key_for(SDES_AES_192_CM_HMAC_SHA1_80, 0);
	CHECK(create(RG_SRTP_UNPROTECT, &k) == NULL);
	k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 0);
	k.kdr = 16;
	CHECK(create(RG_SRTP_PROTECT, &k) == NULL);
	CHECK_STR(why, "a key derivation rate (KDR) is not supported");
	k = key_for(SDES_AEAD_AES_256_GCM, 0);
	k.flags = SDES_UNENCRYPTED_SRTP;
	CHECK(create(RG_SRTP_PROTECT, &k) == NULL);
	k.suite = NULL;
	CHECK(create(RG_SRTP_PROTECT, &k) == NULL);
	CHECK(create(RG_SRTP_PROTECT, NULL) == NULL);
	k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 0);
	CHECK(rg_srtp_create((enum rg_srtp_dir)7, &k, NULL) == NULL);
	rg_srtp_destroy(NULL);
}

static void bad_buffers_and_the_wrong_direction_are_refused(void)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 12);
	_Alignas(4) uint8_t pkt[BUF + 4];
	struct rg_srtp *tx, *rx;
	size_t len, plain = rtp_packet(pkt, 1, SSRC, 100);

	CHECK(pair(&k, &tx, &rx));
	len = plain;
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, plain + RG_SRTP_TRAILER_ROOM - 1), -ENOBUFS);
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, plain - 1), -ENOBUFS);
	CHECK_INT(rg_srtp_protect_rtcp(tx, pkt, &len, plain), -ENOBUFS);
	CHECK_INT(rg_srtp_protect(rx, pkt, &len, sizeof(pkt)), -EINVAL);
	CHECK_INT(rg_srtp_unprotect(tx, pkt, &len), -EINVAL);
	CHECK_INT(rg_srtp_protect(tx, pkt + 2, &len, sizeof(pkt) - 2), -EINVAL);
	len = 11;
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, sizeof(pkt)), -EINVAL);
	len = 7;
	CHECK_INT(rg_srtp_unprotect_rtcp(rx, pkt, &len), -EINVAL);
	len = RG_SRTP_PACKET_MAX + 1;
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EINVAL);
	CHECK_INT(rg_srtp_unprotect(rx, pkt, NULL), -EINVAL);
	CHECK_INT(rg_srtp_unprotect(NULL, pkt, &len), -EINVAL);
	len = plain;
	CHECK_INT(rg_srtp_protect(tx, pkt, &len, plain + RG_SRTP_TRAILER_ROOM), 0);
	unpair(tx, rx);
}

/* Every length 0..300 of noise, of a truncated real packet and of a real
 * packet with a CSRC count or extension length that overruns: an error,
 * never a crash or a read outside the packet (ASan). */
static void hostile_packets_are_refused_without_harm(void)
{
	struct sdes_crypto k = key_for(SDES_AEAD_AES_256_GCM, 13);
	struct rg_srtp *tx, *rx;
	_Alignas(4) uint8_t real[BUF], pkt[BUF];
	size_t n, len, real_len = rtp_packet(real, 9, SSRC, 200);
	uint32_t x = 12345;

	CHECK(pair(&k, &tx, &rx));
	CHECK_INT(rg_srtp_protect(tx, real, &real_len, sizeof(real)), 0);
	for (n = 0; n <= 300; n++) {
		uint8_t *heap = malloc(n + 1);
		size_t i;

		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			heap[i] = (uint8_t)(x >> 16);
		}
		len = n;
		CHECK(rg_srtp_unprotect(rx, heap, &len) < 0);
		len = n;
		CHECK(rg_srtp_unprotect_rtcp(rx, heap, &len) < 0);
		free(heap);
		len = n < real_len ? n : real_len - 1;
		memcpy(pkt, real, len);
		CHECK(rg_srtp_unprotect(rx, pkt, &len) < 0);
	}
	memcpy(pkt, real, real_len);
	pkt[0] = 0x8f;		/* 15 CSRCs: 72 bytes of header */
	len = 60;
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EINVAL);
	pkt[0] = 0x90;		/* an extension of 0xffff words */
	pkt[14] = 0xff;
	pkt[15] = 0xff;
	len = real_len;
	CHECK_INT(rg_srtp_unprotect(rx, pkt, &len), -EINVAL);
	unpair(tx, rx);
}

static void *create_and_destroy(void *arg)
{
	struct sdes_crypto k = key_for(SDES_AES_CM_128_HMAC_SHA1_80, 14);
	struct rg_srtp *s = rg_srtp_create(RG_SRTP_PROTECT, &k, NULL);
	bool ok = s != NULL;

	rg_srtp_destroy(s);
	return ok ? arg : NULL;
}

static void the_first_contexts_may_be_created_from_many_threads_at_once(void)
{
	pthread_t t[8];
	void *ok;
	int i, good = 0;

	for (i = 0; i < 8; i++)
		CHECK_INT(pthread_create(&t[i], NULL, create_and_destroy, &good), 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], &ok);
		good += ok != NULL;
	}
	CHECK_INT(good, 8);
}

static const struct test_case cases[] = {
	{ "libsrtp may be started by contexts created from many threads at once",
	  the_first_contexts_may_be_created_from_many_threads_at_once },
	{ "the reference implementation reproduces RFC 3711 B.2 and B.3",
	  reference_matches_rfc_3711_keystream_and_key_derivation },
	{ "the reference implementation reproduces RFC 7714's AES-GCM packet",
	  reference_matches_rfc_7714_gcm_packet },
	{ "protect gives the bytes of an independent implementation, every suite",
	  protect_gives_the_bytes_of_an_independent_implementation },
	{ "SRTCP carries the E flag, index and 80-bit tag of the reference",
	  srtcp_carries_the_e_flag_index_and_tag_of_the_reference },
	{ "every supported suite round-trips RTP and RTCP",
	  every_supported_suite_round_trips_rtp_and_rtcp },
	{ "a flipped bit fails authentication (-EBADMSG) and nothing is decrypted",
	  a_flipped_bit_fails_authentication_and_nothing_is_decrypted },
	{ "a packet under another key fails authentication",
	  another_key_fails_authentication },
	{ "a replayed or too old packet is refused with -EALREADY",
	  a_replayed_or_too_old_packet_is_refused },
	{ "a window size hint (WSH) widens the replay window",
	  a_window_size_hint_widens_the_replay_window },
	{ "a retransmitted sequence number is protected again, identically",
	  a_retransmitted_sequence_number_is_protected_again },
	{ "sequence numbers wrap 65535 -> 0 and the rollover counter follows",
	  sequence_numbers_wrap_and_the_rollover_counter_follows },
	{ "each SSRC keeps its own sequence state in one context",
	  each_ssrc_keeps_its_own_sequence_state },
	{ "an MKI is sent and a foreign one is refused with -ENOKEY",
	  an_mki_is_sent_and_a_foreign_one_is_refused },
	{ "UNENCRYPTED_SRTP/SRTCP and UNAUTHENTICATED_SRTP apply",
	  unencrypted_and_unauthenticated_session_parameters_apply },
	{ "keys libsrtp cannot honour are refused with a reason",
	  keys_libsrtp_cannot_honour_are_refused_with_a_reason },
	{ "bad buffers and the wrong direction are refused",
	  bad_buffers_and_the_wrong_direction_are_refused },
	{ "hostile packets are refused without harm",
	  hostile_packets_are_refused_without_harm },
};

TEST_MAIN(cases)
