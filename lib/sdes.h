/* sdes.h - SDP Security Descriptions (RFC 4568): the a=crypto attribute.
 *
 * A pure parser and writer: no allocation, no library beyond libc. The
 * parser turns one attribute value ("1 AES_CM_128_HMAC_SHA1_80
 * inline:<base64>|2^20|1:4 KDR=1") into a struct sdes_crypto holding the
 * master key and salt as bytes; the writer does the reverse. What the keys
 * are used for (libsrtp) is daemon/srtp.c's business.
 *
 * The crypto suites known here, with their lengths in octets, come from
 * RFC 4568 section 6.2 (AES_CM_128, F8_128), RFC 6188 (AES_192_CM,
 * AES_256_CM) and RFC 7714 section 14.2 (AEAD_AES_128_GCM,
 * AEAD_AES_256_GCM). The NULL suites are not in any RFC for SDES; they use
 * AES_CM_128's lengths (a 16-octet master key and 14-octet salt feed the
 * key derivation) as their DTLS-SRTP profiles do.
 */
#ifndef RG_SDES_H
#define RG_SDES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDES_KEY_MAX		32	/* AES-256 master key */
#define SDES_SALT_MAX		14	/* AES-CM master salt; GCM's is 12 */
#define SDES_MKI_LEN_MAX	128	/* RFC 4568 section 9.2: 1..128 */
#define SDES_LIFETIME_MAX	(1ull << 48)	/* RFC 3711: SRTP packets per key */
#define SDES_KDR_MAX		24	/* RFC 4568 section 6.3 */
#define SDES_WSH_MIN		64	/* RFC 4568 section 6.3 */
#define SDES_KEY_PARAMS_MAX	16	/* more key-params are refused */
#define SDES_SESSION_PARAMS_MAX	16	/* more session params are refused */
#define SDES_WRITE_MAX		256	/* room sdes_write() ever needs */

/* In preference order, strongest first: sdes_suite_at(i)->id == i. */
enum sdes_suite_id {
	SDES_AEAD_AES_256_GCM,
	SDES_AEAD_AES_128_GCM,
	SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_256_CM_HMAC_SHA1_32,
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_AES_192_CM_HMAC_SHA1_80,	/* known, not supported (srtp.c) */
	SDES_AES_192_CM_HMAC_SHA1_32,	/* known, not supported (srtp.c) */
	SDES_F8_128_HMAC_SHA1_80,	/* known, not supported */
	SDES_NULL_HMAC_SHA1_80,		/* known, not supported */
	SDES_NULL_HMAC_SHA1_32,		/* known, not supported */
	SDES_SUITE_COUNT
};

struct sdes_suite {
	enum sdes_suite_id id;
	const char *name;	/* as written in the attribute */
	uint8_t key_len;	/* master key octets */
	uint8_t salt_len;	/* master salt octets */
	uint8_t srtp_tag_len;	/* SRTP auth (or GCM) tag octets */
	uint8_t srtcp_tag_len;	/* SRTCP's: 10 for the _32 suites too */
	bool aead;		/* AES-GCM: no separate auth key */
	bool supported;		/* rtpgate can key it (daemon/srtp.c) */
};

enum sdes_fec_order {
	SDES_FEC_DEFAULT,	/* not given: FEC_SRTP */
	SDES_FEC_SRTP,		/* FEC_ORDER=FEC_SRTP */
	SDES_SRTP_FEC,		/* FEC_ORDER=SRTP_FEC */
};

/* Session parameter flags (RFC 4568 section 6.3). */
#define SDES_UNENCRYPTED_SRTP		0x1u
#define SDES_UNENCRYPTED_SRTCP		0x2u
#define SDES_UNAUTHENTICATED_SRTP	0x4u

/* One a=crypto attribute. Of several key-params only the first is kept;
 * the writer writes the fields above the line "not written". */
struct sdes_crypto {
	uint32_t tag;		/* 0..999999999 */
	const struct sdes_suite *suite;
	uint8_t key[SDES_KEY_MAX];	/* suite->key_len octets used */
	uint8_t salt[SDES_SALT_MAX];	/* suite->salt_len octets used */
	uint64_t lifetime;	/* packets, 1..2^48; 0: not given */
	bool lifetime_pow2;	/* written as 2^N (lifetime is a power of 2) */
	uint64_t mki;		/* MKI value, < 2^(8 * mki_len) */
	uint8_t mki_len;	/* MKI octets in each packet; 0: no MKI */
	unsigned flags;		/* SDES_UNENCRYPTED_SRTP, ... */
	uint8_t kdr;		/* key derivation rate 2^kdr; 0: not given */
	enum sdes_fec_order fec_order;
	uint32_t wsh;		/* window size hint, >= 64; 0: not given */
	/* not written */
	unsigned extra_keys;	/* further key-params after the first */
	bool fec_key;		/* a FEC_KEY= was given (checked, not kept) */
	unsigned ignored_params; /* optional "-NAME" params not understood */
};

/* The known suite called @name (exact, case-sensitive), or NULL. */
const struct sdes_suite *sdes_suite_find(const char *name);

/* The suite at preference position @i (0 = most preferred), or NULL when
 * @i >= SDES_SUITE_COUNT. Unsupported suites come last. */
const struct sdes_suite *sdes_suite_at(size_t i);

/* Parses the @len bytes at @value, one a=crypto attribute value (what
 * follows "a=crypto:"), into *@out, per the grammar of RFC 4568 sections
 * 9.1 and 9.2. Separators are one or more spaces or tabs; trailing ones are
 * allowed. The key-salt is strict base64 (RFC 4648 section 4: no
 * characters outside the alphabet, padding only at the end and only as
 * much as needed, unused bits zero); the padding itself may be left out.
 * It must decode to exactly the suite's key + salt length.
 *
 * Returns 0, a known suite in out->suite (check suite->supported before
 * keying it), or:
 *   -ENOENT   the crypto suite is not one sdes_suite_find() knows (an
 *             answerer skips such an attribute and looks at the next);
 *   -ENOTSUP  a key-param's method is not "inline", or a
 *             mandatory session parameter (no leading '-') is unknown;
 *   -EINVAL   anything malformed, out of range or repeated.
 * On failure *@err (if @err is not NULL) says why in a static string and
 * *@out is unspecified. No pointer into @value is kept. */
int sdes_parse(const char *value, size_t len, struct sdes_crypto *out,
	       const char **err);

/* Writes @c as an a=crypto attribute value, NUL-terminated, into @out of
 * @outlen bytes (SDES_WRITE_MAX is always enough): the tag, the suite,
 * one inline key-param (padded base64 of key || salt, then the lifetime
 * and MKI if set) and the session parameters that are set, in the order
 * KDR, UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP,
 * FEC_ORDER, WSH. Returns the length written (without the NUL),
 * -EINVAL if @c is something sdes_parse() would never return (no suite,
 * a tag, lifetime, MKI, KDR or WSH out of range, a lifetime_pow2 that is
 * not a power of 2, an MKI value without an MKI length, unknown flags) or
 * -ENOSPC if @outlen is too small. */
int sdes_write(const struct sdes_crypto *c, char *out, size_t outlen);

#endif
