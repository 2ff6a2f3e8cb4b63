/* bench_uring.h - io_uring set-up the benchmark programs share.
 *
 * Header-only because the Makefile builds every .c in tests/bench/ as a
 * program of its own.
 */
#ifndef RG_BENCH_URING_H
#define RG_BENCH_URING_H

#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Registers a provided-buffer ring of @n (a power of two) buffers as group
 * @bgid on @ring and gives it buffers @bufs, @n of @size bytes each, ids 0
 * to @n - 1. The ring, or NULL with *@err a negative errno. (liburing 2.3,
 * Debian 12's, has no io_uring_setup_buf_ring.) */
static inline struct io_uring_buf_ring *bench_buf_ring(struct io_uring *ring, unsigned n,
							unsigned bgid, uint8_t *bufs,
							unsigned size, int *err)
{
	struct io_uring_buf_reg reg = { .ring_entries = n, .bgid = (uint16_t)bgid };
	struct io_uring_buf_ring *br;
	void *mem = NULL;
	unsigned i;

	if (posix_memalign(&mem, (size_t)sysconf(_SC_PAGESIZE),
			   n * sizeof(struct io_uring_buf))) {
		*err = -ENOMEM;
		return NULL;
	}
	reg.ring_addr = (uintptr_t)mem;
	*err = io_uring_register_buf_ring(ring, &reg, 0);
	if (*err < 0) {
		free(mem);
		return NULL;
	}
	br = mem;
	io_uring_buf_ring_init(br);
	for (i = 0; i < n; i++)
		io_uring_buf_ring_add(br, bufs + (size_t)i * size, size, (unsigned short)i,
				      io_uring_buf_ring_mask(n), (int)i);
	io_uring_buf_ring_advance(br, (int)n);
	return br;
}

#endif
