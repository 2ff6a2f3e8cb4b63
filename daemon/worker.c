/* worker.c - media worker threads, see worker.h.
 *
 * With epoll, each worker loops: epoll_wait, one recvmmsg batch per ready
 * socket (edge-triggered; a socket whose read filled a batch is read again
 * after the others, so a flood on one stream cannot starve the others),
 * then acknowledges a pending barrier. With io_uring, uring.c does a round
 * per loop and says when a barrier may be acknowledged. Either way an
 * eventfd wakes the worker for barriers and for stopping.
 */
#include "worker.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "call.h"
#include "log.h"
#include "uring.h"

#define EVENTS_PER_WAIT 128

struct rg_worker {
	unsigned index;
	struct rg_uring *ring;	/* NULL: the epoll path */
	int ready;		/* io_uring: 1 once the ring is set up, -1 failed */
	/* sockets whose last read filled a batch: edge-triggered epoll will
	 * not report them again, so they are read again next round */
	GPtrArray *pending, *pending_next;
	GThread *thread;
	int epfd;
	int evfd;
	atomic_bool stop;
	struct rg_batch *batch;
	_Atomic uint64_t drops[RG_DROP_COUNT];	/* written by this worker only */
	/* barrier: the control thread asks with barrier_req, the worker
	 * answers with barrier_done; the mutex and cond are only for waiting */
	_Atomic uint64_t barrier_req;
	_Atomic uint64_t barrier_done;
	GMutex lock;
	GCond cond;
};

struct rg_media_engine {
	enum rg_io_engine io;	/* RG_IO_URING or RG_IO_EPOLL */
	struct rg_worker *workers;
	unsigned n;
	unsigned next;
};

