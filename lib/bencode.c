/* bencode.c - strict BEP 3 decoder, builders and encoder, see bencode.h. */
#include "bencode.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

const struct bencode_limits bencode_ng_limits = {
	.max_depth = 32,
	.max_items = 100000,
	.max_string = 1024 * 1024,
};

/* Reading state for one bencode_decode() call. @p never passes @end. */
struct decoder {
	struct rg_arena *arena;
	const char *p;
	const char *end;
	const struct bencode_limits *limits;
	size_t items;
	const char *err;
};

static int fail(struct decoder *d, int error, const char *why)
{
	d->err = why;
	return error;
}

static bool at_end(const struct decoder *d)
{
	return d->p == d->end;
}

static struct bencode_item *item_new(struct rg_arena *arena,
				     enum bencode_type type)
{
	struct bencode_item *item;

	if (!arena)
		return NULL;
	item = rg_arena_alloc(arena, sizeof(*item));
	if (item)
		item->type = type;
	return item;
}

/* Every item, dict keys included, counts against max_items before it is
 * allocated, so a flood of tiny items fails before it costs memory. */
static int decoder_item_new(struct decoder *d, enum bencode_type type,
			    struct bencode_item **out)
{
	if (d->items >= d->limits->max_items)
		return fail(d, -E2BIG, "too many items");
	d->items++;
	*out = item_new(d->arena, type);
	if (!*out)
		return fail(d, -ENOMEM, "out of memory");
	return 0;
}

static void append_child(struct bencode_item *parent, struct bencode_item *c)
{
	if (parent->last)
		parent->last->next = c;
	else
		parent->child = c;
	parent->last = c;
	parent->count++;
}

/* Reads the decimal digits of a length or an integer's magnitude into
 * *@val. At least one digit, no leading zero unless the number is 0, and
 * no value above @max. */
static int read_digits(struct decoder *d, uint64_t max, uint64_t *val)
{
	const char *start = d->p;
	uint64_t v = 0;
	unsigned digit;

	while (!at_end(d) && *d->p >= '0' && *d->p <= '9') {
		digit = (unsigned)(*d->p - '0');
		if (v > (max - digit) / 10)
			return fail(d, -EINVAL, "number too large");
		v = v * 10 + digit;
		d->p++;
	}
	if (d->p == start)
		return fail(d, -EINVAL, "digit expected");
	if (*start == '0' && d->p - start > 1)
		return fail(d, -EINVAL, "leading zero");
	*val = v;
	return 0;
}

