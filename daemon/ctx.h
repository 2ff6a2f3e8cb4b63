/* ctx.h - the daemon's context, passed explicitly to everything that needs
 * configuration, interfaces, calls or the clock (no hidden globals).
 *
 * Locking: the control plane (NG, timers) runs in one thread, the glib main
 * loop's, and owns everything here; nothing in it is touched by another
 * thread yet.
 */
#ifndef RG_CTX_H
#define RG_CTX_H

#include <glib.h>
#include <stdint.h>

#include "config.h"
#include "ng.h"
#include "ratelimit.h"

struct rg_calls;
struct rg_kernel;
struct rg_media_engine;
struct rg_nft_rules;
struct rg_offload;
struct rg_dtls_cert;
struct rg_ice_driver;

#define RG_NG_BUCKETS 13	/* handling-time histogram: bounds, then +Inf */

/* Packets, bytes and errors relayed, by path: [0] userspace (received on
 * the relay sockets), [1] kernel (forwarded by the module). */
struct rg_relayed {
	uint64_t packets[2], bytes[2], errors[2];
	uint64_t socket_drops;	/* of errors[0]: dropped by the kernel at full sockets */
};

struct rg_ng_counters {
	uint64_t count;
	uint64_t errors;
	uint64_t total_us;	/* time spent handling, for the average */
	uint64_t buckets[RG_NG_BUCKETS + 1];	/* handlers run, by time taken */
};

/* The upper bound of histogram bucket @i in microseconds (UINT64_MAX for
 * the last, +Inf). */
static inline uint64_t rg_ng_bucket_us(unsigned i)
{
	static const uint32_t bound[RG_NG_BUCKETS] = {
		100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
		100000, 250000, 500000, 1000000,
	};

	return i < RG_NG_BUCKETS ? bound[i] : UINT64_MAX;
}

/* Records one handler run of @us microseconds. */
static inline void rg_ng_observe(struct rg_ng_counters *c, uint64_t us)
{
	unsigned i = 0;

	while (i < RG_NG_BUCKETS && us > rg_ng_bucket_us(i))
		i++;
	c->buckets[i]++;
	c->total_us += us;
}

struct rg_stats {
	uint64_t managed_sessions;	/* calls created since start */
	uint64_t rejected_offers;	/* offers answered with an error */
	uint64_t deleted_sessions;	/* calls ended by delete */
	uint64_t forced_terminated_sessions;	/* ended by the CLI's terminate */
	uint64_t duration_us_total;	/* summed length of ended calls */
	uint64_t ended_sessions;
	struct rg_relayed ended;	/* relayed by ended calls and removed parties */
	uint64_t timeout_sessions;	/* no media for --timeout */
	uint64_t silent_timeout_sessions;	/* on hold, for --silent-timeout */
	uint64_t final_timeout_sessions;	/* longer than --final-timeout */
	uint64_t offer_timeout_sessions;	/* never answered */
	uint64_t ng_no_cookie;		/* datagrams dropped: no cookie */
	uint64_t ng_retransmits;	/* answered from the cookie cache */
	struct rg_ng_counters ng[NG_CMD_COUNT];
};

/* What an operator may change at run time (CLI port); starts as the
 * config says. Control thread only. */
struct rg_limits {
	int max_sessions;		/* -1: none */
	int timeout, silent_timeout, final_timeout, offer_timeout;	/* s, 0: off */
	int delete_delay;		/* s */
	double max_load, max_cpu;	/* refuse new calls above; 0: off */
	int64_t max_bandwidth;		/* bytes/s relayed; 0: off */
};

/* Copies the run-time adjustable values from @cfg. */
static inline void rg_limits_from_config(struct rg_limits *l, const struct rg_config *cfg)
{
	l->max_sessions = cfg->max_sessions;
	l->timeout = cfg->timeout;
	l->silent_timeout = cfg->silent_timeout;
	l->final_timeout = cfg->final_timeout;
	l->offer_timeout = cfg->offer_timeout;
	l->delete_delay = cfg->delete_delay;
	l->max_load = cfg->max_load;
	l->max_cpu = cfg->max_cpu;
	l->max_bandwidth = cfg->max_bandwidth;
}

struct rg_ctx {
	const struct rg_config *cfg;
	struct rg_limits limits;	/* starts from cfg, changed by the CLI */
	GPtrArray *interfaces;		/* struct rg_interface *, first = default */
	struct rg_calls *calls;
	struct rg_media_engine *engine;	/* NULL: no forwarding (unit tests) */
	struct rg_kernel *kernel;	/* NULL: userspace forwarding only */
	struct rg_offload *offload;	/* which streams the kernel forwards */
	struct rg_nft_rules *nft_rules;	/* steer relay ports to the kernel */
	struct rg_dtls_cert *dtls_cert;	/* DTLS-SRTP identity; NULL: no DTLS */
	struct rg_ice_driver *ice_driver; /* full ICE agents' checks; NULL: lite only */
	struct rg_stats stats;
	struct rg_load load;		/* offer refusal by load (ratelimit.h) */
	int64_t started_us;		/* wall clock at start */
	int64_t now_us;			/* wall clock at the start of this request */
};

#endif