static void wake(struct rg_worker *w)
{
	uint64_t one = 1;

	if (write(w->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		rg_err("worker %u: eventfd: %s", w->index, strerror(errno));
}

/* Forgets pending streams the control thread took back: it cleared their
 * `registered` before asking for the barrier, and may free them after. */
static void drop_unregistered(struct rg_worker *w)
{
	struct rg_stream *st;
	guint i = 0;

	while (i < w->pending->len) {
		st = w->pending->pdata[i];
		if (st->registered) {
			i++;
			continue;
		}
		st->pending = false;
		g_ptr_array_remove_index_fast(w->pending, i);
	}
}

/* Tells barrier callers up to request @req that the worker is done. */
static void answer_barrier_to(struct rg_worker *w, uint64_t req)
{
	if (req <= atomic_load_explicit(&w->barrier_done, memory_order_relaxed))
		return;
	g_mutex_lock(&w->lock);
	atomic_store_explicit(&w->barrier_done, req, memory_order_release);
	g_cond_broadcast(&w->cond);
	g_mutex_unlock(&w->lock);
}

static void answer_barrier(struct rg_worker *w)
{
	uint64_t req = atomic_load_explicit(&w->barrier_req, memory_order_acquire);

	if (req == atomic_load_explicit(&w->barrier_done, memory_order_relaxed))
		return;
	drop_unregistered(w);
	answer_barrier_to(w, req);
}

static void add_drops(struct rg_worker *w, const uint64_t drops[RG_DROP_COUNT])
{
	int i;

	for (i = 0; i < RG_DROP_COUNT; i++)
		if (drops[i])
			atomic_store_explicit(&w->drops[i],
				atomic_load_explicit(&w->drops[i], memory_order_relaxed) + drops[i],
				memory_order_relaxed);
}

static void receive(struct rg_worker *w, struct rg_stream *st, uint64_t *drops,
		    int64_t now)
{
	if (rg_relay_receive(w->batch, st, drops, now) && !st->pending) {
		st->pending = true;
		g_ptr_array_add(w->pending_next, st);
	}
}

/* Reads again the sockets whose last read filled a batch (after this
 * round's events, so every stream gets one batch per round), then makes
 * what this round found full the next round's list. */
static void receive_pending(struct rg_worker *w, uint64_t *drops, int64_t now)
{
	GPtrArray *todo = w->pending;
	struct rg_stream *st;
	guint i;

	for (i = 0; i < todo->len; i++) {
		st = todo->pdata[i];
		st->pending = false;
		receive(w, st, drops, now);	/* may queue it in pending_next */
	}
	g_ptr_array_set_size(todo, 0);
	w->pending = w->pending_next;
	w->pending_next = todo;
}

static gpointer worker_main(gpointer data)
{
	struct rg_worker *w = data;
	struct epoll_event ev[EVENTS_PER_WAIT];
	uint64_t drops[RG_DROP_COUNT];
	uint64_t val;
	int64_t now;
	int n, i;

	while (!atomic_load(&w->stop)) {
		n = epoll_wait(w->epfd, ev, EVENTS_PER_WAIT, w->pending->len ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			rg_err("worker %u: epoll_wait: %s", w->index, strerror(errno));
			break;
		}
		memset(drops, 0, sizeof(drops));
		now = g_get_real_time();
		for (i = 0; i < n; i++) {
			if (!ev[i].data.ptr) {
				if (read(w->evfd, &val, sizeof(val)) < 0 && errno != EAGAIN)
					rg_err("worker %u: eventfd read: %s", w->index, strerror(errno));
				continue;
			}
			receive(w, ev[i].data.ptr, drops, now);
		}
		receive_pending(w, drops, now);
		add_drops(w, drops);
		answer_barrier(w);
	}
	answer_barrier(w);
	return NULL;
}

/* The io_uring loop: the ring is made on this thread (single issuer).
 * A barrier request read before settling is answered once a settle says
 * quiescent: the commands queued before it are taken, and nothing the
 * kernel still holds names a removed stream. */
static gpointer uring_main(gpointer data)
{
	struct rg_worker *w = data;
	struct rg_uring *u = rg_uring_create(w->index, w->evfd);
	uint64_t drops[RG_DROP_COUNT];
	uint64_t req;
	bool quiet;

	g_mutex_lock(&w->lock);
	w->ring = u;
	w->ready = u ? 1 : -1;
	g_cond_broadcast(&w->cond);
	g_mutex_unlock(&w->lock);
	if (!u)
		return NULL;
	while (!atomic_load(&w->stop)) {
		memset(drops, 0, sizeof(drops));
		rg_uring_wait(u, drops);
		add_drops(w, drops);
		req = atomic_load_explicit(&w->barrier_req, memory_order_acquire);
		quiet = rg_uring_settle(u);
		if (quiet)
			answer_barrier_to(w, req);
	}
	/* every stream is gone by now (rg_media_engine_destroy) */
	answer_barrier_to(w, atomic_load_explicit(&w->barrier_req, memory_order_acquire));
	rg_uring_destroy(u);
	return NULL;
}

static int start_uring(struct rg_worker *w, const char *name)
{
	w->thread = g_thread_new(name, uring_main, w);
	g_mutex_lock(&w->lock);
	while (!w->ready)
		g_cond_wait(&w->cond, &w->lock);
	g_mutex_unlock(&w->lock);
	return w->ready > 0 ? 0 : -EIO;
}

static int worker_init(struct rg_worker *w, unsigned index, enum rg_io_engine io)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	char name[32];

	w->index = index;
	g_mutex_init(&w->lock);
	g_cond_init(&w->cond);
	snprintf(name, sizeof(name), "rg-media-%u", index);
	w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->evfd >= 0 && io == RG_IO_URING)
		return start_uring(w, name);
	if (w->evfd >= 0)
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->evfd < 0 || w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0) {
		rg_err("worker %u: %s", index, strerror(errno));
		return -errno;
	}
	w->batch = rg_batch_create();
	w->pending = g_ptr_array_new();
	w->pending_next = g_ptr_array_new();
	w->thread = g_thread_new(name, worker_main, w);
	return 0;
}

