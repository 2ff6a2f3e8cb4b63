/* test_rtp.c - RTP/RTCP parsing, demultiplexing and receive statistics.
 *
 * The tests may use floating point (the jitter reference); lib/rtp.c may
 * not.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "rtp.h"
#include "test.h"

/* A PCMU packet: seq 0x1234, ts 0x01020304, SSRC 0xdeadbeef, 4 bytes of
 * payload. */
static const uint8_t minimal[] = {
	0x80, 0x00, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
	0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff,
};

/* Two CSRCs, an RFC 8285 one-byte extension (one word), marker, PT 96,
 * 3 bytes of payload and 5 bytes of padding. */
static const uint8_t full[] = {
	0xb2, 0xe0, 0x00, 0x07, 0x00, 0x00, 0x00, 0xa0,
	0x11, 0x22, 0x33, 0x44,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00,
	0x61, 0x62, 0x63,
	0x00, 0x00, 0x00, 0x00, 0x05,
};

/* SR (no report blocks) + SDES with one CNAME + BYE, all SSRC 0x01020304. */
static const uint8_t sr_sdes_bye[] = {
	0x80, 200, 0x00, 0x06, 0x01, 0x02, 0x03, 0x04,
	0xe5, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0xa0,
	0x81, 202, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04,
	0x01, 0x04, 'h', 'o', 's', 't', 0x00, 0x00,
	0x81, 203, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04,
};

/* RR with one report block about SSRC 0x0a0b0c0d. */
static const uint8_t rr_one_block[] = {
	0x81, 201, 0x00, 0x07, 0x55, 0x66, 0x77, 0x88,
	0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void minimal_packet_parses_every_field(void)
{
	struct rtp_header h;

	CHECK_INT(rtp_parse(minimal, sizeof(minimal), &h), 0);
	CHECK_INT(h.version, 2);
	CHECK_INT(h.padding, 0);
	CHECK_INT(h.extension, 0);
	CHECK_INT(h.csrc_count, 0);
	CHECK_INT(h.marker, 0);
	CHECK_INT(h.payload_type, 0);
	CHECK_INT(h.seq, 0x1234);
	CHECK_INT(h.timestamp, 0x01020304);
	CHECK_INT(h.ssrc, 0xdeadbeef);
	CHECK_INT(h.header_len, 12);
	CHECK_INT(h.payload_len, 4);
}

static void header_alone_is_a_packet_with_an_empty_payload(void)
{
	struct rtp_header h;

	CHECK_INT(rtp_parse(minimal, 12, &h), 0);
	CHECK_INT(h.payload_len, 0);
}

static void csrcs_extension_and_padding_are_measured(void)
{
	struct rtp_header h;

	CHECK_INT(rtp_parse(full, sizeof(full), &h), 0);
	CHECK_INT(h.padding, 1);
	CHECK_INT(h.extension, 1);
	CHECK_INT(h.csrc_count, 2);
	CHECK_INT(h.marker, 1);
	CHECK_INT(h.payload_type, 96);
	CHECK_INT(h.seq, 7);
	CHECK_INT(h.timestamp, 160);
	CHECK_INT(h.ssrc, 0x11223344);
	CHECK_INT(h.header_len, 12 + 8 + 8);
	CHECK_INT(h.payload_len, 3);
	CHECK(memcmp(full + h.header_len, "abc", 3) == 0);
}

static void csrcs_alone_count_into_the_header_length(void)
{
	uint8_t p[12 + 15 * 4 + 2] = { 0x8f, 0x08 };
	struct rtp_header h;

	CHECK_INT(rtp_parse(p, sizeof(p), &h), 0);
	CHECK_INT(h.csrc_count, 15);
	CHECK_INT(h.payload_type, 8);
	CHECK_INT(h.header_len, 72);
	CHECK_INT(h.payload_len, 2);
}

/* RFC 8285's two-byte profile (0x100X) is skipped like any extension. */
static void two_byte_extension_is_skipped_by_its_length(void)
{
	uint8_t p[12 + 4 + 8 + 1] = { 0x90, 0x60 };
	struct rtp_header h;

	p[12] = 0x10;
	p[13] = 0x00;
	p[15] = 2;
	p[16] = 1;
	p[17] = 3;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), 0);
	CHECK_INT(h.header_len, 24);
	CHECK_INT(h.payload_len, 1);
}

