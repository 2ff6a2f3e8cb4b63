/* test_ng_server.c - NG under load and over the wire: many calls leave
 * nothing behind, hostile requests each get an error with a reason,
 * cookies frame every reply, and a retransmitted cookie is answered from
 * the cache without running the command again (rg_ng_server_handle; the
 * socket is bound but never read).
 *
 * Media ports stay in 43400-43599, the NG socket in 43990-43999.
 */
/* needs: ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#define PORT_MIN 43400
#define PORT_MAX 43599
#define NG_PORT_FIRST 43990
#define NG_PORT_LAST 43999
#include "ng_fixture.h"

/* ---- load ---- */

static void three_hundred_calls_leave_no_ports_calls_or_arenas_body(struct fx *f)
{
	long arenas = rg_arena_live_count(), p, q;
	int i, bad = 0;
	char id[32];

	for (i = 0; i < 300 && !bad; i++) {
		snprintf(id, sizeof(id), "bulk-%d@127.0.0.10", i);
		bad += !call_up(f, id, &p, &q) ||
			!is_clean(ask(f, request(f, "delete", "call-id", id, NULL)));
		rg_arena_destroy(f->arena);	/* keep the test's own memory flat */
		f->arena = rg_arena_create(0);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(used(f, IF_INTERNAL) + used(f, IF_EXTERNAL) + used(f, IF_INTERNAL6), 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(f->ctx.stats.managed_sessions, 300);
	CHECK_INT(rg_arena_live_count(), arenas);
}
FX_CASE(three_hundred_calls_leave_no_ports_calls_or_arenas)

/* ---- hostile requests ---- */

struct raw_case {
	const char *buf;
	size_t len;
	const char *reason;	/* part of error-reason, any case */
};

static const struct raw_case raw_cases[] = {
	{ V(""), "decode" },
	{ V("d7:command4:pin"), "decode" },
	{ V("d7:command4:ping"), "decode" },
	{ V("d7:command4:pingexyz"), "decode" },
	{ V("d7:command99999999999:x"), "decode" },
	{ V("d3:sdp4294967296:xe"), "decode" },
	{ V("d3:sdp-1:xe"), "decode" },
	{ V("d7:command04:pinge"), "decode" },
	{ V("d3:tosi99999999999999999999999ee"), "decode" },
	{ V("di1e4:pinge"), "decode" },
	{ V("\0d7:command4:pinge"), "decode" },
	{ V("i42e"), "dictionary" },
	{ V("l4:pinge"), "dictionary" },
	{ V("4:ping"), "dictionary" },
	{ V("le"), "dictionary" },
};

/* One key of a valid offer replaced by a hostile value (raw bencode). */
struct key_case {
	const char *key;
	const char *value;
	size_t len;
	const char *reason;
};

static const struct key_case key_cases[] = {
	{ "command", V("le"), "Unrecognized command" },
	{ "call-id", V("l1:xe"), "call-id" },
	{ "call-id", V("d1:x1:ye"), "call-id" },
	{ "call-id", V("3:a\0b"), "call-id" },
	{ "from-tag", V("le"), "from-tag" },
	{ "sdp", V("i5e"), "sdp" },
	{ "sdp", V("le"), "sdp" },
	{ "sdp", V("0:"), "SDP" },
	{ "sdp", V("6:v=0\r\n\0"), "SDP" },
	{ "flags", V("5:fatal"), "flags" },
	{ "flags", V("d1:x1:ye"), "flags" },
	{ "flags", V("ll5:fatalee"), "flags" },
	{ "direction", V("l8:internale"), "direction" },
	{ "direction", V("l8:internal8:external8:internale"), "direction" },
	{ "direction", V("d1:x1:ye"), "direction" },
	{ "codec", V("l5:stripe"), "codec" },
	{ "codec", V("d5:strip4:PCMAe"), "codec" },
	{ "codec", V("d5:stripi5ee"), "codec" },
	{ "codec", V("d5:stripl4:PCMAl1:xeee"), "codec" },
	{ "received-from", V("l3:IP49:127.0.0.13:xyze"), "received-from" },
	{ "received-from", V("l3:IP4e"), "received-from" },
	{ "received-from", V("le"), "received-from" },
	{ "received-from", V("l3:IP45:helloe"), "received-from" },
	{ "received-from", V("l3:IP4l1:xee"), "received-from" },
	{ "received-from", V("i5e"), "received-from" },
	{ "TOS", V("i999e"), "tos" },
	{ "TOS", V("i-1e"), "tos" },
	{ "TOS", V("3:abc"), "tos" },
	{ "TOS", V("le"), "tos" },
	{ "delete-delay", V("i-5e"), "delete-delay" },
	{ "delete-delay", V("i999999999e"), "delete-delay" },
	{ "delete-delay", V("0:"), "delete-delay" },
	{ "label", V("l1:xe"), "label" },
	{ "ICE", V("6:banana"), "ice" },
	{ "ICE", V("le"), "ice" },
	{ "DTLS", V("d1:x1:ye"), "dtls" },
	{ "SDES", V("d1:x1:ye"), "sdes" },
	{ "address-family", V("3:IP5"), "address-family" },
	{ "media-address", V("5:hello"), "media-address" },
	{ "transport-protocol", V("3:foo"), "transport-protocol" },
	{ "transport-protocol", V("le"), "transport-protocol" },
	{ "supports", V("d1:x1:ye"), "supports" },
	{ "replace", V("d1:x1:ye"), "replace" },
	{ "record-call", V("le"), "record-call" },
};

static bool error_with_reason(const struct bencode_item *r, const char *reason)
{
	const char *got = str_at(r, "error-reason");

	return r && str_at(r, "result") && strcmp(str_at(r, "result"), "error") == 0 &&
	       got && strcasestr(got, reason);
}

/* "d" command, call-id, from-tag, sdp (each unless @skip) @tail "e" */
static struct bencode_item *send_offer_with(struct fx *f, const char *skip,
					    const char *tail, size_t tail_len)
{
	struct bencode_item *r;
	struct rg_buf b;

	rg_buf_init(&b, 0);
	rg_buf_append_char(&b, 'd');
	if (strcmp(skip, "command") != 0)
		rg_buf_append_str(&b, "7:command5:offer");
	if (strcmp(skip, "call-id") != 0)
		rg_buf_append_str(&b, "7:call-id1:h");
	if (strcmp(skip, "from-tag") != 0)
		rg_buf_append_str(&b, "8:from-tag1:a");
	if (strcmp(skip, "sdp") != 0)
		rg_buf_appendf(&b, "3:sdp%zu:%s", strlen(SDP_A), SDP_A);
	rg_buf_append(&b, tail, tail_len);
	rg_buf_append_char(&b, 'e');
	r = send_raw(f, b.data, b.len);
	rg_buf_free(&b);
	return r;
}

static bool hostile_key_fails(struct fx *f, const struct key_case *c)
{
	struct rg_buf tail;
	struct bencode_item *r;
	bool ok;

	rg_buf_init(&tail, 0);
	rg_buf_appendf(&tail, "%zu:%s", strlen(c->key), c->key);
	rg_buf_append(&tail, c->value, c->len);
	r = send_offer_with(f, c->key, tail.data, tail.len);
	ok = error_with_reason(r, c->reason);
	if (!ok)
		printf("    %s=%.*s: result '%s', reason '%s' (want '%s')\n", c->key,
		       (int)c->len, c->value, str_at(r, "result") ?: "-",
		       str_at(r, "error-reason") ?: "-", c->reason);
	rg_buf_free(&tail);
	return ok;
}

/* Lists nested 2000 deep under "flags", and 65 directions. */
static bool deep_and_long_values_fail(struct fx *f)
{
	struct rg_buf b;
	bool ok;
	int i;

	rg_buf_init(&b, 0);
	rg_buf_append_str(&b, "5:flags");
	for (i = 0; i < 2000; i++)
		rg_buf_append_char(&b, 'l');
	for (i = 0; i < 2000; i++)
		rg_buf_append_char(&b, 'e');
	ok = error_with_reason(send_offer_with(f, "", b.data, b.len), "decode");
	b.len = 0;
	rg_buf_append_str(&b, "9:directionl");
	for (i = 0; i < 65; i++)
		rg_buf_append_str(&b, "8:internal");
	rg_buf_append_char(&b, 'e');
	ok = ok && error_with_reason(send_offer_with(f, "", b.data, b.len), "list");
	rg_buf_free(&b);
	return ok;
}

static void hostile_requests_each_get_an_error_with_a_reason_body(struct fx *f)
{
	size_t i, bad = 0;
	struct bencode_item *r;

	for (i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		r = send_raw(f, raw_cases[i].buf, raw_cases[i].len);
		if (!error_with_reason(r, raw_cases[i].reason)) {
			printf("    raw %zu: result '%s', reason '%s'\n", i,
			       str_at(r, "result") ?: "-", str_at(r, "error-reason") ?: "-");
			bad++;
		}
	}
	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++)
		bad += !hostile_key_fails(f, &key_cases[i]);
	bad += !deep_and_long_values_fail(f);
	CHECK_INT(bad, 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(used(f, IF_INTERNAL) + used(f, IF_EXTERNAL) + used(f, IF_INTERNAL6), 0);
	CHECK(is_result(ask(f, request(f, "ping", NULL)), "pong"));
}
FX_CASE(hostile_requests_each_get_an_error_with_a_reason)

/* STYLE.md: unknown keys come back as a warning, not silence. */
static void many_unknown_flags_still_come_back_as_a_warning_body(struct fx *f)
{
	struct bencode_item *o = offer_req(f, "many", SDP_A);
	struct bencode_item *l = bencode_dict_add_list(f->arena, o, "flags");
	const struct bencode_item *r;
	char flag[32];
	int i;

	for (i = 0; i < 400; i++) {
		snprintf(flag, sizeof(flag), "unknown-flag-%03d", i);
		bencode_list_add(l, bencode_str_new(f->arena, flag));
	}
	r = ask(f, o);
	CHECK(is_ok(r));
	CHECK(has_warning(r, "Unknown flag 'unknown-flag-000'; Unknown flag 'unknown-flag-001'"));
}
FX_CASE(many_unknown_flags_still_come_back_as_a_warning)

static void to_tag_equal_to_from_tag_does_no_harm_body(struct fx *f)
{
	const struct bencode_item *r;

	r = ask(f, request(f, "offer", "call-id", "self", "from-tag", "x", "to-tag", "x",
			   "sdp", SDP_A, NULL));
	CHECK(r && str_at(r, "result"));
	r = ask(f, request(f, "answer", "call-id", "self", "from-tag", "x", "to-tag", "x",
			   "sdp", SDP_B, NULL));
	CHECK(r && str_at(r, "result"));
	CHECK(ask(f, request(f, "query", "call-id", "self", NULL)) != NULL);
	CHECK(is_ok(ask(f, request(f, "delete", "call-id", "self", "to-tag", "x", NULL))));
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK(is_ok(ask(f, offer_req(f, "self2", SDP_A))));
	r = ask(f, request(f, "answer", "call-id", "self2", "from-tag", "caller",
			   "to-tag", "caller", "sdp", SDP_B, NULL));
	CHECK(r && str_at(r, "result"));
	CHECK(ask(f, request(f, "query", "call-id", "self2", NULL)) != NULL);
	CHECK(is_ok(ask(f, request(f, "delete", "call-id", "self2", NULL))));
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
}
FX_CASE(to_tag_equal_to_from_tag_does_no_harm)

/* ---- the NG server: cookies and the retransmission cache ---- */

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	return sin;
}

static bool server_up(struct fx *f)
{
	struct sockaddr_in sin;
	unsigned port;
	char *err = NULL;

	for (port = NG_PORT_FIRST; port <= NG_PORT_LAST && !f->srv; port++) {
		sin = loopback(port);
		f->srv = rg_ng_server_create(&f->ctx, (struct sockaddr *)&sin, sizeof(sin), &err);
		g_free(err);
		err = NULL;
	}
	if (!f->srv)
		printf("    no free NG port in %d-%d\n", NG_PORT_FIRST, NG_PORT_LAST);
	return f->srv != NULL;
}

/* The reply datagram to @s from 127.0.0.1:@port, as a string in the arena
 * ("" for no reply). */
static const char *datagram(struct fx *f, const char *s, size_t len, unsigned port)
{
	struct sockaddr_in from = loopback(port);
	struct rg_buf out;
	char *copy;

	rg_buf_init(&out, 0);
	rg_ng_server_handle(f->srv, s, len, (struct sockaddr *)&from, sizeof(from), &out);
	copy = rg_arena_strndup(f->arena, out.data ? out.data : "", out.len);
	rg_buf_free(&out);
	return copy;
}

static void reply_carries_the_requests_cookie_body(struct fx *f)
{
	CHECK(server_up(f));
	CHECK_STR(datagram(f, V("abc d7:command4:pinge"), 5060), "abc d6:result4:ponge");
	CHECK_STR(datagram(f, V("0_6989_0 d7:command4:pinge"), 5060),
		  "0_6989_0 d6:result4:ponge");
	CHECK(strncmp(datagram(f, V("x garbage"), 5060), "x d6:result5:error12:error-reason", 33) == 0);
	CHECK(strncmp(datagram(f, V("y "), 5060), "y d6:result5:error", 18) == 0);
}
FX_CASE(reply_carries_the_requests_cookie)

/* "COOKIE SP" and the bencoded @req, as an arena string of *@len bytes. */
static const char *framed(struct fx *f, const char *cookie,
			  const struct bencode_item *req, size_t *len)
{
	struct rg_buf b;
	char *copy;

	rg_buf_init(&b, 0);
	rg_buf_append_str(&b, cookie);
	rg_buf_append_char(&b, ' ');
	bencode_encode(req, &b);
	*len = b.len;
	copy = rg_arena_strndup(f->arena, b.data, b.len);
	rg_buf_free(&b);
	return copy;
}

static void retransmitted_cookie_gets_identical_bytes_and_is_not_run_again_body(struct fx *f)
{
	size_t olen, dlen;
	const char *offer = framed(f, "0_6989_1", offer_req(f, "rt", SDP_A), &olen);
	const char *del = framed(f, "0_6989_2", request(f, "delete", "call-id", "rt", NULL), &dlen);
	const char *first, *again;

	CHECK(server_up(f));
	first = datagram(f, offer, olen, 5060);
	again = datagram(f, offer, olen, 5060);
	CHECK(strncmp(first, "0_6989_1 d6:result2:ok3:sdp", 27) == 0);
	CHECK_STR(again, first);
	CHECK_INT(f->ctx.stats.ng[NG_CMD_OFFER].count, 1);
	CHECK_INT(f->ctx.stats.ng_retransmits, 1);
	CHECK_INT(used(f, IF_INTERNAL), 2);
	CHECK(strncmp(datagram(f, del, dlen, 5060), "0_6989_2 d6:result2:ok", 22) == 0);
	CHECK_INT(used(f, IF_INTERNAL), 0);
	CHECK_STR(datagram(f, offer, olen, 5060), first);
	CHECK_INT(f->ctx.stats.ng[NG_CMD_OFFER].count, 1);
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);	/* not offered again */
	CHECK_INT(used(f, IF_INTERNAL), 0);
}
FX_CASE(retransmitted_cookie_gets_identical_bytes_and_is_not_run_again)

