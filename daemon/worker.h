/* worker.h - media worker threads: each owns a set of relay sockets and
 * forwards what arrives on them (relay.c does the per-packet work), using
 * either io_uring (uring.c) or epoll with recvmmsg/sendmmsg (worker.c).
 *
 * Ownership: a socket registered with a worker, and the stream state it
 * points to, belong to that worker's thread until they are removed again.
 * The control thread changes a stream only after rg_worker_del() of its
 * socket followed by rg_worker_barrier(): the barrier returns once the
 * worker has finished the batch it was in and nothing it or the kernel on
 * its behalf holds names that socket (io_uring: its receive request has
 * ended and the sends queued before have completed), so the socket may be
 * closed and the stream freed. Nothing on the packet path takes a lock.
 */
#ifndef RG_WORKER_H
#define RG_WORKER_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "relay.h"

struct rg_worker;
struct rg_media_engine;

/* Starts @n worker threads using @io (RG_IO_AUTO: io_uring when the
 * kernel allows it, else epoll, which is logged). NULL on failure, or
 * when RG_IO_URING is asked for and unavailable (logged). */
struct rg_media_engine *rg_media_engine_create(unsigned n, enum rg_io_engine io);

/* "io_uring" or "epoll": what the workers use. */
const char *rg_media_engine_io_name(const struct rg_media_engine *engine);

/* Stops and joins the workers. Every socket must have been removed. */
void rg_media_engine_destroy(struct rg_media_engine *engine);

/* The next worker, round robin: a new call's sockets all go to one worker. */
struct rg_worker *rg_media_engine_pick(struct rg_media_engine *engine);

/* Per-worker drop counters summed over all workers, by reason. */
void rg_media_engine_drops(struct rg_media_engine *engine, uint64_t out[RG_DROP_COUNT]);

/* Adds @st's socket to @w's epoll set: @w handles its packets from now on.
 * Returns 0 or a negative errno. Control thread only. */
int rg_worker_add(struct rg_worker *w, struct rg_stream *st);

/* Removes @st's socket; packets of it may still be in the batch the worker
 * is handling until rg_worker_barrier(). Control thread only. */
void rg_worker_del(struct rg_worker *w, struct rg_stream *st);

/* Returns once @w has finished the batch it was handling when called and
 * holds nothing of the sockets removed before the call. */
void rg_worker_barrier(struct rg_worker *w);

#endif
