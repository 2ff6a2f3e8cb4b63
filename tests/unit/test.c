/* test.c - runner for the unit test tables, see test.h. */
#include "test.h"

bool test_failed;

void test_fail(const char *file, int line, const char *what)
{
	test_failed = true;
	printf("    %s:%d: check failed: %s\n", file, line, what);
}

int test_run(const char *suite, const struct test_case *cases, size_t n)
{
	unsigned passed = 0, failed = 0;
	size_t i;

	printf("# %s\n", suite);
	for (i = 0; i < n; i++) {
		long arenas = rg_arena_live_count();

		test_failed = false;
		cases[i].fn();
		if (!test_failed && rg_arena_live_count() != arenas) {
			printf("    leaked %ld arena(s)\n",
			       rg_arena_live_count() - arenas);
			test_failed = true;
		}
		printf("%s - %s\n", test_failed ? "FAIL" : "ok", cases[i].sentence);
		if (test_failed)
			failed++;
		else
			passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}
