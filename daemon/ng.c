/* ng.c - NG request dispatch: decode, check, run the command's handler,
 * build the reply. Error replies are built here and only here.
 */
#include "ng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "log.h"
#include "ng_commands.h"

/* A request and everything decoded from it may use this much memory. */
#define NG_ARENA_LIMIT (16u << 20)
#define NG_WARNINGS_MAX 4096

enum { NEED_CALL_ID = 1, NEED_FROM_TAG = 2, NEED_TO_TAG = 4, NEED_SDP = 8 };

struct ng_command_def {
	const char *name;
	enum ng_command cmd;
	unsigned needs;
	int (*handler)(struct rg_ctx *ctx, struct ng_request *req,
		       struct bencode_item *reply);
};

static const struct ng_command_def commands[] = {
	{ "ping", NG_CMD_PING, 0, ng_cmd_ping },
	{ "offer", NG_CMD_OFFER, NEED_CALL_ID | NEED_FROM_TAG | NEED_SDP, ng_cmd_offer },
	{ "answer", NG_CMD_ANSWER, NEED_CALL_ID | NEED_FROM_TAG | NEED_TO_TAG | NEED_SDP, ng_cmd_answer },
	{ "delete", NG_CMD_DELETE, NEED_CALL_ID, ng_cmd_delete },
	{ "query", NG_CMD_QUERY, NEED_CALL_ID, ng_cmd_query },
	{ "list", NG_CMD_LIST, 0, ng_cmd_list },
	{ "statistics", NG_CMD_STATISTICS, 0, ng_cmd_statistics },
};

int ng_fail(struct ng_request *req, const char *fmt, ...)
{
	va_list ap;

	if (req->error_reason)	/* the first error is the one worth reading */
		return -EINVAL;
	va_start(ap, fmt);
	req->error_reason = rg_arena_vprintf(req->arena, fmt, ap);
	va_end(ap);
	if (!req->error_reason)
		req->error_reason = "Request too large";
	return -EINVAL;
}

void ng_warn(struct ng_request *req, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* bounded: past the cap, one marker says warnings were left out */
	if (req->warnings.len >= NG_WARNINGS_MAX) {
		if (!req->warnings_truncated)
			rg_buf_append_str(&req->warnings, "; (more warnings left out)");
		req->warnings_truncated = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (req->warnings.len)
		rg_buf_append_str(&req->warnings, "; ");
	rg_buf_append_str(&req->warnings, msg);
}

static const struct ng_command_def *command_lookup(const struct bencode_item *v)
{
	size_t i;

	if (!v || v->type != BENCODE_STRING)
		return NULL;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strlen(commands[i].name) == v->len &&
		    strncasecmp(commands[i].name, v->str, v->len) == 0)
			return &commands[i];
	return NULL;
}

/* The value of "command", matched as leniently as every other key. */
static const struct bencode_item *find_command(struct rg_arena *arena,
					       const struct bencode_item *dict)
{
	const struct bencode_item *k;
	char *name;

	for (k = dict->child; k && k->next; k = k->next->next) {
		name = ng_key_normalize(arena, k->str, k->len);
		if (name && strcmp(name, "command") == 0)
			return k->next;
	}
	return NULL;
}

static int check_needs(struct ng_request *req, unsigned needs)
{
	if ((needs & NEED_CALL_ID) && (!req->call_id || !*req->call_id))
		return ng_fail(req, "No call-id in message");
	if ((needs & NEED_FROM_TAG) && (!req->from_tag || !*req->from_tag))
		return ng_fail(req, "No from-tag in message");
	if ((needs & NEED_TO_TAG) && (!req->to_tag || !*req->to_tag))
		return ng_fail(req, "No to-tag in message");
	if ((needs & NEED_SDP) && !req->sdp)
		return ng_fail(req, "No SDP body in message");
	return 0;
}

