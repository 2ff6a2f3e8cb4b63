/* relay_webrtc.c - the packet path's STUN and DTLS, see relay_webrtc.h. */
#include "relay_webrtc.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "call.h"
#include "call_crypto.h"
#include "ice.h"
#include "ice_driver.h"
#include "log.h"
#include "srtp.h"

static unsigned component(const struct rg_stream *st)
{
	return st->is_rtcp ? 2 : 1;
}

static void send_to(struct rg_stream *st, const uint8_t *buf, size_t len,
		    const struct sockaddr_storage *to, uint64_t drops[RG_DROP_COUNT])
{
	if (sendto(st->fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)to,
		   rg_addr_len(to)) < 0) {
		rg_relay_drop(st, RG_DROP_SEND, drops);
	}
}

/* Sends what the DTLS endpoint has queued to @to. */
static void dtls_flush(struct rg_stream *st, struct rg_dtls *ep,
		       const struct sockaddr_storage *to, uint64_t drops[RG_DROP_COUNT])
{
	uint8_t buf[RG_DTLS_MTU];
	int n;

	while ((n = rg_dtls_output(ep, buf, sizeof(buf))) != 0)
		if (n > 0 && to)
			send_to(st, buf, (size_t)n, to, drops);
}

static void dtls_finish(struct rg_stream *st, struct rg_media_crypto *c)
{
	rg_dtls_finish(c, st->media->ml->call->id, st->local_port);
}

/* Where DTLS records for @st's party go when rtpgate speaks first. */
static const struct sockaddr_storage *dtls_peer(const struct rg_stream *st)
{
	const struct rg_media *m = st->media;

	if (m->ice && m->ice_peer && !m->rtp.learned.ss_family)
		return NULL;	/* not nominated yet */
	return rg_relay_destination(&m->rtp);
}

void rg_relay_dtls_tick(struct rg_stream *st, uint64_t drops[RG_DROP_COUNT])
{
	struct rg_media_crypto *c = st->media->crypto;
	const struct sockaddr_storage *to;

	if (!c || !c->ep || c->active || c->role != RG_DTLS_CLIENT)
		return;
	to = dtls_peer(st);
	if (!to)
		return;
	if (!c->started) {
		rg_dtls_start(c->ep);
		c->started = true;
	} else if (rg_dtls_timeout_us(c->ep) == 0) {
		rg_dtls_on_timer(c->ep);
	}
	dtls_flush(st, c->ep, to, drops);
	dtls_finish(st, c);
}

static void count_refused(struct rg_stream *st, int err, void *drops)
{
	rg_relay_drop(st, RG_DROP_SEND, drops);
}

static gboolean client_timer(gpointer data)
{
	struct rg_media *m = data;
	struct rg_call *call = m->ml->call;

	m->crypto->client_timer = 0;
	if (call->paused)	/* retired (delete-delay): it stays so */
		return G_SOURCE_REMOVE;
	rg_call_pause(call);	/* the endpoint is the worker's otherwise */
	rg_call_resume(call);	/* which kicks the client again */
	return G_SOURCE_REMOVE;
}

void rg_dtls_client_kick(struct rg_media *m)
{
	struct rg_media_crypto *c = m->crypto;
	uint64_t drops[RG_DROP_COUNT] = { 0 };	/* the stream counts them */
	int64_t wait_us;

	if (!c || !c->ep || c->active || c->role != RG_DTLS_CLIENT || !m->has_ports)
		return;
	rg_relay_dtls_tick(&m->rtp, drops);
	if (c->active || !c->started || c->client_timer ||
	    rg_dtls_state(c->ep) == RG_DTLS_FAILED)
		return;
	wait_us = rg_dtls_timeout_us(c->ep);
	if (wait_us >= 0)
		c->client_timer = g_timeout_add((guint)(wait_us / 1000) + 10, client_timer, m);
}

/* A full agent's checks this datagram made due (a triggered check, a
 * nomination) go at once rather than at the driver's next tick. */
static void send_checks(struct rg_media *m, int64_t now_us, uint64_t drops[RG_DROP_COUNT])
{
	rg_ice_send_due(m, now_us, 4, count_refused, drops);
}

static void handle_stun(struct rg_stream *st, uint8_t *pkt, size_t len,
			const struct sockaddr_storage *src,
			uint64_t drops[RG_DROP_COUNT], int64_t now_us)
{
	struct rg_ice *ice = st->media->ice;
	uint8_t resp[RG_ICE_RESPONSE_MAX];
	bool nominated = false;
	int n;

	if (!ice) {
		rg_relay_drop(st, RG_DROP_NOT_MEDIA, drops);
		return;
	}
	n = rg_ice_handle(ice, component(st), pkt, len, (const struct sockaddr *)src,
			  rg_addr_len(src), now_us, resp, sizeof(resp), &nominated);
	if (n > 0)
		send_to(st, resp, (size_t)n, src, drops);
	if (nominated) {
		st->learned = *src;
		st->latch = RG_LATCH_LOCKED;
	}
	send_checks(st->media, now_us, drops);
	rg_relay_dtls_tick(st, drops);	/* a client's handshake moves on */
}

static void handle_dtls(struct rg_stream *st, const uint8_t *pkt, size_t len,
			const struct sockaddr_storage *src,
			uint64_t drops[RG_DROP_COUNT])
{
	struct rg_media *m = st->media;
	struct rg_media_crypto *c = m->crypto;
	const struct sockaddr_storage *selected = &m->rtp.learned;

	if (!c || !c->ep || st != &m->rtp ||
	    (m->ice && m->ice_peer && selected->ss_family && !rg_addr_equal(src, selected))) {
		rg_relay_drop(st, RG_DROP_NOT_MEDIA, drops);	/* not from the nominated address */
		return;
	}
	if (rg_dtls_input(c->ep, pkt, len) == -EINVAL) {
		rg_relay_drop(st, RG_DROP_NOT_MEDIA, drops);
		return;
	}
	dtls_flush(st, c->ep, src, drops);
	if (!c->active)
		dtls_finish(st, c);
}

void rg_relay_webrtc_packet(struct rg_stream *st, uint8_t *pkt, size_t len,
			    const struct sockaddr_storage *src,
			    uint64_t drops[RG_DROP_COUNT], int64_t now_us)
{
	if (len && pkt[0] <= 3) {
		handle_stun(st, pkt, len, src, drops, now_us);
	} else if (len && pkt[0] >= 20 && pkt[0] <= 63) {
		handle_dtls(st, pkt, len, src, drops);
	} else {
		rg_relay_drop(st, RG_DROP_NOT_MEDIA, drops);
	}
}

bool rg_relay_consent(const struct rg_stream *t, int64_t now_us)
{
	const struct rg_media *m = t->media;

	return !m->ice || !m->ice_peer || rg_ice_consent_ok(m->ice, component(t), now_us);
}
