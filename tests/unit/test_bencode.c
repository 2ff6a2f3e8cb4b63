/* test_bencode.c - the NG protocol's bencode decoder, builders, encoder. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "bencode.h"
#include "buf.h"
#include "test.h"

#define NG (&bencode_ng_limits)

#define OFFER_SDP "v=0\r\no=- 1545997027 1 IN IP4 198.51.100.1\r\n" \
	"s=tester\r\nt=0 0\r\nm=audio 2000 RTP/AVP 0 8\r\n" \
	"c=IN IP4 198.51.100.1\r\na=sendrecv\r\n"

/* A real offer as Kamailio's rtpengine module sends it (without cookie). */
static const char *offer(void)
{
	static char req[1024];

	snprintf(req, sizeof(req),
		 "d7:command5:offer7:call-id8:abc@host8:from-tag4:tag1"
		 "3:sdp%zu:%s5:flagsl13:trust-addresse7:replacel6:origine"
		 "18:transport-protocol7:RTP/AVPe",
		 strlen(OFFER_SDP), OFFER_SDP);
	return req;
}

/* Decodes @len bytes with @lim in a fresh arena and returns the result. */
static int decode_len(const char *s, size_t len,
		      const struct bencode_limits *lim)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *item = NULL;
	int ret;

	if (!a)
		return -ENOMEM;
	ret = bencode_decode(a, s, len, lim, &item, NULL);
	if (ret == 0 && !item)
		ret = -EFAULT;
	rg_arena_destroy(a);
	return ret;
}

static int decode(const char *s)
{
	return decode_len(s, strlen(s), &bencode_ng_limits);
}

/* true if every input in the NULL-terminated @inputs is -EINVAL; names
 * the first that is not. */
static bool all_rejected(const char *const *inputs)
{
	char msg[256];
	int ret;

	for (; *inputs; inputs++) {
		ret = decode(*inputs);
		if (ret != -EINVAL) {
			snprintf(msg, sizeof(msg), "\"%s\" gave %d, not -EINVAL",
				 *inputs, ret);
			test_fail(__FILE__, __LINE__, msg);
			return false;
		}
	}
	return true;
}

/* A test case whose inputs must all be rejected as malformed. */
#define REJECTS(fn, ...)                                                   \
	static void fn(void)                                               \
	{                                                                  \
		static const char *const in[] = { __VA_ARGS__, NULL };     \
		CHECK(all_rejected(in));                                   \
	}

/* true if decoding @s and encoding the result gives back @s exactly. */
static bool roundtrips(const char *s, size_t len)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *item;
	struct rg_buf b;
	bool same;

	rg_buf_init(&b, 0);
	if (bencode_decode(a, s, len, &bencode_ng_limits, &item, NULL)) {
		rg_arena_destroy(a);
		return false;
	}
	bencode_encode(item, &b);
	same = rg_buf_finish(&b) == 0 && b.len == len &&
	       memcmp(b.data, s, len) == 0;
	rg_buf_free(&b);
	rg_arena_destroy(a);
	return same;
}

/* A string of @n copies of @unit followed by @tail, malloc'd. */
static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1);
	size_t i;

	if (!s)
		return NULL;
	memcpy(s, head, hl);
	for (i = 0; i < n; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + n * ul, tail, tl + 1);
	return s;
}

static void offer_decodes_into_its_keys(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *req = NULL, *flags, *sdp;
	const char *err = "unset";
	int ret;

	ret = bencode_decode(a, offer(), strlen(offer()), &bencode_ng_limits,
			     &req, &err);
	CHECK_INT(ret, 0);
	CHECK(err == NULL);
	CHECK(req && req->type == BENCODE_DICT);
	CHECK_INT(req->count, 14);
	CHECK(bencode_str_eq(bencode_dict_get(req, "command"), "offer"));
	CHECK(bencode_str_eq(bencode_dict_get(req, "call-id"), "abc@host"));
	CHECK(bencode_str_eq(bencode_dict_get(req, "from-tag"), "tag1"));
	sdp = bencode_dict_get(req, "sdp");
	CHECK(sdp && sdp->type == BENCODE_STRING);
	CHECK_STR(sdp->str, OFFER_SDP);
	flags = bencode_dict_get(req, "flags");
	CHECK(flags && flags->type == BENCODE_LIST);
	CHECK_INT(flags->count, 1);
	CHECK(bencode_str_eq(flags->child, "trust-address"));
	CHECK(bencode_str_eq(bencode_dict_get(req, "replace")->child, "origin"));
	rg_arena_destroy(a);
}

