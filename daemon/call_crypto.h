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
 * The contexts are created and replaced by the control thread while the
 * call is paused; the call's worker uses them (relay.c).
 */
#ifndef RG_CALL_CRYPTO_H
#define RG_CALL_CRYPTO_H

#include <stdbool.h>

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
	bool active;			/* this party's packets are SRTP */
	struct sdes_crypto rx_key, tx_key;
	struct rg_srtp *rx;		/* unprotects what this party sends */
	struct rg_srtp *tx;		/* protects what is sent to it */
};

/* Offer from @sm's party to @rm's: @m has been rewritten for the receiver
 * and its protocol changed from @in_proto. Adds or removes a=crypto lines
 * and records the keys. 0 or -EINVAL (ng_fail). */
int rg_crypto_offer(struct ng_request *req, struct sdp_media *m, const char *in_proto,
		    struct rg_media *sm, struct rg_media *rm);

/* Answer from @sm's party back to @rm's (the offerer), likewise; creates
 * the SRTP contexts for whichever party speaks SRTP. */
int rg_crypto_answer(struct ng_request *req, struct sdp_media *m, const char *in_proto,
		     struct rg_media *sm, struct rg_media *rm);

/* true for RTP/SAVP and RTP/SAVPF. */
bool rg_proto_is_sdes(const char *proto);

/* Frees @m's crypto state (call paused). */
void rg_media_crypto_free(struct rg_media *m);

#endif
