/* call_ice.h - ICE (RFC 8445, RFC 8839) in offers and answers.
 *
 * rtpgate terminates ICE on each side: the ICE attributes a party sends
 * are never passed on; a party that is to do ICE with rtpgate gets
 * rtpgate's own credentials and one host candidate per component on its
 * relay ports. Which parties do: ICE=force always, ICE=remove never,
 * ICE=default (or none) the receiver of an offer whose sender used ICE,
 * and the offerer in an answer if its offer used ICE.
 *
 * rtpgate's agent towards a party is full (ice.h, checks sent by
 * ice_driver.c) unless ICE-lite asks for lite towards that party; then
 * the SDP says a=ice-lite. A full agent controls when rtpgate made the
 * offer or the party is lite, and is controlled when it answers a full
 * agent's offer (RFC 8445 6.1.1). The party's a=candidate lines are its
 * agent's pairs; trickled ones in later SDP are added.
 *
 * A party whose own SDP carries ice-ufrag/ice-pwd is an ICE peer (unless
 * both it and rtpgate are lite: then nobody checks, and media uses the
 * default candidates): its media goes only to the selected address,
 * while consent lasts (relay_webrtc.c). A party given ICE attributes
 * that answers without them is not: its checks are still answered, media
 * follows the usual learning rules.
 *
 * Control thread, call paused.
 */
#ifndef RG_CALL_ICE_H
#define RG_CALL_ICE_H

#include <stdbool.h>

#include "interface.h"
#include "ng.h"
#include "sdp.h"

struct rg_media;
struct rg_ice_driver;

/* true if media @m of @sdp has ICE credentials (its own or the session's). */
bool rg_ice_sdp_media_has_ice(const struct sdp_session *sdp, const struct sdp_media *m);

/* true if @sdp has a=ice-ufrag at session level or in any media. */
bool rg_ice_sdp_has_ice(const struct sdp_session *sdp);

/* Records @x's ICE credentials from the SDP it sent (media @m, else
 * session level): @x becomes an ICE peer, or stops being one. The agent,
 * if any, learns them, and nominated addresses are restored after the
 * signalling reset. 0 or -EINVAL (ng_fail). */
int rg_ice_sdp_from(struct ng_request *req, const struct sdp_session *sdp,
		    const struct sdp_media *m, struct rg_media *x);

/* Whether the SDP going to @x carries rtpgate's ICE (see above);
 * @sender_ice: the offer being rewritten used ICE. */
bool rg_ice_wanted(const struct ng_request *req, bool sender_ice,
		   const struct rg_media *x, bool offer);

/* Adds rtpgate's ICE attributes for @x to @m (its ICE attributes already
 * removed), making @x's agent if needed; with !@want, drops the agent.
 * 0 or -EINVAL (ng_fail). */
int rg_ice_sdp_to(struct ng_request *req, struct sdp_media *m, struct rg_media *x,
		  const struct rg_interface *iface, bool want, bool offer,
		  struct rg_ice_driver *driver);

/* True if rtpgate's agent towards @x is lite (the SDP says a=ice-lite). */
bool rg_ice_sdp_lite(const struct rg_media *x);

/* Drops rtpgate's agent towards @x (and its registration). */
void rg_media_ice_free(struct rg_media *x);

/* ... and everything @x's SDP said about ICE: the media is going. */
void rg_media_ice_forget(struct rg_media *x);

#endif
