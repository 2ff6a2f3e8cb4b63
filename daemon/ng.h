/* ng.h - the NG control protocol: one request decoded into a struct, one
 * handler per command, one reply.
 *
 * A request's keys are dispatched through a table (key -> parser -> field,
 * ng_params.c) and its command through another (ng.c). Everything decoded
 * from a request lives in the request's arena and is freed with it.
 */
#ifndef RG_NG_H
#define RG_NG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "arena.h"
#include "bencode.h"
#include "buf.h"

struct rg_ctx;

enum ng_command {
	NG_CMD_PING,
	NG_CMD_OFFER,
	NG_CMD_ANSWER,
	NG_CMD_DELETE,
	NG_CMD_QUERY,
	NG_CMD_LIST,
	NG_CMD_STATISTICS,
	NG_CMD_COUNT,
};

/* Where media is sent: the SDP's address (default since rtpengine 3.8,
 * "trust-address") or the SIP source ("SIP-source-address"). */
enum ng_trust { NG_TRUST_SDP, NG_TRUST_SIP_SOURCE };
/* ICE towards the receiver: rtpgate's own ICE-lite attributes when the
 * sender's SDP had ICE (default), never (remove), always (force). */
enum ng_ice { NG_ICE_DEFAULT, NG_ICE_REMOVE, NG_ICE_FORCE };
/* ICE-lite: rtpgate is a lite agent towards the receiver of this SDP
 * (forward) and/or towards its sender, in the SDP that goes back to it
 * (backward); otherwise a full one. */
#define NG_ICE_LITE_FORWARD	1u
#define NG_ICE_LITE_BACKWARD	2u
enum ng_transport { NG_TP_UNCHANGED, NG_TP_RTP_AVP, NG_TP_RTP_AVPF, NG_TP_RTP_SAVP,
		    NG_TP_RTP_SAVPF, NG_TP_DTLS_SAVP, NG_TP_DTLS_SAVPF, NG_TP_ACCEPT };
/* DTLS-SRTP: a=setup rtpgate sends (default: actpass in offers, passive
 * in answers unless the offerer is passive), or no DTLS at all (off). */
enum ng_dtls { NG_DTLS_DEFAULT, NG_DTLS_OFF, NG_DTLS_PASSIVE, NG_DTLS_ACTIVE };
enum ng_latching { NG_LATCH_DEFAULT, NG_LATCH_SYMMETRIC, NG_LATCH_ASYMMETRIC };
/* rtcp-mux towards the other party (offers): pass it through as offered,
 * offer it even if the offerer did not, demux (the offerer muxes, the
 * other side gets separate ports), accept (the offerer muxes whatever the
 * other side answers), reject (nobody muxes). require is offer. */
enum ng_rtcp_mux { NG_MUX_PASS, NG_MUX_OFFER, NG_MUX_DEMUX, NG_MUX_ACCEPT, NG_MUX_REJECT };
/* a=rtcp in rewritten SDP: port only, none, or with the address. */
enum ng_rtcp_attr { NG_RTCP_ATTR_PORT, NG_RTCP_ATTR_NONE, NG_RTCP_ATTR_FULL };

struct ng_strlist {
	const char **v;
	unsigned n, cap;
};

/* SDES options (RFC 4568) for crypto rtpgate offers: suites left out, or
 * the only ones offered. */
struct ng_sdes_opts {
	bool off;
	unsigned flags;			/* SDES_UNENCRYPTED_SRTP, ... (sdes.h) */
	struct ng_strlist no, only;
};

struct ng_codec_opts {
	struct ng_strlist strip, except, mask, offer;
};

struct ng_request {
	struct rg_arena *arena;
	enum ng_command cmd;
	const struct sockaddr *source;	/* where the NG datagram came from */

	const char *call_id, *from_tag, *to_tag, *via_branch, *label;
	const char *sdp;
	size_t sdp_len;
	struct ng_strlist direction;
	const char *interface;
	int address_family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *media_address;
	const char *received_from;	/* address only */
	enum ng_trust trust;
	enum ng_ice ice;
	unsigned ice_lite;		/* NG_ICE_LITE_* bits */
	enum ng_dtls dtls;
	const char *dtls_hash;		/* DTLS-fingerprint: NULL = sha-256 */
	enum ng_transport transport;
	enum ng_latching latching;
	enum ng_rtcp_attr rtcp_attr;
	enum ng_rtcp_mux rtcp_mux;
	bool replace_origin, replace_session_name;
	bool strict_source, port_latching, media_handover;
	bool fatal, fast;
	bool supports_load_limit;
	int tos;			/* -1: unset */
	int64_t delete_delay;		/* -1: the configured default */
	int64_t limit;			/* list: -1 = default */
	struct ng_codec_opts codec;
	struct ng_sdes_opts sdes;

	const char *result;		/* "ok" unless a handler says else */
	struct rg_buf warnings;		/* "; "-joined */
	bool warnings_truncated;
	const char *error_reason;	/* set by ng_fail() */
	bool load_limit;		/* reply result "load limit" */
};

/* Decodes @buf/@len (the bencoded dict after the cookie) and runs the
 * request against @ctx; appends the bencoded reply to @out. Never fails to
 * produce a reply: errors become {result: error, error-reason: ...}.
 * @source is the datagram's sender (used for SIP-source-address). */
void rg_ng_process(struct rg_ctx *ctx, const char *buf, size_t len,
		   const struct sockaddr *source, struct rg_buf *out);

/* Records the error reason for this request (printf-style) and returns
 * -EINVAL, so handlers can `return ng_fail(req, "...")`. */
int ng_fail(struct ng_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Adds a warning to the reply ("; "-joined). */
void ng_warn(struct ng_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fills @req from the decoded dict @dict (ng_params.c). Unknown keys and
 * flags become warnings; options that need parts not built yet fail the
 * request. Returns 0 or -EINVAL (ng_fail() was called). */
int ng_params_parse(struct ng_request *req, const struct bencode_item *dict);

/* Lowercases @s and reads '_' and ' ' as '-' ("Call ID" -> "call-id"),
 * into an arena copy. NULL on arena exhaustion. */
char *ng_key_normalize(struct rg_arena *arena, const char *s, size_t len);

/* true if @list holds @s, compared case-insensitively. */
bool ng_strlist_has(const struct ng_strlist *list, const char *s);

#endif
