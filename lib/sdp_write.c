/* sdp_write.c - the SDP model back into text, CRLF after every line.
 *
 * a=, o=, s= and c= lines are written from their parsed fields, so edits
 * to the fields show; an o= or c= line whose struct is no longer marked
 * present is left out. Fields the caller set to NULL are written as "-"
 * rather than crashing. An m= line with no formats left is written with
 * nothing after the proto (see sdp_media_remove_format).
 */
#include "sdp.h"

static const char *str(const char *s)
{
	return s ? s : "-";
}

static void write_origin(const struct sdp_origin *o, struct rg_buf *out)
{
	if (!o->present)
		return;
	rg_buf_appendf(out, "o=%s %s %s %s %s %s\r\n", str(o->username),
		       str(o->sess_id), str(o->sess_version), str(o->nettype),
		       str(o->addrtype), str(o->address));
}

static void write_connection(const struct sdp_connection *c,
			     struct rg_buf *out)
{
	if (!c->present)
		return;
	rg_buf_appendf(out, "c=%s %s %s%s\r\n", str(c->nettype),
		       str(c->addrtype), str(c->address),
		       c->suffix ? c->suffix : "");
}

static void write_line(const struct sdp_session *sdp,
		       const struct sdp_connection *conn,
		       const struct sdp_line *l, struct rg_buf *out)
{
	switch (l->kind) {
	case SDP_LINE_ATTR:
		rg_buf_appendf(out, "a=%s%s%s\r\n", str(l->attr_name),
			       l->attr_value ? ":" : "",
			       l->attr_value ? l->attr_value : "");
		break;
	case SDP_LINE_ORIGIN:
		write_origin(&sdp->origin, out);
		break;
	case SDP_LINE_SESSION_NAME:
		rg_buf_appendf(out, "s=%s\r\n", str(sdp->session_name));
		break;
	case SDP_LINE_CONNECTION:
		write_connection(conn, out);
		break;
	default:
		rg_buf_appendf(out, "%c=%s\r\n", l->type, l->text ? l->text : "");
		break;
	}
}

static void write_lines(const struct sdp_session *sdp,
			const struct sdp_connection *conn,
			const struct sdp_lines *lines, struct rg_buf *out)
{
	const struct sdp_line *l;

	for (l = lines->head; l; l = l->next)
		write_line(sdp, conn, l, out);
}

static void write_media_line(const struct sdp_media *m, struct rg_buf *out)
{
	size_t i;

	rg_buf_appendf(out, "m=%s %u", str(m->media), m->port);
	if (m->num_ports)
		rg_buf_appendf(out, "/%u", m->num_ports);
	rg_buf_append_char(out, ' ');
	rg_buf_append_str(out, str(m->proto));
	for (i = 0; i < m->format_count; i++) {
		rg_buf_append_char(out, ' ');
		rg_buf_append_str(out, str(m->formats[i]));
	}
	rg_buf_append_str(out, "\r\n");
}

/* Appends @sdp to @out; errors (cap, memory) are reported by
 * rg_buf_finish(@out). */
void sdp_write(const struct sdp_session *sdp, struct rg_buf *out)
{
	const struct sdp_media *m;

	write_lines(sdp, &sdp->conn, &sdp->lines, out);
	for (m = sdp->media; m; m = m->next) {
		write_media_line(m, out);
		write_lines(sdp, &m->conn, &m->lines, out);
	}
}
