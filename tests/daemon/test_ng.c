/* test_ng.c - NG request handling through rg_ng_process(): commands and
 * keys as Kamailio sends them, SDP rewriting, limits, delete, list,
 * query and statistics, on a real context (ng_fixture.h).
 *
 * Media ports stay in 43000-43199 (test_ng_server: 43400-43599,
 * test_ports: 41000-41999, test_interface: 42000-42999).
 */
/* needs: ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#define PORT_MIN 43000
#define PORT_MAX 43199
#include "ng_fixture.h"

/* ---- commands and keys ---- */

static void ping_answers_pong_body(struct fx *f)
{
	const struct bencode_item *r = ask(f, request(f, "ping", NULL));

	CHECK(r && is_result(r, "pong"));
	CHECK(at(r, "error-reason") == NULL);
	r = send_raw(f, "d7:command4:pinge", 17);
	CHECK(r && is_result(r, "pong"));
}
FX_CASE(ping_answers_pong)

static void unknown_command_is_rejected_body(struct fx *f)
{
	CHECK(is_error(ask(f, request(f, "launch", NULL)), "Unrecognized command"));
	CHECK(is_error(ask(f, request(f, "", NULL)), "Unrecognized command"));
	CHECK(is_error(send_raw(f, "d7:commandi5ee", 14), "Unrecognized command"));
	CHECK(is_error(send_raw(f, "d7:call-id1:xe", 14), "No command in message"));
	CHECK(is_error(send_raw(f, "de", 2), "No command in message"));
}
FX_CASE(unknown_command_is_rejected)

static void keys_are_matched_leniently_body(struct fx *f)
{
	struct bencode_item *o = bencode_dict_new(f->arena);
	const struct bencode_item *r;

	bencode_dict_add_str(f->arena, o, "Command", "OFFER");
	bencode_dict_add_str(f->arena, o, "Call ID", "lenient");
	bencode_dict_add_str(f->arena, o, "FROM_TAG", "caller");
	bencode_dict_add_str(f->arena, o, "SDP", SDP_A);
	CHECK(is_clean(ask(f, o)));
	r = ask(f, request(f, "query", "call_id", "lenient", NULL));
	CHECK(is_clean(r));
	r = ask(f, request(f, "Query", "Call-ID", "lenient", NULL));
	CHECK(is_clean(r));
	CHECK(at(r, "tags/caller") != NULL);
}
FX_CASE(keys_are_matched_leniently)

static void numbers_may_come_as_strings_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "n1", SDP_A);
	struct bencode_item *d;

	bencode_dict_add_str(f->arena, o, "TOS", "184");
	CHECK(is_clean(ask(f, o)));
	CHECK(is_ok(ask(f, offer_req(f, "n2", SDP_A))));
	CHECK_INT(len_at(ask(f, request(f, "list", "limit", "1", NULL)), "calls"), 1);
	d = request(f, "delete", "call-id", "n1", "delete-delay", "0", NULL);
	CHECK(is_clean(ask(f, d)));
	d = request(f, "delete", "call-id", "n2", NULL);
	bencode_dict_add_int(f->arena, d, "delete-delay", 0);
	CHECK(is_clean(ask(f, d)));
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(numbers_may_come_as_strings)

static void missing_keys_are_rejected_with_the_matching_reason_body(struct fx *f)
{
	CHECK(is_error(ask(f, request(f, "offer", "from-tag", "a", "sdp", SDP_A, NULL)),
		       "No call-id in message"));
	CHECK(is_error(ask(f, request(f, "offer", "call-id", "c", "sdp", SDP_A, NULL)),
		       "No from-tag in message"));
	CHECK(is_error(ask(f, request(f, "offer", "call-id", "c", "from-tag", "a", NULL)),
		       "No SDP body in message"));
	CHECK(is_error(ask(f, request(f, "offer", "call-id", "", "from-tag", "a", "sdp", SDP_A, NULL)),
		       "No call-id in message"));
	CHECK(is_ok(ask(f, offer_req(f, "c", SDP_A))));
	CHECK(is_error(ask(f, request(f, "answer", "call-id", "c", "from-tag", "caller",
				       "sdp", SDP_B, NULL)), "No to-tag in message"));
	CHECK(is_error(ask(f, request(f, "delete", NULL)), "No call-id in message"));
	CHECK(is_error(ask(f, request(f, "query", NULL)), "No call-id in message"));
}
FX_CASE(missing_keys_are_rejected_with_the_matching_reason)

