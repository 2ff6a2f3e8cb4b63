/* test_dtls.c - DTLS-SRTP endpoints handshaking with each other in memory.
 *
 * Two struct rg_dtls with certificates of their own pass datagrams by
 * function calls, as the media workers will; datagrams are lost, forged
 * or mangled on the way where a case says so. The keys they export are
 * checked against each other and through libsrtp (daemon/srtp.c). The
 * same endpoint against an independent peer (OpenSSL's s_server and
 * s_client) is test_dtls_interop.c.
 */
/* needs: dtls srtp log */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dtls.h"
#include "srtp.h"
#include "test.h"

#define ROUNDS 32

struct pair {
	struct rg_dtls_cert *ccert, *scert;
	struct rg_dtls *client, *server;
	char cfp[RG_DTLS_FP_MAX], sfp[RG_DTLS_FP_MAX];
	bool oversize;	/* a datagram longer than RG_DTLS_MTU was seen */
};

/* Two certificates and their sha-256 fingerprints; no endpoints yet. */
static bool pair_certs(struct pair *p)
{
	memset(p, 0, sizeof(*p));
	p->ccert = rg_dtls_cert_create(NULL);
	p->scert = rg_dtls_cert_create(NULL);
	return p->ccert && p->scert &&
	       rg_dtls_cert_fingerprint(p->ccert, "sha-256", p->cfp,
					sizeof(p->cfp)) > 0 &&
	       rg_dtls_cert_fingerprint(p->scert, "sha-256", p->sfp,
					sizeof(p->sfp)) > 0;
}

/* A client and a server, each expecting @to_client / @to_server as the
 * fingerprint of the other (NULL: not known yet). */
static bool pair_make(struct pair *p, const char *to_client, const char *to_server)
{
	p->client = rg_dtls_create(p->ccert, RG_DTLS_CLIENT, "sha-256",
				   to_client, NULL);
	p->server = rg_dtls_create(p->scert, RG_DTLS_SERVER, "sha-256",
				   to_server, NULL);
	return p->client && p->server;
}

/* Both endpoints expecting the other's real certificate. */
static bool pair_setup(struct pair *p)
{
	return pair_certs(p) && pair_make(p, p->sfp, p->cfp);
}

static void pair_free(struct pair *p)
{
	rg_dtls_destroy(p->client);
	rg_dtls_destroy(p->server);
	rg_dtls_cert_destroy(p->ccert);
	rg_dtls_cert_destroy(p->scert);
}

/* Moves everything @from has to send into @to, dropping the first @drop
 * datagrams; returns how many were delivered. */
static int shuttle(struct pair *p, struct rg_dtls *from, struct rg_dtls *to,
		   int drop)
{
	uint8_t buf[4096];
	int n, moved = 0;

	while ((n = rg_dtls_output(from, buf, sizeof(buf))) > 0) {
		if (n > RG_DTLS_MTU)
			p->oversize = true;
		if (drop-- > 0)
			continue;
		rg_dtls_input(to, buf, (size_t)n);
		moved++;
	}
	return moved;
}

/* Passes datagrams both ways until neither side has anything to say. */
static void pair_run(struct pair *p)
{
	int i;

	rg_dtls_start(p->client);
	for (i = 0; i < ROUNDS; i++)
		if (!shuttle(p, p->client, p->server, 0) &&
		    !shuttle(p, p->server, p->client, 0))
			break;
}

/* Sleeps until @d's retransmission timer is due, then fires it. */
static void fire_timer(struct rg_dtls *d)
{
	int64_t us;

	while ((us = rg_dtls_timeout_us(d)) > 0)
		usleep((useconds_t)us);
	rg_dtls_on_timer(d);
}

static bool same_key(const struct sdes_crypto *a, const struct sdes_crypto *b)
{
	return a->suite && a->suite == b->suite &&
	       !memcmp(a->key, b->key, a->suite->key_len) &&
	       !memcmp(a->salt, b->salt, a->suite->salt_len);
}

