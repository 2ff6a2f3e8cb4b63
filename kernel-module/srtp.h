/* SPDX-License-Identifier: GPL-2.0 */
/*
 * srtp.h - SRTP for one direction of a target with the kernel crypto
 * API: AES-CM (128 or 256) with HMAC-SHA1 (RFC 3711, RFC 6188), or
 * AES-GCM (RFC 7714); the packet index and replay window per SSRC from
 * lib/srtp_index.c.
 *
 * A context holds session keys (the daemon derived them) and transform
 * objects allocated when the target is added or updated, in process
 * context; the packet path only uses them (a sync skcipher request and an
 * shash descriptor on the stack: no allocation, no sleeping). Contexts
 * are reference-counted: the current and the previous struct rtpg_fwd of
 * a target may share one across an update that kept the keys. The last
 * reference frees it from a work item (crypto transforms are freed in
 * process context).
 */
#ifndef RTPG_SRTP_H
#define RTPG_SRTP_H

#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "rtp.h"
#include "rtpgate_abi.h"
#include "srtp_index.h"

struct crypto_aead;
struct crypto_sync_skcipher;
struct crypto_shash;

/* What a netlink request asks for one direction; the lengths are the
 * suite's, unused octets zero. */
struct rtpg_srtp_params {
	u8 suite;			/* enum rtpg_srtp_suite */
	u8 tag_len;
	u8 cipher_key[RTPG_SRTP_KEY_MAX];
	u8 salt[RTPG_SRTP_SALT_MAX];
	u8 auth_key[RTPG_SRTP_AUTH_KEY_LEN];
	unsigned int nstate;		/* entries of state[] */
	struct rtpg_srtp_ssrc state[RTPG_SSRC_MAX];
};

struct rtpg_srtp_stream {
	u32 ssrc;
	struct srtp_index index;
};

struct rtpg_srtp {
	struct kref ref;
	struct work_struct free_work;
	u8 suite;
	u8 tag_len;
	u8 key_len, salt_len;			/* rtpg_suite_lengths() */
	bool aead;				/* AES-GCM: no auth key */
	u8 cipher_key[RTPG_SRTP_KEY_MAX];	/* kept to compare updates with */
	u8 salt[RTPG_SRTP_SALT_MAX];
	u8 auth_key[RTPG_SRTP_AUTH_KEY_LEN];
	struct crypto_sync_skcipher *ctr;	/* AES-CM: "ctr(aes)", keyed */
	struct crypto_shash *hmac;		/* AES-CM: "hmac(sha1)", keyed */
	struct crypto_aead *gcm;		/* AES-GCM: "gcm(aes)", keyed */
	spinlock_t lock;			/* protects used and streams[] */
	unsigned int used;
	struct rtpg_srtp_stream streams[RTPG_SSRC_MAX];
};

/* Sets up and tears down the work queue contexts are freed on. */
int rtpg_srtp_init(void);
void rtpg_srtp_exit(void);

/* A new context for @p (suite, keys, starting state), or ERR_PTR:
 * -ENOENT when the kernel lacks ctr(aes), hmac(sha1) or a synchronous
 * gcm(aes), -ENOMEM, or a crypto error. Process context. */
struct rtpg_srtp *rtpg_srtp_create(const struct rtpg_srtp_params *p);

/* Whether @s was made with @p's suite and keys. */
bool rtpg_srtp_same_keys(const struct rtpg_srtp *s,
			 const struct rtpg_srtp_params *p);

/* Takes a reference on @s (NULL allowed) and returns @s. */
struct rtpg_srtp *rtpg_srtp_get(struct rtpg_srtp *s);

/* Drops a reference (NULL allowed); any context. */
void rtpg_srtp_put(struct rtpg_srtp *s);

/* The RTP packet of *@len bytes at @pkt, whose header is @h (parsed
 * without the tag), authenticated, replay-checked and decrypted in place;
 * *@len loses the tag. Returns 0, -EBADMSG (tag wrong or missing),
 * -EALREADY (replay or too old), -ENOSPC (a new SSRC and no room: hand it
 * up, nothing was changed), or another errno (cipher failure). With
 * AES-GCM the payload may have been decrypted when the tag was wrong
 * (the packet is dropped anyway). Any context; takes s->lock. */
int rtpg_srtp_decrypt(struct rtpg_srtp *s, u8 *pkt, size_t *len,
		      const struct rtp_header *h);

/* The RTP packet of *@len bytes at @pkt encrypted in place and its tag
 * appended: the caller has s->tag_len bytes of room after it; *@len grows
 * by them. Returns 0, -ENOSPC (a new SSRC and no room: nothing changed)
 * or a cipher error. Any context; takes s->lock. */
int rtpg_srtp_encrypt(struct rtpg_srtp *s, u8 *pkt, size_t *len,
		      const struct rtp_header *h);

/* Copies the per-SSRC state into @out (RTPG_SSRC_MAX entries of room);
 * returns how many. Takes s->lock. */
unsigned int rtpg_srtp_state(struct rtpg_srtp *s, struct rtpg_srtp_ssrc *out);

#endif