static void unknown_calls_are_rejected_by_answer_and_query_body(struct fx *f)
{
	CHECK(is_error(ask(f, answer_req(f, "nope", SDP_B)), "Unknown call-id"));
	CHECK(is_error(ask(f, request(f, "query", "call-id", "nope", NULL)), "Unknown call-id"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
}
FX_CASE(unknown_calls_are_rejected_by_answer_and_query)

static void sdp_that_does_not_parse_is_rejected_body(struct fx *f)
{
	CHECK(is_error(ask(f, offer_req(f, "bad", "hello")), "Failed to parse SDP: "));
	CHECK(is_error(ask(f, offer_req(f, "bad", "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n"
					 "t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n")),
		       "Failed to parse SDP: no c= line for media 1"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(sdp_that_does_not_parse_is_rejected)

/* ---- what Kamailio sends ---- */

/* Kamailio 5.6's base call byte for byte (see the capture); the delete as
 * rtpengine_delete("delete-delay=0") sends it. */
static const char kam_offer[] =
	"d8:supportsl10:load limite3:sdp235:" SDP_A
	"7:replacel6:origin18:session-connectione7:call-id17:1-6996@127.0.0.10"
	"13:received-froml3:IP410:127.0.0.10e8:from-tag11:6996caller17:command5:offere";
static const char kam_answer[] =
	"d8:supportsl10:load limite3:sdp217:" SDP_B
	"7:replacel6:origin18:session-connectione7:call-id17:1-6996@127.0.0.10"
	"13:received-froml3:IP410:127.0.0.20e8:from-tag11:6996caller16:to-tag11:6994callee1"
	"7:command6:answere";
static const char kam_delete[] =
	"d8:supportsl10:load limite7:call-id17:1-6996@127.0.0.10"
	"13:received-froml3:IP410:127.0.0.10e8:from-tag11:6996caller1"
	"12:delete delayi0e12:delete-delay1:0"
	"7:command6:deletee";

static void kamailio_offer_answer_and_delete_pass_without_warnings_body(struct fx *f)
{
	const struct bencode_item *r;

	CHECK_INT(strlen(SDP_A), 235);
	CHECK_INT(strlen(SDP_B), 217);
	r = send_raw(f, kam_offer, sizeof(kam_offer) - 1);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "o=caller 53655765 2353687637 IN IP4 127.0.0.1"));
	r = send_raw(f, kam_answer, sizeof(kam_answer) - 1);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "o=callee 2890844527 2890844527 IN IP4 127.0.0.1"));
	r = send_raw(f, kam_delete, sizeof(kam_delete) - 1);
	CHECK(is_clean(r));
	CHECK_INT(int_at(r, "totals/RTP/packets"), 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(kamailio_offer_answer_and_delete_pass_without_warnings)

static void both_delete_delay_spellings_in_one_request_are_accepted_body(struct fx *f)
{
	struct bencode_item *d;

	CHECK(is_ok(ask(f, offer_req(f, "dd", SDP_A))));
	d = request(f, "delete", "call-id", "dd", "from-tag", "caller", NULL);
	bencode_dict_add_int(f->arena, d, "delete delay", 7);
	bencode_dict_add_str(f->arena, d, "delete-delay", "7");
	CHECK(is_clean(ask(f, d)));
	CHECK_INT(used(f, IF_INTERNAL), 2);	/* kept for 7 s */
	rg_calls_reap(f->ctx.calls, f->ctx.now_us + 7 * G_USEC_PER_SEC);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(both_delete_delay_spellings_in_one_request_are_accepted)

static void unknown_flags_and_keys_come_back_as_warnings_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "w", SDP_A);
	const struct bencode_item *r;

	bencode_dict_add_str(f->arena, o, "another", "value");
	put_list(f, o, "flags", "some-unknown-flag", "trust-address", "unknown=1", NULL);
	r = ask(f, o);
	CHECK(is_ok(r));
	CHECK(str_at(r, "sdp") != NULL);
	CHECK(has_warning(r, "Unknown key 'another'; Unknown flag 'some-unknown-flag'"));
	CHECK(has_warning(r, "; Unknown flag 'unknown=1'"));
}
FX_CASE(unknown_flags_and_keys_come_back_as_warnings)

struct option_case {
	const char *key, *value;	/* value NULL: key is a flag */
	bool list;			/* value sent as a one-entry list */
	const char *reason;
};

static const struct option_case unsupported[] = {
	/* this fixture has no DTLS certificate, as a daemon whose start-up
	 * could not make one: DTLS-SRTP is refused with the reason */
	{ "transport-protocol", "UDP/TLS/RTP/SAVPF", false, "DTLS-SRTP is not available: no certificate" },
	{ "UDP/TLS/RTP/SAVP", NULL, false, "DTLS-SRTP is not available: no certificate" },
	{ "record-call", "yes", false, "Unsupported option 'record-call'" },
	{ "codec", "transcode", false, "Unsupported option 'transcode'" },
};

/* An offer for call @id with one option added as @c says. */
static struct bencode_item *offer_with(struct fx *f, const char *id, const struct option_case *c)
{
	struct bencode_item *o = offer_req(f, id, SDP_A), *d;

	if (!c->value)
		put_list(f, o, "flags", c->key, NULL);
	else if (strcmp(c->key, "codec") == 0 && (d = bencode_dict_add_dict(f->arena, o, "codec")))
		put_list(f, d, c->value, "PCMA", NULL);
	else if (c->list)
		put_list(f, o, c->key, c->value, NULL);
	else
		bencode_dict_add_str(f->arena, o, c->key, c->value);
	return o;
}

static void options_needing_missing_parts_are_rejected_naming_them_body(struct fx *f)
{
	size_t i, bad = 0;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!is_error(ask(f, offer_with(f, "u", &unsupported[i])), unsupported[i].reason)) {
			printf("    ^ %s %s\n", unsupported[i].key, unsupported[i].value ?: "");
			bad++;
		}
	CHECK_INT(bad, 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(options_needing_missing_parts_are_rejected_naming_them)

static const struct option_case switch_offs[] = {
	{ "DTLS", "off", false, NULL }, { "DTLS", "no", false, NULL },
	{ "SDES", "off", true, NULL }, { "SDES-off", NULL, false, NULL },
	{ "SDES=off", NULL, false, NULL }, { "ICE", "remove", false, NULL },
	{ "ICE", "default", false, NULL }, { "ICE=remove", NULL, false, NULL },
	{ "DTLS=off", NULL, false, NULL }, { "transport-protocol", "RTP/AVP", false, NULL },
	{ "transport-protocol", "accept", false, NULL }, { "RTP/AVP", NULL, false, NULL },
	{ "record-call", "no", false, NULL },
	/* ICE and DTLS options a plain call accepts */
	{ "ICE", "force", false, NULL }, { "ICE", "force-relay", false, NULL },
	{ "ICE-lite", NULL, false, NULL }, { "ICE-lite", "forward", false, NULL },
	{ "DTLS", "passive", false, NULL }, { "DTLS", "active", false, NULL },
	{ "DTLS-fingerprint", "sha-1", false, NULL },
};

static void switch_offs_pass_without_warning_body(struct fx *f)
{
	size_t i, bad = 0;
	char id[32];

	for (i = 0; i < sizeof(switch_offs) / sizeof(switch_offs[0]); i++) {
		snprintf(id, sizeof(id), "s%zu", i);
		if (!is_clean(ask(f, offer_with(f, id, &switch_offs[i])))) {
			printf("    ^ %s %s\n", switch_offs[i].key, switch_offs[i].value ?: "");
			bad++;
		}
	}
	CHECK_INT(bad, 0);
}
FX_CASE(switch_offs_pass_without_warning)

/* ---- SDP rewriting ---- */

static void offer_and_answer_point_both_parties_at_the_relay_body(struct fx *f)
{
	const struct bencode_item *o = ask(f, offer_req(f, "rw", SDP_A));
	const struct bencode_item *a;
	const char *sdp = str_at(o, "sdp");
	long p = m_port(sdp, "audio"), q;

	CHECK(is_clean(o));
	CHECK(in_range(p));
	CHECK(has_linef(sdp, "o=caller 53655765 2353687637 IN IP4 127.0.0.10"));
	CHECK(has_linef(sdp, "s=rtpgate e2e"));
	CHECK(has_linef(sdp, "c=IN IP4 127.0.0.1"));
	CHECK(has_linef(sdp, "m=audio %ld RTP/AVP 0 8 101", p));
	CHECK(has_linef(sdp, "a=rtcp:%ld", p + 1));
	CHECK(has_linef(sdp, "a=fmtp:101 0-15"));
	CHECK(strstr(sdp, "a=rtcp:") > strstr(sdp, "a=sendrecv"));	/* appended last */
	CHECK(strstr(sdp, "127.0.0.10") && !strstr(strstr(sdp, "127.0.0.10") + 1, "127.0.0.10"));
	CHECK_INT(used(f, IF_INTERNAL), 2);
	a = ask(f, answer_req(f, "rw", SDP_B));
	sdp = str_at(a, "sdp");
	q = m_port(sdp, "audio");
	CHECK(is_clean(a));
	CHECK(in_range(q) && q != p);
	CHECK(has_linef(sdp, "c=IN IP4 127.0.0.1"));
	CHECK(has_linef(sdp, "m=audio %ld RTP/AVP 0 101", q));
	CHECK(strstr(sdp, "a=rtcp:16101") == NULL);
	CHECK(has_linef(sdp, "a=rtcp:%ld", q + 1));
	CHECK(strstr(sdp, "a=rtcp:") < strstr(sdp, "a=sendrecv"));	/* replaced in place */
	CHECK_INT(used(f, IF_INTERNAL), 2);
}
FX_CASE(offer_and_answer_point_both_parties_at_the_relay)

static void query_shows_each_partys_relay_ports_and_peer_body(struct fx *f)
{
	const struct bencode_item *r;
	long p, q;

	CHECK(call_up(f, "q", &p, &q));
	r = ask(f, request(f, "query", "call-id", "q", "from-tag", "caller", "to-tag", "callee", NULL));
	CHECK(is_clean(r));
	CHECK(int_at(r, "created") > 1600000000);
	CHECK(int_at(r, "created_us") >= 0);
	CHECK(int_at(r, "last signal") >= int_at(r, "created"));
	CHECK_STR(str_at(r, "tags/caller/tag"), "caller");
	CHECK_STR(str_at(r, "tags/caller/in dialogue with"), "callee");
	CHECK_STR(str_at(r, "tags/callee/in dialogue with"), "caller");
	CHECK_INT(int_at(r, "tags/caller/medias/0/index"), 1);
	CHECK_STR(str_at(r, "tags/caller/medias/0/type"), "audio");
	CHECK_STR(str_at(r, "tags/caller/medias/0/protocol"), "RTP/AVP");
	CHECK(at(r, "tags/caller/medias/0/flags") && at(r, "tags/caller/medias/0/flags")->type == BENCODE_LIST);
	CHECK_INT(int_at(r, "tags/caller/medias/0/streams/0/local port"), q);
	CHECK_INT(int_at(r, "tags/caller/medias/0/streams/1/local port"), q + 1);
	CHECK_INT(int_at(r, "tags/callee/medias/0/streams/0/local port"), p);
	CHECK_STR(str_at(r, "tags/caller/medias/0/streams/0/local address"), "127.0.0.1");
	CHECK_STR(str_at(r, "tags/caller/medias/0/streams/0/flags/0"), "RTP");
	CHECK_STR(str_at(r, "tags/caller/medias/0/streams/1/flags/0"), "RTCP");
	CHECK_STR(str_at(r, "tags/caller/medias/0/streams/0/endpoint/family"), "IPv4");
	CHECK_STR(str_at(r, "tags/caller/medias/0/streams/0/endpoint/address"), "127.0.0.10");
	CHECK_INT(int_at(r, "tags/caller/medias/0/streams/0/endpoint/port"), 16000);
	CHECK_INT(int_at(r, "tags/caller/medias/0/streams/1/endpoint/port"), 16001);
	CHECK(at(r, "tags/caller/medias/0/streams/0/advertised endpoint") != NULL);
	CHECK_STR(str_at(r, "tags/callee/medias/0/streams/0/endpoint/address"), "127.0.0.20");
	CHECK_INT(int_at(r, "tags/callee/medias/0/streams/1/endpoint/port"), 16101);
	CHECK_INT(int_at(r, "tags/callee/medias/0/streams/0/stats/packets"), 0);
	CHECK_INT(int_at(r, "tags/callee/medias/0/streams/0/stats/bytes"), 0);
	CHECK_INT(int_at(r, "tags/callee/medias/0/streams/0/stats/errors"), 0);
	CHECK(at(r, "tags/callee/medias/0/streams/0/last packet") != NULL);
	CHECK_INT(int_at(r, "totals/RTP/packets"), 0);
	CHECK_INT(int_at(r, "totals/RTCP/bytes"), 0);
}
FX_CASE(query_shows_each_partys_relay_ports_and_peer)

static void direction_shows_the_external_address_in_the_offer_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "dir", SDP_A);
	const struct bencode_item *r;
	long p;

	put_list(f, o, "direction", "internal", "external", NULL);
	r = ask(f, o);
	CHECK(is_clean(r));
	p = m_port(str_at(r, "sdp"), "audio");
	CHECK(in_range(p));
	CHECK(has_linef(str_at(r, "sdp"), "c=IN IP4 203.0.113.5"));
	CHECK_INT(used(f, IF_INTERNAL), 1);
	CHECK_INT(used(f, IF_EXTERNAL), 1);
	r = ask(f, answer_req(f, "dir", SDP_B));
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "c=IN IP4 127.0.0.1"));
	o = request(f, "offer", "call-id", "dir2", "from-tag", "x", "sdp", SDP_A, NULL);
	put_list(f, o, "flags", "direction=external", "direction=internal", "full-rtcp-attribute", NULL);
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "c=IN IP4 127.0.0.1"));
	CHECK_INT(used(f, IF_EXTERNAL), 2);
}
FX_CASE(direction_shows_the_external_address_in_the_offer)