static void a_fingerprint_is_uppercase_hex_pairs_for_each_hash(void)
{
	static const struct { const char *hash; int bytes; } h[] = {
		{ "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 },
		{ "SHA-384", 48 }, { "sha-512", 64 },
	};
	struct rg_dtls_cert *c = rg_dtls_cert_create(NULL);
	char fp[RG_DTLS_FP_MAX];
	size_t i;
	int j, n;

	CHECK(c);
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		n = rg_dtls_cert_fingerprint(c, h[i].hash, fp, sizeof(fp));
		CHECK_INT(n, 3 * h[i].bytes - 1);
		CHECK_INT(strlen(fp), n);
		for (j = 0; j < n; j++)
			CHECK(j % 3 == 2 ? fp[j] == ':' :
			      (fp[j] >= '0' && fp[j] <= '9') ||
			      (fp[j] >= 'A' && fp[j] <= 'F'));
	}
	rg_dtls_cert_destroy(c);
}

static void the_default_hash_is_sha256_and_others_are_refused(void)
{
	struct rg_dtls_cert *c = rg_dtls_cert_create(NULL);
	char a[RG_DTLS_FP_MAX], b[RG_DTLS_FP_MAX];

	CHECK(c);
	CHECK_INT(rg_dtls_cert_fingerprint(c, NULL, a, sizeof(a)), 95);
	CHECK_INT(rg_dtls_cert_fingerprint(c, "sha-256", b, sizeof(b)), 95);
	CHECK_STR(a, b);
	CHECK_INT(rg_dtls_cert_fingerprint(c, "md5", a, sizeof(a)), -EINVAL);
	CHECK_INT(rg_dtls_cert_fingerprint(c, "sha256", a, sizeof(a)), -EINVAL);
	CHECK_INT(rg_dtls_cert_fingerprint(c, "sha-256", a, 95), -ENOSPC);
	CHECK_INT(rg_dtls_cert_fingerprint(c, "sha-256", a, 96), 95);
	rg_dtls_cert_destroy(c);
}

static void each_certificate_has_its_own_key(void)
{
	struct pair p;

	CHECK(pair_certs(&p));
	CHECK(strcmp(p.cfp, p.sfp) != 0);
	pair_free(&p);
}

static void malformed_peer_fingerprints_are_refused(void)
{
	static const char *bad[] = {
		"", "AB", "AB:CD", "GG", ":AB", "AB:", "AB::CD", "ABC:D",
	};
	struct pair p;
	const char *why = NULL;
	char fp[2 * RG_DTLS_FP_MAX];
	struct rg_dtls *d;
	size_t i;

	CHECK(pair_certs(&p));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "sha-256",
				      bad[i], &why));
		CHECK_STR(why, "bad fingerprint");
	}
	/* One byte short, one byte long, a trailing colon. */
	snprintf(fp, sizeof(fp), "%.*s", 92, p.sfp);
	CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "sha-256", fp, NULL));
	snprintf(fp, sizeof(fp), "%s:00", p.sfp);
	CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "sha-256", fp, NULL));
	snprintf(fp, sizeof(fp), "%s:", p.sfp);
	CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "sha-256", fp, NULL));
	/* The right length for another hash. */
	CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "sha-1", p.sfp, &why));
	CHECK_STR(why, "bad fingerprint");
	CHECK(!rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "md5", p.sfp, &why));
	CHECK_STR(why, "unsupported fingerprint hash");
	/* Lower case hex and an upper case hash name are fine. */
	snprintf(fp, sizeof(fp), "%s", p.sfp);
	for (i = 0; fp[i]; i++)
		fp[i] = (char)(fp[i] >= 'A' ? fp[i] + 32 : fp[i]);
	d = rg_dtls_create(p.ccert, RG_DTLS_CLIENT, "SHA-256", fp, NULL);
	CHECK(d);
	rg_dtls_destroy(d);
	pair_free(&p);
}

