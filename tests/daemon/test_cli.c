/* test_cli.c - CLI commands through rg_cli_execute() on a real context
 * (ng_fixture.h): argument parsing and escaping that the socket tests in
 * tests/cli/ reach only indirectly.
 *
 * Media ports stay in 43800-43839.
 */
/* needs: cli_commands cli_show ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#define PORT_MIN 43800
#define PORT_MAX 43839
#include "ng_fixture.h"

#include "cli.h"

/* The answer to @line, NUL-terminated in f->raw. */
static const char *cli(struct fx *f, const char *line)
{
	f->raw.len = 0;
	rg_cli_execute(&f->ctx, line, &f->raw);
	return rg_buf_finish(&f->raw) || !f->raw.data ? "" : f->raw.data;
}

static unsigned lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void terminate_takes_the_rest_of_the_line_as_call_id_body(struct fx *f)
{
	CHECK(is_result(ask(f, offer_req(f, "a call  id", SDP_A)), "ok"));
	CHECK_STR(cli(f, "terminate a call  id"), "ok: call 'a call  id' terminated\n");
	CHECK_INT(rg_calls_count(f->ctx.calls), 0);
	CHECK_INT(f->ctx.stats.forced_terminated_sessions, 1);
	CHECK_STR(cli(f, "terminate a call  id"), "error: no call with call-id 'a call  id'\n");
}
FX_CASE(terminate_takes_the_rest_of_the_line_as_call_id)

static void control_bytes_in_call_ids_are_escaped_body(struct fx *f)
{
	const char *out;

	CHECK(is_result(ask(f, offer_req(f, "evil\ncall\x1b", SDP_A)), "ok"));
	out = cli(f, "list sessions all");
	CHECK(strncmp(out, "callid: evil\\x0acall\\x1b | created: ", 36) == 0);
	CHECK_INT(lines(out), 1);
	CHECK(strstr(cli(f, "list callid evil\ncall\x1b"), "callid evil\\x0acall\\x1b |"));
}
FX_CASE(control_bytes_in_call_ids_are_escaped)

static void values_that_are_not_whole_numbers_are_refused_body(struct fx *f)
{
	static const char *const bad[] = {
		"set timeout 5x", "set timeout -0x1", "set timeout 99999999999",
		"set maxsessions -2", "set deletedelay 3601", "set loglevel 1.5",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++)
		CHECK(strncmp(cli(f, bad[i]), "error: ", 7) == 0);
	CHECK_INT(f->ctx.limits.timeout, f->cfg.timeout);
	CHECK_INT(f->ctx.limits.max_sessions, -1);
	CHECK_STR(cli(f, "set timeout 0"), "ok: timeout set to 0 (was 60)\n");
	CHECK_INT(f->ctx.limits.timeout, 0);
}
FX_CASE(values_that_are_not_whole_numbers_are_refused)

static void extra_words_get_a_usage_line_and_change_nothing_body(struct fx *f)
{
	CHECK_STR(cli(f, "set timeout 5 6 7 8 9 10 11 12"), "error: usage: set timeout N\n");
	CHECK_STR(cli(f, "list totals now"), "error: usage: list totals\n");
	CHECK_INT(f->ctx.limits.timeout, f->cfg.timeout);
	CHECK_STR(cli(f, " \t "), "error: empty command line (try 'help')\n");
}
FX_CASE(extra_words_get_a_usage_line_and_change_nothing)

static void an_unanswered_call_shows_its_unnamed_party_body(struct fx *f)
{
	const char *out;

	CHECK(is_result(ask(f, offer_req(f, "half", SDP_A)), "ok"));
	out = cli(f, "list callid half");
	CHECK(strstr(out, "| not answered\n"));
	CHECK(strstr(out, "  tag (no tag yet) | in dialogue with 'caller'"));
	CHECK(strstr(out, "<> (unknown) | path userspace"));
	CHECK(strstr(cli(f, "list sessions 5"), "tags: caller, (no tag yet)\n"));
}
FX_CASE(an_unanswered_call_shows_its_unnamed_party)

static void totals_count_what_ended_calls_relayed_body(struct fx *f)
{
	CHECK(is_result(ask(f, offer_req(f, "t1", SDP_A)), "ok"));
	f->ctx.stats.ended.packets[0] = 40;	/* as rg_call_end adds them up */
	CHECK(strstr(cli(f, "list totals"),
		     "Packets relayed (userspace)                   :40\n"));
	CHECK(strstr(cli(f, "list totals"),
		     "Current sessions total                        :1\n"));
}
FX_CASE(totals_count_what_ended_calls_relayed)

static const struct test_case cases[] = {
	{ "terminate takes the rest of the line as the call-id", terminate_takes_the_rest_of_the_line_as_call_id },
	{ "control bytes in call-ids are escaped, one line per call", control_bytes_in_call_ids_are_escaped },
	{ "values that are not whole numbers in range are refused", values_that_are_not_whole_numbers_are_refused },
	{ "extra words get a usage line and change nothing", extra_words_get_a_usage_line_and_change_nothing },
	{ "an unanswered call shows its unnamed party and unknown peer", an_unanswered_call_shows_its_unnamed_party },
	{ "list totals adds what ended calls relayed", totals_count_what_ended_calls_relayed },
};

TEST_MAIN(cases)
