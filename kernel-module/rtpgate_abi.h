/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rtpgate_abi.h - the control interface between rtpgated and xt_RTPGATE.
 *
 * One header, included by the kernel module and by the daemon. Transport:
 * generic netlink, family RTPG_GENL_NAME, every command needs CAP_NET_ADMIN
 * (GENL_ADMIN_PERM: in the initial user namespace) and acts on the
 * caller's network namespace. Every attribute is validated by the
 * module's policy table before a handler runs; a message that does not
 * fit it is refused with -EINVAL (-ERANGE for a number out of its range)
 * and an extack message.
 *
 * Handshake: the daemon's first message is RTPG_CMD_HELLO carrying
 * RTPG_A_ABI_VERSION. The module answers with its own version; when they
 * differ the module refuses with -EPROTO and the daemon stops with a
 * message naming both versions. Bump RTPG_ABI_VERSION on any change that
 * is not purely additive.
 *
 * State is per network namespace: tables, and in each table the targets,
 * keyed by local address and UDP port (the relay port a packet arrives
 * on). Several daemons can use several tables.
 *
 * SRTP (RFC 3711): a target may decrypt what arrives (RTPG_A_SRTP_DECRYPT:
 * the sender speaks SRTP, the destination gets plain RTP), encrypt what it
 * sends (RTPG_A_SRTP_ENCRYPT: plain in, SRTP out), or both. The daemon
 * derives the session keys (RFC 3711 section 4.3, key derivation rate 0)
 * and sends those, never the master key; the module keeps, per SSRC and
 * direction, the rollover counter and a replay window of
 * RTPG_SRTP_WINDOW packets (lib/srtp_index.c, shared with the daemon).
 * Only RTP is transformed: RTCP on an SRTP target is always handed up
 * (SRTCP stays in userspace), as are SSRCs beyond RTPG_SSRC_MAX.
 *
 * Addresses travel as RTPG_A_*_ADDR (4 bytes for IPv4, 16 for IPv6, network
 * order) with RTPG_A_*_PORT (u16, host order). A target's local, source and
 * destination addresses must all be of one family.
 */
#ifndef RTPGATE_ABI_H
#define RTPGATE_ABI_H

#include <linux/types.h>

#define RTPG_GENL_NAME		"rtpgate"
#define RTPG_GENL_VERSION	1
#define RTPG_ABI_VERSION	1

#define RTPG_TABLE_MAX		255	/* table ids 0..RTPG_TABLE_MAX */
#define RTPG_TARGETS_MAX	65536	/* per table */
#define RTPG_SSRC_MAX		4	/* SSRCs counted per target */

enum rtpg_cmd {
	RTPG_CMD_UNSPEC,
	RTPG_CMD_HELLO,		/* ABI_VERSION -> reply ABI_VERSION */
	RTPG_CMD_TABLE_NEW,	/* TABLE; -EEXIST if present */
	RTPG_CMD_TABLE_DEL,	/* TABLE; removes its targets too */
	RTPG_CMD_TARGET_ADD,	/* TABLE, LOCAL_*, target attributes; -EEXIST */
	RTPG_CMD_TARGET_UPDATE,	/* TABLE, LOCAL_*, target attributes; -ENOENT;
				 * attributes left out keep their values */
	RTPG_CMD_TARGET_DEL,	/* TABLE, LOCAL_*; -ENOENT */
	RTPG_CMD_TARGET_GET,	/* TABLE [, LOCAL_*]: one target, or a dump of all */
	__RTPG_CMD_MAX,
};
#define RTPG_CMD_MAX (__RTPG_CMD_MAX - 1)

enum rtpg_attr {
	RTPG_A_UNSPEC,
	RTPG_A_ABI_VERSION,	/* u32 */
	RTPG_A_TABLE,		/* u32, 0..RTPG_TABLE_MAX */
	RTPG_A_LOCAL_ADDR,	/* binary 4/16: where packets arrive */
	RTPG_A_LOCAL_PORT,	/* u16 */
	RTPG_A_EXPECT_ADDR,	/* binary 4/16: the peer packets should come from */
	RTPG_A_EXPECT_PORT,	/* u16; 0: any port of EXPECT_ADDR */
	RTPG_A_SOURCE_MODE,	/* u8, enum rtpg_source_mode */
	RTPG_A_SRC_ADDR,	/* binary 4/16: the relay's address sending on
				 * (all zero: the route picks it) */
	RTPG_A_SRC_PORT,	/* u16: the relay's port sending on */
	RTPG_A_DST_ADDR,	/* binary 4/16: where forwarded packets go */
	RTPG_A_DST_PORT,	/* u16 */
	RTPG_A_TOS,		/* u8: DSCP/ECN byte for forwarded packets */
	RTPG_A_FLAGS,		/* u32, enum rtpg_target_flags */
	RTPG_A_PT_ALLOW,	/* binary 16: bitmap of RTP payload types 0..127
				 * forwarded with RTPG_F_PT_FILTER; type n is
				 * bit n % 8 (1 << (n % 8)) of byte n / 8 */
	RTPG_A_STATS,		/* nested, enum rtpg_stats_attr (replies only) */
	RTPG_A_SSRC,		/* nested, enum rtpg_ssrc_attr, repeated (replies only) */
	RTPG_A_PAD,
	RTPG_A_SRTP_DECRYPT,	/* nested, enum rtpg_srtp_attr: SRTP arrives */
	RTPG_A_SRTP_ENCRYPT,	/* nested, enum rtpg_srtp_attr: SRTP leaves */
	__RTPG_A_MAX,
};
#define RTPG_A_MAX (__RTPG_A_MAX - 1)

