/* offload.c - handing streams to the kernel module, see offload.h. */
#include "offload.h"

#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "call.h"
#include "ctx.h"
#include "kernel.h"
#include "call_crypto.h"
#include "log.h"
#include "relay.h"
#include "srtp.h"
#include "srtp_index.h"
#include "srtp_kdf.h"

#define NOTICE_INTERVAL_US 1000000	/* at most one notice a second per stream */
#define SEEN_MAX 4096			/* SRTP states kept of streams taken back */

/* The kernel's drop reasons the userspace relay has names for. */
static const int drop_names[__RTPG_DROP_MAX] = {
	[RTPG_DROP_SOURCE] = -1, [RTPG_DROP_ROUTE] = -1,
	[RTPG_DROP_SEND] = -1, [RTPG_DROP_MALFORMED] = -1,
	[RTPG_DROP_SRTP_AUTH] = RG_DROP_SRTP_AUTH,
	[RTPG_DROP_SRTP_REPLAY] = RG_DROP_SRTP_REPLAY,
	[RTPG_DROP_SRTP] = RG_DROP_SRTP,
};

/* A stream in the kernel and its target's drops as last read. */
struct entry {
	struct rg_stream *stream;
	uint64_t drops[__RTPG_DROP_MAX];
};

struct rg_offload {
	struct rg_ctx *ctx;
	GHashTable *streams;	/* local address key -> struct entry * (g_free) */
	GHashTable *seen;	/* local address key -> struct rg_srtp_seen * */
	GAsyncQueue *notices;	/* call-ids from the workers (g_free) */
	uint64_t drops_done[__RTPG_DROP_MAX];	/* of targets taken back */
	bool warned;		/* a refused target was logged */
	bool srtp_warned;	/* an SRTP stream kept in userspace was logged */
};

/* family, port and address of @ss, as a hash key */
static GBytes *local_key(const struct sockaddr_storage *ss)
{
	uint8_t key[20] = { 0 };
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	key[0] = (uint8_t)ss->ss_family;
	if (ss->ss_family == AF_INET) {
		memcpy(key + 2, &sin->sin_port, 2);
		memcpy(key + 4, &sin->sin_addr, 4);
	} else {
		memcpy(key + 2, &sin6->sin6_port, 2);
		memcpy(key + 4, &sin6->sin6_addr, 16);
	}
	return g_bytes_new(key, sizeof(key));
}

static void with_port(struct sockaddr_storage *out, const struct rg_interface *iface,
		      unsigned port)
{
	*out = iface->local;
	rg_addr_set_port(out, port);
}

/* --- SRTP: what the kernel gets for a stream, and what comes back ---
 *
 * A stream goes to the kernel with SRTP when each side that speaks SRTP
 * (struct rg_media_crypto: active, rx_key / tx_key, whichever way they
 * were keyed: SDES or DTLS) uses AES-CM 128 or 256 with HMAC-SHA1-80 or
 * -32, or AEAD AES-128/256-GCM, without MKI, key derivation rate or
 * UNENCRYPTED / UNAUTHENTICATED session parameters; anything else stays in userspace (libsrtp2). The session
 * keys are derived here (lib/srtp_kdf.c) and only they cross to the
 * kernel. With them go, per SSRC the stream has seen, libsrtp's rollover
 * counter and the highest sequence number, so the kernel numbers packets
 * on from where libsrtp was; when the stream is taken back, the kernel's
 * counters go back into libsrtp (lib/srtp_index.c says which counter the
 * next packet in sequence carries). RTCP stays in userspace on SRTP
 * streams (SRTCP is not done in the kernel). */

/* Where a kernel target's SRTP had got to when it was taken back: the
 * session keys it used and its per-SSRC state. libsrtp learns the
 * rollover counter only from the next packet it sees; a stream handed to
 * the kernel again before that starts from here instead (when the keys
 * are the same). */
struct rg_srtp_seen {
	struct rg_kernel_srtp decrypt, encrypt;
};

static void seen_free(void *p)
{
	explicit_bzero(p, sizeof(struct rg_srtp_seen));	/* session keys */
	g_free(p);
}