static void unknown_interface_names_are_rejected_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "ui", SDP_A);

	put_list(f, o, "direction", "internal", "nowhere", NULL);
	CHECK(is_error(ask(f, o), "Unknown interface 'nowhere'"));
	o = offer_req(f, "ui", SDP_A);
	bencode_dict_add_str(f->arena, o, "address-family", "IP6");
	put_list(f, o, "direction", "internal", "external", NULL);
	CHECK(is_error(ask(f, o), "No IPv6 interface named 'external'"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(used(f, IF_INTERNAL) + used(f, IF_EXTERNAL), 0);
}
FX_CASE(unknown_interface_names_are_rejected)

static void address_family_ip6_gives_an_ipv6_relay_address_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "v6", SDP_A);
	const struct bencode_item *r;

	bencode_dict_add_str(f->arena, o, "address-family", "IP6");
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "c=IN IP6 ::1"));
	CHECK_INT(used(f, IF_INTERNAL6), 1);
	CHECK_INT(used(f, IF_INTERNAL), 1);
}
FX_CASE(address_family_ip6_gives_an_ipv6_relay_address)

static void rtcp_attribute_can_be_dropped_or_written_in_full_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "r1", SDP_B);
	const struct bencode_item *r;
	long p;

	put_list(f, o, "flags", "no-rtcp-attribute", NULL);
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(in_range(m_port(str_at(r, "sdp"), "audio")));
	CHECK(strstr(str_at(r, "sdp"), "a=rtcp") == NULL);
	o = offer_req(f, "r2", SDP_A);
	put_list(f, o, "flags", "full-rtcp-attribute", NULL);
	r = ask(f, o);
	p = m_port(str_at(r, "sdp"), "audio");
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "a=rtcp:%ld IN IP4 127.0.0.1", p + 1));
}
FX_CASE(rtcp_attribute_can_be_dropped_or_written_in_full)

