/* sdp_edit.c - editing the SDP model: lines, attributes, connections.
 *
 * Edits keep each line's text in step with its parsed fields, although the
 * writer only looks at the fields for a=, o=, s= and c= lines.
 */
#include "sdp.h"

#include <errno.h>
#include <string.h>

#include "sdp_internal.h"

struct sdp_line *sdp_line_new(struct rg_arena *arena, enum sdp_line_kind kind,
			      char type, const char *text, size_t len)
{
	struct sdp_line *l = rg_arena_alloc(arena, sizeof(*l));

	if (!l)
		return NULL;
	l->text = rg_arena_strndup(arena, text, len);
	if (!l->text)
		return NULL;
	l->kind = kind;
	l->type = type;
	return l;
}

void sdp_lines_insert(struct sdp_lines *lines, struct sdp_line *before,
		      struct sdp_line *line)
{
	line->next = before;
	line->prev = before ? before->prev : lines->tail;
	if (line->prev)
		line->prev->next = line;
	else
		lines->head = line;
	if (before)
		before->prev = line;
	else
		lines->tail = line;
}

/* Unlinks @line from @lines. The line stays in the arena. */
void sdp_line_remove(struct sdp_lines *lines, struct sdp_line *line)
{
	if (line->prev)
		line->prev->next = line->next;
	else
		lines->head = line->next;
	if (line->next)
		line->next->prev = line->prev;
	else
		lines->tail = line->prev;
	line->prev = NULL;
	line->next = NULL;
}

/* The first a=@name line after @after (NULL: from the head), or NULL. */
struct sdp_line *sdp_attr_find(const struct sdp_lines *lines, const char *name,
			       const struct sdp_line *after)
{
	struct sdp_line *l = after ? after->next : lines->head;

	for (; l; l = l->next)
		if (l->kind == SDP_LINE_ATTR && strcmp(l->attr_name, name) == 0)
			return l;
	return NULL;
}

/* Unlinks every a=@name line; returns how many there were. */
unsigned sdp_attr_remove(struct sdp_lines *lines, const char *name)
{
	struct sdp_line *l, *next;
	unsigned n = 0;

	for (l = sdp_attr_find(lines, name, NULL); l; l = next) {
		next = sdp_attr_find(lines, name, l);
		sdp_line_remove(lines, l);
		n++;
	}
	return n;
}

/* Points @l's text at "@name[:@value]" and its fields into it. */
static int attr_fill(struct rg_arena *arena, struct sdp_line *l,
		     const char *name, const char *value)
{
	size_t name_len = strlen(name);
	char *text, *attr_name;

	if (value)
		text = rg_arena_printf(arena, "%s:%s", name, value);
	else
		text = rg_arena_strdup(arena, name);
	attr_name = l->attr_name;
	if (!attr_name || strcmp(attr_name, name) != 0)
		attr_name = rg_arena_strdup(arena, name);
	if (!text || !attr_name)
		return -ENOMEM;
	l->text = text;
	l->attr_name = attr_name;
	l->attr_value = value ? text + name_len + 1 : NULL;
	return 0;
}

/* Appends a new "a=@name[:@value]" line at the end of @lines; the new line,
 * or NULL when the arena is exhausted (nothing is linked then). */
struct sdp_line *sdp_attr_append(struct rg_arena *arena, struct sdp_lines *lines,
				 const char *name, const char *value)
{
	struct sdp_line *l = rg_arena_alloc(arena, sizeof(*l));

	if (!l || attr_fill(arena, l, name, value))
		return NULL;
	l->kind = SDP_LINE_ATTR;
	l->type = 'a';
	sdp_lines_insert(lines, NULL, l);
	return l;
}

/* Gives the first a=@name line the value @value (NULL: "a=@name"), in
 * place; appends the line when there is none. The line, or NULL when the
 * arena is exhausted (the old value is then kept). */
struct sdp_line *sdp_attr_set(struct rg_arena *arena, struct sdp_lines *lines,
			      const char *name, const char *value)
{
	struct sdp_line *l = sdp_attr_find(lines, name, NULL);

	if (!l)
		return sdp_attr_append(arena, lines, name, value);
	return attr_fill(arena, l, name, value) ? NULL : l;
}

/* The c= that applies to @m: its own, else the session's, else NULL. */
const struct sdp_connection *sdp_media_connection(const struct sdp_session *sdp,
						  const struct sdp_media *m)
{
	if (m->conn.present)
		return &m->conn;
	if (sdp->conn.present)
		return &sdp->conn;
	return NULL;
}

static struct sdp_line *find_connection_line(const struct sdp_lines *lines)
{
	struct sdp_line *l;

	for (l = lines->head; l; l = l->next)
		if (l->kind == SDP_LINE_CONNECTION)
			return l;
	return NULL;
}

/* The first line whose type is one of @types, or NULL (the end). */
static struct sdp_line *first_of(const struct sdp_lines *lines,
				 const char *types)
{
	struct sdp_line *l;

	for (l = lines->head; l; l = l->next)
		if (l->type && strchr(types, l->type))
			return l;
	return NULL;
}

/* @before_types: the line types that come after c= at this level. */
static int set_connection(struct rg_arena *arena, struct sdp_lines *lines,
			  struct sdp_connection *conn, const char *before_types,
			  const char *addrtype, const char *address)
{
	struct sdp_line *l = find_connection_line(lines);
	char *nettype, *type, *addr, *text;

	nettype = rg_arena_strdup(arena, "IN");
	type = rg_arena_strdup(arena, addrtype);
	addr = rg_arena_strdup(arena, address);
	text = rg_arena_printf(arena, "IN %s %s", addrtype, address);
	if (!nettype || !type || !addr || !text)
		return -ENOMEM;
	if (!l) {
		l = sdp_line_new(arena, SDP_LINE_CONNECTION, 'c', "", 0);
		if (!l)
			return -ENOMEM;
		sdp_lines_insert(lines, first_of(lines, before_types), l);
	}
	l->text = text;
	conn->present = true;
	conn->nettype = nettype;
	conn->addrtype = type;
	conn->address = addr;
	conn->suffix = NULL;
	return 0;
}

/* RFC 8866 section 5: a media section has i=, c=, b=, k=, a= in order. */
int sdp_media_set_connection(struct rg_arena *arena, struct sdp_media *m,
			     const char *addrtype, const char *address)
{
	return set_connection(arena, &m->lines, &m->conn, "bka", addrtype,
			      address);
}

/* RFC 8866 section 5: v o s i u e p c b t r z k a at session level. */
int sdp_session_set_connection(struct rg_arena *arena, struct sdp_session *sdp,
			       const char *addrtype, const char *address)
{
	return set_connection(arena, &sdp->lines, &sdp->conn, "btrzka",
			      addrtype, address);
}
