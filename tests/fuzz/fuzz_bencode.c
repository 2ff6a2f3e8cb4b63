/* fuzz_bencode.c - libFuzzer target for the bencode decoder and encoder.
 *
 * Whatever decodes must encode back to exactly the input (the decoder
 * accepts only canonical integers and lengths and keeps key order), and
 * the encoding must decode and encode to itself again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "bencode.h"
#include "buf.h"

#define FUZZ_ARENA_LIMIT (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Decodes @data into a fresh arena and encodes it into @out; returns the
 * decoder's result. The caller destroys *@arena and frees @out. */
static int decode_encode(const char *data, size_t size,
			 struct rg_arena **arena, struct rg_buf *out)
{
	struct bencode_item *item;
	int ret;

	*arena = rg_arena_create(FUZZ_ARENA_LIMIT);
	if (!*arena)
		abort();
	ret = bencode_decode(*arena, data, size, &bencode_ng_limits, &item,
			     NULL);
	if (ret)
		return ret;
	bencode_str_eq(bencode_dict_get(item, "command"), "offer");
	bencode_encode(item, out);
	if (rg_buf_finish(out))
		abort();
	return 0;
}

static bool same(const struct rg_buf *b, const void *data, size_t size)
{
	return b->len == size && (size == 0 || memcmp(b->data, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_arena *a1, *a2 = NULL;
	struct rg_buf b1, b2;

	rg_buf_init(&b1, 0);
	rg_buf_init(&b2, 0);
	if (decode_encode((const char *)data, size, &a1, &b1) == 0) {
		if (!same(&b1, data, size))
			abort();
		if (decode_encode(b1.data, b1.len, &a2, &b2) != 0)
			abort();
		if (!same(&b2, b1.data, b1.len))
			abort();
	}
	rg_buf_free(&b2);
	rg_buf_free(&b1);
	rg_arena_destroy(a2);
	rg_arena_destroy(a1);
	return 0;
}
