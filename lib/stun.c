/* stun.c - the STUN message codec, see stun.h.
 *
 * OpenSSL's libcrypto (HMAC-SHA1, HMAC-SHA256, MD5) is used here and
 * nowhere else in lib/. CRC-32 is computed bit by bit: messages are a
 * few hundred bytes at most.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "stun.h"

#define ATTR_HEADER_LEN		4
#define FINGERPRINT_XOR		0x5354554eu	/* RFC 8489 14.7 */
#define FINGERPRINT_LEN		4
#define REASON_MAX		763	/* RFC 8489 14.8 */
#define PADDED(n)		(((size_t)(n) + 3) & ~(size_t)3)

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return ntohs(v);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

static void wr16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, sizeof(v));
}

static void wr32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, sizeof(v));
}

/* CRC-32 of ISO-HDLC / IEEE 802.3 (reflected 0x04c11db7), as FINGERPRINT
 * uses. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* HMAC with @digest ("SHA1", "SHA256") over a 20-byte header @hdr and the
 * @body_len bytes at @body, into @out (room for EVP_MAX_MD_SIZE). */
static int hmac(const char *digest, const uint8_t *key, size_t keylen,
		const uint8_t *hdr, const uint8_t *body, size_t body_len,
		uint8_t *out)
{
	static const uint8_t no_key;	/* libcrypto wants non-NULL */
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;
	size_t outlen;
	int ret = -ENOMEM;

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return -ENOMEM;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out_mac;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)digest,
						     0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, keylen ? key : &no_key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, hdr, STUN_HEADER_LEN) == 1 &&
	    EVP_MAC_update(ctx, body, body_len) == 1 &&
	    EVP_MAC_final(ctx, out, &outlen, EVP_MAX_MD_SIZE) == 1)
		ret = 0;
	EVP_MAC_CTX_free(ctx);
out_mac:
	EVP_MAC_free(mac);
	return ret;
}

bool stun_is_stun(const uint8_t *buf, size_t len)
{
	return buf && len >= STUN_HEADER_LEN && buf[0] <= 3 &&
	       rd32(buf + 4) == STUN_MAGIC_COOKIE;
}

/* ---- parsing ---- */

static int decode_address(struct stun_msg *m, const struct stun_attr *a,
			  union stun_sockaddr *sa, bool xor)
{
	const uint8_t *v = a->value;
	uint8_t mask[16];
	int i;

	/* RFC 8489 14.2: cookie, then transaction id, over port and address */
	wr32(mask, STUN_MAGIC_COOKIE);
	memcpy(mask + 4, m->tid, STUN_TID_LEN);
	if (!xor)
		memset(mask, 0, sizeof(mask));
	memset(sa, 0, sizeof(*sa));
	if (v[1] == 0x01 && a->len == 8) {
		sa->in4.sin_family = AF_INET;
		sa->in4.sin_port = htons(rd16(v + 2) ^ rd16(mask));
		for (i = 0; i < 4; i++)
			((uint8_t *)&sa->in4.sin_addr)[i] = v[4 + i] ^ mask[i];
		return 0;
	}
	if (v[1] == 0x02 && a->len == 20) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons(rd16(v + 2) ^ rd16(mask));
		for (i = 0; i < 16; i++)
			sa->in6.sin6_addr.s6_addr[i] = v[4 + i] ^ mask[i];
		return 0;
	}
	return -EBADMSG;
}

static struct stun_bytes *bytes_field(struct stun_msg *m, uint16_t type)
{
	switch (type) {
	case STUN_ATTR_USERNAME:
		return &m->username;
	case STUN_ATTR_REALM:
		return &m->realm;
	case STUN_ATTR_NONCE:
		return &m->nonce;
	default:
		return &m->software;
	}
}

static int decode_error(struct stun_msg *m, const struct stun_attr *a)
{
	unsigned cls = a->value[2] & 0x07, number = a->value[3];

	if (cls < 3 || cls > 6 || number > 99)
		return -EBADMSG;
	m->error_code = (uint16_t)(cls * 100 + number);
	m->error_reason.data = a->value + 4;
	m->error_reason.len = a->len - 4u;
	return 0;
}

