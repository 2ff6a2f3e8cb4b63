/* call.h - the call model: a call, its parties, their media and streams.
 *
 *   call (call-id)
 *    └─ monologue: one party, named by its SIP tag (from-tag / to-tag)
 *        └─ media: one m= section (by 1-based SDP index)
 *            └─ stream: one local socket (RTP, RTCP) and its peer
 *
 * A party's media hold the relay ports that party sends to, on the
 * interface facing that party. Media i of a party is paired with media i of
 * the party it is in dialogue with: what arrives on one leaves from the
 * other. Offer and answer processing is in call_sdp.c, statistics output in
 * call_stats.c.
 *
 * Locking: owned by the control thread (see ctx.h).
 */
#ifndef RG_CALL_H
#define RG_CALL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "interface.h"
#include "ng.h"
#include "ports.h"
#include "relay.h"
#include "rtp.h"

struct rg_ctx;
struct rg_worker;
struct rg_offload;
struct rg_media_crypto;
struct rg_ice;
struct rg_ice_driver;

#define RG_SSRC_SLOTS 4		/* SSRCs tracked per stream */

/* What the kernel module forwarded for a stream. Control thread only. */
struct rg_kstats {
	uint64_t packets, bytes, errors;
	int64_t last_packet_us;
};
#define RG_CLOCKS_MAX 16	/* dynamic payload types with a clock rate */

struct rg_clock_rate {
	uint8_t payload_type;
	uint32_t rate;
};

/* Ordered for the packet path: what every packet touches comes first, so
 * that a stream costs it two or three cache lines, not six. */
struct rg_stream {
	int fd;				/* borrowed from the media's port pair */
	/* the packet path's: touched by the worker while registered, by the
	 * control thread only while the call is paused (relay.h) */
	enum rg_latch latch;
	struct rg_media *media;		/* owner */
	struct rg_counters c;		/* readable any time */
	int64_t learn_until_us;
	bool is_rtcp;			/* the RTCP port of the pair */
	bool registered;		/* handed to the call's worker */
	bool in_kernel;			/* forwarded by the kernel module */
	bool pending;			/* worker: to be read again (worker.c) */
	struct sockaddr_storage learned;	/* family 0 = nothing learned */
	struct sockaddr_storage peer;	/* from signalling; family 0 = unknown */
	unsigned ssrc_next;		/* slot to reuse when all are taken */
	struct rtp_ssrc_stats ssrc[RG_SSRC_SLOTS];	/* RTP streams */
	/* signalling's and the kernel's */
	uint64_t serial;		/* unique per socket taken (uring.c parks by it) */
	unsigned local_port;
	struct rg_kstats k_done;	/* from targets since taken back */
	struct rg_kstats k_live;	/* the current target, as last polled */
	struct rg_drops_cache drops;	/* fd's socket-overflow count, last read */
	int64_t notified_us;		/* worker: last lock/move notice sent */
};

/* The fields every packet reads come first (one cache line). */
struct rg_media {
	struct rg_monologue *ml;
	struct rg_media *pair;		/* the partner's media of the same index */
	struct rg_media_crypto *crypto;	/* SDES/DTLS state, when this party's SRTP is bridged */
	/* ICE (call_ice.h): rtpgate's agent towards this party, and the
	 * party's own credentials when its SDP had them */
	struct rg_ice *ice;
	bool ice_peer;
	bool has_ports;
	bool mux;			/* this party sends RTCP on its RTP port */
	unsigned clock_count;
	/* clock rates of this party's dynamic payload types (its rtpmap),
	 * for jitter in timestamp units */
	struct rg_clock_rate clocks[RG_CLOCKS_MAX];
	unsigned index;			/* 1-based SDP position */
	char *type;			/* "audio" */
	char *protocol;			/* as this party's SDP said */
	bool rejected;			/* m= port 0 */
	struct rg_port_pair ports;
	struct rg_stream rtp, rtcp;
	bool mux_offered;		/* its offer had a=rtcp-mux */
	bool mux_sent;			/* the offer sent to it had a=rtcp-mux */
	enum ng_rtcp_mux mux_policy;	/* its offer's rtcp-mux option */
	bool hold;			/* sendonly/recvonly/inactive or 0.0.0.0 */
	struct rg_ice_driver *ice_driver;	/* sends its checks (full agent) */
	bool ice_peer_lite;		/* its SDP said a=ice-lite */
	bool ice_lite_asked;		/* ICE-lite: rtpgate lite towards it */
	char *ice_ufrag, *ice_pwd;
	GPtrArray *ice_candidates;	/* its a=candidate values (char *) */
	char *mid;			/* this party's a=mid, to answer with */
};

