/* rtp.h - RTP/RTCP wire formats shared by the daemon and the kernel module.
 *
 * Plain C that builds both in the userspace Makefile and in Kbuild: no
 * allocation, no libc beyond the fixed-width types, no floating point (the
 * jitter estimate is fixed-point). Parsers read (pkt, len), check every
 * length before use and return 0 or -EINVAL; they never write outside
 * their output struct and keep no pointers into the packet.
 *
 * What is here: the RTP fixed header (RFC 3550 5.1), RTP/RTCP multiplexing
 * on one port (RFC 5761 section 4), RTCP compound validity (RFC 3550 6.4,
 * A.2), the first-byte demultiplexer of RFC 7983, per-SSRC receive
 * statistics (RFC 3550 A.1 and A.8) and the static payload type clock
 * rates of RFC 3551.
 */
#ifndef RG_RTP_H
#define RG_RTP_H

#ifdef __KERNEL__
#include <linux/stddef.h>	/* true, false, NULL */
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#define RTP_HEADER_MIN		12	/* fixed header, no CSRC */
#define RTCP_SR			200
#define RTCP_RR			201
#define RTCP_SDES		202
#define RTCP_BYE		203
#define RTCP_APP		204

struct rtp_header {		/* RFC 3550 5.1, parsed */
	uint8_t version, padding, extension, csrc_count, marker, payload_type;
	uint16_t seq;
	uint32_t timestamp, ssrc;
	size_t header_len;	/* fixed + CSRCs + extension */
	size_t payload_len;	/* without padding */
};

/* Parses the RTP header of the @len bytes at @pkt into *@out. @padding,
 * @extension and @marker are the header's bits (0 or 1). The payload
 * starts at @pkt + header_len and is payload_len bytes long; any padding
 * follows it. An extension (RFC 3550 5.3.1, either RFC 8285 profile) is
 * only skipped, by its length field. An empty payload is valid.
 * Returns 0, or -EINVAL when the version is not 2, the packet is shorter
 * than its fixed header, CSRC list or extension, or the padding count (the
 * last byte, counting itself) is 0 or more than the bytes after the
 * header. *@out is written only on success. */
int rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *out);

/* RFC 5761 section 4: true if a packet on a port shared by RTP and RTCP is
 * RTCP, i.e. its second byte (the RTCP packet type) is 192..223, which is
 * RTP payload type 64..95 with the marker bit set. False if @len < 2. */
bool rtp_is_rtcp(const uint8_t *pkt, size_t len);

/* Checks that the @len bytes at @pkt are a valid RTCP compound packet
 * (RFC 3550 6.4.1 and the checks of A.2): every packet has version 2 and
 * a type in RFC 5761's RTCP range 192..223; the first is an SR or RR with
 * the padding bit clear and room for its report blocks; only the last
 * packet may carry padding, with a count that fits it; and the packets'
 * length fields add up exactly to @len. SRTCP's
 * trailer (index, tag) must be stripped first, and a reduced-size packet
 * (RFC 5506) is not a compound and is rejected. Returns 0 and sets *@type
 * (RTCP_SR or RTCP_RR) and *@ssrc (the sender SSRC of the first packet),
 * either of which may be NULL, or -EINVAL and leaves them untouched. */
int rtcp_parse_first(const uint8_t *pkt, size_t len, uint8_t *type,
		     uint32_t *ssrc);

/* RFC 7983 section 7: what a datagram on a port shared by STUN, ZRTP,
 * DTLS, TURN channels and RTP/RTCP is, from its first byte alone. */
enum rtp_demux {
	DEMUX_STUN,		/* 0..3 */
	DEMUX_ZRTP,		/* 16..19 */
	DEMUX_DTLS,		/* 20..63 */
	DEMUX_TURN,		/* 64..79, a TURN ChannelData message */
	DEMUX_RTP,		/* 128..191, RTP or RTCP */
	DEMUX_UNKNOWN,		/* any other first byte, or @len == 0 */
};

/* Classifies the packet by its first byte; reads nothing else. */
enum rtp_demux rtp_demux(const uint8_t *pkt, size_t len);

/* Per-SSRC receive statistics: RFC 3550 A.1 sequence tracking (without the
 * probation period: the first packet is accepted) and A.8 interarrival
 * jitter. Start from a zeroed struct; the first packet fills in @ssrc.
 *
 * @packets is the RFC's "received": every counted packet, late and
 * duplicate ones included, so the loss count (expected - received) drops
 * below zero with duplicates, as RFC 3550 6.4.1 says it may. @bytes sums
 * payload octets (no header, no padding), as an SR's octet count does.
 * @cycles counts sequence number wraparounds (not shifted left by 16 as
 * in the RFC's example). A packet more than 3000 ahead of or 100 behind
 * the highest sequence number is not counted; if the next one follows it
 * in sequence, the source is taken to have restarted its numbering and a
 * new run begins: sequence state, @packets, @bytes and the priors start
 * again from that packet (RFC 3550 A.1), jitter and payload types stay. */
struct rtp_ssrc_stats {
	uint32_t ssrc;
	uint64_t packets, bytes;
	uint16_t max_seq;	/* highest sequence number seen */
	uint32_t cycles;	/* wraparounds of the sequence number */
	uint32_t base_seq;	/* first sequence number of the run */
	uint32_t bad_seq;	/* after a jump: the number that confirms it */
	uint64_t expected_prior, received_prior;	/* for RTCP intervals */
	int64_t transit;	/* previous transit, timestamp units mod 2^32 */
	uint32_t jitter_q4;	/* jitter * 16, saturates at 2^32 - 1 */
	uint32_t payload_types[4];	/* bitmap of payload types 0..127 seen */
	uint32_t duplicates_or_late;	/* at or up to 100 behind max_seq */
	bool initialised;
};

/* Updates @s with a parsed packet that arrived at @arrival, in the
 * stream's timestamp units (the caller converts wall time with the clock
 * rate); timestamp and arrival may wrap around 2^32. A packet whose SSRC
 * is not @s's is ignored: keep one struct per SSRC. No lock: the caller
 * serialises updates and reads of one struct. */
void rtp_ssrc_stats_update(struct rtp_ssrc_stats *s,
			   const struct rtp_header *h, uint32_t arrival);

/* Packets expected in the current run: extended highest sequence number
 * minus base plus one; 0 before the first packet. */
uint64_t rtp_ssrc_stats_expected(const struct rtp_ssrc_stats *s);

/* Cumulative packets lost: expected - received, negative when duplicates
 * outnumber the losses (RFC 3550 6.4.1). */
int64_t rtp_ssrc_stats_lost(const struct rtp_ssrc_stats *s);

/* Interarrival jitter in timestamp units (jitter_q4 >> 4, truncated). */
uint32_t rtp_ssrc_stats_jitter(const struct rtp_ssrc_stats *s);

/* The RTP clock rate of a static payload type (RFC 3551 tables 4 and 5;
 * G.722 is 8000 although it samples at 16 kHz), 0 if the type is
 * dynamic, reserved or unassigned. */
uint32_t rtp_static_clock_rate(uint8_t payload_type);

#endif