static int decode_unknown_list(struct stun_msg *m, const struct stun_attr *a)
{
	unsigned i;

	if (a->len % 2)
		return -EBADMSG;
	for (i = 0; i < a->len / 2u && i < STUN_MAX_UNKNOWN; i++)
		m->error_unknown[i] = rd16(a->value + 2 * i);
	m->n_error_unknown = i;
	return 0;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Decodes the first occurrence of a known type; @off is the offset of the
 * attribute's header in the message. */
static int decode_known(struct stun_msg *m, const struct stun_attr *a,
			size_t off)
{
	switch (a->type) {
	case STUN_ATTR_MAPPED_ADDRESS:
		return decode_address(m, a, &m->mapped, false);
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		return decode_address(m, a, &m->xor_mapped, true);
	case STUN_ATTR_USERNAME:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
	case STUN_ATTR_SOFTWARE:
		bytes_field(m, a->type)->data = a->value;
		bytes_field(m, a->type)->len = a->len;
		return 0;
	case STUN_ATTR_MESSAGE_INTEGRITY:
		m->integrity_off = off;
		return 0;
	case STUN_ATTR_MESSAGE_INTEGRITY_SHA256:
		m->integrity_sha256_off = off;
		m->integrity_sha256_len = a->len;
		return a->len % 4 ? -EBADMSG : 0;
	case STUN_ATTR_FINGERPRINT:
		m->fingerprint_off = off;
		return 0;
	case STUN_ATTR_ERROR_CODE:
		return decode_error(m, a);
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
		return decode_unknown_list(m, a);
	case STUN_ATTR_PRIORITY:
		m->priority = rd32(a->value);
		return 0;
	case STUN_ATTR_ICE_CONTROLLED:
		m->ice_controlled = rd64(a->value);
		return 0;
	case STUN_ATTR_ICE_CONTROLLING:
		m->ice_controlling = rd64(a->value);
		return 0;
	default:		/* USE-CANDIDATE: presence alone */
		return 0;
	}
}

struct attr_rule {
	uint16_t type;
	uint16_t min_len, max_len;
	unsigned has;		/* enum stun_has bit */
};

/* The attributes this parser decodes, with the value lengths they may
 * have (RFC 8489 14, RFC 8445 16.1). */
static const struct attr_rule attr_rules[] = {
	{ STUN_ATTR_MAPPED_ADDRESS, 8, 20, STUN_HAS_MAPPED_ADDRESS },
	{ STUN_ATTR_XOR_MAPPED_ADDRESS, 8, 20, STUN_HAS_XOR_MAPPED_ADDRESS },
	{ STUN_ATTR_USERNAME, 0, 0xffff, STUN_HAS_USERNAME },
	{ STUN_ATTR_MESSAGE_INTEGRITY, STUN_MI_LEN, STUN_MI_LEN,
	  STUN_HAS_INTEGRITY },
	{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16, STUN_MI_SHA256_MAX,
	  STUN_HAS_INTEGRITY_SHA256 },
	{ STUN_ATTR_FINGERPRINT, FINGERPRINT_LEN, FINGERPRINT_LEN,
	  STUN_HAS_FINGERPRINT },
	{ STUN_ATTR_ERROR_CODE, 4, 4 + REASON_MAX, STUN_HAS_ERROR_CODE },
	{ STUN_ATTR_UNKNOWN_ATTRIBUTES, 0, 0xffff,
	  STUN_HAS_UNKNOWN_ATTRIBUTES },
	{ STUN_ATTR_REALM, 0, 0xffff, STUN_HAS_REALM },
	{ STUN_ATTR_NONCE, 0, 0xffff, STUN_HAS_NONCE },
	{ STUN_ATTR_SOFTWARE, 0, 0xffff, STUN_HAS_SOFTWARE },
	{ STUN_ATTR_PRIORITY, 4, 4, STUN_HAS_PRIORITY },
	{ STUN_ATTR_USE_CANDIDATE, 0, 0, STUN_HAS_USE_CANDIDATE },
	{ STUN_ATTR_ICE_CONTROLLED, 8, 8, STUN_HAS_ICE_CONTROLLED },
	{ STUN_ATTR_ICE_CONTROLLING, 8, 8, STUN_HAS_ICE_CONTROLLING },
};

static const struct attr_rule *find_rule(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(attr_rules) / sizeof(attr_rules[0]); i++)
		if (attr_rules[i].type == type)
			return &attr_rules[i];
	return NULL;
}

static void note_unknown(struct stun_msg *m, uint16_t type)
{
	unsigned i;

	if (type >= 0x8000)	/* comprehension-optional */
		return;
	for (i = 0; i < m->n_unknown; i++)
		if (m->unknown[i] == type)
			return;
	if (m->n_unknown < STUN_MAX_UNKNOWN)
		m->unknown[m->n_unknown++] = type;
}