static void worker_fini(struct rg_worker *w)
{
	if (w->thread) {
		atomic_store(&w->stop, true);
		wake(w);
		g_thread_join(w->thread);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->evfd >= 0)
		close(w->evfd);
	rg_batch_destroy(w->batch);
	if (w->pending)
		g_ptr_array_free(w->pending, TRUE);
	if (w->pending_next)
		g_ptr_array_free(w->pending_next, TRUE);
	g_mutex_clear(&w->lock);
	g_cond_clear(&w->cond);
}

/* RG_IO_URING or RG_IO_EPOLL for @io, or -ENOTSUP (logged). */
static int choose_io(enum rg_io_engine io)
{
	const char *why = NULL;

	if (io == RG_IO_EPOLL || rg_uring_available(&why))
		return io == RG_IO_EPOLL ? RG_IO_EPOLL : RG_IO_URING;
	if (io == RG_IO_URING) {
		rg_err("media: --io-engine=uring, but %s", why);
		return -ENOTSUP;
	}
	rg_warn("media: io_uring unavailable (%s): using epoll", why);
	return RG_IO_EPOLL;
}

struct rg_media_engine *rg_media_engine_create(unsigned n, enum rg_io_engine io)
{
	struct rg_media_engine *e;
	int chosen = choose_io(io);
	unsigned i;

	if (chosen < 0)
		return NULL;
	e = g_new0(struct rg_media_engine, 1);
	e->io = (enum rg_io_engine)chosen;
	e->workers = g_new0(struct rg_worker, n);
	for (i = 0; i < n; i++)
		e->workers[i].epfd = e->workers[i].evfd = -1;
	for (e->n = 0; e->n < n; e->n++) {
		if (worker_init(&e->workers[e->n], e->n, e->io)) {
			e->n++;
			rg_media_engine_destroy(e);
			return NULL;
		}
	}
	return e;
}

void rg_media_engine_destroy(struct rg_media_engine *e)
{
	unsigned i;

	if (!e)
		return;
	for (i = 0; i < e->n; i++)
		worker_fini(&e->workers[i]);
	g_free(e->workers);
	g_free(e);
}

const char *rg_media_engine_io_name(const struct rg_media_engine *e)
{
	return e->io == RG_IO_URING ? "io_uring" : "epoll";
}

struct rg_worker *rg_media_engine_pick(struct rg_media_engine *e)
{
	struct rg_worker *w = &e->workers[e->next];

	e->next = (e->next + 1) % e->n;
	return w;
}

void rg_media_engine_drops(struct rg_media_engine *e, uint64_t out[RG_DROP_COUNT])
{
	unsigned i;
	int r;

	memset(out, 0, RG_DROP_COUNT * sizeof(out[0]));
	for (i = 0; e && i < e->n; i++)
		for (r = 0; r < RG_DROP_COUNT; r++)
			out[r] += atomic_load_explicit(&e->workers[i].drops[r], memory_order_relaxed);
}

int rg_worker_add(struct rg_worker *w, struct rg_stream *st)
{
	/* edge-triggered: a read that returns less than a batch has emptied
	 * the socket, so a level-triggered re-poll would only cost time */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = st };

	if (w->ring) {
		rg_uring_add(w->ring, st);
		wake(w);
		return 0;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, st->fd, &ev) < 0)
		return -errno;
	return 0;
}

void rg_worker_del(struct rg_worker *w, struct rg_stream *st)
{
	if (w->ring) {
		rg_uring_del(w->ring, st);	/* done by the next barrier */
		return;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_DEL, st->fd, NULL) < 0)
		rg_err("worker %u: removing port %u: %s", w->index, st->local_port,
		       strerror(errno));
}

void rg_worker_barrier(struct rg_worker *w)
{
	uint64_t req;

	g_mutex_lock(&w->lock);
	req = atomic_load_explicit(&w->barrier_req, memory_order_relaxed) + 1;
	atomic_store_explicit(&w->barrier_req, req, memory_order_release);
	wake(w);
	while (atomic_load_explicit(&w->barrier_done, memory_order_acquire) < req)
		g_cond_wait(&w->cond, &w->lock);
	g_mutex_unlock(&w->lock);
}
