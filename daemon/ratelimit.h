/* ratelimit.h - refusing new calls while the host or the daemon is
 * overloaded (--max-load, --max-cpu, --max-bandwidth), and the relayed
 * totals those limits and the metrics read.
 *
 * Once a second the control loop samples the 1-minute load average, the
 * daemon's own CPU time (getrusage, all threads) and the bytes relayed, and
 * decides whether new offers are refused. Only offers that would create a
 * call are refused, with the max-sessions reply; re-offers, answers and the
 * media of running calls are never touched by a limit. CPU use and byte
 * rate are measured over the last RG_LOAD_SAMPLES - 1 seconds, so a limit
 * changed at run time takes effect within a second.
 *
 * Locking: control thread only, like everything in struct rg_ctx.
 */
#ifndef RG_RATELIMIT_H
#define RG_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rg_ctx;

#define RG_LOAD_SAMPLES 4	/* one a second: rates over the last 3 s */

enum rg_load_limit {
	RG_LIMIT_LOAD,		/* --max-load: 1-minute load average */
	RG_LIMIT_CPU,		/* --max-cpu: the daemon's CPU, percent of one core */
	RG_LIMIT_BANDWIDTH,	/* --max-bandwidth: bytes relayed per second */
	RG_LIMIT_COUNT,
};

/* "load", "cpu", "bandwidth" */
extern const char *const rg_load_limit_names[RG_LIMIT_COUNT];

struct rg_load_sample {
	int64_t at_us;		/* monotonic */
	uint64_t cpu_us;	/* user + system time of the process */
	uint64_t bytes;		/* relayed since start, every path */
};

struct rg_load {
	struct rg_load_sample ring[RG_LOAD_SAMPLES];
	unsigned next, count;		/* ring write position, samples held */
	double value[RG_LIMIT_COUNT];	/* the last measurement of each */
	bool over[RG_LIMIT_COUNT];	/* limit set and exceeded */
	bool refusing;			/* any over: new offers are refused */
};

/* Once a second from the control loop: takes a sample, updates
 * ctx->load (logging when refusal starts or stops) and writes the log's
 * pending "similar messages suppressed" lines. */
void rg_ratelimit_tick(struct rg_ctx *ctx);

#endif