/* What the target does with a packet whose source is not EXPECT_*. */
enum rtpg_source_mode {
	RTPG_SOURCE_IGNORE,	/* forward it anyway (no EXPECT_* needed) */
	RTPG_SOURCE_DROP,	/* drop and count it (strict-source) */
	RTPG_SOURCE_HANDUP,	/* leave it to userspace (learning, handover) */
	__RTPG_SOURCE_MAX,
};

enum rtpg_target_flags {
	RTPG_F_RTP = 1 << 0,		/* parse as RTP, count per SSRC/payload type */
	RTPG_F_PT_FILTER = 1 << 1,	/* hand up RTP whose payload type is not in PT_ALLOW */
	RTPG_F_RTCP_HANDUP = 1 << 2,	/* hand up RTCP (RFC 5761 types 192-223) */
	RTPG_F_MUX_RTCP = 1 << 3,	/* RTCP on this port is forwarded too (mux both sides) */
};
#define RTPG_F_ALL (RTPG_F_RTP | RTPG_F_PT_FILTER | RTPG_F_RTCP_HANDUP | RTPG_F_MUX_RTCP)

enum rtpg_drop {
	RTPG_DROP_SOURCE,	/* source mode DROP, not from EXPECT_* */
	RTPG_DROP_ROUTE,	/* no route to DST */
	RTPG_DROP_SEND,		/* ip_local_out refused it */
	RTPG_DROP_MALFORMED,	/* RTP expected, header did not parse */
	RTPG_DROP_SRTP_AUTH,	/* SRTP authentication tag wrong (or packet too short for one) */
	RTPG_DROP_SRTP_REPLAY,	/* SRTP index seen before, or older than the window */
	RTPG_DROP_SRTP,		/* SRTP could not be applied (cipher error, no memory) */
	__RTPG_DROP_MAX,
};

enum rtpg_stats_attr {
	RTPG_S_UNSPEC,
	RTPG_S_PACKETS,		/* u64: forwarded */
	RTPG_S_BYTES,		/* u64: forwarded, UDP payload */
	RTPG_S_ERRORS,		/* u64: all drops */
	RTPG_S_HANDED_UP,	/* u64: left to userspace */
	RTPG_S_LAST_PACKET_NS,	/* u64: wall clock (ktime_get_real_ns) */
	RTPG_S_DROPS,		/* binary: u64[__RTPG_DROP_MAX], host order */
	RTPG_S_PAD,
	__RTPG_S_MAX,
};
#define RTPG_S_MAX (__RTPG_S_MAX - 1)

enum rtpg_ssrc_attr {
	RTPG_SS_UNSPEC,
	RTPG_SS_SSRC,		/* u32 */
	RTPG_SS_PACKETS,	/* u64 */
	RTPG_SS_BYTES,		/* u64: payload */
	RTPG_SS_PT_BITMAP,	/* binary 16: payload types seen, laid out as
				 * RTPG_A_PT_ALLOW */
	RTPG_SS_LOST,		/* u64: expected - received, 0 if negative */
	RTPG_SS_JITTER,		/* u32: timestamp units (needs the clock rate: 8000 assumed) */
	RTPG_SS_PAD,
	__RTPG_SS_MAX,
};
#define RTPG_SS_MAX (__RTPG_SS_MAX - 1)

