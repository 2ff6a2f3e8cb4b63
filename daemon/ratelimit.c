/* ratelimit.c - see ratelimit.h. */
#include "ratelimit.h"

#include <glib.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "call.h"
#include "call_lifetime.h"
#include "ctx.h"
#include "log.h"

const char *const rg_load_limit_names[RG_LIMIT_COUNT] = {
	[RG_LIMIT_LOAD] = "load",
	[RG_LIMIT_CPU] = "cpu",
	[RG_LIMIT_BANDWIDTH] = "bandwidth",
};

static uint64_t cpu_time_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec +
	       (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec;
}

/* Takes a sample into the ring and measures each value. */
static void measure(struct rg_ctx *ctx, struct rg_load *l)
{
	const struct rg_load_sample *old;
	struct rg_load_sample *s = &l->ring[l->next];
	struct rg_relayed r;
	double loadavg[1], secs;

	rg_relayed_totals(ctx, &r);
	s->at_us = g_get_monotonic_time();
	s->cpu_us = cpu_time_us();
	s->bytes = r.bytes[0] + r.bytes[1];
	l->next = (l->next + 1) % RG_LOAD_SAMPLES;
	if (l->count < RG_LOAD_SAMPLES)
		l->count++;
	/* the oldest sample held: the ring's next slot once it is full */
	old = &l->ring[l->count < RG_LOAD_SAMPLES ? 0 : l->next];
	secs = (double)(s->at_us - old->at_us) / 1e6;
	/* totals can shrink: a forked party removed takes its counters along */
	if (secs > 0) {
		l->value[RG_LIMIT_CPU] = s->cpu_us < old->cpu_us ? 0 :
			(double)(s->cpu_us - old->cpu_us) / 1e4 / secs;
		l->value[RG_LIMIT_BANDWIDTH] = s->bytes < old->bytes ? 0 :
			(double)(s->bytes - old->bytes) / secs;
	}
	if (getloadavg(loadavg, 1) == 1)
		l->value[RG_LIMIT_LOAD] = loadavg[0];
}

static void log_change(struct rg_load *l, const double max[RG_LIMIT_COUNT], bool was)
{
	static const char *const option[RG_LIMIT_COUNT] = {
		[RG_LIMIT_LOAD] = "--max-load (1-minute load average)",
		[RG_LIMIT_CPU] = "--max-cpu (percent of one core)",
		[RG_LIMIT_BANDWIDTH] = "--max-bandwidth (bytes relayed per second)",
	};
	int i;

	if (was == l->refusing)
		return;
	if (!l->refusing) {
		rg_log(LOG_NOTICE, "load limits: accepting new calls again");
		return;
	}
	for (i = 0; i < RG_LIMIT_COUNT; i++)
		if (l->over[i])
			rg_log(LOG_WARNING, "load limits: refusing new calls: %.2f is over %s %.2f",
			       l->value[i], option[i], max[i]);
}

void rg_ratelimit_tick(struct rg_ctx *ctx)
{
	struct rg_load *l = &ctx->load;
	const double max[RG_LIMIT_COUNT] = {
		[RG_LIMIT_LOAD] = ctx->limits.max_load,
		[RG_LIMIT_CPU] = ctx->limits.max_cpu,
		[RG_LIMIT_BANDWIDTH] = (double)ctx->limits.max_bandwidth,
	};
	bool was = l->refusing;
	int i;

	measure(ctx, l);
	l->refusing = false;
	for (i = 0; i < RG_LIMIT_COUNT; i++) {
		l->over[i] = max[i] > 0 && l->value[i] > max[i];
		l->refusing = l->refusing || l->over[i];
	}
	log_change(l, max, was);
	rg_log_flush_suppressed();
}
