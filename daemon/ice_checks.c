/* ice_checks.c - what a full ICE agent does beyond answering (RFC 8445
 * 6.1.4, 7.2, 8.1; RFC 7675): remote candidates, connectivity checks with
 * pacing and retransmission, triggered checks and peer-reflexive pairs,
 * nomination when controlling, and consent checks on the selected pair.
 *
 * rtpgate has one host candidate per component, so the check list is the
 * peer's candidates of that component (and the peer-reflexive addresses
 * its checks come from), checked highest priority first, one check every
 * Ta; a triggered check (the answer to one of the peer's) and a
 * nomination are sent at once. Nomination is regular (RFC 8445 8.1.1):
 * the first pair of a component that succeeds is checked again with
 * USE-CANDIDATE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "ice_private.h"

#define TA_US		50000	/* RFC 8445 14.2: one new check per 50 ms */
#define RTO_US		250000	/* first retransmission; doubles */
#define RTO_MAX_US	1600000
#define TX_SENDS	7	/* RFC 8489 6.2.1 Rc */
#define CONSENT_BASE_US	4000000	/* RFC 7675 5.1: 4..6 s, at random */
#define CONSENT_SPAN_US	2000000
#define PRFLX_TYPE_PREF	110	/* RFC 8445 5.1.2.2 */

void rg_ice_set_full(struct rg_ice *ice, bool controlling, unsigned components)
{
	pthread_mutex_lock(&ice->lock);
	if (!ice->full)
		ice->controlling = controlling;	/* kept for the session */
	ice->full = true;
	ice->components = components == 1 ? 1 : RG_ICE_COMPONENTS;
	pthread_mutex_unlock(&ice->lock);
}

bool rg_ice_is_full(const struct rg_ice *ice)
{
	return ice->full;
}

bool rg_ice_controlling(struct rg_ice *ice)
{
	bool c;

	pthread_mutex_lock(&ice->lock);
	c = ice->controlling;
	pthread_mutex_unlock(&ice->lock);
	return c;
}

static struct ice_pair *find_pair(struct rg_ice *ice, unsigned component,
				  const struct sockaddr *addr)
{
	unsigned i;

	for (i = 0; i < ice->n_pairs; i++)
		if (ice->pairs[i].component == component &&
		    ice_same_address(&ice->pairs[i].remote, addr))
			return &ice->pairs[i];
	return NULL;
}

