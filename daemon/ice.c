/* ice.c - the agent of ice.h: credentials, host candidate lines and the
 * answers to connectivity checks; the checks a full agent sends are
 * ice_checks.c's. The STUN wire format is lib/stun's; this file decides
 * what to say, never how to encode it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ice.h"
#include "ice_private.h"
#include "stun.h"

#define HOST_TYPE_PREF		126	/* RFC 8445 5.1.2.2 */
#define HOST_LOCAL_PREF		65535	/* one address per component */
#define LOCAL_UFRAG_MIN		4	/* RFC 8839 5.4 */
#define LOCAL_PWD_MIN		22

_Static_assert(RG_ICE_UFRAG_LEN >= LOCAL_UFRAG_MIN &&
	       RG_ICE_PWD_LEN >= LOCAL_PWD_MIN, "RFC 8839 minimum lengths");
_Static_assert(RG_ICE_PWD_LEN * 6 >= 128 && RG_ICE_UFRAG_LEN * 6 >= 24,
	       "RFC 8445 5.3: 24 random bits of ufrag, 128 of pwd");

/* RFC 8839 5.4: ice-char = ALPHA / DIGIT / "+" / "/"; 64 of them, so
 * one random byte's low six bits pick one without bias. */
static const char ice_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The error responses, RFC 8489 14.8 reason phrases. */
static const struct {
	unsigned code;
	const char *reason;
	enum rg_ice_event ev;
} errors[] = {
	{ 400, "Bad Request", RG_ICE_EV_BAD_REQUEST },
	{ 401, "Unauthenticated", RG_ICE_EV_UNAUTHENTICATED },
	{ 420, "Unknown Attribute", RG_ICE_EV_UNKNOWN_ATTR },
	{ 487, "Role Conflict", RG_ICE_EV_ROLE_CONFLICT },
};

static const char *const event_names[RG_ICE_EV_COUNT] = {
	[RG_ICE_EV_SUCCESS] = "success",
	[RG_ICE_EV_NOMINATED] = "nominated",
	[RG_ICE_EV_KEEPALIVE] = "keepalive",
	[RG_ICE_EV_IGNORED] = "ignored",
	[RG_ICE_EV_MALFORMED] = "malformed",
	[RG_ICE_EV_FINGERPRINT] = "bad-fingerprint",
	[RG_ICE_EV_BAD_REQUEST] = "bad-request",
	[RG_ICE_EV_UNAUTHENTICATED] = "unauthenticated",
	[RG_ICE_EV_UNKNOWN_ATTR] = "unknown-attribute",
	[RG_ICE_EV_ROLE_CONFLICT] = "role-conflict",
	[RG_ICE_EV_CHECK_SUCCEEDED] = "check-succeeded",
	[RG_ICE_EV_CHECK_FAILED] = "check-failed",
};

/* ---- credentials ---- */

/* @n random ice-chars and a NUL into @out. */
static int random_chars(char *out, size_t n)
{
	uint8_t raw[RG_ICE_PWD_LEN];
	size_t i;

	if (n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n)
		return -EIO;
	for (i = 0; i < n; i++)
		out[i] = ice_chars[raw[i] & 63];
	out[n] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

static bool valid_cred(const char *s, size_t min)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, RG_ICE_CRED_MAX + 1);
	return n >= min && n <= RG_ICE_CRED_MAX && strspn(s, ice_chars) == n;
}

/* A restart begins: keep the generation in use, unless one is kept
 * already (then @cur was never used and need not be). */
static void keep_previous(struct rg_ice *ice)
{
	if (!ice->has_prev) {
		ice->prev = ice->cur;
		ice->has_prev = true;
	}
}

struct rg_ice *rg_ice_create(void)
{
	struct rg_ice *ice = calloc(1, sizeof(*ice));

