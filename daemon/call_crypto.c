/* call_crypto.c - SDES between SRTP and plain RTP parties, see call_crypto.h. */
#include "call_crypto.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "call.h"
#include "srtp.h"

/* What rtpgate offers, in this order: the widely deployed suites first. */
static const enum sdes_suite_id offer_order[] = {
	SDES_AES_CM_128_HMAC_SHA1_80,
	SDES_AES_CM_128_HMAC_SHA1_32,
	SDES_AEAD_AES_256_GCM,
	SDES_AEAD_AES_128_GCM,
	SDES_AES_256_CM_HMAC_SHA1_80,
	SDES_AES_256_CM_HMAC_SHA1_32,
};

bool rg_proto_is_sdes(const char *proto)
{
	return !strcmp(proto, "RTP/SAVP") || !strcmp(proto, "RTP/SAVPF");
}

enum rg_crypto_kind rg_proto_crypto_kind(const char *proto)
{
	if (rg_proto_is_sdes(proto))
		return RG_CRYPTO_SDES;
	if (!strcmp(proto, "UDP/TLS/RTP/SAVP") || !strcmp(proto, "UDP/TLS/RTP/SAVPF"))
		return RG_CRYPTO_DTLS;
	return RG_CRYPTO_PLAIN;
}

static const struct sdes_suite *suite_by_id(enum sdes_suite_id id)
{
	const struct sdes_suite *s;
	size_t i;

	for (i = 0; (s = sdes_suite_at(i)); i++)
		if (s->id == id)
			return s;
	return NULL;
}

static bool suite_allowed(const struct ng_sdes_opts *o, const struct sdes_suite *s)
{
	if (!s || !s->supported || ng_strlist_has(&o->no, s->name))
		return false;
	return !o->only.n || ng_strlist_has(&o->only, s->name);
}

/* A fresh master key and salt for @suite under @tag, from the CSPRNG. */
static int make_key(const struct sdes_suite *suite, uint32_t tag, struct sdes_crypto *c)
{
	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->suite = suite;
	if (getrandom(c->key, suite->key_len, 0) != suite->key_len ||
	    getrandom(c->salt, suite->salt_len, 0) != suite->salt_len)
		return -EIO;
	return 0;
}

struct rg_media_crypto *rg_media_crypto_get(struct rg_media *m)
{
	if (!m->crypto)
		m->crypto = g_new0(struct rg_media_crypto, 1);
	return m->crypto;
}

void rg_media_crypto_reset(struct rg_media_crypto *c)
{
	rg_srtp_destroy(c->rx);
	rg_srtp_destroy(c->tx);
	c->rx = c->tx = NULL;
	c->active = false;
	explicit_bzero(&c->rx_key, sizeof(c->rx_key));
	explicit_bzero(&c->tx_key, sizeof(c->tx_key));
}

void rg_dtls_client_stop(struct rg_media_crypto *c)
{
	if (c->client_timer)
		g_source_remove(c->client_timer);
	c->client_timer = 0;
}

void rg_media_crypto_free(struct rg_media *m)
{
	if (!m->crypto)
		return;
	rg_media_crypto_reset(m->crypto);
	rg_dtls_client_stop(m->crypto);
	rg_dtls_destroy(m->crypto->ep);
	explicit_bzero(m->crypto, sizeof(*m->crypto));
	g_free(m->crypto);
	m->crypto = NULL;
}

static int append_crypto(struct ng_request *req, struct sdp_media *m,
			 const struct sdes_crypto *c)
{
	char value[SDES_WRITE_MAX];

	if (sdes_write(c, value, sizeof(value)) < 0 ||
	    !sdp_attr_append(req->arena, &m->lines, "crypto", value))
		return ng_fail(req, "Request too large");
	return 0;
}

/* Keys for the receiver: made once, offered again unchanged on re-offers
 * so that a re-INVITE does not re-key. */
static int offer_our_keys(struct ng_request *req, struct sdp_media *m,
			  struct rg_media_crypto *rc)
{
	const struct sdes_suite *s;
	unsigned i;
	int rc_;

