/* stun.h - the STUN message codec (RFC 8489) that ICE (RFC 8445) runs on.
 *
 * A parser that turns one datagram into a struct stun_msg, the integrity
 * and fingerprint checks, and a builder that writes a message into a
 * buffer the caller owns. Nothing here knows about calls, candidates or
 * sockets: it is wire format only. No allocation, no global state; the
 * only library is OpenSSL's libcrypto (HMAC, MD5), used in stun.c alone.
 *
 * Parsed values point into the caller's datagram: a struct stun_msg is
 * valid only as long as the buffer it was parsed from.
 */
#ifndef RG_STUN_H
#define RG_STUN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HEADER_LEN		20
#define STUN_MAGIC_COOKIE	0x2112a442u
#define STUN_TID_LEN		12
#define STUN_MAX_ATTRS		64	/* attributes kept */
#define STUN_MAX_UNKNOWN	16	/* unknown types listed per message */
#define STUN_MI_LEN		20	/* HMAC-SHA1 */
#define STUN_MI_SHA256_MAX	32	/* HMAC-SHA256, untruncated */
#define STUN_LONG_TERM_KEY_LEN	16	/* MD5 */
/* The length field is 16 bits and counts whole words. */
#define STUN_MAX_MSG_LEN	(STUN_HEADER_LEN + 0xfffc)

#define STUN_METHOD_BINDING	0x001

enum stun_class {		/* RFC 8489 5: the C1 C0 bits */
	STUN_REQUEST = 0,
	STUN_INDICATION = 1,
	STUN_SUCCESS = 2,
	STUN_ERROR = 3,
};

enum stun_attr_type {		/* RFC 8489 18.3, RFC 8445 16.1 */
	STUN_ATTR_MAPPED_ADDRESS = 0x0001,
	STUN_ATTR_USERNAME = 0x0006,
	STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
	STUN_ATTR_ERROR_CODE = 0x0009,
	STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000a,
	STUN_ATTR_REALM = 0x0014,
	STUN_ATTR_NONCE = 0x0015,
	STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001c,
	STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
	STUN_ATTR_PRIORITY = 0x0024,
	STUN_ATTR_USE_CANDIDATE = 0x0025,
	STUN_ATTR_SOFTWARE = 0x8022,
	STUN_ATTR_FINGERPRINT = 0x8028,
	STUN_ATTR_ICE_CONTROLLED = 0x8029,
	STUN_ATTR_ICE_CONTROLLING = 0x802a,
};

/* Which decoded fields of a struct stun_msg are set (bits of @present). */
enum stun_has {
	STUN_HAS_MAPPED_ADDRESS = 1u << 0,
	STUN_HAS_XOR_MAPPED_ADDRESS = 1u << 1,
	STUN_HAS_USERNAME = 1u << 2,
	STUN_HAS_INTEGRITY = 1u << 3,
	STUN_HAS_INTEGRITY_SHA256 = 1u << 4,
	STUN_HAS_FINGERPRINT = 1u << 5,
	STUN_HAS_ERROR_CODE = 1u << 6,
	STUN_HAS_UNKNOWN_ATTRIBUTES = 1u << 7,
	STUN_HAS_REALM = 1u << 8,
	STUN_HAS_NONCE = 1u << 9,
	STUN_HAS_SOFTWARE = 1u << 10,
	STUN_HAS_PRIORITY = 1u << 11,
	STUN_HAS_USE_CANDIDATE = 1u << 12,
	STUN_HAS_ICE_CONTROLLED = 1u << 13,
	STUN_HAS_ICE_CONTROLLING = 1u << 14,
};

struct stun_attr {		/* one TLV as it stands in the message */
	uint16_t type;
	uint16_t len;		/* without padding */
	const uint8_t *value;	/* into the datagram */
};

struct stun_bytes {		/* a string attribute: not NUL-terminated */
	const uint8_t *data;	/* into the datagram */
	size_t len;
};

union stun_sockaddr {		/* sa.sa_family: AF_INET or AF_INET6 */
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

struct stun_msg {
	const uint8_t *buf;	/* the datagram that was parsed */
	size_t len;		/* its length: header + attributes */
	uint16_t method;	/* 12 bits, e.g. STUN_METHOD_BINDING */
	enum stun_class cls;
	uint8_t tid[STUN_TID_LEN];

