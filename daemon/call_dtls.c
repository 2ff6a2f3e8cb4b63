/* call_dtls.c - DTLS-SRTP in offers and answers (RFC 5763, RFC 8842),
 * see call_crypto.h.
 *
 * rtpgate's a=setup: actpass in offers (RFC 8842 5.2 requires it of an
 * offerer), and in answers passive -- the peer is then the DTLS client and
 * drives retransmission -- unless the offerer said passive, which makes
 * rtpgate active. DTLS=passive / DTLS=active force the role. The
 * endpoint for a party is made as soon as rtpgate's role towards it is
 * known, without the peer's fingerprint if its SDP has not come yet (a
 * browser answering an offer may start its handshake before its answer
 * reaches rtpgate); the fingerprint is checked when it arrives.
 *
 * A re-offer or re-answer with the same fingerprint and role keeps the
 * endpoint and its keys; anything else starts a new handshake.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "call.h"
#include "call_crypto.h"
#include "log.h"
#include "srtp.h"

/* a=fingerprint:<hash> <hex> of @m, else of the session */
static const struct sdp_line *find_fingerprint(const struct sdp_session *sdp,
					       const struct sdp_media *m)
{
	const struct sdp_line *l = sdp_attr_find(&m->lines, "fingerprint", NULL);

	return l ? l : sdp_attr_find(&sdp->lines, "fingerprint", NULL);
}

static const struct sdp_line *find_setup(const struct sdp_session *sdp,
					 const struct sdp_media *m)
{
	const struct sdp_line *l = sdp_attr_find(&m->lines, "setup", NULL);

	return l ? l : sdp_attr_find(&sdp->lines, "setup", NULL);
}

/* Splits "<hash> <hex>" into @c's fp_hash and fp. */
static int record_fingerprint(struct ng_request *req, struct rg_media_crypto *c,
			      const struct sdp_line *l)
{
	const char *v = l && l->attr_value ? l->attr_value : NULL;
	const char *sp = v ? strchr(v, ' ') : NULL;
	size_t hlen;

	if (!sp)
		return ng_fail(req, "DTLS-SRTP media without a usable a=fingerprint line");
	hlen = (size_t)(sp - v);
	while (*sp == ' ')
		sp++;
	if (!hlen || hlen >= sizeof(c->fp_hash) || !*sp || strlen(sp) >= sizeof(c->fp))
		return ng_fail(req, "Malformed a=fingerprint: '%s'", v);
	memcpy(c->fp_hash, v, hlen);
	c->fp_hash[hlen] = '\0';
	snprintf(c->fp, sizeof(c->fp), "%s", sp);
	return 0;
}

/* The endpoint for @c in @role: kept if it has that role and already
 * checks against the fingerprint now recorded (or has none yet), else
 * made anew. */
void rg_dtls_finish(struct rg_media_crypto *c, const char *call_id, unsigned port)
{
	enum rg_dtls_state state = rg_dtls_state(c->ep);
	struct rg_srtp *in = NULL, *out = NULL;
	struct sdes_crypto tx, rx;
	const char *err = NULL;

	atomic_store_explicit(&c->outcome, (int)state, memory_order_relaxed);
	if (c->active || state != RG_DTLS_DONE) {
		if (state == RG_DTLS_FAILED && !c->failure_logged)
			rg_log_call(LOG_WARNING, call_id, "DTLS-SRTP on port %u failed: %s",
				    port, rg_dtls_error(c->ep));
		c->failure_logged |= state == RG_DTLS_FAILED;
		return;
	}
	if (rg_dtls_srtp_keys(c->ep, &tx, &rx) == 0) {
		in = rg_srtp_create(RG_SRTP_UNPROTECT, &rx, &err);
		out = in ? rg_srtp_create(RG_SRTP_PROTECT, &tx, &err) : NULL;
	}
	if (!out) {
		rg_srtp_destroy(in);
		atomic_store_explicit(&c->outcome, RG_DTLS_FAILED, memory_order_relaxed);
		if (!c->failure_logged)
			rg_log_call(LOG_WARNING, call_id, "DTLS-SRTP keys on port %u refused: %s",
				    port, err ? err : "export failed");
		c->failure_logged = true;
	} else {
		c->rx = in;
		c->tx = out;
		c->rx_key = rx;
		c->tx_key = tx;
		c->active = true;
		rg_log_call(LOG_INFO, call_id, "DTLS-SRTP on port %u established (%s)",
			    port, rx.suite->name);
	}
	explicit_bzero(&tx, sizeof(tx));
	explicit_bzero(&rx, sizeof(rx));
}

