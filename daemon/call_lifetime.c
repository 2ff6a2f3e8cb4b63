/* call_lifetime.c - see call_lifetime.h. */
#include "call_lifetime.h"

#include <glib.h>
#include <string.h>

#include "call.h"
#include "ctx.h"
#include "log.h"
#include "offload.h"
#include "ports.h"
#include "worker.h"

#define S(x) ((int64_t)(x) * 1000000)

enum call_end {
	END_NONE,
	END_TIMEOUT,
	END_SILENT,
	END_FINAL,
	END_OFFER,
};

static const char *const end_names[] = {
	[END_TIMEOUT] = "timeout (no media)",
	[END_SILENT] = "silent-timeout",
	[END_FINAL] = "final-timeout",
	[END_OFFER] = "offer-timeout (never answered)",
};

struct activity {
	int64_t last[2];	/* last packet from each of the first two parties */
	uint64_t packets;
	bool hold;
};

static void party_activity(const struct rg_monologue *ml, int64_t *last, bool *hold)
{
	const struct rg_media *m;
	int64_t t;
	guint i;

	for (i = 0; i < ml->medias->len; i++) {
		m = ml->medias->pdata[i];
		if (!m)
			continue;
		*hold = *hold || m->hold;
		t = rg_stream_last_packet_us(&m->rtp);
		*last = t > *last ? t : *last;
		t = rg_stream_last_packet_us(&m->rtcp);
		*last = t > *last ? t : *last;
	}
}

static enum call_end check(const struct rg_limits *cfg, const struct rg_call *call,
			   int64_t now)
{
	int64_t since, last[2] = { 0, 0 }, newest, oldest;
	bool hold = false;
	guint i;

	if (cfg->final_timeout && now - call->created_us >= S(cfg->final_timeout))
		return END_FINAL;
	if (!call->answered_us)
		return cfg->offer_timeout && now - call->created_us >= S(cfg->offer_timeout) ?
			END_OFFER : END_NONE;
	for (i = 0; i < call->monologues->len; i++)
		party_activity(call->monologues->pdata[i], &last[i ? 1 : 0], &hold);
	since = call->last_signal_us > call->answered_us ? call->last_signal_us : call->answered_us;
	newest = last[0] > last[1] ? last[0] : last[1];
	oldest = last[0] < last[1] ? last[0] : last[1];
	newest = newest > since ? newest : since;
	oldest = oldest > since ? oldest : since;
	if (!hold && cfg->timeout && now - newest >= S(cfg->timeout))
		return END_TIMEOUT;
	if (cfg->silent_timeout && now - (hold ? newest : oldest) >= S(cfg->silent_timeout))
		return END_SILENT;
	return END_NONE;
}

/* Where a walk adds streams' counters: the socket's drop count is read
 * afresh at a call's end, and through its cache in a pass over every call. */
struct tally {
	struct rg_relayed *r;
	bool cached;
};

static void add_stream(const struct tally *t, struct rg_stream *st)
{
	struct rg_relayed *r = t->r;
	uint64_t overflow = t->cached ? rg_socket_drops_cached(st->fd, &st->drops) :
		rg_socket_drops(st->fd);

	r->packets[0] += rg_counter_read(&st->c.packets);
	r->bytes[0] += rg_counter_read(&st->c.bytes);
	r->errors[0] += rg_counter_read(&st->c.errors) + overflow;
	r->socket_drops += overflow;
	r->packets[1] += st->k_done.packets + st->k_live.packets;
	r->bytes[1] += st->k_done.bytes + st->k_live.bytes;
	r->errors[1] += st->k_done.errors + st->k_live.errors;
}

static void add_media(struct rg_media *m, void *tally)
{
	add_stream(tally, &m->rtp);
	add_stream(tally, &m->rtcp);
}

static void add_call(struct rg_call *call, void *tally)
{
	rg_call_foreach_media(call, add_media, tally);
}

