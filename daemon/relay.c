/* relay.c - the userspace packet path, see relay.h. */
#include "relay.h"

#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "call.h"
#include "call_crypto.h"
#include "log.h"
#include "offload.h"
#include "relay_webrtc.h"
#include "rtp.h"
#include "srtp.h"
#include "worker.h"

#define BATCH 32

const char *const rg_drop_names[RG_DROP_COUNT] = {
	[RG_DROP_NO_DESTINATION] = "no-destination",
	[RG_DROP_SOURCE] = "source-mismatch",
	[RG_DROP_SEND] = "send-failed",
	[RG_DROP_TOO_BIG] = "too-big",
	[RG_DROP_SRTP_AUTH] = "srtp-auth",
	[RG_DROP_SRTP_REPLAY] = "srtp-replay",
	[RG_DROP_SRTP] = "srtp-failed",
	[RG_DROP_NOT_MEDIA] = "not-media",
	[RG_DROP_SRTP_PENDING] = "srtp-pending",
	[RG_DROP_NO_CONSENT] = "ice-no-consent",
	[RG_DROP_STREAM_GONE] = "stream-gone",
	[RG_DROP_SOCKET_OVERFLOW] = "socket-overflow",
};

struct rg_batch {
	struct mmsghdr in[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage src[BATCH];
	struct mmsghdr out[BATCH];
	struct iovec oiov[BATCH];
	_Alignas(16) unsigned char buf[BATCH][RG_PKT_MAX];	/* libsrtp wants 4-byte alignment */
};

struct rg_batch *rg_batch_create(void)
{
	struct rg_batch *b = g_new0(struct rg_batch, 1);
	int i;

	for (i = 0; i < BATCH; i++) {
		b->iov[i].iov_base = b->buf[i];
		b->iov[i].iov_len = RG_PKT_MAX - RG_SRTP_TRAILER_ROOM;	/* room to encrypt */
		b->in[i].msg_hdr.msg_name = &b->src[i];
		b->in[i].msg_hdr.msg_namelen = sizeof(b->src[i]);
		b->in[i].msg_hdr.msg_iov = &b->iov[i];
		b->in[i].msg_hdr.msg_iovlen = 1;
	}
	return b;
}

void rg_batch_destroy(struct rg_batch *b)
{
	g_free(b);
}

/* A counter only its worker writes: a plain load and store, no lock prefix. */
static inline void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

void rg_relay_drop(struct rg_stream *st, enum rg_drop_reason why,
		   uint64_t drops[RG_DROP_COUNT])
{
	drops[why]++;
	count(&st->c.errors, 1);
}

void rg_relay_too_big(struct rg_stream *st, size_t len, uint64_t drops[RG_DROP_COUNT])
{
	count(&st->c.packets, 1);
	count(&st->c.bytes, len);
	rg_relay_drop(st, RG_DROP_TOO_BIG, drops);
}

/* Applies the learning rules to a packet from @src; false: drop it. */
static bool accept_source(struct rg_stream *st, const struct sockaddr_storage *src,
			  int64_t now)
{
	const struct rg_monologue *ml = st->media->ml;

	if (ml->latching == NG_LATCH_ASYMMETRIC)
		return !ml->strict_source || !st->peer.ss_family || rg_addr_equal(src, &st->peer);
	switch (st->latch) {
	case RG_LATCH_OPEN:
		st->learned = *src;
		st->latch = RG_LATCH_LEARNING;
		st->learn_until_us = now + RG_LEARN_WINDOW_US;
		return true;
	case RG_LATCH_LEARNING:
		if (now < st->learn_until_us) {
			st->learned = *src;
			return true;
		}
		st->latch = RG_LATCH_LOCKED;
		rg_offload_notice(ml->call->offload, st, now);	/* may go to the kernel */
		/* fall through */
	case RG_LATCH_LOCKED:
		if (rg_addr_equal(src, &st->learned))
			return true;
		if (ml->strict_source)
			return false;
		if (ml->media_handover) {
			st->learned = *src;
			rg_offload_notice(ml->call->offload, st, now);
		}
		return true;
	}
	return true;
}

static uint32_t clock_rate(const struct rg_media *m, uint8_t pt)
{
	unsigned i;

	for (i = 0; i < m->clock_count; i++)
		if (m->clocks[i].payload_type == pt)
			return m->clocks[i].rate;
	return rtp_static_clock_rate(pt);
}

/* Per-SSRC receive statistics (RFC 3550 A.1, A.8) for an RTP packet; a
 * packet that does not parse as RTP is still relayed, just not counted. */
static void track_ssrc(struct rg_stream *st, const uint8_t *pkt, size_t len, int64_t now)
{
	struct rtp_ssrc_stats *s = NULL;
	struct rtp_header h;
	uint32_t rate;
	unsigned i;

	if (rtp_parse(pkt, len, &h))
		return;
	for (i = 0; i < RG_SSRC_SLOTS && !s; i++)
		if (st->ssrc[i].initialised && st->ssrc[i].ssrc == h.ssrc)
			s = &st->ssrc[i];
	for (i = 0; i < RG_SSRC_SLOTS && !s; i++)
		if (!st->ssrc[i].initialised)
			s = &st->ssrc[i];
	if (!s) {	/* all taken: the oldest slot makes room */
		s = &st->ssrc[st->ssrc_next];
		st->ssrc_next = (st->ssrc_next + 1) % RG_SSRC_SLOTS;
		memset(s, 0, sizeof(*s));
	}
	rate = clock_rate(st->media, h.payload_type);
	rtp_ssrc_stats_update(s, &h, (uint32_t)((uint64_t)now * (rate ? rate : 8000) / 1000000));
}

struct rg_stream *rg_relay_target(const struct rg_stream *st, bool rtcp)
{
	struct rg_media *other = st->media->pair;