/* i<digits>e with an optional '-'; "-0" is not canonical (BEP 3). */
static int decode_int(struct decoder *d, struct bencode_item **out)
{
	uint64_t mag, max = INT64_MAX;
	bool neg = false;
	int ret;

	d->p++;
	if (!at_end(d) && *d->p == '-') {
		neg = true;
		max = (uint64_t)INT64_MAX + 1;
		d->p++;
	}
	ret = read_digits(d, max, &mag);
	if (ret)
		return ret;
	if (neg && mag == 0)
		return fail(d, -EINVAL, "negative zero");
	if (at_end(d) || *d->p != 'e')
		return fail(d, -EINVAL, "integer not ended by 'e'");
	d->p++;
	ret = decoder_item_new(d, BENCODE_INTEGER, out);
	if (ret)
		return ret;
	/* -2^63 has no positive int64 counterpart: negate in unsigned. */
	(*out)->num = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/* <length>:<bytes>, the bytes copied into the arena and NUL-terminated. */
static int decode_str(struct decoder *d, struct bencode_item **out)
{
	uint64_t len;
	int ret;

	ret = read_digits(d, SIZE_MAX - 1, &len);
	if (ret)
		return ret;
	if (at_end(d) || *d->p != ':')
		return fail(d, -EINVAL, "string length not followed by ':'");
	d->p++;
	if (len > (uint64_t)(d->end - d->p))
		return fail(d, -EINVAL, "string runs past the end");
	if (len > d->limits->max_string)
		return fail(d, -E2BIG, "string too long");
	ret = decoder_item_new(d, BENCODE_STRING, out);
	if (ret)
		return ret;
	(*out)->str = rg_arena_strndup(d->arena, d->p, (size_t)len);
	if (!(*out)->str)
		return fail(d, -ENOMEM, "out of memory");
	(*out)->len = (size_t)len;
	d->p += len;
	return 0;
}

static int decode_item(struct decoder *d, unsigned depth,
		       struct bencode_item **out);

/* l...e or d...e; @depth is the nesting of the new container itself. */
static int decode_container(struct decoder *d, unsigned depth,
			    struct bencode_item **out)
{
	enum bencode_type type = *d->p == 'd' ? BENCODE_DICT : BENCODE_LIST;
	struct bencode_item *c, *child;
	int ret;

	if (depth > d->limits->max_depth)
		return fail(d, -ELOOP, "nested too deeply");
	d->p++;
	ret = decoder_item_new(d, type, &c);
	if (ret)
		return ret;
	for (;;) {
		if (at_end(d))
			return fail(d, -EINVAL, "list or dict not ended by 'e'");
		if (*d->p == 'e')
			break;
		if (type == BENCODE_DICT && c->count % 2 == 0 &&
		    (*d->p < '0' || *d->p > '9'))
			return fail(d, -EINVAL, "dict key is not a string");
		ret = decode_item(d, depth, &child);
		if (ret)
			return ret;
		append_child(c, child);
	}
	if (type == BENCODE_DICT && c->count % 2)
		return fail(d, -EINVAL, "dict key without a value");
	d->p++;
	*out = c;
	return 0;
}

/* One item at the current position; @depth containers enclose it. */
static int decode_item(struct decoder *d, unsigned depth,
		       struct bencode_item **out)
{
	if (at_end(d))
		return fail(d, -EINVAL, "unexpected end of input");
	switch (*d->p) {
	case 'i':
		return decode_int(d, out);
	case 'l':
	case 'd':
		return decode_container(d, depth + 1, out);
	case '0' ... '9':
		return decode_str(d, out);
	default:
		return fail(d, -EINVAL, "unexpected byte");
	}
}

int bencode_decode(struct rg_arena *arena, const char *buf, size_t len,
		   const struct bencode_limits *limits,
		   struct bencode_item **out, const char **err)
{
	struct decoder d = {
		.arena = arena,
		.p = buf,
		.end = buf ? buf + len : buf,
		.limits = limits ? limits : &bencode_ng_limits,
	};
	struct bencode_item *item = NULL;
	int ret;

	if (!arena || !out || (!buf && len))
		ret = fail(&d, -EINVAL, "invalid arguments");
	else if (len == 0)
		ret = fail(&d, -EINVAL, "empty input");
	else
		ret = decode_item(&d, 0, &item);
	if (!ret && !at_end(&d))
		ret = fail(&d, -EINVAL, "trailing bytes after the item");
	if (err)
		*err = d.err;
	if (!ret)
		*out = item;
	return ret;
}

struct bencode_item *bencode_dict_new(struct rg_arena *arena)
{
	return item_new(arena, BENCODE_DICT);
}

struct bencode_item *bencode_list_new(struct rg_arena *arena)
{
	return item_new(arena, BENCODE_LIST);
}

struct bencode_item *bencode_strn_new(struct rg_arena *arena, const char *s,
				      size_t len)
{
	struct bencode_item *item;

	if (!s && len)
		return NULL;
	item = item_new(arena, BENCODE_STRING);
	if (!item)
		return NULL;
	item->str = rg_arena_strndup(arena, s ? s : "", len);
	if (!item->str)
		return NULL;
	item->len = len;
	return item;
}

struct bencode_item *bencode_str_new(struct rg_arena *arena, const char *s)
{
	if (!s)
		return NULL;
	return bencode_strn_new(arena, s, strlen(s));
}

struct bencode_item *bencode_int_new(struct rg_arena *arena, int64_t num)
{
	struct bencode_item *item = item_new(arena, BENCODE_INTEGER);

	if (item)
		item->num = num;
	return item;
}

int bencode_list_add(struct bencode_item *list, struct bencode_item *item)
{
	if (!item || !list)
		return -ENOMEM;
	if (list->type != BENCODE_LIST)
		return -EINVAL;
	append_child(list, item);
	return 0;
}

struct bencode_item *bencode_dict_add(struct rg_arena *arena,
				      struct bencode_item *dict,
				      const char *key,
				      struct bencode_item *value)
{
	struct bencode_item *k;

	if (!dict || !value || !key || dict->type != BENCODE_DICT)
		return NULL;
	k = bencode_str_new(arena, key);
	if (!k)
		return NULL;
	append_child(dict, k);
	append_child(dict, value);
	return value;
}

struct bencode_item *bencode_dict_add_str(struct rg_arena *arena,
					  struct bencode_item *dict,
					  const char *key, const char *value)
{
	return bencode_dict_add(arena, dict, key, bencode_str_new(arena, value));
}

struct bencode_item *bencode_dict_add_strn(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key, const char *value,
					   size_t len)
{
	return bencode_dict_add(arena, dict, key,
				bencode_strn_new(arena, value, len));
}

struct bencode_item *bencode_dict_add_int(struct rg_arena *arena,
					  struct bencode_item *dict,
					  const char *key, int64_t value)
{
	return bencode_dict_add(arena, dict, key, bencode_int_new(arena, value));
}

struct bencode_item *bencode_dict_add_dict(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key)
{
	return bencode_dict_add(arena, dict, key, bencode_dict_new(arena));
}

struct bencode_item *bencode_dict_add_list(struct rg_arena *arena,
					   struct bencode_item *dict,
					   const char *key)
{
	return bencode_dict_add(arena, dict, key, bencode_list_new(arena));
}

static bool str_eq(const struct bencode_item *item, const char *s, size_t len)
{
	return item && item->type == BENCODE_STRING && item->len == len &&
	       memcmp(item->str, s, len) == 0;
}

struct bencode_item *bencode_dict_get(const struct bencode_item *dict,
				      const char *key)
{
	const struct bencode_item *k;
	size_t len;

	if (!dict || !key || dict->type != BENCODE_DICT)
		return NULL;
	len = strlen(key);
	for (k = dict->child; k && k->next; k = k->next->next) {
		if (str_eq(k, key, len))
			return k->next;
	}
	return NULL;
}

bool bencode_str_eq(const struct bencode_item *item, const char *s)
{
	return s && str_eq(item, s, strlen(s));
}

/* Recursion depth is that of the tree: a decoded tree is bounded by the
 * limits it was decoded with, a built one by the code that built it. */
void bencode_encode(const struct bencode_item *item, struct rg_buf *out)
{
	const struct bencode_item *c;

	if (!item) {
		/* Only a failed builder gives NULL; report it at finish. */
		if (!out->error)
			out->error = -ENOMEM;
		return;
	}
	switch (item->type) {
	case BENCODE_STRING:
		rg_buf_appendf(out, "%zu:", item->len);
		rg_buf_append(out, item->str, item->len);
		break;
	case BENCODE_INTEGER:
		rg_buf_appendf(out, "i%" PRId64 "e", item->num);
		break;
	case BENCODE_LIST:
	case BENCODE_DICT:
		rg_buf_append_char(out, item->type == BENCODE_DICT ? 'd' : 'l');
		for (c = item->child; c; c = c->next)
			bencode_encode(c, out);
		rg_buf_append_char(out, 'e');
		break;
	}
}