/* The kernel's suite for @key, or RTPG_SUITE_NONE with *@why. */
static uint8_t kernel_suite(const struct sdes_crypto *key, const char **why)
{
	static const uint8_t suites[SDES_SUITE_COUNT] = {
		[SDES_AES_CM_128_HMAC_SHA1_80] = RTPG_SUITE_AES_CM_128_HMAC_SHA1_80,
		[SDES_AES_CM_128_HMAC_SHA1_32] = RTPG_SUITE_AES_CM_128_HMAC_SHA1_32,
		[SDES_AES_256_CM_HMAC_SHA1_80] = RTPG_SUITE_AES_256_CM_HMAC_SHA1_80,
		[SDES_AES_256_CM_HMAC_SHA1_32] = RTPG_SUITE_AES_256_CM_HMAC_SHA1_32,
		[SDES_AEAD_AES_128_GCM] = RTPG_SUITE_AEAD_AES_128_GCM,
		[SDES_AEAD_AES_256_GCM] = RTPG_SUITE_AEAD_AES_256_GCM,
	};

	*why = NULL;
	if (key->mki_len)
		*why = "an MKI";
	else if (key->kdr)
		*why = "a key derivation rate";
	else if (key->flags)
		*why = "UNENCRYPTED or UNAUTHENTICATED SRTP";
	else if (!key->suite || (size_t)key->suite->id >= SDES_SUITE_COUNT ||
		 suites[key->suite->id] == RTPG_SUITE_NONE)
		*why = "a crypto suite the kernel module does not do";
	else
		return suites[key->suite->id];
	return RTPG_SUITE_NONE;
}

/* Session keys of @key (RFC 3711 4.3, SRTP labels) into @out, of the
 * lengths of kernel suite @out->suite. An AES-GCM master salt (12
 * octets) enters the KDF padded with zeros (RFC 7714 section 11). */
static int derive(const struct sdes_crypto *key, struct rg_kernel_srtp *out)
{
	uint8_t klen, slen, tlen, salt[SRTP_KDF_SALT_LEN] = { 0 };
	int rc;

	if (rtpg_suite_lengths(out->suite, &klen, &slen, &tlen) ||
	    klen != key->suite->key_len || slen != key->suite->salt_len)
		return -EINVAL;
	memcpy(salt, key->salt, slen);
	rc = srtp_kdf(key->key, klen, salt, SRTP_LABEL_RTP_CIPHER, out->cipher_key, klen) ?:
	     srtp_kdf(key->key, klen, salt, SRTP_LABEL_RTP_SALT, out->salt, slen) ?:
	     (slen == 12 ? 0 : srtp_kdf(key->key, klen, salt, SRTP_LABEL_RTP_AUTH,
					out->auth_key, sizeof(out->auth_key)));
	explicit_bzero(salt, sizeof(salt));
	return rc;
}

/* Where libsrtp context @ctx stands for each SSRC that arrived on @s. */
static void state_of(const struct rg_stream *s, struct rg_srtp *ctx, struct rg_kernel_srtp *out)
{
	const struct rtp_ssrc_stats *ss;
	uint32_t roc;
	unsigned i;

	out->nstate = 0;
	for (i = 0; i < RG_SSRC_SLOTS && out->nstate < RTPG_SSRC_MAX; i++) {
		ss = &s->ssrc[i];
		if (!ss->initialised || rg_srtp_roc_get(ctx, ss->ssrc, &roc))
			continue;
		out->state[out->nstate].ssrc = ss->ssrc;
		out->state[out->nstate].roc = roc;
		out->state[out->nstate].seq = ss->max_seq;
		out->state[out->nstate].flags = 0;
		out->nstate++;
	}
}

static int one_way(const struct rg_stream *s, const struct sdes_crypto *key, struct rg_srtp *ctx,
		   struct rg_kernel_srtp *out, const char **why)
{
	uint8_t suite = kernel_suite(key, why);

