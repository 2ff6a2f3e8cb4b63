/* fuzz_sdes.c - libFuzzer target for the a=crypto parser and writer.
 *
 * Text mode: whatever parses must write, and what was written must parse
 * to the same struct (less what the writer drops: further key-params,
 * FEC_KEY, optional unknown parameters) and write the same bytes again.
 * A failure must say why. Struct mode: the input's bytes fill a struct
 * sdes_crypto; if the writer accepts it, the parser must read back
 * exactly that struct.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_invariants(const struct sdes_crypto *c)
{
	if (!c->suite || sdes_suite_find(c->suite->name) != c->suite)
		abort();
	if (c->tag > 999999999 || c->lifetime > SDES_LIFETIME_MAX ||
	    c->mki_len > SDES_MKI_LEN_MAX || c->kdr > SDES_KDR_MAX ||
	    (c->wsh && c->wsh < SDES_WSH_MIN) ||
	    c->extra_keys >= SDES_KEY_PARAMS_MAX ||
	    c->ignored_params > SDES_SESSION_PARAMS_MAX)
		abort();
	if (c->mki_len && c->mki_len < 8 && c->mki >> (8 * c->mki_len))
		abort();
}

static void write_or_abort(const struct sdes_crypto *c, char *out)
{
	int n = sdes_write(c, out, SDES_WRITE_MAX);

	if (n <= 0 || n >= SDES_WRITE_MAX || strlen(out) != (size_t)n)
		abort();
}

static void round_trip(const struct sdes_crypto *c)
{
	char first[SDES_WRITE_MAX], second[SDES_WRITE_MAX];
	struct sdes_crypto again, want = *c;

	write_or_abort(c, first);
	if (sdes_parse(first, strlen(first), &again, NULL) != 0)
		abort();
	want.extra_keys = 0;
	want.fec_key = false;
	want.ignored_params = 0;
	if (memcmp(&want, &again, sizeof(want)) != 0)
		abort();
	write_or_abort(&again, second);
	if (strcmp(first, second) != 0)
		abort();
}

static void text_mode(const uint8_t *data, size_t size)
{
	struct sdes_crypto c;
	const char *why = NULL;
	int ret = sdes_parse((const char *)data, size, &c, &why);

	if (ret == 0) {
		check_invariants(&c);
		round_trip(&c);
	} else if (!why || (ret != -EINVAL && ret != -ENOENT && ret != -ENOTSUP)) {
		abort();
	}
}

/* Reads @n bytes (little-endian) at *@p, zero past the end. */
static uint64_t take(const uint8_t **p, const uint8_t *end, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++, (*p)++)
		if (*p < end)
			v |= (uint64_t)**p << (8 * i);
	return v;
}

static void struct_mode(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct sdes_crypto c, back;
	char out[SDES_WRITE_MAX];
	size_t i;

	memset(&c, 0, sizeof(c));
	c.suite = sdes_suite_at(take(&p, end, 1) % SDES_SUITE_COUNT);
	c.tag = (uint32_t)take(&p, end, 4) % 1100000000u;
	c.lifetime = take(&p, end, 7) >> (take(&p, end, 1) % 64);
	c.lifetime_pow2 = take(&p, end, 1) & 1;
	c.mki = take(&p, end, 8) >> (take(&p, end, 1) % 64);
	c.mki_len = (uint8_t)take(&p, end, 1);
	c.flags = (unsigned)take(&p, end, 1) & 0xf;
	c.kdr = (uint8_t)(take(&p, end, 1) % 32);
	c.fec_order = (enum sdes_fec_order)(take(&p, end, 1) % 4);
	c.wsh = (uint32_t)take(&p, end, 4) >> (take(&p, end, 1) % 32);
	for (i = 0; i < c.suite->key_len; i++)
		c.key[i] = (uint8_t)take(&p, end, 1);
	for (i = 0; i < c.suite->salt_len; i++)
		c.salt[i] = (uint8_t)take(&p, end, 1);
	if (sdes_write(&c, out, sizeof(out)) < 0)
		return;
	if (sdes_parse(out, strlen(out), &back, NULL) != 0 ||
	    memcmp(&c, &back, sizeof(c)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	text_mode(data, size);
	struct_mode(data, size);
	return 0;
}
