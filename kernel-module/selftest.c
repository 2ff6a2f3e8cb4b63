// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - checks run at load time in a debug build (make DEBUG=1):
 * lib/rtp.c as compiled into the module, the classification of datagrams,
 * the tables (insert, lookup, update, remove, limits, walk), the
 * counters, and SRTP against packets libsrtp2 made. Each case is a sentence; a failing case names its line.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/socket.h>

#include "classify.h"
#include "selftest.h"
#include "srtp.h"
#include "table.h"

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		pr_err("rtpgate selftest: line %d: %s\n", __LINE__, #cond); \
		return false;						\
	}								\
} while (0)

/* RTP version 2, PT 0, seq 0x1234, ts 0x01020304, SSRC 0xcafebabe, and
 * four payload bytes. */
static const u8 rtp_plain[] = {
	0x80, 0x00, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
	0xca, 0xfe, 0xba, 0xbe, 0xd5, 0xd5, 0xd5, 0xd5,
};

/* Padding, extension and one CSRC, marker set, PT 96: header 12 + 4
 * (CSRC) + 4 + 4 (extension, one word), payload 2, padding 2. */
static const u8 rtp_full[] = {
	0xb1, 0xe0, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
	0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00,
	0x11, 0x22, 0x00, 0x02,
};

static const u8 rtcp_rr[] = {
	0x80, 0xc9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
};

static const u8 stun_binding[] = {
	0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
};

static bool rtp_parser_reads_a_plain_header(void)
{
	struct rtp_header h;

	EXPECT(rtp_parse(rtp_plain, sizeof(rtp_plain), &h) == 0);
	EXPECT(h.version == 2 && h.payload_type == 0 && !h.marker);
	EXPECT(h.seq == 0x1234 && h.timestamp == 0x01020304);
	EXPECT(h.ssrc == 0xcafebabe);
	EXPECT(h.header_len == 12 && h.payload_len == 4);
	return true;
}

static bool rtp_parser_skips_csrcs_extension_and_padding(void)
{
	struct rtp_header h;

	EXPECT(rtp_parse(rtp_full, sizeof(rtp_full), &h) == 0);
	EXPECT(h.padding && h.extension && h.csrc_count == 1 && h.marker);
	EXPECT(h.payload_type == 96 && h.ssrc == 2);
	EXPECT(h.header_len == 24 && h.payload_len == 2);
	return true;
}

static bool rtp_parser_refuses_broken_headers(void)
{
	u8 pkt[sizeof(rtp_full)];
	struct rtp_header h;

	EXPECT(rtp_parse(rtp_plain, RTP_HEADER_MIN - 1, &h) == -EINVAL);
	memcpy(pkt, rtp_plain, sizeof(rtp_plain));
	pkt[0] = 0x40;				/* version 1 */
	EXPECT(rtp_parse(pkt, sizeof(rtp_plain), &h) == -EINVAL);
	memcpy(pkt, rtp_full, sizeof(rtp_full));
	pkt[sizeof(pkt) - 1] = 5;		/* padding past the header */
	EXPECT(rtp_parse(pkt, sizeof(pkt), &h) == -EINVAL);
	pkt[sizeof(pkt) - 1] = 0;		/* padding of zero bytes */
	EXPECT(rtp_parse(pkt, sizeof(pkt), &h) == -EINVAL);
	memcpy(pkt, rtp_full, sizeof(rtp_full));
	pkt[19] = 9;				/* extension past the end */
	EXPECT(rtp_parse(pkt, sizeof(pkt), &h) == -EINVAL);
	return true;
}

static bool demux_sorts_by_the_first_byte(void)
{
	static const u8 dtls = 22, zrtp = 16, turn = 64, bad = 255;

	EXPECT(rtp_demux(stun_binding, sizeof(stun_binding)) == DEMUX_STUN);
	EXPECT(rtp_demux(&zrtp, 1) == DEMUX_ZRTP);
	EXPECT(rtp_demux(&dtls, 1) == DEMUX_DTLS);
	EXPECT(rtp_demux(&turn, 1) == DEMUX_TURN);
	EXPECT(rtp_demux(rtp_plain, sizeof(rtp_plain)) == DEMUX_RTP);
	EXPECT(rtp_demux(&bad, 1) == DEMUX_UNKNOWN);
	EXPECT(rtp_demux(rtp_plain, 0) == DEMUX_UNKNOWN);
	EXPECT(rtp_is_rtcp(rtcp_rr, sizeof(rtcp_rr)));
	EXPECT(!rtp_is_rtcp(rtp_plain, sizeof(rtp_plain)));
	return true;
}

