/* webrtc_peer.h - the state of tests/tools/webrtc_peer, shared by its
 * files: webrtc_peer.c (options, ICE, the loop, media, the report) and
 * webrtc_dtls.c (DTLS-SRTP on OpenSSL and libsrtp2).
 */
#ifndef WEBRTC_PEER_H
#define WEBRTC_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>
#include <srtp2/srtp.h>

#define FP_MAX		64	/* SHA-512 */
#define CHECK_SENDS	7	/* transmissions of one check (RFC 8489 Rc) */
#define CRED_MAX	256

enum ice_mode {
	ICE_FULL,	/* controlling agent: checks with USE-CANDIDATE */
	ICE_CONTROLLED,	/* full agent answering an offer: checks without
			 * USE-CANDIDATE; nominated by the peer's */
	ICE_LITE,	/* answers checks only; nominated by USE-CANDIDATE */
	ICE_NONE,	/* no STUN at all: DTLS straight away */
};

enum dtls_state {
	DTLS_IDLE,
	DTLS_RUNNING,
	DTLS_OK,
	DTLS_FAILED,
};

struct options {
	struct sockaddr_storage local, remote;
	const char *local_ufrag, *local_pwd, *remote_ufrag, *remote_pwd;
	const char *cert, *key, *profiles;
	const EVP_MD *fp_md;
	uint8_t fp[FP_MAX];
	unsigned int fp_len;
	bool client;
	enum ice_mode ice;
	long send, expect, expect_rtcp, drop_dtls;
	uint32_t ssrc, expect_ssrc;
	bool has_expect_ssrc;
	int pt;
	long timeout_ms, linger_ms;
	bool print_keys, control;
};

struct peer {
	struct options o;
	int fd;

	/* ICE */
	bool ice_done, restarting;
	long ice_restarts;
	char creds[4][CRED_MAX + 1];	/* after a restart: local ufrag, pwd,
					 * remote ufrag, pwd */
	uint8_t tids[4][12];	/* the last checks sent, newest first */
	int tx_count;		/* transmissions of tids[0] */
	int64_t next_check, rto;
	uint64_t tiebreaker;
	long ice_responses, ice_errors, ice_bad, ice_answered, stun_refused;
	int last_error_code;

	/* DTLS-SRTP */
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio;
	enum dtls_state dtls;
	char dtls_error[160];
	bool fp_mismatch;
	const char *profile;
	char keys_hex[2 * 88 + 1];
	srtp_t tx, rx;

	/* media */
	long sent, rtcp_sent, received, payload_ok, unprotect_failed;
	long rtcp_received, rtcp_unprotect_failed, other, dtls_dropped;
	int64_t next_rtp, next_rtcp, dtls_done_at;
	uint16_t seq;
	uint32_t ts;
	char from[64];

	/* --control: stdin, one command per line */
	char ctl[1024];
	size_t ctl_len;
	bool ctl_closed;
};

int64_t now_ms(void);

/* Sends @len octets to @to from the peer's socket. */
void send_to_peer(struct peer *p, const uint8_t *buf, size_t len,
		  const struct sockaddr_storage *to);

bool addr_equal(const struct sockaddr_storage *a,
		const struct sockaddr_storage *b);

/* webrtc_ice.c: checks, retransmissions and consent checks due at @now. */
void ice_timer(struct peer *p, int64_t now);

/* A STUN datagram (first octet 0-3) from @from. */
void stun_input(struct peer *p, const uint8_t *buf, size_t len,
		const struct sockaddr_storage *from);

/* An ICE restart with @creds: local ufrag, local pwd, remote ufrag,
 * remote pwd. */
void ice_restart(struct peer *p, char *const creds[4]);

/* Sets up OpenSSL for @p (certificate, key, use_srtp, the fingerprint
 * check). Returns 0, or -1 with a reason on stderr. */
int dtls_setup(struct peer *p);

/* Starts the handshake (client) or waits for it (server). */
void dtls_start(struct peer *p);

/* A DTLS datagram from the peer. */
void dtls_input(struct peer *p, const uint8_t *buf, size_t len);

/* Milliseconds until OpenSSL's retransmission timer, -1 if none. */
int64_t dtls_timeout(struct peer *p);

/* Retransmits a flight whose timer ran out. */
void dtls_on_timer(struct peer *p);

void dtls_cleanup(struct peer *p);

#endif
