/* ng_params.c - NG request keys and flags, dispatched from tables.
 *
 * Keys are normalized (lowercase, '_' and ' ' read as '-') and looked up in
 * `keys`; each entry names a parser. Entries of the "flags" list are looked
 * up in `flags`; a flag of the form "key=value" is handed to the key table,
 * which is how Kamailio passes options such as "ICE=remove" or
 * "direction=internal". Unknown keys and flags become warnings. Options that
 * need parts of rtpgate that are not built yet fail the request with a
 * reason naming them, so nothing is silently faked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ng.h"
#include "sdes.h"

#define MAX_LIST 64	/* entries kept from one list value */

typedef int (*key_parser)(struct ng_request *req, const char *key,
			  const struct bencode_item *v, size_t field);

struct ng_key {
	const char *name;
	key_parser parse;
	size_t field;	/* offsetof() into struct ng_request, when used */
	bool list;	/* the value is a list (a "key=value" flag gives one entry) */
};

struct ng_flag {
	const char *name;
	void (*apply)(struct ng_request *req);
};

char *ng_key_normalize(struct rg_arena *arena, const char *s, size_t len)
{
	char *out = rg_arena_strndup(arena, s, len);
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
		else if (out[i] == '_' || out[i] == ' ')
			out[i] = '-';
	}
	return out;
}

bool ng_strlist_has(const struct ng_strlist *list, const char *s)
{
	unsigned i;

	for (i = 0; i < list->n; i++)
		if (strcasecmp(list->v[i], s) == 0)
			return true;
	return false;
}

static int strlist_add(struct ng_request *req, struct ng_strlist *list, const char *s)
{
	const char **v;

	if (list->n >= MAX_LIST)
		return ng_fail(req, "Too many list entries (more than %d)", MAX_LIST);
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 4;
		v = rg_arena_alloc(req->arena, list->cap * sizeof(*v));
		if (!v)
			return ng_fail(req, "Request too large");
		if (list->n)
			memcpy(v, list->v, list->n * sizeof(*v));
		list->v = v;
	}
	list->v[list->n++] = s;
	return 0;
}

/* A string value; integers are accepted and printed (numbers may come as
 * either). Strings with NUL bytes are refused: none of our keys hold them. */
static const char *value_str(struct ng_request *req, const char *key,
			     const struct bencode_item *v)
{
	if (v->type == BENCODE_INTEGER)
		return rg_arena_printf(req->arena, "%lld", (long long)v->num);
	if (v->type != BENCODE_STRING) {
		ng_fail(req, "Invalid value for '%s': expected a string", key);
		return NULL;
	}
	if (memchr(v->str, '\0', v->len)) {
		ng_fail(req, "Invalid value for '%s': NUL byte", key);
		return NULL;
	}
	return v->str;
}

static int value_int(struct ng_request *req, const char *key,
		     const struct bencode_item *v, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s;
	char *end;
	long long n;

	if (v->type == BENCODE_INTEGER) {
		n = v->num;
	} else {
		s = value_str(req, key, v);
		if (!s)
			return -EINVAL;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (!*s || *end || errno)
			return ng_fail(req, "Invalid value for '%s': '%s' is not a number", key, s);
	}
	if (n < lo || n > hi)
		return ng_fail(req, "Invalid value for '%s': %lld is out of range", key, n);
	*out = n;
	return 0;
}

static int parse_str(struct ng_request *req, const char *key,
		     const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	*(const char **)((char *)req + field) = s;
	return 0;
}

static int parse_sdp(struct ng_request *req, const char *key,
		     const struct bencode_item *v, size_t field)
{
	if (v->type != BENCODE_STRING)
		return ng_fail(req, "Invalid value for 'sdp': expected a string");
	req->sdp = v->str;
	req->sdp_len = v->len;
	return 0;
}

static int parse_ignore(struct ng_request *req, const char *key,
			const struct bencode_item *v, size_t field)
{
	return 0;
}

static int parse_tos(struct ng_request *req, const char *key,
		     const struct bencode_item *v, size_t field)
{
	int64_t n;

	if (value_int(req, key, v, 0, 255, &n))
		return -EINVAL;
	req->tos = (int)n;
	return 0;
}

