/* relay.h - the userspace packet path: what happens to the packets that
 * arrive on one relay socket, and how the control thread hands a call's
 * sockets to its worker and takes them back.
 *
 * A packet arriving on party A's stream of media i leaves from party B's
 * stream of the same media and kind (RTP or RTCP) towards B: to the address
 * B's packets were learned from, else the one B's SDP gave. rtcp-mux: a
 * party that multiplexes sends and receives RTCP on its RTP stream; RTCP is
 * told apart there by its packet type (RFC 5761 section 4).
 *
 * Learning (symmetric RTP, for NAT): after each signalling event a stream
 * is open; its first packet's source is taken as the party's address and a
 * learning window of RG_LEARN_WINDOW_US opens, in which the latest source
 * wins; then the address is locked. Once locked, packets from another
 * source are dropped with strict-source, followed with media-handover, and
 * otherwise forwarded while media keeps going to the locked address.
 * asymmetric never learns: media goes to the SDP address. port-latching
 * keeps a locked address across later signalling.
 */
#ifndef RG_RELAY_H
#define RG_RELAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RG_LEARN_WINDOW_US (3 * 1000000)

/* A relay packet buffer: the longest datagram read is RG_PKT_MAX less
 * RG_SRTP_TRAILER_ROOM (srtp.h), the room encrypting may add. Buffers
 * handed to rg_relay_packet() are RG_PKT_MAX bytes, 16-byte aligned. */
#define RG_PKT_MAX 4096

enum rg_drop_reason {
	RG_DROP_NO_DESTINATION,	/* the other party's address is not known yet */
	RG_DROP_SOURCE,		/* strict-source: not from the locked address */
	RG_DROP_SEND,		/* the kernel refused to send it */
	RG_DROP_TOO_BIG,	/* larger than the relay's packet buffer */
	RG_DROP_SRTP_AUTH,	/* SRTP/SRTCP authentication failed */
	RG_DROP_SRTP_REPLAY,	/* SRTP replay (seen before, or too old) */
	RG_DROP_SRTP,		/* SRTP could not be applied (keys, room) */
	RG_DROP_NOT_MEDIA,	/* STUN/DTLS/other not taken (relay_webrtc.h) */
	RG_DROP_SRTP_PENDING,	/* an SRTP party's keys not ready (answer, DTLS) */
	RG_DROP_NO_CONSENT,	/* the receiver's ICE consent is missing */
	RG_DROP_STREAM_GONE,	/* taken off a socket as its stream was removed (uring.c) */
	RG_DROP_SOCKET_OVERFLOW,	/* dropped by the kernel at a full socket (ports.h) */
	RG_DROP_COUNT,
};

extern const char *const rg_drop_names[RG_DROP_COUNT];

enum rg_latch { RG_LATCH_OPEN, RG_LATCH_LEARNING, RG_LATCH_LOCKED };

/* Written only by the worker owning the stream; read by anyone. */
struct rg_counters {
	_Atomic uint64_t packets;
	_Atomic uint64_t bytes;
	_Atomic uint64_t errors;
	_Atomic int64_t last_packet_us;
};

struct rg_stream;
struct rg_call;
struct rg_batch;

/* Scratch space for one worker's batches. */
struct rg_batch *rg_batch_create(void);
void rg_batch_destroy(struct rg_batch *b);

/* Reads up to one batch from @st's socket and forwards it. Worker thread
 * only, while @st is registered with it; drops are added to @drops.
 * Returns true when the batch was full, so more may be queued: the socket
 * is edge-triggered, and the worker must read it again. */
bool rg_relay_receive(struct rg_batch *b, struct rg_stream *st,
		      uint64_t drops[RG_DROP_COUNT], int64_t now_us);

/* A packet on @st that is dropped for @why: added to @drops and the
 * stream's errors. Worker thread only, while @st is registered with it. */
void rg_relay_drop(struct rg_stream *st, enum rg_drop_reason why,
		   uint64_t drops[RG_DROP_COUNT]);

/* A datagram of @len bytes on @st that does not fit a relay buffer with
 * room to encrypt: counted as received, then dropped as too big. Same
 * rules as rg_relay_drop(). */
void rg_relay_too_big(struct rg_stream *st, size_t len, uint64_t drops[RG_DROP_COUNT]);

/* The per-packet path, whatever reads and writes the sockets: takes the
 * datagram of *@len bytes at @pkt (a buffer of RG_PKT_MAX bytes) that
 * arrived on @st from @src, counts it, applies learning, tracks its SSRC
 * and transforms it in place (SRTP). Returns the stream to send it from,
 * with *@dest the address to send it to and *@len its new length; or
 * NULL when it is not to be forwarded: dropped (added to @drops and the
 * stream's errors) or consumed by the stream itself. Worker thread only,
 * while @st is registered with it. */
struct rg_stream *rg_relay_packet(struct rg_stream *st, uint8_t *pkt, size_t *len,
				  const struct sockaddr_storage *src,
				  uint64_t drops[RG_DROP_COUNT], int64_t now_us,
				  const struct sockaddr_storage **dest);

/* The stream a packet arriving on @st leaves from: the partner's stream of
 * the same kind (@rtcp), or NULL while there is no partner. The call must
 * be paused, or the caller its worker. */
struct rg_stream *rg_relay_target(const struct rg_stream *st, bool rtcp);

/* Where packets sent from @t go: the address learned for its party, else
 * the signalled one, else NULL. Same rules as rg_relay_target(). */
const struct sockaddr_storage *rg_relay_destination(const struct rg_stream *t);

/* Control thread: takes every socket of @call away from its worker and
 * waits until the worker no longer touches them. Until rg_call_resume(),
 * the call's streams may be changed or freed. Idempotent. */
void rg_call_pause(struct rg_call *call);

/* Control thread: pairs each party's media with its partner's and hands
 * every socket of @call to its worker again. */
void rg_call_resume(struct rg_call *call);

/* Control thread, call paused: a signalling event about @st's party.
 * @peer is the address the SDP now gives; if it changed, what was learned
 * is forgotten. Learning starts again unless @keep_lock. */
void rg_stream_signalled(struct rg_stream *st, const struct sockaddr_storage *peer,
			 bool keep_lock);

/* A relaxed read of a single-writer counter. */
static inline uint64_t rg_counter_read(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