	if (!ice)
		return NULL;
	if (random_chars(ice->cur.lufrag, RG_ICE_UFRAG_LEN) ||
	    random_chars(ice->cur.lpwd, RG_ICE_PWD_LEN) ||
	    getrandom(&ice->tiebreaker, sizeof(ice->tiebreaker), 0) !=
		    (ssize_t)sizeof(ice->tiebreaker) ||
	    pthread_mutex_init(&ice->lock, NULL)) {
		free(ice);
		return NULL;
	}
	ice->components = RG_ICE_COMPONENTS;
	return ice;
}

void rg_ice_destroy(struct rg_ice *ice)
{
	if (!ice)
		return;
	pthread_mutex_destroy(&ice->lock);
	explicit_bzero(ice, sizeof(*ice));
	free(ice);
}

const char *rg_ice_local_ufrag(const struct rg_ice *ice)
{
	return ice->cur.lufrag;
}

const char *rg_ice_local_pwd(const struct rg_ice *ice)
{
	return ice->cur.lpwd;
}

const char *rg_ice_remote_ufrag(const struct rg_ice *ice)
{
	return ice->cur.rufrag;
}

const char *rg_ice_remote_pwd(const struct rg_ice *ice)
{
	return ice->cur.rpwd;
}

int rg_ice_set_remote(struct rg_ice *ice, const char *ufrag, const char *pwd)
{
	if (!valid_cred(ufrag, 1) || !valid_cred(pwd, 1))
		return -EINVAL;
	pthread_mutex_lock(&ice->lock);
	if (strcmp(ice->cur.rufrag, ufrag) || strcmp(ice->cur.rpwd, pwd)) {
		if (ice->cur.rufrag[0])
			keep_previous(ice);
		strcpy(ice->cur.rufrag, ufrag);
		strcpy(ice->cur.rpwd, pwd);
	}
	pthread_mutex_unlock(&ice->lock);
	return 0;
}

int rg_ice_restart(struct rg_ice *ice)
{
	char ufrag[RG_ICE_UFRAG_LEN + 1], pwd[RG_ICE_PWD_LEN + 1];

	if (random_chars(ufrag, RG_ICE_UFRAG_LEN) ||
	    random_chars(pwd, RG_ICE_PWD_LEN))
		return -EIO;
	pthread_mutex_lock(&ice->lock);
	keep_previous(ice);
	strcpy(ice->cur.lufrag, ufrag);
	strcpy(ice->cur.lpwd, pwd);
	pthread_mutex_unlock(&ice->lock);
	explicit_bzero(pwd, sizeof(pwd));
	return 0;
}

int rg_ice_set_local(struct rg_ice *ice, const char *ufrag, const char *pwd)
{
	if (!valid_cred(ufrag, LOCAL_UFRAG_MIN) ||
	    !valid_cred(pwd, LOCAL_PWD_MIN))
		return -EINVAL;
	pthread_mutex_lock(&ice->lock);
	strcpy(ice->cur.lufrag, ufrag);
	strcpy(ice->cur.lpwd, pwd);
	pthread_mutex_unlock(&ice->lock);
	return 0;
}

/* ---- candidates ---- */

uint32_t rg_ice_priority(unsigned type_pref, unsigned local_pref,
			 unsigned component)
{
	if (type_pref > 126)
		type_pref = 126;
	if (local_pref > 65535)
		local_pref = 65535;
	if (component < 1)
		component = 1;
	if (component > 256)
		component = 256;
	return ((uint32_t)type_pref << 24) + ((uint32_t)local_pref << 8) +
	       (256 - component);
}

/* RFC 8445 5.1.1.3: one foundation per type, base address and transport;
 * all candidates here are UDP host ones, so the address decides. */
static uint32_t foundation(const uint8_t *addr, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h;
}