/* Seconds, up to a day. */
static int parse_seconds(struct ng_request *req, const char *key,
			 const struct bencode_item *v, size_t field)
{
	return value_int(req, key, v, 0, 86400, (int64_t *)((char *)req + field));
}

/* A count of items, such as list's limit. */
static int parse_count(struct ng_request *req, const char *key,
		       const struct bencode_item *v, size_t field)
{
	return value_int(req, key, v, 0, INT32_MAX, (int64_t *)((char *)req + field));
}

/* Calls @each for every string of the list @v. */
static int for_each_string(struct ng_request *req, const char *key,
			   const struct bencode_item *v,
			   int (*each)(struct ng_request *, const char *))
{
	const struct bencode_item *it;
	const char *s;
	int rc;

	if (v->type != BENCODE_LIST)
		return ng_fail(req, "Invalid value for '%s': expected a list", key);
	for (it = v->child; it; it = it->next) {
		s = value_str(req, key, it);
		if (!s)
			return -EINVAL;
		rc = each(req, s);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_direction(struct ng_request *req, const char *s)
{
	return strlist_add(req, &req->direction, s);
}

static int parse_direction(struct ng_request *req, const char *key,
			   const struct bencode_item *v, size_t field)
{
	return for_each_string(req, key, v, add_direction);
}

static int parse_address_family(struct ng_request *req, const char *key,
				const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (strcasecmp(s, "IP4") == 0)
		req->address_family = AF_INET;
	else if (strcasecmp(s, "IP6") == 0)
		req->address_family = AF_INET6;
	else
		return ng_fail(req, "Invalid value for 'address-family': '%s' (IP4 or IP6)", s);
	return 0;
}

static bool is_address(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int parse_media_address(struct ng_request *req, const char *key,
			       const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (!is_address(s))
		return ng_fail(req, "Invalid value for 'media-address': '%s' is not an address", s);
	req->media_address = s;
	return 0;
}

/* ["IP4", "192.0.2.1"] as Kamailio sends it, or just the address. */
static int parse_received_from(struct ng_request *req, const char *key,
			       const struct bencode_item *v, size_t field)
{
	const struct bencode_item *addr = v;
	const char *s;

	if (v->type == BENCODE_LIST) {
		if (v->count != 2)
			return ng_fail(req, "Invalid value for 'received-from': expected [family, address]");
		addr = v->child->next;
	}
	s = value_str(req, key, addr);
	if (!s)
		return -EINVAL;
	if (!is_address(s))
		return ng_fail(req, "Invalid value for 'received-from': '%s' is not an address", s);
	req->received_from = s;
	return 0;
}

static int unsupported(struct ng_request *req, const char *option, const char *why)
{
	return ng_fail(req, "Unsupported option '%s': %s", option, why);
}

/* ICE=force-relay: rtpgate's candidates are the relay's own addresses
 * already, so it means force; optional means default. */
static int parse_ice(struct ng_request *req, const char *key,
		     const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (strcasecmp(s, "remove") == 0)
		req->ice = NG_ICE_REMOVE;
	else if (!strcasecmp(s, "default") || !strcasecmp(s, "optional"))
		req->ice = NG_ICE_DEFAULT;
	else if (!strcasecmp(s, "force") || !strcasecmp(s, "force-relay") ||
		 !strcasecmp(s, "force_relay"))
		req->ice = NG_ICE_FORCE;
	else
		return ng_fail(req, "Invalid value for 'ICE': '%s'", s);
	return 0;
}

static int parse_ice_lite(struct ng_request *req, const char *key,
			  const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "forward"))
		req->ice_lite = NG_ICE_LITE_FORWARD;
	else if (!strcasecmp(s, "backward"))
		req->ice_lite = NG_ICE_LITE_BACKWARD;
	else if (!strcasecmp(s, "both"))
		req->ice_lite = NG_ICE_LITE_FORWARD | NG_ICE_LITE_BACKWARD;
	else if (!strcasecmp(s, "off") || !strcasecmp(s, "none"))
		req->ice_lite = 0;
	else
		return ng_fail(req, "Invalid value for 'ICE-lite': '%s'", s);
	return 0;
}

static int parse_dtls(struct ng_request *req, const char *key,
		      const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "off") || !strcasecmp(s, "no") || !strcasecmp(s, "disable"))
		req->dtls = NG_DTLS_OFF;
	else if (!strcasecmp(s, "passive"))
		req->dtls = NG_DTLS_PASSIVE;
	else if (!strcasecmp(s, "active"))
		req->dtls = NG_DTLS_ACTIVE;
	else if (!strcasecmp(s, "default") || !strcasecmp(s, "actpass"))
		req->dtls = NG_DTLS_DEFAULT;
	else
		return ng_fail(req, "Invalid value for 'DTLS': '%s'", s);
	return 0;
}

