/* ice.h - the ICE agent of one media stream (RFC 8445).
 *
 * rtpgate offers one host candidate per component on its relay ports. An
 * agent starts lite (RFC 8445 2.5): it only answers checks and is always
 * controlled; rg_ice_set_full() (below) makes it a full agent that also
 * sends checks and, when controlling, nominates. One struct rg_ice holds
 * the stream's credentials (one ice-ufrag / ice-pwd pair per m= section)
 * and, per component (1 RTP, 2 RTCP), the selected address and when it
 * last proved it is there.
 *
 * No socket I/O: the worker hands in each STUN datagram that arrived on a
 * relay socket, with its source address and the socket's component, and
 * sends back whatever response comes out, from the same socket to the
 * same source; a full agent's own checks come out of rg_ice_next_check().
 * Time is the caller's clock (microseconds).
 *
 * Choices where the RFCs leave room (or where the brief asked):
 * - Authentication (RFC 8489 9.1.3): a request without USERNAME or
 *   MESSAGE-INTEGRITY gets 400; a USERNAME other than
 *   "<local ufrag>:<remote ufrag>" or a MESSAGE-INTEGRITY that does not
 *   verify with the local password gets 401. Neither carries
 *   MESSAGE-INTEGRITY (the server has no key it may use). Every later
 *   response carries MESSAGE-INTEGRITY with the local password. Until the
 *   remote ufrag is known (set_remote), any non-empty remote part is
 *   accepted: a check may well arrive before the answer does (RFC 8445
 *   7.3). MESSAGE-INTEGRITY-SHA256 alone does not count: ICE uses SHA-1.
 * - FINGERPRINT (RFC 8445 7.1, RFC 8489 7.3): a request without it, or
 *   any message with a wrong one, is dropped with no response (it may not
 *   be STUN at all). Every response carries it.
 * - Roles (RFC 8445 7.3.1.1): a request claiming our role is a conflict,
 *   settled by the tie-breakers -- the larger controls: we answer 487 or
 *   take the other role. A lite agent cannot control, so a request with
 *   ICE-CONTROLLED always gets 487. A request with neither or both of
 *   ICE-CONTROLLING and ICE-CONTROLLED, or without PRIORITY, gets 400
 *   (RFC 8445 7.1.1, 7.1.3).
 * - Unknown comprehension-required attributes: 420 with UNKNOWN-ATTRIBUTES
 *   after authentication (RFC 8489 6.3.1).
 * - Nomination: while controlled, a successful check with USE-CANDIDATE
 *   makes its source the selected address of the component; a later
 *   nomination from another address replaces it (the latest wins, as
 *   renomination and network changes need). While controlling, our own
 *   nomination does.
 * - Consent: each successful check from the selected address, and for a
 *   full agent each answer to its own consent checks, refreshes consent;
 *   rg_ice_consent_ok() turns false 30 s after the last one (RFC 7675),
 *   and true again if checks come back. (RFC 7675 4 exempts lite agents
 *   from sending consent checks; they apply the rule to those received.)
 * - ICE restart (RFC 8445 9): new remote credentials (set_remote), new
 *   local ones (rg_ice_restart), or both. Until a check succeeds with the
 *   new credentials, the previous generation keeps working, so the
 *   selected pair's consent checks carry on; the selected addresses stay
 *   until the peer nominates again. Media goes on meanwhile.
 * - Binding indications are keepalives: accepted, no response, no consent.
 *   Responses to checks we did not send, and methods other than Binding,
 *   are ignored.
 *
 * Threads: an agent belongs to the worker that owns the stream's sockets.
 * The control thread may change it only while the stream is paused (see
 * README "Threads"), except rg_ice_next_check() and rg_ice_controlling(),
 * which a mutex inside the agent keeps apart from rg_ice_handle();
 * rg_ice_count() may be read any time.
 */
#ifndef RG_ICE_H
#define RG_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define RG_ICE_COMPONENTS	2	/* 1 RTP, 2 RTCP */
#define RG_ICE_UFRAG_LEN	8	/* local ufrag: 48 random bits */
#define RG_ICE_PWD_LEN		24	/* local pwd: 144 random bits */
#define RG_ICE_CRED_MAX		256	/* RFC 8839 5.4: ice-ufrag, ice-pwd */
#define RG_ICE_CANDIDATE_MAX	96	/* rg_ice_candidate_line() output */
#define RG_ICE_RESPONSE_MAX	160	/* the longest rg_ice_handle() writes */
#define RG_ICE_CHECK_MAX	320	/* the longest rg_ice_next_check() writes */
#define RG_ICE_CONSENT_US	30000000	/* RFC 7675 5.1: 30 s */