static void padding_may_fill_the_whole_payload(void)
{
	uint8_t p[16] = { 0xa0, 0x00 };
	struct rtp_header h;

	p[15] = 4;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), 0);
	CHECK_INT(h.payload_len, 0);
}

/* Copies the first @len bytes of @pkt to a heap block of exactly @len
 * bytes, so that ASan reports any read past the end. */
static uint8_t *exact_copy(const uint8_t *pkt, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p)
		memcpy(p, pkt, len);
	return p;
}

/* A cut inside the payload of a packet without padding is still a valid,
 * shorter packet (RTP carries no length); every other cut is rejected. */
static void every_truncation_of_a_valid_packet_is_rejected(void)
{
	struct rtp_header h = { .seq = 42 };
	size_t len;
	int ret;

	for (len = 0; len < sizeof(full); len++) {
		uint8_t *p = exact_copy(full, len);

		CHECK(p);
		ret = rtp_parse(p, len, &h);
		free(p);
		CHECK_INT(ret, -EINVAL);
	}
	CHECK_INT(h.seq, 42);
	for (len = 0; len < sizeof(minimal); len++) {
		uint8_t *p = exact_copy(minimal, len);

		CHECK(p);
		ret = rtp_parse(p, len, &h);
		free(p);
		CHECK_INT(ret, len < 12 ? -EINVAL : 0);
		if (ret == 0)
			CHECK_INT(h.payload_len, len - 12);
	}
}

static void extension_longer_than_the_packet_is_rejected(void)
{
	uint8_t p[sizeof(full)];
	struct rtp_header h;

	memcpy(p, full, sizeof(p));
	p[23] = 3;	/* 12 bytes of extension data, only 12 remain */
	CHECK_INT(rtp_parse(p, sizeof(p), &h), -EINVAL);
	p[22] = 0xff;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), -EINVAL);
}

static void versions_other_than_2_are_rejected(void)
{
	uint8_t p[sizeof(minimal)];
	struct rtp_header h;
	unsigned v;

	memcpy(p, minimal, sizeof(p));
	for (v = 0; v < 4; v++) {
		p[0] = (uint8_t)(v << 6);
		CHECK_INT(rtp_parse(p, sizeof(p), &h), v == 2 ? 0 : -EINVAL);
	}
}

static void padding_count_zero_or_too_big_is_rejected(void)
{
	uint8_t p[sizeof(full)];
	struct rtp_header h;

	memcpy(p, full, sizeof(p));
	p[sizeof(p) - 1] = 0;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), -EINVAL);
	p[sizeof(p) - 1] = 8;	/* exactly the bytes after the header */
	CHECK_INT(rtp_parse(p, sizeof(p), &h), 0);
	CHECK_INT(h.payload_len, 0);
	p[sizeof(p) - 1] = 9;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), -EINVAL);
	p[sizeof(p) - 1] = 255;
	CHECK_INT(rtp_parse(p, sizeof(p), &h), -EINVAL);
}

static void sender_report_is_rtcp_on_a_muxed_port(void)
{
	/* RFC 5761 4: PT 72 with the marker bit is the second byte 200 */
	uint8_t p[2] = { 0x80, 0x80 | 72 };

	CHECK_INT(p[1], RTCP_SR);
	CHECK(rtp_is_rtcp(p, 2));
	CHECK(rtp_is_rtcp(sr_sdes_bye, sizeof(sr_sdes_bye)));
	CHECK(rtp_is_rtcp(rr_one_block, sizeof(rr_one_block)));
}

static void rtp_payload_types_are_not_rtcp(void)
{
	static const uint8_t pts[] = { 0, 8, 96, 127 };
	uint8_t p[2] = { 0x80 };
	size_t i;

	for (i = 0; i < sizeof(pts); i++) {
		p[1] = pts[i];
		CHECK(!rtp_is_rtcp(p, 2));
		p[1] |= 0x80;
		CHECK(!rtp_is_rtcp(p, 2));
	}
}

