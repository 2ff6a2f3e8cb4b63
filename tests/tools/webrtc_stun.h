/* webrtc_stun.h - the STUN messages an ICE agent needs (RFC 8489, RFC 8445
 * section 7), for tests/tools/webrtc_peer only.
 *
 * Written from the RFCs for the test peer; it shares no code with rtpgate's
 * lib/stun.c, so that each can check the other. Short-term credentials only
 * (MESSAGE-INTEGRITY keyed by the ICE password as it is, no SASLprep: ICE
 * passwords are ASCII).
 */
#ifndef WEBRTC_STUN_H
#define WEBRTC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define STUN_HDR		20
#define STUN_COOKIE		0x2112a442u
#define STUN_TID_LEN		12
#define STUN_MAX		1280	/* longest message this peer writes */

#define STUN_BINDING_REQUEST	0x0001
#define STUN_BINDING_SUCCESS	0x0101
#define STUN_BINDING_ERROR	0x0111
#define STUN_BINDING_INDICATION	0x0011

#define STUN_A_USERNAME		0x0006
#define STUN_A_INTEGRITY	0x0008
#define STUN_A_ERROR_CODE	0x0009
#define STUN_A_XOR_MAPPED	0x0020
#define STUN_A_PRIORITY		0x0024
#define STUN_A_USE_CANDIDATE	0x0025
#define STUN_A_SOFTWARE		0x8022
#define STUN_A_FINGERPRINT	0x8028
#define STUN_A_CONTROLLED	0x8029
#define STUN_A_CONTROLLING	0x802a

/* A message being written into @buf: header first, then attributes in the
 * order added, padded to 4 octets with @pad (0 unless a test vector says
 * otherwise). Any call on a writer that ran out of room leaves .err set. */
struct stun_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint8_t pad;
	bool err;
};

/* A parsed message: pointers into the caller's buffer, valid while it is. */
struct stun_msg {
	uint16_t type;
	const uint8_t *tid;
	const uint8_t *username;	/* NULL if absent */
	size_t username_len;
	size_t integrity_at;		/* offset of its header, 0 if absent */
	size_t fingerprint_at;		/* likewise */
	bool use_candidate;
	bool controlling, controlled;
	uint64_t tiebreaker;
	uint32_t priority;
	int error_code;			/* ERROR-CODE, -1 if absent */
	bool has_mapped;
	struct sockaddr_storage mapped;	/* XOR-MAPPED-ADDRESS, decoded */
};

/* Starts a message of @type with transaction ID @tid in @buf. */
void stun_write_start(struct stun_writer *w, uint8_t *buf, size_t cap,
		      uint16_t type, const uint8_t *tid);

/* Appends one attribute with @len octets of @value. */
void stun_write_attr(struct stun_writer *w, uint16_t type, const void *value,
		     size_t len);

/* Appends XOR-MAPPED-ADDRESS for @addr (IPv4 or IPv6). */
void stun_write_xor_mapped(struct stun_writer *w,
			   const struct sockaddr_storage *addr);

/* Appends MESSAGE-INTEGRITY (HMAC-SHA1 keyed by @key, RFC 8489 14.5) and
 * FINGERPRINT (14.7). Returns the message length, or -1 if .err. */
int stun_write_finish(struct stun_writer *w, const char *key);

/* Parses @len octets at @buf into @m. Returns 0, or -1 if it is not a
 * well-formed STUN message (header, cookie, length, attribute bounds,
 * nothing but FINGERPRINT after MESSAGE-INTEGRITY, nothing after
 * FINGERPRINT). */
int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *m);

/* True if @m (parsed from @buf) carries FINGERPRINT and it is right. */
bool stun_fingerprint_ok(const uint8_t *buf, const struct stun_msg *m);

/* True if @m (parsed from @buf) carries MESSAGE-INTEGRITY and it is the
 * HMAC-SHA1 of the message keyed by @key. */
bool stun_integrity_ok(const uint8_t *buf, const struct stun_msg *m,
		       const char *key);

/* Runs the RFC 5769 vectors and this codec's own round trips; prints one
 * line per check and "N passed, M failed". Returns the failures. */
int stun_selftest(void);

#endif
