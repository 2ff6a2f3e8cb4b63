/* test_srtp_index.c - the packet index and replay window shared with the
 * kernel module (lib/srtp_index.c) against libsrtp2's, through
 * daemon/srtp.c: the same packets, delivered late, twice, too late and
 * across sequence number wraps, must be taken or refused alike and leave
 * the same rollover counter; and a rollover counter handed over with
 * rg_srtp_roc_set() numbers the next packet. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdes.h"
#include "srtp.h"
#include "srtp_index.h"
#include "test.h"

/* needs: srtp log */

#define SSRC	0x5ec0de01u
#define PKT	64	/* bytes of RTP (header and payload) */
#define ROOM	(PKT + RG_SRTP_TRAILER_ROOM)

struct pkt {
	_Alignas(16) uint8_t b[ROOM];
	size_t len;
	uint16_t seq;
};

static struct sdes_crypto test_key(void)
{
	struct sdes_crypto k = { 0 };
	unsigned i;

	k.suite = sdes_suite_find("AES_CM_128_HMAC_SHA1_80");
	for (i = 0; i < sizeof(k.key); i++)
		k.key[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(k.salt); i++)
		k.salt[i] = (uint8_t)(i * 13 + 5);
	return k;
}

static void rtp(struct pkt *p, uint16_t seq)
{
	memset(p->b, 0xa5, PKT);
	p->b[0] = 0x80;
	p->b[1] = 0;
	p->b[2] = (uint8_t)(seq >> 8);
	p->b[3] = (uint8_t)seq;
	p->b[8] = SSRC >> 24;
	p->b[9] = (uint8_t)(SSRC >> 16);
	p->b[10] = (uint8_t)(SSRC >> 8);
	p->b[11] = (uint8_t)SSRC;
	p->len = PKT;
	p->seq = seq;
}

/* @n packets protected in order from sequence number @first on. */
static struct pkt *protect_run(struct rg_srtp *tx, uint16_t first, unsigned n)
{
	struct pkt *p = calloc(n, sizeof(*p));
	unsigned i;

	for (i = 0; p && i < n; i++) {
		rtp(&p[i], (uint16_t)(first + i));
		if (rg_srtp_protect(tx, p[i].b, &p[i].len, ROOM)) {
			free(p);
			return NULL;
		}
	}
	return p;
}

/* Delivers @p to libsrtp (@rx) and to the shared code (@s); returns
 * whether they agreed, on the verdict and on the rollover counter. */
static bool deliver_both(struct rg_srtp *rx, struct srtp_index *s, const struct pkt *p)
{
	struct pkt copy = *p;
	int lib = rg_srtp_unprotect(rx, copy.b, &copy.len);
	uint64_t idx = srtp_index_estimate(s, p->seq);
	int ours = srtp_index_check(s, idx);
	uint32_t roc = 0;

	if (lib != 0 && lib != -EALREADY) {
		fprintf(stderr, "    libsrtp: %d at seq %u\n", lib, p->seq);
		return false;
	}
	if (!ours)
		srtp_index_accept(s, idx);
	if ((lib == 0) != (ours == 0)) {
		fprintf(stderr, "    seq %u: libsrtp %d, shared %d\n", p->seq, lib, ours);
		return false;
	}
	if (rg_srtp_roc_get(rx, SSRC, &roc) || roc != srtp_index_roc(s)) {
		fprintf(stderr, "    seq %u: libsrtp ROC %u, shared %u\n", p->seq, roc,
			srtp_index_roc(s));
		return false;
	}
	return true;
}

/* The order packets 0..n-1 arrive in: mostly in order, every 17th 40
 * late, every 23rd twice, every 101st again 1100 later (too old), and
 * a few very late ones across the wraps. */
static unsigned schedule(unsigned n, unsigned *order)
{
	unsigned i, k = 0;

	for (i = 0; i < n; i++) {
		if (i % 17 != 5)
			order[k++] = i;
		if (i >= 40 && (i - 40) % 17 == 5)
			order[k++] = i - 40;
		if (i % 23 == 0)
			order[k++] = i;
		if (i >= 1100 && (i - 1100) % 101 == 0)
			order[k++] = i - 1100;
		if (i >= 700 && i % 997 == 0)
			order[k++] = i - 700;
	}
	return k;
}

static void libsrtp_and_shared_code_agree_on_every_verdict(void)
{
	struct sdes_crypto key = test_key();
	struct rg_srtp *tx = rg_srtp_create(RG_SRTP_PROTECT, &key, NULL);
	struct rg_srtp *rx = rg_srtp_create(RG_SRTP_UNPROTECT, &key, NULL);
	unsigned n = 3 * 65536 + 500, *order = calloc(4 * n, sizeof(*order));
	struct pkt *p = protect_run(tx, 64000, n);
	struct srtp_index s = { 0 };
	unsigned i, k = order ? schedule(n, order) : 0;
	bool same = true;

	for (i = 0; same && p && i < k; i++)
		same = deliver_both(rx, &s, &p[order[i]]);
	rg_srtp_destroy(tx);
	rg_srtp_destroy(rx);
	free(order);
	free(p);
	CHECK(k > n);
	CHECK(same);
	CHECK_INT(srtp_index_roc(&s), 3);
}

static void handed_over_rollover_counter_numbers_the_next_packet(void)
{
	struct sdes_crypto key = test_key();
	struct rg_srtp *tx = rg_srtp_create(RG_SRTP_PROTECT, &key, NULL);
	struct rg_srtp *rx = rg_srtp_create(RG_SRTP_UNPROTECT, &key, NULL);
	struct pkt a, b, c;
	uint32_t roc = 99;
	int got_b, got_c, ok;

	rtp(&a, 100);
	ok = rg_srtp_protect(tx, a.b, &a.len, ROOM) == 0 &&
	     rg_srtp_unprotect(rx, a.b, &a.len) == 0 &&
	     rg_srtp_roc_get(tx, SSRC, &roc) == 0 && roc == 0;
	/* both sides carry on at ROC 5, as after 5 wraps in the kernel */
	ok = ok && rg_srtp_roc_set(tx, SSRC, 5) == 0 && rg_srtp_roc_set(rx, SSRC, 5) == 0;
	rtp(&b, 101);
	rtp(&c, 102);
	ok = ok && rg_srtp_protect(tx, b.b, &b.len, ROOM) == 0 &&
	     rg_srtp_protect(tx, c.b, &c.len, ROOM) == 0;
	got_b = rg_srtp_unprotect(rx, b.b, &b.len);
	got_c = rg_srtp_unprotect(rx, c.b, &c.len);
	ok = ok && rg_srtp_roc_get(rx, SSRC, &roc) == 0;
	CHECK_INT(rg_srtp_roc_get(rx, SSRC + 1, &roc), -ENOENT);
	rg_srtp_destroy(tx);
	rg_srtp_destroy(rx);
	CHECK(ok);
	CHECK_INT(got_b, 0);
	CHECK_INT(got_c, 0);
	CHECK_INT(roc, 5);
}

static const struct test_case cases[] = {
	{ "libsrtp and the shared index code agree on every verdict and rollover counter",
	  libsrtp_and_shared_code_agree_on_every_verdict },
	{ "a rollover counter handed over with rg_srtp_roc_set numbers the next packet",
	  handed_over_rollover_counter_numbers_the_next_packet },
};

TEST_MAIN(cases)
