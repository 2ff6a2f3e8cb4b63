/* sdp_parse.c - SDP text (RFC 8866) into the model of sdp.h.
 *
 * Choices the contract leaves open:
 *  - A line is "<letter>=<text>" with an ASCII letter; lines that are empty
 *    or hold only spaces and tabs are skipped (they are not written back).
 *  - A CR is only allowed just before the LF (or at the very end of the
 *    input); a CR inside a line is malformed, so no text can smuggle a line
 *    break into what we write.
 *  - A second o=, s= or c= at the same level (session, or one media) is
 *    rejected: RFC 8866 allows one of each per level, and keeping a stale
 *    c= as raw text would let an address the daemon rewrote leak through.
 *    o= and s= inside a media section are not ours to interpret and are
 *    kept as raw text.
 *  - Tokens in o=, c= and m= are separated by runs of spaces or tabs and
 *    are written back with single spaces, so parse-write is idempotent
 *    after the first pass.
 *  - Limits are taken literally (a zero limit allows nothing); NULL limits
 *    mean sdp_default_limits. max_lines counts non-blank lines, m= included;
 *    max_line_len counts the bytes before the CR/LF.
 */
#include "sdp.h"

#include <errno.h>
#include <string.h>

#include "sdp_internal.h"

const struct sdp_limits sdp_default_limits = {
	.max_len = 64 * 1024,
	.max_lines = 4096,
	.max_line_len = 4096,
	.max_media = 64,
	.max_formats = 128,
};

struct span {
	const char *p;
	size_t len;
};

struct parser {
	struct rg_arena *arena;
	const struct sdp_limits *lim;
	struct sdp_session *sdp;
	struct sdp_media *cur;		/* NULL in the session section */
	struct sdp_media **media_tail;
	size_t lines;
	const char *err;
};

static int fail(struct parser *p, int ret, const char *why)
{
	p->err = why;
	return ret;
}

