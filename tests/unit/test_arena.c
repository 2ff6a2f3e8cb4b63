/* test_arena.c - the per-request arena and the growable buffer. */
#include <errno.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"
#include "test.h"

static void allocations_are_zeroed_and_aligned(void)
{
	struct rg_arena *a = rg_arena_create(0);
	unsigned char *p;
	int i;

	CHECK(a);
	for (i = 1; i < 200; i++) {
		p = rg_arena_alloc(a, (size_t)i * 7);
		if (!p || ((uintptr_t)p % 16) != 0 || p[0] != 0)
			break;
		p[0] = 0xff;
	}
	rg_arena_destroy(a);
	CHECK_INT(i, 200);
}

static void allocation_past_the_limit_fails_cleanly(void)
{
	struct rg_arena *a = rg_arena_create(1000);
	void *big, *small;

	CHECK(a);
	big = rg_arena_alloc(a, 2000);
	small = rg_arena_alloc(a, 100);
	rg_arena_destroy(a);
	CHECK(big == NULL);
	CHECK(small != NULL);
}

static void huge_size_requests_fail_without_overflow(void)
{
	struct rg_arena *a = rg_arena_create(0);
	void *p1, *p2;

	CHECK(a);
	p1 = rg_arena_alloc(a, SIZE_MAX);
	p2 = rg_arena_strndup(a, "x", SIZE_MAX);
	rg_arena_destroy(a);
	CHECK(p1 == NULL);
	CHECK(p2 == NULL);
}

static void large_allocation_keeps_the_current_chunk_usable(void)
{
	struct rg_arena *a = rg_arena_create(0);
	char *s1, *big, *s2;

	CHECK(a);
	s1 = rg_arena_strdup(a, "first");
	big = rg_arena_alloc(a, 100000);
	s2 = rg_arena_printf(a, "%s-%d", "second", 2);
	CHECK(s1 && big && s2);
	CHECK_STR(s1, "first");
	CHECK_STR(s2, "second-2");
	rg_arena_destroy(a);
}

static void buffer_grows_and_reports_the_cap(void)
{
	struct rg_buf b;
	int i;

	rg_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		rg_buf_appendf(&b, "%d,", i);
	CHECK_INT(rg_buf_finish(&b), 0);
	CHECK(b.len > 3000);
	rg_buf_free(&b);

	rg_buf_init(&b, 10);
	rg_buf_append_str(&b, "0123456789");
	CHECK_INT(rg_buf_finish(&b), 0);
	rg_buf_append_char(&b, 'x');
	CHECK_INT(rg_buf_finish(&b), -E2BIG);
	CHECK_INT(b.len, 10);
	rg_buf_free(&b);
}

static const struct test_case cases[] = {
	{ "arena allocations are zeroed and 16-byte aligned", allocations_are_zeroed_and_aligned },
	{ "an allocation past the arena limit fails and smaller ones still work", allocation_past_the_limit_fails_cleanly },
	{ "huge size requests fail without integer overflow", huge_size_requests_fail_without_overflow },
	{ "a large allocation keeps the current chunk usable", large_allocation_keeps_the_current_chunk_usable },
	{ "a buffer grows on demand and reports going past its cap", buffer_grows_and_reports_the_cap },
};

TEST_MAIN(cases)