/* What became of a datagram rg_ice_handle() was given: one counter each. */
enum rg_ice_event {
	RG_ICE_EV_SUCCESS,	/* answered with a Binding success */
	RG_ICE_EV_NOMINATED,	/* ... that selected a new address */
	RG_ICE_EV_KEEPALIVE,	/* Binding indication: no response */
	RG_ICE_EV_IGNORED,	/* a response, or another method */
	RG_ICE_EV_MALFORMED,	/* not a well-formed STUN message: dropped */
	RG_ICE_EV_FINGERPRINT,	/* FINGERPRINT missing or wrong: dropped */
	RG_ICE_EV_BAD_REQUEST,	/* answered 400 */
	RG_ICE_EV_UNAUTHENTICATED, /* answered 401 */
	RG_ICE_EV_UNKNOWN_ATTR,	/* answered 420 */
	RG_ICE_EV_ROLE_CONFLICT, /* answered 487 */
	RG_ICE_EV_CHECK_SUCCEEDED, /* a full agent's check was answered */
	RG_ICE_EV_CHECK_FAILED,	/* ... with an error, or never */
	RG_ICE_EV_COUNT
};

struct rg_ice;

/* A new agent with fresh local credentials: an ice-ufrag of
 * RG_ICE_UFRAG_LEN and an ice-pwd of RG_ICE_PWD_LEN characters from the
 * ice-char set [A-Za-z0-9+/], from getrandom(). No remote credentials,
 * nothing nominated. Returns the agent, which the caller frees with
 * rg_ice_destroy(), or NULL if memory or the random source fails. */
struct rg_ice *rg_ice_create(void);

/* Frees @ice (NULL is ignored). */
void rg_ice_destroy(struct rg_ice *ice);

/* The local credentials, NUL-terminated, for a=ice-ufrag / a=ice-pwd.
 * Valid until the next rg_ice_restart(), rg_ice_set_local() or destroy. */
const char *rg_ice_local_ufrag(const struct rg_ice *ice);
const char *rg_ice_local_pwd(const struct rg_ice *ice);

/* The remote credentials last set, or "" before rg_ice_set_remote(). */
const char *rg_ice_remote_ufrag(const struct rg_ice *ice);
const char *rg_ice_remote_pwd(const struct rg_ice *ice);

/* Sets the peer's credentials from its SDP (a=ice-ufrag, a=ice-pwd, media
 * or session level). Both must be 1..RG_ICE_CRED_MAX ice-chars; RFC 8839's
 * minimum lengths (4, 22) are not enforced, since a lite agent never uses
 * the remote password. The same values again change nothing (a re-offer);
 * different ones are an ICE restart by the peer (see above). The strings
 * are copied. Returns 0, or -EINVAL with the agent unchanged. */
int rg_ice_set_remote(struct rg_ice *ice, const char *ufrag, const char *pwd);

/* Starts an ICE restart on rtpgate's side: fresh local credentials, the
 * current ones kept until a check succeeds with the new (see above). Call
 * it when answering an offer whose credentials changed (the answer to a
 * restart carries new credentials too) or when offering a restart.
 * Returns 0, or -EIO if the random source fails (nothing changed). */
int rg_ice_restart(struct rg_ice *ice);

/* Replaces the local credentials, e.g. with ones saved before a daemon
 * restart: @ufrag 4..RG_ICE_CRED_MAX and @pwd 22..RG_ICE_CRED_MAX
 * ice-chars (RFC 8839 5.4). Nothing else changes. Returns 0 or -EINVAL. */
int rg_ice_set_local(struct rg_ice *ice, const char *ufrag, const char *pwd);

/* RFC 8445 5.1.2.1: (2^24) * type preference + (2^8) * local preference +
 * (256 - component). @type_pref 0..126, @local_pref 0..65535, @component
 * 1..256; out-of-range values are clamped. */
uint32_t rg_ice_priority(unsigned type_pref, unsigned local_pref,
			 unsigned component);

/* Writes into @out the value of an a=candidate attribute (what follows
 * "a=candidate:") for the host candidate @addr:@port of @component:
 *   "<foundation> <component> UDP <priority> <addr> <port> typ host"
 * @addr is an IPv4 or IPv6 literal (the interface's advertised address),
 * written in canonical form. The foundation is derived from the address,
 * so both components of one address share it (RFC 8445 5.1.1.3); the
 * priority uses type preference 126 and local preference 65535, which
 * suits one candidate per component (give several addresses of one
 * component distinct local preferences). @out gets at most
 * RG_ICE_CANDIDATE_MAX bytes with the NUL. Returns 0; -EINVAL for a bad
 * address, a port outside 1..65535 or a component outside 1..2;
 * -ENOSPC if @outlen is too small. */
int rg_ice_candidate_line(const char *addr, unsigned port, unsigned component,
			  char *out, size_t outlen);

