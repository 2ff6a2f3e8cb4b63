/* call_crypto.h - SDES-SRTP (RFC 4568) between an SRTP party and a plain
 * RTP one.
 *
 * When an offer changes the transport from plain (RTP/AVP[F]) to SRTP
 * (RTP/SAVP[F]), rtpgate offers its own keys to the receiver, one a=crypto
 * per allowed suite (SDES-no-X / SDES-only-X), made with the kernel's
 * CSPRNG; the receiver's answer picks one and gives its own key. When an
 * offer goes from SRTP to plain, the a=crypto lines are removed towards the
 * receiver, and the answer back to the offerer carries rtpgate's key for
 * the first suite of the offer that rtpgate supports, under the offer's
 * tag. SRTP on both sides with no change of transport passes through
 * untouched (rtpgate does not decrypt it).
 *
 * DTLS-SRTP (RFC 5763, 5764; UDP/TLS/RTP/SAVP[F]) is the other way a party
 * gets keys: rtpgate runs a DTLS endpoint towards it (call_dtls.c) and
 * the worker installs the keys the handshake exports. Each party is plain,
 * SDES or DTLS, by the protocol of the SDP it exchanges with rtpgate; a
 * DTLS party is always terminated, so DTLS on both sides means two
 * handshakes, and DTLS can face SDES as well as plain RTP.
 *
 * A media has crypto state exactly when its party speaks SRTP that
 * rtpgate bridges; until the keys are in place (the SDES answer, the
 * DTLS handshake) its media is dropped as srtp-pending (relay.c).
 *
 * The SDES contexts are created and replaced by the control thread while
 * the call is paused; the call's worker uses them (relay.c), and for a
 * DTLS party creates them when the handshake is done (relay_webrtc.c).
 */
#ifndef RG_CALL_CRYPTO_H
#define RG_CALL_CRYPTO_H

#include <stdatomic.h>
#include <stdbool.h>

#include "dtls.h"
#include "ng.h"
#include "sdes.h"
#include "sdp.h"

#define RG_SDES_OFFER_MAX 8

struct rg_media;
struct rg_srtp;

struct rg_media_crypto {
	struct sdes_crypto offered[RG_SDES_OFFER_MAX];	/* keys rtpgate offered this party */
	unsigned n_offered;
	struct sdes_crypto remote[RG_SDES_OFFER_MAX];	/* keys this party offered */
	unsigned n_remote;
	bool active;			/* this party's packets are SRTP, keys ready */
	struct sdes_crypto rx_key, tx_key;
	struct rg_srtp *rx;		/* unprotects what this party sends */
	struct rg_srtp *tx;		/* protects what is sent to it */
	/* DTLS-SRTP (call_dtls.c): set for a party that speaks UDP/TLS */
	bool dtls;			/* keys come from the handshake below */
	struct rg_dtls *ep;		/* worker's while the call runs */
	enum rg_dtls_role role;		/* rtpgate's role towards the party */
	bool started;			/* client: ClientHello queued */
	unsigned client_timer;		/* control thread: the client's retransmission
					 * source (relay_webrtc.c), 0: none */
	bool failure_logged;
	_Atomic int outcome;		/* enum rg_dtls_state, for query: any thread */
	char setup[16];			/* the party's a=setup */
	char fp_hash[16];		/* the party's a=fingerprint */
	char fp[RG_DTLS_FP_MAX];
	char ep_fp_hash[16];		/* what the endpoint checks against */
	char ep_fp[RG_DTLS_FP_MAX];	/* ("" : not told yet) */
};

/* How a party's media is protected, by its SDP's protocol. */
enum rg_crypto_kind { RG_CRYPTO_PLAIN, RG_CRYPTO_SDES, RG_CRYPTO_DTLS };

enum rg_crypto_kind rg_proto_crypto_kind(const char *proto);

/* Offer from @sm's party to @rm's: @m has been rewritten for the receiver
 * and its protocol changed from @in_proto. Adds or removes a=crypto lines
 * and records the keys. 0 or -EINVAL (ng_fail). */
int rg_crypto_offer(struct ng_request *req, const struct sdp_session *sdp,
		    struct sdp_media *m, const char *in_proto,
		    struct rg_media *sm, struct rg_media *rm,
		    const struct rg_dtls_cert *cert);

/* Answer from @sm's party back to @rm's (the offerer), likewise; creates
 * the SRTP contexts for whichever party speaks SRTP. */
int rg_crypto_answer(struct ng_request *req, const struct sdp_session *sdp,
		     struct sdp_media *m, const char *in_proto,
		     struct rg_media *sm, struct rg_media *rm,
		     const struct rg_dtls_cert *cert);

/* true for RTP/SAVP and RTP/SAVPF. */
bool rg_proto_is_sdes(const char *proto);

/* Stops @c's DTLS client retransmission timer (relay_webrtc.h,
 * rg_dtls_client_kick), before its endpoint goes. Control thread. */
void rg_dtls_client_stop(struct rg_media_crypto *c);

/* Frees @m's crypto state (call paused). */
void rg_media_crypto_free(struct rg_media *m);

/* @m's crypto state, created empty if missing. */
struct rg_media_crypto *rg_media_crypto_get(struct rg_media *m);

/* Drops @c's SRTP contexts: its packets are no longer SRTP-ready. */
void rg_media_crypto_reset(struct rg_media_crypto *c);

/* call_dtls.c. The DTLS party @x's a=fingerprint and a=setup, from the
 * SDP it sent (@m, else session level in @sdp); they are removed from
 * @m, the session's are removed by the caller. In an answer this also
 * decides rtpgate's role and makes the endpoint. 0 or -EINVAL (ng_fail). */
int rg_dtls_sdp_from(struct ng_request *req, const struct sdp_session *sdp,
		     struct sdp_media *m, struct rg_media *x, bool offer,
		     const struct rg_dtls_cert *cert);

/* @c's handshake has ended, or may have: on success its exported keys
 * become @c's SRTP contexts (active), on failure that is logged once,
 * naming @call_id and @port; its outcome is published for query. The
 * worker calls it as DTLS arrives; the control thread (call paused) when
 * the peer's fingerprint comes after the handshake. */
void rg_dtls_finish(struct rg_media_crypto *c, const char *call_id, unsigned port);

/* Removes a=fingerprint, a=setup and a=tls-id from @lines: they belong
 * to the transport of the party that sent them. */
void rg_sdp_remove_dtls_attrs(struct sdp_lines *lines);

/* The SDP going to the DTLS party @x gets rtpgate's a=fingerprint and
 * a=setup (offer: actpass; answer: passive, or active if @x offered
 * passive; DTLS=passive/active override), and @x's endpoint is made or
 * kept. 0 or -EINVAL (ng_fail). */
int rg_dtls_sdp_to(struct ng_request *req, struct sdp_media *m, struct rg_media *x,
		   bool offer, const struct rg_dtls_cert *cert);

#endif