static void rtcp_range_is_exactly_192_to_223(void)
{
	uint8_t p[2] = { 0x80 };
	unsigned b;

	for (b = 0; b < 256; b++) {
		p[1] = (uint8_t)b;
		CHECK(rtp_is_rtcp(p, 2) == (b >= 192 && b <= 223));
	}
	CHECK(!rtp_is_rtcp(sr_sdes_bye, 1));
	CHECK(!rtp_is_rtcp(sr_sdes_bye, 0));
}

static void sr_sdes_bye_compound_is_valid(void)
{
	uint8_t type = 0;
	uint32_t ssrc = 0;

	CHECK_INT(rtcp_parse_first(sr_sdes_bye, sizeof(sr_sdes_bye), &type,
				   &ssrc), 0);
	CHECK_INT(type, RTCP_SR);
	CHECK_INT(ssrc, 0x01020304);
	CHECK_INT(rtcp_parse_first(sr_sdes_bye, sizeof(sr_sdes_bye), NULL,
				   NULL), 0);
}

static void receiver_report_alone_is_valid(void)
{
	uint8_t type = 0;
	uint32_t ssrc = 0;

	CHECK_INT(rtcp_parse_first(rr_one_block, sizeof(rr_one_block), &type,
				   &ssrc), 0);
	CHECK_INT(type, RTCP_RR);
	CHECK_INT(ssrc, 0x55667788);
}

static void rtcp_length_that_overshoots_is_rejected(void)
{
	uint8_t p[sizeof(sr_sdes_bye)];
	uint8_t type = 7;

	memcpy(p, sr_sdes_bye, sizeof(p));
	p[47] = 2;		/* BYE claims one word more than is there */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), &type, NULL), -EINVAL);
	CHECK_INT(type, 7);
	memcpy(p, sr_sdes_bye, sizeof(p));
	p[2] = 0xff;		/* SR claims 256 KiB */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
}

static void rtcp_trailing_bytes_are_rejected(void)
{
	uint8_t p[sizeof(rr_one_block) + 4];

	memcpy(p, rr_one_block, sizeof(rr_one_block));
	memset(p + sizeof(rr_one_block), 0, 4);
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	/* an SRTCP index with the E bit set starts like a version 2
	 * packet, but of type 0: the caller strips the trailer first */
	p[sizeof(rr_one_block)] = 0x80;
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	p[sizeof(rr_one_block) + 1] = 0xc0;	/* now a 4-byte RTCP packet */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), 0);
}

/* A cut at a packet boundary leaves a shorter valid compound. */
static void every_truncation_of_a_compound_is_rejected(void)
{
	static const struct {
		const uint8_t *pkt;
		size_t len;
	} valid[] = {
		{ sr_sdes_bye, sizeof(sr_sdes_bye) },
		{ rr_one_block, sizeof(rr_one_block) },
	};
	size_t i, len;
	int ret;

	for (i = 0; i < 2; i++) {
		for (len = 0; len < valid[i].len; len++) {
			uint8_t *p = exact_copy(valid[i].pkt, len);

			CHECK(p);
			ret = rtcp_parse_first(p, len, NULL, NULL);
			free(p);
			if (i == 0 && (len == 28 || len == 44))
				CHECK_INT(ret, 0);
			else
				CHECK_INT(ret, -EINVAL);
		}
	}
}

static void compound_must_start_with_sr_or_rr(void)
{
	/* the SDES and BYE of sr_sdes_bye on their own */
	const uint8_t *sdes_bye = sr_sdes_bye + 28;
	uint8_t p[sizeof(rr_one_block)];

	CHECK_INT(rtcp_parse_first(sdes_bye, sizeof(sr_sdes_bye) - 28, NULL,
				   NULL), -EINVAL);
	memcpy(p, rr_one_block, sizeof(p));
	p[1] = RTCP_APP;
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	p[1] = 205;	/* RFC 4585 feedback: reduced-size, not compound */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
}

static void every_packet_of_a_compound_must_be_version_2(void)
{
	uint8_t p[sizeof(sr_sdes_bye)];

	memcpy(p, sr_sdes_bye, sizeof(p));
	p[44] = 0x41;	/* BYE as version 1 */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	memcpy(p, sr_sdes_bye, sizeof(p));
	p[0] = 0x40;
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
}

