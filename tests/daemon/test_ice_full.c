/* test_ice_full.c - a full ICE agent's own checks (ice_checks.c): pacing,
 * priority order, retransmission, triggered checks, nomination, role
 * conflicts and consent. The agent under test ("we", at 10.0.0.1) talks
 * to a second agent playing the peer ("they", at 10.0.0.2), datagrams
 * passed by hand; what we send is read back with lib/stun's parser.
 */
/* needs: ice ice_checks */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "ice.h"
#include "stun.h"
#include "test.h"

#define T0	1000000000000ll		/* fake clock, microseconds */
#define MS	1000ll

static struct rg_ice *we, *they;
static struct sockaddr_storage our_addr, their_addr, their_other;

static struct sockaddr_storage addr_of(const char *text, unsigned port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, text, &sin->sin_addr);
	return ss;
}

/* Two agents that know each other's credentials; we are full. */
static bool pair_up(bool we_control, bool they_full)
{
	rg_ice_destroy(we);
	rg_ice_destroy(they);
	we = rg_ice_create();
	they = rg_ice_create();
	if (!we || !they ||
	    rg_ice_set_remote(we, rg_ice_local_ufrag(they), rg_ice_local_pwd(they)) ||
	    rg_ice_set_remote(they, rg_ice_local_ufrag(we), rg_ice_local_pwd(we)))
		return false;
	rg_ice_set_full(we, we_control, 1);
	if (they_full)
		rg_ice_set_full(they, !we_control, 1);
	our_addr = addr_of("10.0.0.1", 4000);
	their_addr = addr_of("10.0.0.2", 5000);
	their_other = addr_of("10.0.0.3", 5002);
	return true;
}

static struct stun_msg parsed;
static uint8_t last[RG_ICE_CHECK_MAX];

/* Our next check at @now: its length (0: none), parsed into `parsed`. */
static int our_check(int64_t now, struct sockaddr_storage *to)
{
	unsigned component = 0;
	int n = rg_ice_next_check(we, now, last, sizeof(last), &component, to);

	if (n > 0 && (stun_parse(last, (size_t)n, &parsed) || component != 1))
		return -EBADMSG;
	return n;
}

/* They answer our check @n bytes in `last`, which arrived from our_addr;
 * we take their answer from @to. Returns our rg_ice_handle() result and
 * whether it selected. */
static int they_answer(int n, const struct sockaddr_storage *to, int64_t now,
		       bool *selected)
{
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	int r = rg_ice_handle(they, 1, last, (size_t)n, (const struct sockaddr *)&our_addr,
			      sizeof(struct sockaddr_in), now, resp, sizeof(resp), NULL);

	if (r <= 0)
		return -EPROTO;
	return rg_ice_handle(we, 1, resp, (size_t)r, (const struct sockaddr *)to,
			     sizeof(struct sockaddr_in), now, last, sizeof(last), selected);
}

static bool has(unsigned bit)
{
	return (parsed.present & bit) != 0;
}

static void checks_go_highest_priority_first_one_per_ta(void)
{
	struct sockaddr_storage to;

	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 100 10.0.0.3 5002 typ host", AF_INET), 0);
	CHECK_INT(rg_ice_add_candidate(we, "2 1 udp 2000 10.0.0.2 5000 typ host", AF_INET), 0);
	CHECK(our_check(T0, &to) > 0);
	CHECK(!memcmp(&to, &their_addr, sizeof(struct sockaddr_in)));
	CHECK(has(STUN_HAS_ICE_CONTROLLING) && has(STUN_HAS_PRIORITY) && has(STUN_HAS_USERNAME));
	CHECK(!has(STUN_HAS_USE_CANDIDATE));
	CHECK_INT(stun_check_integrity(&parsed, (const uint8_t *)rg_ice_local_pwd(they),
				       strlen(rg_ice_local_pwd(they))), 0);
	CHECK_INT(stun_check_fingerprint(&parsed), 0);
	CHECK_INT(our_check(T0 + 10 * MS, &to), 0);	/* Ta is 50 ms */
	CHECK(our_check(T0 + 50 * MS, &to) > 0);
	CHECK(!memcmp(&to, &their_other, sizeof(struct sockaddr_in)));
}

