/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - a target's counters: per-cpu packet counters, the time of the
 * last forwarded packet and per-SSRC RTP statistics (lib/rtp.c).
 */
#ifndef RTPG_STATS_H
#define RTPG_STATS_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

#include "rtpgate_abi.h"
#include "rtp.h"

/* One CPU's share; written only by that CPU on the packet path. */
struct rtpg_pcpu_stats {
	u64_stats_t packets;		/* forwarded */
	u64_stats_t bytes;		/* forwarded, UDP payload */
	u64_stats_t handed_up;		/* left to userspace */
	u64_stats_t drops[__RTPG_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct rtpg_stats {
	struct rtpg_pcpu_stats __percpu *pcpu;
	atomic64_t last_ns;		/* ktime_get_real_ns of the last forward */
	spinlock_t ssrc_lock;		/* protects ssrc_used and ssrc[] */
	unsigned int ssrc_used;		/* slots taken, first come first served */
	struct rtp_ssrc_stats ssrc[RTPG_SSRC_MAX];
};

/* A consistent copy for a netlink reply. */
struct rtpg_stats_snapshot {
	u64 packets, bytes, handed_up, errors, last_ns;
	u64 drops[__RTPG_DROP_MAX];
	unsigned int ssrc_used;
	struct rtp_ssrc_stats ssrc[RTPG_SSRC_MAX];
};

/* Sets up zeroed counters in *@st. Returns 0 or -ENOMEM. */
int rtpg_stats_init(struct rtpg_stats *st);

/* Frees what rtpg_stats_init allocated. Callable from an RCU callback. */
void rtpg_stats_destroy(struct rtpg_stats *st);

/* Packet path (any context, BH or not). */
void rtpg_stats_forwarded(struct rtpg_stats *st, unsigned int payload_len);
void rtpg_stats_handed_up(struct rtpg_stats *st);
void rtpg_stats_dropped(struct rtpg_stats *st, enum rtpg_drop why);

/* Counts RTP packet @h for its SSRC, @arrival in 8 kHz units (the ABI's
 * assumed clock rate). SSRCs beyond RTPG_SSRC_MAX are not counted. Takes
 * st->ssrc_lock. */
void rtpg_stats_rtp(struct rtpg_stats *st, const struct rtp_header *h,
		    u32 arrival);

/* Sums the per-cpu counters and copies the SSRC slots into *@out. Takes
 * st->ssrc_lock; process or BH context. */
void rtpg_stats_read(struct rtpg_stats *st, struct rtpg_stats_snapshot *out);

#endif
