/* webrtc_stun.c - STUN for the test WebRTC peer (see webrtc_stun.h).
 *
 * RFC 8489 section 5 (header), 14 (attributes), RFC 8445 section 7.1.1
 * (the ICE attributes). HMAC-SHA1 from libcrypto; CRC-32 written here.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webrtc_stun.h"

#define PARSE_MAX	4096	/* longest message parsed (one UDP read) */
#define FP_XOR		0x5354554eu

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* CRC-32 of ISO 3309 / ITU-T V.42, as FINGERPRINT wants (RFC 8489 14.7):
 * reflected, polynomial 0xedb88320, initial and final xor all ones. */
static uint32_t crc32_v42(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	int bit;

	while (len--) {
		crc ^= *p++;
		for (bit = 0; bit < 8; bit++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

void stun_write_start(struct stun_writer *w, uint8_t *buf, size_t cap,
		      uint16_t type, const uint8_t *tid)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (cap < STUN_HDR) {
		w->err = true;
		return;
	}
	put16(buf, type);
	put16(buf + 2, 0);
	put32(buf + 4, STUN_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	w->len = STUN_HDR;
}

void stun_write_attr(struct stun_writer *w, uint16_t type, const void *value,
		     size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;

	if (w->err || len > 0xffff || w->cap - w->len < 4 + padded) {
		w->err = true;
		return;
	}
	put16(w->buf + w->len, type);
	put16(w->buf + w->len + 2, (uint16_t)len);
	if (len)
		memcpy(w->buf + w->len + 4, value, len);
	memset(w->buf + w->len + 4 + len, w->pad, padded - len);
	w->len += 4 + padded;
	put16(w->buf + 2, (uint16_t)(w->len - STUN_HDR));
}

void stun_write_xor_mapped(struct stun_writer *w,
			   const struct sockaddr_storage *addr)
{
	uint8_t v[20];
	size_t i;

	memset(v, 0, sizeof(v));
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)addr;

		v[1] = 0x01;
		put16(v + 2, ntohs(in->sin_port) ^ (STUN_COOKIE >> 16));
		put32(v + 4, ntohl(in->sin_addr.s_addr) ^ STUN_COOKIE);
		stun_write_attr(w, STUN_A_XOR_MAPPED, v, 8);
		return;
	}
	if (addr->ss_family != AF_INET6) {
		w->err = true;
		return;
	}
	const struct sockaddr_in6 *in6 = (const void *)addr;

	v[1] = 0x02;
	put16(v + 2, ntohs(in6->sin6_port) ^ (STUN_COOKIE >> 16));
	memcpy(v + 4, &in6->sin6_addr, 16);
	for (i = 0; i < 16; i++)	/* cookie then transaction ID */
		v[4 + i] ^= w->buf[4 + i];
	stun_write_attr(w, STUN_A_XOR_MAPPED, v, 20);
}

/* HMAC-SHA1 of the first @at octets of @buf, with the header's length
 * field set as if the message ended after a MESSAGE-INTEGRITY at @at. */
static bool integrity(const uint8_t *buf, size_t at, const char *key,
		      uint8_t out[20])
{
	uint8_t copy[PARSE_MAX];
	unsigned int len = 20;

	if (at > sizeof(copy))
		return false;
	memcpy(copy, buf, at);
	put16(copy + 2, (uint16_t)(at + 24 - STUN_HDR));
	return HMAC(EVP_sha1(), key, (int)strlen(key), copy, at, out, &len) &&
	       len == 20;
}

static uint32_t fingerprint(const uint8_t *buf, size_t at)
{
	uint8_t copy[PARSE_MAX];

	if (at > sizeof(copy))
		return 0;
	memcpy(copy, buf, at);
	put16(copy + 2, (uint16_t)(at + 8 - STUN_HDR));
	return crc32_v42(copy, at) ^ FP_XOR;
}

int stun_write_finish(struct stun_writer *w, const char *key)
{
	uint8_t mac[20], crc[4];

	if (!w->err && key) {
		if (w->len + 24 > PARSE_MAX || !integrity(w->buf, w->len, key, mac))
			w->err = true;
		stun_write_attr(w, STUN_A_INTEGRITY, mac, sizeof(mac));
	}
	if (!w->err && w->len + 8 > PARSE_MAX)
		w->err = true;
	if (!w->err) {
		put32(crc, fingerprint(w->buf, w->len));
		stun_write_attr(w, STUN_A_FINGERPRINT, crc, sizeof(crc));
	}
	return w->err ? -1 : (int)w->len;
}

static int parse_mapped(const uint8_t *buf, const uint8_t *v, size_t len,
			struct stun_msg *m)
{
	size_t i;

	memset(&m->mapped, 0, sizeof(m->mapped));
	if (len == 8 && v[1] == 0x01) {
		struct sockaddr_in *in = (void *)&m->mapped;

		in->sin_family = AF_INET;
		in->sin_port = htons(get16(v + 2) ^ (STUN_COOKIE >> 16));
		in->sin_addr.s_addr = htonl(get32(v + 4) ^ STUN_COOKIE);
	} else if (len == 20 && v[1] == 0x02) {
		struct sockaddr_in6 *in6 = (void *)&m->mapped;
		uint8_t a[16];

		for (i = 0; i < 16; i++)
			a[i] = v[4 + i] ^ buf[4 + i];
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(get16(v + 2) ^ (STUN_COOKIE >> 16));
		memcpy(&in6->sin6_addr, a, 16);
	} else {
		return -1;
	}
	m->has_mapped = true;
	return 0;
}

/* One attribute of type @type, @len octets at @v, at offset @at. */
static int parse_attr(const uint8_t *buf, size_t at, uint16_t type,
		      const uint8_t *v, size_t len, struct stun_msg *m)
{
	switch (type) {
	case STUN_A_USERNAME:
		m->username = v;
		m->username_len = len;
		return len <= 513 ? 0 : -1;
	case STUN_A_INTEGRITY:
		m->integrity_at = at;
		return len == 20 ? 0 : -1;
	case STUN_A_FINGERPRINT:
		m->fingerprint_at = at;
		return len == 4 ? 0 : -1;
	case STUN_A_XOR_MAPPED:
		return parse_mapped(buf, v, len, m);
	case STUN_A_PRIORITY:
		if (len != 4)
			return -1;
		m->priority = get32(v);
		return 0;
	case STUN_A_USE_CANDIDATE:
		m->use_candidate = true;
		return len == 0 ? 0 : -1;
	case STUN_A_CONTROLLING:
	case STUN_A_CONTROLLED:
		if (len != 8)
			return -1;
		*(type == STUN_A_CONTROLLING ? &m->controlling : &m->controlled) = true;
		m->tiebreaker = (uint64_t)get32(v) << 32 | get32(v + 4);
		return 0;
	case STUN_A_ERROR_CODE:
		if (len < 4)
			return -1;
		m->error_code = (v[2] & 7) * 100 + v[3] % 100;
		return 0;
	}
	return 0;	/* comprehension-optional or unknown: ignored */
}

int stun_parse(const uint8_t *buf, size_t len, struct stun_msg *m)
{
	size_t at = STUN_HDR, alen;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	m->error_code = -1;
	if (len < STUN_HDR || len > PARSE_MAX || buf[0] & 0xc0 ||
	    get32(buf + 4) != STUN_COOKIE || len % 4 ||
	    get16(buf + 2) != len - STUN_HDR)
		return -1;
	m->type = get16(buf);
	m->tid = buf + 8;
	while (at < len) {
		if (m->fingerprint_at || len - at < 4)
			return -1;	/* FINGERPRINT must be last */
		type = get16(buf + at);
		alen = get16(buf + at + 2);
		if (len - at - 4 < ((alen + 3) & ~(size_t)3))
			return -1;
		/* after MESSAGE-INTEGRITY only FINGERPRINT counts (14.5) */
		if (!m->integrity_at || type == STUN_A_FINGERPRINT)
			if (parse_attr(buf, at, type, buf + at + 4, alen, m))
				return -1;
		at += 4 + ((alen + 3) & ~(size_t)3);
	}
	return 0;
}

bool stun_fingerprint_ok(const uint8_t *buf, const struct stun_msg *m)
{
	return m->fingerprint_at &&
	       get32(buf + m->fingerprint_at + 4) ==
	       fingerprint(buf, m->fingerprint_at);
}

bool stun_integrity_ok(const uint8_t *buf, const struct stun_msg *m,
		       const char *key)
{
	uint8_t mac[20];

	return m->integrity_at && integrity(buf, m->integrity_at, key, mac) &&
	       CRYPTO_memcmp(mac, buf + m->integrity_at + 4, 20) == 0;
}

/* --- self-test: RFC 5769 ------------------------------------------------ */

static const char vec_pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";
static const uint8_t vec_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* RFC 5769 2.1: a Binding request from an ICE agent (padding: spaces). */
static const uint8_t vec_request[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
	0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73, 0x74, 0x20, 0x63, 0x6c,
	0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36,
	0x00, 0x06, 0x00, 0x09, 0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c,
	0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf,
};

/* RFC 5769 2.2: the IPv4 response, 192.0.2.1 port 32853. */
static const uint8_t vec_response4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: the IPv6 response, 2001:db8:1234:5678:11:2233:4455:6677
 * port 32853. */
static const uint8_t vec_response6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01,
	0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63, 0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

struct tally {
	int passed, failed;
};

static void check(struct tally *t, const char *sentence, bool ok)
{
	printf("%s - %s\n", ok ? "ok" : "FAIL", sentence);
	if (ok)
		t->passed++;
	else
		t->failed++;
}

static bool verifies(const uint8_t *buf, size_t len, const char *key)
{
	struct stun_msg m;

	return !stun_parse(buf, len, &m) && stun_fingerprint_ok(buf, &m) &&
	       stun_integrity_ok(buf, &m, key);
}

static void request_vector(struct tally *t)
{
	static const uint8_t prio[4] = { 0x6e, 0x00, 0x01, 0xff };
	static const uint8_t tie[8] = { 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36 };
	uint8_t out[STUN_MAX];
	struct stun_writer w;
	struct stun_msg m;
	int len;

	check(t, "RFC 5769 2.1: the request parses with ICE-CONTROLLED, PRIORITY "
	      "and USERNAME evtj:h6vY",
	      !stun_parse(vec_request, sizeof(vec_request), &m) &&
	      m.type == STUN_BINDING_REQUEST && m.controlled &&
	      m.tiebreaker == 0x932ff9b151263b36ull && m.priority == 0x6e0001ff &&
	      m.username_len == 9 && !memcmp(m.username, "evtj:h6vY", 9));
	check(t, "RFC 5769 2.1: its MESSAGE-INTEGRITY and FINGERPRINT verify",
	      verifies(vec_request, sizeof(vec_request), vec_pwd));
	check(t, "RFC 5769 2.1: MESSAGE-INTEGRITY fails with another password",
	      !verifies(vec_request, sizeof(vec_request), "VOkJxbRl1RmTxUk/WvJxBu"));
	stun_write_start(&w, out, sizeof(out), STUN_BINDING_REQUEST, vec_tid);
	w.pad = ' ';
	stun_write_attr(&w, STUN_A_SOFTWARE, "STUN test client", 16);
	stun_write_attr(&w, STUN_A_PRIORITY, prio, 4);
	stun_write_attr(&w, STUN_A_CONTROLLED, tie, 8);
	stun_write_attr(&w, STUN_A_USERNAME, "evtj:h6vY", 9);
	len = stun_write_finish(&w, vec_pwd);
	check(t, "RFC 5769 2.1: the writer makes the vector octet for octet",
	      len == (int)sizeof(vec_request) && !memcmp(out, vec_request, (size_t)len));
}

static void response_vector(struct tally *t, const uint8_t *vec, size_t vlen,
			    const struct sockaddr_storage *want, const char *name)
{
	uint8_t out[STUN_MAX];
	struct stun_writer w;
	struct stun_msg m;
	char what[160];
	int len;

	snprintf(what, sizeof(what), "RFC 5769 %s: parses, verifies, and its "
		 "XOR-MAPPED-ADDRESS decodes to the RFC's address", name);
	check(t, what, !stun_parse(vec, vlen, &m) && m.type == STUN_BINDING_SUCCESS &&
	      verifies(vec, vlen, vec_pwd) && m.has_mapped &&
	      !memcmp(&m.mapped, want, sizeof(*want)));
	stun_write_start(&w, out, sizeof(out), STUN_BINDING_SUCCESS, vec_tid);
	w.pad = ' ';
	stun_write_attr(&w, STUN_A_SOFTWARE, "test vector", 11);
	stun_write_xor_mapped(&w, want);
	len = stun_write_finish(&w, vec_pwd);
	snprintf(what, sizeof(what), "RFC 5769 %s: the writer makes the vector "
		 "octet for octet", name);
	check(t, what, len == (int)vlen && !memcmp(out, vec, vlen));
}

/* Every single-bit change of the request either fails to parse or fails
 * verification; every truncation fails to parse. */
static void damage(struct tally *t)
{
	uint8_t buf[sizeof(vec_request)];
	struct stun_msg m;
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(buf) * 8; i++) {
		memcpy(buf, vec_request, sizeof(buf));
		buf[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (verifies(buf, sizeof(buf), vec_pwd))
			ok = false;
	}
	check(t, "every one-bit change of the 2.1 request fails verification", ok);
	ok = true;
	for (i = 0; i < sizeof(buf); i++)
		if (!stun_parse(vec_request, i, &m))
			ok = false;
	check(t, "every truncation of the 2.1 request is refused", ok);
}

static void sockaddr_make(struct sockaddr_storage *ss, const char *ip,
			  uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &in6->sin6_addr);
	} else {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		inet_pton(AF_INET, ip, &in->sin_addr);
	}
}