static void candidates_rtpgate_cannot_use_are_left_out(void)
{
	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 TCP 100 10.0.0.2 9 typ host tcptype active",
				       AF_INET), 1);
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 100 d3f1.local 5000 typ host", AF_INET), 1);
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 100 ::1 5000 typ host", AF_INET), 1);
	CHECK_INT(rg_ice_add_candidate(we, "1 2 UDP 100 10.0.0.2 5001 typ host", AF_INET), 1);
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 100 10.0.0.2 70000 typ host", AF_INET), -EINVAL);
	CHECK_INT(rg_ice_add_candidate(we, "garbage", AF_INET), -EINVAL);
	CHECK_INT(rg_ice_add_candidate(we, "", AF_INET), -EINVAL);
}

static void controlling_nominates_the_first_pair_that_succeeds(void)
{
	struct sockaddr_storage to, sel;
	bool selected = false;
	socklen_t len;
	int n;

	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 2000 10.0.0.2 5000 typ host", AF_INET), 0);
	n = our_check(T0, &to);
	CHECK(n > 0);
	CHECK_INT(they_answer(n, &to, T0 + MS, &selected), 0);
	CHECK(!selected && !rg_ice_selected(we, 1, NULL, NULL));
	n = our_check(T0 + 50 * MS, &to);
	CHECK(n > 0 && has(STUN_HAS_USE_CANDIDATE));
	CHECK_INT(they_answer(n, &to, T0 + 51 * MS, &selected), 0);
	CHECK(selected);
	CHECK(rg_ice_selected(we, 1, &sel, &len));
	CHECK(!memcmp(&sel, &their_addr, sizeof(struct sockaddr_in)));
	CHECK(rg_ice_consent_ok(we, 1, T0 + 52 * MS));
	CHECK(rg_ice_selected(they, 1, NULL, NULL));	/* they saw USE-CANDIDATE */
	CHECK(rg_ice_count(we, RG_ICE_EV_CHECK_SUCCEEDED) == 2);
}

static void an_unanswered_check_is_retransmitted_then_given_up(void)
{
	struct sockaddr_storage to;
	int64_t t = T0;
	int sends = 0, i;

	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 2000 10.0.0.2 5000 typ host", AF_INET), 0);
	for (i = 0; i < 400; i++, t += 50 * MS)
		if (our_check(t, &to) > 0)
			sends++;
	CHECK_INT(sends, 7);
	CHECK(rg_ice_count(we, RG_ICE_EV_CHECK_FAILED) == 1);
	CHECK(!rg_ice_selected(we, 1, NULL, NULL));
}

static void a_check_from_the_peer_triggers_ours_back(void)
{
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	struct sockaddr_storage to;
	unsigned component;
	int n;

	CHECK(pair_up(false, true));	/* no candidates known: only prflx */
	CHECK_INT(our_check(T0, &to), 0);
	n = rg_ice_next_check(they, T0, last, sizeof(last), &component, &to);
	CHECK_INT(n, 0);	/* they know no candidate of ours either */
	CHECK_INT(rg_ice_add_candidate(they, "1 1 UDP 2000 10.0.0.1 4000 typ host", AF_INET), 0);
	n = rg_ice_next_check(they, T0, last, sizeof(last), &component, &to);
	CHECK(n > 0);
	n = rg_ice_handle(we, 1, last, (size_t)n, (const struct sockaddr *)&their_other,
			  sizeof(struct sockaddr_in), T0, resp, sizeof(resp), NULL);
	CHECK(n > 0);
	CHECK(our_check(T0 + MS, &to) > 0);	/* triggered, to the new source */
	CHECK(!memcmp(&to, &their_other, sizeof(struct sockaddr_in)));
	CHECK(has(STUN_HAS_ICE_CONTROLLED));
}

static void a_role_conflict_goes_to_the_larger_tiebreaker(void)
{
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	struct sockaddr_storage to;
	unsigned component;
	bool we_kept;
	int n;

	CHECK(pair_up(true, false));
	rg_ice_set_full(they, true, 1);	/* they claim control too */
	CHECK_INT(rg_ice_add_candidate(they, "1 1 UDP 2000 10.0.0.1 4000 typ host", AF_INET), 0);
	n = rg_ice_next_check(they, T0, last, sizeof(last), &component, &to);
	CHECK(n > 0);
	n = rg_ice_handle(we, 1, last, (size_t)n, (const struct sockaddr *)&their_addr,
			  sizeof(struct sockaddr_in), T0, resp, sizeof(resp), NULL);
	CHECK(n > 0 && !stun_parse(resp, (size_t)n, &parsed));
	we_kept = rg_ice_controlling(we);
	/* we kept control and answered 487, or gave it up and answered success */
	CHECK(we_kept == (parsed.cls == STUN_ERROR && parsed.error_code == 487));
	CHECK(we_kept != (parsed.cls == STUN_SUCCESS));
	CHECK(rg_ice_count(we, RG_ICE_EV_ROLE_CONFLICT) == (we_kept ? 1u : 0u));
}

