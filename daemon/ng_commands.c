/* ng_commands.c - ping, delete, query, list and statistics (offer and
 * answer are in call_sdp.c). */
#include "ng_commands.h"

#include <errno.h>
#include <stdio.h>

#include "call.h"
#include "call_lifetime.h"
#include "call_stats.h"
#include "ctx.h"
#include "log.h"
#include "offload.h"
#include "worker.h"

#define LIST_DEFAULT_LIMIT 32

int ng_cmd_ping(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	req->result = "pong";
	return 0;
}

static int unknown_call(struct ng_request *req)
{
	if (req->fatal)
		return ng_fail(req, "Unknown call-id");
	ng_warn(req, "Unknown call-id");
	return 0;
}

/* delete: the whole call, or - when a to-tag names one of several answers
 * to a forked offer - just that party. */
int ng_cmd_delete(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	struct rg_call *call = rg_call_lookup(ctx->calls, req->call_id);
	struct rg_monologue *ml = NULL;
	int64_t delay;

	if (!call)
		return unknown_call(req);
	if (req->from_tag && *req->from_tag &&
	    !rg_call_monologue_find(call, req->from_tag)) {
		if (req->fatal)
			return ng_fail(req, "Unknown from-tag '%s'", req->from_tag);
		ng_warn(req, "Unknown from-tag '%s'", req->from_tag);
		return 0;
	}
	if (req->to_tag && call->monologues->len > 2)
		ml = rg_call_monologue_find(call, req->to_tag);
	rg_call_pause(call);
	rg_offload_withdraw(ctx->offload, call);
	if (ml) {
		rg_log_call(LOG_INFO, call->id, "delete removes party '%s'", ml->tag);
		rg_monologue_end(ctx, ml);
		call->last_signal_us = ctx->now_us;
		rg_offload_call(ctx->offload, call);
		rg_call_resume(call);
		return 0;
	}
	if (!req->fast && rg_call_stats_add(req->arena, reply, call)) {
		rg_call_resume(call);
		return ng_fail(req, "Out of memory");
	}
	delay = req->delete_delay >= 0 ? req->delete_delay : ctx->limits.delete_delay;
	ctx->stats.deleted_sessions++;
	rg_call_end(ctx, call, "delete", delay * 1000000);
	return 0;
}

int ng_cmd_query(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	struct rg_call *call = rg_call_lookup(ctx->calls, req->call_id);
	int rc;

	if (!call)
		return ng_fail(req, "Unknown call-id");
	rg_call_pause(call);	/* what the worker learned is read while it waits */
	rg_offload_refresh(ctx->offload, call);
	rc = rg_call_stats_add(req->arena, reply, call);
	rg_call_resume(call);
	return rc ? ng_fail(req, "Out of memory") : 0;
}

struct list_ctx {
	struct rg_arena *arena;
	struct bencode_item *list;
};

static void list_one(struct rg_call *call, void *arg)
{
	struct list_ctx *lc = arg;

	bencode_list_add(lc->list, bencode_str_new(lc->arena, call->id));
}

int ng_cmd_list(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	struct list_ctx lc = { req->arena, NULL };
	int64_t limit = req->limit >= 0 ? req->limit : LIST_DEFAULT_LIMIT;

	lc.list = bencode_dict_add_list(req->arena, reply, "calls");
	if (!lc.list)
		return ng_fail(req, "Out of memory");
	if (limit > 0)
		rg_calls_foreach(ctx->calls, (unsigned)limit, list_one, &lc);
	return 0;
}

static const char *const command_names[NG_CMD_COUNT] = {
	[NG_CMD_PING] = "ping", [NG_CMD_OFFER] = "offer",
	[NG_CMD_ANSWER] = "answer", [NG_CMD_DELETE] = "delete",
	[NG_CMD_QUERY] = "query", [NG_CMD_LIST] = "list",
	[NG_CMD_STATISTICS] = "statistics",
};

static void add_control(struct rg_arena *a, struct bencode_item *stats,
			const struct rg_stats *s)
{
	struct bencode_item *d = bencode_dict_add_dict(a, stats, "controlstatistics");
	struct bencode_item *c;
	int i;

	if (!d)
		return;
	bencode_dict_add_int(a, d, "no-cookie", (int64_t)s->ng_no_cookie);
	bencode_dict_add_int(a, d, "retransmits", (int64_t)s->ng_retransmits);
	for (i = 0; i < NG_CMD_COUNT; i++) {
		c = bencode_dict_add_dict(a, d, command_names[i]);
		if (!c)
			return;
		bencode_dict_add_int(a, c, "count", (int64_t)s->ng[i].count);
		bencode_dict_add_int(a, c, "errors", (int64_t)s->ng[i].errors);
		bencode_dict_add_int(a, c, "average-us", s->ng[i].count ?
			(int64_t)(s->ng[i].total_us / s->ng[i].count) : 0);
	}
}

