/* test_ng_webrtc.c - what offers and answers do to a call's ICE agents and
 * DTLS endpoints (call_ice.c, call_dtls.c), looked at inside the call:
 * roles, re-offers that keep or replace a handshake, lite peers.
 *
 * Media ports stay in 43600-43799.
 */
/* needs: ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#define PORT_MIN 43600
#define PORT_MAX 43799
#include "ng_fixture.h"

#include "call_crypto.h"
#include "dtls.h"

#define FP_1 "sha-256 1C:7B:22:5E:4F:A0:93:19:6E:0D:8C:B1:5A:72:E4:3C:" \
	"9F:01:B8:66:2D:4A:C7:E5:11:90:3B:F2:08:6C:D4:A7"
#define FP_2_HEX "2C:7B:22:5E:4F:A0:93:19:6E:0D:8C:B1:5A:72:E4:3C:" \
	"9F:01:B8:66:2D:4A:C7:E5:11:90:3B:F2:08:6C:D4:A7"
#define FP_2 "sha-256 " FP_2_HEX

/* A browser's offer: ICE as @ufrag, DTLS with @setup and fingerprint
 * @fp, mux. */
static char *browser_sdp_ufrag(struct fx *f, const char *setup, const char *fp,
			       bool lite, const char *ufrag)
{
	return rg_arena_printf(f->arena,
		"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n%s"
		"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\n"
		"a=ice-ufrag:%s\r\na=ice-pwd:6yQm1n5aTfGv9sS1kX0wZr2p\r\n"
		"a=fingerprint:%s\r\na=setup:%s\r\na=mid:0\r\na=rtcp-mux\r\n",
		lite ? "a=ice-lite\r\n" : "", ufrag, fp, setup);
}

static char *browser_sdp(struct fx *f, const char *setup, const char *fp, bool lite)
{
	return browser_sdp_ufrag(f, setup, fp, lite, "Xk3b");
}

/* The browser's media in call @id (its tag is "caller"). */
static struct rg_media *browser_media(struct fx *f, const char *id)
{
	struct rg_call *call = rg_call_lookup(f->ctx.calls, id);
	struct rg_monologue *ml = call ? rg_call_monologue_find(call, "caller") : NULL;

	return ml ? rg_media_find(ml, 1) : NULL;
}

/* Browser -> phone with the tutorial's flags; true if both went through. */
static bool browser_calls(struct fx *f, const char *id, const char *setup,
			  const char *fp, bool lite)
{
	struct bencode_item *o = offer_req(f, id, browser_sdp(f, setup, fp, lite));
	struct bencode_item *a = answer_req(f, id, SDP_B);

	bencode_dict_add_str(f->arena, o, "transport-protocol", "RTP/AVP");
	bencode_dict_add_str(f->arena, o, "ICE", "remove");
	bencode_dict_add_str(f->arena, a, "transport-protocol", "UDP/TLS/RTP/SAVPF");
	bencode_dict_add_str(f->arena, a, "ICE", "force");
	return is_clean(ask(f, o)) && is_clean(ask(f, a));
}

static bool with_cert(struct fx *f)
{
	f->ctx.dtls_cert = rg_dtls_cert_create(NULL);
	return f->ctx.dtls_cert != NULL;
}

static void without_cert(struct fx *f)
{
	rg_calls_destroy(f->ctx.calls);	/* endpoints go before the certificate */
	f->ctx.calls = rg_calls_create();
	rg_dtls_cert_destroy(f->ctx.dtls_cert);
	f->ctx.dtls_cert = NULL;
}

static void the_answerers_setup_decides_rtpgates_dtls_role_body(struct fx *f)
{
	struct rg_media *m;

	CHECK(with_cert(f));
	CHECK(browser_calls(f, "actpass", "actpass", FP_1, false));
	m = browser_media(f, "actpass");
	CHECK(m && m->crypto && m->crypto->dtls && m->crypto->ep);
	CHECK(m && m->crypto && m->crypto->role == RG_DTLS_SERVER);
	CHECK(browser_calls(f, "passive", "passive", FP_1, false));
	m = browser_media(f, "passive");
	CHECK(m && m->crypto && m->crypto->role == RG_DTLS_CLIENT);
	without_cert(f);
}
FX_CASE(the_answerers_setup_decides_rtpgates_dtls_role)

static void a_reoffer_keeps_the_handshake_unless_the_fingerprint_changes_body(struct fx *f)
{
	struct rg_media *m;
	struct rg_dtls *first;

	CHECK(with_cert(f));
	CHECK(browser_calls(f, "re", "actpass", FP_1, false));
	m = browser_media(f, "re");
	first = m && m->crypto ? m->crypto->ep : NULL;
	CHECK(first != NULL);
	CHECK(browser_calls(f, "re", "actpass", FP_1, false));
	m = browser_media(f, "re");
	CHECK(m && m->crypto && m->crypto->ep == first);
	CHECK(browser_calls(f, "re", "actpass", FP_2, false));
	m = browser_media(f, "re");
	CHECK(m && m->crypto && m->crypto->ep && m->crypto->ep != first);
	CHECK(m && m->crypto && !strcmp(m->crypto->ep_fp, FP_2_HEX));
	without_cert(f);
}
FX_CASE(a_reoffer_keeps_the_handshake_unless_the_fingerprint_changes)

