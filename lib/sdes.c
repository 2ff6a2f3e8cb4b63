/* sdes.c - the a=crypto attribute of RFC 4568, see sdes.h.
 *
 * The value is split at spaces and tabs into tokens: tag, suite,
 * key-params, then session parameters. No token of the grammar contains
 * a space, so this is exact. Every number is read with a digit limit and
 * an overflow check; the key is decoded into a fixed buffer that refuses
 * one byte more than the largest suite needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sdes.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define TAG_MAX		999999999u	/* 1*9DIGIT */
#define KEY_SALT_MAX	(SDES_KEY_MAX + SDES_SALT_MAX)

/* Indexed by enum sdes_suite_id: the order is the preference order. */
static const struct sdes_suite suites[SDES_SUITE_COUNT] = {
	{ SDES_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 32, 12, 16, 16, true, true },
	{ SDES_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 16, 12, 16, 16, true, true },
	{ SDES_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, false, true },
	{ SDES_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, false, true },
	{ SDES_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, false, true },
	{ SDES_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, false, true },
	{ SDES_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80", 24, 14, 10, 10, false, false },
	{ SDES_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32", 24, 14, 4, 10, false, false },
	{ SDES_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80", 16, 14, 10, 10, false, false },
	{ SDES_NULL_HMAC_SHA1_80, "NULL_HMAC_SHA1_80", 16, 14, 10, 10, false, false },
	{ SDES_NULL_HMAC_SHA1_32, "NULL_HMAC_SHA1_32", 16, 14, 4, 10, false, false },
};

/* Session parameters seen so far, to refuse a repeated one. */
enum {
	SEEN_KDR = 1 << 0,
	SEEN_UNENC_SRTP = 1 << 1,
	SEEN_UNENC_SRTCP = 1 << 2,
	SEEN_UNAUTH_SRTP = 1 << 3,
	SEEN_FEC_ORDER = 1 << 4,
	SEEN_FEC_KEY = 1 << 5,
	SEEN_WSH = 1 << 6,
};

/* The session parameters that are flags, in the order they are written. */
static const struct {
	const char *name;
	unsigned flag, seen;
} session_flags[] = {
	{ "UNENCRYPTED_SRTP", SDES_UNENCRYPTED_SRTP, SEEN_UNENC_SRTP },
	{ "UNENCRYPTED_SRTCP", SDES_UNENCRYPTED_SRTCP, SEEN_UNENC_SRTCP },
	{ "UNAUTHENTICATED_SRTP", SDES_UNAUTHENTICATED_SRTP, SEEN_UNAUTH_SRTP },
};

struct token {
	const char *p;
	size_t len;
};

const struct sdes_suite *sdes_suite_at(size_t i)
{
	return i < ARRAY_LEN(suites) ? &suites[i] : NULL;
}

static const struct sdes_suite *suite_find_token(struct token t)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(suites); i++)
		if (strlen(suites[i].name) == t.len &&
		    memcmp(suites[i].name, t.p, t.len) == 0)
			return &suites[i];
	return NULL;
}

const struct sdes_suite *sdes_suite_find(const char *name)
{
	struct token t = { name, name ? strlen(name) : 0 };

	return name ? suite_find_token(t) : NULL;
}

static int fail(const char **err, int code, const char *why)
{
	if (err)
		*err = why;
	return code;
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool token_is(struct token t, const char *s)
{
	return strlen(s) == t.len && memcmp(t.p, s, t.len) == 0;
}

static bool token_starts(struct token t, const char *prefix, struct token *rest)
{
	size_t n = strlen(prefix);

	if (t.len < n || memcmp(t.p, prefix, n) != 0)
		return false;
	rest->p = t.p + n;
	rest->len = t.len - n;
	return true;
}

/* The next run of non-blank characters at *@pos, which it advances past
 * the blanks that follow; false at the end. */
static bool next_token(const char **pos, const char *end, struct token *t)
{
	const char *p = *pos;

	if (p == end)
		return false;
	t->p = p;
	while (p < end && !is_wsp(*p))
		p++;
	t->len = (size_t)(p - t->p);
	while (p < end && is_wsp(*p))
		p++;
	*pos = p;
	return true;
}

/* A decimal of 1..@max_digits digits, at most @max. */
static bool parse_uint(struct token t, size_t max_digits, uint64_t max,
		       uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (t.len == 0 || t.len > max_digits)
		return false;
	for (i = 0; i < t.len; i++) {
		unsigned d = (unsigned char)t.p[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 4648 section 4, strictly: only the alphabet, then '=' padding that
 * completes the last quantum (or no padding at all), and zero bits where
 * a short last quantum leaves some unused (section 3.5). Returns the
 * number of bytes decoded into @out, or -1. */
static int b64_decode(struct token t, uint8_t *out, size_t outmax)
{
	size_t n = t.len, pad = 0, i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (n >= 1 && t.p[n - 1] == '=')
		pad = (n >= 2 && t.p[n - 2] == '=') ? 2 : 1;
	if (pad && n % 4 != 0)
		return -1;
	n -= pad;
	if (n == 0 || n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		int v = b64_value(t.p[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outmax)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? (int)o : -1;
}

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* lifetime = ["2^"] 1*DIGIT, RFC 4568 section 9.2. */
static int parse_lifetime(struct token t, struct sdes_crypto *c,
			  const char **err)
{
	struct token exp;
	uint64_t v;

	if (token_starts(t, "2^", &exp)) {
		if (!parse_uint(exp, 2, 48, &v))
			return fail(err, -EINVAL, "lifetime exponent is not 0..48");
		c->lifetime = 1ull << v;
		c->lifetime_pow2 = true;
		return 0;
	}
	if (!parse_uint(t, 15, SDES_LIFETIME_MAX, &v) || v == 0)
		return fail(err, -EINVAL, "lifetime is not 1..2^48");
	c->lifetime = v;
	c->lifetime_pow2 = false;
	return 0;
}

/* mki = mki-value ":" mki-length, the length 1..128 octets. */
static int parse_mki(struct token t, struct sdes_crypto *c, const char **err)
{
	const char *colon = memchr(t.p, ':', t.len);
	struct token value, length;
	uint64_t v, n;

	value.p = t.p;
	value.len = (size_t)(colon - t.p);
	length.p = colon + 1;
	length.len = t.len - value.len - 1;
	if (!parse_uint(length, 3, SDES_MKI_LEN_MAX, &n) || n == 0)
		return fail(err, -EINVAL, "MKI length is not 1..128");
	if (!parse_uint(value, 20, UINT64_MAX, &v))
		return fail(err, -EINVAL, "MKI value is not a 64-bit decimal");
	if (n < 8 && v >> (8 * n) != 0)
		return fail(err, -EINVAL, "MKI value does not fit its length");
	c->mki = v;
	c->mki_len = (uint8_t)n;
	return 0;
}

static bool has_colon(struct token t)
{
	return memchr(t.p, ':', t.len) != NULL;
}

/* Splits @t at '|' into at most @max fields; false if there are more. */
static bool split_bars(struct token t, struct token *field, size_t max,
		       size_t *nfields)
{
	const char *p = t.p, *end = t.p + t.len, *bar;
	size_t n = 0;

	for (;;) {
		if (n == max)
			return false;
		bar = memchr(p, '|', (size_t)(end - p));
		field[n].p = p;
		field[n++].len = (size_t)((bar ? bar : end) - p);
		if (!bar)
			break;
		p = bar + 1;
	}
	*nfields = n;
	return true;
}

/* "inline:" key-salt ["|" lifetime] ["|" mki] into @c's key fields. */
static int parse_key_param(struct token t, const struct sdes_suite *s,
			   struct sdes_crypto *c, const char **err)
{
	uint8_t raw[KEY_SALT_MAX + 1];
	struct token field[3], rest;
	size_t nfields;
	int n, ret;

	if (!token_starts(t, "inline:", &rest))
		return has_colon(t) ?
			fail(err, -ENOTSUP, "key method is not inline") :
			fail(err, -EINVAL, "key-param has no key method");
	if (!split_bars(rest, field, ARRAY_LEN(field), &nfields))
		return fail(err, -EINVAL, "key-param has more than 3 fields");
	n = b64_decode(field[0], raw, sizeof(raw));
	if (n == (int)s->key_len + s->salt_len) {
		memcpy(c->key, raw, s->key_len);
		memcpy(c->salt, raw + s->key_len, s->salt_len);
	}
	explicit_bzero(raw, sizeof(raw));
	if (n < 0)
		return fail(err, -EINVAL, "key-salt is not valid base64");
	if (n != (int)s->key_len + s->salt_len)
		return fail(err, -EINVAL, "key-salt length does not match the suite");
	if (nfields == 2 && has_colon(field[1]))
		return parse_mki(field[1], c, err);
	if (nfields >= 2) {
		ret = parse_lifetime(field[1], c, err);
		if (ret)
			return ret;
	}
	if (nfields == 3 && !has_colon(field[2]))
		return fail(err, -EINVAL, "third key-param field is not an MKI");
	return nfields == 3 ? parse_mki(field[2], c, err) : 0;
}

/* key-params = key-param *(";" key-param): the first into @c, the
 * others checked and counted in c->extra_keys (when @c is not scratch). */
static int parse_key_params(struct token t, const struct sdes_suite *s,
			    struct sdes_crypto *c, unsigned *extra,
			    const char **err)
{
	struct sdes_crypto scratch;
	struct token one;
	const char *p = t.p, *end = t.p + t.len, *semi;
	unsigned count = 0;
	int ret;

	for (;;) {
		semi = memchr(p, ';', (size_t)(end - p));
		one.p = p;
		one.len = semi ? (size_t)(semi - p) : (size_t)(end - p);
		if (++count > SDES_KEY_PARAMS_MAX)
			return fail(err, -EINVAL, "too many key-params");
		ret = parse_key_param(one, s, count == 1 ? c : &scratch, err);
		if (ret)
			return ret;
		if (!semi)
			break;
		p = semi + 1;
	}
	*extra = count - 1;
	return 0;
}

static int parse_param_value(struct token t, const struct sdes_suite *s,
			     struct sdes_crypto *c, unsigned *seen,
			     const char **err)
{
	struct sdes_crypto scratch;
	struct token v;
	unsigned extra;
	uint64_t n;

	if (token_starts(t, "KDR=", &v)) {
		if (*seen & SEEN_KDR)
			return fail(err, -EINVAL, "KDR given twice");
		*seen |= SEEN_KDR;
		if (!parse_uint(v, 2, SDES_KDR_MAX, &n))
			return fail(err, -EINVAL, "KDR is not 0..24");
		c->kdr = (uint8_t)n;
	} else if (token_starts(t, "WSH=", &v)) {
		if (*seen & SEEN_WSH)
			return fail(err, -EINVAL, "WSH given twice");
		*seen |= SEEN_WSH;
		if (!parse_uint(v, 10, UINT32_MAX, &n) || n < SDES_WSH_MIN)
			return fail(err, -EINVAL, "WSH is not 64..2^32-1");
		c->wsh = (uint32_t)n;
	} else if (token_starts(t, "FEC_ORDER=", &v)) {
		if (*seen & SEEN_FEC_ORDER)
			return fail(err, -EINVAL, "FEC_ORDER given twice");
		*seen |= SEEN_FEC_ORDER;
		if (token_is(v, "FEC_SRTP"))
			c->fec_order = SDES_FEC_SRTP;
		else if (token_is(v, "SRTP_FEC"))
			c->fec_order = SDES_SRTP_FEC;
		else
			return fail(err, -EINVAL, "FEC_ORDER is not FEC_SRTP or SRTP_FEC");
	} else if (token_starts(t, "FEC_KEY=", &v)) {
		if (*seen & SEEN_FEC_KEY)
			return fail(err, -EINVAL, "FEC_KEY given twice");
		*seen |= SEEN_FEC_KEY;
		c->fec_key = true;
		return parse_key_params(v, s, &scratch, &extra, err);
	} else if (t.p[0] == '-' && t.len > 1) {
		c->ignored_params++;	/* optional: may be ignored */
	} else {
		return fail(err, -ENOTSUP, "unknown mandatory session parameter");
	}
	return 0;
}

static int parse_session_param(struct token t, const struct sdes_suite *s,
			       struct sdes_crypto *c, unsigned *seen,
			       const char **err)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(session_flags); i++) {
		if (!token_is(t, session_flags[i].name))
			continue;
		if (*seen & session_flags[i].seen)
			return fail(err, -EINVAL, "session flag given twice");
		*seen |= session_flags[i].seen;
		c->flags |= session_flags[i].flag;
		return 0;
	}
	return parse_param_value(t, s, c, seen, err);
}

/* Only VCHAR and blanks (RFC 4568 section 9.1), no leading blank. */
static bool chars_ok(const char *value, size_t len)
{
	size_t i;

	if (len == 0 || is_wsp(value[0]))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (!is_wsp((char)ch) && (ch < 0x21 || ch > 0x7e))
			return false;
	}
	return true;
}

static bool suite_name_ok(struct token t)
{
	size_t i;

	for (i = 0; i < t.len; i++) {
		char ch = t.p[i];

		if (!(ch >= 'A' && ch <= 'Z') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= '0' && ch <= '9') && ch != '_')
			return false;
	}
	return true;
}

int sdes_parse(const char *value, size_t len, struct sdes_crypto *out,
	       const char **err)
{
	const char *pos = value, *end;
	struct token tag, suite, keys, param;
	unsigned seen = 0, nparams = 0;
	uint64_t n;
	int ret;

	if (!value || !chars_ok(value, len))
		return fail(err, -EINVAL, "empty, leading blank or a character outside VCHAR");
	end = value + len;
	memset(out, 0, sizeof(*out));
	if (!next_token(&pos, end, &tag) || !parse_uint(tag, 9, TAG_MAX, &n))
		return fail(err, -EINVAL, "tag is not 1 to 9 digits");
	out->tag = (uint32_t)n;
	if (!next_token(&pos, end, &suite) || !suite_name_ok(suite))
		return fail(err, -EINVAL, "crypto suite missing or malformed");
	out->suite = suite_find_token(suite);
	if (!out->suite)
		return fail(err, -ENOENT, "unknown crypto suite");
	if (!next_token(&pos, end, &keys))
		return fail(err, -EINVAL, "key-params missing");
	ret = parse_key_params(keys, out->suite, out, &out->extra_keys, err);
	while (ret == 0 && next_token(&pos, end, &param)) {
		if (++nparams > SDES_SESSION_PARAMS_MAX)
			return fail(err, -EINVAL, "too many session parameters");
		ret = parse_session_param(param, out->suite, out, &seen, err);
	}
	return ret;
}

/* Appends to a fixed buffer; remembers running out of room. */
struct writer {
	char *p;
	size_t left;
	size_t len;
	bool full;
};

static void put(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->p, w->left, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->left) {
		w->full = true;
		return;
	}
	w->p += n;
	w->left -= (size_t)n;
	w->len += (size_t)n;
}

static bool writable(const struct sdes_crypto *c)
{
	const struct sdes_suite *s = c->suite;

	if (!s || (size_t)s->id >= ARRAY_LEN(suites) || s != &suites[s->id])
		return false;
	if (c->tag > TAG_MAX || c->lifetime > SDES_LIFETIME_MAX)
		return false;
	if (c->lifetime_pow2 && (c->lifetime == 0 ||
				 (c->lifetime & (c->lifetime - 1)) != 0))
		return false;
	if (c->mki_len > SDES_MKI_LEN_MAX || (!c->mki_len && c->mki) ||
	    (c->mki_len && c->mki_len < 8 && c->mki >> (8 * c->mki_len) != 0))
		return false;
	if (c->kdr > SDES_KDR_MAX || (c->wsh && c->wsh < SDES_WSH_MIN))
		return false;
	if (c->flags & ~(SDES_UNENCRYPTED_SRTP | SDES_UNENCRYPTED_SRTCP |
			 SDES_UNAUTHENTICATED_SRTP))
		return false;
	return c->fec_order <= SDES_SRTP_FEC;
}

int sdes_write(const struct sdes_crypto *c, char *out, size_t outlen)
{
	struct writer w = { out, outlen, 0, outlen == 0 };
	uint8_t raw[KEY_SALT_MAX];
	char b64[(KEY_SALT_MAX + 2) / 3 * 4 + 1];
	size_t i;

	if (!c || !writable(c))
		return -EINVAL;
	memcpy(raw, c->key, c->suite->key_len);
	memcpy(raw + c->suite->key_len, c->salt, c->suite->salt_len);
	b64_encode(raw, (size_t)c->suite->key_len + c->suite->salt_len, b64);
	put(&w, "%u %s inline:%s", (unsigned)c->tag, c->suite->name, b64);
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(b64, sizeof(b64));
	if (c->lifetime_pow2)
		put(&w, "|2^%d", __builtin_ctzll(c->lifetime));
	else if (c->lifetime)
		put(&w, "|%llu", (unsigned long long)c->lifetime);
	if (c->mki_len)
		put(&w, "|%llu:%u", (unsigned long long)c->mki, (unsigned)c->mki_len);
	if (c->kdr)
		put(&w, " KDR=%u", (unsigned)c->kdr);
	for (i = 0; i < ARRAY_LEN(session_flags); i++)
		if (c->flags & session_flags[i].flag)
			put(&w, " %s", session_flags[i].name);
	if (c->fec_order != SDES_FEC_DEFAULT)
		put(&w, " FEC_ORDER=%s",
		    c->fec_order == SDES_FEC_SRTP ? "FEC_SRTP" : "SRTP_FEC");
	if (c->wsh)
		put(&w, " WSH=%u", (unsigned)c->wsh);
	return w.full ? -ENOSPC : (int)w.len;
}