/*
 * RTPG_A_SRTP_DECRYPT / RTPG_A_SRTP_ENCRYPT. With SUITE: the target
 * transforms RTP in that direction, and CIPHER_KEY, CIPHER_SALT, AUTH_KEY
 * and TAG_LEN are required (in replies only SUITE, TAG_LEN and SSRC_STATE
 * come back: keys never leave the module). Without SUITE (an empty nest):
 * no SRTP in that direction. Left out of an update: unchanged.
 *
 * An update that carries the keys the target already has keeps its
 * per-SSRC state (SSRC_STATE is then ignored); new keys start new state,
 * from SSRC_STATE where given (the rollover counter and highest sequence
 * number libsrtp had reached for each SSRC), else from the first packet
 * (ROC 0).
 */
enum rtpg_srtp_attr {
	RTPG_SRTP_UNSPEC,
	RTPG_SRTP_SUITE,	/* u8, enum rtpg_srtp_suite */
	RTPG_SRTP_CIPHER_KEY,	/* binary 16 or 32, the suite's: session
				 * encryption key (label 0) */
	RTPG_SRTP_CIPHER_SALT,	/* binary 14 (AES-CM) or 12 (AES-GCM): session
				 * salt (label 2) */
	RTPG_SRTP_AUTH_KEY,	/* binary 20: session authentication key
				 * (label 1); AES-CM suites only */
	RTPG_SRTP_TAG_LEN,	/* u8: authentication tag octets, the suite's */
	RTPG_SRTP_SSRC_STATE,	/* binary: struct rtpg_srtp_ssrc[1..RTPG_SSRC_MAX] */
	__RTPG_SRTP_MAX,
};
#define RTPG_SRTP_MAX (__RTPG_SRTP_MAX - 1)

/* Suites: key octets, salt octets, tag octets. AES-CM ones authenticate
 * with HMAC-SHA1 (RFC 3711, RFC 6188), AES-GCM ones are AEAD (RFC 7714:
 * the RTP header is the associated data, the IV the salt XOR SSRC, ROC
 * and SEQ). */
enum rtpg_srtp_suite {
	RTPG_SUITE_NONE,
	RTPG_SUITE_AES_CM_128_HMAC_SHA1_80,	/* 16, 14, 10 */
	RTPG_SUITE_AES_CM_128_HMAC_SHA1_32,	/* 16, 14, 4 */
	RTPG_SUITE_AES_256_CM_HMAC_SHA1_80,	/* 32, 14, 10 */
	RTPG_SUITE_AES_256_CM_HMAC_SHA1_32,	/* 32, 14, 4 */
	RTPG_SUITE_AEAD_AES_128_GCM,		/* 16, 12, 16 */
	RTPG_SUITE_AEAD_AES_256_GCM,		/* 32, 12, 16 */
	__RTPG_SUITE_MAX,
};

/* A suite's key, salt and tag octets (the table above), for the module
 * and the daemon alike: 0, or -1 for RTPG_SUITE_NONE and unknown
 * suites. The AEAD suites are those with a 12-octet salt. */
static inline int rtpg_suite_lengths(unsigned int suite, __u8 *key_len,
				     __u8 *salt_len, __u8 *tag_len)
{
	static const __u8 lengths[__RTPG_SUITE_MAX][3] = {
		[RTPG_SUITE_AES_CM_128_HMAC_SHA1_80] = { 16, 14, 10 },
		[RTPG_SUITE_AES_CM_128_HMAC_SHA1_32] = { 16, 14, 4 },
		[RTPG_SUITE_AES_256_CM_HMAC_SHA1_80] = { 32, 14, 10 },
		[RTPG_SUITE_AES_256_CM_HMAC_SHA1_32] = { 32, 14, 4 },
		[RTPG_SUITE_AEAD_AES_128_GCM] = { 16, 12, 16 },
		[RTPG_SUITE_AEAD_AES_256_GCM] = { 32, 12, 16 },
	};

	if (suite == RTPG_SUITE_NONE || suite >= __RTPG_SUITE_MAX)
		return -1;
	*key_len = lengths[suite][0];
	*salt_len = lengths[suite][1];
	*tag_len = lengths[suite][2];
	return 0;
}

#define RTPG_SRTP_KEY_MAX	32
#define RTPG_SRTP_SALT_MAX	14
#define RTPG_SRTP_AUTH_KEY_LEN	20
#define RTPG_SRTP_TAG_MAX	16
#define RTPG_SRTP_WINDOW	1024	/* replay window, packets */

/* One SSRC's place in the packet index (RFC 3711 3.3.1): the rollover
 * counter and the highest sequence number taken. Host order. */
struct rtpg_srtp_ssrc {
	__u32 ssrc;
	__u32 roc;
	__u16 seq;
	__u16 flags;	/* 0; the module refuses anything else */
};

/* xtables target info: "-j RTPGATE --table-id N" (iptables via
 * libxt_RTPGATE.so, nftables via nft_compat). */
struct xt_rtpgate_info {
	__u32 table;
};

#endif