static bool ssrc_stats_count_a_lost_packet(void)
{
	struct rtp_ssrc_stats s = {};
	struct rtp_header h;
	u16 seqs[] = { 1, 2, 4 };
	unsigned int i;

	EXPECT(rtp_parse(rtp_plain, sizeof(rtp_plain), &h) == 0);
	for (i = 0; i < ARRAY_SIZE(seqs); i++) {
		h.seq = seqs[i];
		h.timestamp = 160 * seqs[i];
		rtp_ssrc_stats_update(&s, &h, 160 * seqs[i]);
	}
	EXPECT(s.packets == 3 && rtp_ssrc_stats_expected(&s) == 4);
	EXPECT(rtp_ssrc_stats_lost(&s) == 1);
	EXPECT(rtp_ssrc_stats_jitter(&s) == 0);
	return true;
}

static void fwd_init(struct rtpg_fwd *fwd, u8 mode, u32 flags)
{
	memset(fwd, 0, sizeof(*fwd));
	fwd->expect.addr.v4 = htonl(0x0a000001);
	fwd->expect.port = htons(4000);
	fwd->has_expect = true;
	fwd->source_mode = mode;
	fwd->flags = flags;
}

static bool classify_hands_up_stun_and_strangers(void)
{
	struct rtpg_endpoint peer = { .addr.v4 = htonl(0x0a000001),
				      .port = htons(4000) };
	struct rtpg_endpoint other = { .addr.v4 = htonl(0x0a000002),
				       .port = htons(4000) };
	struct rtpg_fwd fwd;
	struct rtp_header h;

	fwd_init(&fwd, RTPG_SOURCE_DROP, RTPG_F_RTP);
	EXPECT(rtpg_classify(&fwd, AF_INET, &other, stun_binding,
			     sizeof(stun_binding), &h) == RTPG_ACT_HANDUP);
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_FORWARD_RTP);
	EXPECT(h.ssrc == 0xcafebabe);
	EXPECT(rtpg_classify(&fwd, AF_INET, &other, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_DROP_SOURCE);
	fwd.source_mode = RTPG_SOURCE_HANDUP;
	EXPECT(rtpg_classify(&fwd, AF_INET, &other, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_HANDUP);
	fwd.expect.port = 0;			/* any port of the address */
	other.addr.v4 = peer.addr.v4;
	other.port = htons(4002);
	EXPECT(rtpg_classify(&fwd, AF_INET, &other, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_FORWARD_RTP);
	return true;
}

static bool classify_follows_the_rtcp_and_payload_type_flags(void)
{
	struct rtpg_endpoint peer = {};
	struct rtpg_fwd fwd;
	struct rtp_header h;
	u8 bad[sizeof(rtp_plain)];

	fwd_init(&fwd, RTPG_SOURCE_IGNORE, RTPG_F_RTP | RTPG_F_RTCP_HANDUP);
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, rtcp_rr, sizeof(rtcp_rr),
			     &h) == RTPG_ACT_HANDUP);
	fwd.flags = RTPG_F_RTP | RTPG_F_MUX_RTCP;
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, rtcp_rr, sizeof(rtcp_rr),
			     &h) == RTPG_ACT_FORWARD);
	fwd.flags = RTPG_F_RTP | RTPG_F_PT_FILTER;
	fwd.has_pt_allow = true;
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_HANDUP);
	fwd.pt_allow[0] = 0x01;			/* payload type 0 */
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, rtp_plain,
			     sizeof(rtp_plain), &h) == RTPG_ACT_FORWARD_RTP);
	memcpy(bad, rtp_plain, sizeof(bad));
	bad[0] = 0x8f;				/* 15 CSRCs that are not there */
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, bad, sizeof(bad), &h) ==
	       RTPG_ACT_MALFORMED);
	fwd.flags = 0;				/* plain UDP: no parsing */
	EXPECT(rtpg_classify(&fwd, AF_INET, &peer, bad, sizeof(bad), &h) ==
	       RTPG_ACT_FORWARD);
	return true;
}

