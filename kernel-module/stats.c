// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - a target's counters, see stats.h.
 *
 * Packet counters are per-cpu (no shared cache line on the packet path);
 * the per-SSRC state of RFC 3550 A.1/A.8 cannot be split across CPUs, so
 * it sits under one spinlock per target. One stream arrives on one CPU
 * (RSS hashes a flow to one queue), so the lock is rarely contended.
 */
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/ktime.h>

#include "stats.h"

int rtpg_stats_init(struct rtpg_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	st->pcpu = alloc_percpu_gfp(struct rtpg_pcpu_stats,
				    GFP_KERNEL_ACCOUNT);
	if (!st->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(st->pcpu, cpu)->syncp);
	spin_lock_init(&st->ssrc_lock);
	atomic64_set(&st->last_ns, 0);
	return 0;
}

void rtpg_stats_destroy(struct rtpg_stats *st)
{
	free_percpu(st->pcpu);
	st->pcpu = NULL;
}

void rtpg_stats_forwarded(struct rtpg_stats *st, unsigned int payload_len)
{
	struct rtpg_pcpu_stats *s = get_cpu_ptr(st->pcpu);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, payload_len);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(st->pcpu);
	atomic64_set(&st->last_ns, ktime_get_real_ns());
}

void rtpg_stats_handed_up(struct rtpg_stats *st)
{
	struct rtpg_pcpu_stats *s = get_cpu_ptr(st->pcpu);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->handed_up);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(st->pcpu);
}

void rtpg_stats_dropped(struct rtpg_stats *st, enum rtpg_drop why)
{
	struct rtpg_pcpu_stats *s;

	if (WARN_ON_ONCE((unsigned int)why >= __RTPG_DROP_MAX))
		return;
	s = get_cpu_ptr(st->pcpu);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[why]);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(st->pcpu);
}

void rtpg_stats_rtp(struct rtpg_stats *st, const struct rtp_header *h,
		    u32 arrival)
{
	unsigned int i;

	spin_lock_bh(&st->ssrc_lock);
	for (i = 0; i < st->ssrc_used; i++)
		if (st->ssrc[i].ssrc == h->ssrc)
			break;
	if (i == st->ssrc_used) {
		if (i == RTPG_SSRC_MAX)
			goto out;
		st->ssrc_used++;
	}
	rtp_ssrc_stats_update(&st->ssrc[i], h, arrival);
out:
	spin_unlock_bh(&st->ssrc_lock);
}

/* Adds one CPU's counters to *@out, retrying while a 32-bit writer is
 * half-way through an update. */
static void add_cpu(const struct rtpg_pcpu_stats *s,
		    struct rtpg_stats_snapshot *out)
{
	u64 packets, bytes, handed_up, drops[__RTPG_DROP_MAX];
	unsigned int start, i;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		packets = u64_stats_read(&s->packets);
		bytes = u64_stats_read(&s->bytes);
		handed_up = u64_stats_read(&s->handed_up);
		for (i = 0; i < __RTPG_DROP_MAX; i++)
			drops[i] = u64_stats_read(&s->drops[i]);
	} while (u64_stats_fetch_retry(&s->syncp, start));
	out->packets += packets;
	out->bytes += bytes;
	out->handed_up += handed_up;
	for (i = 0; i < __RTPG_DROP_MAX; i++) {
		out->drops[i] += drops[i];
		out->errors += drops[i];
	}
}

void rtpg_stats_read(struct rtpg_stats *st, struct rtpg_stats_snapshot *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu)
		add_cpu(per_cpu_ptr(st->pcpu, cpu), out);
	out->last_ns = atomic64_read(&st->last_ns);
	spin_lock_bh(&st->ssrc_lock);
	out->ssrc_used = st->ssrc_used;
	memcpy(out->ssrc, st->ssrc, sizeof(out->ssrc));
	spin_unlock_bh(&st->ssrc_lock);
}
