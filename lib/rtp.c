/* rtp.c - RTP/RTCP wire formats, see rtp.h.
 *
 * Builds in Kbuild as well as in userspace: the only headers are the
 * fixed-width types and errno; no libc call, no floating point.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

#include "rtp.h"

#define RTP_VERSION		2
#define RTP_SEQ_MOD		(1u << 16)
#define MAX_DROPOUT		3000	/* RFC 3550 A.1 */
#define MAX_MISORDER		100
#define RTCP_HEADER_LEN		4
#define RTCP_SR_MIN		28	/* header, SSRC, sender info */
#define RTCP_RR_MIN		8	/* header, SSRC */
#define RTCP_BLOCK_LEN		24	/* one report block */
#define JITTER_Q4_MAX		0xffffffffu
#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Length of the CSRC list and header extension that follow the fixed
 * header, or -EINVAL if they do not fit in @len. */
static int variable_header_len(const uint8_t *pkt, size_t len, size_t *hlen)
{
	size_t n = RTP_HEADER_MIN + 4 * (size_t)(pkt[0] & 0x0f);

	if (n > len)
		return -EINVAL;
	if (pkt[0] & 0x10) {
		/* RFC 3550 5.3.1: 16-bit profile, 16-bit length in words */
		if (len - n < 4)
			return -EINVAL;
		n += 4 + 4 * (size_t)get_be16(pkt + n + 2);
		if (n > len)
			return -EINVAL;
	}
	*hlen = n;
	return 0;
}

int rtp_parse(const uint8_t *pkt, size_t len, struct rtp_header *out)
{
	struct rtp_header h;
	size_t pad = 0;

	if (!pkt || len < RTP_HEADER_MIN || pkt[0] >> 6 != RTP_VERSION)
		return -EINVAL;
	if (variable_header_len(pkt, len, &h.header_len))
		return -EINVAL;
	if (pkt[0] & 0x20) {
		/* RFC 3550 5.1: the last byte counts the padding, itself too */
		pad = pkt[len - 1];
		if (pad == 0 || pad > len - h.header_len)
			return -EINVAL;
	}
	h.version = RTP_VERSION;
	h.padding = (pkt[0] >> 5) & 1;
	h.extension = (pkt[0] >> 4) & 1;
	h.csrc_count = pkt[0] & 0x0f;
	h.marker = pkt[1] >> 7;
	h.payload_type = pkt[1] & 0x7f;
	h.seq = get_be16(pkt + 2);
	h.timestamp = get_be32(pkt + 4);
	h.ssrc = get_be32(pkt + 8);
	h.payload_len = len - h.header_len - pad;
	*out = h;
	return 0;
}

bool rtp_is_rtcp(const uint8_t *pkt, size_t len)
{
	return pkt && len >= 2 && pkt[1] >= 192 && pkt[1] <= 223;
}

/* The first packet of a compound: SR or RR, no padding (A.2), and long
 * enough for the report blocks its count announces. */
static int check_first(const uint8_t *pkt, size_t plen)
{
	size_t need = RTCP_BLOCK_LEN * (size_t)(pkt[0] & 0x1f);

	if (pkt[0] & 0x20)
		return -EINVAL;
	if (pkt[1] == RTCP_SR)
		need += RTCP_SR_MIN;
	else if (pkt[1] == RTCP_RR)
		need += RTCP_RR_MIN;
	else
		return -EINVAL;
	return plen >= need ? 0 : -EINVAL;
}

/* RFC 3550 6.4.1: padding only on the last packet; its count (the last
 * byte, counting itself) must be non-zero and leave the header intact. */
static int check_padding(const uint8_t *pkt, size_t plen, bool last)
{
	uint8_t pad;

	if (!(pkt[0] & 0x20))
		return 0;
	if (!last)
		return -EINVAL;
	pad = pkt[plen - 1];
	return pad && pad <= plen - RTCP_HEADER_LEN ? 0 : -EINVAL;
}

int rtcp_parse_first(const uint8_t *pkt, size_t len, uint8_t *type,
		     uint32_t *ssrc)
{
	size_t off = 0, plen;

	if (!pkt || len < RTCP_RR_MIN)
		return -EINVAL;
	while (off < len) {
		/* each step consumes at least one 32-bit word */
		if (len - off < RTCP_HEADER_LEN || pkt[off] >> 6 != RTP_VERSION)
			return -EINVAL;
		if (!rtp_is_rtcp(pkt + off, len - off))
			return -EINVAL;
		plen = 4 * ((size_t)get_be16(pkt + off + 2) + 1);
		if (plen > len - off)
			return -EINVAL;
		if (off == 0 && check_first(pkt, plen))
			return -EINVAL;
		if (check_padding(pkt + off, plen, off + plen == len))
			return -EINVAL;
		off += plen;
	}
	if (type)
		*type = pkt[1];
	if (ssrc)
		*ssrc = get_be32(pkt + 4);
	return 0;
}

enum rtp_demux rtp_demux(const uint8_t *pkt, size_t len)
{
	uint8_t b;

	if (!pkt || len == 0)
		return DEMUX_UNKNOWN;
	b = pkt[0];
	if (b <= 3)
		return DEMUX_STUN;
	if (b >= 16 && b <= 19)
		return DEMUX_ZRTP;
	if (b >= 20 && b <= 63)
		return DEMUX_DTLS;
	if (b >= 64 && b <= 79)
		return DEMUX_TURN;
	if (b >= 128 && b <= 191)
		return DEMUX_RTP;
	return DEMUX_UNKNOWN;
}

