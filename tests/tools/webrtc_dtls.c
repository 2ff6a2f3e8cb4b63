/* webrtc_dtls.c - DTLS-SRTP for the test WebRTC peer: RFC 5763 (the
 * certificate checked against a=fingerprint), RFC 5764 (use_srtp, the
 * keys exported and split by role), RFC 7714 for the GCM profiles.
 *
 * OpenSSL reads the peer's datagrams from a memory BIO (the socket also
 * carries STUN and SRTP, which the caller demultiplexes) and writes its
 * own straight to the socket with a datagram BIO, one record flight piece
 * per datagram of at most MTU octets.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/x509.h>

#include "webrtc_peer.h"

#define MTU		1200
#define LABEL		"EXTRACTOR-dtls_srtp"	/* RFC 5764 section 4.2 */

typedef void policy_setter(srtp_crypto_policy_t *p);

/* RFC 5764 section 4.1.2 (SRTCP keeps its 80-bit tag with the _32
 * profile) and RFC 7714 section 14.2. */
struct profile {
	unsigned long id;
	const char *name;
	int key_len, salt_len;
	policy_setter *rtp, *rtcp;
};

static const struct profile profiles[] = {
	{ SRTP_AES128_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80", 16, 14,
	  srtp_crypto_policy_set_rtp_default, srtp_crypto_policy_set_rtp_default },
	{ SRTP_AES128_CM_SHA1_32, "SRTP_AES128_CM_SHA1_32", 16, 14,
	  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	  srtp_crypto_policy_set_rtp_default },
	{ SRTP_AEAD_AES_128_GCM, "SRTP_AEAD_AES_128_GCM", 16, 12,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ SRTP_AEAD_AES_256_GCM, "SRTP_AEAD_AES_256_GCM", 32, 12,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth,
	  srtp_crypto_policy_set_aes_gcm_256_16_auth },
};

static void fail(struct peer *p, const char *why)
{
	unsigned long e = ERR_peek_last_error();
	const char *lib = e ? ERR_reason_error_string(e) : NULL;

	if (p->dtls == DTLS_FAILED)
		return;
	p->dtls = DTLS_FAILED;
	if (p->fp_mismatch)
		why = "the peer's certificate does not match its fingerprint";
	snprintf(p->dtls_error, sizeof(p->dtls_error), "%s%s%s", why,
		 lib ? ": " : "", lib ? lib : "");
	ERR_clear_error();
}

static bool cert_matches(const struct peer *p, X509 *cert)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	return cert && X509_digest(cert, p->o.fp_md, md, &len) &&
	       len == p->o.fp_len && !memcmp(md, p->o.fp, len);
}

/* Self-signed certificates are the rule (RFC 5763 section 5): the leaf's
 * digest is all that is checked, and a mismatch fails the handshake with a
 * bad_certificate alert. */
static int verify(int ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store,
					      SSL_get_ex_data_X509_STORE_CTX_idx());
	struct peer *p = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!p || X509_STORE_CTX_get_error_depth(store) != 0)
		return p != NULL;
	if (cert_matches(p, X509_STORE_CTX_get_current_cert(store)))
		return 1;
	p->fp_mismatch = true;
	X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
	return 0;
}