static void client_and_server_complete_the_handshake_in_memory(void)
{
	struct sdes_crypto ctx, crx, stx, srx;
	struct pair p;

	CHECK(pair_setup(&p));
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_HANDSHAKING);
	CHECK_INT(rg_dtls_srtp_keys(p.client, &ctx, &crx), -ENOTCONN);
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	CHECK(!rg_dtls_error(p.client));
	CHECK(!p.oversize);
	CHECK_INT(rg_dtls_timeout_us(p.client), -1);
	CHECK_INT(rg_dtls_timeout_us(p.server), -1);
	CHECK_INT(rg_dtls_srtp_keys(p.client, &ctx, &crx), 0);
	CHECK_INT(rg_dtls_srtp_keys(p.server, &stx, &srx), 0);
	/* Our server prefers AES-256-GCM and our client offers it. */
	CHECK_STR(ctx.suite->name, "AEAD_AES_256_GCM");
	CHECK(same_key(&ctx, &srx));
	CHECK(same_key(&stx, &crx));
	CHECK(!same_key(&ctx, &stx));
	pair_free(&p);
}

/* An RTP packet protected with @tx comes out of @rx as it went in. */
static bool srtp_crosses(const struct sdes_crypto *tx,
			 const struct sdes_crypto *rx)
{
	struct rg_srtp *p = rg_srtp_create(RG_SRTP_PROTECT, tx, NULL);
	struct rg_srtp *u = rg_srtp_create(RG_SRTP_UNPROTECT, rx, NULL);
	uint32_t buf[128], plain[128];	/* with RG_SRTP_TRAILER_ROOM */
	uint8_t *b = (uint8_t *)buf;
	size_t len = 12 + 160, i;
	bool ok = false;

	memset(buf, 0, sizeof(buf));
	b[0] = 0x80;
	b[3] = 7;
	b[11] = 0x42;	/* SSRC */
	for (i = 12; i < len; i++)
		b[i] = (uint8_t)i;
	memcpy(plain, buf, sizeof(buf));
	if (p && u && !rg_srtp_protect(p, b, &len, sizeof(buf)) &&
	    len > 172 && memcmp(b + 12, (uint8_t *)plain + 12, 160) &&
	    !rg_srtp_unprotect(u, b, &len))
		ok = len == 172 && !memcmp(buf, plain, len);
	rg_srtp_destroy(p);
	rg_srtp_destroy(u);
	return ok;
}

static void srtp_from_one_side_is_unprotected_by_the_other(void)
{
	struct sdes_crypto ctx, crx, stx, srx;
	struct pair p;

	CHECK(pair_setup(&p));
	pair_run(&p);
	CHECK_INT(rg_dtls_srtp_keys(p.client, &ctx, &crx), 0);
	CHECK_INT(rg_dtls_srtp_keys(p.server, &stx, &srx), 0);
	CHECK(srtp_crosses(&ctx, &srx));
	CHECK(srtp_crosses(&stx, &crx));
	CHECK(!srtp_crosses(&ctx, &crx));
	pair_free(&p);
}

/* One side expects the wrong certificate (its own peer's fingerprint is
 * replaced by the other side's own): that side fails with the reason and
 * sends an alert, and the other side fails on it. Neither has keys. */
static bool wrong_fingerprint_fails(bool client_wrong)
{
	struct sdes_crypto tx, rx;
	struct rg_dtls *wrong, *other;
	const char *err;
	struct pair p;
	bool ok;

	if (!pair_certs(&p))
		return false;
	if (client_wrong)
		ok = pair_make(&p, p.cfp, p.cfp);
	else
		ok = pair_make(&p, p.sfp, p.sfp);
	wrong = client_wrong ? p.client : p.server;
	other = client_wrong ? p.server : p.client;
	if (ok)
		pair_run(&p);
	err = rg_dtls_error(wrong);
	ok = ok && rg_dtls_state(wrong) == RG_DTLS_FAILED &&
	     err && !strcmp(err, "fingerprint mismatch") &&
	     rg_dtls_state(other) == RG_DTLS_FAILED && rg_dtls_error(other) &&
	     rg_dtls_srtp_keys(wrong, &tx, &rx) == -ENOTCONN &&
	     rg_dtls_srtp_keys(other, &tx, &rx) == -ENOTCONN &&
	     rg_dtls_timeout_us(p.client) == -1;
	pair_free(&p);
	return ok;
}

