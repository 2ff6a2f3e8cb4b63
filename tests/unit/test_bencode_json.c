/* test_bencode_json.c - bencode trees written as JSON and as readable text. */
#include <string.h>

#include "bencode.h"
#include "bencode_json.h"
#include "test.h"

/* Decodes @in, writes it in @style into @got (NUL-terminated). */
static bool render(const char *in, enum bencode_json_style style, char *got, size_t size)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *item = NULL;
	struct rg_buf out;
	bool ok;

	rg_buf_init(&out, 0);
	ok = a && bencode_decode(a, in, strlen(in), NULL, &item, NULL) == 0;
	if (ok)
		bencode_json_write(item, &out, style);
	ok = ok && rg_buf_finish(&out) == 0 && out.len < size;
	if (ok)
		memcpy(got, out.data ? out.data : "", out.len + 1);
	rg_buf_free(&out);
	rg_arena_destroy(a);
	return ok;
}

static void compact_json_keeps_order_and_types(void)
{
	char got[256];

	CHECK(render("d6:result2:ok1:ni-42e4:listli1e1:xee", BENCODE_JSON_COMPACT, got, sizeof(got)));
	CHECK_STR(got, "{\"result\":\"ok\",\"n\":-42,\"list\":[1,\"x\"]}");
}

static void strings_are_escaped_for_json(void)
{
	char got[256];

	CHECK(render("6:a\"\\\n\x01\x7f", BENCODE_JSON_COMPACT, got, sizeof(got)));
	CHECK_STR(got, "\"a\\\"\\\\\\n\\u0001\\u007f\"");
	CHECK(render("d3:k\"\t0:e", BENCODE_JSON_COMPACT, got, sizeof(got)));
	CHECK_STR(got, "{\"k\\\"\\t\":\"\"}");
}

static void empty_containers_stay_on_one_line(void)
{
	char got[256];

	CHECK(render("d1:ale1:bdee", BENCODE_JSON_PRETTY, got, sizeof(got)));
	CHECK_STR(got, "{\n  \"a\": [],\n  \"b\": {}\n}");
}

static void pretty_json_indents_by_two_spaces(void)
{
	char got[256];

	CHECK(render("d1:ad1:bli1ei2eeee", BENCODE_JSON_PRETTY, got, sizeof(got)));
	CHECK_STR(got, "{\n  \"a\": {\n    \"b\": [\n      1,\n      2\n    ]\n  }\n}");
}

static void readable_shows_sdp_as_lines_without_commas(void)
{
	char got[256];

	CHECK(render("d6:result2:ok3:sdp14:v=0\r\ns=-\r\nm=a\x01" "e",
		     BENCODE_JSON_READABLE, got, sizeof(got)));
	CHECK_STR(got, "{\n  \"result\": \"ok\"\n  \"sdp\":\n    | v=0\n    | s=-\n    | m=a\\u0001\n}");
	CHECK(render("l2:\n\ne", BENCODE_JSON_READABLE, got, sizeof(got)));
	CHECK_STR(got, "[\n  \n    | \n    | \n]");
}

static const struct test_case cases[] = {
	{ "compact JSON keeps key order and value types", compact_json_keeps_order_and_types },
	{ "quotes, backslashes and control bytes are escaped for JSON", strings_are_escaped_for_json },
	{ "empty lists and dicts stay on one line", empty_containers_stay_on_one_line },
	{ "pretty JSON indents each level by two spaces", pretty_json_indents_by_two_spaces },
	{ "readable output shows an SDP body as its lines, without commas", readable_shows_sdp_as_lines_without_commas },
};

TEST_MAIN(cases)
