/* srtp_index.c - SRTP packet index and replay window, see srtp_index.h.
 *
 * Builds in Kbuild as well as in userspace (errno and memset only).
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include "srtp_index.h"

#define SEQ_HALF	0x8000u		/* 2^15, RFC 3711 appendix A */

void srtp_index_start(struct srtp_index *s, uint32_t roc, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	s->top = (uint64_t)roc << 16 | seq;
	s->seen[0] = 1;		/* the handed-over top itself */
	s->started = true;
}

uint32_t srtp_index_roc(const struct srtp_index *s)
{
	return (uint32_t)(s->top >> 16);
}

uint16_t srtp_index_seq(const struct srtp_index *s)
{
	return (uint16_t)s->top;
}

uint64_t srtp_index_estimate(const struct srtp_index *s, uint16_t seq)
{
	uint32_t roc = srtp_index_roc(s), s_l = srtp_index_seq(s);
	uint64_t v = roc;

	if (!s->started)
		return seq;
	if (s_l < SEQ_HALF) {
		/* SEQ far above s_l: a late packet from before the wrap */
		if ((uint32_t)seq > s_l + SEQ_HALF && roc > 0)
			v = roc - 1;
	} else if (s_l - SEQ_HALF > seq) {
		v = (uint64_t)roc + 1;	/* the sequence number wrapped */
	}
	return (v << 16 | seq) & SRTP_INDEX_MAX;
}

static bool seen(const struct srtp_index *s, uint64_t behind)
{
	return s->seen[behind / 64] >> (behind % 64) & 1;
}

int srtp_index_check(const struct srtp_index *s, uint64_t index)
{
	uint64_t behind;

	if (!s->started || index > s->top)
		return 0;
	behind = s->top - index;
	if (behind >= SRTP_REPLAY_WINDOW)
		return -ESTALE;
	return seen(s, behind) ? -EALREADY : 0;
}

/* Moves the window up by @by indexes: bit n becomes bit n + @by. */
static void slide(struct srtp_index *s, uint64_t by)
{
	unsigned words, bits, i;
	uint64_t v;

	if (by >= SRTP_REPLAY_WINDOW) {
		memset(s->seen, 0, sizeof(s->seen));
		return;
	}
	words = (unsigned)(by / 64);
	bits = (unsigned)(by % 64);
	for (i = SRTP_REPLAY_WORDS; i-- > 0;) {
		v = 0;
		if (i >= words) {
			v = s->seen[i - words] << bits;
			if (bits && i > words)
				v |= s->seen[i - words - 1] >> (64 - bits);
		}
		s->seen[i] = v;
	}
}

void srtp_index_accept(struct srtp_index *s, uint64_t index)
{
	uint64_t behind;

	index &= SRTP_INDEX_MAX;
	if (!s->started) {
		memset(s->seen, 0, sizeof(s->seen));
		s->top = index;
		s->seen[0] = 1;
		s->started = true;
		return;
	}
	if (index > s->top) {
		slide(s, index - s->top);
		s->top = index;
		s->seen[0] |= 1;
		return;
	}
	behind = s->top - index;
	if (behind < SRTP_REPLAY_WINDOW)
		s->seen[behind / 64] |= 1ull << (behind % 64);
}
