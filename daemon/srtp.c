/* srtp.c - libsrtp2 behind the interface of srtp.h.
 *
 * The only file that includes libsrtp2. Debian 12's libsrtp2 (2.5) is
 * built against NSS, which provides AES-CM 128/256 and AES-GCM;
 * libsrtp does the key derivation, the rollover counter estimate and the
 * replay window per SSRC. libsrtp is initialised once per process and
 * never shut down: its crypto kernel is read-only after srtp_init().
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "log.h"
#include "srtp.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define RTP_MIN		12	/* fixed header */
#define RTCP_MIN	8	/* header and sender SSRC */
#define WINDOW_MAX	0x7fff	/* libsrtp: window_size < 2^15 */

_Static_assert(RG_SRTP_TRAILER_ROOM >= SRTP_MAX_TRAILER_LEN + 4,
	       "protect needs libsrtp's worst-case trailer and the SRTCP index");
_Static_assert(SDES_MKI_LEN_MAX <= SRTP_MAX_MKI_LEN, "MKI longer than libsrtp's");
_Static_assert(SDES_KEY_MAX + SDES_SALT_MAX <= SRTP_MAX_KEY_LEN, "key too long");

struct rg_srtp {
	srtp_t ctx;
	enum rg_srtp_dir dir;
	unsigned use_mki;	/* 1: packets carry the MKI (key index 0) */
};

/* libsrtp's policy setters per suite; RTCP keeps an 80-bit tag with the
 * _32 suites (RFC 4568 section 6.2, RFC 6188). NULL: not supported.
 * AES-192 is left out on purpose: libsrtp 2.5 derives its session keys
 * with the AES-256 KDF over key || salt || zeros instead of RFC 6188's
 * AES-192 KDF, so its packets would not interoperate. */
typedef void policy_setter(srtp_crypto_policy_t *p);
static policy_setter *const setters[SDES_SUITE_COUNT][2] = {
	[SDES_AEAD_AES_256_GCM] = { srtp_crypto_policy_set_aes_gcm_256_16_auth,
				    srtp_crypto_policy_set_aes_gcm_256_16_auth },
	[SDES_AEAD_AES_128_GCM] = { srtp_crypto_policy_set_aes_gcm_128_16_auth,
				    srtp_crypto_policy_set_aes_gcm_128_16_auth },
	[SDES_AES_256_CM_HMAC_SHA1_80] = { srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
					   srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SDES_AES_256_CM_HMAC_SHA1_32] = { srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
					   srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80 },
	[SDES_AES_CM_128_HMAC_SHA1_80] = { srtp_crypto_policy_set_rtp_default,
					   srtp_crypto_policy_set_rtcp_default },
	[SDES_AES_CM_128_HMAC_SHA1_32] = { srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
					   srtp_crypto_policy_set_rtcp_default },
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status;

static void log_handler(srtp_log_level_t level, const char *msg, void *data)
{
	/* below LOG_ERR, so rg_log's rate limit applies */
	static const int levels[] = {
		[srtp_log_level_error] = LOG_WARNING,
		[srtp_log_level_warning] = LOG_NOTICE,
		[srtp_log_level_info] = LOG_DEBUG,
		[srtp_log_level_debug] = LOG_DEBUG,
	};
	size_t n = strlen(msg);

	while (n > 0 && msg[n - 1] == '\n')
		n--;
	rg_log((size_t)level < ARRAY_LEN(levels) ? levels[level] : LOG_DEBUG,
	       "srtp: %.*s", (int)n, msg);
}

static void init_library(void)
{
	srtp_install_log_handler(log_handler, NULL);
	init_status = srtp_init();
}

static int map_status(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return 0;
	case srtp_err_status_auth_fail:
		return -EBADMSG;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return -EALREADY;
	case srtp_err_status_bad_mki:
		return -ENOKEY;
	case srtp_err_status_key_expired:
		return -EKEYEXPIRED;
	default:
		return -EINVAL;
	}
}

