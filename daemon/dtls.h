/* dtls.h - a DTLS-SRTP endpoint (RFC 5763, RFC 5764) without sockets.
 *
 * The only daemon file that uses libssl. One struct rg_dtls is one DTLS 1.2
 * association with one peer: it runs the handshake, checks the peer's
 * certificate against the fingerprint from its SDP (a=fingerprint, RFC
 * 8122; self-signed certificates are the norm, nothing else is checked),
 * negotiates an SRTP protection profile (use_srtp, RFC 5764 section 4.1)
 * and exports the SRTP master keys (section 4.2) as struct sdes_crypto,
 * ready for rg_srtp_create().
 *
 * It does no I/O. The relay's sockets belong to the media workers, so
 * datagrams go in and out through calls:
 *
 *	client, to begin:	rg_dtls_start(d);
 *	a datagram arrives:	rg_dtls_input(d, pkt, len);
 *	after each of these and rg_dtls_on_timer():
 *		while ((n = rg_dtls_output(d, buf, sizeof(buf))) > 0)
 *			send(buf, n);
 *		arm a timer for rg_dtls_timeout_us(d) from now (if >= 0),
 *		call rg_dtls_on_timer(d) when it expires;
 *	rg_dtls_state(d) == RG_DTLS_DONE: rg_dtls_srtp_keys(d, &tx, &rx).
 *
 * Which datagrams are DTLS is the caller's demultiplexing (RFC 7983: first
 * byte 20..63); rg_dtls_input() refuses the others.
 *
 * Retransmission (RFC 6347 section 4.2.4) follows OpenSSL's timer: 1 s,
 * doubling up to 60 s. The timer runs on OpenSSL's own clock (the wall
 * clock; OpenSSL 3.0 cannot be given another), so rg_dtls_timeout_us()
 * says how long from now, not when. After RG_DTLS_RETRANSMIT_MAX
 * retransmissions the next timeout fails the handshake (a silent peer is
 * given up about a minute after the first flight).
 *
 * Threads: a struct rg_dtls_cert is read-only after creation and may be
 * used by any number of threads at once. One struct rg_dtls belongs to one
 * thread at a time; hand it over with a happens-before edge (as for
 * struct rg_srtp). Each call leaves the thread's OpenSSL error queue empty.
 */
#ifndef RG_DTLS_H
#define RG_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdes.h"

#define RG_DTLS_MTU		1200	/* longest datagram it sends */
#define RG_DTLS_FP_MAX		192	/* any fingerprint, with the NUL */
#define RG_DTLS_RETRANSMIT_MAX	5	/* retransmissions, then give up */

/* Our role in the handshake, from a=setup (RFC 4145, RFC 5763 section 5):
 * "active" makes us the DTLS client, "passive" the server. */
enum rg_dtls_role {
	RG_DTLS_CLIENT,
	RG_DTLS_SERVER,
};

enum rg_dtls_state {
	RG_DTLS_HANDSHAKING,	/* not finished, or waiting for the peer's
				 * fingerprint (rg_dtls_set_peer_fingerprint) */
	RG_DTLS_DONE,		/* verified, SRTP profile agreed: keys ready */
	RG_DTLS_CLOSED,		/* closed by either side (close_notify) */
	RG_DTLS_FAILED,		/* see rg_dtls_error(); final */
};

struct rg_dtls_cert;
struct rg_dtls;

/* A new EC P-256 key and a self-signed X.509 v3 certificate for it:
 * subject and issuer CN "rtpgate", a random 64-bit serial, valid from 30
 * days ago to a year from now, signed with ECDSA-SHA256; and the OpenSSL
 * context every struct rg_dtls made from it shares. Made once at start-up.
 * Returns it, or NULL with *@err (if @err is not NULL) set to a static
 * reason. Free with rg_dtls_cert_destroy(). */
struct rg_dtls_cert *rg_dtls_cert_create(const char **err);

/* Frees @cert. Endpoints made from it keep their own references and may
 * outlive it. NULL is ignored. */
void rg_dtls_cert_destroy(struct rg_dtls_cert *cert);

/* Writes the fingerprint of @cert's certificate for a=fingerprint (RFC
 * 8122 section 5): the digest of its DER encoding as uppercase hex pairs
 * joined by colons, NUL-terminated, into @out of @outlen bytes
 * (RG_DTLS_FP_MAX always suffices). @hash is "sha-1", "sha-224",
 * "sha-256", "sha-384" or "sha-512", in any case; NULL means "sha-256".
 * Returns the length written (without the NUL), -EINVAL for another @hash
 * or -ENOSPC if @outlen is too small. */
int rg_dtls_cert_fingerprint(const struct rg_dtls_cert *cert, const char *hash,
			     char *out, size_t outlen);