static int parse_dtls_hash(struct ng_request *req, const char *key,
			   const struct bencode_item *v, size_t field)
{
	static const char *const known[] = {
		"sha-1", "sha-224", "sha-256", "sha-384", "sha-512",
	};
	const char *s = value_str(req, key, v);
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcasecmp(s, known[i])) {
			req->dtls_hash = known[i];
			return 0;
		}
	}
	return ng_fail(req, "Invalid value for 'DTLS-fingerprint': '%s'", s);
}

/* "off", "no-SUITE", "only-SUITE", and the session parameters of RFC 4568
 * 6.3 for the keys rtpgate offers: "unencrypted_srtp", "unencrypted_srtcp",
 * "unauthenticated_srtp". Other SDES options (lifetimes, MKI) are not
 * offered by rtpgate and come back as a warning. */
static int sdes_one(struct ng_request *req, const char *s)
{
	if (!strcasecmp(s, "off") || !strcasecmp(s, "no") || !strcasecmp(s, "disable"))
		req->sdes.off = true;
	else if (!strncasecmp(s, "no-", 3) && s[3])
		return strlist_add(req, &req->sdes.no, s + 3);
	else if (!strncasecmp(s, "only-", 5) && s[5])
		return strlist_add(req, &req->sdes.only, s + 5);
	else if (!strcasecmp(s, "unencrypted_srtp") || !strcasecmp(s, "unencrypted-srtp"))
		req->sdes.flags |= SDES_UNENCRYPTED_SRTP;
	else if (!strcasecmp(s, "unencrypted_srtcp") || !strcasecmp(s, "unencrypted-srtcp"))
		req->sdes.flags |= SDES_UNENCRYPTED_SRTCP;
	else if (!strcasecmp(s, "unauthenticated_srtp") || !strcasecmp(s, "unauthenticated-srtp"))
		req->sdes.flags |= SDES_UNAUTHENTICATED_SRTP;
	else
		ng_warn(req, "SDES option '%s' ignored", s);
	return 0;
}

static int parse_sdes(struct ng_request *req, const char *key,
		      const struct bencode_item *v, size_t field)
{
	return for_each_string(req, key, v, sdes_one);
}

static int parse_transport(struct ng_request *req, const char *key,
			   const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (strcmp(s, "RTP/AVP") == 0)
		req->transport = NG_TP_RTP_AVP;
	else if (strcmp(s, "RTP/AVPF") == 0)
		req->transport = NG_TP_RTP_AVPF;
	else if (strcmp(s, "RTP/SAVP") == 0)
		req->transport = NG_TP_RTP_SAVP;
	else if (strcmp(s, "RTP/SAVPF") == 0)
		req->transport = NG_TP_RTP_SAVPF;
	else if (strcmp(s, "UDP/TLS/RTP/SAVP") == 0)
		req->transport = NG_TP_DTLS_SAVP;
	else if (strcmp(s, "UDP/TLS/RTP/SAVPF") == 0)
		req->transport = NG_TP_DTLS_SAVPF;
	else if (strcasecmp(s, "accept") == 0)
		req->transport = NG_TP_ACCEPT;
	else
		return ng_fail(req, "Invalid value for 'transport-protocol': '%s'", s);
	return 0;
}