static void same_cookie_from_another_address_is_another_request_body(struct fx *f)
{
	CHECK(server_up(f));
	CHECK_STR(datagram(f, V("p d7:command4:pinge"), 5060), "p d6:result4:ponge");
	CHECK_STR(datagram(f, V("p d7:command4:pinge"), 5061), "p d6:result4:ponge");
	CHECK_INT(f->ctx.stats.ng[NG_CMD_PING].count, 2);
	CHECK_STR(datagram(f, V("q d7:command4:pinge"), 5061), "q d6:result4:ponge");
	CHECK_INT(f->ctx.stats.ng[NG_CMD_PING].count, 3);
	CHECK_STR(datagram(f, V("p d7:command4:pinge"), 5061), "p d6:result4:ponge");
	CHECK_INT(f->ctx.stats.ng[NG_CMD_PING].count, 3);
	CHECK_INT(f->ctx.stats.ng_retransmits, 1);
}
FX_CASE(same_cookie_from_another_address_is_another_request)

static void datagram_without_a_cookie_gets_no_reply_body(struct fx *f)
{
	char big[NG_COOKIE_MAX + 64];

	CHECK(server_up(f));
	CHECK_STR(datagram(f, V("d7:command4:pinge"), 5060), "");
	CHECK_STR(datagram(f, V(" d7:command4:pinge"), 5060), "");
	CHECK_STR(datagram(f, "", 0, 5060), "");
	memset(big, 'c', sizeof(big));
	memcpy(big + NG_COOKIE_MAX + 1, " d7:command4:pinge", 18);
	CHECK_STR(datagram(f, big, NG_COOKIE_MAX + 1 + 18, 5060), "");
	CHECK_INT(f->ctx.stats.ng_no_cookie, 4);
	CHECK_INT(f->ctx.stats.ng[NG_CMD_PING].count, 0);
	memmove(big + NG_COOKIE_MAX, big + NG_COOKIE_MAX + 1, 18);	/* 256 bytes: fine */
	CHECK(strstr(datagram(f, big, NG_COOKIE_MAX + 18, 5060), " d6:result4:ponge") != NULL);
}
FX_CASE(datagram_without_a_cookie_gets_no_reply)

