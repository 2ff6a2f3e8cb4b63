// SPDX-License-Identifier: GPL-2.0
/*
 * srtp.c - SRTP for one direction of a target, see srtp.h.
 *
 * RFC 3711: the encrypted portion of an RTP packet is its payload with
 * any padding (section 3.1); AES-CM's counter block for packet index i is
 * (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16) (section 4.1.1), which
 * is what ctr(aes) counts up from; the tag is HMAC-SHA1 over header,
 * encrypted payload and ROC, truncated (section 4.2). RFC 7714: AES-GCM
 * with the header as associated data and the 12-octet IV salt XOR
 * (0x0000 || SSRC || ROC || SEQ) (sections 8.1, 9.1); its request is
 * allocated GFP_ATOMIC per packet (there is no on-stack AEAD request). The index is
 * estimated and the window checked before authentication, and both are
 * updated only after it (section 3.3.1), under the context's lock taken
 * twice: the crypto itself runs unlocked.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "srtp.h"

#define BLOCK		16
#define SHA1_LEN	20
#define GCM_IV_LEN	12

static struct workqueue_struct *free_wq;

int rtpg_srtp_init(void)
{
	free_wq = alloc_workqueue("rtpgate_srtp", 0, 0);
	return free_wq ? 0 : -ENOMEM;
}

void rtpg_srtp_exit(void)
{
	destroy_workqueue(free_wq);	/* runs what is queued first */
}

static void srtp_free(struct rtpg_srtp *s)
{
	if (!IS_ERR_OR_NULL(s->ctr))
		crypto_free_sync_skcipher(s->ctr);
	if (!IS_ERR_OR_NULL(s->hmac))
		crypto_free_shash(s->hmac);
	if (!IS_ERR_OR_NULL(s->gcm))
		crypto_free_aead(s->gcm);
	kfree_sensitive(s);
}

static void free_work(struct work_struct *w)
{
	srtp_free(container_of(w, struct rtpg_srtp, free_work));
}

static void release(struct kref *ref)
{
	struct rtpg_srtp *s = container_of(ref, struct rtpg_srtp, ref);

	queue_work(free_wq, &s->free_work);
}

struct rtpg_srtp *rtpg_srtp_get(struct rtpg_srtp *s)
{
	if (s)
		kref_get(&s->ref);
	return s;
}

void rtpg_srtp_put(struct rtpg_srtp *s)
{
	if (s)
		kref_put(&s->ref, release);
}

static int keyed_gcm(struct rtpg_srtp *s)
{
	/* masking CRYPTO_ALG_ASYNC: a synchronous implementation only */
	s->gcm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(s->gcm))
		return PTR_ERR(s->gcm);
	return crypto_aead_setkey(s->gcm, s->cipher_key, s->key_len) ?:
	       crypto_aead_setauthsize(s->gcm, s->tag_len);
}

static int keyed(struct rtpg_srtp *s)
{
	if (s->aead)
		return keyed_gcm(s);
	s->ctr = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(s->ctr))
		return PTR_ERR(s->ctr);
	s->hmac = crypto_alloc_shash("hmac(sha1)", 0, 0);
	if (IS_ERR(s->hmac))
		return PTR_ERR(s->hmac);
	return crypto_sync_skcipher_setkey(s->ctr, s->cipher_key,
					   s->key_len) ?:
	       crypto_shash_setkey(s->hmac, s->auth_key, sizeof(s->auth_key));
}

struct rtpg_srtp *rtpg_srtp_create(const struct rtpg_srtp_params *p)
{
	struct rtpg_srtp *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	unsigned int i;
	u8 tag_len;
	int err;

	if (!s)
		return ERR_PTR(-ENOMEM);
	kref_init(&s->ref);
	INIT_WORK(&s->free_work, free_work);
	spin_lock_init(&s->lock);
	s->suite = p->suite;
	s->tag_len = p->tag_len;
	if (rtpg_suite_lengths(p->suite, &s->key_len, &s->salt_len, &tag_len) ||
	    tag_len != p->tag_len) {
		kfree(s);
		return ERR_PTR(-EINVAL);
	}
	s->aead = s->salt_len == 12;
	memcpy(s->cipher_key, p->cipher_key, sizeof(s->cipher_key));
	memcpy(s->salt, p->salt, sizeof(s->salt));
	memcpy(s->auth_key, p->auth_key, sizeof(s->auth_key));
	err = keyed(s);
	if (err) {
		srtp_free(s);
		return ERR_PTR(err);
	}
	for (i = 0; i < p->nstate && i < RTPG_SSRC_MAX; i++) {
		s->streams[i].ssrc = p->state[i].ssrc;
		srtp_index_start(&s->streams[i].index, p->state[i].roc,
				 p->state[i].seq);
	}
	s->used = i;
	return s;
}