static void a_client_expecting_another_certificate_fails(void)
{
	CHECK(wrong_fingerprint_fails(true));
}

static void a_server_expecting_another_certificate_fails(void)
{
	CHECK(wrong_fingerprint_fails(false));
}

static void a_fingerprint_given_later_completes_the_handshake(void)
{
	struct sdes_crypto ctx, crx, stx, srx;
	struct pair p;

	CHECK(pair_certs(&p));
	CHECK(pair_make(&p, p.sfp, NULL));
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_HANDSHAKING);
	CHECK_INT(rg_dtls_srtp_keys(p.server, &stx, &srx), -ENOTCONN);
	CHECK_INT(rg_dtls_set_peer_fingerprint(p.server, "sha-256", "AB"),
		  -EINVAL);
	CHECK_INT(rg_dtls_set_peer_fingerprint(p.server, NULL, p.cfp), 0);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_set_peer_fingerprint(p.server, NULL, p.cfp),
		  -EALREADY);
	CHECK_INT(rg_dtls_srtp_keys(p.client, &ctx, &crx), 0);
	CHECK_INT(rg_dtls_srtp_keys(p.server, &stx, &srx), 0);
	CHECK(same_key(&ctx, &srx));
	CHECK(same_key(&stx, &crx));
	pair_free(&p);
}

static void a_wrong_fingerprint_given_later_fails_the_handshake(void)
{
	uint8_t buf[RG_DTLS_MTU];
	struct pair p;

	CHECK(pair_certs(&p));
	CHECK(pair_make(&p, p.sfp, NULL));
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_HANDSHAKING);
	CHECK_INT(rg_dtls_set_peer_fingerprint(p.server, "sha-256", p.sfp), 0);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_FAILED);
	CHECK_STR(rg_dtls_error(p.server), "fingerprint mismatch");
	/* The client is told with close_notify. */
	CHECK(rg_dtls_output(p.server, buf, sizeof(buf)) > 0);
	CHECK_INT(buf[0], 21);
	pair_free(&p);
}

static void a_lost_client_hello_is_sent_again_when_the_timer_fires(void)
{
	struct timespec t0, t1;
	struct pair p;
	int64_t us;

	CHECK(pair_setup(&p));
	CHECK_INT(rg_dtls_timeout_us(p.client), -1);
	rg_dtls_start(p.client);
	CHECK_INT(shuttle(&p, p.client, p.server, 1), 0);
	us = rg_dtls_timeout_us(p.client);
	CHECK(us > 500000 && us <= 1000000);	/* RFC 6347: 1 s */
	rg_dtls_on_timer(p.client);	/* early: nothing */
	CHECK_INT(shuttle(&p, p.client, p.server, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fire_timer(p.client);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(t1.tv_sec - t0.tv_sec < 3);
	CHECK_INT(shuttle(&p, p.client, p.server, 0), 1);
	us = rg_dtls_timeout_us(p.client);
	CHECK(us > 1000000 && us <= 2000000);	/* doubled */
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	pair_free(&p);
}

static void a_lost_server_flight_is_sent_again_when_the_timer_fires(void)
{
	struct pair p;

	CHECK(pair_setup(&p));
	rg_dtls_start(p.client);
	CHECK_INT(shuttle(&p, p.client, p.server, 0), 1);
	CHECK(shuttle(&p, p.server, p.client, 99) == 0);	/* all lost */
	CHECK(rg_dtls_timeout_us(p.server) > 0);
	fire_timer(p.server);
	CHECK(shuttle(&p, p.server, p.client, 0) > 0);
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	pair_free(&p);
}

/* The server is done when it sends its last flight; if that is lost, the
 * client's retransmission must make the done server send it again. */
static void a_lost_last_flight_is_sent_again_by_the_finished_server(void)
{
	struct pair p;

	CHECK(pair_setup(&p));
	rg_dtls_start(p.client);
	CHECK_INT(shuttle(&p, p.client, p.server, 0), 1);
	CHECK(shuttle(&p, p.server, p.client, 0) > 0);
	CHECK(shuttle(&p, p.client, p.server, 0) > 0);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_timeout_us(p.server), -1);
	CHECK(shuttle(&p, p.server, p.client, 99) == 0);	/* all lost */
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_HANDSHAKING);
	fire_timer(p.client);
	CHECK(shuttle(&p, p.client, p.server, 0) > 0);
	CHECK(shuttle(&p, p.server, p.client, 0) > 0);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	pair_free(&p);
}

