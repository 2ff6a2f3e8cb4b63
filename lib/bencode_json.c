/* bencode_json.c - see bencode_json.h. */
#include "bencode_json.h"

#include <inttypes.h>
#include <string.h>

struct writer {
	struct rg_buf *out;
	enum bencode_json_style style;
};

/* Appends @s/@len with JSON escapes for '"', '\' and control bytes; runs
 * of plain bytes go out in one append. */
static void put_escaped(struct rg_buf *out, const char *s, size_t len)
{
	size_t i, run = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			continue;
		rg_buf_append(out, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			rg_buf_append_char(out, '\\');
			rg_buf_append_char(out, (char)c);
		} else if (c == '\n') {
			rg_buf_append_str(out, "\\n");
		} else if (c == '\r') {
			rg_buf_append_str(out, "\\r");
		} else if (c == '\t') {
			rg_buf_append_str(out, "\\t");
		} else {
			rg_buf_appendf(out, "\\u%04x", c);
		}
	}
	rg_buf_append(out, s + run, len - run);
}

static void put_string(struct rg_buf *out, const char *s, size_t len)
{
	rg_buf_append_char(out, '"');
	put_escaped(out, s, len);
	rg_buf_append_char(out, '"');
}

static void newline(const struct writer *w, unsigned depth)
{
	unsigned i;

	if (w->style == BENCODE_JSON_COMPACT)
		return;
	rg_buf_append_char(w->out, '\n');
	for (i = 0; i < depth; i++)
		rg_buf_append_str(w->out, "  ");
}

static bool is_block(const struct writer *w, const struct bencode_item *it)
{
	return w->style == BENCODE_JSON_READABLE && it->type == BENCODE_STRING &&
	       memchr(it->str, '\n', it->len);
}

/* Each line of @it (ended by LF or CR LF, the last maybe by neither) on a
 * line of its own after "| ", one level deeper than @depth. */
static void put_lines(const struct writer *w, const struct bencode_item *it,
		      unsigned depth)
{
	const char *s = it->str, *eol;
	size_t left = it->len, n, line;

	while (left) {
		eol = memchr(s, '\n', left);
		n = eol ? (size_t)(eol - s) + 1 : left;
		line = eol ? n - 1 : n;
		if (line && s[line - 1] == '\r')
			line--;
		newline(w, depth + 1);
		rg_buf_append_str(w->out, "| ");
		put_escaped(w->out, s, line);
		s += n;
		left -= n;
	}
}

static void write_item(const struct writer *w, const struct bencode_item *it,
		       unsigned depth);

/* A list's items or a dict's key/value pairs, one a line when pretty;
 * READABLE leaves out the commas, which the line breaks make redundant. */
static void write_container(const struct writer *w, const struct bencode_item *it,
			    unsigned depth)
{
	bool dict = it->type == BENCODE_DICT;
	const struct bencode_item *c, *value;

	rg_buf_append_char(w->out, dict ? '{' : '[');
	for (c = it->child; c; c = value->next) {
		if (c != it->child && w->style != BENCODE_JSON_READABLE)
			rg_buf_append_char(w->out, ',');
		newline(w, depth + 1);
		value = c;
		if (dict) {
			value = c->next;
			if (!value)
				break;
			put_string(w->out, c->str, c->len);
			rg_buf_append_char(w->out, ':');
			if (w->style != BENCODE_JSON_COMPACT && !is_block(w, value))
				rg_buf_append_char(w->out, ' ');
		}
		write_item(w, value, depth + 1);
	}
	if (it->child)
		newline(w, depth);
	rg_buf_append_char(w->out, dict ? '}' : ']');
}

static void write_item(const struct writer *w, const struct bencode_item *it,
		       unsigned depth)
{
	switch (it->type) {
	case BENCODE_INTEGER:
		rg_buf_appendf(w->out, "%" PRId64, it->num);
		break;
	case BENCODE_STRING:
		if (is_block(w, it))
			put_lines(w, it, depth);
		else
			put_string(w->out, it->str, it->len);
		break;
	case BENCODE_LIST:
	case BENCODE_DICT:
		write_container(w, it, depth);
		break;
	}
}

void bencode_json_write(const struct bencode_item *item, struct rg_buf *out,
			enum bencode_json_style style)
{
	struct writer w = { out, style };

	write_item(&w, item, 0);
}