static void reencoding_reproduces_request(void)
{
	const char *ping = "d7:command4:pinge";
	const char *reply = "d6:result2:ok3:sdp3:v=04:tagsd4:tag1d5:inputi-5eeee";

	CHECK(roundtrips(offer(), strlen(offer())));
	CHECK(roundtrips(ping, strlen(ping)));
	CHECK(roundtrips(reply, strlen(reply)));
}

static void keys_keep_received_order(void)
{
	const char *s = "d1:zi1e1:ai2e1:mi3ee";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *d;

	CHECK_INT(bencode_decode(a, s, strlen(s), NG, &d, NULL), 0);
	CHECK(bencode_str_eq(d->child, "z"));
	CHECK(bencode_str_eq(d->child->next->next, "a"));
	CHECK_INT(d->last->num, 3);
	CHECK_INT(bencode_dict_get(d, "a")->num, 2);
	rg_arena_destroy(a);
	CHECK(roundtrips(s, strlen(s)));
}

static void duplicate_keys_first_wins(void)
{
	const char *s = "d3:cmd4:ping3:cmd6:deletee";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *d;

	CHECK_INT(bencode_decode(a, s, strlen(s), NG, &d, NULL), 0);
	CHECK_INT(d->count, 4);
	CHECK(bencode_str_eq(bencode_dict_get(d, "cmd"), "ping"));
	rg_arena_destroy(a);
	CHECK(roundtrips(s, strlen(s)));
}

static void int64_extremes_decode_exactly(void)
{
	const char *s = "li9223372036854775807ei-9223372036854775808ei0ei-1ee";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *l;

	CHECK_INT(bencode_decode(a, s, strlen(s), NG, &l, NULL), 0);
	CHECK(l->child->num == INT64_MAX);
	CHECK(l->child->next->num == INT64_MIN);
	CHECK_INT(l->child->next->next->num, 0);
	CHECK_INT(l->last->num, -1);
	rg_arena_destroy(a);
	CHECK(roundtrips(s, strlen(s)));
}

static void canonical_edge_forms_accepted(void)
{
	static const char *const in[] = {
		"i0e", "i-1e", "0:", "4:abcd", "le", "de", "d0:0:e", "lllleeee",
	};
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		CHECK_INT(decode(in[i]), 0);
		CHECK(roundtrips(in[i], strlen(in[i])));
	}
}

REJECTS(int_overflow_rejected, "i9223372036854775808e",
	"i-9223372036854775809e", "i18446744073709551616e",
	"i99999999999999999999999999e")
REJECTS(int_leading_zeros_rejected, "i03e", "i00e", "i-03e")
REJECTS(minus_zero_rejected, "i-0e", "i-00e")
REJECTS(int_without_digits_rejected, "ie", "i-e", "i+1e", "i 1e", "i1", "i",
	"i1.5e")
REJECTS(string_past_end_rejected, "5:abcd", "l5:abcde", "1:")
REJECTS(negative_string_length_rejected, "-3:abc", "l-3:abce", "d-1:ai1ee")
REJECTS(string_length_leading_zeros_rejected, "03:abc", "00:")
REJECTS(overlong_string_length_rejected, "18446744073709551616:x",
	"18446744073709551615:x", "99999999999999999999999999999:x")