static int replace_one(struct ng_request *req, const char *s)
{
	char *n = ng_key_normalize(req->arena, s, strlen(s));

	if (!n)
		return ng_fail(req, "Request too large");
	if (strcmp(n, "origin") == 0)
		req->replace_origin = true;
	else if (strcmp(n, "session-name") == 0)
		req->replace_session_name = true;
	else if (strcmp(n, "session-connection") != 0)	/* c= is always rewritten */
		ng_warn(req, "Unknown replace option '%s'", s);
	return 0;
}

static int parse_replace(struct ng_request *req, const char *key,
			 const struct bencode_item *v, size_t field)
{
	return for_each_string(req, key, v, replace_one);
}

static int supports_one(struct ng_request *req, const char *s)
{
	if (strcasecmp(s, "load limit") == 0 || strcasecmp(s, "load-limit") == 0)
		req->supports_load_limit = true;
	return 0;
}

static int parse_supports(struct ng_request *req, const char *key,
			  const struct bencode_item *v, size_t field)
{
	return for_each_string(req, key, v, supports_one);
}

static int rtcp_mux_one(struct ng_request *req, const char *s)
{
	if (!strcasecmp(s, "offer") || !strcasecmp(s, "require"))
		req->rtcp_mux = NG_MUX_OFFER;
	else if (!strcasecmp(s, "demux"))
		req->rtcp_mux = NG_MUX_DEMUX;
	else if (!strcasecmp(s, "accept"))
		req->rtcp_mux = NG_MUX_ACCEPT;
	else if (!strcasecmp(s, "reject"))
		req->rtcp_mux = NG_MUX_REJECT;
	else
		ng_warn(req, "Unknown rtcp-mux option '%s'", s);
	return 0;
}

static int parse_rtcp_mux(struct ng_request *req, const char *key,
			  const struct bencode_item *v, size_t field)
{
	return for_each_string(req, key, v, rtcp_mux_one);
}

static int parse_record(struct ng_request *req, const char *key,
			const struct bencode_item *v, size_t field)
{
	const char *s = value_str(req, key, v);

	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "off"))
		return 0;
	return unsupported(req, "record-call", "call recording is not implemented yet");
}

static struct ng_strlist *codec_list(struct ng_request *req, const char *op)
{
	if (strcmp(op, "strip") == 0)
		return &req->codec.strip;
	if (strcmp(op, "except") == 0)
		return &req->codec.except;
	if (strcmp(op, "mask") == 0)
		return &req->codec.mask;
	if (strcmp(op, "offer") == 0)
		return &req->codec.offer;
	return NULL;
}

static int parse_codec(struct ng_request *req, const char *key,
		       const struct bencode_item *v, size_t field)
{
	const struct bencode_item *k, *it;
	struct ng_strlist *list;
	const char *s;
	char *op;

	if (v->type != BENCODE_DICT)
		return ng_fail(req, "Invalid value for 'codec': expected a dictionary");
	for (k = v->child; k && k->next; k = k->next->next) {
		op = ng_key_normalize(req->arena, k->str, k->len);
		if (!op)
			return ng_fail(req, "Request too large");
		list = codec_list(req, op);
		if (!list) {
			if (!strcmp(op, "transcode") || !strcmp(op, "set") || !strcmp(op, "consume"))
				return unsupported(req, op, "transcoding is not implemented");
			ng_warn(req, "Unknown codec option '%s'", op);
			continue;
		}
		it = k->next;
		if (it->type != BENCODE_LIST)
			return ng_fail(req, "Invalid value for 'codec %s': expected a list", op);
		for (it = it->child; it; it = it->next) {
			s = value_str(req, key, it);
			if (!s || strlist_add(req, list, s))
				return -EINVAL;
		}
	}
	return 0;
}

static int parse_flags(struct ng_request *req, const char *key,
		       const struct bencode_item *v, size_t field);