int rg_ice_candidate_line(const char *addr, unsigned port, unsigned component,
			  char *out, size_t outlen)
{
	static const uint8_t zero[16];
	char text[INET6_ADDRSTRLEN];
	uint8_t bin[16];
	int family = AF_INET6, n;
	size_t alen = 16;

	if (!addr || port < 1 || port > 65535 || component < 1 ||
	    component > RG_ICE_COMPONENTS)
		return -EINVAL;
	if (inet_pton(AF_INET, addr, bin) == 1) {
		family = AF_INET;
		alen = 4;
	} else if (inet_pton(AF_INET6, addr, bin) != 1) {
		return -EINVAL;
	}
	if (!memcmp(bin, zero, alen) || !inet_ntop(family, bin, text, sizeof(text)))
		return -EINVAL;
	n = snprintf(out, outlen, "%" PRIu32 " %u UDP %" PRIu32 " %s %u typ host",
		     foundation(bin, alen), component,
		     rg_ice_priority(HOST_TYPE_PREF, HOST_LOCAL_PREF, component),
		     text, port);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen)
			out[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

/* ---- checks ---- */

int ice_counted(struct rg_ice *ice, enum rg_ice_event ev, int ret)
{
	__atomic_fetch_add(&ice->count[ev], 1, __ATOMIC_RELAXED);
	return ret;
}

static bool bytes_are(const uint8_t *p, size_t n, const char *s)
{
	return strlen(s) == n && !memcmp(p, s, n);
}

/* RFC 8445 7.3: "<receiver's ufrag>:<sender's ufrag>"; the sender's part
 * is checked once its SDP has told it. */
static bool username_matches(const struct ice_creds *c,
			     const struct stun_bytes *u)
{
	const uint8_t *colon;
	size_t llen, rlen;

	if (!u->len)
		return false;
	colon = memchr(u->data, ':', u->len);
	if (!colon)
		return false;
	llen = (size_t)(colon - u->data);
	rlen = u->len - llen - 1;
	if (!rlen || !bytes_are(u->data, llen, c->lufrag))
		return false;
	return !c->rufrag[0] || bytes_are(colon + 1, rlen, c->rufrag);
}

/* RFC 8489 9.1.3: 0 with the generation @m authenticates with in
 * *@creds, 400 or 401 if it does not, or -ENOMEM. */
static int authenticate(const struct rg_ice *ice, const struct stun_msg *m,
			const struct ice_creds **creds)
{
	const struct ice_creds *c = NULL;
	int err;

	if (!(m->present & STUN_HAS_USERNAME) ||
	    !(m->present & STUN_HAS_INTEGRITY))
		return 400;
	if (username_matches(&ice->cur, &m->username))
		c = &ice->cur;
	else if (ice->has_prev && username_matches(&ice->prev, &m->username))
		c = &ice->prev;
	if (!c)
		return 401;
	err = stun_check_integrity(m, (const uint8_t *)c->lpwd, strlen(c->lpwd));
	if (err == -EACCES)
		return 401;
	if (err)
		return err;
	*creds = c;
	return 0;
}

/* What an authenticated request lacks or has too much of: an error code,
 * or 0 (RFC 8489 6.3.1, RFC 8445 7.1.1, 7.1.3). A role conflict (RFC 8445
 * 7.3.1.1) is settled by the tie-breakers: the larger one controls. A
 * lite agent is always controlled, as if its tie-breaker were the
 * smallest against a controlling peer and the largest against a
 * controlled one. */
static int check_request(struct rg_ice *ice, const struct stun_msg *m)
{
	bool controlling = m->present & STUN_HAS_ICE_CONTROLLING;
	bool controlled = m->present & STUN_HAS_ICE_CONTROLLED;

	if (m->n_unknown)
		return 420;
	if (!(m->present & STUN_HAS_PRIORITY) || controlling == controlled)
		return 400;
	if (controlling && ice->controlling) {
		if (ice->tiebreaker >= m->ice_controlling)
			return 487;
		ice->controlling = false;
	} else if (controlled && !ice->controlling) {
		if (!ice->full || ice->tiebreaker < m->ice_controlled)
			return 487;
		ice->controlling = true;
	}
	return 0;
}

/* The response to @m: success (@code 0) or error @code, with
 * MESSAGE-INTEGRITY if @c (the request authenticated), always with
 * FINGERPRINT. Everything read from @m was copied out of the datagram,
 * so @resp may be that datagram. */
static int write_response(const struct stun_msg *m, const struct ice_creds *c,
			  int code, const struct sockaddr *from,
			  uint8_t *resp, size_t cap)
{
	unsigned flags = STUN_FINISH_FINGERPRINT, i;
	struct stun_builder b;

	stun_builder_init(&b, resp, cap, STUN_METHOD_BINDING,
			  code ? STUN_ERROR : STUN_SUCCESS, m->tid);
	if (!code)
		stun_builder_add_xor_address(&b, from);
	for (i = 0; code && i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == (unsigned)code)
			stun_builder_add_error(&b, errors[i].code, errors[i].reason,
					       strlen(errors[i].reason));
	if (code == 420)
		stun_builder_add_unknown(&b, m->unknown, m->n_unknown);
	if (c)
		flags |= STUN_FINISH_INTEGRITY;
	return stun_builder_finish(&b, c ? (const uint8_t *)c->lpwd : NULL,
				   c ? strlen(c->lpwd) : 0, flags);
}

static enum rg_ice_event error_event(int code)
{
	unsigned i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].code == (unsigned)code)
			return errors[i].ev;
	return RG_ICE_EV_BAD_REQUEST;
}

