/* webrtc_ice.c - the test WebRTC peer's ICE agent: RFC 8445 checks as
 * the controlling agent (or answers only, lite), RFC 7675 consent checks,
 * and an ICE restart asked for on the control channel (RFC 8445 9).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "webrtc_peer.h"
#include "webrtc_stun.h"

#define CONSENT_INTERVAL 2000	/* RFC 7675 says about 5 s; tests want more */
#define RTO_FIRST	100	/* loopback: RFC 8489's 500 ms is too slow */
#define RTO_MAX		1600

/* RFC 8445 section 5.1.2.1: type preference 110 (peer-reflexive, as the
 * PRIORITY of a check says), local preference 65535, component 1. */
#define PRFLX_PRIORITY	(110u << 24 | 65535u << 8 | (256u - 1))

/* Sends tids[0] as a Binding request; USE-CANDIDATE until nominated
 * (aggressive-style: every check nominates; the lite peer accepts it). */
static void check_send(struct peer *p)
{
	uint8_t buf[STUN_MAX], prio[4], tie[8];
	char user[600];
	struct stun_writer w;
	int len, i;

	snprintf(user, sizeof(user), "%s:%s", p->o.remote_ufrag, p->o.local_ufrag);
	for (i = 0; i < 4; i++)
		prio[i] = (uint8_t)(PRFLX_PRIORITY >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		tie[i] = (uint8_t)(p->tiebreaker >> (56 - 8 * i));
	stun_write_start(&w, buf, sizeof(buf), STUN_BINDING_REQUEST, p->tids[0]);
	stun_write_attr(&w, STUN_A_USERNAME, user, strlen(user));
	stun_write_attr(&w, STUN_A_PRIORITY, prio, 4);
	if (p->o.ice == ICE_CONTROLLED) {
		stun_write_attr(&w, STUN_A_CONTROLLED, tie, 8);
	} else {
		stun_write_attr(&w, STUN_A_CONTROLLING, tie, 8);
		if (!p->ice_done || p->restarting)
			stun_write_attr(&w, STUN_A_USE_CANDIDATE, NULL, 0);
	}
	len = stun_write_finish(&w, p->o.remote_pwd);
	if (len > 0)
		send_to_peer(p, buf, (size_t)len, &p->o.remote);
	p->tx_count++;
}

/* A new transaction: the ones before it stay answerable. */
static void check_new(struct peer *p)
{
	memmove(p->tids[1], p->tids[0], sizeof(p->tids) - sizeof(p->tids[0]));
	RAND_bytes(p->tids[0], STUN_TID_LEN);
	p->tx_count = 0;
	p->rto = RTO_FIRST;
}

/* Until nominated: retransmit with a doubling timeout, a new transaction
 * after CHECK_SENDS. Afterwards: one consent check per interval. */
void ice_timer(struct peer *p, int64_t now)
{
	if ((p->o.ice != ICE_FULL && p->o.ice != ICE_CONTROLLED) || now < p->next_check)
		return;
	if ((p->ice_done && !p->restarting) || p->tx_count >= CHECK_SENDS)
		check_new(p);
	check_send(p);
	if (p->ice_done && !p->restarting) {
		p->next_check = now + CONSENT_INTERVAL;
		return;
	}
	p->next_check = now + p->rto;
	p->rto = p->rto * 2 > RTO_MAX ? RTO_MAX : p->rto * 2;
}

static bool tid_ours(const struct peer *p, const uint8_t *tid)
{
	size_t i;

	for (i = 0; i < sizeof(p->tids) / sizeof(p->tids[0]); i++)
		if (!memcmp(p->tids[i], tid, STUN_TID_LEN))
			return true;
	return false;
}

static void ice_response(struct peer *p, const uint8_t *buf, const struct stun_msg *m)
{
	bool mi_ok;

	if (!tid_ours(p, m->tid) || !stun_fingerprint_ok(buf, m)) {
		p->ice_bad++;
		return;
	}
	mi_ok = stun_integrity_ok(buf, m, p->o.remote_pwd);
	/* RFC 8489 section 9.1.3: a 400 or 401 carries no MESSAGE-INTEGRITY
	 * (the server could not check ours) */
	if (m->type == STUN_BINDING_ERROR && (mi_ok || !m->integrity_at)) {
		p->ice_errors++;
		p->last_error_code = m->error_code;
		return;
	}
	if (!mi_ok) {
		p->ice_bad++;
		return;
	}
	/* RFC 8445 7.2.5.2.1: the mapped address must be the local candidate,
	 * else the pair would be a new peer-reflexive one */
	if (!m->has_mapped || !addr_equal(&m->mapped, &p->o.local)) {
		p->ice_bad++;
		return;
	}
	p->ice_responses++;
	if (p->o.ice == ICE_CONTROLLED && !p->ice_done)
		return;		/* valid; the peer's USE-CANDIDATE nominates */
	if (p->restarting) {
		p->restarting = false;
		p->ice_restarts++;
		p->next_check = now_ms() + CONSENT_INTERVAL;
	}
	if (!p->ice_done) {
		p->ice_done = true;
		p->next_check = now_ms() + CONSENT_INTERVAL;
		if (p->o.client)
			dtls_start(p);
	}
}

/* A Binding request from the peer: USERNAME "local:remote", integrity
 * keyed by our password (RFC 8445 section 7.3). */
static void ice_request(struct peer *p, const uint8_t *buf, const struct stun_msg *m,
			const struct sockaddr_storage *from)
{
	uint8_t out[STUN_MAX];
	char user[600];
	struct stun_writer w;
	int len;

	snprintf(user, sizeof(user), "%s:%s", p->o.local_ufrag, p->o.remote_ufrag);
	if (!m->username || m->username_len != strlen(user) ||
	    memcmp(m->username, user, m->username_len) ||
	    !stun_fingerprint_ok(buf, m) || !stun_integrity_ok(buf, m, p->o.local_pwd)) {
		p->stun_refused++;
		return;
	}
	stun_write_start(&w, out, sizeof(out), STUN_BINDING_SUCCESS, m->tid);
	stun_write_xor_mapped(&w, from);
	len = stun_write_finish(&w, p->o.local_pwd);
	if (len > 0)
		send_to_peer(p, out, (size_t)len, from);
	p->ice_answered++;
	if ((p->o.ice == ICE_LITE || p->o.ice == ICE_CONTROLLED) && m->use_candidate &&
	    !p->ice_done) {
		p->ice_done = true;
		p->next_check = now_ms() + CONSENT_INTERVAL;
		if (p->o.client)
			dtls_start(p);
	}
}

void stun_input(struct peer *p, const uint8_t *buf, size_t len,
		       const struct sockaddr_storage *from)
{
	struct stun_msg m;

	if (p->o.ice == ICE_NONE || stun_parse(buf, len, &m)) {
		p->stun_refused++;
		return;
	}
	if (m.type == STUN_BINDING_REQUEST)
		ice_request(p, buf, &m, from);
	else if (m.type == STUN_BINDING_SUCCESS || m.type == STUN_BINDING_ERROR)
		ice_response(p, buf, &m);
}


/* RFC 8445 section 9: new credentials on both sides; media goes on over
 * the pair in use until a check with the new ones succeeds, which counts
 * as a completed restart. */
void ice_restart(struct peer *p, char *const creds[4])
{
	size_t i;

	for (i = 0; i < 4; i++)
		snprintf(p->creds[i], sizeof(p->creds[i]), "%s", creds[i]);
	p->o.local_ufrag = p->creds[0];
	p->o.local_pwd = p->creds[1];
	p->o.remote_ufrag = p->creds[2];
	p->o.remote_pwd = p->creds[3];
	p->restarting = true;
	p->tx_count = CHECK_SENDS;	/* a new transaction, now */
	p->next_check = now_ms();
}
