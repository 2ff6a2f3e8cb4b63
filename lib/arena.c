/* arena.c - chunked bump allocator, see arena.h. */
#include "arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_CHUNK 4096

struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct rg_arena {
	struct chunk *head;
	size_t used;
	size_t limit;
};

/* Only a debug counter for leak checks; never read on any hot path. */
static atomic_long live_arenas;

struct rg_arena *rg_arena_create(size_t limit)
{
	struct rg_arena *arena = calloc(1, sizeof(*arena));

	if (!arena)
		return NULL;
	arena->limit = limit;
	atomic_fetch_add(&live_arenas, 1);
	return arena;
}

void rg_arena_destroy(struct rg_arena *arena)
{
	struct chunk *c, *next;

	if (!arena)
		return;
	for (c = arena->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(arena);
	atomic_fetch_sub(&live_arenas, 1);
}

void *rg_arena_alloc(struct rg_arena *arena, size_t size)
{
	struct chunk *c = arena->head;
	size_t rounded, chunk_size;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded == 0)
		rounded = ARENA_ALIGN;
	if (arena->limit && (rounded > arena->limit ||
			     arena->used > arena->limit - rounded))
		return NULL;

	if (!c || c->size - c->used < rounded) {
		chunk_size = rounded > ARENA_CHUNK ? rounded : ARENA_CHUNK;
		c = malloc(sizeof(*c) + chunk_size);
		if (!c)
			return NULL;
		c->size = chunk_size;
		c->used = 0;
		/* A big one-off allocation goes behind the current chunk so
		 * the space left in the current chunk is not wasted. */
		if (arena->head && rounded > ARENA_CHUNK) {
			c->next = arena->head->next;
			arena->head->next = c;
		} else {
			c->next = arena->head;
			arena->head = c;
		}
	}
	p = c->data + c->used;
	c->used += rounded;
	arena->used += rounded;
	memset(p, 0, size);
	return p;
}

char *rg_arena_strndup(struct rg_arena *arena, const char *src, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		return NULL;
	s = rg_arena_alloc(arena, len + 1);
	if (!s)
		return NULL;
	if (len)
		memcpy(s, src, len);
	s[len] = '\0';
	return s;
}

char *rg_arena_strdup(struct rg_arena *arena, const char *src)
{
	return rg_arena_strndup(arena, src, strlen(src));
}

char *rg_arena_vprintf(struct rg_arena *arena, const char *fmt, va_list ap)
{
	va_list copy;
	char *s;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	s = rg_arena_alloc(arena, (size_t)n + 1);
	if (!s)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *rg_arena_printf(struct rg_arena *arena, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = rg_arena_vprintf(arena, fmt, ap);
	va_end(ap);
	return s;
}

size_t rg_arena_used(const struct rg_arena *arena)
{
	return arena->used;
}

long rg_arena_live_count(void)
{
	return atomic_load(&live_arenas);
}
