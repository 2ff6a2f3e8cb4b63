/* dtls.c - DTLS-SRTP endpoint on OpenSSL's libssl, see dtls.h.
 *
 * OpenSSL reads and writes through two BIOs of our own kind: queues of
 * whole datagrams. A memory BIO would do for neither direction: it runs
 * the datagrams of a flight together, and DTLS needs their boundaries
 * (RFC 6347 section 4.1.1: a record never spans datagrams, but a datagram
 * may hold several records). OpenSSL packs a flight's messages into
 * datagrams of at most the MTU itself, through a buffering BIO it pushes
 * above ours during the handshake; each write that reaches us is one
 * datagram.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "dtls.h"

#define QUEUE_LEN	16	/* datagrams held in each direction */
#define DGRAM_MAX	65535	/* longest datagram taken in */
#define READ_ROUNDS	64	/* SSL_read calls per input, at most */
#define SRTP_LABEL	"EXTRACTOR-dtls_srtp"	/* RFC 5764 section 4.2 */

/* Forward-secret suites only; which of them apply follows from the
 * certificates (ours is ECDSA, a peer's may be RSA). */
#define CIPHERS		"ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL"
/* In our order of preference: a server picks the first the client offers. */
#define PROFILES	"SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:" \
			"SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"

struct rg_dtls_cert {
	SSL_CTX *ctx;	/* holds the key and certificate */
	X509 *x509;
};

struct rg_dtls {
	SSL *ssl;
	BIO *rbio, *wbio;	/* ours, under any BIO OpenSSL pushes */
	enum rg_dtls_role role;
	enum rg_dtls_state state;
	const char *error;	/* static; the first reason wins */
	bool started;
	bool handshake_done;	/* OpenSSL's part; verification may wait */
	unsigned retransmits;
	const EVP_MD *fp_md;	/* NULL: the peer's fingerprint is not known */
	uint8_t fp[EVP_MAX_MD_SIZE];
	unsigned fp_len;
};

/* ---- a BIO that queues whole datagrams --------------------------------- */

struct dgram {
	size_t len;
	uint8_t data[];
};

struct dgram_queue {
	struct dgram *slot[QUEUE_LEN];
	unsigned head, count;
};

static int queue_push(struct dgram_queue *q, const void *p, size_t len)
{
	struct dgram *dg;

	if (q->count == QUEUE_LEN)
		return -ENOBUFS;
	dg = malloc(sizeof(*dg) + len);
	if (!dg)
		return -ENOMEM;
	dg->len = len;
	memcpy(dg->data, p, len);
	q->slot[(q->head + q->count) % QUEUE_LEN] = dg;
	q->count++;
	return 0;
}

/* The oldest datagram, now the caller's to free; NULL when empty. */
static struct dgram *queue_pop(struct dgram_queue *q)
{
	struct dgram *dg;

	if (!q->count)
		return NULL;
	dg = q->slot[q->head];
	q->head = (q->head + 1) % QUEUE_LEN;
	q->count--;
	return dg;
}

static void queue_clear(struct dgram_queue *q)
{
	while (q->count)
		free(queue_pop(q));
}

static int dgram_bio_write(BIO *b, const char *in, int len)
{
	BIO_clear_retry_flags(b);
	if (len <= 0)
		return 0;
	/* A full queue loses the datagram, as a network would. */
	queue_push(BIO_get_data(b), in, (size_t)len);
	return len;
}

static int dgram_bio_read(BIO *b, char *out, int outl)
{
	struct dgram *dg = queue_pop(BIO_get_data(b));
	size_t n;

	BIO_clear_retry_flags(b);
	if (!dg) {
		BIO_set_retry_read(b);
		return -1;
	}
	n = dg->len < (size_t)outl ? dg->len : (size_t)outl;
	memcpy(out, dg->data, n);
	free(dg);
	return (int)n;
}

static long dgram_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return RG_DTLS_MTU;
	default:
		/* Notably BIO_CTRL_WPENDING: 0, for each write is a datagram
		 * of its own and takes nothing from the next one's room. */
		return 0;
	}
}

static int dgram_bio_create(BIO *b)
{
	struct dgram_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return 0;
	BIO_set_data(b, q);
	BIO_set_init(b, 1);
	return 1;
}

static int dgram_bio_destroy(BIO *b)
{
	struct dgram_queue *q = BIO_get_data(b);

	if (q) {
		queue_clear(q);
		free(q);
	}
	BIO_set_data(b, NULL);
	return 1;
}