static void padding_is_allowed_only_on_the_last_rtcp_packet(void)
{
	uint8_t p[sizeof(sr_sdes_bye) + 4];

	memcpy(p, sr_sdes_bye, sizeof(sr_sdes_bye));
	/* BYE grows by one word of padding */
	p[44] = 0xa1;
	p[47] = 2;
	memcpy(p + 52, "\0\0\0\4", 4);
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), 0);
	p[55] = 0;
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	p[55] = 9;	/* more than the BYE's 8 bytes after its header */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	p[55] = 8;
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), 0);
	p[28] |= 0x20;	/* the SDES in the middle */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	p[28] &= ~0x20;
	p[0] |= 0x20;	/* the SR first (RFC 3550 A.2) */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
}

static void report_count_beyond_the_packet_is_rejected(void)
{
	uint8_t p[sizeof(rr_one_block)];

	memcpy(p, rr_one_block, sizeof(p));
	p[0] = 0x82;	/* two blocks in room for one */
	CHECK_INT(rtcp_parse_first(p, sizeof(p), NULL, NULL), -EINVAL);
	memcpy(p, sr_sdes_bye, 28);
	p[0] = 0x81;	/* an SR of 28 bytes has no room for a block */
	CHECK_INT(rtcp_parse_first(p, 28, NULL, NULL), -EINVAL);
	p[0] = 0x80;
	CHECK_INT(rtcp_parse_first(p, 28, NULL, NULL), 0);
	p[3] = 5;	/* an SR too short for its sender info */
	CHECK_INT(rtcp_parse_first(p, 24, NULL, NULL), -EINVAL);
}

static void demux_follows_the_rfc_7983_byte_ranges(void)
{
	static const struct {
		uint8_t byte;
		enum rtp_demux kind;
	} cases[] = {
		{ 0, DEMUX_STUN }, { 1, DEMUX_STUN }, { 3, DEMUX_STUN },
		{ 4, DEMUX_UNKNOWN }, { 15, DEMUX_UNKNOWN },
		{ 16, DEMUX_ZRTP }, { 19, DEMUX_ZRTP },
		{ 20, DEMUX_DTLS }, { 22, DEMUX_DTLS }, { 63, DEMUX_DTLS },
		{ 64, DEMUX_TURN }, { 79, DEMUX_TURN },
		{ 80, DEMUX_UNKNOWN }, { 127, DEMUX_UNKNOWN },
		{ 128, DEMUX_RTP }, { 0x80, DEMUX_RTP }, { 191, DEMUX_RTP },
		{ 192, DEMUX_UNKNOWN }, { 255, DEMUX_UNKNOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b = cases[i].byte;

		CHECK_INT(rtp_demux(&b, 1), cases[i].kind);
	}
}

static void demux_of_an_empty_datagram_is_unknown(void)
{
	uint8_t b = 0x80;

	CHECK_INT(rtp_demux(&b, 0), DEMUX_UNKNOWN);
	CHECK_INT(rtp_demux(minimal, sizeof(minimal)), DEMUX_RTP);
}

/* Feeds one PCMU packet with @seq; timestamp and arrival advance by 160
 * per sequence number, so the jitter stays 0. */
static void feed(struct rtp_ssrc_stats *s, uint16_t seq)
{
	struct rtp_header h = {
		.version = 2, .seq = seq, .ssrc = 0xabcd,
		.timestamp = 160u * seq, .header_len = 12, .payload_len = 160,
	};

	rtp_ssrc_stats_update(s, &h, 1000 + 160u * seq);
}

/* Feeds @count packets in order from @first, wrapping past 65535. */
static void feed_range(struct rtp_ssrc_stats *s, unsigned first,
		       unsigned count)
{
	unsigned i;

	for (i = first; i < first + count; i++)
		feed(s, (uint16_t)(i & 0xffff));
}

/* Feeds the @n sequence numbers of @seqs in their order. */
static void feed_list(struct rtp_ssrc_stats *s, const uint16_t *seqs,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		feed(s, seqs[i]);
}

static void hundred_packets_in_order_lose_nothing(void)
{
	struct rtp_ssrc_stats s = { 0 };

	CHECK_INT(rtp_ssrc_stats_expected(&s), 0);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
	feed_range(&s, 100, 100);
	CHECK(s.initialised);
	CHECK_INT(s.ssrc, 0xabcd);
	CHECK_INT(s.packets, 100);
	CHECK_INT(s.bytes, 16000);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 100);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
	CHECK_INT(s.duplicates_or_late, 0);
	CHECK_INT(rtp_ssrc_stats_jitter(&s), 0);
	CHECK_INT(s.payload_types[0], 1);
}