/* RFC 8489 14.5, 14.6: what follows the integrity attributes is ignored,
 * except the ones allowed after them. */
static bool ignored_after_integrity(const struct stun_msg *m, uint16_t type)
{
	if (m->integrity_sha256_off)
		return type != STUN_ATTR_FINGERPRINT;
	if (m->integrity_off)
		return type != STUN_ATTR_FINGERPRINT &&
		       type != STUN_ATTR_MESSAGE_INTEGRITY_SHA256;
	return false;
}

/* Checks, decodes and keeps the attribute at @off. */
static int take_attr(struct stun_msg *m, const struct stun_attr *a,
		     size_t off)
{
	const struct attr_rule *rule = find_rule(a->type);
	int err;

	if (m->n_attrs == STUN_MAX_ATTRS)
		return -E2BIG;
	if (!rule) {
		note_unknown(m, a->type);
	} else if (!(m->present & rule->has)) {
		/* RFC 8489 14: only the first of a type counts */
		if (a->len < rule->min_len || a->len > rule->max_len)
			return -EBADMSG;
		err = decode_known(m, a, off);
		if (err)
			return err;
		m->present |= rule->has;
	}
	m->attrs[m->n_attrs++] = *a;
	return 0;
}

static int parse_attrs(struct stun_msg *m)
{
	size_t off = STUN_HEADER_LEN;
	struct stun_attr a;
	int err;

	while (off < m->len) {
		if (m->len - off < ATTR_HEADER_LEN)
			return -EBADMSG;
		a.type = rd16(m->buf + off);
		a.len = rd16(m->buf + off + 2);
		a.value = m->buf + off + ATTR_HEADER_LEN;
		if (PADDED(a.len) > m->len - off - ATTR_HEADER_LEN)
			return -EBADMSG;
		if (m->fingerprint_off)		/* RFC 8489 14.7: last */
			return -EBADMSG;
		if (!ignored_after_integrity(m, a.type)) {
			err = take_attr(m, &a, off);
			if (err)
				return err;
		}
		off += ATTR_HEADER_LEN + PADDED(a.len);
	}
	return 0;
}

int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *out)
{
	uint16_t type;

	/* RFC 8489 5: first two bits zero, length in whole words */
	if (!buf || len < STUN_HEADER_LEN || len > STUN_MAX_MSG_LEN ||
	    (buf[0] & 0xc0) || rd32(buf + 4) != STUN_MAGIC_COOKIE)
		return -EINVAL;
	if (rd16(buf + 2) % 4 || rd16(buf + 2) != len - STUN_HEADER_LEN)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->buf = buf;
	out->len = len;
	/* M11..M7 C1 M6..M4 C0 M3..M0 */
	type = rd16(buf);
	out->method = (uint16_t)((type & 0x000f) | (type & 0x00e0) >> 1 |
				 (type & 0x3e00) >> 2);
	out->cls = (enum stun_class)((type & 0x0010) >> 4 |
				     (type & 0x0100) >> 7);
	memcpy(out->tid, buf + 8, STUN_TID_LEN);
	return parse_attrs(out);
}

const struct stun_attr *stun_msg_find(const struct stun_msg *m,
				      uint16_t type)
{
	unsigned i;

	for (i = 0; i < m->n_attrs; i++)
		if (m->attrs[i].type == type)
			return &m->attrs[i];
	return NULL;
}

/* ---- verification ---- */

/* The HMAC of the attribute at @off, @mac_len bytes long, over the message
 * before it, with the length field ending at the attribute's end. */
static int check_mac(const struct stun_msg *m, size_t off, size_t mac_len,
		     const char *digest, const uint8_t *key, size_t keylen)
{
	uint8_t hdr[STUN_HEADER_LEN], mac[EVP_MAX_MD_SIZE];
	int err;

	if (!off)
		return -ENOENT;
	memcpy(hdr, m->buf, STUN_HEADER_LEN);
	wr16(hdr + 2, (uint16_t)(off + ATTR_HEADER_LEN + mac_len -
				 STUN_HEADER_LEN));
	err = hmac(digest, key, keylen, hdr, m->buf + STUN_HEADER_LEN,
		   off - STUN_HEADER_LEN, mac);
	if (err)
		return err;
	if (CRYPTO_memcmp(mac, m->buf + off + ATTR_HEADER_LEN, mac_len))
		return -EACCES;
	return 0;
}