/* Random garbage after a valid header never crashes the parser (run under
 * ASan by the SANITIZE=1 build). */
static void garbage(struct tally *t)
{
	uint8_t buf[256];
	struct stun_msg m;
	unsigned int seed = 5769;
	size_t i, len;
	int n;

	for (n = 0; n < 20000; n++) {
		len = STUN_HDR + 4 * (size_t)(rand_r(&seed) % 50);
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		memcpy(buf, vec_request, 8);
		put16(buf + 2, (uint16_t)(len - STUN_HDR));
		if (!stun_parse(buf, len, &m)) {
			stun_fingerprint_ok(buf, &m);
			stun_integrity_ok(buf, &m, vec_pwd);
		}
	}
	check(t, "20,000 random attribute lists parse or are refused without "
	      "a crash", true);
}

int stun_selftest(void)
{
	struct sockaddr_storage v4, v6;
	struct tally t = { 0, 0 };

	sockaddr_make(&v4, "192.0.2.1", 32853);
	sockaddr_make(&v6, "2001:db8:1234:5678:11:2233:4455:6677", 32853);
	request_vector(&t);
	response_vector(&t, vec_response4, sizeof(vec_response4), &v4, "2.2");
	response_vector(&t, vec_response6, sizeof(vec_response6), &v6, "2.3");
	damage(&t);
	garbage(&t);
	printf("%d passed, %d failed\n", t.passed, t.failed);
	return t.failed;
}
