/* test_srtp_index.c - the SRTP packet index and replay window shared with
 * the kernel module (RFC 3711 sections 3.3.1, 3.3.2 and appendix A). */
#include <errno.h>
#include <stdint.h>

#include "srtp_index.h"
#include "test.h"

/* Accepts sequence numbers @from, @from + 1, ... (@n of them, wrapping)
 * as a receiver would: estimate, check, accept. */
static int receive_run(struct srtp_index *s, uint16_t from, unsigned n)
{
	unsigned i;
	uint64_t idx;
	int rc;

	for (i = 0; i < n; i++) {
		idx = srtp_index_estimate(s, (uint16_t)(from + i));
		rc = srtp_index_check(s, idx);
		if (rc)
			return rc;
		srtp_index_accept(s, idx);
	}
	return 0;
}

static void first_packet_index_is_its_sequence_number(void)
{
	struct srtp_index s = { 0 };

	CHECK_INT(srtp_index_estimate(&s, 4711), 4711);
	CHECK_INT(srtp_index_check(&s, 4711), 0);
	srtp_index_accept(&s, 4711);
	CHECK_INT(srtp_index_roc(&s), 0);
	CHECK_INT(srtp_index_seq(&s), 4711);
}

static void sequence_wrap_increments_the_rollover_counter(void)
{
	struct srtp_index s = { 0 };

	CHECK_INT(receive_run(&s, 65530, 12), 0);
	CHECK_INT(srtp_index_roc(&s), 1);
	CHECK_INT(srtp_index_seq(&s), 5);
	CHECK_INT(srtp_index_estimate(&s, 6), 65536 + 6);
	/* three wraps in a row */
	CHECK_INT(receive_run(&s, 6, 3 * 65536), 0);
	CHECK_INT(srtp_index_roc(&s), 4);
}

static void late_packet_from_before_the_wrap_keeps_the_old_counter(void)
{
	struct srtp_index s = { 0 };

	srtp_index_start(&s, 7, 3);
	CHECK_INT(srtp_index_estimate(&s, 65534), (6ull << 16) + 65534);
	CHECK_INT(srtp_index_check(&s, (6ull << 16) + 65534), 0);
	srtp_index_accept(&s, (6ull << 16) + 65534);
	CHECK_INT(srtp_index_roc(&s), 7);	/* the top did not move back */
	CHECK_INT(srtp_index_check(&s, (6ull << 16) + 65534), -EALREADY);
}

static void guess_is_the_nearest_of_three_counters(void)
{
	struct srtp_index s = { 0 };

	/* s_l in the upper half: a small SEQ is after the wrap */
	srtp_index_start(&s, 2, 40000);
	CHECK_INT(srtp_index_estimate(&s, 7231), (3ull << 16) + 7231);
	CHECK_INT(srtp_index_estimate(&s, 7233), (2ull << 16) + 7233);
	CHECK_INT(srtp_index_estimate(&s, 65535), (2ull << 16) + 65535);
	/* s_l in the lower half: a large SEQ is before it */
	srtp_index_start(&s, 2, 1000);
	CHECK_INT(srtp_index_estimate(&s, 33769), (1ull << 16) + 33769);
	CHECK_INT(srtp_index_estimate(&s, 33768), (2ull << 16) + 33768);
	CHECK_INT(srtp_index_estimate(&s, 999), (2ull << 16) + 999);
}

static void counter_zero_never_guesses_minus_one(void)
{
	struct srtp_index s = { 0 };

	srtp_index_start(&s, 0, 10);
	CHECK_INT(srtp_index_estimate(&s, 60000), 60000);
}

static void replayed_packet_is_refused(void)
{
	struct srtp_index s = { 0 };
	uint64_t idx;

	CHECK_INT(receive_run(&s, 100, 50), 0);
	idx = srtp_index_estimate(&s, 149);
	CHECK_INT(srtp_index_check(&s, idx), -EALREADY);
	idx = srtp_index_estimate(&s, 120);
	CHECK_INT(srtp_index_check(&s, idx), -EALREADY);
	CHECK_INT(srtp_index_check(&s, srtp_index_estimate(&s, 150)), 0);
}

static void late_packet_inside_the_window_is_taken_once(void)
{
	struct srtp_index s = { 0 };
	uint64_t idx;

	CHECK_INT(receive_run(&s, 0, 10), 0);
	CHECK_INT(receive_run(&s, 11, 500), 0);	/* 10 missing */
	idx = srtp_index_estimate(&s, 10);
	CHECK_INT(idx, 10);
	CHECK_INT(srtp_index_check(&s, idx), 0);
	srtp_index_accept(&s, idx);
	CHECK_INT(srtp_index_check(&s, idx), -EALREADY);
	CHECK_INT(srtp_index_seq(&s), 510);
}