#define F(member) offsetof(struct ng_request, member)
static const struct ng_key keys[] = {
	{ "command", parse_ignore, 0, false },	/* read by the dispatcher */
	{ "call-id", parse_str, F(call_id), false },
	{ "from-tag", parse_str, F(from_tag), false },
	{ "to-tag", parse_str, F(to_tag), false },
	{ "via-branch", parse_str, F(via_branch), false },
	{ "label", parse_str, F(label), false },
	{ "sdp", parse_sdp, 0, false },
	{ "flags", parse_flags, 0, true },
	{ "replace", parse_replace, 0, true },
	{ "direction", parse_direction, 0, true },
	{ "interface", parse_str, F(interface), false },
	{ "address-family", parse_address_family, 0, false },
	{ "media-address", parse_media_address, 0, false },
	{ "received-from", parse_received_from, 0, false },
	{ "ice", parse_ice, 0, false },
	{ "ice-lite", parse_ice_lite, 0, false },
	{ "dtls", parse_dtls, 0, false },
	{ "dtls-fingerprint", parse_dtls_hash, 0, false },
	{ "sdes", parse_sdes, 0, true },
	{ "transport-protocol", parse_transport, 0, false },
	{ "rtcp-mux", parse_rtcp_mux, 0, true },
	{ "codec", parse_codec, 0, false },
	{ "tos", parse_tos, 0, false },
	{ "delete-delay", parse_seconds, F(delete_delay), false },
	{ "limit", parse_count, F(limit), false },
	{ "supports", parse_supports, 0, true },
	{ "record-call", parse_record, 0, false },
	/* Sent by Kamailio/OpenSIPS; informational for rtpgate. */
	{ "sip-message-type", parse_ignore, 0, false },
	{ "sip-code", parse_ignore, 0, false },
	{ "metadata", parse_ignore, 0, false },
	{ "to-label", parse_ignore, 0, false },
	{ "from-label", parse_ignore, 0, false },
	{ "xmlrpc-callback", parse_ignore, 0, false },
};
#undef F

static void flag_trust(struct ng_request *r) { r->trust = NG_TRUST_SDP; }
static void flag_sip_source(struct ng_request *r) { r->trust = NG_TRUST_SIP_SOURCE; }
static void flag_symmetric(struct ng_request *r) { r->latching = NG_LATCH_SYMMETRIC; }
static void flag_asymmetric(struct ng_request *r) { r->latching = NG_LATCH_ASYMMETRIC; }
static void flag_strict(struct ng_request *r) { r->strict_source = true; }
static void flag_latching(struct ng_request *r) { r->port_latching = true; }
static void flag_handover(struct ng_request *r) { r->media_handover = true; }
static void flag_fatal(struct ng_request *r) { r->fatal = true; }
static void flag_fast(struct ng_request *r) { r->fast = true; }
static void flag_origin(struct ng_request *r) { r->replace_origin = true; }
static void flag_session_name(struct ng_request *r) { r->replace_session_name = true; }
static void flag_no_rtcp_attr(struct ng_request *r) { r->rtcp_attr = NG_RTCP_ATTR_NONE; }
static void flag_full_rtcp_attr(struct ng_request *r) { r->rtcp_attr = NG_RTCP_ATTR_FULL; }
static void flag_nothing(struct ng_request *r) { }

static const struct ng_flag flags[] = {
	{ "trust-address", flag_trust },
	{ "sip-source-address", flag_sip_source },
	{ "symmetric", flag_symmetric },
	{ "asymmetric", flag_asymmetric },
	{ "strict-source", flag_strict },
	{ "port-latching", flag_latching },
	{ "media-handover", flag_handover },
	{ "fatal", flag_fatal },
	{ "fast", flag_fast },
	{ "replace-origin", flag_origin },
	{ "replace-session-name", flag_session_name },
	{ "no-rtcp-attribute", flag_no_rtcp_attr },
	{ "full-rtcp-attribute", flag_full_rtcp_attr },
	/* c= is always rewritten; the rest have no meaning without the parts
	 * they steer (Redis, loops through a second relay) and change nothing */
	{ "replace-session-connection", flag_nothing },
	{ "no-redis-update", flag_nothing },
	{ "loop-protect", flag_nothing },
	{ "all", flag_nothing },
	{ "force", flag_nothing },
};

static const struct ng_key *key_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int transport_flag(struct ng_request *req, const char *raw)
{
	struct bencode_item *v = bencode_str_new(req->arena, raw);

	if (!v)
		return ng_fail(req, "Request too large");
	return parse_transport(req, "transport-protocol", v, 0);
}

