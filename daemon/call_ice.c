/* call_ice.c - ICE in offers and answers (RFC 8839), see call_ice.h. */
#include "call_ice.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "ice.h"
#include "log.h"

static const char *attr_value(const struct sdp_session *sdp, const struct sdp_media *m,
			      const char *name)
{
	const struct sdp_line *l = sdp_attr_find(&m->lines, name, NULL);

	if (!l)
		l = sdp_attr_find(&sdp->lines, name, NULL);
	return l && l->attr_value ? l->attr_value : NULL;
}

bool rg_ice_sdp_media_has_ice(const struct sdp_session *sdp, const struct sdp_media *m)
{
	return attr_value(sdp, m, "ice-ufrag") && attr_value(sdp, m, "ice-pwd");
}

bool rg_ice_sdp_has_ice(const struct sdp_session *sdp)
{
	const struct sdp_media *m;

	if (sdp_attr_find(&sdp->lines, "ice-ufrag", NULL))
		return true;
	for (m = sdp->media; m; m = m->next)
		if (sdp_attr_find(&m->lines, "ice-ufrag", NULL))
			return true;
	return false;
}

/* After signalling reset what was learned, the nominated addresses
 * stand again: they, not the SDP's address, are where media goes. */
static void relearn(struct rg_media *x)
{
	struct rg_stream *st[2] = { &x->rtp, &x->rtcp };
	socklen_t len;
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (!rg_ice_selected(x->ice, i + 1, &st[i]->learned, &len))
			continue;
		st[i]->latch = RG_LATCH_LOCKED;
	}
}

int rg_ice_sdp_from(struct ng_request *req, const struct sdp_session *sdp,
		    const struct sdp_media *m, struct rg_media *x)
{
	const char *ufrag = attr_value(sdp, m, "ice-ufrag");
	const char *pwd = attr_value(sdp, m, "ice-pwd");
	bool restart = false;

	/* a lite peer never nominates: as between two lite agents (RFC 8445
	 * 6.1.1), media uses the default candidate, and learning applies */
	x->ice_peer = ufrag && pwd && !sdp_attr_find(&sdp->lines, "ice-lite", NULL);
	if (!x->ice_peer)
		return 0;
	if (strlen(ufrag) > RG_ICE_CRED_MAX || strlen(pwd) > RG_ICE_CRED_MAX)
		return ng_fail(req, "ICE credentials longer than %d characters", RG_ICE_CRED_MAX);
	if (!x->ice_ufrag || strcmp(x->ice_ufrag, ufrag) || strcmp(x->ice_pwd, pwd)) {
		/* new credentials after others: the peer restarts ICE, and
		 * rtpgate answers with new ones too (RFC 8839 4.4.1.1.2) */
		restart = x->ice_ufrag && x->ice;
		g_free(x->ice_ufrag);
		g_free(x->ice_pwd);
		x->ice_ufrag = g_strdup(ufrag);
		x->ice_pwd = g_strdup(pwd);
	}
	if (x->ice && rg_ice_set_remote(x->ice, ufrag, pwd))
		return ng_fail(req, "Invalid ICE credentials in media %u", m->index + 1);
	if (restart && rg_ice_restart(x->ice))
		return ng_fail(req, "No randomness for ICE credentials");
	if (x->ice)
		relearn(x);
	return 0;
}

bool rg_ice_wanted(const struct ng_request *req, bool sender_ice,
		   const struct rg_media *x, bool offer)
{
	if (req->ice == NG_ICE_FORCE)
		return true;
	if (req->ice == NG_ICE_REMOVE)
		return false;
	return offer ? sender_ice : x->ice_peer;
}

static int append_candidate(struct ng_request *req, struct sdp_media *m,
			    const struct rg_interface *iface, unsigned port,
			    unsigned component)
{
	char line[RG_ICE_CANDIDATE_MAX];

	if (rg_ice_candidate_line(iface->advertised, port, component, line, sizeof(line)) ||
	    !sdp_attr_append(req->arena, &m->lines, "candidate", line))
		return ng_fail(req, "Request too large");
	return 0;
}

int rg_ice_sdp_to(struct ng_request *req, struct sdp_media *m, struct rg_media *x,
		  const struct rg_interface *iface, bool want, bool offer)
{
	bool one_component = offer ? false : x->mux;

	if (!want) {
		rg_ice_destroy(x->ice);
		x->ice = NULL;
		return 0;
	}
	if (!x->ice) {
		x->ice = rg_ice_create();
		if (!x->ice)
			return ng_fail(req, "ICE agent could not be created");
		if (x->ice_peer && rg_ice_set_remote(x->ice, x->ice_ufrag, x->ice_pwd))
			return ng_fail(req, "Invalid ICE credentials in media %u", m->index + 1);
	}
	if (!sdp_attr_append(req->arena, &m->lines, "ice-ufrag", rg_ice_local_ufrag(x->ice)) ||
	    !sdp_attr_append(req->arena, &m->lines, "ice-pwd", rg_ice_local_pwd(x->ice)))
		return ng_fail(req, "Request too large");
	if (append_candidate(req, m, iface, x->rtp.local_port, 1))
		return -EINVAL;
	if (!one_component && append_candidate(req, m, iface, x->rtcp.local_port, 2))
		return -EINVAL;
	return 0;
}

void rg_media_ice_free(struct rg_media *x)
{
	rg_ice_destroy(x->ice);
	x->ice = NULL;
	g_free(x->ice_ufrag);
	g_free(x->ice_pwd);
	x->ice_ufrag = x->ice_pwd = NULL;
}