static BIO_METHOD *dgram_method;
static pthread_once_t dgram_once = PTHREAD_ONCE_INIT;

/* Made once per process and kept: OpenSSL's global state. */
static void dgram_method_init(void)
{
	BIO_METHOD *m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
			 "rtpgate datagram queue");
	if (!m)
		return;
	if (!BIO_meth_set_write(m, dgram_bio_write) ||
	    !BIO_meth_set_read(m, dgram_bio_read) ||
	    !BIO_meth_set_ctrl(m, dgram_bio_ctrl) ||
	    !BIO_meth_set_create(m, dgram_bio_create) ||
	    !BIO_meth_set_destroy(m, dgram_bio_destroy)) {
		BIO_meth_free(m);
		return;
	}
	dgram_method = m;
}

static BIO *dgram_bio_new(void)
{
	pthread_once(&dgram_once, dgram_method_init);
	return dgram_method ? BIO_new(dgram_method) : NULL;
}

static struct dgram_queue *bio_queue(BIO *b)
{
	return BIO_get_data(b);
}

/* ---- fingerprints (RFC 8122 section 5) ---------------------------------- */

static const EVP_MD *hash_find(const char *name)
{
	if (!name || !strcasecmp(name, "sha-256"))
		return EVP_sha256();
	if (!strcasecmp(name, "sha-1"))
		return EVP_sha1();
	if (!strcasecmp(name, "sha-224"))
		return EVP_sha224();
	if (!strcasecmp(name, "sha-384"))
		return EVP_sha384();
	if (!strcasecmp(name, "sha-512"))
		return EVP_sha512();
	return NULL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses "AB:CD:..." of exactly @want bytes into @out. */
static int fp_parse(const char *s, uint8_t *out, unsigned want)
{
	unsigned i;
	int hi, lo;

	for (i = 0; i < want; i++, s += 3) {
		hi = hex_value(s[0]);
		lo = hi < 0 ? -1 : hex_value(s[1]);
		if (lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
		if (s[2] != (i + 1 < want ? ':' : '\0'))
			return -EINVAL;
	}
	return 0;
}

/* Takes the peer's fingerprint into @d; @err gets a static reason. */
static int fp_set(struct rg_dtls *d, const char *hash, const char *fp,
		  const char **err)
{
	const EVP_MD *md = hash_find(hash);
	int len;

	if (!md) {
		*err = "unsupported fingerprint hash";
		return -EINVAL;
	}
	len = EVP_MD_get_size(md);
	if (len <= 0 || len > EVP_MAX_MD_SIZE || !fp ||
	    fp_parse(fp, d->fp, (unsigned)len) < 0) {
		*err = "bad fingerprint";
		return -EINVAL;
	}
	d->fp_len = (unsigned)len;
	d->fp_md = md;
	return 0;
}

static bool fp_matches(const struct rg_dtls *d, const X509 *cert)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!cert || !X509_digest(cert, d->fp_md, md, &len))
		return false;
	return len == d->fp_len && CRYPTO_memcmp(md, d->fp, len) == 0;
}

int rg_dtls_cert_fingerprint(const struct rg_dtls_cert *cert, const char *hash,
			     char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const EVP_MD *md = hash_find(hash);
	uint8_t dg[EVP_MAX_MD_SIZE];
	unsigned len = 0, i;

	if (!md || !X509_digest(cert->x509, md, dg, &len) || !len) {
		ERR_clear_error();
		return -EINVAL;
	}
	if (outlen < 3 * (size_t)len)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		out[3 * i] = hex[dg[i] >> 4];
		out[3 * i + 1] = hex[dg[i] & 15];
		out[3 * i + 2] = i + 1 < len ? ':' : '\0';
	}
	return (int)(3 * len - 1);
}

/* ---- the certificate and the shared context ----------------------------- */

static int verify_peer(int ok, X509_STORE_CTX *store);

/* A self-signed v3 certificate for @key: CN "rtpgate", random serial. */
static X509 *cert_make(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name;
	uint64_t serial = 0;

	if (!x || !X509_set_version(x, X509_VERSION_3) ||
	    RAND_bytes((uint8_t *)&serial, sizeof(serial)) != 1)
		goto fail;
	/* Positive and not 0 (RFC 5280 section 4.1.2.2). */
	serial = (serial & INT64_MAX) | 1;
	if (!ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -30L * 86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) ||
	    !X509_set_pubkey(x, key))
		goto fail;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"rtpgate", -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_sign(x, key, EVP_sha256()))
		goto fail;
	return x;