static struct rtpg_fwd *new_fwd(u16 dst_port)
{
	struct rtpg_fwd *fwd = kzalloc(sizeof(*fwd), GFP_KERNEL);

	if (fwd)
		fwd->dst.port = htons(dst_port);
	return fwd;
}

static int set_dst_port(struct rtpg_fwd *fwd, void *arg)
{
	fwd->dst.port = *(__be16 *)arg;
	return 0;
}

/* Looks @key up under RCU; returns the target's destination port in host
 * order, or 0 when there is no target. */
static u16 dst_port_of(struct rtpg_table *table, const struct rtpg_key *key)
{
	struct rtpg_target *t;
	u16 port = 0;

	rcu_read_lock();
	t = rtpg_table_lookup(table, key);
	if (t)
		port = ntohs(rcu_dereference(t->fwd)->dst.port);
	rcu_read_unlock();
	return port;
}

static bool table_checks(struct rtpg_table *table)
{
	static const u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	__be32 v4 = htonl(0xc0000201), port9 = htons(9);
	struct rtpg_key a, b, c;
	struct rtpg_cursor pos = {};
	unsigned int n = 0;

	rtpg_key_init(&a, AF_INET, &v4, htons(30000));
	rtpg_key_init(&b, AF_INET6, v6, htons(30000));
	rtpg_key_init(&c, AF_INET, &v4, htons(30002));
	EXPECT(rtpg_table_add(table, &a, new_fwd(1)) == 0);
	EXPECT(rtpg_table_add(table, &a, new_fwd(2)) == -EEXIST);
	EXPECT(rtpg_table_add(table, &b, new_fwd(3)) == 0);
	EXPECT(rtpg_table_add(table, &c, new_fwd(4)) == -ENOSPC);
	EXPECT(dst_port_of(table, &a) == 1 && dst_port_of(table, &b) == 3);
	EXPECT(dst_port_of(table, &c) == 0);
	EXPECT(rtpg_table_update(table, &a, set_dst_port, &port9) == 0);
	EXPECT(dst_port_of(table, &a) == 9);
	EXPECT(rtpg_table_update(table, &c, set_dst_port, &port9) == -ENOENT);
	EXPECT(rtpg_table_del(table, &a) == 0);
	EXPECT(dst_port_of(table, &a) == 0);
	EXPECT(rtpg_table_del(table, &a) == -ENOENT);
	rcu_read_lock();
	while (rtpg_table_walk(table, &pos)) {
		n++;
		pos.index++;
	}
	rcu_read_unlock();
	EXPECT(n == 1);
	return true;
}

static bool table_adds_finds_updates_and_removes_targets(void)
{
	struct rtpg_table *table = rtpg_table_create(7, 2);
	bool ok;

	EXPECT(!IS_ERR(table));
	ok = table_checks(table);
	rtpg_table_destroy(table);
	return ok;
}

static bool counters_add_up_and_ssrc_slots_are_limited(void)
{
	struct rtpg_stats_snapshot *snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	struct rtpg_stats *st = kmalloc(sizeof(*st), GFP_KERNEL);
	struct rtp_header h;
	bool ok = false;
	u32 ssrc;

	if (!snap || !st || rtpg_stats_init(st))
		goto out_free;
	rtpg_stats_forwarded(st, 160);
	rtpg_stats_forwarded(st, 160);
	rtpg_stats_handed_up(st);
	rtpg_stats_dropped(st, RTPG_DROP_ROUTE);
	rtp_parse(rtp_plain, sizeof(rtp_plain), &h);
	for (ssrc = 1; ssrc <= RTPG_SSRC_MAX + 1; ssrc++) {
		h.ssrc = ssrc;
		rtpg_stats_rtp(st, &h, 0);
	}
	rtpg_stats_read(st, snap);
	ok = snap->packets == 2 && snap->bytes == 320 &&
	     snap->handed_up == 1 && snap->errors == 1 &&
	     snap->drops[RTPG_DROP_ROUTE] == 1 && snap->last_ns &&
	     snap->ssrc_used == RTPG_SSRC_MAX && snap->ssrc[0].ssrc == 1;
	if (!ok)
		pr_err("rtpgate selftest: counters or SSRC slots are wrong\n");
	rtpg_stats_destroy(st);
out_free:
	kfree(st);
	kfree(snap);
	return ok;
}