/* transit = arrival - timestamp, modulo 2^32 like both clocks. */
static uint32_t transit_of(const struct rtp_header *h, uint32_t arrival)
{
	return arrival - h->timestamp;
}

/* RFC 3550 A.8: J += (|D| - J) / 16, kept as 16 * J in integers. |D| is
 * the transit difference taken as a signed 32-bit distance, so clock
 * wraparound is no jump. Done in 64 bits and clamped: a hostile stream can
 * make |D| up to 2^31, which would push 16 * J past 32 bits. */
static void update_jitter(struct rtp_ssrc_stats *s, uint32_t transit)
{
	uint32_t diff = transit - (uint32_t)s->transit;
	uint64_t d = diff & 0x80000000u ? (uint32_t)-diff : diff;
	uint64_t j = s->jitter_q4;

	j = j + d - ((j + 8) >> 4);
	s->jitter_q4 = j > JITTER_Q4_MAX ? JITTER_Q4_MAX : (uint32_t)j;
	s->transit = transit;
}

/* RFC 3550 A.1 init_seq(): a new run of sequence numbers starts at @seq. */
static void start_run(struct rtp_ssrc_stats *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;	/* matches no 16-bit number */
	s->cycles = 0;
	s->packets = 0;
	s->bytes = 0;
	s->expected_prior = 0;
	s->received_prior = 0;
}

static void count_packet(struct rtp_ssrc_stats *s, const struct rtp_header *h)
{
	uint8_t pt = h->payload_type & 0x7f;

	s->packets++;
	s->bytes += h->payload_len;
	s->payload_types[pt >> 5] |= 1u << (pt & 31);
}

/* RFC 3550 A.1 update_seq() without probation. Returns true if the packet
 * counts; false for a jump not (yet) confirmed by its successor. Sets
 * *@restart when a confirmed jump began a new run. */
static bool track_seq(struct rtp_ssrc_stats *s, uint16_t seq, bool *restart)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	*restart = false;
	if (udelta == 0 || udelta > RTP_SEQ_MOD - MAX_MISORDER) {
		/* a duplicate or a late packet: received, not the new max */
		s->duplicates_or_late++;
	} else if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles++;
		s->max_seq = seq;
	} else if (seq == s->bad_seq) {
		/* two in sequence after a jump: the source restarted */
		start_run(s, seq);
		*restart = true;
	} else {
		s->bad_seq = (uint16_t)(seq + 1);
		return false;
	}
	return true;
}

void rtp_ssrc_stats_update(struct rtp_ssrc_stats *s,
			   const struct rtp_header *h, uint32_t arrival)
{
	bool restart;

	if (!s->initialised) {
		s->ssrc = h->ssrc;
		start_run(s, h->seq);
		s->transit = transit_of(h, arrival);
		s->initialised = true;
		count_packet(s, h);
		return;
	}
	if (h->ssrc != s->ssrc || !track_seq(s, h->seq, &restart))
		return;
	count_packet(s, h);
	/* a restarted source has a new timestamp base: no jitter sample */
	if (restart)
		s->transit = transit_of(h, arrival);
	else
		update_jitter(s, transit_of(h, arrival));
}

uint64_t rtp_ssrc_stats_expected(const struct rtp_ssrc_stats *s)
{
	uint64_t ext_max = (uint64_t)s->cycles << 16 | s->max_seq;

	if (!s->initialised)
		return 0;
	return ext_max - s->base_seq + 1;
}

int64_t rtp_ssrc_stats_lost(const struct rtp_ssrc_stats *s)
{
	return (int64_t)rtp_ssrc_stats_expected(s) - (int64_t)s->packets;
}

uint32_t rtp_ssrc_stats_jitter(const struct rtp_ssrc_stats *s)
{
	return s->jitter_q4 >> 4;
}

/* RFC 3551 tables 4 and 5; types 35..95 are unassigned or reserved and
 * 96..127 dynamic. */
static const uint32_t static_clock_rate[35] = {
	[0] = 8000,	/* PCMU */
	[3] = 8000,	/* GSM */
	[4] = 8000,	/* G723 */
	[5] = 8000,	/* DVI4 */
	[6] = 16000,	/* DVI4 */
	[7] = 8000,	/* LPC */
	[8] = 8000,	/* PCMA */
	[9] = 8000,	/* G722: RFC 3551 4.5.2 keeps 8000 for history */
	[10] = 44100,	/* L16 stereo */
	[11] = 44100,	/* L16 mono */
	[12] = 8000,	/* QCELP */
	[13] = 8000,	/* CN */
	[14] = 90000,	/* MPA */
	[15] = 8000,	/* G728 */
	[16] = 11025,	/* DVI4 */
	[17] = 22050,	/* DVI4 */
	[18] = 8000,	/* G729 */
	[25] = 90000,	/* CelB */
	[26] = 90000,	/* JPEG */
	[28] = 90000,	/* nv */
	[31] = 90000,	/* H261 */
	[32] = 90000,	/* MPV */
	[33] = 90000,	/* MP2T */
	[34] = 90000,	/* H263 */
};

uint32_t rtp_static_clock_rate(uint8_t payload_type)
{
	if (payload_type >= ARRAY_LEN(static_clock_rate))
		return 0;
	return static_clock_rate[payload_type];
}
