/* call_lifetime.h - how calls end: by delete, or by a timeout.
 *
 * Checked about once a second by the control thread:
 *   final-timeout   the call is older than this (0: off);
 *   offer-timeout   never answered for this long;
 *   timeout         answered, and no packet from either party (nor any
 *                   signalling) for this long;
 *   silent-timeout  used instead of timeout when the call is on hold
 *                   (a direction attribute or 0.0.0.0 stops a party
 *                   sending), and also ends a call where one party has been
 *                   silent this long while the other still sends.
 * A timeout of 0 turns that check off.
 */
#ifndef RG_CALL_LIFETIME_H
#define RG_CALL_LIFETIME_H

#include <stdint.h>

#include "relay.h"

struct rg_ctx;
struct rg_call;
struct rg_monologue;
struct rg_relayed;

/* Ends @call: counts it, logs its totals, and retires it (ports kept for
 * @delay_us). The call must not be used afterwards. */
void rg_call_end(struct rg_ctx *ctx, struct rg_call *call, const char *why,
		 int64_t delay_us);

/* Removes party @ml from its call (paused), keeping what it relayed in
 * the totals of ended calls. */
void rg_monologue_end(struct rg_ctx *ctx, struct rg_monologue *ml);

/* What has been relayed since start, by path: ended calls plus every live
 * stream (counters read with relaxed loads; the kernel's as last polled).
 * Control thread. */
void rg_relayed_totals(struct rg_ctx *ctx, struct rg_relayed *out);

/* Dropped packets since start, by reason (enum rg_drop_reason): the
 * workers', the kernel module's, and the kernel's at full sockets (from
 * @relayed, what rg_relayed_totals() gave). Control thread. */
void rg_drop_totals(struct rg_ctx *ctx, const struct rg_relayed *relayed,
		    uint64_t drops[RG_DROP_COUNT]);

/* Ends every call whose time is up at @now_us. */
void rg_calls_check_timeouts(struct rg_ctx *ctx, int64_t now_us);

#endif
