/* fuzz_rtp.c - libFuzzer target for the RTP/RTCP parsers and statistics.
 *
 * Every parser reads the whole input, and whatever it accepts must hold
 * together (lengths within the input, an SR or RR first). Then the input
 * drives a 1000-packet sequence into one statistics struct: each packet
 * takes 8 bytes, cycling through the input, as sequence, timestamp and
 * arrival steps, so that jumps, wraps, duplicates and noise all occur.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rtp.h"

#define SEQUENCE_PACKETS 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_all(const uint8_t *data, size_t size)
{
	struct rtp_header h;
	uint32_t ssrc;
	uint8_t type;

	if (rtp_parse(data, size, &h) == 0) {
		if (h.version != 2 || h.csrc_count > 15 || h.payload_type > 127 ||
		    h.header_len < RTP_HEADER_MIN ||
		    h.header_len + h.payload_len > size)
			abort();
	}
	if (rtcp_parse_first(data, size, &type, &ssrc) == 0) {
		if ((type != RTCP_SR && type != RTCP_RR) || size % 4 != 0 ||
		    !rtp_is_rtcp(data, size))
			abort();
	}
	if (rtp_demux(data, size) > DEMUX_UNKNOWN)
		abort();
	rtp_static_clock_rate(size ? data[0] : 0);
}

/* The 8 bytes at @i * 8, wrapping around the input. */
static void take8(const uint8_t *data, size_t size, unsigned i, uint8_t *b)
{
	unsigned k;

	for (k = 0; k < 8; k++)
		b[k] = data[((size_t)i * 8 + k) % size];
}

static void check_stats(const struct rtp_ssrc_stats *s)
{
	uint64_t expected = rtp_ssrc_stats_expected(s);

	if (!s->initialised || s->packets == 0 || s->packets > SEQUENCE_PACKETS)
		abort();
	if (rtp_ssrc_stats_lost(s) != (int64_t)expected - (int64_t)s->packets)
		abort();
	if (rtp_ssrc_stats_jitter(s) > 0x0fffffff)
		abort();
}

static void run_sequence(const uint8_t *data, size_t size)
{
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header h = { .version = 2, .ssrc = 1 };
	uint32_t arrival = 0;
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < SEQUENCE_PACKETS; i++) {
		take8(data, size, i, b);
		/* mostly small steps; the top bit of b[0] makes a wild one */
		if (b[0] & 0x80)
			h.seq = (uint16_t)(b[0] << 8 | b[1]);
		else
			h.seq = (uint16_t)(h.seq + (int8_t)b[1]);
		h.timestamp += (uint32_t)b[2] << (b[3] & 31);
		arrival += (uint32_t)b[4] << (b[5] & 31);
		h.payload_type = b[6] & 0x7f;
		h.marker = b[6] >> 7;
		h.payload_len = b[7];
		if ((b[3] & 0xe0) == 0xe0)
			h.ssrc ^= b[5];	/* another source: ignored */
		rtp_ssrc_stats_update(&s, &h, arrival);
	}
	check_stats(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header h;

	parse_all(data, size);
	if (size == 0)
		return 0;
	run_sequence(data, size);
	/* a parsed packet feeds the statistics as the media path would */
	if (rtp_parse(data, size, &h) == 0) {
		rtp_ssrc_stats_update(&s, &h, h.timestamp);
		rtp_ssrc_stats_update(&s, &h, h.timestamp + 1);
		if (s.packets != 2 || s.duplicates_or_late != 1)
			abort();
	}
	return 0;
}