/* A new endpoint in role @role presenting @cert. The peer must present a
 * certificate whose @peer_hash digest is @peer_fp ("AB:CD:...", hex in
 * any case, with a hash rg_dtls_cert_fingerprint() knows); both may be
 * NULL when the peer's SDP has not been seen yet: the handshake then runs
 * but stays RG_DTLS_HANDSHAKING until rg_dtls_set_peer_fingerprint().
 * Offers (client) or accepts (server, in this order of preference) the
 * SRTP profiles AEAD_AES_256_GCM, AEAD_AES_128_GCM, AES128_CM_SHA1_80 and
 * AES128_CM_SHA1_32; a peer that agrees on none fails the handshake.
 * Nothing is sent until rg_dtls_start() or rg_dtls_input().
 * Returns the endpoint, or NULL with *@err (if @err is not NULL) set to a
 * static reason ("bad fingerprint", "unsupported fingerprint hash", ...).
 * Free with rg_dtls_destroy(). */
struct rg_dtls *rg_dtls_create(const struct rg_dtls_cert *cert,
			       enum rg_dtls_role role, const char *peer_hash,
			       const char *peer_fp, const char **err);

/* Frees @d and everything it holds; its keys are wiped. Nothing is sent
 * (see rg_dtls_close()). NULL is ignored. */
void rg_dtls_destroy(struct rg_dtls *d);

/* Sets the peer's fingerprint when rg_dtls_create() was not given one.
 * If the handshake has already finished, the certificate it brought is
 * checked now: the endpoint becomes RG_DTLS_DONE or RG_DTLS_FAILED.
 * Returns 0; -EINVAL for a malformed or unsupported fingerprint (nothing
 * changes); -EALREADY if a fingerprint was set already (nothing changes;
 * a new peer needs a new endpoint). */
int rg_dtls_set_peer_fingerprint(struct rg_dtls *d, const char *peer_hash,
				 const char *peer_fp);

/* A client queues its ClientHello; a server does nothing. Calling it again
 * does nothing. */
void rg_dtls_start(struct rg_dtls *d);

/* Takes the datagram of @len bytes at @pkt that came from the peer and
 * runs the handshake (or, once done, handles alerts and the peer's
 * retransmissions) with it; then call rg_dtls_output() until it gives 0.
 * Records that do not authenticate or parse are dropped by OpenSSL, as
 * DTLS does (RFC 6347 section 4.1.2.7); a handshake message that cannot be
 * right fails the endpoint, and so does a plaintext alert or malformed
 * record during the handshake (OpenSSL's rules): feed only datagrams from
 * the peer's address (the ICE-selected or latched one). @pkt is not kept.
 * Returns 0 (also for a datagram dropped as noise); -EINVAL if it is not
 * DTLS (empty, over 65535 bytes, first byte outside 20..63), and nothing
 * changes; -EPROTO if the endpoint is (now) RG_DTLS_FAILED. */
int rg_dtls_input(struct rg_dtls *d, const uint8_t *pkt, size_t len);

/* Moves the next datagram to send to the peer into @buf of @cap bytes.
 * Returns its length, 0 when there is none, or -EMSGSIZE if it is longer
 * than @cap: that datagram is dropped (a @cap of RG_DTLS_MTU always
 * suffices). Datagrams stay queued in any state -- a failed endpoint's
 * last one is its alert -- up to 16; beyond that they are dropped, as a
 * network would, and retransmission makes up for it. */
int rg_dtls_output(struct rg_dtls *d, uint8_t *buf, size_t cap);

/* Microseconds from now until rg_dtls_on_timer() should be called (0: it
 * is due), or -1 when no timer runs (no flight is waiting for an answer).
 * Ask again after every input, timer and start. */
int64_t rg_dtls_timeout_us(struct rg_dtls *d);

/* Retransmits the last flight if its timer has expired (the datagrams go
 * to rg_dtls_output()), or fails the handshake with "handshake timed out"
 * after RG_DTLS_RETRANSMIT_MAX retransmissions (counted over the whole
 * handshake, not per flight). Early calls do nothing. */
void rg_dtls_on_timer(struct rg_dtls *d);

/* Makes the endpoint RG_DTLS_CLOSED, unless it has failed or closed
 * already; once OpenSSL's handshake is over, it also queues a close_notify
 * alert for the peer (RFC 5246 section 7.2.1). Input is ignored after. */
void rg_dtls_close(struct rg_dtls *d);

enum rg_dtls_state rg_dtls_state(const struct rg_dtls *d);

/* Why a RG_DTLS_FAILED endpoint failed, a static string such as
 * "fingerprint mismatch", "no SRTP profile agreed", "handshake timed out"
 * or OpenSSL's reason ("sslv3 alert bad certificate"); NULL otherwise. */
const char *rg_dtls_error(const struct rg_dtls *d);

/* In state RG_DTLS_DONE: the agreed profile as its SDES suite and the
 * exported keys (RFC 5764 section 4.2: client key | server key | client
 * salt | server salt), by our role: *@local_tx is what we protect with
 * (RG_SRTP_PROTECT), *@remote_rx what we unprotect the peer's packets with
 * (RG_SRTP_UNPROTECT). Only suite, key and salt are set; the rest is 0.
 * Returns 0, -ENOTCONN in any other state, or -EIO if the export fails.
 * The caller should wipe the keys when done with them. */
int rg_dtls_srtp_keys(struct rg_dtls *d, struct sdes_crypto *local_tx,
		      struct sdes_crypto *remote_rx);

#endif