static void gap_of_five_counts_five_lost(void)
{
	struct rtp_ssrc_stats s = { 0 };

	feed_range(&s, 0, 20);
	feed_range(&s, 25, 25);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 50);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 5);
}

static void sequence_wraparound_counts_a_cycle_and_no_loss(void)
{
	struct rtp_ssrc_stats s = { 0 };

	feed_range(&s, 65530, 12);
	CHECK_INT(s.cycles, 1);
	CHECK_INT(s.max_seq, 5);
	CHECK_INT(s.base_seq, 65530);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 12);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
}

/* RFC 3550 6.4.1: received includes duplicates, so the cumulative loss
 * can go below zero; a duplicate also hides a loss. Nothing more. */
static void duplicates_count_as_received_as_rfc_3550_says(void)
{
	struct rtp_ssrc_stats s = { 0 };

	feed_range(&s, 0, 10);
	feed(&s, 9);
	feed(&s, 5);
	CHECK_INT(s.duplicates_or_late, 2);
	CHECK_INT(s.packets, 12);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 10);
	CHECK_INT(rtp_ssrc_stats_lost(&s), -2);
	feed(&s, 12);	/* 10 and 11 lost, offset by the duplicates */
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
}

static void reordered_packets_fill_their_gap(void)
{
	static const uint16_t order[] = { 1, 2, 4, 3, 5, 8, 6, 7, 9 };
	struct rtp_ssrc_stats s = { 0 };

	feed_list(&s, order, sizeof(order) / sizeof(order[0]));
	CHECK_INT(s.max_seq, 9);
	CHECK_INT(s.duplicates_or_late, 3);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
}

static void late_packet_across_the_wrap_is_no_new_cycle(void)
{
	static const uint16_t order[] = { 65534, 1, 65535, 0, 2 };
	struct rtp_ssrc_stats s = { 0 };

	feed_list(&s, order, sizeof(order) / sizeof(order[0]));
	CHECK_INT(s.cycles, 1);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 5);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
}

static void one_big_jump_is_ignored_and_two_restart_the_run(void)
{
	struct rtp_ssrc_stats s = { 0 };

	feed_range(&s, 0, 10);
	feed(&s, 30000);
	CHECK_INT(s.packets, 10);
	CHECK_INT(s.max_seq, 9);
	feed(&s, 10);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
	feed(&s, 40000);
	feed(&s, 40001);
	CHECK_INT(s.packets, 1);
	CHECK_INT(s.base_seq, 40001);
	CHECK_INT(s.cycles, 0);
	feed(&s, 40002);
	CHECK_INT(rtp_ssrc_stats_expected(&s), 2);
	CHECK_INT(rtp_ssrc_stats_lost(&s), 0);
	CHECK_INT(rtp_ssrc_stats_jitter(&s), 0);
}

static void packets_of_another_ssrc_are_ignored(void)
{
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header other = { .ssrc = 1, .seq = 3, .payload_type = 8 };

	feed(&s, 1);
	feed(&s, 2);
	rtp_ssrc_stats_update(&s, &other, 5000);
	CHECK_INT(s.packets, 2);
	CHECK_INT(s.max_seq, 2);
	CHECK_INT(s.payload_types[0], 1);
}

static void payload_types_seen_are_marked_in_the_bitmap(void)
{
	static const uint8_t pts[] = { 0, 8, 13, 31, 32, 96, 101, 127 };
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header h = { .ssrc = 9 };
	size_t i;

	for (i = 0; i < sizeof(pts); i++) {
		h.seq = (uint16_t)i;
		h.payload_type = pts[i];
		rtp_ssrc_stats_update(&s, &h, 0);
	}
	CHECK_INT(s.payload_types[0], (1u << 0) | (1u << 8) | (1u << 13) |
		  (1u << 31));
	CHECK_INT(s.payload_types[1], 1);
	CHECK_INT(s.payload_types[2], 0);
	CHECK_INT(s.payload_types[3], (1u << 0) | (1u << 5) | (1u << 31));
}