static int run(struct rg_ctx *ctx, struct ng_request *req, const char *buf,
	       size_t len, struct bencode_item *reply)
{
	const struct ng_command_def *def;
	const struct bencode_item *dict, *cmd;
	struct rg_ng_counters *counters;
	const char *err = NULL;
	int64_t t0;
	int rc;

	rc = bencode_decode(req->arena, buf, len, &bencode_ng_limits,
			    (struct bencode_item **)&dict, &err);
	if (rc)
		return ng_fail(req, "Failed to decode bencode: %s",
			       err ? err : "malformed");
	if (dict->type != BENCODE_DICT)
		return ng_fail(req, "Request is not a dictionary");
	cmd = find_command(req->arena, dict);
	if (!cmd)
		return ng_fail(req, "No command in message");
	def = command_lookup(cmd);
	if (!def)
		return ng_fail(req, "Unrecognized command");
	req->cmd = def->cmd;
	counters = &ctx->stats.ng[def->cmd];
	counters->count++;
	rc = ng_params_parse(req, dict);
	if (!rc)
		rc = check_needs(req, def->needs);
	if (!rc) {
		t0 = g_get_monotonic_time();
		ctx->now_us = g_get_real_time();
		rc = def->handler(ctx, req, reply);
		rg_ng_observe(counters, (uint64_t)(g_get_monotonic_time() - t0));
	}
	if (rc) {
		counters->errors++;
		if (def->cmd == NG_CMD_OFFER)
			ctx->stats.rejected_offers++;
		rg_log_call(LOG_WARNING, req->call_id, "%s failed: %s", def->name,
			    req->load_limit ? "load limit" : req->error_reason);
	} else {
		rg_log_call(LOG_INFO, req->call_id, "%s ok", def->name);
	}
	return rc;
}

/* {result, [error-reason], [warning], handler's keys...} */
static struct bencode_item *finish(struct ng_request *req, int rc,
				   struct bencode_item *body)
{
	struct bencode_item *reply = bencode_dict_new(req->arena);

	if (!reply)
		return NULL;
	if (rc && req->load_limit) {
		bencode_dict_add_str(req->arena, reply, "result", "load limit");
		return reply;
	}
	if (rc) {
		bencode_dict_add_str(req->arena, reply, "result", "error");
		bencode_dict_add_str(req->arena, reply, "error-reason",
				     req->error_reason ? req->error_reason : "Internal error");
		return reply;
	}
	bencode_dict_add_str(req->arena, reply, "result", req->result);
	if (req->warnings.len && rg_buf_finish(&req->warnings) == 0)
		bencode_dict_add_strn(req->arena, reply, "warning",
				      req->warnings.data, req->warnings.len);
	/* splice the handler's pairs after ours: same arena, same lifetime */
	if (body && body->child) {
		reply->last->next = body->child;
		reply->last = body->last;
		reply->count += body->count;
	}
	return reply;
}

void rg_ng_process(struct rg_ctx *ctx, const char *buf, size_t len,
		   const struct sockaddr *source, struct rg_buf *out)
{
	static const char oom[] =
		"d6:result5:error12:error-reason13:Out of memorye";
	struct ng_request req = { 0 };
	struct bencode_item *body, *reply;
	int rc;

	req.arena = rg_arena_create(NG_ARENA_LIMIT);
	if (!req.arena) {
		rg_buf_append(out, oom, sizeof(oom) - 1);
		return;
	}
	req.source = source;
	req.result = "ok";
	req.tos = -1;
	req.delete_delay = -1;
	req.limit = -1;
	rg_buf_init(&req.warnings, 0);
	body = bencode_dict_new(req.arena);
	rc = body ? run(ctx, &req, buf, len, body) : ng_fail(&req, "Out of memory");
	reply = finish(&req, rc, body);
	if (reply)
		bencode_encode(reply, out);
	else
		rg_buf_append(out, oom, sizeof(oom) - 1);
	rg_buf_free(&req.warnings);
	rg_arena_destroy(req.arena);
}