REJECTS(string_length_without_colon_rejected, "3abc", "3", "3;abc")
static void nesting_limit_without_stack_exhaustion(void)
{
	const size_t million = 1000000;
	char *ok = repeat("", "l", 32, ""), *deep, *huge;
	size_t i;

	CHECK(ok);
	deep = repeat(ok, "l", 1, "");
	huge = repeat("", "l", million, "");
	ok = realloc(ok, 65);
	CHECK(ok && deep && huge);
	for (i = 0; i < 32; i++)
		ok[32 + i] = 'e';
	ok[64] = '\0';
	CHECK_INT(decode(ok), 0);
	CHECK_INT(decode(deep), -ELOOP);
	CHECK_INT(decode(huge), -ELOOP);
	memset(huge, 'd', million / 2);
	CHECK_INT(decode(huge), -EINVAL);	/* "dd": a dict as a key */
	for (i = 0; i + 3 <= million; i += 3)
		memcpy(huge + i, "d0:", 3);
	CHECK_INT(decode(huge), -ELOOP);
	free(ok);
	free(deep);
	free(huge);
}

static void item_limit_rejected(void)
{
	const struct bencode_limits ten = { 32, 10, 100 };
	char *lists = repeat("l", "le", 200000, "e");
	char *strs = repeat("l", "0:", 200000, "e");
	char *keys = repeat("d", "0:i0e", 60000, "e");

	CHECK(lists && strs && keys);
	CHECK_INT(decode_len("li1ei2ei3ei4ei5ei6ei7ei8ei9ee", 29, &ten), 0);
	CHECK_INT(decode_len("li1ei2ei3ei4ei5ei6ei7ei8ei9ei10ee", 33, &ten),
		  -E2BIG);
	CHECK_INT(decode_len("d1:ai1e1:bi2e1:ci3e1:dli1ei2eee", 31, &ten), -E2BIG);
	CHECK_INT(decode(lists), -E2BIG);
	CHECK_INT(decode(strs), -E2BIG);
	CHECK_INT(decode(keys), -E2BIG);
	free(lists);
	free(strs);
	free(keys);
}

static void string_limit_rejected(void)
{
	const struct bencode_limits four = { 32, 100, 4 };
	char *big = repeat("1048577:", "x", 1048577, "");

	CHECK(big);
	CHECK_INT(decode_len("4:abcd", 6, &four), 0);
	CHECK_INT(decode_len("5:abcde", 7, &four), -E2BIG);
	CHECK_INT(decode_len("d1:a5:abcdee", 12, &four), -E2BIG);
	CHECK_INT(decode(big), -E2BIG);
	big[6] = '6';	/* "1048576:", 1 MiB and one trailing 'x' */
	CHECK_INT(decode(big), -EINVAL);
	free(big);
}

static void nul_bytes_in_strings_kept(void)
{
	const char s[] = "l5:a\0b\0c0:e";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *l;

	CHECK_INT(bencode_decode(a, s, sizeof(s) - 1, NG, &l, NULL), 0);
	CHECK_INT(l->child->len, 5);
	CHECK(memcmp(l->child->str, "a\0b\0c", 6) == 0);
	CHECK(bencode_str_eq(l->child, "a") == false);
	CHECK_INT(l->last->len, 0);
	CHECK_STR(l->last->str, "");
	rg_arena_destroy(a);
	CHECK(roundtrips(s, sizeof(s) - 1));
}

static void decoded_strings_are_terminated_copies(void)
{
	char s[] = "4:abcd";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *item;

	CHECK_INT(bencode_decode(a, s, 6, NG, &item, NULL), 0);
	memset(s, 'z', 6);
	CHECK_STR(item->str, "abcd");
	rg_arena_destroy(a);
}

REJECTS(non_string_dict_key_rejected, "di1ei2ee", "dlei1ee", "ddei1ee",
	"d1:ai1ei2ei3ee")
REJECTS(dict_key_without_value_rejected, "d1:ae", "d1:ai1e1:be")
REJECTS(unterminated_containers_rejected, "l", "li1e", "d1:a", "d1:ai1e",
	"lllee")