int stun_check_integrity(const struct stun_msg *m, const uint8_t *key,
			 size_t keylen)
{
	return check_mac(m, m->integrity_off, STUN_MI_LEN, "SHA1", key,
			 keylen);
}

int stun_check_integrity_sha256(const struct stun_msg *m, const uint8_t *key,
				size_t keylen)
{
	return check_mac(m, m->integrity_sha256_off, m->integrity_sha256_len,
			 "SHA256", key, keylen);
}

int stun_check_fingerprint(const struct stun_msg *m)
{
	size_t off = m->fingerprint_off;
	uint32_t crc;

	if (!off)
		return -ENOENT;
	/* the length field already ends at FINGERPRINT, the last attribute */
	crc = crc32_ieee(m->buf, off) ^ FINGERPRINT_XOR;
	return crc == rd32(m->buf + off + ATTR_HEADER_LEN) ? 0 : -EBADMSG;
}

int stun_long_term_key(const struct stun_bytes *username,
		       const struct stun_bytes *realm,
		       const struct stun_bytes *password,
		       uint8_t key[STUN_LONG_TERM_KEY_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, username->data, username->len) == 1 &&
	     EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	     EVP_DigestUpdate(ctx, realm->data, realm->len) == 1 &&
	     EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	     EVP_DigestUpdate(ctx, password->data, password->len) == 1 &&
	     EVP_DigestFinal_ex(ctx, key, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

/* ---- building ---- */

void stun_builder_init(struct stun_builder *b, uint8_t *buf, size_t cap,
		       uint16_t method, enum stun_class cls,
		       const uint8_t tid[STUN_TID_LEN])
{
	unsigned c = (unsigned)cls;

	*b = (struct stun_builder){ .buf = buf, .cap = cap };
	if (b->cap > STUN_MAX_MSG_LEN)
		b->cap = STUN_MAX_MSG_LEN;
	if (method > 0xfff || c > 3) {
		b->error = -EINVAL;
		return;
	}
	if (!buf || b->cap < STUN_HEADER_LEN) {
		b->error = -ENOBUFS;
		return;
	}
	wr16(buf, (uint16_t)((method & 0x000f) | (method & 0x0070) << 1 |
			     (method & 0x0f80) << 2 | (c & 1) << 4 |
			     (c & 2) << 7));
	wr16(buf + 2, 0);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HEADER_LEN;
}

/* A bad add: the message cannot be right, so the error sticks (unless the
 * message is out already). */
static int fail(struct stun_builder *b, int err)
{
	if (!b->finished && !b->error)
		b->error = err;
	return err;
}

/* Room for an attribute of @type and @len value bytes: writes its header
 * and padding and sets *@value to where its value goes. */
static int reserve(struct stun_builder *b, uint16_t type, size_t len,
		   uint8_t **value)
{
	uint8_t *p;

	if (b->finished)
		return -EINVAL;
	if (b->error)
		return b->error;
	if (len > 0xffff ||
	    ATTR_HEADER_LEN + PADDED(len) > b->cap - b->len) {
		b->error = -ENOBUFS;
		return b->error;
	}
	p = b->buf + b->len;
	wr16(p, type);
	wr16(p + 2, (uint16_t)len);
	memset(p + ATTR_HEADER_LEN + len, b->pad, PADDED(len) - len);
	b->len += ATTR_HEADER_LEN + PADDED(len);
	*value = p + ATTR_HEADER_LEN;
	return 0;
}

int stun_builder_add(struct stun_builder *b, uint16_t type,
		     const void *value, size_t len)
{
	uint8_t *v;
	int err;

	if (type == STUN_ATTR_MESSAGE_INTEGRITY ||
	    type == STUN_ATTR_MESSAGE_INTEGRITY_SHA256 ||
	    type == STUN_ATTR_FINGERPRINT)
		return fail(b, -EINVAL);
	err = reserve(b, type, len, &v);
	if (!err && len)
		memcpy(v, value, len);
	return err;
}

int stun_builder_add_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
	uint8_t be[4];

	wr32(be, v);
	return stun_builder_add(b, type, be, sizeof(be));
}

int stun_builder_add_u64(struct stun_builder *b, uint16_t type, uint64_t v)
{
	uint8_t be[8];

	wr32(be, (uint32_t)(v >> 32));
	wr32(be + 4, (uint32_t)v);
	return stun_builder_add(b, type, be, sizeof(be));
}

int stun_builder_add_xor_address(struct stun_builder *b,
				 const struct sockaddr *sa)
{
	const union stun_sockaddr *u = (const union stun_sockaddr *)sa;
	uint8_t v[20] = { 0 }, mask[16] = { 0 };
	const uint8_t *addr;
	uint16_t port;
	size_t alen, i;

	if (sa->sa_family == AF_INET) {
		v[1] = 0x01;
		alen = 4;
		port = ntohs(u->in4.sin_port);
		addr = (const uint8_t *)&u->in4.sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		v[1] = 0x02;
		alen = 16;
		port = ntohs(u->in6.sin6_port);
		addr = u->in6.sin6_addr.s6_addr;
	} else {
		return fail(b, -EAFNOSUPPORT);
	}
	/* RFC 8489 14.2: the cookie, then the transaction id */
	wr32(mask, STUN_MAGIC_COOKIE);
	if (b->len >= STUN_HEADER_LEN)
		memcpy(mask + 4, b->buf + 8, STUN_TID_LEN);
	wr16(v + 2, port ^ (uint16_t)(STUN_MAGIC_COOKIE >> 16));
	for (i = 0; i < alen; i++)
		v[4 + i] = addr[i] ^ mask[i];
	return stun_builder_add(b, STUN_ATTR_XOR_MAPPED_ADDRESS, v, 4 + alen);
}

int stun_builder_add_error(struct stun_builder *b, unsigned code,
			   const char *reason, size_t reason_len)
{
	uint8_t v[4 + REASON_MAX];

	if (code < 300 || code > 699 || reason_len > REASON_MAX)
		return fail(b, -EINVAL);
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	if (reason_len)
		memcpy(v + 4, reason, reason_len);
	return stun_builder_add(b, STUN_ATTR_ERROR_CODE, v, 4 + reason_len);
}

int stun_builder_add_unknown(struct stun_builder *b, const uint16_t *types,
			     unsigned n)
{
	uint8_t *v;
	unsigned i;
	int err;

	err = reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * (size_t)n, &v);
	for (i = 0; !err && i < n; i++)
		wr16(v + 2 * i, types[i]);
	return err;
}