	if (!rc->n_offered) {
		for (i = 0; i < G_N_ELEMENTS(offer_order); i++) {
			s = suite_by_id(offer_order[i]);
			if (!suite_allowed(&req->sdes, s))
				continue;
			rc_ = make_key(s, rc->n_offered + 1, &rc->offered[rc->n_offered]);
			if (rc_)
				return ng_fail(req, "No randomness for SRTP keys");
			rc->offered[rc->n_offered].flags = req->sdes.flags &
				(s->aead ? ~SDES_UNAUTHENTICATED_SRTP : ~0u);
			rc->n_offered++;
		}
	}
	if (!rc->n_offered)
		return ng_fail(req, "SDES options leave no crypto suite to offer");
	for (i = 0; i < rc->n_offered; i++)
		if (append_crypto(req, m, &rc->offered[i]))
			return -EINVAL;
	return 0;
}

/* The a=crypto lines of @m that parse, at most RG_SDES_OFFER_MAX. */
static unsigned parse_cryptos(const struct sdp_media *m, struct sdes_crypto *out)
{
	const struct sdp_line *l = NULL;
	unsigned n = 0;

	while (n < RG_SDES_OFFER_MAX && (l = sdp_attr_find(&m->lines, "crypto", l)))
		if (l->attr_value && !sdes_parse(l->attr_value, strlen(l->attr_value), &out[n], NULL))
			n++;
	return n;
}

/* The offerer's side: SDES keys kept for the answer, DTLS parameters
 * recorded; what it said about its keys is not for the receiver. */
static int offer_from(struct ng_request *req, const struct sdp_session *sdp,
		      struct sdp_media *m, enum rg_crypto_kind kind,
		      struct rg_media *sm, const struct rg_dtls_cert *cert)
{
	struct rg_media_crypto *c;

	if (kind == RG_CRYPTO_PLAIN) {
		rg_media_crypto_free(sm);
		return 0;
	}
	if (kind == RG_CRYPTO_DTLS)
		return rg_dtls_sdp_from(req, sdp, m, sm, true, cert);
	c = rg_media_crypto_get(sm);
	c->n_remote = parse_cryptos(m, c->remote);
	sdp_attr_remove(&m->lines, "crypto");
	if (!c->n_remote)
		return ng_fail(req, "SRTP offer without a usable a=crypto line");
	return 0;
}

/* The receiver's side: rtpgate's SDES keys or DTLS parameters. */
static int offer_to(struct ng_request *req, struct sdp_media *m,
		    enum rg_crypto_kind kind, struct rg_media *rm,
		    const struct rg_dtls_cert *cert)
{
	if (kind == RG_CRYPTO_PLAIN) {
		rg_media_crypto_free(rm);
		return 0;
	}
	if (kind == RG_CRYPTO_DTLS)
		return rg_dtls_sdp_to(req, m, rm, true, cert);
	if (req->sdes.off)
		return ng_fail(req, "Unsupported option 'SDES-off' with %s: use UDP/TLS/RTP/SAVP(F) for DTLS-SRTP",
			       m->proto);
	if (rm->crypto && rm->crypto->dtls)	/* was DTLS: start afresh */
		rg_media_crypto_free(rm);
	return offer_our_keys(req, m, rg_media_crypto_get(rm));
}

/* Each party is plain, SDES or DTLS by the protocol it sees; SDES on both
 * sides with no change passes through untouched, DTLS never does. */
int rg_crypto_offer(struct ng_request *req, const struct sdp_session *sdp,
		    struct sdp_media *m, const char *in_proto,
		    struct rg_media *sm, struct rg_media *rm,
		    const struct rg_dtls_cert *cert)
{
	enum rg_crypto_kind in = rg_proto_crypto_kind(in_proto);
	enum rg_crypto_kind out = rg_proto_crypto_kind(m->proto);
	int rc;

	if (in == out && in != RG_CRYPTO_DTLS) {
		rg_media_crypto_free(sm);
		rg_media_crypto_free(rm);
		return 0;
	}
	if (req->dtls == NG_DTLS_OFF && (in == RG_CRYPTO_DTLS || out == RG_CRYPTO_DTLS))
		return ng_fail(req, "Unsupported option 'DTLS=off' with a UDP/TLS/RTP/SAVP(F) party");
	rc = offer_from(req, sdp, m, in, sm, cert);
	return rc ? rc : offer_to(req, m, out, rm, cert);
}

static bool same_key(const struct sdes_crypto *a, const struct sdes_crypto *b)
{
	return a->suite == b->suite && a->tag == b->tag && a->mki == b->mki &&
	       a->mki_len == b->mki_len &&
	       !memcmp(a->key, b->key, a->suite->key_len) &&
	       !memcmp(a->salt, b->salt, a->suite->salt_len);
}

