/* offload.h - which streams the kernel module forwards, and when.
 *
 * A stream (a relay port one party sends to) is handed to the kernel when
 * the kernel is in use and
 *   - its party's address is settled: locked after learning (relay.h), or
 *     the SDP address for an asymmetric party;
 *   - the partner's stream it forwards to has a destination;
 *   - all addresses are of one family (IPv4/IPv6 bridging stays in
 *     userspace, as the kernel ABI wants one family per target).
 * Packets from another source are handed up to userspace (which applies
 * handover and "forward anyway"), or dropped in the kernel with
 * strict-source. RTCP on a muxing party's RTP port is forwarded by the
 * kernel when the partner muxes too, else handed up for demuxing.
 *
 * Signalling about a call (offer, answer, delete, timeout) takes all its
 * streams back first, keeping what the kernel counted; the worker tells
 * the control thread when a stream locks or moves, and the call is then
 * looked at again. Kernel counters are read about once a second.
 *
 * SRTP streams go to the kernel too, with session keys and each SSRC's
 * rollover counter (offload.c says what goes and what stays in
 * userspace); SRTP drops the kernel counted are
 * added to the userspace relay's counters of the same names.
 *
 * Control thread only, except rg_offload_notice (worker threads).
 */
#ifndef RG_OFFLOAD_H
#define RG_OFFLOAD_H

#include <stdint.h>

#include "relay.h"

struct rg_ctx;
struct rg_call;
struct rg_stream;
struct rg_offload;

struct rg_offload *rg_offload_create(struct rg_ctx *ctx);
void rg_offload_destroy(struct rg_offload *o);

/* @call paused: hands its eligible streams to the kernel (or updates them). */
void rg_offload_call(struct rg_offload *o, struct rg_call *call);

/* @call paused: takes all its streams back from the kernel, adding what the
 * kernel counted to the streams' totals. */
void rg_offload_withdraw(struct rg_offload *o, struct rg_call *call);

/* @call paused: reads the kernel's current counters for @call's streams in
 * the kernel (query wants them exact, not as of the last poll). */
void rg_offload_refresh(struct rg_offload *o, struct rg_call *call);

/* About once a second: looks again at calls the workers gave notice of,
 * and reads the kernel's counters into the streams it forwards. */
void rg_offload_poll(struct rg_offload *o);

/* Worker thread: @st locked or moved; its call is looked at again by the
 * next rg_offload_poll() in the control thread. */
void rg_offload_notice(struct rg_offload *o, struct rg_stream *st, int64_t now_us);

/* Adds the drops the kernel counted, as of the last poll, to @drops under
 * the userspace relay's names (srtp-auth, srtp-replay, srtp-failed);
 * reasons without a userspace name are left out. NULL @o adds nothing. */
void rg_offload_drops(const struct rg_offload *o, uint64_t drops[RG_DROP_COUNT]);

/* Streams the kernel forwards now. */
unsigned rg_offload_count(const struct rg_offload *o);

#endif
