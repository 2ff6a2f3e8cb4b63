/* codec.c - codec strip/except/mask/offer, see codec.h.
 *
 * A list entry matches a payload type by encoding name ("PCMU", any case),
 * by name/clock[/channels] prefix ("opus/48000"), by payload type number
 * ("101") or, in strip and mask, by "all". Without transcoding, mask is the
 * same as strip, and offer can only keep a codec that is already there.
 */
#include <string.h>
#include <strings.h>

#include "codec.h"

static bool entry_matches(const char *entry, const char *fmt, const char *enc)
{
	size_t n = strlen(entry);
	const char *slash = strchr(enc, '/');
	size_t name_len = slash ? (size_t)(slash - enc) : strlen(enc);

	if (strcmp(entry, fmt) == 0)
		return true;
	if (n == name_len && strncasecmp(entry, enc, n) == 0)
		return true;
	return strchr(entry, '/') && strncasecmp(entry, enc, n) == 0 &&
	       (enc[n] == '\0' || enc[n] == '/');
}

static bool list_matches(const struct ng_strlist *list, const char *fmt,
			 const char *enc, bool all_matches)
{
	unsigned i;

	for (i = 0; i < list->n; i++) {
		if (all_matches && strcasecmp(list->v[i], "all") == 0)
			return true;
		if (entry_matches(list->v[i], fmt, enc))
			return true;
	}
	return false;
}

static bool keep_format(const struct ng_codec_opts *c, const char *fmt, const char *enc)
{
	if (list_matches(&c->except, fmt, enc, false) ||
	    list_matches(&c->offer, fmt, enc, false))
		return true;
	if (c->except.n)
		return false;
	return !list_matches(&c->strip, fmt, enc, true) &&
	       !list_matches(&c->mask, fmt, enc, true);
}

static void warn_missing_offers(struct ng_request *req, const struct sdp_media *m)
{
	char enc[128];
	unsigned i;
	size_t f;
	bool found;

	for (i = 0; i < req->codec.offer.n; i++) {
		found = false;
		for (f = 0; f < m->format_count && !found; f++) {
			if (!sdp_media_format_encoding(m, m->formats[f], enc, sizeof(enc)))
				enc[0] = '\0';
			found = entry_matches(req->codec.offer.v[i], m->formats[f], enc);
		}
		if (!found)
			ng_warn(req, "codec-offer '%s' needs transcoding, which is not supported",
				req->codec.offer.v[i]);
	}
}

/* true if @m lists a format other than @fmt (removing @fmt removes every
 * copy of it, so a count is not enough: "m=audio 1 RTP/AVP 0 0"). */
static bool other_format(const struct sdp_media *m, const char *fmt)
{
	size_t i;

	for (i = 0; i < m->format_count; i++)
		if (strcmp(m->formats[i], fmt) != 0)
			return true;
	return false;
}

int rg_codec_filter(struct ng_request *req, struct sdp_media *m)
{
	const struct ng_codec_opts *c = &req->codec;
	char enc[128];
	size_t f = 0;

	if (!c->strip.n && !c->except.n && !c->mask.n && !c->offer.n)
		return 0;
	if (!strstr(m->proto, "RTP"))
		return 0;
	warn_missing_offers(req, m);
	while (f < m->format_count) {
		if (!sdp_media_format_encoding(m, m->formats[f], enc, sizeof(enc)))
			enc[0] = '\0';
		if (keep_format(c, m->formats[f], enc)) {
			f++;
			continue;
		}
		if (!other_format(m, m->formats[f]))
			return ng_fail(req, "Codec filter would leave media %u without codecs",
				       m->index + 1);
		sdp_media_remove_format(m, m->formats[f]);
	}
	return 0;
}