/* Appends an integrity attribute of @type: the HMAC of everything before
 * it, the length field already counting it (RFC 8489 14.5, 14.6). */
static int append_mac(struct stun_builder *b, uint16_t type, size_t mac_len,
		      const char *digest, const uint8_t *key, size_t keylen)
{
	uint8_t *v, mac[EVP_MAX_MD_SIZE];
	size_t off;
	int err;

	err = reserve(b, type, mac_len, &v);
	if (err)
		return err;
	off = b->len - ATTR_HEADER_LEN - mac_len;
	wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	err = hmac(digest, key, keylen, b->buf, b->buf + STUN_HEADER_LEN,
		   off - STUN_HEADER_LEN, mac);
	if (err) {
		b->error = err;
		return err;
	}
	memcpy(v, mac, mac_len);
	return 0;
}

static int append_fingerprint(struct stun_builder *b)
{
	uint8_t *v;
	int err;

	err = reserve(b, STUN_ATTR_FINGERPRINT, FINGERPRINT_LEN, &v);
	if (err)
		return err;
	wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	wr32(v, crc32_ieee(b->buf, b->len - ATTR_HEADER_LEN - FINGERPRINT_LEN) ^
		FINGERPRINT_XOR);
	return 0;
}

int stun_builder_finish(struct stun_builder *b, const uint8_t *key,
			size_t keylen, unsigned flags)
{
	int err = 0;

	if (b->finished)
		return -EINVAL;
	if (b->error)
		return b->error;
	if (flags & (STUN_FINISH_INTEGRITY | STUN_FINISH_INTEGRITY_SHA256) &&
	    !key) {
		b->error = -EINVAL;
		return b->error;
	}
	if (flags & STUN_FINISH_INTEGRITY)
		err = append_mac(b, STUN_ATTR_MESSAGE_INTEGRITY, STUN_MI_LEN,
				 "SHA1", key, keylen);
	if (!err && flags & STUN_FINISH_INTEGRITY_SHA256)
		err = append_mac(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256,
				 STUN_MI_SHA256_MAX, "SHA256", key, keylen);
	if (!err && flags & STUN_FINISH_FINGERPRINT)
		err = append_fingerprint(b);
	if (err)
		return err;
	wr16(b->buf + 2, (uint16_t)(b->len - STUN_HEADER_LEN));
	b->finished = true;
	return (int)b->len;
}