static void packet_behind_the_window_is_too_old(void)
{
	struct srtp_index s = { 0 };

	CHECK_INT(receive_run(&s, 0, 2000), 0);
	CHECK_INT(srtp_index_check(&s, 1999 - SRTP_REPLAY_WINDOW + 1), -EALREADY);
	CHECK_INT(srtp_index_check(&s, 1999 - SRTP_REPLAY_WINDOW), -ESTALE);
	CHECK_INT(srtp_index_check(&s, 3), -ESTALE);
}

static void jump_past_the_window_forgets_it(void)
{
	struct srtp_index s = { 0 };

	CHECK_INT(receive_run(&s, 0, 100), 0);
	/* 99 slides to 1000 behind: still remembered */
	srtp_index_accept(&s, 1099);
	CHECK_INT(srtp_index_check(&s, 99), -EALREADY);
	CHECK_INT(srtp_index_check(&s, 76), -EALREADY);
	CHECK_INT(srtp_index_check(&s, 75), -ESTALE);
	CHECK_INT(srtp_index_check(&s, 100), 0);
	/* a jump of a whole window leaves only the new top marked */
	srtp_index_accept(&s, 1099 + SRTP_REPLAY_WINDOW);
	CHECK_INT(srtp_index_check(&s, 1099 + SRTP_REPLAY_WINDOW), -EALREADY);
	CHECK_INT(srtp_index_check(&s, 1100), 0);
	CHECK_INT(srtp_index_check(&s, 1099), -ESTALE);
}

/* Every other index, slid by odd amounts across word boundaries: each
 * accepted one stays marked, each skipped one stays free. */
static void window_keeps_marks_across_word_boundaries(void)
{
	struct srtp_index s = { 0 };
	uint64_t i, top = 0;

	for (i = 0; i < 900; i += (i % 7) + 1) {
		srtp_index_accept(&s, i);
		top = i;
	}
	for (i = 0; i <= top; i++) {
		uint64_t j;
		int want = 0;

		for (j = 0; j <= top; j += (j % 7) + 1)
			if (j == i)
				want = -EALREADY;
		CHECK_INT(srtp_index_check(&s, i), want);
	}
}

static void handed_over_state_continues_it(void)
{
	struct srtp_index s = { 0 };

	srtp_index_start(&s, 3, 65535);
	CHECK_INT(srtp_index_check(&s, (3ull << 16) + 65535), -EALREADY);
	CHECK_INT(srtp_index_check(&s, (3ull << 16) + 65534), 0);
	CHECK_INT(srtp_index_estimate(&s, 0), 4ull << 16);
	srtp_index_accept(&s, 4ull << 16);
	CHECK_INT(srtp_index_roc(&s), 4);
	CHECK_INT(srtp_index_seq(&s), 0);
}

static void sender_numbering_follows_its_sequence_numbers(void)
{
	struct srtp_index s = { 0 };
	unsigned i;

	/* a sender estimates and accepts every packet, repeats included */
	for (i = 0; i < 70000; i++) {
		uint64_t idx = srtp_index_estimate(&s, (uint16_t)(60000 + i));

		srtp_index_accept(&s, idx);
		if (i % 1000 == 0) {
			idx = srtp_index_estimate(&s, (uint16_t)(60000 + i));
			srtp_index_accept(&s, idx);
		}
	}
	CHECK_INT(s.top, 60000 + 69999);
}

static const struct test_case cases[] = {
	{ "the first packet's index is its sequence number", first_packet_index_is_its_sequence_number },
	{ "a sequence number wrap increments the rollover counter", sequence_wrap_increments_the_rollover_counter },
	{ "a late packet from before the wrap keeps the old counter", late_packet_from_before_the_wrap_keeps_the_old_counter },
	{ "the index guess is the nearest of ROC - 1, ROC and ROC + 1", guess_is_the_nearest_of_three_counters },
	{ "a rollover counter of zero never guesses ROC - 1", counter_zero_never_guesses_minus_one },
	{ "a replayed packet is refused", replayed_packet_is_refused },
	{ "a late packet inside the window is taken once", late_packet_inside_the_window_is_taken_once },
	{ "a packet behind the window is too old", packet_behind_the_window_is_too_old },
	{ "a jump past the window forgets it", jump_past_the_window_forgets_it },
	{ "the window keeps its marks across word boundaries", window_keeps_marks_across_word_boundaries },
	{ "a handed-over state continues where it was", handed_over_state_continues_it },
	{ "a sender's numbering follows its sequence numbers", sender_numbering_follows_its_sequence_numbers },
};

TEST_MAIN(cases)