	/* Every attribute up to and including MESSAGE-INTEGRITY,
	 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, in order. */
	struct stun_attr attrs[STUN_MAX_ATTRS];
	unsigned n_attrs;

	/* Comprehension-required types (< 0x8000) this parser does not
	 * know, each once, for a 420 answer's UNKNOWN-ATTRIBUTES. */
	uint16_t unknown[STUN_MAX_UNKNOWN];
	unsigned n_unknown;

	/* Decoded from the first occurrence of each type (RFC 8489 14). */
	unsigned present;	/* enum stun_has bits */
	union stun_sockaddr mapped, xor_mapped;
	struct stun_bytes username, realm, nonce, software, error_reason;
	uint16_t error_code;	/* 300..699 */
	uint16_t error_unknown[STUN_MAX_UNKNOWN]; /* UNKNOWN-ATTRIBUTES */
	unsigned n_error_unknown;
	uint32_t priority;
	uint64_t ice_controlled, ice_controlling;	/* tie-breakers */

	/* Offsets of the attribute headers in @buf, 0 when absent. */
	size_t integrity_off, integrity_sha256_off, fingerprint_off;
	uint16_t integrity_sha256_len;	/* 16..32 */
};

/* True if the @len bytes at @buf look like a STUN message: RFC 7983's
 * first byte 0..3, at least a header, and the magic cookie. A cheap demux
 * test; stun_parse() decides whether it is a well-formed one. */
bool stun_is_stun(const uint8_t *buf, size_t len);

/* Parses the one STUN message that is the @len bytes at @buf into *@out
 * (RFC 8489 5, 14, 15; RFC 8445 16.1). The header must have its first two
 * bits zero, the magic cookie and a length field, a multiple of 4, equal
 * to @len - 20. Each attribute must fit, padded to 4 bytes (the padding
 * may hold any value). The attributes listed in enum stun_attr_type are
 * decoded and checked for their lengths and values; a malformed one fails
 * the message. Attributes after MESSAGE-INTEGRITY other than
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and after
 * MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are ignored (RFC 8489
 * 14.5, 14.6): neither kept nor decoded nor listed as unknown, though
 * they must still fit. FINGERPRINT must be the last attribute.
 * Unknown comprehension-optional types are kept but not decoded; unknown
 * comprehension-required ones are listed in @unknown, and the message
 * still parses: answering 420 (a request) or dropping it is the caller's
 * call. Integrity and fingerprint are located, not verified.
 * Returns 0; -EINVAL if the header is not STUN's or the lengths disagree;
 * -EBADMSG if an attribute runs past the end, is malformed or out of
 * place; -E2BIG if more than STUN_MAX_ATTRS attributes would be kept.
 * *@out is unspecified on failure. @out keeps pointers into @buf. */
int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *out);

/* The first attribute of @type that @m kept, or NULL. */
const struct stun_attr *stun_msg_find(const struct stun_msg *m,
				      uint16_t type);

/* Verifies @m's MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 14.5) with the
 * @keylen bytes of @key: the short-term credential's password as it is
 * (ICE), or stun_long_term_key()'s output. The HMAC covers the message up
 * to the attribute, with the header's length field counting up to the
 * attribute's end. @m must come from stun_parse() and its buffer must be
 * unchanged. Returns 0 if it matches, -ENOENT if @m has no
 * MESSAGE-INTEGRITY, -EACCES if it does not match, -ENOMEM if libcrypto
 * fails. */
int stun_check_integrity(const struct stun_msg *m, const uint8_t *key,
			 size_t keylen);

/* The same for MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, possibly truncated
 * to the attribute's length, RFC 8489 14.6). */
int stun_check_integrity_sha256(const struct stun_msg *m, const uint8_t *key,
				size_t keylen);

/* Verifies @m's FINGERPRINT: the CRC-32 of the message before it, XOR
 * 0x5354554e (RFC 8489 14.7). Returns 0 if it matches, -ENOENT if @m has
 * none, -EBADMSG if it does not match. */
