/* offload.c - handing streams to the kernel module, see offload.h. */
#include "offload.h"

#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "call.h"
#include "ctx.h"
#include "kernel.h"
#include "log.h"
#include "relay.h"

#define NOTICE_INTERVAL_US 1000000	/* at most one notice a second per stream */

struct rg_offload {
	struct rg_ctx *ctx;
	GHashTable *streams;	/* local address key -> struct rg_stream * */
	GAsyncQueue *notices;	/* call-ids from the workers (g_free) */
	bool warned;		/* a refused target was logged */
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

struct rg_offload *rg_offload_create(struct rg_ctx *ctx)
{
	struct rg_offload *o = g_new0(struct rg_offload, 1);

	o->ctx = ctx;
	o->streams = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
					   (GDestroyNotify)g_bytes_unref, NULL);
	o->notices = g_async_queue_new_full(g_free);
	return o;
}

void rg_offload_destroy(struct rg_offload *o)
{
	if (!o)
		return;
	g_hash_table_destroy(o->streams);
	g_async_queue_unref(o->notices);
	g_free(o);
}

unsigned rg_offload_count(const struct rg_offload *o)
{
	return o ? g_hash_table_size(o->streams) : 0;
}

/* Fills @t for stream @s, or returns false while it must stay in userspace. */
static bool describe(const struct rg_stream *s, bool rtcp, struct rg_kernel_target *t)
{
	const struct rg_media *m = s->media;
	const struct rg_monologue *ml = m->ml;
	const struct rg_stream *to = rg_relay_target(s, rtcp);
	const struct sockaddr_storage *dst = to ? rg_relay_destination(to) : NULL;
	int family = ml->iface->family;

	if (!dst || to->fd < 0 || dst->ss_family != family ||
	    to->media->ml->iface->family != family)
		return false;
	if (m->crypto || to->media->crypto)	/* SRTP stays in userspace for now */
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
	return true;
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

	with_port(&local, s->media->ml->iface, s->local_port);
	if (rg_kernel_target_get(k, &local, &e) == 0)
		fold(&s->k_done, &e.stats);
	rg_kernel_target_del(k, &local);
	memset(&s->k_live, 0, sizeof(s->k_live));
	s->in_kernel = false;
	key = local_key(&local);
	g_hash_table_remove(o->streams, key);
	g_bytes_unref(key);
}

static void consider(struct rg_offload *o, struct rg_stream *s, bool rtcp)
{
	struct rg_kernel_target t;
	int rc;

	if (!describe(s, rtcp, &t)) {
		if (s->in_kernel)
			take_back(o, s);
		return;
	}
	rc = rg_kernel_target_set(o->ctx->kernel, &t);
	if (rc) {
		if (!o->warned)
			rg_log_call(LOG_WARNING, s->media->ml->call->id,
				    "kernel refused port %u (%s): it stays in userspace",
				    s->local_port, strerror(-rc));
		o->warned = true;
		return;
	}
	if (!s->in_kernel)
		g_hash_table_insert(o->streams, local_key(&t.local), s);
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

static void refresh_stream(struct rg_offload *o, struct rg_stream *s)
{
	struct sockaddr_storage local;
	struct rg_kernel_entry e;

	if (!s->in_kernel)
		return;
	with_port(&local, s->media->ml->iface, s->local_port);
	if (rg_kernel_target_get(o->ctx->kernel, &local, &e) == 0) {
		memset(&s->k_live, 0, sizeof(s->k_live));
		fold(&s->k_live, &e.stats);
	}
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
	struct rg_stream *s = g_hash_table_lookup(o->streams, key);

	g_bytes_unref(key);
	if (s) {
		memset(&s->k_live, 0, sizeof(s->k_live));
		fold(&s->k_live, &e->stats);
	}
	return 0;
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
