/* test.h - the unit test framework: a table of behaviour sentences.
 *
 *   static void rejects_truncated_string(void) { CHECK(...); }
 *   static const struct test_case cases[] = {
 *       { "a truncated string is rejected", rejects_truncated_string },
 *   };
 *   TEST_MAIN(cases)
 *
 * Each case runs in order; a failed CHECK ends that case. After each case
 * the runner checks that no arena was left alive (a leak). The last line is
 * "N passed, M failed", which tests/run.sh adds up across suites.
 */
#ifndef RG_TEST_H
#define RG_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"

struct test_case {
	const char *sentence;
	void (*fn)(void);
};

extern bool test_failed;
void test_fail(const char *file, int line, const char *what);
int test_run(const char *suite, const struct test_case *cases, size_t n);

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			test_fail(__FILE__, __LINE__, #cond);              \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_INT(a, b)                                                    \
	do {                                                               \
		long long va_ = (long long)(a), vb_ = (long long)(b);      \
		if (va_ != vb_) {                                          \
			char m_[256];                                      \
			snprintf(m_, sizeof(m_), "%s == %s (%lld != %lld)",\
				 #a, #b, va_, vb_);                        \
			test_fail(__FILE__, __LINE__, m_);                 \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *sa_ = (a), *sb_ = (b);                         \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {               \
			char m_[1024];                                     \
			snprintf(m_, sizeof(m_), "%s == %s (\"%s\" != \"%s\")", \
				 #a, #b, sa_ ? sa_ : "(null)",             \
				 sb_ ? sb_ : "(null)");                    \
			test_fail(__FILE__, __LINE__, m_);                 \
			return;                                            \
		}                                                          \
	} while (0)

#define TEST_MAIN(cases)                                                   \
	int main(void)                                                     \
	{                                                                  \
		return test_run(__FILE__, cases,                           \
				sizeof(cases) / sizeof(cases[0]));         \
	}

#endif