void rg_relayed_totals(struct rg_ctx *ctx, struct rg_relayed *out)
{
	struct tally t = { out, true };

	*out = ctx->stats.ended;
	rg_socket_drops_refresh();
	if (ctx->calls)
		rg_calls_foreach(ctx->calls, 0, add_call, &t);
}

void rg_drop_totals(struct rg_ctx *ctx, const struct rg_relayed *relayed,
		    uint64_t drops[RG_DROP_COUNT])
{
	rg_media_engine_drops(ctx->engine, drops);
	rg_offload_drops(ctx->offload, drops);	/* SRTP drops in the kernel */
	drops[RG_DROP_SOCKET_OVERFLOW] += relayed->socket_drops;
}

void rg_monologue_end(struct rg_ctx *ctx, struct rg_monologue *ml)
{
	struct tally t = { &ctx->stats.ended, false };
	guint i;

	for (i = 0; i < ml->medias->len; i++)
		if (ml->medias->pdata[i])
			add_media(ml->medias->pdata[i], &t);
	rg_monologue_remove(ml);
}

void rg_call_end(struct rg_ctx *ctx, struct rg_call *call, const char *why,
		 int64_t delay_us)
{
	struct rg_relayed t;
	struct tally end = { &t, false };

	memset(&t, 0, sizeof(t));
	rg_call_pause(call);
	rg_offload_withdraw(ctx->offload, call);	/* its kernel counters count too */
	add_call(call, &end);
	for (int p = 0; p < 2; p++) {
		ctx->stats.ended.packets[p] += t.packets[p];
		ctx->stats.ended.bytes[p] += t.bytes[p];
		ctx->stats.ended.errors[p] += t.errors[p];
	}
	ctx->stats.ended.socket_drops += t.socket_drops;
	ctx->stats.ended_sessions++;
	ctx->stats.duration_us_total += (uint64_t)(ctx->now_us - call->created_us);
	rg_log_call(LOG_INFO, call->id,
		    "call ended by %s after %lld s: %llu packets, %llu bytes, %llu errors",
		    why, (long long)((ctx->now_us - call->created_us) / 1000000),
		    (unsigned long long)(t.packets[0] + t.packets[1]),
		    (unsigned long long)(t.bytes[0] + t.bytes[1]),
		    (unsigned long long)(t.errors[0] + t.errors[1]));
	rg_call_retire(ctx->calls, call, ctx->now_us, delay_us);
}

struct sweep {
	const struct rg_limits *cfg;
	int64_t now;
	GPtrArray *due;		/* calls */
	GArray *why;		/* enum call_end */
};

static void sweep_one(struct rg_call *call, void *arg)
{
	struct sweep *sw = arg;
	enum call_end e = check(sw->cfg, call, sw->now);

	if (e == END_NONE)
		return;
	g_ptr_array_add(sw->due, call);
	g_array_append_val(sw->why, e);
}

void rg_calls_check_timeouts(struct rg_ctx *ctx, int64_t now_us)
{
	struct sweep sw = { &ctx->limits, now_us, g_ptr_array_new(), g_array_new(FALSE, FALSE, sizeof(enum call_end)) };
	enum call_end e;
	guint i;

	rg_calls_foreach(ctx->calls, 0, sweep_one, &sw);
	ctx->now_us = now_us;
	for (i = 0; i < sw.due->len; i++) {
		e = g_array_index(sw.why, enum call_end, i);
		if (e == END_TIMEOUT)
			ctx->stats.timeout_sessions++;
		else if (e == END_SILENT)
			ctx->stats.silent_timeout_sessions++;
		else if (e == END_FINAL)
			ctx->stats.final_timeout_sessions++;
		else
			ctx->stats.offer_timeout_sessions++;
		rg_call_end(ctx, sw.due->pdata[i], end_names[e], 0);
	}
	g_ptr_array_free(sw.due, TRUE);
	g_array_free(sw.why, TRUE);
}