/* ---- full agent (ice_checks.c) ----
 *
 * By default an agent is lite: it only answers. rg_ice_set_full() makes
 * it a full agent (RFC 8445 6.1.1) that also checks the peer's
 * candidates, answers a check with a triggered check of its own (a new
 * source becomes a peer-reflexive pair), and as the controlling agent
 * nominates the first pair of each component that succeeds (regular
 * nomination: the pair is checked again with USE-CANDIDATE, and selected
 * when that succeeds); as controlled, the peer's USE-CANDIDATE selects.
 * On each selected pair it sends a consent check every 4 to 6 s (RFC 7675
 * 5.1), and each success renews consent. Role conflicts (487) are settled
 * by the tie-breakers. The control thread drives the checks with
 * rg_ice_next_check(); the worker's rg_ice_handle() takes their answers;
 * a mutex inside the agent keeps the two apart. */

/* Makes @ice a full agent; @controlling is its role for the session (set
 * once: later calls keep the role), @components 1 (rtcp-mux) or 2. */
void rg_ice_set_full(struct rg_ice *ice, bool controlling, unsigned components);

/* True for a full agent. Owner only (the thread that set it). */
bool rg_ice_is_full(const struct rg_ice *ice);

/* The role now (a conflict may have changed it). Any thread. */
bool rg_ice_controlling(struct rg_ice *ice);

/* Adds the peer's candidate, the value of an a=candidate attribute
 * (RFC 8839 5.1), if it is a UDP candidate of @family for a component
 * the agent has. Returns 0; 1 if it is not one rtpgate can use (TCP,
 * another family, an mDNS name) or known already; -EINVAL if malformed;
 * -ENOSPC when the agent has no room for another pair. */
int rg_ice_add_candidate(struct rg_ice *ice, const char *value, int family);

/* Forgets the peer's candidates and the checks in flight (an ICE restart
 * by the peer brings new ones). */
void rg_ice_clear_candidates(struct rg_ice *ice);

/* The next check a full agent sends at @now_us, if one is due: writes it
 * into the @cap bytes at @buf and says from which component and to where.
 * Returns its length (call again: more may be due), 0 when nothing is
 * due (or the agent is lite, or lacks the peer's credentials), or a
 * negative errno. Control thread. */
int rg_ice_next_check(struct rg_ice *ice, int64_t now_us, uint8_t *buf, size_t cap,
		      unsigned *component, struct sockaddr_storage *to);

/* Handles the @len-byte datagram at @pkt that arrived from @from on the
 * relay socket of @component (1 or 2) at time @now_us, as set out above.
 * A response, if any, is written into the @respcap bytes at @resp, which
 * may be @pkt itself (answered in place) but must not otherwise overlap
 * it; RG_ICE_RESPONSE_MAX bytes are always enough. *@nominated (if not
 * NULL) becomes true when this request made @from the component's
 * selected address (a first nomination or a move), false otherwise,
 * including a repeated USE-CANDIDATE from the address already selected.
 * Every call counts one enum rg_ice_event (a nomination counts both
 * RG_ICE_EV_SUCCESS and RG_ICE_EV_NOMINATED), except on error.
 * Returns the response's length, to be sent to @from; 0 for no response;
 * -EINVAL for a @component out of range or @from not a complete AF_INET
 * or AF_INET6 address; -ENOBUFS if the response does not fit @respcap;
 * -ENOMEM if libcrypto fails. On error nothing changed but what was
 * written into @resp. */
int rg_ice_handle(struct rg_ice *ice, unsigned component,
		  const uint8_t *pkt, size_t len,
		  const struct sockaddr *from, socklen_t fromlen,
		  int64_t now_us, uint8_t *resp, size_t respcap,
		  bool *nominated);

/* True if the peer has nominated an address for @component; then, if
 * @addr is not NULL, copies it to *@addr and its length to *@addrlen. */
bool rg_ice_selected(const struct rg_ice *ice, unsigned component,
		     struct sockaddr_storage *addr, socklen_t *addrlen);

/* True if @component has a selected address and a successful check came
 * from it less than RG_ICE_CONSENT_US before @now_us: media may be sent
 * there (RFC 7675). False otherwise, and for a bad @component. */
bool rg_ice_consent_ok(const struct rg_ice *ice, unsigned component,
		       int64_t now_us);

/* When the last successful check from @component's selected address
 * arrived (the caller's clock), or INT64_MIN if nothing is selected. */
int64_t rg_ice_consent_time(const struct rg_ice *ice, unsigned component);

/* How many datagrams ended as @ev (relaxed atomic read: any thread). */
uint64_t rg_ice_count(const struct rg_ice *ice, enum rg_ice_event ev);

/* A short name for @ev, e.g. "unauthenticated", for stats and logs. */
const char *rg_ice_event_name(enum rg_ice_event ev);

#endif
