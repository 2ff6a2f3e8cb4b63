/* bencode.h - bencode (BEP 3) decoder and encoder for the NG protocol.
 *
 * Every item lives in the caller's arena (arena.h): decode a request, build
 * the reply, destroy the arena, all freed at once. The decoder enforces
 * limits on nesting depth, item count and string length so that hostile
 * input fails with an error instead of exhausting the stack or memory.
 *
 * Dictionaries keep the order of their keys as received or as added (NG
 * peers do not require sorted keys and rtpengine does not sort them).
 */
#ifndef RG_BENCODE_H
#define RG_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

enum bencode_type {
	BENCODE_STRING,
	BENCODE_INTEGER,
	BENCODE_LIST,
	BENCODE_DICT,
};

struct bencode_item {
	enum bencode_type type;
	/* STRING: an arena copy, NUL-terminated for convenience; the string
	 * may itself hold NUL bytes, so use len. Also set for dict keys. */
	const char *str;
	size_t len;
	/* INTEGER */
	int64_t num;
	/* LIST and DICT: children in order; a DICT's children alternate
	 * key (a STRING), value, key, value... count is the number of
	 * children (twice the number of pairs for a DICT). */
	struct bencode_item *child;
	struct bencode_item *last;
	size_t count;
	struct bencode_item *next;	/* sibling */
};

struct bencode_limits {
	unsigned max_depth;	/* lists/dicts nested deeper fail: -ELOOP */
	size_t max_items;	/* total items in the document: -E2BIG */
	size_t max_string;	/* longest single string: -E2BIG */
};

/* Limits suitable for NG requests: depth 32, 100000 items, 1 MiB strings. */
extern const struct bencode_limits bencode_ng_limits;

/* Decodes exactly one item from @buf/@len, which must consume the whole
 * buffer (trailing bytes are -EINVAL). Returns 0 and sets *@out, or a
 * negative errno: -EINVAL malformed (bad syntax, leading zeros, "-0",
 * integer overflow, negative or overlong string length, non-string dict
 * key), -ELOOP too deep, -E2BIG over a limit, -ENOMEM arena exhausted.
 * On error *@out is untouched and the arena may hold partial garbage.
 * If @err is not NULL it is set to a short static description. */
int bencode_decode(struct rg_arena *arena, const char *buf, size_t len,
		   const struct bencode_limits *limits,
		   struct bencode_item **out, const char **err);

/* Builders: a new item in @arena, or NULL when the arena is exhausted. */
struct bencode_item *bencode_dict_new(struct rg_arena *arena);
struct bencode_item *bencode_list_new(struct rg_arena *arena);
struct bencode_item *bencode_str_new(struct rg_arena *arena, const char *s);
struct bencode_item *bencode_strn_new(struct rg_arena *arena, const char *s,
				      size_t len);
struct bencode_item *bencode_int_new(struct rg_arena *arena, int64_t num);

/* Appends @item to @list. @item may be NULL (a failed builder): then
 * nothing is added and -ENOMEM returned. */
int bencode_list_add(struct bencode_item *list, struct bencode_item *item);

/* Appends the pair @key -> @value to @dict (the key string is copied into
 * the arena). @value NULL: nothing added, -ENOMEM. Returns @value on
 * success for chaining in the _add_dict/_add_list forms, NULL on failure. */
struct bencode_item *bencode_dict_add(struct rg_arena *arena,
				      struct bencode_item *dict,
				      const char *key,
				      struct bencode_item *value);
struct bencode_item *bencode_dict_add_str(struct rg_arena *arena,
					  struct bencode_item *dict,
					  const char *key, const char *value);
struct bencode_item *bencode_dict_add_strn(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key, const char *value,
					   size_t len);
struct bencode_item *bencode_dict_add_int(struct rg_arena *arena,
					  struct bencode_item *dict,
					  const char *key, int64_t value);
struct bencode_item *bencode_dict_add_dict(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key);
struct bencode_item *bencode_dict_add_list(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key);

/* The value for @key (exact byte match) in @dict, or NULL (also NULL when
 * @dict is NULL or not a dict). The first match wins. */
struct bencode_item *bencode_dict_get(const struct bencode_item *dict,
				      const char *key);

/* Appends the encoding of @item to @out (see buf.h for error reporting). */
void bencode_encode(const struct bencode_item *item, struct rg_buf *out);

/* true if @item is a STRING equal to the C string @s. */
bool bencode_str_eq(const struct bencode_item *item, const char *s);

#endif
