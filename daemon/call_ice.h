/* call_ice.h - ICE (RFC 8445, RFC 8839) in offers and answers.
 *
 * rtpgate terminates ICE on each side as an ICE-lite agent (daemon/ice.h):
 * the ICE attributes a party sends are never passed on; a party that is
 * to do ICE with rtpgate gets rtpgate's own credentials and one host
 * candidate per component on its relay ports, and a=ice-lite at session
 * level. Which parties do: ICE=force always, ICE=remove never, ICE=default
 * (or none) the receiver of an offer whose sender used ICE, and the
 * offerer in an answer if its offer used ICE.
 *
 * A party whose own SDP carries ice-ufrag/ice-pwd (and not a=ice-lite:
 * two lite agents never check) is an ICE peer: its
 * media goes only to the address it nominated, while consent lasts
 * (relay_webrtc.c). A party given ICE attributes that answers without
 * them is not: its checks are still answered, media follows the usual
 * learning rules.
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
		  const struct rg_interface *iface, bool want, bool offer);

/* Frees @x's ICE state. */
void rg_media_ice_free(struct rg_media *x);

#endif