static void trailing_bytes_rejected(void)
{
	CHECK_INT(decode("i1ei2e"), -EINVAL);
	CHECK_INT(decode("lee"), -EINVAL);
	CHECK_INT(decode("d7:command4:pinge\n"), -EINVAL);
	CHECK_INT(decode_len("de\0", 3, &bencode_ng_limits), -EINVAL);
}

static void empty_input_rejected(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *item = NULL;

	CHECK_INT(decode(""), -EINVAL);
	CHECK_INT(bencode_decode(a, NULL, 0, NG, &item, NULL), -EINVAL);
	CHECK(item == NULL);
	rg_arena_destroy(a);
}

REJECTS(unexpected_bytes_rejected, "x", "e", " i1e", "lxe")
static void errors_leave_output_and_give_reason(void)
{
	struct rg_arena *a = rg_arena_create(0);
	static struct bencode_item dummy;
	struct bencode_item *sentinel = &dummy, *item = sentinel;
	const char *err = NULL;

	CHECK_INT(bencode_decode(a, "d3:fooe", 7, NG, &item, &err), -EINVAL);
	CHECK(item == sentinel);
	CHECK(err && *err);
	err = NULL;
	CHECK_INT(bencode_decode(a, "i-0e", 4, NG, &item, &err), -EINVAL);
	CHECK(err && *err);
	rg_arena_destroy(a);
}

static void exhausted_arena_gives_enomem(void)
{
	struct rg_arena *a;
	struct bencode_item *item;
	size_t limit;
	int ret = -1;

	a = rg_arena_create(100);
	CHECK_INT(bencode_decode(a, offer(), strlen(offer()), NG, &item, NULL),
		  -ENOMEM);
	rg_arena_destroy(a);
	/* Every cut-off point fails cleanly until the request fits. */
	for (limit = 16; limit < 8192; limit += 16) {
		a = rg_arena_create(limit);
		ret = bencode_decode(a, offer(), strlen(offer()), NG, &item,
				     NULL);
		rg_arena_destroy(a);
		if (ret != -ENOMEM)
			break;
	}
	CHECK_INT(ret, 0);
}

static void builder_writes_nested_dict_in_order(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *d = bencode_dict_new(a), *l, *tags;
	struct rg_buf b;

	CHECK(d);
	CHECK(bencode_dict_add_str(a, d, "result", "ok"));
	l = bencode_dict_add_list(a, d, "flags");
	CHECK_INT(bencode_list_add(l, bencode_str_new(a, "a")), 0);
	CHECK_INT(bencode_list_add(l, bencode_int_new(a, 7)), 0);
	tags = bencode_dict_add_dict(a, d, "tags");
	CHECK(bencode_dict_add_int(a, tags, "n", 1));
	CHECK(bencode_dict_add_strn(a, d, "sdp", "v=0\r\nxx", 5));
	CHECK_INT(d->count, 8);
	rg_buf_init(&b, 0);
	bencode_encode(d, &b);
	CHECK_INT(rg_buf_finish(&b), 0);
	CHECK_STR(b.data, "d6:result2:ok5:flagsl1:ai7ee4:tagsd1:ni1ee"
		  "3:sdp5:v=0\r\ne");
	rg_buf_free(&b);
	rg_arena_destroy(a);
}

static void edge_values_encode_canonically(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *l = bencode_list_new(a);
	struct rg_buf b;

	CHECK_INT(bencode_list_add(l, bencode_int_new(a, -42)), 0);
	CHECK_INT(bencode_list_add(l, bencode_int_new(a, 0)), 0);
	CHECK_INT(bencode_list_add(l, bencode_int_new(a, INT64_MIN)), 0);
	CHECK_INT(bencode_list_add(l, bencode_str_new(a, "")), 0);
	CHECK_INT(bencode_list_add(l, bencode_strn_new(a, NULL, 0)), 0);
	CHECK_INT(bencode_list_add(l, bencode_list_new(a)), 0);
	CHECK_INT(bencode_list_add(l, bencode_dict_new(a)), 0);
	CHECK_INT(bencode_list_add(l, bencode_strn_new(a, "\0x", 2)), 0);
	rg_buf_init(&b, 0);
	bencode_encode(l, &b);
	CHECK_INT(rg_buf_finish(&b), 0);
	CHECK_INT(b.len, 44);
	CHECK(memcmp(b.data, "li-42ei0ei-9223372036854775808e0:0:lede2:\0xe",
		     44) == 0);
	rg_buf_free(&b);
	rg_arena_destroy(a);
}