	if (suite == RTPG_SUITE_NONE)
		return -ENOTSUP;
	if (!ctx) {
		*why = "no SRTP context yet";
		return -ENOTSUP;
	}
	out->suite = suite;
	out->tag_len = key->suite->srtp_tag_len;
	if (derive(key, out)) {
		*why = "the session keys could not be derived";
		return -ENOTSUP;
	}
	state_of(s, ctx, out);
	return 0;
}

static uint64_t index_of(const struct rtpg_srtp_ssrc *st)
{
	return (uint64_t)st->roc << 16 | st->seq;
}

/* Per SSRC of @seen, the higher index into @out, when @seen was keyed
 * the same. */
static void merge(struct rg_kernel_srtp *out, const struct rg_kernel_srtp *seen)
{
	unsigned i, j;

	if (out->suite != seen->suite ||
	    memcmp(out->cipher_key, seen->cipher_key, sizeof(out->cipher_key)) ||
	    memcmp(out->auth_key, seen->auth_key, sizeof(out->auth_key)) ||
	    memcmp(out->salt, seen->salt, sizeof(out->salt)))
		return;
	for (i = 0; i < seen->nstate && i < RTPG_SSRC_MAX; i++) {
		for (j = 0; j < out->nstate; j++)
			if (out->state[j].ssrc == seen->state[i].ssrc)
				break;
		if (j == out->nstate) {
			if (j == RTPG_SSRC_MAX)
				continue;
			out->nstate++;
		} else if (index_of(&out->state[j]) >= index_of(&seen->state[i])) {
			continue;
		}
		out->state[j] = seen->state[i];
	}
}

/* Fills @t->decrypt and @t->encrypt for packets arriving on @s and
 * leaving from @to (kind @rtcp), from libsrtp's state merged with @seen
 * (NULL: none): per SSRC, the higher packet index. Returns 0 (plain
 * streams too), -EAGAIN while an SRTP side has no keys yet (the SDES
 * answer or the DTLS handshake is to come: the kernel would forward its
 * packets unprotected), or -ENOTSUP with *@why saying what keeps it in
 * userspace. */
static int srtp_describe(const struct rg_stream *s, const struct rg_stream *to,
			     bool rtcp, const struct rg_srtp_seen *seen,
			     struct rg_kernel_target *t, const char **why)
{
	const struct rg_media_crypto *in = s->media->crypto, *out = to->media->crypto;
	bool dec = in && in->active, enc = out && out->active;

	memset(&t->decrypt, 0, sizeof(t->decrypt));
	memset(&t->encrypt, 0, sizeof(t->encrypt));
	if ((in && !dec) || (out && !enc))	/* an SRTP party not keyed yet */
		return -EAGAIN;
	if (!dec && !enc)
		return 0;
	if (rtcp) {
		*why = "SRTCP";
		return -ENOTSUP;
	}
	if (dec && one_way(s, &in->rx_key, in->rx, &t->decrypt, why))
		return -ENOTSUP;
	if (enc && one_way(s, &out->tx_key, out->tx, &t->encrypt, why))
		return -ENOTSUP;
	if (seen && dec)
		merge(&t->decrypt, &seen->decrypt);
	if (seen && enc)
		merge(&t->encrypt, &seen->encrypt);
	return 0;
}

/* The ROC the packet after the kernel's highest one carries: sequence
 * number 65535 is followed by 0 of the next cycle. */
static uint32_t next_roc(const struct rtpg_srtp_ssrc *st)
{
	struct srtp_index idx;

	srtp_index_start(&idx, st->roc, st->seq);
	return (uint32_t)(srtp_index_estimate(&idx, (uint16_t)(st->seq + 1)) >> 16);
}

static void give_back(const struct rg_kernel_srtp *k, struct rg_srtp *ctx)
{
	unsigned i;

	for (i = 0; ctx && i < k->nstate && i < RTPG_SSRC_MAX; i++)
		rg_srtp_roc_set(ctx, k->state[i].ssrc, next_roc(&k->state[i]));
}

