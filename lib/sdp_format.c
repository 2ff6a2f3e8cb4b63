/* sdp_format.c - the formats of a media section and their encodings. */
#include "sdp.h"

#include <errno.h>
#include <string.h>

/* RFC 3551 section 6, tables 4 and 5: the static RTP payload types. */
static const char *const static_payload_types[] = {
	[0] = "PCMU/8000",	[3] = "GSM/8000",	[4] = "G723/8000",
	[5] = "DVI4/8000",	[6] = "DVI4/16000",	[7] = "LPC/8000",
	[8] = "PCMA/8000",	[9] = "G722/8000",	[10] = "L16/44100/2",
	[11] = "L16/44100",	[12] = "QCELP/8000",	[13] = "CN/8000",
	[14] = "MPA/90000",	[15] = "G728/8000",	[16] = "DVI4/11025",
	[17] = "DVI4/22050",	[18] = "G729/8000",	[25] = "CelB/90000",
	[26] = "JPEG/90000",	[28] = "nv/90000",	[31] = "H261/90000",
	[32] = "MPV/90000",	[33] = "MP2T/90000",	[34] = "H263/90000",
};

#define STATIC_PT_COUNT \
	(sizeof(static_payload_types) / sizeof(static_payload_types[0]))

/* True if the attribute value @value is about format @fmt: it is "@fmt"
 * or starts with "@fmt" and a blank, so "101 ..." is not about "10". */
static bool value_names_format(const char *value, const char *fmt)
{
	size_t n = strlen(fmt);

	if (!value || strncmp(value, fmt, n) != 0)
		return false;
	return value[n] == '\0' || value[n] == ' ' || value[n] == '\t';
}

static bool is_format_attr(const struct sdp_line *l)
{
	return l->kind == SDP_LINE_ATTR &&
	       (strcmp(l->attr_name, "rtpmap") == 0 ||
		strcmp(l->attr_name, "fmtp") == 0 ||
		strcmp(l->attr_name, "rtcp-fb") == 0);
}

/* Removes every occurrence of @fmt from @m->formats and the a=rtpmap,
 * a=fmtp and a=rtcp-fb lines about it; a=rtcp-fb:* lines stay. Removing
 * the last format is allowed: the m= line is then written with nothing
 * after the proto, which no parser accepts, so callers must not. 0 or
 * -ENOENT when @m has no format @fmt. */
int sdp_media_remove_format(struct sdp_media *m, const char *fmt)
{
	struct sdp_line *l, *next;
	size_t i, kept = 0;

	for (i = 0; i < m->format_count; i++)
		if (strcmp(m->formats[i], fmt) != 0)
			m->formats[kept++] = m->formats[i];
	if (kept == m->format_count)
		return -ENOENT;
	m->format_count = kept;
	for (l = m->lines.head; l; l = next) {
		next = l->next;
		if (is_format_attr(l) && value_names_format(l->attr_value, fmt))
			sdp_line_remove(&m->lines, l);
	}
	return 0;
}

static bool copy_out(const char *s, size_t n, char *out, size_t outlen)
{
	if (n >= outlen)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* The RFC 3551 encoding of @fmt if @m is RTP and @fmt a static type. */
static const char *static_encoding(const struct sdp_media *m, const char *fmt)
{
	size_t len = strlen(fmt), pt;

	if (!m->proto || !strstr(m->proto, "RTP/"))
		return NULL;
	if (len < 1 || len > 2 || strspn(fmt, "0123456789") != len ||
	    (len == 2 && fmt[0] == '0'))
		return NULL;
	pt = (size_t)(len == 1 ? fmt[0] - '0' : (fmt[0] - '0') * 10 + fmt[1] - '0');
	return pt < STATIC_PT_COUNT ? static_payload_types[pt] : NULL;
}

/* Writes "NAME/CLOCK[/CHANNELS]" for @fmt to @out: the first a=rtpmap for
 * it with an encoding, else the static table when @m's proto is RTP. False
 * when unknown or when @out (@outlen bytes with the NUL) is too small. */
bool sdp_media_format_encoding(const struct sdp_media *m, const char *fmt,
			       char *out, size_t outlen)
{
	const struct sdp_line *l = NULL;
	const char *enc;
	size_t n;

	if (!*fmt)
		return false;
	while ((l = sdp_attr_find(&m->lines, "rtpmap", l))) {
		if (!value_names_format(l->attr_value, fmt))
			continue;
		enc = l->attr_value + strlen(fmt);
		enc += strspn(enc, " \t");
		n = strcspn(enc, " \t");
		if (n)
			return copy_out(enc, n, out, outlen);
	}
	enc = static_encoding(m, fmt);
	return enc && copy_out(enc, strlen(enc), out, outlen);
}
