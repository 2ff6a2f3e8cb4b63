// SPDX-License-Identifier: GPL-2.0
/*
 * classify.c - the per-datagram decision, see classify.h.
 */
#include <linux/socket.h>
#include <linux/string.h>

#include "classify.h"
#include "srtp.h"

static bool from_expected(const struct rtpg_fwd *fwd, u8 family,
			  const struct rtpg_endpoint *from)
{
	size_t alen = family == AF_INET ? 4 : 16;

	if (memcmp(&fwd->expect.addr, &from->addr, alen))
		return false;
	return !fwd->expect.port || fwd->expect.port == from->port;
}

static bool pt_allowed(const struct rtpg_fwd *fwd, u8 pt)
{
	pt &= 0x7f;
	return fwd->pt_allow[pt / 8] & (1u << (pt % 8));
}

static enum rtpg_action classify_rtp(const struct rtpg_fwd *fwd,
				     enum rtp_demux kind, const u8 *data,
				     size_t len, struct rtp_header *rtp)
{
	if (kind == DEMUX_RTP && rtp_is_rtcp(data, len)) {
		/* SRTCP is userspace's */
		if (fwd->decrypt || fwd->encrypt)
			return RTPG_ACT_HANDUP;
		if (fwd->flags & RTPG_F_RTCP_HANDUP)
			return RTPG_ACT_HANDUP;
		if (fwd->flags & RTPG_F_MUX_RTCP)
			return RTPG_ACT_FORWARD;
		return RTPG_ACT_HANDUP;
	}
	/* SRTP: the header is read without the tag (RFC 3711 3.1) */
	if (fwd->decrypt) {
		if (len < fwd->decrypt->tag_len)
			return RTPG_ACT_MALFORMED;
		len -= fwd->decrypt->tag_len;
	}
	if (rtp_parse(data, len, rtp))
		return RTPG_ACT_MALFORMED;
	if ((fwd->flags & RTPG_F_PT_FILTER) &&
	    !pt_allowed(fwd, rtp->payload_type))
		return RTPG_ACT_HANDUP;
	return RTPG_ACT_FORWARD_RTP;
}

enum rtpg_action rtpg_classify(const struct rtpg_fwd *fwd, u8 family,
			       const struct rtpg_endpoint *from,
			       const u8 *data, size_t len,
			       struct rtp_header *rtp)
{
	enum rtp_demux kind = rtp_demux(data, len);

	switch (kind) {
	case DEMUX_STUN:
	case DEMUX_ZRTP:
	case DEMUX_DTLS:
	case DEMUX_TURN:
		return RTPG_ACT_HANDUP;
	default:
		break;
	}
	if (fwd->source_mode != RTPG_SOURCE_IGNORE &&
	    !from_expected(fwd, family, from))
		return fwd->source_mode == RTPG_SOURCE_DROP ?
		       RTPG_ACT_DROP_SOURCE : RTPG_ACT_HANDUP;
	if (!(fwd->flags & RTPG_F_RTP))
		return RTPG_ACT_FORWARD;
	return classify_rtp(fwd, kind, data, len, rtp);
}