/* Runs @n packets 160 timestamp units apart whose arrival, in timestamp
 * units, is 160 * i plus noise(i); returns the library's jitter and sets
 * *@ref to RFC 3550 6.4.1's J += (|D| - J) / 16 in doubles. */
static uint32_t run_jitter(unsigned n, int (*noise)(unsigned), uint32_t ts0,
			   uint32_t arrival0, double *ref)
{
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header h = { .ssrc = 7 };
	double j = 0, prev = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		double transit = noise(i);	/* arrival - timestamp + c */

		h.seq = (uint16_t)i;
		h.timestamp = ts0 + 160u * i;
		rtp_ssrc_stats_update(&s, &h, arrival0 + 160u * i +
				      (uint32_t)noise(i));
		if (i > 0)
			j += (fabs(transit - prev) - j) / 16;
		prev = transit;
	}
	*ref = j;
	return rtp_ssrc_stats_jitter(&s);
}

static int no_noise(unsigned i)
{
	return 0;
}

static int alternating_noise(unsigned i)
{
	return i % 2 ? 80 : -80;
}

/* A fixed linear congruential sequence in -80..80. */
static int pseudo_random_noise(unsigned i)
{
	uint32_t x = i * 2654435761u + 12345;

	x ^= x >> 15;
	return (int)(x % 161) - 80;
}

static void constant_spacing_gives_zero_jitter(void)
{
	double ref;

	CHECK_INT(run_jitter(500, no_noise, 1234, 99, &ref), 0);
	CHECK(ref == 0);
}

/* The integer form rounds 16 * J and the report truncates it: within one
 * timestamp unit of the exact value. */
static void alternating_noise_converges_to_the_rfc_value(void)
{
	unsigned n[] = { 2, 10, 30, 200 };
	double ref;
	uint32_t got;
	size_t i;

	for (i = 0; i < 4; i++) {
		got = run_jitter(n[i], alternating_noise, 0, 0, &ref);
		CHECK(fabs(got - ref) <= 1.0);
	}
	CHECK(fabs(ref - 160) < 1e-3);
	CHECK(got >= 159 && got <= 160);
}

static void random_noise_tracks_the_double_precision_reference(void)
{
	unsigned n;
	double ref;
	uint32_t got;

	for (n = 2; n < 400; n += 13) {
		got = run_jitter(n, pseudo_random_noise, 0, 0, &ref);
		CHECK(fabs(got - ref) <= 1.5);
	}
	CHECK(ref > 20);
}

static void jitter_ignores_clock_wraparound(void)
{
	double ref;
	uint32_t got;

	got = run_jitter(100, no_noise, 0xffffff00u, 0xfffffff0u, &ref);
	CHECK_INT(got, 0);
	got = run_jitter(100, alternating_noise, 0xfffff000u, 0xffffff00u,
			 &ref);
	CHECK(fabs(got - ref) <= 1.0);
}

static void huge_transit_jumps_saturate_the_jitter(void)
{
	struct rtp_ssrc_stats s = { 0 };
	struct rtp_header h = { .ssrc = 3 };
	unsigned i;

	for (i = 0; i < 1000; i++) {
		h.seq = (uint16_t)i;
		h.timestamp = i % 2 ? 0x80000000u : 0;
		rtp_ssrc_stats_update(&s, &h, 0);
	}
	CHECK_INT(s.jitter_q4, 0xffffffffu);
	CHECK_INT(rtp_ssrc_stats_jitter(&s), 0x0fffffff);
}

static void static_payload_types_have_rfc_3551_clock_rates(void)
{
	CHECK_INT(rtp_static_clock_rate(0), 8000);
	CHECK_INT(rtp_static_clock_rate(8), 8000);
	CHECK_INT(rtp_static_clock_rate(9), 8000);
	CHECK_INT(rtp_static_clock_rate(10), 44100);
	CHECK_INT(rtp_static_clock_rate(6), 16000);
	CHECK_INT(rtp_static_clock_rate(18), 8000);
	CHECK_INT(rtp_static_clock_rate(34), 90000);
	CHECK_INT(rtp_static_clock_rate(2), 0);
	CHECK_INT(rtp_static_clock_rate(35), 0);
	CHECK_INT(rtp_static_clock_rate(96), 0);
	CHECK_INT(rtp_static_clock_rate(255), 0);
}

