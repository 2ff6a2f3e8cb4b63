/* relay_webrtc.h - STUN and DTLS on the relay's media sockets.
 *
 * A stream whose party does ICE or DTLS-SRTP with rtpgate carries STUN,
 * DTLS and SRTP on one socket, told apart by the first byte (RFC 7983:
 * 0..3 STUN, 20..63 DTLS, 128..191 RTP/RTCP); rg_relay_packet() passes
 * the first two kinds here. Everything runs on the worker that owns the
 * stream, with the call's ICE agent (ice.h) and DTLS endpoint (dtls.h).
 *
 * - STUN goes to the ICE agent; its answer leaves from the same socket to
 *   the sender. A nomination makes the sender the stream's learned
 *   address, locked: media goes there and nowhere else.
 * - DTLS is taken only on the RTP stream (DTLS-SRTP parties mux RTCP),
 *   and for an ICE peer only from the nominated address once there is
 *   one (a browser may start its handshake as soon as a check succeeds). When the
 *   handshake is done the exported keys become the party's SRTP contexts
 *   (call_crypto.h) and media flows; a failed handshake (a wrong
 *   fingerprint, say) is logged once and media stays blocked.
 * - As DTLS client (the peer said a=setup:passive), rtpgate sends its
 *   ClientHello once it knows where to (the nominated address, else the
 *   learned or signalled one): when the call resumes after the signalling
 *   that told it (rg_dtls_client_kick), else when the peer's first packet
 *   or check comes. It retransmits when a packet from the peer finds
 *   OpenSSL's timer expired, and on a control-thread timer of its own, so
 *   that a passive peer without ICE, which sends nothing until the
 *   handshake is done, is not left waiting.
 */
#ifndef RG_RELAY_WEBRTC_H
#define RG_RELAY_WEBRTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay.h"

struct rg_stream;

/* Handles the STUN or DTLS datagram of @len bytes at @pkt that arrived on
 * @st from @src; anything else with a first byte below 64 is dropped as
 * RG_DROP_NOT_MEDIA. Worker only. */
void rg_relay_webrtc_packet(struct rg_stream *st, uint8_t *pkt, size_t len,
			    const struct sockaddr_storage *src,
			    uint64_t drops[RG_DROP_COUNT], int64_t now_us);

/* A DTLS client's handshake: start it, or retransmit if due. The worker,
 * or the control thread while the call is paused. */
void rg_relay_dtls_tick(struct rg_stream *st, uint64_t drops[RG_DROP_COUNT]);

struct rg_media;

/* Control thread, @m's call paused (rg_call_resume calls it): if rtpgate
 * is @m's DTLS client and knows the peer's address, the handshake starts
 * or retransmits now, and a timer (a glib source on the control thread's
 * loop) pauses the call again when OpenSSL's retransmission is due, until
 * the handshake ends. */
void rg_dtls_client_kick(struct rg_media *m);

/* false if @t's party is an ICE peer without consent (RFC 7675): nothing
 * nominated yet, or no check for 30 s. Worker. */
bool rg_relay_consent(const struct rg_stream *t, int64_t now_us);

#endif