static int ensure_endpoint(struct ng_request *req, struct rg_media *x,
			   enum rg_dtls_role role, const struct rg_dtls_cert *cert,
			   bool with_fp)
{
	struct rg_media_crypto *c = x->crypto;
	const char *err = NULL;

	if (!cert)
		return ng_fail(req, "DTLS-SRTP is not available: no certificate");
	if (c->ep && c->role == role && rg_dtls_state(c->ep) != RG_DTLS_FAILED) {
		if (!with_fp || (!strcmp(c->fp, c->ep_fp) &&
				 !strcasecmp(c->fp_hash, c->ep_fp_hash)))
			return 0;
		if (!c->ep_fp[0]) {	/* the first fingerprint for it */
			if (rg_dtls_set_peer_fingerprint(c->ep, c->fp_hash, c->fp))
				return ng_fail(req, "Unusable a=fingerprint '%s %s'",
					       c->fp_hash, c->fp);
			memcpy(c->ep_fp, c->fp, sizeof(c->ep_fp));
			memcpy(c->ep_fp_hash, c->fp_hash, sizeof(c->ep_fp_hash));
			/* the handshake may have ended before the fingerprint
			 * came (a browser answering): keys now, or failure */
			rg_dtls_finish(c, x->ml->call->id, x->rtp.local_port);
			return 0;
		}
	}
	rg_media_crypto_reset(c);
	rg_dtls_client_stop(c);
	rg_dtls_destroy(c->ep);
	c->ep = rg_dtls_create(cert, role, with_fp ? c->fp_hash : NULL,
			       with_fp ? c->fp : NULL, &err);
	c->role = role;
	c->started = false;
	c->failure_logged = false;
	atomic_store_explicit(&c->outcome, RG_DTLS_HANDSHAKING, memory_order_relaxed);
	c->ep_fp[0] = c->ep_fp_hash[0] = '\0';
	if (!c->ep)
		return ng_fail(req, "DTLS-SRTP refused: %s", err ? err : "unknown error");
	if (with_fp) {
		memcpy(c->ep_fp, c->fp, sizeof(c->ep_fp));
		memcpy(c->ep_fp_hash, c->fp_hash, sizeof(c->ep_fp_hash));
	}
	return 0;
}

/* @x's crypto state as a DTLS party's: one that was plain or SDES starts
 * with no keys, offers or remote fingerprint. */
static struct rg_media_crypto *dtls_party(struct rg_media *x)
{
	struct rg_media_crypto *c = rg_media_crypto_get(x);

	if (!c->dtls) {
		rg_media_crypto_reset(c);
		c->n_offered = c->n_remote = 0;
		c->dtls = true;
		c->fp[0] = c->fp_hash[0] = c->setup[0] = '\0';
	}
	return c;
}

void rg_sdp_remove_dtls_attrs(struct sdp_lines *lines)
{
	sdp_attr_remove(lines, "fingerprint");
	sdp_attr_remove(lines, "setup");
	sdp_attr_remove(lines, "tls-id");
}

int rg_dtls_sdp_from(struct ng_request *req, const struct sdp_session *sdp,
		     struct sdp_media *m, struct rg_media *x, bool offer,
		     const struct rg_dtls_cert *cert)
{
	struct rg_media_crypto *c = dtls_party(x);
	const struct sdp_line *setup = find_setup(sdp, m);
	enum rg_dtls_role role;
	int rc;

	rc = record_fingerprint(req, c, find_fingerprint(sdp, m));
	if (rc)
		return rc;
	snprintf(c->setup, sizeof(c->setup), "%s",
		 setup && setup->attr_value ? setup->attr_value : "actpass");
	rg_sdp_remove_dtls_attrs(&m->lines);
	sdp_attr_remove(&m->lines, "crypto");
	if (offer)	/* the role is decided by the answer rtpgate sends */
		return 0;
	/* the answerer's a=setup names its role; rtpgate takes the other */
	if (!strcasecmp(c->setup, "passive"))
		role = RG_DTLS_CLIENT;
	else if (!strcasecmp(c->setup, "active") || !strcasecmp(c->setup, "actpass"))
		role = RG_DTLS_SERVER;
	else
		return ng_fail(req, "Unusable a=setup:%s in a DTLS-SRTP answer", c->setup);
	return ensure_endpoint(req, x, role, cert, true);
}

/* rtpgate's a=setup towards @c's party, and the role it makes rtpgate. */
static const char *our_setup(const struct ng_request *req, const struct rg_media_crypto *c,
			     bool offer, enum rg_dtls_role *role)
{
	bool peer_passive = !offer && !strcasecmp(c->setup, "passive");

	if (req->dtls == NG_DTLS_ACTIVE || (req->dtls != NG_DTLS_PASSIVE && peer_passive)) {
		*role = RG_DTLS_CLIENT;
		return "active";
	}
	*role = RG_DTLS_SERVER;
	return offer && req->dtls != NG_DTLS_PASSIVE ? "actpass" : "passive";
}

int rg_dtls_sdp_to(struct ng_request *req, struct sdp_media *m, struct rg_media *x,
		   bool offer, const struct rg_dtls_cert *cert)
{
	struct rg_media_crypto *c = dtls_party(x);
	char fp[RG_DTLS_FP_MAX + 16], mine[RG_DTLS_FP_MAX];
	const char *hash = req->dtls_hash ? req->dtls_hash : "sha-256";
	enum rg_dtls_role role;
	const char *setup;

	setup = our_setup(req, c, offer, &role);
	if (!cert || rg_dtls_cert_fingerprint(cert, hash, mine, sizeof(mine)) < 0)
		return ng_fail(req, "DTLS-SRTP is not available: no certificate");
	snprintf(fp, sizeof(fp), "%s %s", hash, mine);
	rg_sdp_remove_dtls_attrs(&m->lines);
	sdp_attr_remove(&m->lines, "crypto");
	if (!sdp_attr_append(req->arena, &m->lines, "fingerprint", fp) ||
	    !sdp_attr_append(req->arena, &m->lines, "setup", setup))
		return ng_fail(req, "Request too large");
	return ensure_endpoint(req, x, role, cert, c->fp[0] != '\0');
}