static int nomem(struct parser *p)
{
	return fail(p, -ENOMEM, "SDP too large for the memory limit");
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Takes the next blank-separated token from @rest; false at the end. */
static bool next_token(struct span *rest, struct span *tok)
{
	while (rest->len && is_blank(*rest->p)) {
		rest->p++;
		rest->len--;
	}
	if (!rest->len)
		return false;
	tok->p = rest->p;
	while (rest->len && !is_blank(*rest->p)) {
		rest->p++;
		rest->len--;
	}
	tok->len = (size_t)(rest->p - tok->p);
	return true;
}

/* Splits @s into exactly @n tokens; false if there are fewer or more. */
static bool split_exact(struct span s, struct span *toks, size_t n)
{
	struct span extra;
	size_t i;

	for (i = 0; i < n; i++)
		if (!next_token(&s, &toks[i]))
			return false;
	return !next_token(&s, &extra);
}

static char *dup_span(struct parser *p, struct span s)
{
	return rg_arena_strndup(p->arena, s.p, s.len);
}

/* Decimal digits only; -ERANGE above @max, -EINVAL for anything else. */
static int parse_uint(struct span s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (!s.len)
		return -EINVAL;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		if (v <= max)
			v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = (unsigned)v;
	return 0;
}

static int parse_port(struct parser *p, struct span tok, struct sdp_media *m)
{
	const char *slash = memchr(tok.p, '/', tok.len);
	struct span port = tok, num;
	int ret;

	if (slash) {
		port.len = (size_t)(slash - tok.p);
		num.p = slash + 1;
		num.len = tok.len - port.len - 1;
		ret = parse_uint(num, 65535, &m->num_ports);
		if (!ret && m->num_ports == 0)
			ret = -ERANGE;
		if (ret)
			goto bad;
	}
	ret = parse_uint(port, 65535, &m->port);
	if (!ret)
		return 0;
bad:
	if (ret == -ERANGE)
		return fail(p, -EINVAL, "port out of range in m= line");
	return fail(p, -EINVAL, "malformed m= line");
}

static int parse_formats(struct parser *p, struct span rest,
			 struct sdp_media *m)
{
	struct span scan = rest, tok;
	size_t n = 0;

	while (next_token(&scan, &tok))
		n++;
	if (n == 0)
		return fail(p, -EINVAL, "malformed m= line");
	if (n > p->lim->max_formats)
		return fail(p, -E2BIG, "too many formats in m= line");
	m->formats = rg_arena_alloc(p->arena, n * sizeof(*m->formats));
	if (!m->formats)
		return nomem(p);
	while (next_token(&rest, &tok)) {
		m->formats[m->format_count] = dup_span(p, tok);
		if (!m->formats[m->format_count++])
			return nomem(p);
	}
	return 0;
}

/* "m=<media> <port>[/<num>] <proto> <fmt> ..." starts a media section. */
static int parse_media(struct parser *p, struct span text)
{
	struct span media, port, proto;
	struct sdp_media *m;
	int ret;

	if (p->sdp->media_count >= p->lim->max_media)
		return fail(p, -E2BIG, "too many m= lines");
	if (!next_token(&text, &media) || !next_token(&text, &port) ||
	    !next_token(&text, &proto))
		return fail(p, -EINVAL, "malformed m= line");
	m = rg_arena_alloc(p->arena, sizeof(*m));
	if (!m)
		return nomem(p);
	ret = parse_port(p, port, m);
	if (!ret)
		ret = parse_formats(p, text, m);
	if (ret)
		return ret;
	m->media = dup_span(p, media);
	m->proto = dup_span(p, proto);
	if (!m->media || !m->proto)
		return nomem(p);
	m->index = (unsigned)p->sdp->media_count++;
	*p->media_tail = m;
	p->media_tail = &m->next;
	p->cur = m;
	return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int parse_origin(struct parser *p, struct span text)
{
	struct sdp_origin *o = &p->sdp->origin;
	struct span t[6];

	if (o->present)
		return fail(p, -EINVAL, "duplicate o= line");
	if (!split_exact(text, t, 6))
		return fail(p, -EINVAL, "malformed o= line");
	o->username = dup_span(p, t[0]);
	o->sess_id = dup_span(p, t[1]);
	o->sess_version = dup_span(p, t[2]);
	o->nettype = dup_span(p, t[3]);
	o->addrtype = dup_span(p, t[4]);
	o->address = dup_span(p, t[5]);
	if (!o->username || !o->sess_id || !o->sess_version || !o->nettype ||
	    !o->addrtype || !o->address)
		return nomem(p);
	o->present = true;
	return 0;
}

/* c=<nettype> <addrtype> <address>[/<ttl>][/<number>] */
static int parse_connection(struct parser *p, struct span text,
			    struct sdp_connection *c)
{
	struct span t[3], addr;
	const char *slash;

	if (c->present)
		return fail(p, -EINVAL, "duplicate c= line");
	if (!split_exact(text, t, 3))
		return fail(p, -EINVAL, "malformed c= line");
	addr = t[2];
	slash = memchr(addr.p, '/', addr.len);
	if (slash) {
		addr.len = (size_t)(slash - addr.p);
		c->suffix = rg_arena_strndup(p->arena, slash,
					     t[2].len - addr.len);
		if (!c->suffix)
			return nomem(p);
	}
	if (!addr.len)
		return fail(p, -EINVAL, "malformed c= line");
	c->nettype = dup_span(p, t[0]);
	c->addrtype = dup_span(p, t[1]);
	c->address = dup_span(p, addr);
	if (!c->nettype || !c->addrtype || !c->address)
		return nomem(p);
	c->present = true;
	return 0;
}

/* Parses what the line's kind needs; @l->text is already set. */
static int parse_fields(struct parser *p, struct sdp_line *l, struct span text)
{
	struct sdp_connection *conn;
	char *colon;

	switch (l->type) {
	case 'a':
		l->kind = SDP_LINE_ATTR;
		colon = strchr(l->text, ':');
		l->attr_name = rg_arena_strndup(p->arena, l->text,
				colon ? (size_t)(colon - l->text) : text.len);
		if (!l->attr_name)
			return nomem(p);
		l->attr_value = colon ? colon + 1 : NULL;
		return 0;
	case 'c':
		l->kind = SDP_LINE_CONNECTION;
		conn = p->cur ? &p->cur->conn : &p->sdp->conn;
		return parse_connection(p, text, conn);
	case 'o':
		if (p->cur)
			return 0;
		l->kind = SDP_LINE_ORIGIN;
		return parse_origin(p, text);
	case 's':
		if (p->cur)
			return 0;
		if (p->sdp->session_name)
			return fail(p, -EINVAL, "duplicate s= line");
		l->kind = SDP_LINE_SESSION_NAME;
		p->sdp->session_name = l->text;
		return 0;
	}
	return 0;
}

static bool is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank_line(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	struct sdp_lines *lines;
	struct span text;
	struct sdp_line *l;
	int ret;

	if (len > p->lim->max_line_len)
		return fail(p, -E2BIG, "SDP line longer than the line length limit");
	if (is_blank_line(s, len))
		return 0;
	if (++p->lines > p->lim->max_lines)
		return fail(p, -E2BIG, "too many lines in SDP");
	if (memchr(s, '\r', len))
		return fail(p, -EINVAL, "CR inside an SDP line");
	if (len < 2 || !is_letter(s[0]) || s[1] != '=')
		return fail(p, -EINVAL, "malformed line");
	if (p->lines == 1 && s[0] != 'v')
		return fail(p, -EINVAL, "SDP does not start with a v= line");
	text.p = s + 2;
	text.len = len - 2;
	if (s[0] == 'm')
		return parse_media(p, text);

	l = sdp_line_new(p->arena, SDP_LINE_OTHER, s[0], text.p, text.len);
	if (!l)
		return nomem(p);
	ret = parse_fields(p, l, text);
	if (ret)
		return ret;
	lines = p->cur ? &p->cur->lines : &p->sdp->lines;
	sdp_lines_insert(lines, NULL, l);
	return 0;
}

static int parse_all(struct parser *p, const char *buf, size_t len)
{
	const char *end = buf + len, *eol;
	size_t line_len;
	int ret;

	if (len > p->lim->max_len)
		return fail(p, -E2BIG, "SDP longer than the length limit");
	if (memchr(buf, '\0', len))
		return fail(p, -EINVAL, "NUL byte in SDP");
	p->sdp = rg_arena_alloc(p->arena, sizeof(*p->sdp));
	if (!p->sdp)
		return nomem(p);
	p->media_tail = &p->sdp->media;
	while (buf < end) {
		eol = memchr(buf, '\n', (size_t)(end - buf));
		line_len = (size_t)((eol ? eol : end) - buf);
		if (line_len && buf[line_len - 1] == '\r')
			line_len--;
		ret = parse_line(p, buf, line_len);
		if (ret)
			return ret;
		buf = eol ? eol + 1 : end;
	}
	if (!p->lines)
		return fail(p, -EINVAL, "empty SDP");
	return 0;
}

/* Parses @buf/@len into a session allocated from @arena (see sdp.h). On
 * any failure *@out is NULL and *@err (if @err) a static reason string,
 * also for -ENOMEM; what was allocated stays in the arena. */
int sdp_parse(struct rg_arena *arena, const char *buf, size_t len,
	      const struct sdp_limits *limits, struct sdp_session **out,
	      const char **err)
{
	struct parser p = {
		.arena = arena,
		.lim = limits ? limits : &sdp_default_limits,
	};
	int ret;

	*out = NULL;
	ret = parse_all(&p, len ? buf : "", len);
	if (err)
		*err = ret ? p.err : NULL;
	if (!ret)
		*out = p.sdp;
	return ret;
}
