/* fuzz_sdp.c - libFuzzer target for the SDP parser, writer and editors.
 *
 * Whatever parses must write back to a fixed point: write, parse again,
 * write again gives the same bytes. The edits the daemon makes must not
 * crash, and what they leave must still reach that fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdp.h"

#define ARENA_LIMIT (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What we wrote may be longer (LF to CRLF, added lines) than what we read. */
static const struct sdp_limits no_limits = {
	SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX,
};

static void write_sdp(const struct sdp_session *sdp, struct rg_buf *out)
{
	rg_buf_init(out, 0);
	sdp_write(sdp, out);
	if (rg_buf_finish(out))
		abort();
}

static void check_fixed_point(const struct sdp_session *sdp)
{
	struct rg_arena *arena = rg_arena_create(0);
	struct rg_buf first, second;
	struct sdp_session *again;
	const char *why;

	write_sdp(sdp, &first);
	if (!arena || sdp_parse(arena, first.data, first.len, &no_limits,
				&again, &why))
		abort();
	write_sdp(again, &second);
	if (first.len != second.len ||
	    memcmp(first.data, second.data, first.len) != 0)
		abort();
	rg_buf_free(&first);
	rg_buf_free(&second);
	rg_arena_destroy(arena);
}

/* True if @m has a format other than its first (formats may repeat, and
 * removing a format removes every copy of it). */
static bool has_other_format(const struct sdp_media *m)
{
	size_t i;

	for (i = 1; i < m->format_count; i++)
		if (strcmp(m->formats[i], m->formats[0]) != 0)
			return true;
	return false;
}

static void edit_media(struct rg_arena *arena, const struct sdp_session *sdp,
		       struct sdp_media *m)
{
	char enc[64];
	size_t i;

	sdp_media_connection(sdp, m);
	for (i = 0; i < m->format_count; i++)
		sdp_media_format_encoding(m, m->formats[i], enc, sizeof(enc));
	sdp_media_set_connection(arena, m, "IP6", "2001:db8::1");
	if (has_other_format(m) && sdp_media_remove_format(m, m->formats[0]))
		abort();
	sdp_attr_set(arena, &m->lines, "rtcp", "9 IN IP4 0.0.0.0");
	sdp_attr_set(arena, &m->lines, "sendrecv", NULL);
	sdp_attr_remove(&m->lines, "candidate");
	sdp_attr_remove(&m->lines, "ssrc");
	sdp_attr_append(arena, &m->lines, "rtcp-mux", NULL);
}

static void edit(struct rg_arena *arena, struct sdp_session *sdp)
{
	struct sdp_media *m;

	sdp_session_set_connection(arena, sdp, "IP4", "192.0.2.1");
	sdp_attr_remove(&sdp->lines, "group");
	sdp_attr_set(arena, &sdp->lines, "ice-lite", NULL);
	if (sdp->origin.present)
		sdp->origin.address = "198.51.100.1";
	for (m = sdp->media; m; m = m->next)
		edit_media(arena, sdp, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_arena *arena = rg_arena_create(ARENA_LIMIT);
	struct sdp_session *sdp;
	const char *why = NULL;
	int ret;

	if (!arena)
		return 0;
	ret = sdp_parse(arena, (const char *)data, size, &sdp_default_limits,
			&sdp, &why);
	if (ret && (!why || sdp))
		abort();
	if (!ret) {
		check_fixed_point(sdp);
		edit(arena, sdp);
		check_fixed_point(sdp);
	}
	rg_arena_destroy(arena);
	return 0;
}