static void ice_peers_are_full_agents_a_lite_peer_is_not_one_body(struct fx *f)
{
	struct rg_media *m;

	CHECK(with_cert(f));
	CHECK(browser_calls(f, "full", "actpass", FP_1, false));
	m = browser_media(f, "full");
	CHECK(m && m->ice && m->ice_peer);
	CHECK(browser_calls(f, "lite", "actpass", FP_1, true));
	m = browser_media(f, "lite");
	CHECK(m && m->ice && !m->ice_peer);
	without_cert(f);
}
FX_CASE(ice_peers_are_full_agents_a_lite_peer_is_not_one)

static void ice_remove_in_the_answer_leaves_the_offerer_without_an_agent_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "rm", SDP_A), *a;
	const struct bencode_item *r;
	struct rg_media *m;

	bencode_dict_add_str(f->arena, o, "ICE", "force");
	CHECK(is_clean(ask(f, o)));
	a = answer_req(f, "rm", SDP_B);
	bencode_dict_add_str(f->arena, a, "ICE", "force");
	r = ask(f, a);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "a=ice-lite"));
	CHECK(browser_media(f, "rm") && browser_media(f, "rm")->ice);
	a = answer_req(f, "rm", SDP_B);
	bencode_dict_add_str(f->arena, a, "ICE", "remove");
	r = ask(f, a);
	CHECK(is_clean(r));
	CHECK(strstr(str_at(r, "sdp"), "ice-") == NULL);
	m = browser_media(f, "rm");
	CHECK(m && !m->ice);
}
FX_CASE(ice_remove_in_the_answer_leaves_the_offerer_without_an_agent)

/* rtpgate's ice-ufrag in the answer of call @id to the browser */
static char *answered_ufrag(struct fx *f, const char *id, const char *sdp)
{
	struct bencode_item *o = offer_req(f, id, sdp), *a;
	const struct bencode_item *r;
	const char *u;

	bencode_dict_add_str(f->arena, o, "transport-protocol", "RTP/AVP");
	bencode_dict_add_str(f->arena, o, "ICE", "remove");
	if (!is_clean(ask(f, o)))
		return NULL;
	a = answer_req(f, id, SDP_B);
	bencode_dict_add_str(f->arena, a, "transport-protocol", "UDP/TLS/RTP/SAVPF");
	r = ask(f, a);
	u = is_clean(r) ? strstr(str_at(r, "sdp"), "a=ice-ufrag:") : NULL;
	return u ? rg_arena_strndup(f->arena, u, strcspn(u, "\r\n")) : NULL;
}

static void an_ice_restart_by_the_browser_gets_new_credentials_back_body(struct fx *f)
{
	const char *sdp, *first, *again, *restarted;

	CHECK(with_cert(f));
	sdp = browser_sdp(f, "actpass", FP_1, false);
	first = answered_ufrag(f, "rs", sdp);
	again = answered_ufrag(f, "rs", sdp);
	CHECK(first && again && !strcmp(first, again));
	restarted = answered_ufrag(f, "rs", browser_sdp_ufrag(f, "actpass", FP_1, false, "Yb7c"));
	CHECK(restarted && first && strcmp(first, restarted) != 0);
	without_cert(f);
}
FX_CASE(an_ice_restart_by_the_browser_gets_new_credentials_back)

static void dtls_off_refuses_a_call_with_a_dtls_party_body(struct fx *f)
{
	struct bencode_item *o;

	CHECK(with_cert(f));
	o = offer_req(f, "off", browser_sdp(f, "actpass", FP_1, false));
	bencode_dict_add_str(f->arena, o, "transport-protocol", "RTP/AVP");
	bencode_dict_add_str(f->arena, o, "DTLS", "off");
	CHECK(is_error(ask(f, o), "Unsupported option 'DTLS=off'"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	without_cert(f);
}
FX_CASE(dtls_off_refuses_a_call_with_a_dtls_party)

static const struct test_case cases[] = {
	{ "the answerer's a=setup decides rtpgate's DTLS role", the_answerers_setup_decides_rtpgates_dtls_role },
	{ "a re-offer keeps the DTLS handshake unless the fingerprint changes", a_reoffer_keeps_the_handshake_unless_the_fingerprint_changes },
	{ "a party whose SDP has ICE is an ICE peer, unless it is ICE-lite", ice_peers_are_full_agents_a_lite_peer_is_not_one },
	{ "ICE=remove in an answer leaves the offerer without rtpgate's agent", ice_remove_in_the_answer_leaves_the_offerer_without_an_agent },
	{ "DTLS=off refuses a call with a DTLS party", dtls_off_refuses_a_call_with_a_dtls_party },
	{ "an ICE restart by the browser gets new credentials back, a re-offer does not", an_ice_restart_by_the_browser_gets_new_credentials_back },
};

TEST_MAIN(cases)
