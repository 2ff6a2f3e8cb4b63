/* sdp.h - the SDP model (RFC 8866): parse, edit, write.
 *
 * The parser turns (buf, len) into a session with its media sections and
 * knows nothing about calls. Every line is kept, in order, so that what
 * rtpgate does not own passes through untouched. Only the lines rtpgate
 * rewrites are parsed into fields: o=, s=, c= and m=; a= lines are split
 * into name and value. The writer emits the lines in order, the parsed
 * ones from their fields, every line ending in CRLF.
 *
 * All memory comes from the caller's arena (arena.h).
 */
#ifndef RG_SDP_H
#define RG_SDP_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "buf.h"

struct sdp_limits {
	size_t max_len;		/* whole SDP, bytes */
	size_t max_lines;	/* lines in all */
	size_t max_line_len;	/* one line, bytes */
	size_t max_media;	/* m= sections */
	size_t max_formats;	/* formats on one m= line */
};

/* 64 KiB, 4096 lines, 4096-byte lines, 64 media, 128 formats. */
extern const struct sdp_limits sdp_default_limits;

struct sdp_connection {		/* c=<nettype> <addrtype> <address>[suffix] */
	bool present;
	char *nettype;		/* "IN" */
	char *addrtype;		/* "IP4" or "IP6" (others kept as written) */
	char *address;		/* without the multicast suffix */
	char *suffix;		/* "/127" or "/127/3" as written, or NULL */
};

struct sdp_origin {	/* o=<user> <sess-id> <sess-version> <net> <type> <addr> */
	bool present;
	char *username;
	char *sess_id;
	char *sess_version;	/* digits, as written */
	char *nettype;
	char *addrtype;
	char *address;
};

enum sdp_line_kind {
	SDP_LINE_OTHER,		/* kept as text */
	SDP_LINE_ATTR,		/* a=: name/value */
	SDP_LINE_ORIGIN,	/* written from sdp_session.origin */
	SDP_LINE_SESSION_NAME,	/* written from sdp_session.session_name */
	SDP_LINE_CONNECTION,	/* written from the owner's conn */
};

struct sdp_line {
	struct sdp_line *prev, *next;
	enum sdp_line_kind kind;
	char type;		/* the letter before '=' */
	char *text;		/* everything after "x=", without CR/LF */
	char *attr_name;	/* a= only: before the first ':' */
	char *attr_value;	/* a= only: after the first ':', or NULL */
};

struct sdp_lines {
	struct sdp_line *head, *tail;
};

struct sdp_media {	/* m=<media> <port>[/<num>] <proto> <fmt> ... */
	struct sdp_media *next;
	unsigned index;		/* 0-based position in the session */
	char *media;		/* "audio", "video", ... */
	unsigned port;		/* 0..65535; 0 = rejected/disabled */
	unsigned num_ports;	/* the /<num> suffix, 0 when absent */
	char *proto;		/* "RTP/AVP", "UDP/TLS/RTP/SAVPF", ... */
	char **formats;		/* payload types or other fmt tokens */
	size_t format_count;
	struct sdp_connection conn;	/* media-level c=, if any */
	struct sdp_lines lines;	/* every line after m= up to the next m= */
};

struct sdp_session {
	struct sdp_origin origin;
	char *session_name;		/* s= value, NULL when absent */
	struct sdp_connection conn;	/* session-level c=, if any */
	struct sdp_lines lines;		/* every line before the first m= */
	struct sdp_media *media;	/* in order */
	size_t media_count;
};

/* Parses @buf/@len. Lines end in CRLF or LF; blank lines are skipped; the
 * first line must be v=. Returns 0 and sets *@out, or -EINVAL (malformed:
 * *@err is set to a short reason a person can act on, e.g. "malformed m=
 * line", "port out of range in m= line", "NUL byte in SDP"), -E2BIG (over a
 * limit, *@err says which) or -ENOMEM (arena exhausted). */
int sdp_parse(struct rg_arena *arena, const char *buf, size_t len,
	      const struct sdp_limits *limits, struct sdp_session **out,
	      const char **err);

/* Appends the SDP to @out, CRLF after every line. */
void sdp_write(const struct sdp_session *sdp, struct rg_buf *out);

/* The c= that applies to @m: its own, else the session's; NULL if none. */
const struct sdp_connection *sdp_media_connection(const struct sdp_session *sdp,
						  const struct sdp_media *m);

/* Sets @m's (or the session's, for sdp_session_set_connection) c= to
 * "IN @addrtype @address", dropping any multicast suffix; adds the c= line
 * in its RFC 8866 place when there was none. 0 or -ENOMEM. */
int sdp_media_set_connection(struct rg_arena *arena, struct sdp_media *m,
			     const char *addrtype, const char *address);
int sdp_session_set_connection(struct rg_arena *arena, struct sdp_session *sdp,
			       const char *addrtype, const char *address);

/* The first a= line named @name (case-sensitive) after @after (NULL: from
 * the start) in @lines, or NULL. */
struct sdp_line *sdp_attr_find(const struct sdp_lines *lines, const char *name,
			       const struct sdp_line *after);

/* Removes every a= line named @name; returns how many. */
unsigned sdp_attr_remove(struct sdp_lines *lines, const char *name);

/* Appends "a=@name[:@value]" (@value NULL: no colon) at the end of @lines.
 * Returns the new line or NULL (-ENOMEM). */
struct sdp_line *sdp_attr_append(struct rg_arena *arena, struct sdp_lines *lines,
				 const char *name, const char *value);

/* Replaces the value of the first a=@name line, or appends one. */
struct sdp_line *sdp_attr_set(struct rg_arena *arena, struct sdp_lines *lines,
			      const char *name, const char *value);

/* Unlinks @line from @lines. */
void sdp_line_remove(struct sdp_lines *lines, struct sdp_line *line);

/* Removes format @fmt from @m's m= line together with the a=rtpmap, a=fmtp
 * and a=rtcp-fb lines for it. Returns 0, or -ENOENT if @m has no such
 * format. */
int sdp_media_remove_format(struct sdp_media *m, const char *fmt);

/* The encoding of format @fmt in @m as "NAME/CLOCK[/CHANNELS]" written to
 * @out (size @outlen): from its a=rtpmap, else from the RFC 3551 static
 * payload type table (0 PCMU/8000, 3 GSM/8000, 8 PCMA/8000, 9 G722/8000,
 * 18 G729/8000, ...). Returns false when unknown or @out is too small. */
bool sdp_media_format_encoding(const struct sdp_media *m, const char *fmt,
			       char *out, size_t outlen);

#endif