bool ice_same_address(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       a6->sin6_scope_id == b6->sin6_scope_id &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

/* A check succeeded: the restart (if any) is over once the new
 * credentials are used; USE-CANDIDATE selects @from (RFC 8445 7.3.1.5,
 * the latest nomination wins); a check from the selected address renews
 * consent (RFC 7675 5.1). */
static bool accept_check(struct rg_ice *ice, struct ice_component *k,
			 const struct stun_msg *m, const struct ice_creds *c,
			 const struct sockaddr *from, int64_t now_us)
{
	bool moved = false;

	if (c == &ice->cur)
		ice->has_prev = false;
	if (m->present & STUN_HAS_USE_CANDIDATE && !ice->controlling &&
	    !(k->selected && ice_same_address(&k->addr, from))) {
		k->addrlen = from->sa_family == AF_INET ?
			     sizeof(struct sockaddr_in) :
			     sizeof(struct sockaddr_in6);
		memset(&k->addr, 0, sizeof(k->addr));
		memcpy(&k->addr, from, k->addrlen);
		k->selected = true;
		moved = true;
	}
	if (k->selected && ice_same_address(&k->addr, from))
		k->consent_us = now_us;
	return moved;
}

static bool valid_source(const struct sockaddr *from, socklen_t fromlen)
{
	if (!from || fromlen < (socklen_t)sizeof(sa_family_t))
		return false;
	if (from->sa_family == AF_INET)
		return fromlen >= (socklen_t)sizeof(struct sockaddr_in);
	if (from->sa_family == AF_INET6)
		return fromlen >= (socklen_t)sizeof(struct sockaddr_in6);
	return false;
}

/* Answers the Binding request @m (FINGERPRINT already verified). */
static int answer_request(struct rg_ice *ice, struct ice_component *k,
			  const struct stun_msg *m, const struct sockaddr *from,
			  int64_t now_us, uint8_t *resp, size_t respcap,
			  bool *nominated)
{
	const struct ice_creds *c = NULL;
	int code, n;

	code = authenticate(ice, m, &c);
	if (code < 0)
		return code;
	if (!code)
		code = check_request(ice, m);
	n = write_response(m, c, code, from, resp, respcap);
	if (n < 0)
		return n;
	if (code)
		return ice_counted(ice, error_event(code), n);
	if (accept_check(ice, k, m, c, from, now_us)) {
		if (nominated)
			*nominated = true;
		ice_counted(ice, RG_ICE_EV_NOMINATED, 0);
	}
	if (ice->full)
		ice_checked_by_peer(ice, (unsigned)(k - ice->comp) + 1, m, from);
	return ice_counted(ice, RG_ICE_EV_SUCCESS, n);
}

int rg_ice_handle(struct rg_ice *ice, unsigned component,
		  const uint8_t *pkt, size_t len,
		  const struct sockaddr *from, socklen_t fromlen,
		  int64_t now_us, uint8_t *resp, size_t respcap,
		  bool *nominated)
{
	struct stun_msg m;
	int n = 0;

	if (nominated)
		*nominated = false;
	if (component < 1 || component > RG_ICE_COMPONENTS ||
	    !valid_source(from, fromlen))
		return -EINVAL;
	if (!pkt || stun_parse(pkt, len, &m))
		return ice_counted(ice, RG_ICE_EV_MALFORMED, 0);
	/* RFC 8489 7.3: a wrong FINGERPRINT means it is not STUN */
	if (m.fingerprint_off && stun_check_fingerprint(&m))
		return ice_counted(ice, RG_ICE_EV_FINGERPRINT, 0);
	if (m.method != STUN_METHOD_BINDING)
		return ice_counted(ice, RG_ICE_EV_IGNORED, 0);
	if (m.cls == STUN_INDICATION)	/* RFC 8445 11: keepalive */
		return ice_counted(ice, RG_ICE_EV_KEEPALIVE, 0);
	if (!m.fingerprint_off)
		return ice_counted(ice, RG_ICE_EV_FINGERPRINT, 0);
	pthread_mutex_lock(&ice->lock);
	if (m.cls == STUN_REQUEST)
		n = answer_request(ice, &ice->comp[component - 1], &m, from,
				   now_us, resp, respcap, nominated);
	else if (!ice->full)
		n = ice_counted(ice, RG_ICE_EV_IGNORED, 0);
	else if (ice_response(ice, component, &m, from, now_us) && nominated)
		*nominated = true;
	pthread_mutex_unlock(&ice->lock);
	return n;
}

/* ---- state ---- */

static const struct ice_component *component_of(const struct rg_ice *ice,
						unsigned component)
{
	if (component < 1 || component > RG_ICE_COMPONENTS)
		return NULL;
	return &ice->comp[component - 1];
}

bool rg_ice_selected(const struct rg_ice *ice, unsigned component,
		     struct sockaddr_storage *addr, socklen_t *addrlen)
{
	const struct ice_component *k = component_of(ice, component);

	if (!k || !k->selected)
		return false;
	if (addr)
		*addr = k->addr;
	if (addrlen)
		*addrlen = k->addrlen;
	return true;
}

bool rg_ice_consent_ok(const struct rg_ice *ice, unsigned component,
		       int64_t now_us)
{
	const struct ice_component *k = component_of(ice, component);

	if (!k || !k->selected)
		return false;
	if (now_us <= k->consent_us)	/* a clock that stepped back */
		return true;
	return (uint64_t)now_us - (uint64_t)k->consent_us < RG_ICE_CONSENT_US;
}

int64_t rg_ice_consent_time(const struct rg_ice *ice, unsigned component)
{
	const struct ice_component *k = component_of(ice, component);

	return k && k->selected ? k->consent_us : INT64_MIN;
}

uint64_t rg_ice_count(const struct rg_ice *ice, enum rg_ice_event ev)
{
	if ((unsigned)ev >= RG_ICE_EV_COUNT)
		return 0;
	return __atomic_load_n(&ice->count[ev], __ATOMIC_RELAXED);
}

const char *rg_ice_event_name(enum rg_ice_event ev)
{
	if ((unsigned)ev >= RG_ICE_EV_COUNT)
		return "?";
	return event_names[ev];
}