/* Session keys and the packets tests/tools/srtp_peer (libsrtp2) made
 * with the master keys they derive from (lib/srtp_kdf.c): SSRC
 * 0x12345678, 16 payload bytes 0xab. RFC 3711 B.3's master key for the
 * AES-128 ones; bytes 0, 1, 2... and salt 0x40, 0x41... for the others. */
struct srtp_vector {
	u8 suite, tag_len;
	const char *key, *salt, *auth;	/* hex */
	const char *srtp;		/* hex, the whole packet */
};

static const struct srtp_vector srtp_vectors[] = {
	{ RTPG_SUITE_AES_CM_128_HMAC_SHA1_80, 10,
	  "c61e7a93744f39ee10734afe3ff7a087", "30cbbc08863d8c85d49db34a9ae1",
	  "cebe321f6ff7716b6fd4ab49af256a156d38baa4",
	  "800012340102030412345678aaf59460daaac2772ed4dd6213431dbb9904d10bc9669f75b529" },
	{ RTPG_SUITE_AES_CM_128_HMAC_SHA1_32, 4,
	  "c61e7a93744f39ee10734afe3ff7a087", "30cbbc08863d8c85d49db34a9ae1",
	  "cebe321f6ff7716b6fd4ab49af256a156d38baa4",
	  "8000ffff0102030412345678d8f69c7cbc5b5e249f3e819a02108f273eb31a12" },
	{ RTPG_SUITE_AES_256_CM_HMAC_SHA1_80, 10,
	  "7e6ff674d9f1ee76dc02b1ec7e22cd659da070a8df697f449c41c848d1a72481",
	  "c0208b4ba76d4aef1e6053765591", "73d0787d3c78cc1f41995fab24cf17c9052cc2ef",
	  "8000123401020304123456782b08e12e065d510035b891ac3ae309e6bd9da914165e22d66fa2" },
	{ RTPG_SUITE_AEAD_AES_128_GCM, 16,
	  "ec5cc97f149b8079c78bd9379d0e677e", "1fcd5d561e66dc49ec1c3ccb", "",
	  "8000ffff0102030412345678021bb4516e0e8e22c866d58e629ced38126b1c00"
	  "eccdd8424e2238fe5e2572a7" },
};

#define SRTP_VEC_MAX	64	/* longest vector packet */

static struct rtpg_srtp *vector_context(const struct srtp_vector *v)
{
	struct rtpg_srtp_params p = { .suite = v->suite, .tag_len = v->tag_len };
	struct rtpg_srtp *s;

	if (hex2bin(p.cipher_key, v->key, strlen(v->key) / 2) ||
	    hex2bin(p.salt, v->salt, strlen(v->salt) / 2) ||
	    hex2bin(p.auth_key, v->auth, strlen(v->auth) / 2))
		return ERR_PTR(-EINVAL);
	s = rtpg_srtp_create(&p);
	if (IS_ERR(s))
		pr_err("rtpgate selftest: SRTP context: error %ld\n", PTR_ERR(s));
	return s;
}

/* @v's packet decrypts to its plain text once (a forgery and a replay
 * are refused), and the plain text encrypts to it. */
static bool srtp_vector_checks(const struct srtp_vector *v,
			       struct rtpg_srtp *rx, struct rtpg_srtp *tx)
{
	u8 srtp[SRTP_VEC_MAX], pkt[SRTP_VEC_MAX], plain[SRTP_VEC_MAX];
	size_t slen = strlen(v->srtp) / 2, len = slen;
	struct rtp_header h;