static void re_offer_keeps_its_ports_body(struct fx *f)
{
	long p1, p2;

	p1 = m_port(str_at(ask(f, offer_req(f, "re", SDP_A)), "sdp"), "audio");
	p2 = m_port(str_at(ask(f, offer_req(f, "re", SDP_A)), "sdp"), "audio");
	CHECK(in_range(p1));
	CHECK_INT(p2, p1);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK_INT(rg_calls_count(f->ctx.calls), 1);
}
FX_CASE(re_offer_keeps_its_ports)

static void rejected_media_keeps_port_zero_and_takes_no_ports_body(struct fx *f)
{
	const char *sdp = SDP_A "m=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n";
	const struct bencode_item *r = ask(f, offer_req(f, "z", sdp));

	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "m=video 0 RTP/AVP 96"));
	CHECK(in_range(m_port(str_at(r, "sdp"), "audio")));
	CHECK_INT(used(f, IF_INTERNAL), 2);
	r = ask(f, answer_req(f, "z", SDP_B "m=video 0 RTP/AVP 96\r\n"));
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "m=video 0 RTP/AVP 96"));
	CHECK_STR(str_at(ask(f, request(f, "query", "call-id", "z", NULL)),
			 "tags/caller/medias/1/flags/0"), "rejected");
}
FX_CASE(rejected_media_keeps_port_zero_and_takes_no_ports)