fail:
	X509_free(x);
	return NULL;
}

static SSL_CTX *ctx_make(X509 *x509, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

	if (!ctx)
		return NULL;
	/* DTLS 1.3 is not in OpenSSL 3.0: 1.2 only (RFC 6347). */
	if (!SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_use_certificate(ctx, x509) ||
	    !SSL_CTX_use_PrivateKey(ctx, key) ||
	    !SSL_CTX_check_private_key(ctx) ||
	    !SSL_CTX_set_cipher_list(ctx, CIPHERS) ||
	    SSL_CTX_set_tlsext_use_srtp(ctx, PROFILES) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Our MTU, not the path's; no renegotiation, no resumption. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* Both roles ask for the peer's certificate (RFC 5763 section 5). */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   verify_peer);
	SSL_CTX_set_verify_depth(ctx, 4);
	return ctx;
}

struct rg_dtls_cert *rg_dtls_cert_create(const char **err)
{
	struct rg_dtls_cert *c = calloc(1, sizeof(*c));
	EVP_PKEY *key = NULL;
	const char *why = "out of memory";

	if (!c)
		goto fail;
	key = EVP_EC_gen("P-256");
	why = "cannot make a P-256 key";
	if (!key)
		goto fail;
	c->x509 = cert_make(key);
	why = "cannot make a certificate";
	if (!c->x509)
		goto fail;
	c->ctx = ctx_make(c->x509, key);
	why = "cannot set up a DTLS context";
	if (!c->ctx)
		goto fail;
	EVP_PKEY_free(key);	/* the context holds it */
	ERR_clear_error();
	return c;
fail:
	EVP_PKEY_free(key);
	rg_dtls_cert_destroy(c);
	ERR_clear_error();
	if (err)
		*err = why;
	return NULL;
}

void rg_dtls_cert_destroy(struct rg_dtls_cert *cert)
{
	if (!cert)
		return;
	SSL_CTX_free(cert->ctx);
	X509_free(cert->x509);
	free(cert);
}

/* ---- the endpoint ---------------------------------------------------------- */

/* The fingerprint is the only trust (RFC 5763 section 5): the chain, the
 * dates and the names do not matter; the leaf (depth 0) must match. With
 * no fingerprint yet, the check waits for rg_dtls_set_peer_fingerprint(). */
static int verify_peer(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
					      SSL_get_ex_data_X509_STORE_CTX_idx());
	struct rg_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!d)
		return 0;
	if (X509_STORE_CTX_get_error_depth(store) != 0 || !d->fp_md)
		return 1;
	if (fp_matches(d, X509_STORE_CTX_get_current_cert(store)))
		return 1;
	if (!d->error)
		d->error = "fingerprint mismatch";
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

static void fail(struct rg_dtls *d, const char *why)
{
	if (d->state == RG_DTLS_FAILED)
		return;
	d->state = RG_DTLS_FAILED;
	if (!d->error)
		d->error = why;
}

/* Fails a handshake OpenSSL finished, telling the peer with close_notify
 * (the only alert a finished connection can send). */
static void reject(struct rg_dtls *d, const char *why)
{
	fail(d, why);
	SSL_shutdown(d->ssl);
}

/* The reason OpenSSL queued, or @dflt. */
static const char *ssl_reason(const char *dflt)
{
	unsigned long e = ERR_peek_last_error();
	const char *s = e ? ERR_reason_error_string(e) : NULL;

	return s ? s : dflt;
}

static const struct sdes_suite *profile_suite(const SRTP_PROTECTION_PROFILE *p)
{
	if (!p)
		return NULL;
	switch (p->id) {
	case SRTP_AEAD_AES_256_GCM:
		return sdes_suite_at(SDES_AEAD_AES_256_GCM);
	case SRTP_AEAD_AES_128_GCM:
		return sdes_suite_at(SDES_AEAD_AES_128_GCM);
	case SRTP_AES128_CM_SHA1_80:
		return sdes_suite_at(SDES_AES_CM_128_HMAC_SHA1_80);
	case SRTP_AES128_CM_SHA1_32:
		return sdes_suite_at(SDES_AES_CM_128_HMAC_SHA1_32);
	default:
		return NULL;
	}
}