bool rtpg_srtp_same_keys(const struct rtpg_srtp *s,
			 const struct rtpg_srtp_params *p)
{
	/* unused octets are zero on both sides */
	return s->suite == p->suite && s->tag_len == p->tag_len &&
	       !crypto_memneq(s->cipher_key, p->cipher_key, sizeof(s->cipher_key)) &&
	       !crypto_memneq(s->salt, p->salt, sizeof(s->salt)) &&
	       !crypto_memneq(s->auth_key, p->auth_key, sizeof(s->auth_key));
}

/* The stream of @ssrc, or a new one if there is room, or NULL. */
static struct rtpg_srtp_stream *stream_of(struct rtpg_srtp *s, u32 ssrc,
					  bool create)
{
	unsigned int i;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < s->used; i++)
		if (s->streams[i].ssrc == ssrc)
			return &s->streams[i];
	if (!create || s->used == RTPG_SSRC_MAX)
		return NULL;
	s->streams[s->used].ssrc = ssrc;
	memset(&s->streams[s->used].index, 0, sizeof(struct srtp_index));
	return &s->streams[s->used++];
}

/* AES-CM over the @n bytes at @data for packet @index of @ssrc, in place
 * (encryption and decryption are the same). */
static int cipher(struct rtpg_srtp *s, u8 *data, size_t n, u32 ssrc,
		  u64 index)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, s->ctr);
	struct scatterlist sg;
	u8 iv[BLOCK] = {};
	unsigned int i;
	int err;

	if (!n)
		return 0;
	memcpy(iv, s->salt, 14);
	for (i = 0; i < 4; i++)
		iv[4 + i] ^= (u8)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 6; i++)
		iv[8 + i] ^= (u8)(index >> (40 - 8 * i));
	sg_init_one(&sg, data, n);
	skcipher_request_set_sync_tfm(req, s->ctr);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, n, iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	return err;
}

/* HMAC-SHA1 over the @n bytes at @pkt and ROC @roc, into @out. */
static int tag(struct rtpg_srtp *s, const u8 *pkt, size_t n, u32 roc,
	       u8 out[SHA1_LEN])
{
	SHASH_DESC_ON_STACK(desc, s->hmac);
	__be32 be_roc = cpu_to_be32(roc);
	int err;

	desc->tfm = s->hmac;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, pkt, n) ?:
	      crypto_shash_update(desc, (const u8 *)&be_roc, sizeof(be_roc)) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

/* Estimates the index of a packet from @h; 0, -ENOSPC or a replay. */
static int receive_index(struct rtpg_srtp *s, const struct rtp_header *h,
			 u64 *index)
{
	struct rtpg_srtp_stream *st;
	struct srtp_index fresh = {};
	int err = 0;

	spin_lock_bh(&s->lock);
	st = stream_of(s, h->ssrc, false);
	if (!st && s->used == RTPG_SSRC_MAX)
		err = -ENOSPC;
	*index = srtp_index_estimate(st ? &st->index : &fresh, h->seq);
	if (st && !err)
		err = srtp_index_check(&st->index, *index) ? -EALREADY : 0;
	spin_unlock_bh(&s->lock);
	return err;
}

/* Records an authenticated index; another CPU may have taken it since. */
static int receive_commit(struct rtpg_srtp *s, const struct rtp_header *h,
			  u64 index)
{
	struct rtpg_srtp_stream *st;
	int err = 0;

	spin_lock_bh(&s->lock);
	st = stream_of(s, h->ssrc, true);
	if (!st)
		err = -ENOSPC;
	else if (srtp_index_check(&st->index, index))
		err = -EALREADY;
	else
		srtp_index_accept(&st->index, index);
	spin_unlock_bh(&s->lock);
	return err;
}

