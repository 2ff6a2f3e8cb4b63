/* fuzz_srtp_index.c - libFuzzer target for the SRTP packet index and
 * replay window (lib/srtp_index.c, compiled into the kernel module too).
 *
 * The input is a run of 3-byte steps: a sequence number and an action
 * (receive it, send it, or restart from a handed-over ROC). Whatever
 * arrives, the index stays below 2^48 and keeps the sequence number, the
 * top never goes down, and an index just accepted is refused at once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "srtp_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void step(struct srtp_index *s, uint16_t seq, uint8_t op)
{
	uint64_t top = s->top, idx = srtp_index_estimate(s, seq);
	int rc = srtp_index_check(s, idx);

	if (idx > SRTP_INDEX_MAX || (uint16_t)idx != seq)
		abort();
	if (rc && rc != -EALREADY && rc != -ESTALE)
		abort();
	if (op % 8 == 7) {	/* a handed-over state */
		srtp_index_start(s, (uint32_t)op << 20 | seq, seq);
		if (srtp_index_check(s, s->top) != -EALREADY)
			abort();
		return;
	}
	if (rc && op % 2)	/* a receiver drops it; a sender numbers it anyway */
		return;
	srtp_index_accept(s, idx);
	if (!s->started || s->top < top)
		abort();
	/* a replay now, or (a sender's very old number) too old */
	if (srtp_index_check(s, idx) == 0)
		abort();
	if (srtp_index_roc(s) != (uint32_t)(s->top >> 16) ||
	    srtp_index_seq(s) != (uint16_t)s->top)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srtp_index s = { 0 };
	size_t i;

	for (i = 0; i + 3 <= size; i += 3)
		step(&s, (uint16_t)(data[i] << 8 | data[i + 1]), data[i + 2]);
	return 0;
}