static void hold_address_stays_unspecified_body(struct fx *f)
{
	const char *hold = "v=0\r\no=caller 1 2 IN IP4 127.0.0.10\r\ns=-\r\n"
		"c=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 16000 RTP/AVP 0\r\na=sendonly\r\n";
	const struct bencode_item *r = ask(f, offer_req(f, "hold", hold));

	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "c=IN IP4 0.0.0.0"));
	CHECK(has_linef(str_at(r, "sdp"), "a=sendonly"));
}
FX_CASE(hold_address_stays_unspecified)

static void replace_options_rewrite_origin_and_session_name_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "rep", SDP_A);
	const struct bencode_item *r;

	put_list(f, o, "replace", "origin", "session-name", "session-connection", NULL);
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "o=caller 53655765 2353687637 IN IP4 127.0.0.1"));
	CHECK(has_linef(str_at(r, "sdp"), "s=rtpgate"));
	o = offer_req(f, "rep", SDP_A "m=video 0 RTP/AVP 96\r\n");
	put_list(f, o, "flags", "replace-origin", NULL);
	r = ask(f, o);	/* a changed body: version + 1 */
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "o=caller 53655765 2353687638 IN IP4 127.0.0.1"));
}
FX_CASE(replace_options_rewrite_origin_and_session_name)

static void ice_is_terminated_the_senders_attributes_never_pass_body(struct fx *f)
{
	const char *sdp = SDP_A "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef0123\r\n"
		"a=candidate:1 1 UDP 2130706431 127.0.0.10 16000 typ host\r\n";
	struct bencode_item *o = offer_req(f, "ice", sdp);
	const struct bencode_item *r = ask(f, o);
	const char *out = str_at(r, "sdp");

	CHECK(is_clean(r));	/* default: the receiver gets rtpgate's ICE */
	CHECK(strstr(out, "a=ice-ufrag:abcd") == NULL);
	CHECK(strstr(out, "127.0.0.10 16000") == NULL);
	CHECK(has_linef(out, "a=ice-lite"));
	CHECK(strstr(out, "a=candidate:") != NULL);
	o = offer_req(f, "ice", sdp);
	bencode_dict_add_str(f->arena, o, "ICE", "remove");
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(strstr(str_at(r, "sdp"), "candidate") == NULL);
	CHECK(strstr(str_at(r, "sdp"), "ice-") == NULL);
}
FX_CASE(ice_is_terminated_the_senders_attributes_never_pass)

static void codec_strip_removes_the_payload_type_and_its_lines_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "cs", SDP_A), *c;
	const struct bencode_item *r;
	long p;

	c = bencode_dict_add_dict(f->arena, o, "codec");
	put_list(f, c, "strip", "pcma", NULL);
	r = ask(f, o);
	p = m_port(str_at(r, "sdp"), "audio");
	CHECK(is_clean(r));
	CHECK(has_linef(str_at(r, "sdp"), "m=audio %ld RTP/AVP 0 101", p));
	CHECK(strstr(str_at(r, "sdp"), "PCMA") == NULL);
	o = offer_req(f, "cs2", SDP_A);
	put_list(f, o, "flags", "codec-strip-all", "codec-offer-PCMU", "codec-offer-opus", NULL);
	r = ask(f, o);
	p = m_port(str_at(r, "sdp"), "audio");
	CHECK(has_warning(r, "codec-offer 'opus' needs transcoding"));
	CHECK(has_linef(str_at(r, "sdp"), "m=audio %ld RTP/AVP 0", p));
	o = offer_req(f, "cs3", SDP_A);
	put_list(f, o, "flags", "codec-strip-all", NULL);
	CHECK(is_error(ask(f, o), "Codec filter would leave media 1 without codecs"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 2);
}
FX_CASE(codec_strip_removes_the_payload_type_and_its_lines)