	EXPECT(slen <= SRTP_VEC_MAX && !hex2bin(srtp, v->srtp, slen));
	memcpy(plain, srtp, RTP_HEADER_MIN);
	memset(plain + RTP_HEADER_MIN, 0xab, slen - v->tag_len - RTP_HEADER_MIN);
	memcpy(pkt, srtp, slen);
	EXPECT(rtp_parse(pkt, slen - v->tag_len, &h) == 0);
	pkt[slen - 1] ^= 1;
	EXPECT(rtpg_srtp_decrypt(rx, pkt, &len, &h) == -EBADMSG);
	memcpy(pkt, srtp, slen);
	EXPECT(rtpg_srtp_decrypt(rx, pkt, &len, &h) == 0);
	EXPECT(len == slen - v->tag_len && !memcmp(pkt, plain, len));
	memcpy(pkt, srtp, slen);
	len = slen;
	EXPECT(rtpg_srtp_decrypt(rx, pkt, &len, &h) == -EALREADY);
	len = RTP_HEADER_MIN + v->tag_len - 1;
	EXPECT(rtpg_srtp_decrypt(rx, pkt, &len, &h) == -EBADMSG);
	memcpy(pkt, plain, slen - v->tag_len);
	len = slen - v->tag_len;
	EXPECT(rtpg_srtp_encrypt(tx, pkt, &len, &h) == 0);
	EXPECT(len == slen && !memcmp(pkt, srtp, slen));
	return true;
}

static bool srtp_agrees_with_libsrtp(void)
{
	struct rtpg_srtp *rx, *tx;
	struct rtpg_srtp_ssrc st;
	unsigned int i;
	bool ok = true;

	for (i = 0; ok && i < ARRAY_SIZE(srtp_vectors); i++) {
		rx = vector_context(&srtp_vectors[i]);
		tx = IS_ERR(rx) ? rx : vector_context(&srtp_vectors[i]);
		if (IS_ERR(tx)) {
			if (!IS_ERR(rx))
				rtpg_srtp_put(rx);
			pr_err("rtpgate selftest: SRTP vector %u: no context\n", i);
			return false;
		}
		ok = srtp_vector_checks(&srtp_vectors[i], rx, tx) &&
		     rtpg_srtp_state(tx, &st) == 1 && st.ssrc == 0x12345678 &&
		     st.roc == 0;
		if (!ok)
			pr_err("rtpgate selftest: SRTP vector %u (suite %u)\n", i,
			       srtp_vectors[i].suite);
		rtpg_srtp_put(rx);
		rtpg_srtp_put(tx);
	}
	return ok;
}

static const struct {
	const char *sentence;
	bool (*fn)(void);
} cases[] = {
	{ "the RTP parser reads a plain header",
	  rtp_parser_reads_a_plain_header },
	{ "the RTP parser skips CSRCs, extension and padding",
	  rtp_parser_skips_csrcs_extension_and_padding },
	{ "the RTP parser refuses broken headers",
	  rtp_parser_refuses_broken_headers },
	{ "the RFC 7983 demux sorts datagrams by their first byte",
	  demux_sorts_by_the_first_byte },
	{ "per-SSRC statistics count a lost packet",
	  ssrc_stats_count_a_lost_packet },
	{ "classification hands up STUN and drops or hands up strangers",
	  classify_hands_up_stun_and_strangers },
	{ "classification follows the RTCP and payload type flags",
	  classify_follows_the_rtcp_and_payload_type_flags },
	{ "a table adds, finds, updates and removes targets within its limit",
	  table_adds_finds_updates_and_removes_targets },
	{ "counters add up and SSRC slots are limited",
	  counters_add_up_and_ssrc_slots_are_limited },
	{ "SRTP (AES-CM 128 and 256 with HMAC-SHA1-80/32, AES-GCM) decrypts libsrtp2's packets, refuses a forgery and a replay, and encrypts to what libsrtp2 sends",
	  srtp_agrees_with_libsrtp },
};

int rtpg_selftest_run(void)
{
	unsigned int i, passed = 0;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (cases[i].fn())
			passed++;
		else
			pr_err("rtpgate selftest: FAIL - %s\n",
			       cases[i].sentence);
	}
	if (passed != ARRAY_SIZE(cases)) {
		pr_err("rtpgate selftest: %u passed, %zu failed\n", passed,
		       ARRAY_SIZE(cases) - passed);
		return -EINVAL;
	}
	pr_info("rtpgate selftest: %u passed\n", passed);
	return 0;
}