/* @seen's keys are those of the contexts now; its state the kernel's. */
static void remember(const struct rg_stream *s, const struct rg_stream *to,
		     const struct rg_kernel_target *kt, struct rg_srtp_seen *seen)
{
	struct rg_kernel_target now;
	const char *why;

	memset(seen, 0, sizeof(*seen));
	if (!to || srtp_describe(s, to, false, NULL, &now, &why))
		return;
	seen->decrypt = now.decrypt;
	seen->encrypt = now.encrypt;
	seen->decrypt.nstate = kt->decrypt.nstate;
	memcpy(seen->decrypt.state, kt->decrypt.state, sizeof(seen->decrypt.state));
	seen->encrypt.nstate = kt->encrypt.nstate;
	memcpy(seen->encrypt.state, kt->encrypt.state, sizeof(seen->encrypt.state));
	explicit_bzero(&now, sizeof(now));
}

/* Hands the per-SSRC state of kernel target @kt (read back before it
 * was deleted) to libsrtp's contexts for @s and the stream it forwards
 * to, and fills @seen with it. */
static void srtp_take_back(const struct rg_stream *s, const struct rg_kernel_target *kt,
			       struct rg_srtp_seen *seen)
{
	const struct rg_stream *to = rg_relay_target(s, false);
	const struct rg_media_crypto *in = s->media->crypto;
	const struct rg_media_crypto *out = to ? to->media->crypto : NULL;

	if (in && in->active && kt->decrypt.suite != RTPG_SUITE_NONE)
		give_back(&kt->decrypt, in->rx);
	if (out && out->active && kt->encrypt.suite != RTPG_SUITE_NONE)
		give_back(&kt->encrypt, out->tx);
	remember(s, to, kt, seen);
}

struct rg_offload *rg_offload_create(struct rg_ctx *ctx)
{
	struct rg_offload *o = g_new0(struct rg_offload, 1);

	o->ctx = ctx;
	o->streams = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
					   (GDestroyNotify)g_bytes_unref, g_free);
	o->seen = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
					(GDestroyNotify)g_bytes_unref, seen_free);
	o->notices = g_async_queue_new_full(g_free);
	return o;
}

void rg_offload_destroy(struct rg_offload *o)
{
	if (!o)
		return;
	g_hash_table_destroy(o->streams);
	g_hash_table_destroy(o->seen);
	g_async_queue_unref(o->notices);
	g_free(o);
}

unsigned rg_offload_count(const struct rg_offload *o)
{
	return o ? g_hash_table_size(o->streams) : 0;
}

/* SRTP keys and state for @t; false while it must stay in userspace. */
static bool describe_srtp(struct rg_offload *o, const struct rg_stream *s,
			  const struct rg_stream *to, bool rtcp, struct rg_kernel_target *t)
{
	const struct rg_srtp_seen *seen;
	const char *why = NULL;
	GBytes *key = local_key(&t->local);
	int rc;

	seen = g_hash_table_lookup(o->seen, key);
	g_bytes_unref(key);
	rc = srtp_describe(s, to, rtcp, seen, t, &why);
	if (!rc)
		return true;
	if (rc == -EAGAIN)	/* keys to come: asked again at the next notice */
		return false;
	if (!o->srtp_warned && !rtcp)
		rg_log_call(LOG_INFO, s->media->ml->call->id,
			    "port %u: SRTP with %s stays in userspace", s->local_port, why);
	o->srtp_warned = o->srtp_warned || !rtcp;
	return false;
}

/* Fills @t for stream @s, or returns false while it must stay in userspace. */
static bool describe(struct rg_offload *o, const struct rg_stream *s, bool rtcp,
		     struct rg_kernel_target *t)
{
	const struct rg_media *m = s->media;
	const struct rg_monologue *ml = m->ml;
	const struct rg_stream *to = rg_relay_target(s, rtcp);
	const struct sockaddr_storage *dst = to ? rg_relay_destination(to) : NULL;
	int family = ml->iface->family;