static const char *check_key(const struct sdes_crypto *k)
{
	const struct sdes_suite *s = k ? k->suite : NULL;

	if (!s || (size_t)s->id >= ARRAY_LEN(setters) || s != sdes_suite_at(s->id))
		return "no crypto suite";
	if (!s->supported || !setters[s->id][0])
		return "crypto suite not supported";
	if (k->kdr != 0)
		return "a key derivation rate (KDR) is not supported";
	if (s->aead && (k->flags & (SDES_UNENCRYPTED_SRTP | SDES_UNAUTHENTICATED_SRTP)))
		return "UNENCRYPTED_SRTP or UNAUTHENTICATED_SRTP with an AEAD suite";
	if (k->mki_len > SDES_MKI_LEN_MAX)
		return "MKI too long";
	return NULL;
}

static srtp_sec_serv_t drop_service(srtp_sec_serv_t have, srtp_sec_serv_t drop)
{
	return (srtp_sec_serv_t)(have & ~drop);
}

/* The policy for @k in @dir; its key pointers point at @master and @mk. */
static void fill_policy(srtp_policy_t *p, enum rg_srtp_dir dir,
			const struct sdes_crypto *k, uint8_t *master,
			srtp_master_key_t *mk, srtp_master_key_t **keys)
{
	const struct sdes_suite *s = k->suite;
	unsigned long window = RG_SRTP_WINDOW;

	memset(p, 0, sizeof(*p));
	p->ssrc.type = dir == RG_SRTP_PROTECT ? ssrc_any_outbound : ssrc_any_inbound;
	setters[s->id][0](&p->rtp);
	setters[s->id][1](&p->rtcp);
	if (k->flags & SDES_UNENCRYPTED_SRTP)
		p->rtp.sec_serv = drop_service(p->rtp.sec_serv, sec_serv_conf);
	if (k->flags & SDES_UNAUTHENTICATED_SRTP)
		p->rtp.sec_serv = drop_service(p->rtp.sec_serv, sec_serv_auth);
	if (k->flags & SDES_UNENCRYPTED_SRTCP)
		p->rtcp.sec_serv = drop_service(p->rtcp.sec_serv, sec_serv_conf);
	memcpy(master, k->key, s->key_len);
	memcpy(master + s->key_len, k->salt, s->salt_len);
	if (k->mki_len) {
		keys[0] = mk;
		p->keys = keys;
		p->num_master_keys = 1;
	} else {
		p->key = master;
	}
	if (dir == RG_SRTP_UNPROTECT && k->wsh > window)
		window = k->wsh < WINDOW_MAX ? k->wsh : WINDOW_MAX;
	p->window_size = window;
	p->allow_repeat_tx = dir == RG_SRTP_PROTECT;
}

/* The MKI value big-endian in @len octets, as it appears in packets. */
static void mki_bytes(uint64_t mki, size_t len, uint8_t *out)
{
	size_t i;

	memset(out, 0, len);
	for (i = 0; i < len && i < 8; i++)
		out[len - 1 - i] = (uint8_t)(mki >> (8 * i));
}

struct rg_srtp *rg_srtp_create(enum rg_srtp_dir dir,
			       const struct sdes_crypto *key,
			       const char **err)
{
	uint8_t master[SDES_KEY_MAX + SDES_SALT_MAX], mki[SDES_MKI_LEN_MAX];
	srtp_master_key_t mk = { master, mki, 0 }, *keys[1];
	const char *why = check_key(key);
	srtp_err_status_t st;
	srtp_policy_t policy;
	struct rg_srtp *s;

	if (why)
		goto fail;
	why = "no such direction";
	if (dir != RG_SRTP_PROTECT && dir != RG_SRTP_UNPROTECT)
		goto fail;
	why = "libsrtp failed to initialise";
	if (pthread_once(&init_once, init_library) != 0 ||
	    init_status != srtp_err_status_ok)
		goto fail;
	why = "out of memory";
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	mk.mki_size = key->mki_len;
	mki_bytes(key->mki, key->mki_len, mki);
	fill_policy(&policy, dir, key, master, &mk, keys);
	st = srtp_create(&s->ctx, &policy);
	explicit_bzero(master, sizeof(master));
	if (st != srtp_err_status_ok) {
		if (st != srtp_err_status_alloc_fail)
			why = "libsrtp refused the policy";
		goto fail_free;
	}
	s->dir = dir;
	s->use_mki = key->mki_len ? 1 : 0;
	return s;

fail_free:
	free(s);
fail:
	if (err)
		*err = why;
	return NULL;
}