/* OpenSSL's handshake is over: keys are usable once the profile is
 * agreed and the certificate matches the fingerprint. */
static void verify_done(struct rg_dtls *d)
{
	if (d->state != RG_DTLS_HANDSHAKING || !d->handshake_done)
		return;
	if (!profile_suite(SSL_get_selected_srtp_profile(d->ssl))) {
		reject(d, "no SRTP profile agreed");
		return;
	}
	if (!d->fp_md)
		return;
	/* The callback checked it already; this holds even without one. */
	if (!fp_matches(d, SSL_get0_peer_certificate(d->ssl))) {
		reject(d, "fingerprint mismatch");
		return;
	}
	d->state = RG_DTLS_DONE;
}

/* What an SSL call's failure @r means for @d. */
static void ssl_result(struct rg_dtls *d, int r)
{
	switch (SSL_get_error(d->ssl, r)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return;
	case SSL_ERROR_ZERO_RETURN:
		/* The peer's close_notify: answer it (RFC 5246 7.2.1). */
		if (d->state != RG_DTLS_FAILED)
			d->state = RG_DTLS_CLOSED;
		SSL_shutdown(d->ssl);
		return;
	default:
		fail(d, ssl_reason("handshake failed"));
	}
}

/* Runs OpenSSL on what arrived: the handshake, then records after it
 * (alerts, the peer's retransmitted last flight; data is discarded). */
static void drive(struct rg_dtls *d)
{
	uint8_t sink[2048];
	int r, i;

	ERR_clear_error();
	if (!d->handshake_done) {
		r = SSL_do_handshake(d->ssl);
		if (r != 1) {
			ssl_result(d, r);
			goto out;
		}
		d->handshake_done = true;
		verify_done(d);
	}
	for (i = 0; i < READ_ROUNDS && d->state != RG_DTLS_FAILED &&
		    d->state != RG_DTLS_CLOSED; i++) {
		r = SSL_read(d->ssl, sink, sizeof(sink));
		if (r <= 0) {
			ssl_result(d, r);
			break;
		}
	}
out:
	OPENSSL_cleanse(sink, sizeof(sink));
	ERR_clear_error();
}

struct rg_dtls *rg_dtls_create(const struct rg_dtls_cert *cert,
			       enum rg_dtls_role role, const char *peer_hash,
			       const char *peer_fp, const char **err)
{
	struct rg_dtls *d = calloc(1, sizeof(*d));
	const char *why = "out of memory";

	if (!d)
		goto fail;
	d->role = role;
	if (peer_fp && fp_set(d, peer_hash, peer_fp, &why) < 0)
		goto fail_free;
	why = "cannot set up a DTLS endpoint";
	d->ssl = SSL_new(cert->ctx);
	if (!d->ssl)
		goto fail_free;
	d->rbio = dgram_bio_new();
	if (!d->rbio)
		goto fail_ssl;
	d->wbio = dgram_bio_new();
	if (!d->wbio)
		goto fail_rbio;
	SSL_set_bio(d->ssl, d->rbio, d->wbio);	/* the SSL owns them now */
	if (!SSL_set_mtu(d->ssl, RG_DTLS_MTU) || !SSL_set_app_data(d->ssl, d))
		goto fail_ssl;
	if (role == RG_DTLS_CLIENT)
		SSL_set_connect_state(d->ssl);
	else
		SSL_set_accept_state(d->ssl);
	ERR_clear_error();
	return d;

fail_rbio:
	BIO_free(d->rbio);
fail_ssl:
	SSL_free(d->ssl);
fail_free:
	free(d);
fail:
	ERR_clear_error();
	if (err)
		*err = why;
	return NULL;
}

void rg_dtls_destroy(struct rg_dtls *d)
{
	if (!d)
		return;
	SSL_free(d->ssl);	/* frees the BIOs; OpenSSL wipes its keys */
	OPENSSL_cleanse(d, sizeof(*d));
	free(d);
}

int rg_dtls_set_peer_fingerprint(struct rg_dtls *d, const char *peer_hash,
				 const char *peer_fp)
{
	const char *why;

	if (d->fp_md)
		return -EALREADY;
	if (fp_set(d, peer_hash, peer_fp, &why) < 0)
		return -EINVAL;
	ERR_clear_error();
	verify_done(d);
	ERR_clear_error();
	return 0;
}

