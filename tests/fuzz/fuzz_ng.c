/* fuzz_ng.c - libFuzzer target for NG requests: the bencode body, the
 * parameters, and the commands behind them (offer, answer, delete, query,
 * list, statistics, ...) with their SDP, on a daemon context built as
 * rtpgated's main() builds it (tests/daemon/ng_fixture.h), real port
 * pools included; and for the CLI's command lines on the same calls.
 *
 * The input is a sequence of messages, each a 2-byte big-endian length
 * and that many bytes (a short tail is one last message), run in order on
 * one context, so that an answer finds its offer and a delete its call.
 * A message that starts with '!' is a CLI line (the rest of it); any
 * other is an NG request body (the bencoded dict after the cookie), whose
 * reply must decode as a dict with a "result". After the sequence the
 * calls are destroyed:
 * every port must be back in its pool, and LeakSanitizer sees whatever a
 * request leaked. The seeds in corpus/ng/ are written by
 * tests/fuzz/ng_seeds.py.
 */
/* needs: cli_commands cli_show ng ng_params ng_commands ng_server call call_sdp call_stats call_lifetime codec config interface ports relay worker uring offload kernel netlink call_crypto call_dtls call_ice relay_webrtc dtls ice ice_checks ice_driver srtp log addr */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PORT_MIN 43000
#define PORT_MAX 43999
#include "ng_fixture.h"

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixture's checks end up here: in a fuzz run a failed check is a
 * crash with the input saved. */
bool test_failed;
void test_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: %s\n", file, line, what);
	abort();
}

/* Runs one request; aborts unless the reply is a dict with a result. */
static void one_request(struct fx *f, const char *body, size_t len)
{
	if (!bencode_dict_get(send_raw(f, body, len), "result"))
		test_fail(__FILE__, __LINE__, "a reply that is a dict with a result");
}

/* Runs one CLI line (at most RG_CLI_LINE_MAX bytes, as the port takes). */
static void one_line(struct fx *f, const char *text, size_t len)
{
	char line[RG_CLI_LINE_MAX + 1];

	len = len < RG_CLI_LINE_MAX ? len : RG_CLI_LINE_MAX;
	memcpy(line, text, len);
	line[len] = '\0';
	f->raw.len = 0;
	rg_cli_execute(&f->ctx, line, &f->raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, n, len;
	struct fx f;
	unsigned i;

	if (!fx_init(&f, PORT_MIN, PORT_MAX))
		abort();
	while (off < size) {
		n = size - off >= 2 ? (size_t)data[off] << 8 | data[off + 1] : 0;
		off += size - off >= 2 ? 2 : 0;
		len = n < size - off ? n : size - off;
		if (len && data[off] == '!')
			one_line(&f, (const char *)data + off + 1, len - 1);
		else
			one_request(&f, (const char *)data + off, len);
		off += len ? len : 1;
	}
	rg_calls_destroy(f.ctx.calls);
	f.ctx.calls = NULL;
	for (i = 0; i < f.ctx.interfaces->len; i++)
		if (used(&f, (int)i))
			test_fail(__FILE__, __LINE__, "every port back in its pool");
	fx_fini(&f);
	return 0;
}