/* SRTP contexts for @c's party: @rx unprotects what it sends, @tx protects
 * what it is sent. Unchanged keys keep their contexts (rollover counters,
 * replay windows); changed ones start afresh (re-keying). */
static int start_contexts(struct ng_request *req, struct rg_media_crypto *c,
			  const struct sdes_crypto *rx, const struct sdes_crypto *tx)
{
	struct rg_srtp *in, *out;
	const char *err = NULL;

	if (c->active && same_key(&c->rx_key, rx) && same_key(&c->tx_key, tx))
		return 0;
	in = rg_srtp_create(RG_SRTP_UNPROTECT, rx, &err);
	out = in ? rg_srtp_create(RG_SRTP_PROTECT, tx, &err) : NULL;
	if (!out) {
		rg_srtp_destroy(in);
		return ng_fail(req, "SRTP keys refused: %s", err ? err : "unknown error");
	}
	rg_media_crypto_reset(c);
	c->rx = in;
	c->tx = out;
	c->rx_key = *rx;
	c->tx_key = *tx;
	c->active = true;
	return 0;
}

/* The receiver answered SRTP to the keys rtpgate offered it. */
static int answer_from_srtp(struct ng_request *req, struct sdp_media *m,
			    struct rg_media *sm)
{
	struct sdes_crypto theirs[RG_SDES_OFFER_MAX];
	struct rg_media_crypto *c = sm->crypto;
	unsigned n = parse_cryptos(m, theirs), i;

	sdp_attr_remove(&m->lines, "crypto");
	if (!c || !c->n_offered)
		return ng_fail(req, "SRTP answer to an offer that carried no rtpgate keys");
	if (!n)
		return ng_fail(req, "SRTP answer without a usable a=crypto line");
	for (i = 0; i < c->n_offered; i++)
		if (c->offered[i].tag == theirs[0].tag && c->offered[i].suite == theirs[0].suite)
			return start_contexts(req, c, &theirs[0], &c->offered[i]);
	return ng_fail(req, "SRTP answer chose crypto tag %u, which rtpgate did not offer",
		       theirs[0].tag);
}

/* The offerer offered SRTP and the receiver answered plain: the answer to
 * the offerer carries rtpgate's key for the first suite it can key. */
static int answer_to_srtp(struct ng_request *req, struct sdp_media *m,
			  struct rg_media *rm)
{
	struct rg_media_crypto *c = rm->crypto;
	const struct sdes_crypto *chosen = NULL;
	struct sdes_crypto ours;
	unsigned i;

	for (i = 0; c && i < c->n_remote && !chosen; i++)
		if (c->remote[i].suite->supported)
			chosen = &c->remote[i];
	if (!chosen)
		return ng_fail(req, "None of the offered SRTP crypto suites is supported");
	if (c->active && same_key(&c->rx_key, chosen))
		ours = c->tx_key;	/* a repeated answer keeps its key */
	else if (make_key(chosen->suite, chosen->tag, &ours))
		return ng_fail(req, "No randomness for SRTP keys");
	else	/* session parameters apply to both directions (RFC 4568 6.3) */
		ours.flags = chosen->flags;
	sdp_attr_remove(&m->lines, "crypto");
	if (start_contexts(req, c, chosen, &ours))
		return -EINVAL;
	return append_crypto(req, m, &ours);
}

int rg_crypto_answer(struct ng_request *req, const struct sdp_session *sdp,
		     struct sdp_media *m, const char *in_proto,
		     struct rg_media *sm, struct rg_media *rm,
		     const struct rg_dtls_cert *cert)
{
	enum rg_crypto_kind in = rg_proto_crypto_kind(in_proto);
	enum rg_crypto_kind out = rg_proto_crypto_kind(m->proto);
	int rc = 0;

	if (in == out && in != RG_CRYPTO_DTLS) {
		rg_media_crypto_free(sm);
		rg_media_crypto_free(rm);
		return 0;
	}
	if (in == RG_CRYPTO_SDES)	/* the answerer's side */
		rc = answer_from_srtp(req, m, sm);
	else if (in == RG_CRYPTO_DTLS)
		rc = rg_dtls_sdp_from(req, sdp, m, sm, false, cert);
	else
		rg_media_crypto_free(sm);
	if (rc)
		return rc;
	if (out == RG_CRYPTO_SDES)	/* the offerer's side */
		return answer_to_srtp(req, m, rm);
	if (out == RG_CRYPTO_DTLS)
		return rg_dtls_sdp_to(req, m, rm, false, cert);
	rg_media_crypto_free(rm);
	return 0;
}
