/* srtp_kdf.h - SRTP session keys from a master key (RFC 3711 section 4.3).
 *
 * The daemon derives the session keys the kernel module uses (the module
 * gets session keys over netlink, never master keys), with OpenSSL's AES
 * (libcrypto, as lib/stun.c). Key derivation rate 0 only: the keys are
 * derived once per master key (r = 0 in section 4.3.1), which is what an
 * a=crypto without KDR= and every DTLS-SRTP profile mean.
 *
 * AES-CM PRF (section 4.3.3): x = label * 2^48 XOR master salt (112 bits,
 * label in the seventh octet from the end), keystream = AES-CM(master key,
 * IV = x * 2^16), the session key its first n octets. AES-128 or AES-256
 * master keys (RFC 6188 section 5 uses the same construction).
 */
#ifndef RG_SRTP_KDF_H
#define RG_SRTP_KDF_H

#include <stddef.h>
#include <stdint.h>

#define SRTP_KDF_SALT_LEN	14	/* master and session salt, AES-CM */
#define SRTP_KDF_OUT_MAX	64	/* longest session key asked for */

/* RFC 3711 section 4.3.2 labels. */
enum srtp_kdf_label {
	SRTP_LABEL_RTP_CIPHER = 0,
	SRTP_LABEL_RTP_AUTH = 1,
	SRTP_LABEL_RTP_SALT = 2,
	SRTP_LABEL_RTCP_CIPHER = 3,
	SRTP_LABEL_RTCP_AUTH = 4,
	SRTP_LABEL_RTCP_SALT = 5,
};

/* Writes the @out_len (1..SRTP_KDF_OUT_MAX) octet session key of @label
 * derived from master key @key (@key_len 16 or 32 octets) and the 14
 * octet master salt @salt into @out. Returns 0, or -EINVAL for a length
 * out of range, -EIO when libcrypto fails (then @out is zeroed). */
int srtp_kdf(const uint8_t *key, size_t key_len,
	     const uint8_t salt[SRTP_KDF_SALT_LEN], enum srtp_kdf_label label,
	     uint8_t *out, size_t out_len);

#endif