/* AES-GCM in place over the @n bytes at @pkt, whose first @hlen are the
 * header (associated data): encrypting, @n is the plain packet and the
 * tag goes after it; decrypting, @n includes the tag. */
static int gcm(struct rtpg_srtp *s, u8 *pkt, size_t hlen, size_t n,
	       u32 ssrc, u64 index, bool encrypt)
{
	struct aead_request *req;
	struct scatterlist sg;
	u8 iv[GCM_IV_LEN] = {};
	unsigned int i;
	int err;

	/* 0x0000 || SSRC || ROC || SEQ: the index's 48 bits are ROC || SEQ */
	for (i = 0; i < 4; i++)
		iv[2 + i] = (u8)(ssrc >> (24 - 8 * i));
	for (i = 0; i < 6; i++)
		iv[6 + i] = (u8)(index >> (40 - 8 * i));
	for (i = 0; i < GCM_IV_LEN; i++)
		iv[i] ^= s->salt[i];
	req = aead_request_alloc(s->gcm, GFP_ATOMIC);
	if (!req)
		return -ENOMEM;
	sg_init_one(&sg, pkt, encrypt ? n + s->tag_len : n);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_crypt(req, &sg, &sg, n - hlen, iv);
	aead_request_set_ad(req, hlen);
	err = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	aead_request_free(req);
	return err;
}

/* Checks the tag of the @n bytes at @pkt (tag after them), then decrypts. */
static int open_cm(struct rtpg_srtp *s, u8 *pkt, size_t n,
		   const struct rtp_header *h, u64 index)
{
	u8 mac[SHA1_LEN];
	int err = tag(s, pkt, n, (u32)(index >> 16), mac);

	if (err)
		return err;
	if (crypto_memneq(mac, pkt + n, s->tag_len))
		return -EBADMSG;
	return cipher(s, pkt + h->header_len, n - h->header_len, h->ssrc, index);
}

int rtpg_srtp_decrypt(struct rtpg_srtp *s, u8 *pkt, size_t *len,
		      const struct rtp_header *h)
{
	size_t n;
	u64 index;
	int err;

	if (*len < h->header_len + s->tag_len)
		return -EBADMSG;
	n = *len - s->tag_len;
	err = receive_index(s, h, &index);
	if (err)
		return err;
	err = s->aead ?
	      gcm(s, pkt, h->header_len, *len, h->ssrc, index, false) :
	      open_cm(s, pkt, n, h, index);
	if (err)
		return err;
	err = receive_commit(s, h, index);
	if (err == -ENOSPC)
		err = -ENOMEM;	/* decrypted already: cannot be handed up */
	if (!err)
		*len = n;
	return err;
}

int rtpg_srtp_encrypt(struct rtpg_srtp *s, u8 *pkt, size_t *len,
		      const struct rtp_header *h)
{
	struct rtpg_srtp_stream *st;
	u8 mac[SHA1_LEN];
	u64 index;
	int err;

	spin_lock_bh(&s->lock);
	st = stream_of(s, h->ssrc, true);
	if (st) {
		index = srtp_index_estimate(&st->index, h->seq);
		srtp_index_accept(&st->index, index);
	}
	spin_unlock_bh(&s->lock);
	if (!st)
		return -ENOSPC;
	if (s->aead) {
		err = gcm(s, pkt, h->header_len, *len, h->ssrc, index, true);
	} else {
		err = cipher(s, pkt + h->header_len, *len - h->header_len,
			     h->ssrc, index) ?:
		      tag(s, pkt, *len, (u32)(index >> 16), mac);
		if (!err)
			memcpy(pkt + *len, mac, s->tag_len);
	}
	if (err)
		return err;
	*len += s->tag_len;
	return 0;
}

unsigned int rtpg_srtp_state(struct rtpg_srtp *s, struct rtpg_srtp_ssrc *out)
{
	unsigned int i, n;

	spin_lock_bh(&s->lock);
	for (i = 0, n = 0; i < s->used; i++) {
		if (!s->streams[i].index.started)
			continue;
		out[n].ssrc = s->streams[i].ssrc;
		out[n].roc = srtp_index_roc(&s->streams[i].index);
		out[n].seq = srtp_index_seq(&s->streams[i].index);
		out[n].flags = 0;
		n++;
	}
	spin_unlock_bh(&s->lock);
	return n;
}