static struct ice_pair *add_pair(struct rg_ice *ice, unsigned component,
				 const struct sockaddr *addr, uint32_t priority)
{
	struct ice_pair *p;

	if (ice->n_pairs == ICE_PAIRS_MAX)
		return NULL;
	p = &ice->pairs[ice->n_pairs++];
	memset(p, 0, sizeof(*p));
	p->component = component;
	memcpy(&p->remote, addr, addr->sa_family == AF_INET ?
	       sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	p->remote_priority = priority;
	p->state = ICE_PAIR_WAITING;
	return p;
}

/* "<foundation> <component> <transport> <priority> <address> <port> typ
 * <type> ..." (RFC 8839 5.1) into a UDP address of @family. 0, or 1 for a
 * candidate rtpgate cannot use (TCP, another family, an mDNS name), or
 * -EINVAL. */
static int parse_candidate(const char *value, int family, unsigned *component,
			   uint32_t *priority, struct sockaddr_storage *ss)
{
	char transport[16], addr[64], typ[8];
	unsigned long comp, prio, port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (sscanf(value, "%*32s %lu %15s %lu %63s %lu %7s", &comp, transport, &prio,
		   addr, &port, typ) != 6 || strcmp(typ, "typ") ||
	    comp < 1 || comp > 256 || prio < 1 || prio > 0xffffffffUL ||
	    port < 1 || port > 65535)
		return -EINVAL;
	if (strcasecmp(transport, "udp") || comp > RG_ICE_COMPONENTS)
		return 1;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else if (family == AF_INET6 && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	} else {
		return 1;
	}
	*component = (unsigned)comp;
	*priority = (uint32_t)prio;
	return 0;
}

int rg_ice_add_candidate(struct rg_ice *ice, const char *value, int family)
{
	struct sockaddr_storage ss;
	unsigned component;
	uint32_t priority;
	int rc;

	rc = parse_candidate(value, family, &component, &priority, &ss);
	if (rc)
		return rc;
	pthread_mutex_lock(&ice->lock);
	if (component > ice->components)
		rc = 1;
	else if (!find_pair(ice, component, (struct sockaddr *)&ss) &&
		 !add_pair(ice, component, (struct sockaddr *)&ss, priority))
		rc = -ENOSPC;
	pthread_mutex_unlock(&ice->lock);
	return rc;
}

void rg_ice_clear_candidates(struct rg_ice *ice)
{
	pthread_mutex_lock(&ice->lock);
	ice->n_pairs = 0;
	memset(ice->tx, 0, sizeof(ice->tx));
	pthread_mutex_unlock(&ice->lock);
}

/* Forgets the checks in flight on pair @i but a nomination. */
static void cancel_checks(struct rg_ice *ice, unsigned i)
{
	unsigned t;

	for (t = 0; t < ICE_TX_MAX; t++)
		if (ice->tx[t].used && ice->tx[t].pair == i && !ice->tx[t].use_candidate)
			ice->tx[t].used = false;
}

/* RFC 8445 7.3.1.4: a check from the peer makes its pair (peer-reflexive
 * if new) checked next: one in progress has its check cancelled and
 * made anew (the first may have been lost); one that succeeded stays. */
void ice_checked_by_peer(struct rg_ice *ice, unsigned component,
			 const struct stun_msg *m, const struct sockaddr *from)
{
	struct ice_pair *p = find_pair(ice, component, from);

	if (component > ice->components)
		return;
	if (!p)
		p = add_pair(ice, component, from, m->priority);
	if (!p || p->state == ICE_PAIR_SUCCEEDED)
		return;
	if (p->state == ICE_PAIR_IN_PROGRESS)
		cancel_checks(ice, (unsigned)(p - ice->pairs));
	p->state = ICE_PAIR_WAITING;
	p->triggered = true;
}

static struct ice_tx *find_tx(struct rg_ice *ice, const uint8_t *tid)
{
	unsigned i;

	for (i = 0; i < ICE_TX_MAX; i++)
		if (ice->tx[i].used && !memcmp(ice->tx[i].tid, tid, STUN_TID_LEN))
			return &ice->tx[i];
	return NULL;
}

/* A pair of this component being nominated already (controlling). */
static bool nominating(const struct rg_ice *ice, unsigned component)
{
	unsigned i;

	for (i = 0; i < ICE_TX_MAX; i++)
		if (ice->tx[i].used && ice->tx[i].use_candidate &&
		    ice->pairs[ice->tx[i].pair].component == component)
			return true;
	for (i = 0; i < ice->n_pairs; i++)
		if (ice->pairs[i].component == component && ice->pairs[i].nominate)
			return true;
	return false;
}

static void select_pair(struct rg_ice *ice, struct ice_pair *p, int64_t now_us)
{
	struct ice_component *k = &ice->comp[p->component - 1];

	k->addrlen = p->remote.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						      sizeof(struct sockaddr_in6);
	k->addr = p->remote;
	k->selected = true;
	k->consent_us = now_us;
}

bool ice_response(struct rg_ice *ice, unsigned component, const struct stun_msg *m,
		  const struct sockaddr *from, int64_t now_us)
{
	struct ice_tx *tx = find_tx(ice, m->tid);
	struct ice_component *k;
	struct ice_pair *p;
	bool moved;

	if (!tx)
		return ice_counted(ice, RG_ICE_EV_IGNORED, false);
	/* RFC 8445 7.2.5.1: keyed as the request was; a 400/401 has none */
	if (m->integrity_off && stun_check_integrity(m, (const uint8_t *)ice->cur.rpwd,
						     strlen(ice->cur.rpwd)))
		return ice_counted(ice, RG_ICE_EV_IGNORED, false);
	if (m->cls == STUN_SUCCESS && !m->integrity_off)
		return ice_counted(ice, RG_ICE_EV_IGNORED, false);
	p = &ice->pairs[tx->pair];
	tx->used = false;
	if (m->cls == STUN_ERROR) {
		if (m->error_code == 487) {	/* RFC 8445 7.2.5.1: switch, retry */
			ice->controlling = !ice->controlling;
			p->state = ICE_PAIR_WAITING;
			p->triggered = true;
		} else if (p->state == ICE_PAIR_IN_PROGRESS) {
			p->state = ICE_PAIR_FAILED;
		}
		return ice_counted(ice, RG_ICE_EV_CHECK_FAILED, false);
	}
	ice_counted(ice, RG_ICE_EV_CHECK_SUCCEEDED, 0);
	/* RFC 8445 7.2.5.2.1: the answer must come from where the check went */
	if (component != p->component || !ice_same_address(&p->remote, from)) {
		p->state = ICE_PAIR_FAILED;
		return false;
	}
	p->state = ICE_PAIR_SUCCEEDED;
	k = &ice->comp[p->component - 1];
	if (tx->use_candidate && ice->controlling) {
		moved = !k->selected || !ice_same_address(&k->addr, from);
		select_pair(ice, p, now_us);
		if (moved)
			ice_counted(ice, RG_ICE_EV_NOMINATED, 0);
		return moved;
	}
	if (k->selected && ice_same_address(&k->addr, from))
		k->consent_us = now_us;		/* RFC 7675: consent refreshed */
	else if (ice->controlling && !k->selected && !nominating(ice, p->component))
		p->nominate = true;
	return false;
}

/* The next pair to check: a triggered one, one to nominate, else the
 * waiting one of highest priority; NULL if none. */
static struct ice_pair *next_pair(struct rg_ice *ice, bool *use_candidate)
{
	struct ice_pair *best = NULL, *p;
	unsigned i;

	*use_candidate = false;
	for (i = 0; i < ice->n_pairs; i++) {
		p = &ice->pairs[i];
		if (p->nominate && ice->controlling) {
			*use_candidate = true;
			return p;
		}
		if (p->triggered)
			return p;
		if (p->state == ICE_PAIR_WAITING && !ice->comp[p->component - 1].selected &&
		    (!best || p->remote_priority > best->remote_priority))
			best = p;
	}
	return best;
}

/* A Binding request for @p into @tx (RFC 8445 7.1, 7.2.2). */
static int build_check(struct rg_ice *ice, struct ice_pair *p, bool use_candidate,
		       struct ice_tx *tx)
{
	char user[2 * RG_ICE_CRED_MAX + 2];
	struct stun_builder b;
	int n;

	if (getrandom(tx->tid, STUN_TID_LEN, 0) != STUN_TID_LEN)
		return -EIO;
	snprintf(user, sizeof(user), "%s:%s", ice->cur.rufrag, ice->cur.lufrag);
	stun_builder_init(&b, tx->msg, sizeof(tx->msg), STUN_METHOD_BINDING,
			  STUN_REQUEST, tx->tid);
	stun_builder_add(&b, STUN_ATTR_USERNAME, user, strlen(user));
	stun_builder_add_u32(&b, STUN_ATTR_PRIORITY,
			     rg_ice_priority(PRFLX_TYPE_PREF, 65535, p->component));
	stun_builder_add_u64(&b, ice->controlling ? STUN_ATTR_ICE_CONTROLLING :
			     STUN_ATTR_ICE_CONTROLLED, ice->tiebreaker);
	if (use_candidate)
		stun_builder_add(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
	n = stun_builder_finish(&b, (const uint8_t *)ice->cur.rpwd, strlen(ice->cur.rpwd),
				STUN_FINISH_INTEGRITY | STUN_FINISH_FINGERPRINT);
	if (n < 0)
		return n;
	tx->len = (size_t)n;
	tx->pair = (unsigned)(p - ice->pairs);
	tx->use_candidate = use_candidate;
	tx->sent = 0;
	tx->used = true;
	return 0;
}

static struct ice_tx *free_tx(struct rg_ice *ice)
{
	unsigned i;

	for (i = 0; i < ICE_TX_MAX; i++)
		if (!ice->tx[i].used)
			return &ice->tx[i];
	return NULL;
}

/* Sends @tx (again): copies it out and schedules the next try. */
static int transmit(struct ice_tx *tx, const struct rg_ice *ice, int64_t now_us,
		    uint8_t *buf, size_t cap, unsigned *component,
		    struct sockaddr_storage *to)
{
	int64_t rto = (int64_t)RTO_US << (tx->sent < 3 ? tx->sent : 3);
	const struct ice_pair *p = &ice->pairs[tx->pair];

	if (tx->len > cap)
		return -ENOBUFS;
	memcpy(buf, tx->msg, tx->len);
	tx->sent++;
	tx->next_us = now_us + (rto < RTO_MAX_US ? rto : RTO_MAX_US);
	*component = p->component;
	*to = p->remote;
	return (int)tx->len;
}

/* Retransmits a check that is due, or gives it up after TX_SENDS. */
static int retransmit(struct rg_ice *ice, int64_t now_us, uint8_t *buf, size_t cap,
		      unsigned *component, struct sockaddr_storage *to)
{
	struct ice_tx *tx;
	unsigned i;

	for (i = 0; i < ICE_TX_MAX; i++) {
		tx = &ice->tx[i];
		if (!tx->used || now_us < tx->next_us)
			continue;
		if (tx->sent < TX_SENDS)
			return transmit(tx, ice, now_us, buf, cap, component, to);
		tx->used = false;
		if (ice->pairs[tx->pair].state == ICE_PAIR_IN_PROGRESS)
			ice->pairs[tx->pair].state = ICE_PAIR_FAILED;
		ice_counted(ice, RG_ICE_EV_CHECK_FAILED, 0);
	}
	return 0;
}

/* RFC 7675 5.1: a check on each selected pair every 4 to 6 s. */
static struct ice_pair *consent_due(struct rg_ice *ice, int64_t now_us)
{
	struct ice_component *k;
	struct ice_pair *p;
	uint16_t r = 0;
	unsigned c;

	for (c = 1; c <= ice->components; c++) {
		k = &ice->comp[c - 1];
		if (!k->selected || now_us < k->consent_next_us)
			continue;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = 0;
		k->consent_next_us = now_us + CONSENT_BASE_US + r % CONSENT_SPAN_US;
		p = find_pair(ice, c, (struct sockaddr *)&k->addr);
		if (!p)
			p = add_pair(ice, c, (struct sockaddr *)&k->addr, 0);
		if (p)
			return p;
	}
	return NULL;
}

static int next_check(struct rg_ice *ice, int64_t now_us, uint8_t *buf, size_t cap,
		      unsigned *component, struct sockaddr_storage *to)
{
	struct ice_tx *tx;
	struct ice_pair *p = NULL;
	bool use_candidate = false;
	int n;

	n = retransmit(ice, now_us, buf, cap, component, to);
	if (n)
		return n;
	tx = free_tx(ice);
	if (!tx)
		return 0;
	p = next_pair(ice, &use_candidate);
	/* ordinary checks are paced; an answer to the peer's check and a
	 * nomination go at once, as they only follow the peer's pace */
	if (p && !p->triggered && !use_candidate && now_us < ice->next_check_us)
		p = NULL;
	if (p) {
		if (!p->triggered && !use_candidate)
			ice->next_check_us = now_us + TA_US;
		p->triggered = false;
		p->nominate = false;
		if (p->state != ICE_PAIR_SUCCEEDED)
			p->state = ICE_PAIR_IN_PROGRESS;
	} else {
		p = consent_due(ice, now_us);
	}
	if (!p)
		return 0;
	n = build_check(ice, p, use_candidate, tx);
	return n ? n : transmit(tx, ice, now_us, buf, cap, component, to);
}

int rg_ice_next_check(struct rg_ice *ice, int64_t now_us, uint8_t *buf, size_t cap,
		      unsigned *component, struct sockaddr_storage *to)
{
	int n = 0;

	pthread_mutex_lock(&ice->lock);
	if (ice->full && ice->cur.rufrag[0] && ice->cur.rpwd[0])
		n = next_check(ice, now_us, buf, cap, component, to);
	pthread_mutex_unlock(&ice->lock);
	return n;
}