	if (!dst || to->fd < 0 || dst->ss_family != family ||
	    to->media->ml->iface->family != family)
		return false;
	/* ICE checks and consent are answered in userspace, and media to an
	 * ICE peer must stop when consent does (relay_webrtc.h) */
	if (m->ice || to->media->ice)
		return false;
	memset(t, 0, sizeof(*t));
	if (ml->latching == NG_LATCH_ASYMMETRIC) {
		t->source_mode = ml->strict_source ? RTPG_SOURCE_DROP : RTPG_SOURCE_IGNORE;
		if (ml->strict_source && s->peer.ss_family != family)
			return false;
		t->expect = s->peer;
	} else {
		if (s->latch != RG_LATCH_LOCKED || s->learned.ss_family != family)
			return false;
		t->source_mode = ml->strict_source ? RTPG_SOURCE_DROP : RTPG_SOURCE_HANDUP;
		t->expect = s->learned;
	}
	with_port(&t->local, ml->iface, s->local_port);
	with_port(&t->src, to->media->ml->iface, to->local_port);
	t->dst = *dst;
	if (!rtcp) {
		t->flags = RTPG_F_RTP;
		if (m->mux)	/* RTCP arrives here too: forwardable if the partner muxes */
			t->flags |= m->pair && m->pair->mux ? RTPG_F_MUX_RTCP : RTPG_F_RTCP_HANDUP;
	}
	return describe_srtp(o, s, to, rtcp, t);
}

static void fold(struct rg_kstats *into, const struct rg_kernel_stats *k)
{
	int64_t last = (int64_t)(k->last_packet_ns / 1000);

	into->packets += k->packets;
	into->bytes += k->bytes;
	into->errors += k->errors;
	if (last > into->last_packet_us)
		into->last_packet_us = last;
}

/* Takes @s back from the kernel, keeping what the kernel counted. */
static void take_back(struct rg_offload *o, struct rg_stream *s)
{
	struct rg_kernel *k = o->ctx->kernel;
	struct sockaddr_storage local;
	struct rg_kernel_entry e;
	GBytes *key;

	struct rg_srtp_seen seen;
	unsigned i;

	with_port(&local, s->media->ml->iface, s->local_port);
	key = local_key(&local);
	if (rg_kernel_target_get(k, &local, &e) == 0) {
		fold(&s->k_done, &e.stats);
		for (i = 0; i < __RTPG_DROP_MAX; i++)
			o->drops_done[i] += e.stats.drops[i];
		srtp_take_back(s, &e.target, &seen);
		if (g_hash_table_size(o->seen) >= SEEN_MAX)
			g_hash_table_remove_all(o->seen);	/* a bound, not a cache policy */
		if (seen.decrypt.suite || seen.encrypt.suite)
			g_hash_table_replace(o->seen, g_bytes_ref(key), g_memdup2(&seen, sizeof(seen)));
		explicit_bzero(&seen, sizeof(seen));
	}
	rg_kernel_target_del(k, &local);
	memset(&s->k_live, 0, sizeof(s->k_live));
	s->in_kernel = false;
	g_hash_table_remove(o->streams, key);
	g_bytes_unref(key);
}

static void consider(struct rg_offload *o, struct rg_stream *s, bool rtcp)
{
	struct rg_kernel_target t;
	struct entry *e;
	GBytes *key;
	int rc;

	if (!describe(o, s, rtcp, &t)) {
		if (s->in_kernel)
			take_back(o, s);
		return;
	}
	rc = rg_kernel_target_set(o->ctx->kernel, &t);
	explicit_bzero(&t.decrypt, sizeof(t.decrypt));	/* session keys */
	explicit_bzero(&t.encrypt, sizeof(t.encrypt));
	if (rc) {
		if (!o->warned)
			rg_log_call(LOG_WARNING, s->media->ml->call->id,
				    "kernel refused port %u (%s): it stays in userspace",
				    s->local_port, strerror(-rc));
		o->warned = true;
		return;
	}
	key = local_key(&t.local);
	g_hash_table_remove(o->seen, key);	/* the kernel has it now */
	g_bytes_unref(key);
	if (!s->in_kernel) {
		e = g_new0(struct entry, 1);
		e->stream = s;
		g_hash_table_insert(o->streams, local_key(&t.local), e);
	}
	s->in_kernel = true;
}