int dtls_setup(struct peer *p)
{
	p->ctx = SSL_CTX_new(DTLS_method());
	if (!p->ctx ||
	    !SSL_CTX_set_min_proto_version(p->ctx, DTLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(p->ctx, DTLS1_2_VERSION)) {
		fprintf(stderr, "webrtc_peer: no DTLS 1.2 context\n");
		return -1;
	}
	if (SSL_CTX_use_certificate_file(p->ctx, p->o.cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(p->ctx, p->o.key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(p->ctx) != 1) {
		fprintf(stderr, "webrtc_peer: cannot use --cert %s with --key %s\n",
			p->o.cert, p->o.key);
		return -1;
	}
	/* returns 0 on success, unlike the rest of the API */
	if (SSL_CTX_set_tlsext_use_srtp(p->ctx, p->o.profiles)) {
		fprintf(stderr, "webrtc_peer: bad --profiles %s\n", p->o.profiles);
		return -1;
	}
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   verify);
	return 0;
}

void dtls_start(struct peer *p)
{
	BIO_ADDR *addr = BIO_ADDR_new();
	const struct sockaddr_storage *r = &p->o.remote;
	BIO *wbio = NULL;
	int ok;

	if (p->dtls != DTLS_IDLE)
		return;
	p->dtls = DTLS_RUNNING;
	p->ssl = SSL_new(p->ctx);
	p->rbio = BIO_new(BIO_s_mem());
	wbio = BIO_new_dgram(p->fd, BIO_NOCLOSE);
	if (r->ss_family == AF_INET)
		ok = addr && BIO_ADDR_rawmake(addr, AF_INET,
			&((const struct sockaddr_in *)r)->sin_addr, 4,
			((const struct sockaddr_in *)r)->sin_port);
	else
		ok = addr && BIO_ADDR_rawmake(addr, AF_INET6,
			&((const struct sockaddr_in6 *)r)->sin6_addr, 16,
			((const struct sockaddr_in6 *)r)->sin6_port);
	if (!ok || !p->ssl || !p->rbio || !wbio || !BIO_dgram_set_peer(wbio, addr)) {
		BIO_free(p->rbio);
		BIO_free(wbio);
		p->rbio = NULL;
		BIO_ADDR_free(addr);
		fail(p, "cannot set up the DTLS endpoint");
		return;
	}
	BIO_ADDR_free(addr);
	BIO_set_mem_eof_return(p->rbio, -1);	/* empty: try again later */
	SSL_set_bio(p->ssl, p->rbio, wbio);
	SSL_set_app_data(p->ssl, p);
	SSL_set_options(p->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(p->ssl, MTU);
	if (p->o.client)
		SSL_set_connect_state(p->ssl);
	else
		SSL_set_accept_state(p->ssl);
	dtls_input(p, NULL, 0);
}

static srtp_t session(const struct profile *pr, uint8_t *key, bool rx)
{
	srtp_policy_t pol;
	srtp_t s = NULL;

	memset(&pol, 0, sizeof(pol));
	pr->rtp(&pol.rtp);
	pr->rtcp(&pol.rtcp);
	pol.ssrc.type = rx ? ssrc_any_inbound : ssrc_any_outbound;
	pol.key = key;
	pol.window_size = 128;
	return srtp_create(&s, &pol) == srtp_err_status_ok ? s : NULL;
}

/* RFC 5764 section 4.2: client key | server key | client salt | server
 * salt; each side sends with its own and receives with the other's. */
static int keys_derive(struct peer *p, const struct profile *pr)
{
	int k = pr->key_len, s = pr->salt_len, i;
	uint8_t km[2 * (32 + 14)], mine[46], theirs[46];
	int me = p->o.client ? 0 : 1, other = 1 - me;

	if (SSL_export_keying_material(p->ssl, km, (size_t)(2 * (k + s)), LABEL,
				       strlen(LABEL), NULL, 0, 0) != 1)
		return -1;
	for (i = 0; i < 2 * (k + s); i++)
		sprintf(p->keys_hex + 2 * i, "%02x", km[i]);
	memcpy(mine, km + me * k, (size_t)k);
	memcpy(mine + k, km + 2 * k + me * s, (size_t)s);
	memcpy(theirs, km + other * k, (size_t)k);
	memcpy(theirs + k, km + 2 * k + other * s, (size_t)s);
	p->tx = session(pr, mine, false);
	p->rx = session(pr, theirs, true);
	return p->tx && p->rx ? 0 : -1;
}

static void handshake_done(struct peer *p)
{
	SRTP_PROTECTION_PROFILE *sp = SSL_get_selected_srtp_profile(p->ssl);
	const struct profile *pr = NULL;
	size_t i;

	/* the verify callback ran already; this catches a peer that sent
	 * no certificate in a way OpenSSL let through */
	if (!cert_matches(p, SSL_get0_peer_certificate(p->ssl))) {
		p->fp_mismatch = true;
		fail(p, "fingerprint");
		return;
	}
	for (i = 0; sp && i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (profiles[i].id == sp->id)
			pr = &profiles[i];
	if (!pr) {
		fail(p, "no SRTP protection profile agreed");
		return;
	}
	p->profile = pr->name;
	if (keys_derive(p, pr)) {
		fail(p, "cannot export or use the SRTP keys");
		return;
	}
	p->dtls = DTLS_OK;
	p->next_rtp = p->next_rtcp = p->dtls_done_at = now_ms();
}

/* Feeds @buf (if any) to OpenSSL and lets it make progress. After the
 * handshake, application data and alerts are read and dropped. */
void dtls_input(struct peer *p, const uint8_t *buf, size_t len)
{
	uint8_t sink[2048];
	int r, err;

	if (p->dtls == DTLS_IDLE && buf && !p->o.client)
		dtls_start(p);	/* the client was quicker than our ICE */
	if (p->dtls != DTLS_RUNNING && p->dtls != DTLS_OK)
		return;
	if (buf && BIO_write(p->rbio, buf, (int)len) != (int)len) {
		fail(p, "memory BIO");
		return;
	}
	if (p->dtls == DTLS_OK) {
		while ((r = SSL_read(p->ssl, sink, sizeof(sink))) > 0)
			;
		ERR_clear_error();
		return;
	}
	r = SSL_do_handshake(p->ssl);
	if (r == 1) {
		handshake_done(p);
		return;
	}
	err = SSL_get_error(p->ssl, r);
	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
		fail(p, "handshake failed");
}

int64_t dtls_timeout(struct peer *p)
{
	struct timeval tv;

	if (p->dtls != DTLS_RUNNING || !DTLSv1_get_timeout(p->ssl, &tv))
		return -1;
	return (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
}

void dtls_on_timer(struct peer *p)
{
	if (p->dtls == DTLS_RUNNING && DTLSv1_handle_timeout(p->ssl) < 0)
		fail(p, "retransmissions exhausted");
}

void dtls_cleanup(struct peer *p)
{
	if (p->tx)
		srtp_dealloc(p->tx);
	if (p->rx)
		srtp_dealloc(p->rx);
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
}