static void adding_to_the_wrong_type_fails(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *d = bencode_dict_new(a), *l = bencode_list_new(a);

	CHECK_INT(bencode_list_add(d, bencode_int_new(a, 1)), -EINVAL);
	CHECK(bencode_dict_add_int(a, l, "k", 1) == NULL);
	CHECK(bencode_dict_add_int(a, d, NULL, 1) == NULL);
	CHECK(bencode_dict_add_int(a, NULL, "k", 1) == NULL);
	CHECK(bencode_str_new(a, NULL) == NULL);
	CHECK(bencode_strn_new(a, NULL, 1) == NULL);
	CHECK_INT(d->count, 0);
	CHECK_INT(l->count, 0);
	rg_arena_destroy(a);
}

static void failed_builder_fails_the_add(void)
{
	struct rg_arena *a = rg_arena_create(256);
	struct bencode_item *d = bencode_dict_new(a), *l = bencode_list_new(a);
	char big[300];
	struct rg_buf b;

	CHECK(d && l);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(bencode_dict_add_str(a, d, "sdp", big) == NULL);
	CHECK(bencode_dict_add(a, d, "k", NULL) == NULL);
	CHECK_INT(bencode_list_add(l, bencode_str_new(a, big)), -ENOMEM);
	CHECK_INT(bencode_list_add(NULL, bencode_int_new(a, 1)), -ENOMEM);
	CHECK(bencode_dict_add_int(a, d, "k", 1) == NULL);
	CHECK(bencode_dict_add_dict(a, d, "k") == NULL);
	CHECK_INT(d->count, 0);
	CHECK_INT(l->count, 0);
	rg_buf_init(&b, 0);
	bencode_encode(NULL, &b);
	CHECK_INT(rg_buf_finish(&b), -ENOMEM);
	rg_buf_free(&b);
	rg_arena_destroy(a);
}

static void capped_buffer_reports_e2big(void)
{
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *s = bencode_str_new(a, "0123456789");
	struct rg_buf b;

	rg_buf_init(&b, 8);
	bencode_encode(s, &b);
	CHECK_INT(rg_buf_finish(&b), -E2BIG);
	rg_buf_free(&b);
	rg_arena_destroy(a);
}

static void dict_get_missing_null_nondict(void)
{
	const char *s = "d3:abci1e2:abi2e4:abc\0i3ee";
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *d, *l = bencode_list_new(a);

	CHECK_INT(bencode_decode(a, s, 26, NG, &d, NULL), 0);
	CHECK(bencode_dict_get(d, "missing") == NULL);
	CHECK(bencode_dict_get(d, "a") == NULL);
	CHECK(bencode_dict_get(d, "abcd") == NULL);
	CHECK_INT(bencode_dict_get(d, "ab")->num, 2);
	CHECK_INT(bencode_dict_get(d, "abc")->num, 1);
	CHECK(bencode_dict_get(NULL, "abc") == NULL);
	CHECK(bencode_dict_get(d, NULL) == NULL);
	CHECK(bencode_dict_get(l, "abc") == NULL);
	CHECK(bencode_dict_get(d->child, "abc") == NULL);
	CHECK(bencode_dict_get(bencode_dict_new(a), "abc") == NULL);
	rg_arena_destroy(a);
}