/* ng_server.h: "appends the datagram to send back to @out" */
static void cached_reply_holds_only_its_own_datagram_body(struct fx *f)
{
	struct sockaddr_in from = loopback(5060);
	struct rg_buf out;
	const char *again;
	bool first_ok;

	CHECK(server_up(f));
	rg_buf_init(&out, 0);
	rg_buf_append_str(&out, "XYZ");
	rg_ng_server_handle(f->srv, V("k d7:command4:pinge"), (struct sockaddr *)&from,
			    sizeof(from), &out);
	first_ok = out.len && strcmp(out.data, "XYZk d6:result4:ponge") == 0;
	rg_buf_free(&out);
	CHECK(first_ok);
	again = datagram(f, V("k d7:command4:pinge"), 5060);
	CHECK_STR(again, "k d6:result4:ponge");
}
FX_CASE(cached_reply_holds_only_its_own_datagram)

static const struct test_case cases[] = {
	{ "300 calls leave no ports, calls or arenas", three_hundred_calls_leave_no_ports_calls_or_arenas },
	{ "hostile requests each get an error with a reason", hostile_requests_each_get_an_error_with_a_reason },
	{ "many unknown flags still come back as a warning", many_unknown_flags_still_come_back_as_a_warning },
	{ "a to-tag equal to the from-tag does no harm", to_tag_equal_to_from_tag_does_no_harm },
	{ "a reply carries the request's cookie", reply_carries_the_requests_cookie },
	{ "a retransmitted cookie gets identical bytes and is not run again", retransmitted_cookie_gets_identical_bytes_and_is_not_run_again },
	{ "the same cookie from another address is another request", same_cookie_from_another_address_is_another_request },
	{ "a datagram without a cookie gets no reply", datagram_without_a_cookie_gets_no_reply },
	{ "a cached reply holds only its own datagram", cached_reply_holds_only_its_own_datagram },
};

TEST_MAIN(cases)