/* Flags that are options with a prefix: "codec-strip-PCMA", "SDES-off",
 * "RTP/AVP", "ICE-lite", "rtcp-mux-demux". @raw keeps the case for codec
 * names. Returns 1 if not recognised. */
static int prefixed_flag(struct ng_request *req, const char *norm, const char *raw)
{
	static const char *const ops[] = { "strip", "except", "mask", "offer" };
	char prefix[32];
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		snprintf(prefix, sizeof(prefix), "codec-%s-", ops[i]);
		if (strncmp(norm, prefix, strlen(prefix)) == 0 && raw[strlen(prefix)])
			return strlist_add(req, codec_list(req, ops[i]), raw + strlen(prefix));
	}
	if (strncmp(norm, "sdes-", 5) == 0)
		return sdes_one(req, raw + 5);
	if (strncmp(norm, "rtcp-mux-", 9) == 0)
		return rtcp_mux_one(req, raw + 9);
	if (strcmp(norm, "ice-lite") == 0) {
		req->ice_lite = NG_ICE_LITE_FORWARD;
		return 0;
	}
	if (strcmp(norm, "ice-force") == 0) {
		req->ice = NG_ICE_FORCE;
		return 0;
	}
	if (strcmp(norm, "ice-remove") == 0) {
		req->ice = NG_ICE_REMOVE;
		return 0;
	}
	if (!strcmp(norm, "rtp/avp") || !strcmp(norm, "rtp/avpf") ||
	    !strcmp(norm, "rtp/savp") || !strcmp(norm, "rtp/savpf") ||
	    !strcmp(norm, "udp/tls/rtp/savp") || !strcmp(norm, "udp/tls/rtp/savpf"))
		return transport_flag(req, raw);
	if (strcmp(norm, "record-call") == 0)
		return unsupported(req, raw, "call recording is not implemented yet");
	return 1;
}

static int flag_one(struct ng_request *req, const char *raw)
{
	const char *eq = strchr(raw, '=');
	char *norm;
	const struct ng_key *k;
	struct bencode_item *val;
	size_t i;
	int rc;

	if (eq) {	/* "key=value": an option passed as a flag */
		norm = ng_key_normalize(req->arena, raw, (size_t)(eq - raw));
		k = norm ? key_lookup(norm) : NULL;
		if (!k || k->parse == parse_flags || k->parse == parse_ignore) {
			ng_warn(req, "Unknown flag '%s'", raw);
			return 0;
		}
		val = bencode_str_new(req->arena, eq + 1);
		if (val && k->list) {
			struct bencode_item *wrap = bencode_list_new(req->arena);

			if (bencode_list_add(wrap, val))
				wrap = NULL;
			val = wrap;
		}
		if (!val)
			return ng_fail(req, "Request too large");
		return k->parse(req, norm, val, k->field);
	}
	norm = ng_key_normalize(req->arena, raw, strlen(raw));
	if (!norm)
		return ng_fail(req, "Request too large");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(flags[i].name, norm) == 0) {
			flags[i].apply(req);
			return 0;
		}
	}
	rc = prefixed_flag(req, norm, raw);
	if (rc <= 0)
		return rc;
	ng_warn(req, "Unknown flag '%s'", raw);
	return 0;
}

static int parse_flags(struct ng_request *req, const char *key,
		       const struct bencode_item *v, size_t field)
{
	if (v->type != BENCODE_LIST)
		return ng_fail(req, "Invalid value for 'flags': expected a list");
	return for_each_string(req, key, v, flag_one);
}

int ng_params_parse(struct ng_request *req, const struct bencode_item *dict)
{
	const struct bencode_item *k;
	const struct ng_key *key;
	char *name;
	int rc;

	for (k = dict->child; k && k->next; k = k->next->next) {
		name = ng_key_normalize(req->arena, k->str, k->len);
		if (!name)
			return ng_fail(req, "Request too large");
		key = key_lookup(name);
		if (!key) {
			ng_warn(req, "Unknown key '%s'", name);
			continue;
		}
		rc = key->parse(req, name, k->next, key->field);
		if (rc)
			return rc;
	}
	return 0;
}
