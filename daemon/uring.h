/* uring.h - the io_uring packet path of one media worker (worker.c runs it
 * when the engine is io_uring; see uring.c for why it is faster).
 *
 * Threads: rg_uring_create/destroy/wait/settle run on the worker's thread
 * only (the ring is single-issuer); rg_uring_add/del are the control
 * thread's and only queue a command that the worker takes when it next
 * settles. The barrier of worker.h is built on rg_uring_settle().
 */
#ifndef RG_URING_H
#define RG_URING_H

#include <stdbool.h>
#include <stdint.h>

#include "relay.h"

struct rg_uring;

/* true when this kernel (and seccomp policy) gives us the io_uring
 * features the worker needs: a ring is set up and torn down to find out.
 * On false, *@why says why (a static string). Any thread. */
bool rg_uring_available(const char **why);

/* A ring for the calling worker thread, woken through @evfd (an eventfd
 * the control thread writes to; not owned). NULL on failure (logged). */
struct rg_uring *rg_uring_create(unsigned index, int evfd);

/* Worker thread: frees the ring and its buffers. No stream may be left. */
void rg_uring_destroy(struct rg_uring *u);

/* Control thread: queues @st to be read from now on, or to be forgotten
 * (after rg_uring_del(), @st and its socket may change only once a
 * rg_uring_settle() that began after it returned true). The caller wakes
 * the worker. */
void rg_uring_add(struct rg_uring *u, struct rg_stream *st);
void rg_uring_del(struct rg_uring *u, struct rg_stream *st);

/* Worker thread: submits what was queued since the last call, waits for
 * at least one completion and forwards what arrived (drops added to
 * @drops). */
void rg_uring_wait(struct rg_uring *u, uint64_t drops[RG_DROP_COUNT]);

/* Worker thread, after rg_uring_wait(): takes the queued commands and
 * arms what must be read. Returns true when quiescent: every command
 * queued before the call is done, and no request the kernel holds still
 * names a removed stream or its socket. */
bool rg_uring_settle(struct rg_uring *u);

#endif
