/* ng_commands.h - the handler of each NG command.
 *
 * Each takes the request (already parsed and checked for the keys its
 * command needs) and adds its keys to @reply; it returns 0, or a negative
 * errno after ng_fail() (the dispatcher then replies with the reason).
 */
#ifndef RG_NG_COMMANDS_H
#define RG_NG_COMMANDS_H

#include "bencode.h"
#include "ng.h"

struct rg_ctx;

int ng_cmd_ping(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_offer(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_answer(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_delete(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_query(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_list(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);
int ng_cmd_statistics(struct rg_ctx *ctx, struct ng_request *req, struct bencode_item *reply);

/* Adds {"statistics": {currentstatistics, totalstatistics,
 * controlstatistics}} to @reply from @ctx's counters, as the NG statistics
 * command replies (the CLI's `list jsonstats` shows the same). Uses
 * ctx->now_us for the uptime. 0, or -ENOMEM when @arena is exhausted. */
int ng_statistics_add(struct rg_ctx *ctx, struct rg_arena *arena, struct bencode_item *reply);

#endif