static void consent_checks_follow_the_selection_and_renew_it(void)
{
	struct sockaddr_storage to;
	bool selected = false;
	int64_t t;
	int n, seen = 0;

	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 2000 10.0.0.2 5000 typ host", AF_INET), 0);
	n = our_check(T0, &to);
	CHECK_INT(they_answer(n, &to, T0, &selected), 0);
	n = our_check(T0 + 50 * MS, &to);
	CHECK_INT(they_answer(n, &to, T0 + 50 * MS, &selected), 0);
	CHECK(selected);
	for (t = T0 + 100 * MS; t < T0 + 40000 * MS; t += 100 * MS) {
		n = our_check(t, &to);
		if (n <= 0)
			continue;
		seen++;
		CHECK(!has(STUN_HAS_USE_CANDIDATE));
		if (t < T0 + 20000 * MS)	/* they answer for 20 s, then vanish */
			CHECK_INT(they_answer(n, &to, t, &selected), 0);
	}
	CHECK(seen >= 4);	/* every 4 to 6 s, and retransmissions */
	CHECK(rg_ice_consent_ok(we, 1, T0 + 40000 * MS));	/* < 30 s since */
	CHECK(!rg_ice_consent_ok(we, 1, T0 + 60000 * MS));
}

static void answers_we_did_not_ask_for_or_cannot_verify_are_ignored(void)
{
	struct sockaddr_storage to;
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	bool selected;
	int n, r;

	CHECK(pair_up(true, true));
	CHECK_INT(rg_ice_add_candidate(we, "1 1 UDP 2000 10.0.0.2 5000 typ host", AF_INET), 0);
	n = our_check(T0, &to);
	r = rg_ice_handle(they, 1, last, (size_t)n, (const struct sockaddr *)&our_addr,
			  sizeof(struct sockaddr_in), T0, resp, sizeof(resp), NULL);
	CHECK(r > 0);
	resp[8] ^= 1;	/* another transaction; the fingerprint is now wrong */
	CHECK_INT(rg_ice_handle(we, 1, resp, (size_t)r, (const struct sockaddr *)&to,
				sizeof(struct sockaddr_in), T0, last, sizeof(last), &selected), 0);
	CHECK(rg_ice_count(we, RG_ICE_EV_FINGERPRINT) == 1);
	CHECK(rg_ice_count(we, RG_ICE_EV_CHECK_SUCCEEDED) == 0);
	/* an answer from elsewhere than the check went fails the pair */
	resp[8] ^= 1;
	CHECK_INT(rg_ice_handle(we, 1, resp, (size_t)r, (const struct sockaddr *)&their_other,
				sizeof(struct sockaddr_in), T0, last, sizeof(last), &selected), 0);
	CHECK(!selected);
	CHECK_INT(our_check(T0 + 50 * MS, &to), 0);	/* nothing left to check */
}

static const struct test_case cases[] = {
	{ "checks go highest priority first, one per Ta (50 ms), with integrity and fingerprint",
	  checks_go_highest_priority_first_one_per_ta },
	{ "candidates rtpgate cannot use (TCP, mDNS, other family, other component) are left out",
	  candidates_rtpgate_cannot_use_are_left_out },
	{ "the controlling agent nominates the first pair that succeeds and selects it when answered",
	  controlling_nominates_the_first_pair_that_succeeds },
	{ "an unanswered check is sent 7 times, then the pair fails",
	  an_unanswered_check_is_retransmitted_then_given_up },
	{ "a check from an unknown source triggers our own check back to it (peer-reflexive)",
	  a_check_from_the_peer_triggers_ours_back },
	{ "a role conflict goes to the larger tie-breaker: 487 or a switch",
	  a_role_conflict_goes_to_the_larger_tiebreaker },
	{ "consent checks follow the selection every 4-6 s; answers renew consent, silence ends it",
	  consent_checks_follow_the_selection_and_renew_it },
	{ "answers we did not ask for, cannot verify, or from elsewhere change nothing",
	  answers_we_did_not_ask_for_or_cannot_verify_are_ignored },
};

static void cleanup(void)
{
	rg_ice_destroy(we);
	rg_ice_destroy(they);
}

int main(void)
{
	int rc = test_run("tests/daemon/test_ice_full.c", cases,
			  sizeof(cases) / sizeof(cases[0]));

	cleanup();
	return rc;
}