static void transport_protocol_converts_the_offer_and_the_answer_back_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "tp", SDP_A);
	const struct bencode_item *r;

	bencode_dict_add_str(f->arena, o, "transport-protocol", "RTP/AVPF");
	r = ask(f, o);
	CHECK(is_clean(r));
	CHECK(strstr(str_at(r, "sdp"), " RTP/AVPF 0 8 101\r\n") != NULL);
	r = ask(f, answer_req(f, "tp", "v=0\r\no=- 1 1 IN IP4 127.0.0.20\r\ns=-\r\n"
			      "c=IN IP4 127.0.0.20\r\nt=0 0\r\nm=audio 16100 RTP/AVPF 0\r\n"
			      "a=rtcp-fb:0 nack\r\n"));
	CHECK(is_clean(r));
	CHECK(strstr(str_at(r, "sdp"), " RTP/AVP 0\r\n") != NULL);
	CHECK(strstr(str_at(r, "sdp"), "rtcp-fb") == NULL);
}
FX_CASE(transport_protocol_converts_the_offer_and_the_answer_back)

static void answer_that_does_not_fit_the_offer_is_rejected_body(struct fx *f)
{
	CHECK(is_ok(ask(f, offer_req(f, "af", SDP_A))));
	CHECK(is_error(ask(f, answer_req(f, "af", SDP_B "m=video 9000 RTP/AVP 96\r\n")),
		       "Answer has more media sections than the offer"));
	CHECK(is_error(ask(f, request(f, "answer", "call-id", "af", "from-tag", "who",
				      "to-tag", "callee", "sdp", SDP_B, NULL)),
		       "Unknown from-tag 'who'"));
	CHECK_INT(used(f, IF_INTERNAL), 2);
}
FX_CASE(answer_that_does_not_fit_the_offer_is_rejected)

/* ---- limits ---- */

static void max_sessions_answers_load_limit_or_an_error_body(struct fx *f)
{
	struct bencode_item *o;
	const struct bencode_item *r;

	f->ctx.limits.max_sessions = 1;
	CHECK(is_ok(ask(f, offer_req(f, "m1", SDP_A))));
	o = offer_req(f, "m2", SDP_A);
	put_list(f, o, "supports", "load limit", NULL);
	r = ask(f, o);
	CHECK(is_result(r, "load limit"));
	CHECK(at(r, "sdp") == NULL);
	CHECK(is_error(ask(f, offer_req(f, "m2", SDP_A)), "Parallel session limit reached"));
	CHECK(is_ok(ask(f, offer_req(f, "m1", SDP_A))));	/* a re-offer is no new session */
	CHECK_INT(rg_calls_count(f->ctx.calls), 1);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	f->ctx.limits.max_sessions = 0;
	CHECK(is_error(ask(f, offer_req(f, "m3", SDP_A)), "Parallel session limit reached"));
}
FX_CASE(max_sessions_answers_load_limit_or_an_error)

static void offer_without_free_ports_is_rejected_and_holds_none_body(struct fx *f)
{
	const struct bencode_item *r;

	CHECK(is_ok(ask(f, offer_req(f, "p1", SDP_A))));	/* both pairs */
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK(is_error(ask(f, offer_req(f, "p2", SDP_A)), "Ran out of ports"));
	CHECK_INT(rg_calls_count(f->ctx.calls), 1);
	CHECK(is_ok(ask(f, request(f, "delete", "call-id", "p1", NULL))));
	CHECK_INT(used(f, IF_INTERNAL), 0);
	r = ask(f, offer_req(f, "p3", SDP_A "m=video 9000 RTP/AVP 96\r\n"));
	CHECK(is_error(r, "Ran out of ports"));	/* the second media finds none */
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK(is_ok(ask(f, offer_req(f, "p4", SDP_A))));
}
FX_CASE_RANGE(offer_without_free_ports_is_rejected_and_holds_none, 43200, 43203)

/* ---- delete, list, statistics ---- */