static void consider_media(struct rg_media *m, void *arg)
{
	if (!m->has_ports || m->rejected)
		return;
	consider(arg, &m->rtp, false);
	consider(arg, &m->rtcp, true);
}

void rg_offload_call(struct rg_offload *o, struct rg_call *call)
{
	if (o && o->ctx->kernel)
		rg_call_foreach_media(call, consider_media, o);
}

static void withdraw_media(struct rg_media *m, void *arg)
{
	if (m->rtp.in_kernel)
		take_back(arg, &m->rtp);
	if (m->rtcp.in_kernel)
		take_back(arg, &m->rtcp);
}

void rg_offload_withdraw(struct rg_offload *o, struct rg_call *call)
{
	if (o && o->ctx->kernel)
		rg_call_foreach_media(call, withdraw_media, o);
}

static int poll_one(const struct rg_kernel_entry *e, void *arg);

static void refresh_stream(struct rg_offload *o, struct rg_stream *s)
{
	struct sockaddr_storage local;
	struct rg_kernel_entry e;

	if (!s->in_kernel)
		return;
	with_port(&local, s->media->ml->iface, s->local_port);
	if (rg_kernel_target_get(o->ctx->kernel, &local, &e) == 0)
		poll_one(&e, o);
}

static void refresh_media(struct rg_media *m, void *arg)
{
	refresh_stream(arg, &m->rtp);
	refresh_stream(arg, &m->rtcp);
}

void rg_offload_refresh(struct rg_offload *o, struct rg_call *call)
{
	if (o && o->ctx->kernel)
		rg_call_foreach_media(call, refresh_media, o);
}

static int poll_one(const struct rg_kernel_entry *e, void *arg)
{
	struct rg_offload *o = arg;
	GBytes *key = local_key(&e->target.local);
	struct entry *en = g_hash_table_lookup(o->streams, key);

	g_bytes_unref(key);
	if (en) {
		memset(&en->stream->k_live, 0, sizeof(en->stream->k_live));
		fold(&en->stream->k_live, &e->stats);
		memcpy(en->drops, e->stats.drops, sizeof(en->drops));
	}
	return 0;
}

void rg_offload_drops(const struct rg_offload *o, uint64_t drops[RG_DROP_COUNT])
{
	GHashTableIter it;
	struct entry *e;
	void *value;
	unsigned i;

	if (!o)
		return;
	for (i = 0; i < __RTPG_DROP_MAX; i++)
		if (drop_names[i] >= 0)
			drops[drop_names[i]] += o->drops_done[i];
	g_hash_table_iter_init(&it, o->streams);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		e = value;
		for (i = 0; i < __RTPG_DROP_MAX; i++)
			if (drop_names[i] >= 0)
				drops[drop_names[i]] += e->drops[i];
	}
}

/* Looks again at the calls whose streams locked or moved. The workers
 * queue call-ids; the control thread drains them here (never the other way:
 * looking at a call pauses it, which waits for its worker). */
static void handle_notices(struct rg_offload *o)
{
	struct rg_call *call;
	char *id;

	while ((id = g_async_queue_try_pop(o->notices))) {
		call = rg_call_lookup(o->ctx->calls, id);
		if (call) {	/* the call may have ended since */
			rg_call_pause(call);
			rg_offload_call(o, call);
			rg_call_resume(call);
		}
		g_free(id);
	}
}

void rg_offload_notice(struct rg_offload *o, struct rg_stream *st, int64_t now_us)
{
	if (!o || now_us - st->notified_us < NOTICE_INTERVAL_US)
		return;
	st->notified_us = now_us;
	g_async_queue_push(o->notices, g_strdup(st->media->ml->call->id));
}

void rg_offload_poll(struct rg_offload *o)
{
	int rc;

	if (!o || !o->ctx->kernel)
		return;
	handle_notices(o);
	if (!g_hash_table_size(o->streams))
		return;
	rc = rg_kernel_stats_dump(o->ctx->kernel, poll_one, o);
	if (rc)
		rg_warn("reading kernel counters: %s", strerror(-rc));
}