static void str_eq_compares_exact_bytes(void)
{
	struct rg_arena *a = rg_arena_create(0);

	CHECK(bencode_str_eq(bencode_str_new(a, "offer"), "offer"));
	CHECK(!bencode_str_eq(bencode_str_new(a, "offer"), "offe"));
	CHECK(!bencode_str_eq(bencode_str_new(a, "offe"), "offer"));
	CHECK(!bencode_str_eq(bencode_strn_new(a, "of\0er", 5), "of"));
	CHECK(!bencode_str_eq(bencode_int_new(a, 5), "5"));
	CHECK(!bencode_str_eq(NULL, "x"));
	CHECK(!bencode_str_eq(bencode_str_new(a, "x"), NULL));
	CHECK(bencode_str_eq(bencode_str_new(a, ""), ""));
	rg_arena_destroy(a);
}

static void ng_limits_are_documented_values(void)
{
	CHECK_INT(bencode_ng_limits.max_depth, 32);
	CHECK_INT(bencode_ng_limits.max_items, 100000);
	CHECK_INT(bencode_ng_limits.max_string, 1024 * 1024);
}

static const struct test_case cases[] = {
	{ "a real NG offer request decodes into its keys", offer_decodes_into_its_keys },
	{ "re-encoding a decoded request reproduces it byte for byte", reencoding_reproduces_request },
	{ "dict keys keep the order they were received in", keys_keep_received_order },
	{ "duplicate dict keys are kept and the first one wins", duplicate_keys_first_wins },
	{ "the largest and smallest 64-bit integers decode exactly", int64_extremes_decode_exactly },
	{ "zero, empty strings, lists and dicts in canonical form are accepted", canonical_edge_forms_accepted },
	{ "an integer that overflows 64 bits is rejected", int_overflow_rejected },
	{ "integers with leading zeros are rejected", int_leading_zeros_rejected },
	{ "minus zero is rejected", minus_zero_rejected },
	{ "an integer without plain digits is rejected", int_without_digits_rejected },
	{ "a string length running past the end is rejected", string_past_end_rejected },
	{ "a negative string length is rejected", negative_string_length_rejected },
	{ "string lengths with leading zeros are rejected", string_length_leading_zeros_rejected },
	{ "a string length that overflows is rejected", overlong_string_length_rejected },
	{ "a string length without a colon is rejected", string_length_without_colon_rejected },
	{ "nesting deeper than the limit is rejected without exhausting the stack", nesting_limit_without_stack_exhaustion },
	{ "more items than the limit are rejected", item_limit_rejected },
	{ "a string longer than the limit is rejected", string_limit_rejected },
	{ "NUL bytes inside strings are kept", nul_bytes_in_strings_kept },
	{ "decoded strings are NUL-terminated copies of the input", decoded_strings_are_terminated_copies },
	{ "a dict key that is not a string is rejected", non_string_dict_key_rejected },
	{ "a dict key without a value is rejected", dict_key_without_value_rejected },
	{ "a list or dict without its 'e' is rejected", unterminated_containers_rejected },
	{ "trailing bytes after the item are rejected", trailing_bytes_rejected },
	{ "empty input is rejected", empty_input_rejected },
	{ "a byte that starts no item is rejected", unexpected_bytes_rejected },
	{ "an error leaves the output untouched and gives a reason", errors_leave_output_and_give_reason },
	{ "an exhausted arena gives -ENOMEM not a crash", exhausted_arena_gives_enomem },
	{ "the builder writes a dict with a nested list and dict in order", builder_writes_nested_dict_in_order },
	{ "negative ints, empty strings and empty lists and dicts encode canonically", edge_values_encode_canonically },
	{ "a failed builder makes the add fail and adds nothing", failed_builder_fails_the_add },
	{ "adding to a non-list, a non-dict or with a NULL key fails", adding_to_the_wrong_type_fails },
	{ "encoding into a capped buffer reports -E2BIG", capped_buffer_reports_e2big },
	{ "dict lookup gives NULL for missing keys, NULL and non-dicts", dict_get_missing_null_nondict },
	{ "string comparison matches length and bytes exactly", str_eq_compares_exact_bytes },
	{ "the NG limits are depth 32, 100000 items and 1 MiB strings", ng_limits_are_documented_values },
};

TEST_MAIN(cases)