void rg_dtls_start(struct rg_dtls *d)
{
	if (d->role != RG_DTLS_CLIENT || d->started ||
	    d->state != RG_DTLS_HANDSHAKING)
		return;
	d->started = true;
	drive(d);
}

int rg_dtls_input(struct rg_dtls *d, const uint8_t *pkt, size_t len)
{
	struct dgram_queue *q = bio_queue(d->rbio);

	/* RFC 7983 section 7: 20..63 is DTLS. */
	if (!len || len > DGRAM_MAX || pkt[0] < 20 || pkt[0] > 63)
		return -EINVAL;
	if (d->state == RG_DTLS_FAILED)
		return -EPROTO;
	if (d->state == RG_DTLS_CLOSED)
		return 0;
	/* One datagram at a time: nothing left over joins the next one. */
	queue_clear(q);
	if (queue_push(q, pkt, len) < 0)
		return 0;	/* out of memory: as if lost on the way */
	d->started = true;
	drive(d);
	queue_clear(q);
	return d->state == RG_DTLS_FAILED ? -EPROTO : 0;
}

int rg_dtls_output(struct rg_dtls *d, uint8_t *buf, size_t cap)
{
	struct dgram *dg = queue_pop(bio_queue(d->wbio));
	int n;

	if (!dg)
		return 0;
	if (dg->len > cap) {
		free(dg);
		return -EMSGSIZE;
	}
	memcpy(buf, dg->data, dg->len);
	n = (int)dg->len;
	free(dg);
	return n;
}

int64_t rg_dtls_timeout_us(struct rg_dtls *d)
{
	struct timeval tv;

	if (d->state != RG_DTLS_HANDSHAKING || d->handshake_done ||
	    DTLSv1_get_timeout(d->ssl, &tv) != 1)
		return -1;
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

void rg_dtls_on_timer(struct rg_dtls *d)
{
	if (rg_dtls_timeout_us(d) != 0)
		return;
	if (d->retransmits >= RG_DTLS_RETRANSMIT_MAX) {
		fail(d, "handshake timed out");
		return;
	}
	d->retransmits++;
	ERR_clear_error();
	if (DTLSv1_handle_timeout(d->ssl) < 0)
		fail(d, ssl_reason("retransmission failed"));
	ERR_clear_error();
}

void rg_dtls_close(struct rg_dtls *d)
{
	if (d->state == RG_DTLS_FAILED || d->state == RG_DTLS_CLOSED)
		return;
	d->state = RG_DTLS_CLOSED;
	/* Before the handshake is over there is no alert to send. */
	if (d->handshake_done)
		SSL_shutdown(d->ssl);
	ERR_clear_error();
}

enum rg_dtls_state rg_dtls_state(const struct rg_dtls *d)
{
	return d->state;
}

const char *rg_dtls_error(const struct rg_dtls *d)
{
	return d->state == RG_DTLS_FAILED ? d->error : NULL;
}

int rg_dtls_srtp_keys(struct rg_dtls *d, struct sdes_crypto *local_tx,
		      struct sdes_crypto *remote_rx)
{
	uint8_t km[2 * (SDES_KEY_MAX + SDES_SALT_MAX)];
	const struct sdes_suite *s;
	struct sdes_crypto *client, *server;
	size_t k, n;

	if (d->state != RG_DTLS_DONE)
		return -ENOTCONN;
	s = profile_suite(SSL_get_selected_srtp_profile(d->ssl));
	if (!s)
		return -EIO;	/* not reached: DONE means a profile */
	k = s->key_len;
	n = 2 * (k + s->salt_len);
	if (SSL_export_keying_material(d->ssl, km, n, SRTP_LABEL,
				       strlen(SRTP_LABEL), NULL, 0, 0) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	client = d->role == RG_DTLS_CLIENT ? local_tx : remote_rx;
	server = d->role == RG_DTLS_CLIENT ? remote_rx : local_tx;
	memset(client, 0, sizeof(*client));
	memset(server, 0, sizeof(*server));
	client->suite = s;
	server->suite = s;
	/* RFC 5764 section 4.2: client key | server key | client salt |
	 * server salt. */
	memcpy(client->key, km, k);
	memcpy(server->key, km + k, k);
	memcpy(client->salt, km + 2 * k, s->salt_len);
	memcpy(server->salt, km + 2 * k + s->salt_len, s->salt_len);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}
