/* call_lifetime.c - see call_lifetime.h. */
#include "call_lifetime.h"

#include <glib.h>

#include "call.h"
#include "ctx.h"
#include "log.h"

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
		t = atomic_load_explicit(&m->rtp.c.last_packet_us, memory_order_relaxed);
		*last = t > *last ? t : *last;
		t = atomic_load_explicit(&m->rtcp.c.last_packet_us, memory_order_relaxed);
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

struct totals {
	uint64_t packets, bytes, errors;
};

static void add_totals(struct rg_media *m, void *arg)
{
	struct totals *t = arg;

	t->packets += rg_counter_read(&m->rtp.c.packets) + rg_counter_read(&m->rtcp.c.packets);
	t->bytes += rg_counter_read(&m->rtp.c.bytes) + rg_counter_read(&m->rtcp.c.bytes);
	t->errors += rg_counter_read(&m->rtp.c.errors) + rg_counter_read(&m->rtcp.c.errors);
}

void rg_call_end(struct rg_ctx *ctx, struct rg_call *call, const char *why,
		 int64_t delay_us)
{
	struct totals t = { 0, 0, 0 };

	rg_call_foreach_media(call, add_totals, &t);
	ctx->stats.ended_sessions++;
	ctx->stats.ended_packets += t.packets;
	ctx->stats.ended_bytes += t.bytes;
	ctx->stats.ended_errors += t.errors;
	ctx->stats.duration_us_total += (uint64_t)(ctx->now_us - call->created_us);
	rg_log_call(LOG_INFO, call->id,
		    "call ended by %s after %lld s: %llu packets, %llu bytes, %llu errors",
		    why, (long long)((ctx->now_us - call->created_us) / 1000000),
		    (unsigned long long)t.packets, (unsigned long long)t.bytes,
		    (unsigned long long)t.errors);
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
