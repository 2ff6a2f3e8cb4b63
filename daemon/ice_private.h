/* ice_private.h - the inside of struct rg_ice, shared by ice.c (the
 * credentials and the answers to checks) and ice_checks.c (the checks a
 * full agent sends). Nothing else includes it.
 */
#ifndef RG_ICE_PRIVATE_H
#define RG_ICE_PRIVATE_H

#include <pthread.h>

#include "ice.h"
#include "stun.h"

#define ICE_PAIRS_MAX	16	/* candidate pairs per agent */
#define ICE_TX_MAX	8	/* checks waiting for an answer */
#define ICE_REQUEST_MAX	RG_ICE_CHECK_MAX

/* One generation of credentials: what both sides' SDP carried. */
struct ice_creds {
	char lufrag[RG_ICE_CRED_MAX + 1];
	char lpwd[RG_ICE_CRED_MAX + 1];
	char rufrag[RG_ICE_CRED_MAX + 1];	/* "" until known */
	char rpwd[RG_ICE_CRED_MAX + 1];
};

struct ice_component {
	bool selected;
	struct sockaddr_storage addr;	/* the nominated address */
	socklen_t addrlen;
	int64_t consent_us;		/* last proof it is there */
	int64_t consent_next_us;	/* full agent: next consent check */
};

/* RFC 8445 6.1.2.6: the states a pair goes through here (rtpgate has one
 * local candidate per component, so nothing is frozen). */
enum ice_pair_state {
	ICE_PAIR_WAITING,
	ICE_PAIR_IN_PROGRESS,
	ICE_PAIR_SUCCEEDED,
	ICE_PAIR_FAILED,
};

struct ice_pair {
	unsigned component;
	struct sockaddr_storage remote;
	uint32_t remote_priority;
	enum ice_pair_state state;
	bool triggered;		/* the peer checked it: check it next */
	bool nominate;		/* controlling: nominate it next */
};

/* One check rtpgate sent and awaits the answer to. */
struct ice_tx {
	bool used;
	uint8_t tid[STUN_TID_LEN];
	unsigned pair;
	bool use_candidate;
	unsigned sent;		/* transmissions so far */
	int64_t next_us;	/* when to send it again */
	size_t len;
	uint8_t msg[ICE_REQUEST_MAX];
};

/* See ice.h for who may call what, when. @lock serialises the worker's
 * rg_ice_handle() with the control thread's rg_ice_next_check(); fields
 * of comp[] are written under it by the worker only. */
struct rg_ice {
	pthread_mutex_t lock;
	struct ice_creds cur;
	/* During a restart, the generation last proven in use: accepted
	 * until a check succeeds with @cur (RFC 8445 9). */
	struct ice_creds prev;
	bool has_prev;
	struct ice_component comp[RG_ICE_COMPONENTS];
	uint64_t count[RG_ICE_EV_COUNT];	/* relaxed atomics */
	/* a full agent's (ice_checks.c) */
	bool full;
	bool controlling;
	uint64_t tiebreaker;
	unsigned components;		/* 1 with rtcp-mux, else 2 */
	struct ice_pair pairs[ICE_PAIRS_MAX];
	unsigned n_pairs;
	struct ice_tx tx[ICE_TX_MAX];
	int64_t next_check_us;		/* pacing (Ta) */
};

/* Counts @ev and returns @ret. */
int ice_counted(struct rg_ice *ice, enum rg_ice_event ev, int ret);

bool ice_same_address(const struct sockaddr_storage *a, const struct sockaddr *b);

/* ice_checks.c, under the lock: a full agent's part of a request from
 * @from that authenticated and succeeded (a triggered check, a
 * peer-reflexive pair); and the answer to one of its own checks.
 * ice_response() returns true when it selected @from. */
void ice_checked_by_peer(struct rg_ice *ice, unsigned component,
			 const struct stun_msg *m, const struct sockaddr *from);
bool ice_response(struct rg_ice *ice, unsigned component, const struct stun_msg *m,
		  const struct sockaddr *from, int64_t now_us);

#endif
