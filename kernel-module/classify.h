/* SPDX-License-Identifier: GPL-2.0 */
/*
 * classify.h - what a target does with one datagram, decided from its
 * source and UDP payload alone (no skb: the selftests call it directly).
 */
#ifndef RTPG_CLASSIFY_H
#define RTPG_CLASSIFY_H

#include "table.h"

enum rtpg_action {
	RTPG_ACT_FORWARD,	/* send on: not parsed as RTP (RTCP, plain UDP) */
	RTPG_ACT_FORWARD_RTP,	/* send on and count for its SSRC */
	RTPG_ACT_HANDUP,	/* leave it to the socket, i.e. to the daemon */
	RTPG_ACT_MALFORMED,	/* RTP expected, no valid header: hand up, count */
	RTPG_ACT_DROP_SOURCE,	/* strict source and not from EXPECT_*: drop */
};

/* Decides for the @len payload bytes at @data that came from @from (of
 * @family) to a target doing @fwd:
 *  1. STUN, ZRTP, DTLS and TURN channel data (RFC 7983) are handed up;
 *  2. a sender other than fwd->expect is dropped or handed up, as
 *     fwd->source_mode says;
 *  3. without RTPG_F_RTP the datagram is forwarded as it is;
 *  4. RTCP (RFC 5761 types 192..223) is handed up with
 *     RTPG_F_RTCP_HANDUP or SRTP, forwarded with RTPG_F_MUX_RTCP, else
 *     handed up;
 *  5. RTP that does not parse (with fwd->decrypt: without the tag) is
 *     MALFORMED; with RTPG_F_PT_FILTER a
 *     payload type outside fwd->pt_allow is handed up; else
 *     FORWARD_RTP, and *@rtp holds the parsed header.
 * Reads nothing outside @data[0..len). */
enum rtpg_action rtpg_classify(const struct rtpg_fwd *fwd, u8 family,
			       const struct rtpg_endpoint *from,
			       const u8 *data, size_t len,
			       struct rtp_header *rtp);

#endif
