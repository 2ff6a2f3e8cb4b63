/* fuzz_stun.c - libFuzzer target for the STUN codec.
 *
 * The input is parsed as a datagram: whatever parses must hold together
 * (attributes inside the message, counts within their bounds), and the
 * integrity and fingerprint checks run on it with a fixed key and answer
 * one of their documented codes.
 *
 * The same input is then read as a program for the builder: two bytes of
 * buffer size, then operations (one byte each, with their arguments),
 * then the finishing flags. The buffer is allocated to exactly that size,
 * so ASan sees any write past it. A message the builder finishes must
 * parse back with every attribute it was given and pass its own integrity
 * and fingerprint checks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "fuzz-password";
#define KEY_LEN (sizeof(key) - 1)

static void check_codes(const struct stun_msg *m)
{
	int err;

	err = stun_check_integrity(m, key, KEY_LEN);
	if (err && err != -ENOENT && err != -EACCES)
		abort();
	err = stun_check_integrity_sha256(m, key, KEY_LEN);
	if (err && err != -ENOENT && err != -EACCES)
		abort();
	err = stun_check_fingerprint(m);
	if (err && err != -ENOENT && err != -EBADMSG)
		abort();
}

static void parse_input(const uint8_t *data, size_t size)
{
	struct stun_msg m;
	unsigned i;
	int err;

	err = stun_parse(data, size, &m);
	if (err) {
		if (err != -EINVAL && err != -EBADMSG && err != -E2BIG)
			abort();
		return;
	}
	if (m.len != size || m.n_attrs > STUN_MAX_ATTRS ||
	    m.n_unknown > STUN_MAX_UNKNOWN ||
	    m.n_error_unknown > STUN_MAX_UNKNOWN || (data[0] & 0xc0))
		abort();
	for (i = 0; i < m.n_attrs; i++) {
		const struct stun_attr *a = &m.attrs[i];

		if (a->value < data + STUN_HEADER_LEN + 4 ||
		    a->value + a->len > data + size)
			abort();
	}
	if (m.fingerprint_off && m.fingerprint_off + 8 != size)
		abort();
	if (data[0] <= 3 && !stun_is_stun(data, size))
		abort();
	if (m.n_attrs && stun_msg_find(&m, m.attrs[0].type) != &m.attrs[0])
		abort();
	check_codes(&m);
}

struct reader {
	const uint8_t *p;
	size_t left;
};

static unsigned take(struct reader *r, unsigned nbytes)
{
	unsigned v = 0;

	while (nbytes--) {
		v <<= 8;
		if (r->left) {
			v |= *r->p++;
			r->left--;
		}
	}
	return v;
}

/* Types whose every value is valid: strings and unknown ones. */
static const uint16_t free_types[] = {
	STUN_ATTR_USERNAME, STUN_ATTR_SOFTWARE, STUN_ATTR_REALM,
	STUN_ATTR_NONCE, 0xc057, 0x0031, 0x7fff, 0xffff,
};

static void add_one(struct stun_builder *b, struct reader *r)
{
	union stun_sockaddr sa;
	uint16_t types[STUN_MAX_UNKNOWN];
	unsigned op = take(r, 1) % 7, n, i;
	uint16_t type;
	unsigned code;
	size_t len;

	memset(&sa, 0, sizeof(sa));
	switch (op) {
	case 0:
		type = free_types[take(r, 1) % 8];
		len = take(r, 1) % (r->left + 1);
		stun_builder_add(b, type, r->p, len);
		r->p += len;
		r->left -= len;
		break;
	case 1:
		stun_builder_add_u32(b, STUN_ATTR_PRIORITY, take(r, 4));
		break;
	case 2:
		stun_builder_add_u64(b, take(r, 1) & 1 ?
				     STUN_ATTR_ICE_CONTROLLING :
				     STUN_ATTR_ICE_CONTROLLED,
				     (uint64_t)take(r, 4) << 32 | take(r, 4));
		break;
	case 3:
		sa.in4.sin_family = AF_INET;
		sa.in4.sin_port = (uint16_t)take(r, 2);
		sa.in4.sin_addr.s_addr = take(r, 4);
		stun_builder_add_xor_address(b, &sa.sa);
		break;
	case 4:
		sa.in6.sin6_family = AF_INET6;
		sa.in6.sin6_port = (uint16_t)take(r, 2);
		for (i = 0; i < 16; i++)
			sa.in6.sin6_addr.s6_addr[i] = (uint8_t)take(r, 1);
		stun_builder_add_xor_address(b, &sa.sa);
		break;
	case 5:
		code = 300 + take(r, 2) % 400;
		len = take(r, 1) % (r->left + 1);
		stun_builder_add_error(b, code, (const char *)r->p, len);
		r->p += len;
		r->left -= len;
		break;
	default:
		n = take(r, 1) % (STUN_MAX_UNKNOWN + 1);
		for (i = 0; i < n; i++)
			types[i] = (uint16_t)take(r, 2);
		stun_builder_add_unknown(b, types, n);
		break;
	}
}

static void check_built(const uint8_t *buf, size_t len, unsigned n_added,
			unsigned flags)
{
	unsigned trailer = !!(flags & STUN_FINISH_INTEGRITY) +
			   !!(flags & STUN_FINISH_INTEGRITY_SHA256) +
			   !!(flags & STUN_FINISH_FINGERPRINT);
	struct stun_msg m;
	int err;

	err = stun_parse(buf, len, &m);
	if (n_added + trailer > STUN_MAX_ATTRS) {
		if (err != -E2BIG)
			abort();
		return;
	}
	if (err || m.n_attrs != n_added + trailer)
		abort();
	if ((flags & STUN_FINISH_INTEGRITY) &&
	    stun_check_integrity(&m, key, KEY_LEN))
		abort();
	if ((flags & STUN_FINISH_INTEGRITY_SHA256) &&
	    stun_check_integrity_sha256(&m, key, KEY_LEN))
		abort();
	if ((flags & STUN_FINISH_FINGERPRINT) && stun_check_fingerprint(&m))
		abort();
}

static void build_from(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	size_t cap = take(&r, 2) % 2048;
	unsigned n_ops = take(&r, 1) % 80, i, flags;
	uint8_t tid[STUN_TID_LEN] = { 0 }, *buf;
	struct stun_builder b;
	int n;

	buf = malloc(cap ? cap : 1);
	if (!buf)
		return;
	for (i = 0; i < STUN_TID_LEN; i++)
		tid[i] = (uint8_t)take(&r, 1);
	stun_builder_init(&b, buf, cap, (uint16_t)(take(&r, 2) & 0xfff),
			  (enum stun_class)(take(&r, 1) & 3), tid);
	b.pad = (uint8_t)take(&r, 1);
	for (i = 0; i < n_ops; i++)
		add_one(&b, &r);
	flags = take(&r, 1) & 7;
	n = stun_builder_finish(&b, key, KEY_LEN, flags);
	if (n < 0 && n != -ENOBUFS)
		abort();
	if (n > 0) {
		if ((size_t)n > cap)
			abort();
		check_built(buf, (size_t)n, n_ops, flags);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_input(data, size);
	build_from(data, size);
	return 0;
}