static void datagrams_that_are_not_dtls_are_refused_and_change_nothing(void)
{
	static const uint8_t stun[] = { 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t rtp[] = { 0x80, 0x00, 0x00, 0x01 };
	static const uint8_t low[] = { 19, 0xfe, 0xfd };
	static const uint8_t high[] = { 64, 0xfe, 0xfd };
	static uint8_t huge[65536];
	struct pair p;

	CHECK(pair_setup(&p));
	CHECK_INT(rg_dtls_input(p.server, stun, sizeof(stun)), -EINVAL);
	CHECK_INT(rg_dtls_input(p.server, rtp, sizeof(rtp)), -EINVAL);
	CHECK_INT(rg_dtls_input(p.server, low, sizeof(low)), -EINVAL);
	CHECK_INT(rg_dtls_input(p.server, high, sizeof(high)), -EINVAL);
	CHECK_INT(rg_dtls_input(p.server, stun, 0), -EINVAL);
	huge[0] = 22;
	CHECK_INT(rg_dtls_input(p.server, huge, sizeof(huge)), -EINVAL);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_HANDSHAKING);
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	pair_free(&p);
}

/* A deterministic generator, so that a failure can be replayed. */
static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Random datagrams in DTLS's first-byte range whose version is not DTLS. */
static void feed_noise(struct rg_dtls *d, int count)
{
	uint8_t buf[1500];
	size_t len, i;

	while (count--) {
		len = 1 + rnd() % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		buf[0] = (uint8_t)(20 + rnd() % 44);
		if (len > 1 && buf[1] == 0xfe)
			buf[1] = 0xfd;
		rg_dtls_input(d, buf, len);
	}
}

static void noise_during_the_handshake_is_dropped(void)
{
	struct pair p;
	int i;

	CHECK(pair_setup(&p));
	rg_dtls_start(p.client);
	for (i = 0; i < ROUNDS; i++) {
		feed_noise(p.server, 50);
		feed_noise(p.client, 50);
		if (!shuttle(&p, p.client, p.server, 0) &&
		    !shuttle(&p, p.server, p.client, 0))
			break;
	}
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	feed_noise(p.server, 200);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_DONE);
	pair_free(&p);
}

/* A DTLS 1.2 record (RFC 6347 section 4.1) of @type, epoch 0, holding
 * @len bytes of @body; returns the datagram's length. */
static size_t record(uint8_t *out, uint8_t type, uint64_t seq,
		     const uint8_t *body, size_t len)
{
	int i;

	out[0] = type;
	out[1] = 0xfe;
	out[2] = 0xfd;
	out[3] = 0;
	out[4] = 0;
	for (i = 0; i < 6; i++)
		out[5 + i] = (uint8_t)(seq >> (40 - 8 * i));
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
	memcpy(out + 13, body, len);
	return 13 + len;
}

