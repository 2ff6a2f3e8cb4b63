/* srtp_index.h - the SRTP packet index and replay window of one SSRC,
 * shared by the daemon and the kernel module.
 *
 * Plain C that builds both in the userspace Makefile and in Kbuild (the
 * module compiles lib/srtp_index.c through kernel-module/
 * srtp_index_shared.c): no allocation, no libc beyond memset.
 *
 * RFC 3711 section 3.3.1 and appendix A: an SRTP packet carries only the
 * 16-bit sequence number SEQ; its 48-bit index i = 2^16 * ROC + SEQ is
 * guessed from the highest index authenticated so far (s_l and ROC), as
 * the one of ROC - 1, ROC, ROC + 1 that lies nearest. Section 3.3.2: a
 * sliding window of SRTP_REPLAY_WINDOW indexes below the highest one
 * remembers which arrived; an index seen before is a replay, one below
 * the window too old.
 *
 * The state moves only through srtp_index_accept(), which the receiver
 * calls after a packet authenticated (section 3.3.1: ROC and s_l are
 * updated only then). A sender keeps the same state to number what it
 * sends: estimate, then accept, every packet (no replay check).
 *
 * No lock: the caller serialises the calls on one struct.
 */
#ifndef RG_SRTP_INDEX_H
#define RG_SRTP_INDEX_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
#endif

#define SRTP_REPLAY_WINDOW	1024	/* indexes remembered (userspace's too) */
#define SRTP_REPLAY_WORDS	(SRTP_REPLAY_WINDOW / 64)
#define SRTP_INDEX_MAX		((1ull << 48) - 1)

struct srtp_index {
	uint64_t top;		/* highest index accepted, < 2^48 */
	/* bit n % 64 of word n / 64: index top - n was accepted */
	uint64_t seen[SRTP_REPLAY_WORDS];
	bool started;		/* top is meaningful */
};

/* Starts @s at a known point: ROC @roc and highest sequence number @seq
 * already accepted (the state another implementation handed over), with
 * an empty window below it. */
void srtp_index_start(struct srtp_index *s, uint32_t roc, uint16_t seq);

/* The index of a packet with sequence number @seq (RFC 3711 appendix A).
 * Before the first packet it is @seq itself (ROC 0). When the guess would
 * be ROC - 1 while ROC is 0 the packet is taken as ROC 0. */
uint64_t srtp_index_estimate(const struct srtp_index *s, uint16_t seq);

/* Whether @index may be accepted: 0, -EALREADY when it was accepted
 * before (a replay), -ESTALE when it is SRTP_REPLAY_WINDOW or more below
 * the highest index (too old to tell). */
int srtp_index_check(const struct srtp_index *s, uint64_t index);

/* Records @index (< 2^48) as accepted: a higher one becomes the top and
 * slides the window; a lower one inside the window is marked. */
void srtp_index_accept(struct srtp_index *s, uint64_t index);

/* The rollover counter of the highest index (0 before any packet). */
uint32_t srtp_index_roc(const struct srtp_index *s);

/* The sequence number of the highest index (0 before any packet). */
uint16_t srtp_index_seq(const struct srtp_index *s);

#endif
