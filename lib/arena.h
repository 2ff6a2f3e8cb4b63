/* arena.h - one bump allocator per request.
 *
 * Everything decoded from one NG request (bencode items, the SDP model, the
 * reply) is allocated from one arena and freed with one rg_arena_destroy().
 * An arena has a byte limit so that a hostile request cannot make the daemon
 * allocate without bound: past the limit every allocation returns NULL.
 */
#ifndef RG_ARENA_H
#define RG_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct rg_arena;

/* A new empty arena that will hand out at most @limit bytes in total
 * (0 means no limit). Returns NULL when out of memory. The caller owns it. */
struct rg_arena *rg_arena_create(size_t limit);

/* Frees the arena and everything allocated from it. NULL is allowed. */
void rg_arena_destroy(struct rg_arena *arena);

/* @size zeroed bytes aligned for any type, valid until the arena is
 * destroyed; NULL when the limit is reached or memory is out. */
void *rg_arena_alloc(struct rg_arena *arena, size_t size);

/* A NUL-terminated copy of @len bytes at @src (which may hold NUL bytes). */
char *rg_arena_strndup(struct rg_arena *arena, const char *src, size_t len);

/* A NUL-terminated copy of the C string @src. */
char *rg_arena_strdup(struct rg_arena *arena, const char *src);

/* printf into the arena; NULL on failure. */
char *rg_arena_printf(struct rg_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *rg_arena_vprintf(struct rg_arena *arena, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Bytes handed out so far (what counts against the limit). */
size_t rg_arena_used(const struct rg_arena *arena);

/* How many arenas exist right now in this process. Tests compare it before
 * and after each case to prove that nothing was leaked. */
long rg_arena_live_count(void);

#endif