/* What was relayed since start, in all and by path (rg_relayed_totals). */
static void add_relayed(struct rg_arena *a, struct bencode_item *tot,
			const struct rg_relayed *r)
{
	static const char *const path[2] = { "userspace", "kernel" };
	char key[48];
	int p;

	bencode_dict_add_int(a, tot, "relayedpackets", (int64_t)(r->packets[0] + r->packets[1]));
	bencode_dict_add_int(a, tot, "relayedbytes", (int64_t)(r->bytes[0] + r->bytes[1]));
	bencode_dict_add_int(a, tot, "relayedpacketerrors", (int64_t)(r->errors[0] + r->errors[1]));
	for (p = 0; p < 2; p++) {
		snprintf(key, sizeof(key), "relayedpackets_%s", path[p]);
		bencode_dict_add_int(a, tot, key, (int64_t)r->packets[p]);
		snprintf(key, sizeof(key), "relayedbytes_%s", path[p]);
		bencode_dict_add_int(a, tot, key, (int64_t)r->bytes[p]);
		snprintf(key, sizeof(key), "relayedpacketerrors_%s", path[p]);
		bencode_dict_add_int(a, tot, key, (int64_t)r->errors[p]);
	}
}

static void add_drops(struct rg_ctx *ctx, struct rg_arena *a, struct bencode_item *tot,
		      const struct rg_relayed *r)
{
	struct bencode_item *d = bencode_dict_add_dict(a, tot, "drops");
	uint64_t drops[RG_DROP_COUNT];
	int i;

	rg_drop_totals(ctx, r, drops);
	for (i = 0; d && i < RG_DROP_COUNT; i++)
		bencode_dict_add_int(a, d, rg_drop_names[i], (int64_t)drops[i]);
}

int ng_statistics_add(struct rg_ctx *ctx, struct rg_arena *a, struct bencode_item *reply)
{
	const struct rg_stats *s = &ctx->stats;
	struct bencode_item *stats, *cur, *tot;
	unsigned n = rg_calls_count(ctx->calls);
	struct rg_relayed r;

	stats = bencode_dict_add_dict(a, reply, "statistics");
	cur = stats ? bencode_dict_add_dict(a, stats, "currentstatistics") : NULL;
	tot = stats ? bencode_dict_add_dict(a, stats, "totalstatistics") : NULL;
	if (!cur || !tot)
		return -ENOMEM;
	bencode_dict_add_int(a, cur, "sessionsown", n);
	bencode_dict_add_int(a, cur, "sessionsforeign", 0);
	bencode_dict_add_int(a, cur, "sessionstotal", n);
	bencode_dict_add_int(a, tot, "uptime", (ctx->now_us - ctx->started_us) / 1000000);
	bencode_dict_add_int(a, tot, "managedsessions", (int64_t)s->managed_sessions);
	bencode_dict_add_int(a, tot, "rejectedsessions", (int64_t)s->rejected_offers);
	bencode_dict_add_int(a, tot, "regularterminatedsessions", (int64_t)s->deleted_sessions);
	bencode_dict_add_int(a, tot, "forcedterminatedsessions", (int64_t)s->forced_terminated_sessions);
	bencode_dict_add_int(a, tot, "timeoutsessions", (int64_t)s->timeout_sessions);
	bencode_dict_add_int(a, tot, "silenttimeoutsessions", (int64_t)s->silent_timeout_sessions);
	bencode_dict_add_int(a, tot, "finaltimeoutsessions", (int64_t)s->final_timeout_sessions);
	bencode_dict_add_int(a, tot, "offertimeoutsessions", (int64_t)s->offer_timeout_sessions);
	rg_relayed_totals(ctx, &r);
	add_drops(ctx, a, tot, &r);
	add_relayed(a, tot, &r);
	bencode_dict_add_int(a, tot, "avgcallduration", s->ended_sessions ?
		(int64_t)(s->duration_us_total / s->ended_sessions / 1000000) : 0);
	add_control(a, stats, s);
	return 0;
}

int ng_cmd_statistics(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply)
{
	return ng_statistics_add(ctx, req->arena, reply) ? ng_fail(req, "Out of memory") : 0;
}
