/* srtp.h - SRTP/SRTCP protect and unprotect for one direction of a stream.
 *
 * A thin wrapper over libsrtp2 (the only file that includes it is
 * srtp.c). One struct rg_srtp holds one master key and suite for one
 * direction: RG_SRTP_PROTECT encrypts what rtpgate sends to an SRTP peer,
 * RG_SRTP_UNPROTECT checks and decrypts what it receives from one. It
 * serves every SSRC (libsrtp's "any inbound/outbound" template): each new
 * SSRC gets its own rollover counter and replay window, derived from the
 * same master key, as RFC 3711 section 3.2.3 allows. Session keys are
 * derived inside libsrtp (RFC 3711 section 4.3, key derivation rate 0).
 *
 * The master key usually comes from an a=crypto line (lib/sdes.h); for
 * DTLS-SRTP (RFC 5764) the caller fills a struct sdes_crypto with the
 * exported key and salt of one side and the negotiated suite.
 *
 * Re-keying: a new key (a new a=crypto in a re-INVITE, a new DTLS
 * handshake) means rg_srtp_destroy() then rg_srtp_create(); rollover
 * counters and replay windows start again.
 *
 * Threads: rg_srtp_create() may be called from any thread (the control
 * thread, typically). After that one rg_srtp belongs to one thread at a
 * time -- the worker that owns the stream -- because protecting or
 * unprotecting updates per-SSRC state without a lock. Hand it over with
 * a happens-before edge, such as rg_worker_barrier() (worker.h).
 *
 * Packet buffers must be 4-byte aligned (libsrtp reads the header as
 * 32-bit words) and, for protect, have RG_SRTP_TRAILER_ROOM bytes of
 * room after the packet (libsrtp's documented worst case: the largest tag,
 * the largest MKI and the SRTCP index).
 *
 * Errors, the same for every function that handles a packet:
 *   -EBADMSG      authentication failed (bad tag, wrong key, forgery):
 *                 the payload was not decrypted -- with AES-CM the packet
 *                 is as it arrived, with AES-GCM libsrtp's NSS backend has
 *                 overwritten the payload with zeros;
 *   -EALREADY     replay: the packet index was seen already, or is too old
 *                 for the replay window;
 *   -ENOKEY       the packet's MKI is not this key's;
 *   -EKEYEXPIRED  the key reached its packet limit (2^48 SRTP, 2^31 SRTCP
 *                 packets): re-key;
 *   -ENOBUFS      protect: less than RG_SRTP_TRAILER_ROOM room after *len;
 *   -EINVAL       anything else: a packet too short or longer than 65535
 *                 bytes, a malformed header, a misaligned buffer, the
 *                 wrong direction, a cipher failure.
 * On any error *len is left as it was and the packet is to be dropped.
 */
#ifndef RG_SRTP_H
#define RG_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "sdes.h"

#define RG_SRTP_TRAILER_ROOM	148	/* 16 tag + 128 MKI + 4 SRTCP index */
#define RG_SRTP_PACKET_MAX	65535	/* longest packet handled */
#define RG_SRTP_WINDOW		1024	/* inbound replay window, packets */

enum rg_srtp_dir {
	RG_SRTP_PROTECT,	/* plain -> SRTP: towards an SRTP peer */
	RG_SRTP_UNPROTECT,	/* SRTP -> plain: from an SRTP peer */
};

struct rg_srtp;

/* A context for direction @dir keyed with @key: its suite (which must be
 * supported), master key and salt, MKI if any, and the session parameters
 * UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP (not with an
 * AEAD suite) and WSH (an inbound window larger than RG_SRTP_WINDOW, up to
 * libsrtp's 32767). A KDR other than 0 is refused: libsrtp derives session
 * keys once. The lifetime is not enforced here beyond libsrtp's own
 * limits. @key is copied; the caller may wipe it afterwards.
 * Initialises libsrtp on first use (once per process, thread-safe).
 * Returns the new context, or NULL with *@err (if @err is not NULL) set
 * to a static reason. Free it with rg_srtp_destroy(). */
struct rg_srtp *rg_srtp_create(enum rg_srtp_dir dir,
			       const struct sdes_crypto *key,
			       const char **err);

/* Frees @s and its keys (libsrtp wipes them). NULL is ignored. */
void rg_srtp_destroy(struct rg_srtp *s);

/* Encrypts and authenticates the RTP packet of *@len bytes at @pkt in
 * place (RFC 3711 section 3.3), appending the MKI and tag; @cap is the
 * buffer's size. On success *@len is the SRTP length. Retransmissions of
 * a sequence number are allowed (the same payload must be sent). Needs a
 * RG_SRTP_PROTECT context. Returns 0 or a negative errno (above). */
int rg_srtp_protect(struct rg_srtp *s, uint8_t *pkt, size_t *len, size_t cap);

/* Authenticates, replay-checks and decrypts the SRTP packet of *@len bytes
 * at @pkt in place; on success *@len is the RTP length (MKI and tag
 * removed). Needs a RG_SRTP_UNPROTECT context. Returns 0 or a negative
 * errno (above). */
int rg_srtp_unprotect(struct rg_srtp *s, uint8_t *pkt, size_t *len);

/* The same for one RTCP compound packet (RFC 3711 section 3.4): protect
 * appends the E flag and 31-bit SRTCP index, the MKI and the tag. */
int rg_srtp_protect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t *len,
			 size_t cap);
int rg_srtp_unprotect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t *len);

/* The rollover counter libsrtp keeps for @ssrc in @s (RFC 3711 section
 * 3.3.1): for handing a stream to the kernel module and back. Get: 0 and
 * *@roc, or -ENOENT while @s has seen no packet of @ssrc. Set: the
 * counter the next packet of @ssrc is numbered with (libsrtp's pending
 * ROC, taken at that packet), 0 or -ENOENT likewise. Same thread rules
 * as a packet. */
int rg_srtp_roc_get(struct rg_srtp *s, uint32_t ssrc, uint32_t *roc);
int rg_srtp_roc_set(struct rg_srtp *s, uint32_t ssrc, uint32_t roc);

#endif
