/* call_ice.c - ICE in offers and answers (RFC 8839), see call_ice.h. */
#include "call_ice.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "call.h"
#include "ice.h"
#include "ice_driver.h"
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

/* @x's a=candidate values from @m, kept for an agent made later and
 * given to the one there is. */
static void record_candidates(struct rg_media *x, const struct sdp_media *m)
{
	const struct sdp_line *l = NULL;

	if (x->ice_candidates)
		g_ptr_array_set_size(x->ice_candidates, 0);
	else
		x->ice_candidates = g_ptr_array_new_with_free_func(g_free);
	while ((l = sdp_attr_find(&m->lines, "candidate", l)) &&
	       x->ice_candidates->len < 2 * RG_ICE_COMPONENTS * 8)
		if (l->attr_value)
			g_ptr_array_add(x->ice_candidates, g_strdup(l->attr_value));
}

static void give_candidates(struct rg_media *x)
{
	int family = x->ml->iface->family;
	guint i;

	for (i = 0; x->ice && x->ice_candidates && i < x->ice_candidates->len; i++)
		rg_ice_add_candidate(x->ice, x->ice_candidates->pdata[i], family);
}

int rg_ice_sdp_from(struct ng_request *req, const struct sdp_session *sdp,
		    const struct sdp_media *m, struct rg_media *x)
{
	const char *ufrag = attr_value(sdp, m, "ice-ufrag");
	const char *pwd = attr_value(sdp, m, "ice-pwd");
	bool restart = false;

	x->ice_peer_lite = ufrag && pwd && sdp_attr_find(&sdp->lines, "ice-lite", NULL);
	/* a lite peer never nominates: if rtpgate is lite too (RFC 8445
	 * 6.1.1), media uses the default candidate and learning applies */
	x->ice_peer = ufrag && pwd && !(x->ice_peer_lite && x->ice && !rg_ice_is_full(x->ice));
	if (!ufrag || !pwd)
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
	record_candidates(x, m);
	if (!x->ice)
		return 0;
	if (rg_ice_set_remote(x->ice, ufrag, pwd))
		return ng_fail(req, "Invalid ICE credentials in media %u", m->index + 1);
	if (restart && rg_ice_restart(x->ice))
		return ng_fail(req, "No randomness for ICE credentials");
	if (restart)
		rg_ice_clear_candidates(x->ice);
	if (rg_ice_is_full(x->ice))	/* mux is known now: one component or two */
		rg_ice_set_full(x->ice, rg_ice_controlling(x->ice), x->mux ? 1 : 2);
	give_candidates(x);
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

/* A new agent towards @x: full unless ICE-lite asks otherwise (or there
 * is no driver to send its checks); controlling when rtpgate offers, or
 * when @x is lite (RFC 8445 6.1.1). */
static int make_agent(struct ng_request *req, struct rg_media *x, bool offer,
		      struct rg_ice_driver *driver, unsigned components)
{
	x->ice = rg_ice_create();
	if (!x->ice)
		return ng_fail(req, "ICE agent could not be created");
	if (x->ice_ufrag && rg_ice_set_remote(x->ice, x->ice_ufrag, x->ice_pwd))
		return ng_fail(req, "Invalid ICE credentials in media %u", x->index);
	if (!driver || req->ice_lite & NG_ICE_LITE_FORWARD || x->ice_lite_asked) {
		x->ice_peer = x->ice_peer && !x->ice_peer_lite;
		return 0;
	}
	rg_ice_set_full(x->ice, offer || x->ice_peer_lite, components);
	give_candidates(x);
	x->ice_driver = driver;
	rg_ice_driver_add(driver, x);
	return 0;
}

int rg_ice_sdp_to(struct ng_request *req, struct sdp_media *m, struct rg_media *x,
		  const struct rg_interface *iface, bool want, bool offer,
		  struct rg_ice_driver *driver)
{
	bool one_component = offer ? false : x->mux;

	if (!want) {
		rg_media_ice_free(x);
		return 0;
	}
	if (!x->ice && make_agent(req, x, offer, driver, one_component ? 1 : 2))
		return -EINVAL;
	if (!sdp_attr_append(req->arena, &m->lines, "ice-ufrag", rg_ice_local_ufrag(x->ice)) ||
	    !sdp_attr_append(req->arena, &m->lines, "ice-pwd", rg_ice_local_pwd(x->ice)))
		return ng_fail(req, "Request too large");
	if (append_candidate(req, m, iface, x->rtp.local_port, 1))
		return -EINVAL;
	if (!one_component && append_candidate(req, m, iface, x->rtcp.local_port, 2))
		return -EINVAL;
	return 0;
}

bool rg_ice_sdp_lite(const struct rg_media *x)
{
	return x->ice && !rg_ice_is_full(x->ice);
}

void rg_media_ice_free(struct rg_media *x)
{
	if (x->ice_driver)
		rg_ice_driver_remove(x->ice_driver, x);
	x->ice_driver = NULL;
	rg_ice_destroy(x->ice);
	x->ice = NULL;
}

void rg_media_ice_forget(struct rg_media *x)
{
	rg_media_ice_free(x);
	g_free(x->ice_ufrag);
	g_free(x->ice_pwd);
	x->ice_ufrag = x->ice_pwd = NULL;
	if (x->ice_candidates)
		g_ptr_array_free(x->ice_candidates, TRUE);
	x->ice_candidates = NULL;
}