struct rg_monologue {
	struct rg_call *call;
	/* read by the packet path (accept_source), beside call */
	enum ng_latching latching;
	bool strict_source;
	bool media_handover;
	char *tag;			/* NULL until an answer names it */
	char *label;
	char *via_branch;
	struct rg_interface *iface;	/* the interface facing this party */
	struct rg_monologue *peer;	/* in dialogue with */
	GPtrArray *medias;		/* struct rg_media *, [i] = index i + 1 */
	int64_t created_us;
	bool port_latching;
	/* replace-origin: the o= version this party's SDP goes out with, and
	 * the last SDP sent, to bump the version only when the body changed */
	uint64_t origin_version;
	bool origin_version_set;
	char *last_sdp;
};

/* Parties (tags) one call may have: forks and re-tagging can add parties,
 * and a hostile client must not grow one call without bound. */
#define RG_CALL_PARTIES_MAX 64

struct rg_call {
	char *id;
	int64_t created_us;
	int64_t last_signal_us;
	GPtrArray *monologues;		/* struct rg_monologue *, owned */
	int64_t retire_at_us;		/* when deleted with a delay */
	int64_t answered_us;		/* 0 until the first answer */
	struct rg_worker *worker;	/* relays all of this call's sockets */
	struct rg_offload *offload;	/* NULL: the kernel is not used */
	bool paused;			/* sockets taken back from the worker */
};

/* The registry of live calls, and of deleted ones whose ports are kept for
 * the delete-delay. */
struct rg_calls *rg_calls_create(void);
void rg_calls_destroy(struct rg_calls *calls);

/* The live call with this id, or NULL. */
struct rg_call *rg_call_lookup(struct rg_calls *calls, const char *id);

/* A new call registered under @id (not already present). */
struct rg_call *rg_call_create(struct rg_calls *calls, const char *id, int64_t now_us);

/* Unregisters @call: it is no longer listed or found. With @delay_us 0 it
 * is destroyed (ports freed) now, else when rg_calls_reap() passes the
 * deadline. */
void rg_call_retire(struct rg_calls *calls, struct rg_call *call,
		    int64_t now_us, int64_t delay_us);

/* Destroys retired calls whose delay has passed. */
void rg_calls_reap(struct rg_calls *calls, int64_t now_us);

unsigned rg_calls_count(const struct rg_calls *calls);

/* Calls @fn for each live call, stopping after @max (0: all). */
void rg_calls_foreach(struct rg_calls *calls, unsigned max,
		      void (*fn)(struct rg_call *call, void *arg), void *arg);

/* The party tagged @tag in @call, or NULL. */
struct rg_monologue *rg_call_monologue_find(struct rg_call *call, const char *tag);

/* A new party in @call facing @iface; @tag may be NULL (named later). */
struct rg_monologue *rg_monologue_create(struct rg_call *call, const char *tag,
					 struct rg_interface *iface, int64_t now_us);

/* Removes @ml from its call, freeing its ports; parties in dialogue with it
 * are left without a peer. The call must be paused (relay.h). */
void rg_monologue_remove(struct rg_monologue *ml);

/* Media @index (1-based) of @ml, created if missing (without ports). */
struct rg_media *rg_media_get(struct rg_monologue *ml, unsigned index);

/* Media @index of @ml, or NULL. */
struct rg_media *rg_media_find(const struct rg_monologue *ml, unsigned index);

/* Takes an RTP/RTCP port pair for @m from its party's interface.
 * 0, or -ENOSPC ("Ran out of ports") or another negative errno. */
int rg_media_take_ports(struct rg_media *m);

/* A stream's totals over both paths: packets received in userspace plus
 * what the kernel forwarded. Control thread. */
uint64_t rg_stream_packets(const struct rg_stream *st);
uint64_t rg_stream_bytes(const struct rg_stream *st);
uint64_t rg_stream_errors(const struct rg_stream *st);
int64_t rg_stream_last_packet_us(const struct rg_stream *st);

/* Calls @fn for every media of every party of @call. */
void rg_call_foreach_media(struct rg_call *call,
			   void (*fn)(struct rg_media *m, void *arg), void *arg);

/* Moves @from's media to @to (a fork's newer answer takes over the side). */
void rg_monologue_move_media(struct rg_monologue *from, struct rg_monologue *to);

#endif