int stun_check_fingerprint(const struct stun_msg *m);

/* The long-term credential key (RFC 8489 9.2.2, MD5 algorithm):
 * MD5(username ":" realm ":" password) into @key. The caller has already
 * prepared the strings (OpaqueString / SASLprep). Returns 0 or -ENOMEM. */
int stun_long_term_key(const struct stun_bytes *username,
		       const struct stun_bytes *realm,
		       const struct stun_bytes *password,
		       uint8_t key[STUN_LONG_TERM_KEY_LEN]);

/* A message being written into a buffer the caller owns. Like struct
 * rg_buf, the first error sticks: later adds do nothing and
 * stun_builder_finish() reports it, so the adds need no check each. */
struct stun_builder {
	uint8_t *buf;
	size_t cap;		/* at most STUN_MAX_MSG_LEN is used */
	size_t len;
	int error;		/* 0 or the first negative errno */
	bool finished;
	uint8_t pad;		/* padding byte: 0 (RFC 8489 14) */
};

/* Starts a message of @method (12 bits) and @cls with transaction id @tid
 * in the @cap bytes at @buf. The buffer stays the caller's; @b points
 * into it until the message is finished and sent. */
void stun_builder_init(struct stun_builder *b, uint8_t *buf, size_t cap,
		       uint16_t method, enum stun_class cls,
		       const uint8_t tid[STUN_TID_LEN]);

/* Appends an attribute of @type with the @len bytes at @value (NULL if
 * @len is 0), padded to 4 bytes. For USERNAME, SOFTWARE, USE-CANDIDATE
 * (empty) and any other type; MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT
 * are stun_builder_finish()'s. Returns 0, -ENOBUFS if it does not fit,
 * -EINVAL for those three types or after finishing, or an earlier error. */
int stun_builder_add(struct stun_builder *b, uint16_t type,
		     const void *value, size_t len);

/* Appends a 32-bit (PRIORITY) or 64-bit (ICE-CONTROLLED, ICE-CONTROLLING)
 * attribute in network order. Returns as stun_builder_add(). */
int stun_builder_add_u32(struct stun_builder *b, uint16_t type, uint32_t v);
int stun_builder_add_u64(struct stun_builder *b, uint16_t type, uint64_t v);

/* Appends XOR-MAPPED-ADDRESS for @sa, an AF_INET or AF_INET6 address
 * (RFC 8489 14.2). Returns as stun_builder_add(), or -EAFNOSUPPORT. */
int stun_builder_add_xor_address(struct stun_builder *b,
				 const struct sockaddr *sa);

/* Appends ERROR-CODE @code (300..699) with the @reason_len bytes of
 * @reason, at most 763 (RFC 8489 14.8). Returns as stun_builder_add(),
 * or -EINVAL for a code or reason out of range. */
int stun_builder_add_error(struct stun_builder *b, unsigned code,
			   const char *reason, size_t reason_len);

/* Appends UNKNOWN-ATTRIBUTES listing the @n types at @types (RFC 8489
 * 14.9), e.g. a parsed message's @unknown. Returns as stun_builder_add(). */
int stun_builder_add_unknown(struct stun_builder *b, const uint16_t *types,
			     unsigned n);

enum stun_finish {		/* what stun_builder_finish() appends */
	STUN_FINISH_INTEGRITY = 1u << 0,	/* MESSAGE-INTEGRITY */
	STUN_FINISH_INTEGRITY_SHA256 = 1u << 1,	/* 32-byte, after it */
	STUN_FINISH_FINGERPRINT = 1u << 2,	/* last */
};

/* Ends the message: appends what @flags (enum stun_finish bits) asks
 * for, in RFC order, the integrity attributes keyed with the @keylen
 * bytes of @key, and sets the header's length. Returns the message's
 * total length; the first error of any add; -ENOBUFS if the trailer does
 * not fit; -EINVAL if integrity is asked for without a key or the message
 * was finished already; -ENOMEM if libcrypto fails. */
int stun_builder_finish(struct stun_builder *b, const uint8_t *key,
			size_t keylen, unsigned flags);

#endif
