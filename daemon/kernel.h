/* kernel.h - rtpgated's client of the xt_RTPGATE module: the generic
 * netlink family "rtpgate" of kernel-module/rtpgate_abi.h.
 *
 * One struct rg_kernel speaks for one kernel table. Opening it resolves
 * the family and does the ABI handshake; then the table is created, and
 * targets (one per relay port handed to the kernel, keyed by local address
 * and port) are set, read and deleted. Every function returns 0 or a
 * negative errno; the kernel's own words for a failure, when it gave any,
 * are in rg_nl_error() of the connection.
 *
 * Owned and called by the control thread only.
 */
#ifndef RG_KERNEL_H
#define RG_KERNEL_H

#include <stdint.h>
#include <sys/socket.h>

#include "../kernel-module/rtpgate_abi.h"

struct nlmsghdr;
struct rg_nl;
struct rg_kernel;

#define RG_PT_BITMAP_SIZE 16	/* payload types 0..127, bit n = type n */

/* SRTP in one direction of a target (rtpgate_abi.h): session keys, never
 * the master key; @suite RTPG_SUITE_NONE for plain RTP. @state: where
 * each SSRC's packet index stands (sent on add; read back from the
 * kernel, where the keys are left zero). */
struct rg_kernel_srtp {
	uint8_t suite;			/* enum rtpg_srtp_suite */
	uint8_t tag_len;
	/* the suite's lengths (rtpg_suite_lengths()), unused octets zero;
	 * no auth key for the AEAD suites */
	uint8_t cipher_key[RTPG_SRTP_KEY_MAX];
	uint8_t salt[RTPG_SRTP_SALT_MAX];
	uint8_t auth_key[RTPG_SRTP_AUTH_KEY_LEN];
	unsigned nstate;
	struct rtpg_srtp_ssrc state[RTPG_SSRC_MAX];
};

/* One stream handed to the kernel. Addresses carry their port; all must be
 * of one family (AF_INET or AF_INET6). */
struct rg_kernel_target {
	struct sockaddr_storage local;	/* where packets arrive: the key */
	struct sockaddr_storage expect;	/* where they should come from; family 0: unknown */
	enum rtpg_source_mode source_mode;	/* needs @expect unless IGNORE */
	struct sockaddr_storage src;	/* the relay's address and port sending on */
	struct sockaddr_storage dst;	/* where forwarded packets go */
	uint8_t tos;			/* DSCP/ECN byte of forwarded packets */
	uint32_t flags;			/* enum rtpg_target_flags */
	uint8_t pt_allow[RG_PT_BITMAP_SIZE];	/* with RTPG_F_PT_FILTER */
	struct rg_kernel_srtp decrypt;	/* what arrives is SRTP */
	struct rg_kernel_srtp encrypt;	/* what leaves is SRTP */
};

struct rg_kernel_ssrc {
	uint32_t ssrc;
	uint64_t packets;
	uint64_t bytes;
	uint64_t lost;
	uint32_t jitter;		/* timestamp units (8000 Hz assumed) */
	uint8_t pt_seen[RG_PT_BITMAP_SIZE];
};

struct rg_kernel_stats {
	uint64_t packets;		/* forwarded */
	uint64_t bytes;			/* forwarded, UDP payload */
	uint64_t errors;		/* all drops */
	uint64_t handed_up;		/* left to userspace */
	uint64_t last_packet_ns;	/* wall clock; 0: none yet */
	uint64_t drops[__RTPG_DROP_MAX];	/* by enum rtpg_drop */
	struct rg_kernel_ssrc ssrc[RTPG_SSRC_MAX];
	unsigned ssrc_count;
};

/* A target as the kernel reports it. */
struct rg_kernel_entry {
	struct rg_kernel_target target;
	struct rg_kernel_stats stats;
};

/* Resolves the family on @nl (a NETLINK_GENERIC rg_nl) and shakes hands:
 * our RTPG_ABI_VERSION against the module's. On success *@out speaks for
 * table @table and owns @nl; on failure the caller keeps @nl, and
 * rg_nl_error(@nl) says why. -ENOENT: no such family (module not loaded);
 * -EPERM: no CAP_NET_ADMIN; -EPROTO: another ABI version (the message names
 * both); -EINVAL: @table out of range. */
int rg_kernel_open(struct rg_nl *nl, unsigned table, struct rg_kernel **out);

/* Closes the connection; the kernel table stays (NULL is allowed). */
void rg_kernel_close(struct rg_kernel *k);

/* The connection, for rg_nl_error(). */
struct rg_nl *rg_kernel_nl(struct rg_kernel *k);

/* The table @k speaks for. */
unsigned rg_kernel_table(const struct rg_kernel *k);

/* Creates the kernel table: -EEXIST if it is there already. */
int rg_kernel_table_create(struct rg_kernel *k);

/* Deletes the table and every target in it: -ENOENT if absent. */
int rg_kernel_table_delete(struct rg_kernel *k);

/* Adds @t, or updates the target with @t's local address and port.
 * -EINVAL (nothing sent) when @t mixes address families, has a zero port,
 * an unknown source mode or flag, or a source mode needing an unknown
 * @expect, or SRTP with an unknown suite, a tag length not the suite's,
 * too many SSRC states, or without RTPG_F_RTP. A direction without SRTP
 * sends no nest (an update then leaves that direction as it was); an
 * update with the keys the kernel has keeps its SRTP state
 * (rtpgate_abi.h). */
int rg_kernel_target_set(struct rg_kernel *k, const struct rg_kernel_target *t);

/* Deletes the target at @local (address and port): -ENOENT if absent. */
int rg_kernel_target_del(struct rg_kernel *k, const struct sockaddr_storage *local);

/* Reads the target at @local with its counters into @out. */
int rg_kernel_target_get(struct rg_kernel *k, const struct sockaddr_storage *local,
			 struct rg_kernel_entry *out);

/* Called once per target of a dump; returns 0 to go on, or a negative
 * errno, which ends the calls and is what the dump returns. @e is valid
 * during the call only. */
typedef int (*rg_kernel_entry_cb)(const struct rg_kernel_entry *e, void *arg);

/* Reads every target of the table with its counters, calling @cb. */
int rg_kernel_stats_dump(struct rg_kernel *k, rg_kernel_entry_cb cb, void *arg);

/* Parses one target message (a reply to RTPG_CMD_TARGET_GET) into @out.
 * Every attribute's length is checked; unknown attributes are skipped,
 * SSRCs beyond RTPG_SSRC_MAX ignored. 0 or -EBADMSG. */
int rg_kernel_entry_parse(const struct nlmsghdr *nlh, struct rg_kernel_entry *out);

#endif