static void delete_returns_the_totals_and_ends_the_call_body(struct fx *f)
{
	struct bencode_item *d;
	const struct bencode_item *r;
	long p, q;

	CHECK(call_up(f, "del", &p, &q));
	r = ask(f, request(f, "delete", "call-id", "del", "from-tag", "caller", NULL));
	CHECK(is_clean(r));
	CHECK_INT(int_at(r, "totals/RTP/packets"), 0);
	CHECK_INT(int_at(r, "totals/RTP/bytes"), 0);
	CHECK_INT(int_at(r, "totals/RTP/errors"), 0);
	CHECK_INT(int_at(r, "totals/RTCP/packets"), 0);
	CHECK_INT(int_at(r, "tags/caller/medias/0/streams/0/local port"), q);
	CHECK(at(r, "tags/callee") != NULL);
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK_INT(len_at(ask(f, request(f, "list", NULL)), "calls"), 0);
	CHECK(is_error(ask(f, request(f, "query", "call-id", "del", NULL)), "Unknown call-id"));
	CHECK(call_up(f, "fast", &p, &q));
	d = request(f, "delete", "call-id", "fast", NULL);
	put_list(f, d, "flags", "fast", NULL);
	r = ask(f, d);
	CHECK(is_clean(r));
	CHECK(at(r, "totals") == NULL);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(delete_returns_the_totals_and_ends_the_call)

static void delete_of_an_unknown_call_warns_and_with_fatal_fails_body(struct fx *f)
{
	struct bencode_item *d = request(f, "delete", "call-id", "nope", "from-tag", "x", NULL);
	const struct bencode_item *r = ask(f, d);

	CHECK(is_ok(r));
	CHECK(has_warning(r, "Unknown call-id"));
	put_list(f, d, "flags", "fatal", NULL);
	CHECK(is_error(ask(f, d), "Unknown call-id"));
}
FX_CASE(delete_of_an_unknown_call_warns_and_with_fatal_fails)

static void delete_delay_keeps_the_ports_until_the_deadline_body(struct fx *f)
{
	struct bencode_item *d;
	int64_t now;
	long p, q;

	CHECK(call_up(f, "dl", &p, &q));
	d = request(f, "delete", "call-id", "dl", NULL);
	bencode_dict_add_int(f->arena, d, "delete-delay", 5);
	CHECK(is_clean(ask(f, d)));
	now = f->ctx.now_us;
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(len_at(ask(f, request(f, "list", NULL)), "calls"), 0);
	CHECK(is_error(ask(f, request(f, "query", "call-id", "dl", NULL)), "Unknown call-id"));
	rg_calls_reap(f->ctx.calls, now + 4 * G_USEC_PER_SEC);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	rg_calls_reap(f->ctx.calls, now + 5 * G_USEC_PER_SEC);
	CHECK_INT(used(f, IF_INTERNAL), 0);
	/* without the key, the configured delay applies */
	f->ctx.limits.delete_delay = 3;
	CHECK(call_up(f, "dl2", &p, &q));
	CHECK(is_clean(ask(f, request(f, "delete", "call-id", "dl2", NULL))));
	now = f->ctx.now_us;
	rg_calls_reap(f->ctx.calls, now + 2 * G_USEC_PER_SEC);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	rg_calls_reap(f->ctx.calls, now + 3 * G_USEC_PER_SEC);
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(delete_delay_keeps_the_ports_until_the_deadline)

static void second_answer_takes_over_and_delete_by_to_tag_removes_one_party_body(struct fx *f)
{
	const struct bencode_item *r;

	CHECK(is_ok(ask(f, offer_req(f, "fk", SDP_A))));
	CHECK(is_ok(ask(f, request(f, "answer", "call-id", "fk", "from-tag", "caller",
				    "to-tag", "b1", "sdp", SDP_B, NULL))));
	CHECK(is_ok(ask(f, request(f, "answer", "call-id", "fk", "from-tag", "caller",
				    "to-tag", "b2", "sdp", SDP_B, NULL))));
	r = ask(f, request(f, "query", "call-id", "fk", NULL));
	CHECK(at(r, "tags/b1") && at(r, "tags/b2"));
	CHECK_STR(str_at(r, "tags/caller/in dialogue with"), "b2");
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK(is_clean(ask(f, request(f, "delete", "call-id", "fk", "from-tag", "caller",
				       "to-tag", "b1", NULL))));
	r = ask(f, request(f, "query", "call-id", "fk", NULL));
	CHECK(is_ok(r));
	CHECK(at(r, "tags/b1") == NULL && at(r, "tags/b2") != NULL);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK(is_clean(ask(f, request(f, "delete", "call-id", "fk", "to-tag", "b2", NULL))));
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
}
FX_CASE(second_answer_takes_over_and_delete_by_to_tag_removes_one_party)

static void list_names_live_calls_and_limit_caps_the_count_body(struct fx *f)
{
	const struct bencode_item *calls, *it;
	struct bencode_item *l;
	int seen = 0;

	CHECK(is_ok(ask(f, offer_req(f, "l1", SDP_A))));
	CHECK(is_ok(ask(f, offer_req(f, "l2", SDP_A))));
	CHECK(is_ok(ask(f, offer_req(f, "l3", SDP_A))));
	calls = at(ask(f, request(f, "list", NULL)), "calls");
	CHECK(calls && calls->type == BENCODE_LIST);
	CHECK_INT(calls->count, 3);
	for (it = calls->child; it; it = it->next)
		seen += bencode_str_eq(it, "l1") || bencode_str_eq(it, "l2") ||
			bencode_str_eq(it, "l3");
	CHECK_INT(seen, 3);
	l = request(f, "list", NULL);
	bencode_dict_add_int(f->arena, l, "limit", 2);
	CHECK_INT(len_at(ask(f, l), "calls"), 2);
}
FX_CASE(list_names_live_calls_and_limit_caps_the_count)

/* A control counter: an integer, or a dict with "count". */
static long long count_of(const struct bencode_item *stats, const char *cmd)
{
	char path[64];
	const struct bencode_item *it;

	snprintf(path, sizeof(path), "statistics/controlstatistics/%s", cmd);
	it = at(stats, path);
	if (it && it->type == BENCODE_INTEGER)
		return it->num;
	return int_at(it, "count");
}

static void statistics_count_sessions_and_commands_body(struct fx *f)
{
	const struct bencode_item *r;
	long p, q;

	CHECK(is_result(ask(f, request(f, "ping", NULL)), "pong"));
	CHECK(call_up(f, "st", &p, &q));
	CHECK(is_error(ask(f, offer_req(f, "bad", "x")), "Failed to parse SDP"));
	r = ask(f, request(f, "statistics", NULL));
	CHECK(is_clean(r));
	CHECK_INT(int_at(r, "statistics/currentstatistics/sessionsown"), 1);
	CHECK_INT(int_at(r, "statistics/currentstatistics/sessionsforeign"), 0);
	CHECK_INT(int_at(r, "statistics/currentstatistics/sessionstotal"), 1);
	CHECK(int_at(r, "statistics/totalstatistics/uptime") >= 0);
	CHECK_INT(int_at(r, "statistics/totalstatistics/managedsessions"), 1);
	CHECK_INT(int_at(r, "statistics/totalstatistics/rejectedsessions"), 1);
	CHECK_INT(count_of(r, "offer"), 2);
	CHECK_INT(count_of(r, "answer"), 1);
	CHECK_INT(count_of(r, "ping"), 1);
	CHECK_INT(count_of(r, "delete"), 0);
	CHECK(is_ok(ask(f, request(f, "delete", "call-id", "st", NULL))));
	r = ask(f, request(f, "statistics", NULL));
	CHECK_INT(int_at(r, "statistics/currentstatistics/sessionstotal"), 0);
	CHECK_INT(count_of(r, "delete"), 1);
	CHECK_INT(count_of(r, "statistics"), 2);
}
FX_CASE(statistics_count_sessions_and_commands)

static const struct test_case cases[] = {
	{ "ping answers pong", ping_answers_pong },
	{ "an unknown or missing command is rejected with a reason", unknown_command_is_rejected },
	{ "keys and the command are matched leniently", keys_are_matched_leniently },
	{ "numbers may come as strings", numbers_may_come_as_strings },
	{ "missing keys are rejected with the matching reason", missing_keys_are_rejected_with_the_matching_reason },
	{ "answer and query for an unknown call are rejected", unknown_calls_are_rejected_by_answer_and_query },
	{ "SDP that does not parse is rejected", sdp_that_does_not_parse_is_rejected },
	{ "Kamailio's offer, answer and delete pass without warnings", kamailio_offer_answer_and_delete_pass_without_warnings },
	{ "\"delete delay\" and \"delete-delay\" in one request are both accepted", both_delete_delay_spellings_in_one_request_are_accepted },
	{ "unknown flags and keys come back as warnings", unknown_flags_and_keys_come_back_as_warnings },
	{ "options that need missing parts are rejected naming them", options_needing_missing_parts_are_rejected_naming_them },
	{ "switch-off options pass without warning", switch_offs_pass_without_warning },
	{ "offer and answer point both parties at the relay", offer_and_answer_point_both_parties_at_the_relay },
	{ "query shows each party's relay ports and peer", query_shows_each_partys_relay_ports_and_peer },
	{ "direction [internal, external] shows the external address in the offer", direction_shows_the_external_address_in_the_offer },
	{ "unknown interface names are rejected", unknown_interface_names_are_rejected },
	{ "address-family IP6 gives an IPv6 relay address", address_family_ip6_gives_an_ipv6_relay_address },
	{ "a=rtcp can be dropped or written in full", rtcp_attribute_can_be_dropped_or_written_in_full },
	{ "a re-offer keeps its ports", re_offer_keeps_its_ports },
	{ "a rejected media keeps port 0 and takes no ports", rejected_media_keeps_port_zero_and_takes_no_ports },
	{ "a hold address 0.0.0.0 stays 0.0.0.0", hold_address_stays_unspecified },
	{ "replace options rewrite o= and s=", replace_options_rewrite_origin_and_session_name },
	{ "ICE is terminated: the sender's attributes never pass, the receiver gets rtpgate's", ice_is_terminated_the_senders_attributes_never_pass },
	{ "codec-strip removes the payload type and its lines", codec_strip_removes_the_payload_type_and_its_lines },
	{ "transport-protocol converts the offer, and the answer back", transport_protocol_converts_the_offer_and_the_answer_back },
	{ "an answer that does not fit the offer is rejected", answer_that_does_not_fit_the_offer_is_rejected },
	{ "max-sessions answers \"load limit\" or an error", max_sessions_answers_load_limit_or_an_error },
	{ "an offer without free ports is rejected and holds none", offer_without_free_ports_is_rejected_and_holds_none },
	{ "delete returns the totals and ends the call", delete_returns_the_totals_and_ends_the_call },
	{ "delete of an unknown call warns, and with fatal fails", delete_of_an_unknown_call_warns_and_with_fatal_fails },
	{ "delete-delay keeps the ports until the deadline", delete_delay_keeps_the_ports_until_the_deadline },
	{ "a second answer takes over and delete by to-tag removes one party", second_answer_takes_over_and_delete_by_to_tag_removes_one_party },
	{ "list names live calls and limit caps the count", list_names_live_calls_and_limit_caps_the_count },
	{ "statistics count sessions and commands", statistics_count_sessions_and_commands },
};

TEST_MAIN(cases)