	if (!other || !other->has_ports)
		return NULL;
	if (rtcp && !other->mux)
		return &other->rtcp;
	return &other->rtp;
}

const struct sockaddr_storage *rg_relay_destination(const struct rg_stream *t)
{
	if (t->learned.ss_family)
		return &t->learned;
	if (t->peer.ss_family)
		return &t->peer;
	return NULL;
}

/* A packet SRTP refused: dropped and counted by why. false. */
static bool srtp_refused(struct rg_stream *st, int rc, uint64_t drops[RG_DROP_COUNT])
{
	rg_relay_drop(st, rc == -EBADMSG ? RG_DROP_SRTP_AUTH :
			  rc == -EALREADY ? RG_DROP_SRTP_REPLAY : RG_DROP_SRTP, drops);
	return false;
}

static bool srtp_pending(struct rg_stream *st, uint64_t drops[RG_DROP_COUNT])
{
	rg_relay_drop(st, RG_DROP_SRTP_PENDING, drops);	/* nothing passes in clear */
	return false;
}

/* SRTP bridging (call_crypto.h), in place: what an SRTP party sends is
 * checked and decrypted before anything counts it, what goes to one is
 * encrypted last. A party with crypto state speaks SRTP: until its keys
 * are in place (the SDES answer, the DTLS handshake) nothing passes to or
 * from it, so nothing leaves in clear or undecrypted. false: drop it
 * (counted). */
static bool srtp_in(struct rg_stream *st, bool rtcp, uint8_t *pkt, size_t *len,
		    uint64_t drops[RG_DROP_COUNT])
{
	const struct rg_media_crypto *in = st->media->crypto;
	int rc;

	if (!in)
		return true;
	if (!in->active)	/* SRTP, not keyed yet (answer, DTLS) */
		return srtp_pending(st, drops);
	rc = rtcp ? rg_srtp_unprotect_rtcp(in->rx, pkt, len) : rg_srtp_unprotect(in->rx, pkt, len);
	return rc ? srtp_refused(st, rc, drops) : true;
}

static bool srtp_out(struct rg_stream *st, const struct rg_stream *t, bool rtcp,
		     uint8_t *pkt, size_t *len, uint64_t drops[RG_DROP_COUNT])
{
	const struct rg_media_crypto *out = t->media->crypto;
	int rc;

	if (!out)
		return true;
	if (!out->active)
		return srtp_pending(st, drops);
	rc = rtcp ? rg_srtp_protect_rtcp(out->tx, pkt, len, RG_PKT_MAX) :
		    rg_srtp_protect(out->tx, pkt, len, RG_PKT_MAX);
	return rc ? srtp_refused(st, rc, drops) : true;
}

/* Sends @n queued packets from @fd; a packet the kernel refuses is dropped
 * and counted, the rest still go. */
static void flush(struct rg_batch *b, int fd, unsigned n, struct rg_stream *st,
		  uint64_t drops[RG_DROP_COUNT])
{
	unsigned off = 0;
	int r;

	while (off < n) {
		r = sendmmsg(fd, b->out + off, n - off, MSG_DONTWAIT);
		if (r <= 0) {
			rg_relay_drop(st, RG_DROP_SEND, drops);
			off++;
			continue;
		}
		off += (unsigned)r;
	}
}

/* An ICE peer's address is what it nominated, not what it sends from:
 * only strict-source looks at the source. false: drop it. */
static bool accept_ice_source(const struct rg_stream *st, const struct sockaddr_storage *src)
{
	return !st->media->ml->strict_source || !st->learned.ss_family ||
	       rg_addr_equal(src, &st->learned);
}

static struct rg_stream *drop(struct rg_stream *st, enum rg_drop_reason why,
			      uint64_t drops[RG_DROP_COUNT])
{
	rg_relay_drop(st, why, drops);
	return NULL;
}

struct rg_stream *rg_relay_packet(struct rg_stream *st, uint8_t *pkt, size_t *len,
				  const struct sockaddr_storage *src,
				  uint64_t drops[RG_DROP_COUNT], int64_t now_us,
				  const struct sockaddr_storage **dest)
{
	struct rg_media *m = st->media;
	struct rg_stream *t;
	bool rtcp, ok;

	count(&st->c.packets, 1);
	count(&st->c.bytes, *len);
	atomic_store_explicit(&st->c.last_packet_us, now_us, memory_order_relaxed);
	if ((m->ice || (m->crypto && m->crypto->ep)) && (!*len || pkt[0] < 64)) {
		rg_relay_webrtc_packet(st, pkt, *len, src, drops, now_us);
		return NULL;
	}
	ok = m->ice && m->ice_peer ? accept_ice_source(st, src) : accept_source(st, src, now_us);
	if (!ok)
		return drop(st, RG_DROP_SOURCE, drops);
	if (m->crypto && m->crypto->ep && !m->crypto->active)
		rg_relay_dtls_tick(st, drops);	/* a client may have to go on */
	rtcp = st->is_rtcp || (m->mux && rtp_is_rtcp(pkt, *len));
	if (!srtp_in(st, rtcp, pkt, len, drops))
		return NULL;
	if (!rtcp)
		track_ssrc(st, pkt, *len, now_us);
	t = rg_relay_target(st, rtcp);
	*dest = t ? rg_relay_destination(t) : NULL;
	if (!*dest || t->fd < 0)
		return drop(st, RG_DROP_NO_DESTINATION, drops);
	if (!rg_relay_consent(t, now_us))
		return drop(st, RG_DROP_NO_CONSENT, drops);
	if (!srtp_out(st, t, rtcp, pkt, len, drops))
		return NULL;
	return t;
}

bool rg_relay_receive(struct rg_batch *b, struct rg_stream *st,
		      uint64_t drops[RG_DROP_COUNT], int64_t now_us)
{
	const struct sockaddr_storage *dest;
	struct rg_stream *t;
	unsigned queued = 0;
	int out_fd = -1, n, i;
	size_t len;

	n = recvmmsg(st->fd, b->in, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return false;
	for (i = 0; i < n; i++) {
		len = b->in[i].msg_len;
		b->in[i].msg_hdr.msg_namelen = sizeof(b->src[i]);	/* for the next read */
		if (b->in[i].msg_hdr.msg_flags & MSG_TRUNC) {
			rg_relay_too_big(st, len, drops);
			continue;
		}
		t = rg_relay_packet(st, b->buf[i], &len, &b->src[i], drops, now_us, &dest);
		if (!t)
			continue;
		if (t->fd != out_fd && queued) {
			flush(b, out_fd, queued, st, drops);
			queued = 0;
		}
		out_fd = t->fd;
		b->oiov[queued] = (struct iovec){ .iov_base = b->buf[i], .iov_len = len };
		b->out[queued].msg_hdr = (struct msghdr){
			.msg_name = (void *)dest, .msg_namelen = rg_addr_len(dest),
			.msg_iov = &b->oiov[queued], .msg_iovlen = 1,
		};
		queued++;
	}
	if (queued)
		flush(b, out_fd, queued, st, drops);
	return n == BATCH;	/* a full batch: more may be queued */
}

static void unregister(struct rg_media *m, void *arg)
{
	struct rg_call *call = arg;

	if (m->rtp.registered)
		rg_worker_del(call->worker, &m->rtp);
	if (m->rtcp.registered)
		rg_worker_del(call->worker, &m->rtcp);
	m->rtp.registered = m->rtcp.registered = false;
}

void rg_call_pause(struct rg_call *call)
{
	if (!call->worker || call->paused)
		return;
	rg_call_foreach_media(call, unregister, call);
	rg_worker_barrier(call->worker);
	call->paused = true;
}

static void pair_media(struct rg_media *m, void *arg)
{
	m->pair = m->ml->peer ? rg_media_find(m->ml->peer, m->index) : NULL;
}

static void do_register(struct rg_call *call, struct rg_stream *st)
{
	int rc;

	if (st->registered || st->fd < 0)
		return;
	rc = rg_worker_add(call->worker, st);
	if (rc) {
		rg_log_call(LOG_ERR, call->id, "cannot relay port %u: %s",
			    st->local_port, strerror(-rc));
		return;
	}
	st->registered = true;
}

static void register_media(struct rg_media *m, void *arg)
{
	if (!m->has_ports)
		return;
	do_register(arg, &m->rtp);
	do_register(arg, &m->rtcp);
}

static void kick_dtls_client(struct rg_media *m, void *arg)
{
	rg_dtls_client_kick(m);
}

void rg_call_resume(struct rg_call *call)
{
	rg_call_foreach_media(call, pair_media, NULL);
	if (!call->worker)
		return;
	rg_call_foreach_media(call, kick_dtls_client, NULL);	/* still ours */
	rg_call_foreach_media(call, register_media, call);
	call->paused = false;
}

void rg_stream_signalled(struct rg_stream *st, const struct sockaddr_storage *peer,
			 bool keep_lock)
{
	if (!rg_addr_equal(&st->peer, peer))
		memset(&st->learned, 0, sizeof(st->learned));
	st->peer = *peer;
	if (!keep_lock || st->latch != RG_LATCH_LOCKED)
		st->latch = RG_LATCH_OPEN;
}