static void a_malformed_client_hello_fails_the_server_with_an_alert(void)
{
	uint8_t hs[128], dg[256];
	struct pair p;
	size_t n = 0;
	uint8_t body[64];
	size_t blen = 0;

	/* ClientHello body: version, random, empty session id and cookie,
	 * then a cipher suite list of odd length (RFC 5246 7.4.1.2). */
	body[blen++] = 0xfe;
	body[blen++] = 0xfd;
	memset(body + blen, 0x5a, 32);
	blen += 32;
	body[blen++] = 0;
	body[blen++] = 0;
	body[blen++] = 0;
	body[blen++] = 3;
	body[blen++] = 0xc0;
	body[blen++] = 0x2b;
	body[blen++] = 0xc0;
	body[blen++] = 1;
	body[blen++] = 0;
	/* Handshake header: type, length, message_seq, offset, fragment. */
	hs[n++] = 1;
	hs[n++] = 0;
	hs[n++] = 0;
	hs[n++] = (uint8_t)blen;
	memset(hs + n, 0, 5);
	n += 5;
	hs[n++] = 0;
	hs[n++] = 0;
	hs[n++] = (uint8_t)blen;
	memcpy(hs + n, body, blen);
	n += blen;

	CHECK(pair_setup(&p));
	n = record(dg, 22, 0, hs, n);
	CHECK_INT(rg_dtls_input(p.server, dg, n), -EPROTO);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_FAILED);
	CHECK(rg_dtls_error(p.server));
	CHECK_INT(rg_dtls_output(p.server, dg, sizeof(dg)) > 0, 1);
	CHECK_INT(dg[0], 21);	/* an alert */
	CHECK_INT(rg_dtls_input(p.server, dg, n), -EPROTO);
	CHECK_INT(rg_dtls_timeout_us(p.server), -1);
	pair_free(&p);
}

/* Random well-framed records of every content type, in both epochs. */
static void feed_records(struct rg_dtls *d, int count)
{
	uint8_t body[600], dg[700];
	size_t len, i, n;

	while (count--) {
		len = rnd() % sizeof(body);
		for (i = 0; i < len; i++)
			body[i] = (uint8_t)rnd();
		if (len >= 12 && rnd() % 2) {
			/* A handshake header whose lengths may be right. */
			body[0] = (uint8_t)(rnd() % 25);
			body[1] = 0;
			body[2] = (uint8_t)((len - 12) >> 8);
			body[3] = (uint8_t)(len - 12);
			memcpy(body + 9, body + 1, 3);
		}
		n = record(dg, (uint8_t)(20 + rnd() % 4), rnd() % 4, body, len);
		if (rnd() % 4 == 0)
			dg[4] = 1;	/* epoch 1 */
		rg_dtls_input(d, dg, n);
	}
}

static void random_records_never_break_an_endpoint(void)
{
	enum rg_dtls_state s;
	struct pair p;
	int round;

	for (round = 0; round < 20; round++) {
		CHECK(pair_setup(&p));
		rg_dtls_start(p.client);
		shuttle(&p, p.client, p.server, 0);
		if (round % 2)
			shuttle(&p, p.server, p.client, 0);
		feed_records(p.server, 50);
		feed_records(p.client, 50);
		shuttle(&p, p.client, p.server, 0);
		shuttle(&p, p.server, p.client, 0);
		s = rg_dtls_state(p.server);
		CHECK(s == RG_DTLS_HANDSHAKING || s == RG_DTLS_FAILED);
		CHECK(s != RG_DTLS_FAILED || rg_dtls_error(p.server));
		s = rg_dtls_state(p.client);
		CHECK(s == RG_DTLS_HANDSHAKING || s == RG_DTLS_FAILED);
		pair_free(&p);
	}
}