static const struct test_case cases[] = {
	{ "a minimal packet parses every header field", minimal_packet_parses_every_field },
	{ "a bare 12-byte header is a packet with an empty payload", header_alone_is_a_packet_with_an_empty_payload },
	{ "CSRCs, a one-byte extension and padding are measured", csrcs_extension_and_padding_are_measured },
	{ "fifteen CSRCs count into the header length", csrcs_alone_count_into_the_header_length },
	{ "a two-byte-profile extension is skipped by its length", two_byte_extension_is_skipped_by_its_length },
	{ "padding may fill the whole payload", padding_may_fill_the_whole_payload },
	{ "every truncation of a valid packet fails cleanly", every_truncation_of_a_valid_packet_is_rejected },
	{ "an extension longer than the packet is rejected", extension_longer_than_the_packet_is_rejected },
	{ "versions other than 2 are rejected", versions_other_than_2_are_rejected },
	{ "a padding count of 0 or past the header is rejected", padding_count_zero_or_too_big_is_rejected },
	{ "a sender report (PT 72 with marker) is RTCP on a muxed port", sender_report_is_rtcp_on_a_muxed_port },
	{ "RTP payload types 0, 8, 96 and 127 are not RTCP", rtp_payload_types_are_not_rtcp },
	{ "RTCP on a muxed port is exactly second bytes 192..223", rtcp_range_is_exactly_192_to_223 },
	{ "an SR + SDES + BYE compound is valid and names its sender", sr_sdes_bye_compound_is_valid },
	{ "a receiver report alone is a valid compound", receiver_report_alone_is_valid },
	{ "an RTCP length field that overshoots is rejected", rtcp_length_that_overshoots_is_rejected },
	{ "bytes after the last RTCP packet are rejected unless they are one", rtcp_trailing_bytes_are_rejected },
	{ "every truncation of an RTCP compound between packets is rejected", every_truncation_of_a_compound_is_rejected },
	{ "a compound must start with an SR or an RR", compound_must_start_with_sr_or_rr },
	{ "every packet of a compound must be version 2", every_packet_of_a_compound_must_be_version_2 },
	{ "only the last RTCP packet may be padded, by a sane count", padding_is_allowed_only_on_the_last_rtcp_packet },
	{ "report blocks that do not fit their packet are rejected", report_count_beyond_the_packet_is_rejected },
	{ "the demux follows RFC 7983's first-byte ranges", demux_follows_the_rfc_7983_byte_ranges },
	{ "an empty datagram demuxes as unknown", demux_of_an_empty_datagram_is_unknown },
	{ "100 packets in order lose nothing", hundred_packets_in_order_lose_nothing },
	{ "a gap of five counts five lost", gap_of_five_counts_five_lost },
	{ "a wrap from 65530 to 5 counts a cycle and no loss", sequence_wraparound_counts_a_cycle_and_no_loss },
	{ "duplicates count as received, as RFC 3550 6.4.1 says", duplicates_count_as_received_as_rfc_3550_says },
	{ "reordered packets fill their gap", reordered_packets_fill_their_gap },
	{ "a late packet from before the wrap is no new cycle", late_packet_across_the_wrap_is_no_new_cycle },
	{ "one big jump is ignored, two in sequence restart the run", one_big_jump_is_ignored_and_two_restart_the_run },
	{ "packets of another SSRC are ignored", packets_of_another_ssrc_are_ignored },
	{ "payload types seen are marked in the bitmap", payload_types_seen_are_marked_in_the_bitmap },
	{ "constant spacing gives zero jitter", constant_spacing_gives_zero_jitter },
	{ "alternating +/-80 noise converges to the RFC's jitter", alternating_noise_converges_to_the_rfc_value },
	{ "random noise tracks the double-precision jitter", random_noise_tracks_the_double_precision_reference },
	{ "jitter ignores timestamp and arrival wraparound", jitter_ignores_clock_wraparound },
	{ "huge transit jumps saturate the jitter, not overflow it", huge_transit_jumps_saturate_the_jitter },
	{ "static payload types have RFC 3551 clock rates", static_payload_types_have_rfc_3551_clock_rates },
};

TEST_MAIN(cases)