void rg_srtp_destroy(struct rg_srtp *s)
{
	if (!s)
		return;
	srtp_dealloc(s->ctx);
	free(s);
}

static int check_packet(const struct rg_srtp *s, enum rg_srtp_dir dir,
			const uint8_t *pkt, const size_t *len, size_t min)
{
	if (!s || !pkt || !len || s->dir != dir)
		return -EINVAL;
	/* libsrtp reads and writes the header as 32-bit words */
	if ((uintptr_t)pkt % 4 != 0)
		return -EINVAL;
	if (*len < min || *len > RG_SRTP_PACKET_MAX)
		return -EINVAL;
	return 0;
}

static int check_room(size_t len, size_t cap)
{
	return cap < len || cap - len < RG_SRTP_TRAILER_ROOM ? -ENOBUFS : 0;
}

/* One packet through libsrtp in direction @dir, RTP or RTCP. */
static int transform(struct rg_srtp *s, enum rg_srtp_dir dir, bool rtcp,
		     uint8_t *pkt, size_t *len, size_t cap)
{
	int ret = check_packet(s, dir, pkt, len, rtcp ? RTCP_MIN : RTP_MIN);
	srtp_err_status_t st;
	int n;

	if (ret || (dir == RG_SRTP_PROTECT && (ret = check_room(*len, cap))))
		return ret;
	n = (int)*len;
	if (dir == RG_SRTP_PROTECT)
		st = rtcp ? srtp_protect_rtcp_mki(s->ctx, pkt, &n, s->use_mki, 0) :
			    srtp_protect_mki(s->ctx, pkt, &n, s->use_mki, 0);
	else
		st = rtcp ? srtp_unprotect_rtcp_mki(s->ctx, pkt, &n, s->use_mki) :
			    srtp_unprotect_mki(s->ctx, pkt, &n, s->use_mki);
	ret = map_status(st);
	if (ret == 0)
		*len = (size_t)n;
	return ret;
}

int rg_srtp_protect(struct rg_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	return transform(s, RG_SRTP_PROTECT, false, pkt, len, cap);
}

int rg_srtp_unprotect(struct rg_srtp *s, uint8_t *pkt, size_t *len)
{
	return transform(s, RG_SRTP_UNPROTECT, false, pkt, len, 0);
}

int rg_srtp_protect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t *len,
			 size_t cap)
{
	return transform(s, RG_SRTP_PROTECT, true, pkt, len, cap);
}

int rg_srtp_unprotect_rtcp(struct rg_srtp *s, uint8_t *pkt, size_t *len)
{
	return transform(s, RG_SRTP_UNPROTECT, true, pkt, len, 0);
}

int rg_srtp_roc_get(struct rg_srtp *s, uint32_t ssrc, uint32_t *roc)
{
	if (!s || !roc)
		return -EINVAL;
	return srtp_get_stream_roc(s->ctx, ssrc, roc) == srtp_err_status_ok ? 0 : -ENOENT;
}

int rg_srtp_roc_set(struct rg_srtp *s, uint32_t ssrc, uint32_t roc)
{
	if (!s)
		return -EINVAL;
	return srtp_set_stream_roc(s->ctx, ssrc, roc) == srtp_err_status_ok ? 0 : -ENOENT;
}