static void closing_one_side_closes_the_other(void)
{
	struct sdes_crypto tx, rx;
	struct pair p;

	CHECK(pair_setup(&p));
	pair_run(&p);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_DONE);
	rg_dtls_close(p.client);
	CHECK_INT(rg_dtls_state(p.client), RG_DTLS_CLOSED);
	CHECK_INT(shuttle(&p, p.client, p.server, 0), 1);
	CHECK_INT(rg_dtls_state(p.server), RG_DTLS_CLOSED);
	CHECK(!rg_dtls_error(p.server));
	CHECK_INT(rg_dtls_srtp_keys(p.server, &tx, &rx), -ENOTCONN);
	CHECK_INT(shuttle(&p, p.server, p.client, 0), 1);	/* its answer */
	pair_free(&p);
}

static void an_endpoint_destroyed_mid_handshake_frees_everything(void)
{
	struct pair p;

	/* Queued datagrams on both sides; LSan checks the rest. */
	CHECK(pair_setup(&p));
	rg_dtls_start(p.client);
	shuttle(&p, p.client, p.server, 0);
	rg_dtls_cert_destroy(p.ccert);	/* before its endpoint */
	p.ccert = NULL;
	pair_free(&p);
	rg_dtls_destroy(NULL);
	rg_dtls_cert_destroy(NULL);
}

static const struct test_case cases[] = {
	{ "a fingerprint is uppercase hex pairs joined by colons for sha-1, "
	  "sha-224, sha-256, sha-384 and sha-512",
	  a_fingerprint_is_uppercase_hex_pairs_for_each_hash },
	{ "the default fingerprint hash is sha-256; md5 and unknown names "
	  "are refused; a short buffer gets -ENOSPC",
	  the_default_hash_is_sha256_and_others_are_refused },
	{ "each certificate has its own key and fingerprint",
	  each_certificate_has_its_own_key },
	{ "malformed peer fingerprints are refused with a reason; lower case "
	  "hex is accepted", malformed_peer_fingerprints_are_refused },
	{ "a client and a server complete the handshake in memory, agree on "
	  "AES-256-GCM and export mirrored keys",
	  client_and_server_complete_the_handshake_in_memory },
	{ "SRTP protected with one side's tx key is unprotected with the "
	  "other side's rx key", srtp_from_one_side_is_unprotected_by_the_other },
	{ "a client given the wrong fingerprint fails with \"fingerprint "
	  "mismatch\" and no keys, and the server fails on its alert",
	  a_client_expecting_another_certificate_fails },
	{ "a server given the wrong fingerprint fails with \"fingerprint "
	  "mismatch\" and no keys, and the client fails on its alert",
	  a_server_expecting_another_certificate_fails },
	{ "a fingerprint given after the handshake completes it",
	  a_fingerprint_given_later_completes_the_handshake },
	{ "a wrong fingerprint given after the handshake fails it and sends "
	  "close_notify", a_wrong_fingerprint_given_later_fails_the_handshake },
	{ "a lost ClientHello is sent again when the timer fires after 1 s",
	  a_lost_client_hello_is_sent_again_when_the_timer_fires },
	{ "a lost server flight is sent again when the server's timer fires",
	  a_lost_server_flight_is_sent_again_when_the_timer_fires },
	{ "a lost last flight is sent again by the finished server when the "
	  "client retransmits",
	  a_lost_last_flight_is_sent_again_by_the_finished_server },
	{ "datagrams that are not DTLS are refused and change nothing",
	  datagrams_that_are_not_dtls_are_refused_and_change_nothing },
	{ "noise in DTLS's first-byte range is dropped during and after the "
	  "handshake", noise_during_the_handshake_is_dropped },
	{ "a malformed ClientHello fails the server with a reason and an alert",
	  a_malformed_client_hello_fails_the_server_with_an_alert },
	{ "random well-framed records never crash an endpoint mid-handshake",
	  random_records_never_break_an_endpoint },
	{ "closing one side sends close_notify and closes the other",
	  closing_one_side_closes_the_other },
	{ "endpoints destroyed mid-handshake, after their certificate, free "
	  "everything", an_endpoint_destroyed_mid_handshake_frees_everything },
};

TEST_MAIN(cases)
