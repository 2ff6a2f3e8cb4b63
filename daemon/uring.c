/* uring.c - the io_uring packet path of one media worker, see uring.h.
 *
 * Why: at 50 packets/s per stream a socket read finds one packet, so the
 * epoll path pays an epoll_wait share, a recvmmsg and a sendmmsg per
 * packet. Here every socket has one multishot recvmsg armed that takes a
 * buffer from the worker's provided-buffer ring; each forwarded packet
 * becomes a sendmsg request on its buffer; and one io_uring_enter per
 * round submits every send of the round and waits for the next arrivals.
 * The ring is single-issuer with deferred task work, so arrivals are only
 * received while the worker asks for them, in batches.
 *
 * Buffer ownership: a buffer belongs to the kernel while it is in the
 * buffer ring; a recvmsg completion hands it to the worker; it goes back
 * to the ring when the packet is dropped, or when its send completed
 * (MSG_DONTWAIT: a send never waits in the kernel for room).
 *
 * Lifetime (the barrier of worker.h): a stream lives in a slot; requests
 * carry the slot's index and generation, never a pointer. Removing a
 * stream clears the slot's pointer at once (no completion touches the
 * stream after that) and cancels its recvmsg; the slot is freed when that
 * request's last completion arrives. Sends name only an fd; each carries
 * the epoch it was queued in, and taking commands starts a new epoch. The
 * round is quiescent when no removed slot still has its recvmsg and no
 * send from an earlier epoch is outstanding: then no request the kernel
 * holds names a removed stream's socket, and the control thread may close
 * it (a queued request would hold the socket's file and keep its port).
 * Parking: between a stream's removal and the kernel's taking its
 * cancellation, the multishot recvmsg may still complete with packets
 * (Linux 6.1 does so for every packet that arrives in that window). epoll
 * would have left them in the socket for later; here they are parked
 * under the stream's serial and forwarded when the same stream is added
 * again (a call resumed after signalling), before anything newer. Packets
 * nobody takes back within PARK_MAX_US, or beyond PARK_MAX of them, are
 * dropped as `stream-gone` (the call or the port went away).
 * Fair sharing: each round forwards what every socket delivered, and a
 * socket's share is bounded: by the kernel's retry limit per multishot
 * pass (32 since Linux 6.8), else by its receive buffer, or by the buffer
 * ring running dry, when the sockets left waiting are armed again at the
 * round's end and read first in the next one.
 */
#include "uring.h"

#include <errno.h>
#include <glib.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "addr.h"
#include "call.h"
#include "log.h"
#include "srtp.h"

#define SQ_ENTRIES 1024
#define CQ_ENTRIES 8192
#define MAX_FIXED 65536			/* registered files, indexed by fd */
#define NBUF 2048			/* power of two, < 2^16 */
#define BGID 0
#define NAME_ROOM sizeof(struct sockaddr_storage)
#define HEAD_ROOM (sizeof(struct io_uring_recvmsg_out) + NAME_ROOM)
#define BUF_SIZE (HEAD_ROOM + RG_PKT_MAX)	/* a multiple of 16 */
#define MAX_ERRORS 8			/* failed re-arms in a row before giving up */
#define PARK_MAX (NBUF / 4)		/* parked buffers at most */
#define PARK_MAX_US 1000000		/* how long a parked packet waits */
#define RING_FLAGS (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | \
		    IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE)

/* user_data: the kind in the top two bits, then the kind's fields */
enum tag { TAG_RECV, TAG_SEND, TAG_WAKE, TAG_CANCEL };
#define TAG_SHIFT 62
#define HI_MASK 0x3fffffffu	/* the 30 bits above the low word */

struct slot {
	struct rg_stream *st;	/* NULL: removed, or free */
	int fd;			/* st's socket, also its registered file index */
	uint64_t serial;	/* st's serial, kept after removal for parking */
	uint32_t gen;		/* bumped when the slot is taken */
	bool armed;		/* its recvmsg is queued or in the kernel */
	bool fixed;		/* registered as file fd */
	unsigned errors;	/* failed recvmsg in a row */
};

/* The request of a buffer being sent. */
struct send {
	struct sockaddr_storage dst;
	uint32_t slot, gen;	/* where it came from, for its error count */
};

/* A packet taken off the socket of a removed stream (see Parking). */
struct parked {
	uint64_t serial;	/* the stream's */
	int64_t at_us;		/* when it arrived */
	unsigned bid;
	int res;		/* the recvmsg completion's */
};

/* A parked packet whose stream is back in slot @slot of generation @gen. */
struct replay {
	struct parked p;
	uint32_t slot, gen;
};

struct cmd {
	struct rg_stream *st;
	bool add;
};

struct rg_uring {
	struct io_uring ring;
	unsigned index;
	int evfd;
	struct io_uring_buf_ring *br;
	unsigned recycled;	/* buffers added to the ring, not yet published */
	unsigned char *bufs;	/* NBUF x BUF_SIZE */
	struct send *sends;	/* by buffer id */
	struct msghdr recv_mh;	/* the multishot recvmsg's layout */
	/* registered files (no file lookup per request): socket fd at index
	 * fd, fixed[fd] set while a live slot registered it */
	unsigned nfixed;
	bool *fixed;
	GArray *slots;		/* struct slot */
	GArray *free_slots;	/* uint32_t */
	GHashTable *by_stream;	/* rg_stream * -> slot index + 1 */
	GArray *rearm;		/* uint64_t recv user_data, armed at round end */
	GArray *parked;		/* struct parked, oldest first */
	GArray *replay;		/* struct replay, forwarded at the next wait */
	uint32_t epoch;
	unsigned new_sends;	/* outstanding, queued in this epoch */
	unsigned old_sends;	/* outstanding, from earlier epochs */
	unsigned dying;		/* removed slots whose recvmsg is still out */
	/* the control thread's commands, under cmd_lock */
	GMutex cmd_lock;
	GArray *cmds, *taken;
	atomic_bool has_cmds;
};

static inline uint64_t pack(enum tag tag, uint32_t hi, uint32_t lo)
{
	return (uint64_t)tag << TAG_SHIFT | (uint64_t)(hi & HI_MASK) << 32 | lo;
}

static inline uint32_t ud_hi(uint64_t ud)
{
	return (uint32_t)(ud >> 32) & HI_MASK;
}

static inline struct slot *slot_at(struct rg_uring *u, uint32_t i)
{
	return &g_array_index(u->slots, struct slot, i);
}

static inline unsigned char *buf_at(struct rg_uring *u, unsigned bid)
{
	return u->bufs + (size_t)bid * BUF_SIZE;
}

/* Gives buffer @bid back to the kernel (published at the round's end or
 * before a submit). */
static void recycle(struct rg_uring *u, unsigned bid)
{
	io_uring_buf_ring_add(u->br, buf_at(u, bid), BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(NBUF), (int)u->recycled++);
}

static void publish_buffers(struct rg_uring *u)
{
	if (!u->recycled)
		return;
	io_uring_buf_ring_advance(u->br, (int)u->recycled);
	u->recycled = 0;
}

/* A free submission entry; submits what is queued when the ring is full. */
static struct io_uring_sqe *get_sqe(struct rg_uring *u)
{
	struct io_uring_sqe *sqe;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		sqe = io_uring_get_sqe(&u->ring);
		if (sqe)
			return sqe;
		publish_buffers(u);
		io_uring_submit(&u->ring);
	}
	rg_err("worker %u: io_uring submission queue stays full", u->index);
	abort();	/* cannot happen: each submit frees the queue */
}

static void arm_recv(struct rg_uring *u, uint32_t i)
{
	struct slot *s = slot_at(u, i);
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_recvmsg_multishot(sqe, s->fd, &u->recv_mh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT | (s->fixed ? IOSQE_FIXED_FILE : 0);
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, pack(TAG_RECV, s->gen, i));
	s->armed = true;
}

static void arm_wake(struct rg_uring *u)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_poll_multishot(sqe, u->evfd, POLLIN);
	io_uring_sqe_set_data64(sqe, pack(TAG_WAKE, 0, 0));
}

static void free_slot(struct rg_uring *u, uint32_t i)
{
	struct slot *s = slot_at(u, i);

	s->st = NULL;
	g_array_append_val(u->free_slots, i);
}

/* Queues @pkt (in buffer @bid) to go from @t's socket to @dest. */
static void queue_send(struct rg_uring *u, unsigned bid, const struct rg_stream *t,
		       uint8_t *pkt, size_t len, const struct sockaddr_storage *dest,
		       uint32_t from)
{
	struct send *s = &u->sends[bid];
	socklen_t alen = rg_addr_len(dest);
	struct io_uring_sqe *sqe;

	memcpy(&s->dst, dest, alen);
	s->slot = from;
	s->gen = slot_at(u, from)->gen;
	sqe = get_sqe(u);
	/* sendto (Linux 6.1): no msghdr to copy in */
	io_uring_prep_send(sqe, t->fd, pkt, len, MSG_DONTWAIT);
	io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)&s->dst, (uint16_t)alen);
	if ((unsigned)t->fd < u->nfixed && u->fixed[t->fd])
		sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, pack(TAG_SEND, u->epoch, bid));
	u->new_sends++;
}

/* The datagram in buffer @bid (@res bytes with the recvmsg header) that
 * arrived on slot @i's stream: forwarded, or its buffer goes back. */
static void forward(struct rg_uring *u, uint32_t i, unsigned bid, int res,
		    uint64_t drops[RG_DROP_COUNT], int64_t now)
{
	struct rg_stream *st = slot_at(u, i)->st, *t;
	const struct sockaddr_storage *dest;
	struct io_uring_recvmsg_out *out;
	uint8_t *pkt;
	size_t len;

	out = io_uring_recvmsg_validate(buf_at(u, bid), res, &u->recv_mh);
	if (!out || out->namelen > NAME_ROOM) {
		recycle(u, bid);
		return;
	}
	pkt = io_uring_recvmsg_payload(out, &u->recv_mh);
	len = io_uring_recvmsg_payload_length(out, res, &u->recv_mh);
	if ((out->flags & MSG_TRUNC) || len > RG_PKT_MAX - RG_SRTP_TRAILER_ROOM) {
		rg_relay_too_big(st, len, drops);
		recycle(u, bid);
		return;
	}
	t = rg_relay_packet(st, pkt, &len, io_uring_recvmsg_name(out), drops, now, &dest);
	if (t)
		queue_send(u, bid, t, pkt, len, dest, i);
	else
		recycle(u, bid);
}

static void drop_parked(struct rg_uring *u, const struct parked *p,
			uint64_t drops[RG_DROP_COUNT])
{
	drops[RG_DROP_STREAM_GONE]++;
	recycle(u, p->bid);
}

/* Keeps @p for its stream's return; the oldest goes when too many wait. */
static void park(struct rg_uring *u, const struct parked *p, uint64_t drops[RG_DROP_COUNT])
{
	if (u->parked->len >= PARK_MAX) {
		drop_parked(u, &g_array_index(u->parked, struct parked, 0), drops);
		g_array_remove_index(u->parked, 0);
	}
	g_array_append_val(u->parked, *p);
}

/* Slot @i's stream is back: its parked packets go to the replay list. */
static void unpark(struct rg_uring *u, uint32_t i)
{
	const struct slot *s = slot_at(u, i);
	struct parked *p;
	guint k, keep = 0;

	for (k = 0; k < u->parked->len; k++) {
		p = &g_array_index(u->parked, struct parked, k);
		if (p->serial == s->serial) {
			struct replay r = { *p, i, s->gen };

			g_array_append_val(u->replay, r);
		} else {
			g_array_index(u->parked, struct parked, keep++) = *p;
		}
	}
	g_array_set_size(u->parked, keep);
}

/* Forwards the packets given back to their streams, oldest first (a
 * stream removed again parks them again), and drops those that waited
 * too long. */
static void replay_parked(struct rg_uring *u, uint64_t drops[RG_DROP_COUNT], int64_t now)
{
	const struct parked *p;
	struct replay *r;
	guint k, gone = 0;

	for (k = 0; k < u->replay->len; k++) {
		r = &g_array_index(u->replay, struct replay, k);
		if (slot_at(u, r->slot)->st && slot_at(u, r->slot)->gen == r->gen)
			forward(u, r->slot, r->p.bid, r->p.res, drops, now);
		else
			park(u, &r->p, drops);
	}
	g_array_set_size(u->replay, 0);
	while (gone < u->parked->len) {
		p = &g_array_index(u->parked, struct parked, gone);
		if (now - p->at_us < PARK_MAX_US)
			break;
		drop_parked(u, p, drops);
		gone++;
	}
	if (gone)
		g_array_remove_range(u->parked, 0, gone);
}

/* The multishot recvmsg of slot @i ended: armed again at the round's end
 * if its stream is still there, else the slot is done. */
static void recv_ended(struct rg_uring *u, uint32_t i, int res)
{
	struct slot *s = slot_at(u, i);
	uint64_t ud = pack(TAG_RECV, s->gen, i);

	s->armed = false;
	if (!s->st) {
		free_slot(u, i);
		u->dying--;
		return;
	}
	if (res < 0 && res != -ENOBUFS && ++s->errors > MAX_ERRORS) {
		rg_err("worker %u: port %u: receiving failed: %s; no longer read",
		       u->index, s->st->local_port, strerror(-res));
		return;
	}
	g_array_append_val(u->rearm, ud);
}

static void on_recv(struct rg_uring *u, const struct io_uring_cqe *cqe,
		    uint64_t drops[RG_DROP_COUNT], int64_t now)
{
	uint32_t i = (uint32_t)cqe->user_data;
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	bool live;

	if (i >= u->slots->len || (slot_at(u, i)->gen & HI_MASK) != ud_hi(cqe->user_data)) {
		rg_err("worker %u: completion for an unknown slot", u->index);	/* cannot happen */
		if (cqe->flags & IORING_CQE_F_BUFFER)
			recycle(u, bid);
		return;
	}
	live = slot_at(u, i)->st != NULL;

	if (cqe->res > 0 && live)
		slot_at(u, i)->errors = 0;
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		if (cqe->res > 0 && live)
			forward(u, i, bid, cqe->res, drops, now);
		else if (cqe->res > 0)
			park(u, &(struct parked){ slot_at(u, i)->serial, now, bid, cqe->res },
			     drops);
		else
			recycle(u, bid);
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		recv_ended(u, i, cqe->res);
}

static void on_send(struct rg_uring *u, const struct io_uring_cqe *cqe,
		    uint64_t drops[RG_DROP_COUNT])
{
	unsigned bid = (uint16_t)cqe->user_data;
	const struct send *s = &u->sends[bid];
	struct slot *from = slot_at(u, s->slot);

	if (ud_hi(cqe->user_data) == (u->epoch & HI_MASK))
		u->new_sends--;
	else
		u->old_sends--;
	if (cqe->res < 0) {
		if (from->st && from->gen == s->gen)
			rg_relay_drop(from->st, RG_DROP_SEND, drops);
		else
			drops[RG_DROP_SEND]++;
	}
	recycle(u, bid);
}

static void on_wake(struct rg_uring *u, const struct io_uring_cqe *cqe)
{
	uint64_t val;

	if (read(u->evfd, &val, sizeof(val)) < 0 && errno != EAGAIN)
		rg_err("worker %u: eventfd read: %s", u->index, strerror(errno));
	if (!(cqe->flags & IORING_CQE_F_MORE))
		arm_wake(u);
}

static void reap(struct rg_uring *u, uint64_t drops[RG_DROP_COUNT], int64_t now)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		switch ((enum tag)(cqe->user_data >> TAG_SHIFT)) {
		case TAG_RECV:
			on_recv(u, cqe, drops, now);
			break;
		case TAG_SEND:
			on_send(u, cqe, drops);
			break;
		case TAG_WAKE:
			on_wake(u, cqe);
			break;
		case TAG_CANCEL:
			break;
		}
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	publish_buffers(u);
}

static void cmd_add(struct rg_uring *u, struct rg_stream *st)
{
	struct slot *s;
	uint64_t ud;
	uint32_t i;

	if (g_hash_table_contains(u->by_stream, st)) {
		rg_err("worker %u: port %u added twice", u->index, st->local_port);
		return;
	}
	if (u->free_slots->len) {
		i = g_array_index(u->free_slots, uint32_t, u->free_slots->len - 1);
		g_array_set_size(u->free_slots, u->free_slots->len - 1);
	} else {
		i = u->slots->len;
		g_array_set_size(u->slots, i + 1);
	}
	s = slot_at(u, i);
	*s = (struct slot){ .st = st, .fd = st->fd, .serial = st->serial, .gen = s->gen + 1 };
	if ((unsigned)st->fd < u->nfixed && !u->fixed[st->fd] &&
	    io_uring_register_files_update(&u->ring, (unsigned)st->fd, &st->fd, 1) == 1)
		s->fixed = u->fixed[st->fd] = true;
	g_hash_table_insert(u->by_stream, st, GUINT_TO_POINTER(i + 1));
	if (u->parked->len)
		unpark(u, i);
	ud = pack(TAG_RECV, s->gen, i);
	g_array_append_val(u->rearm, ud);
}

/* Requests already submitted keep the file they use until they end. */
static void unregister_file(struct rg_uring *u, int fd)
{
	int none = -1;

	u->fixed[fd] = false;
	if (io_uring_register_files_update(&u->ring, (unsigned)fd, &none, 1) != 1)
		rg_err("worker %u: unregistering fd %d failed", u->index, fd);
}

static void cmd_del(struct rg_uring *u, struct rg_stream *st)
{
	gpointer v = g_hash_table_lookup(u->by_stream, st);
	struct io_uring_sqe *sqe;
	struct slot *s;
	uint32_t i;

	if (!v)
		return;
	g_hash_table_remove(u->by_stream, st);
	i = GPOINTER_TO_UINT(v) - 1;
	s = slot_at(u, i);
	s->st = NULL;
	if (s->fixed)
		unregister_file(u, s->fd);
	if (!s->armed) {
		free_slot(u, i);
		return;
	}
	u->dying++;
	sqe = get_sqe(u);
	io_uring_prep_cancel64(sqe, pack(TAG_RECV, s->gen, i), 0);
	io_uring_sqe_set_data64(sqe, pack(TAG_CANCEL, 0, 0));
}

/* Takes the control thread's commands; from here on a new epoch. */
static void take_commands(struct rg_uring *u)
{
	GArray *t;
	guint i;

	g_mutex_lock(&u->cmd_lock);
	t = u->cmds;
	u->cmds = u->taken;
	u->taken = t;
	atomic_store_explicit(&u->has_cmds, false, memory_order_relaxed);
	g_mutex_unlock(&u->cmd_lock);
	if (!t->len)
		return;
	/* what is queued goes first: a queued request naming a file index
	 * that is unregistered below would fail */
	publish_buffers(u);
	io_uring_submit(&u->ring);
	for (i = 0; i < t->len; i++) {
		struct cmd *c = &g_array_index(t, struct cmd, i);

		if (c->add)
			cmd_add(u, c->st);
		else
			cmd_del(u, c->st);
	}
	g_array_set_size(t, 0);
	u->old_sends += u->new_sends;
	u->new_sends = 0;
	u->epoch++;
}

/* Arms the recvmsg of every slot that wants it and is still live. */
static void rearm_all(struct rg_uring *u)
{
	struct slot *s;
	uint64_t ud;
	guint k;

	for (k = 0; k < u->rearm->len; k++) {
		ud = g_array_index(u->rearm, uint64_t, k);
		s = slot_at(u, (uint32_t)ud);
		if (s->st && !s->armed && (s->gen & HI_MASK) == ud_hi(ud))
			arm_recv(u, (uint32_t)ud);
	}
	g_array_set_size(u->rearm, 0);
}

void rg_uring_wait(struct rg_uring *u, uint64_t drops[RG_DROP_COUNT])
{
	int rc;

	if (u->replay->len || u->parked->len) {
		replay_parked(u, drops, g_get_real_time());
		publish_buffers(u);
	}
	rc = io_uring_submit_and_wait(&u->ring, 1);

	if (rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EBUSY && rc != -EAGAIN)
		rg_err("worker %u: io_uring_enter: %s", u->index, strerror(-rc));
	reap(u, drops, g_get_real_time());
}

bool rg_uring_settle(struct rg_uring *u)
{
	if (atomic_load_explicit(&u->has_cmds, memory_order_acquire))
		take_commands(u);
	rearm_all(u);
	return !u->dying && !u->old_sends;
}

static void push(struct rg_uring *u, struct rg_stream *st, bool add)
{
	struct cmd c = { .st = st, .add = add };

	g_mutex_lock(&u->cmd_lock);
	g_array_append_val(u->cmds, c);
	atomic_store_explicit(&u->has_cmds, true, memory_order_release);
	g_mutex_unlock(&u->cmd_lock);
}

void rg_uring_add(struct rg_uring *u, struct rg_stream *st)
{
	push(u, st, true);
}

void rg_uring_del(struct rg_uring *u, struct rg_stream *st)
{
	push(u, st, false);
}

/* Sets up @ring as the workers use it, with a provided-buffer ring of
 * @nbuf entries at @br (page-aligned). 0 or a negative errno. */
static int ring_setup(struct io_uring *ring, struct io_uring_buf_ring *br, unsigned nbuf)
{
	struct io_uring_params p = { .flags = RING_FLAGS, .cq_entries = CQ_ENTRIES };
	struct io_uring_buf_reg reg = {
		.ring_addr = (uintptr_t)br, .ring_entries = nbuf, .bgid = BGID,
	};
	int rc;

	rc = io_uring_queue_init_params(SQ_ENTRIES, ring, &p);
	if (rc < 0)
		return rc;
	rc = io_uring_register_buf_ring(ring, &reg, 0);
	if (rc < 0) {
		io_uring_queue_exit(ring);
		return rc;
	}
	io_uring_buf_ring_init(br);
	return 0;
}

static size_t br_bytes(unsigned nbuf)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t n = nbuf * sizeof(struct io_uring_buf);

	return (n + (size_t)page - 1) / (size_t)page * (size_t)page;
}

bool rg_uring_available(const char **why)
{
	struct io_uring_buf_ring *br;
	struct io_uring ring;
	int rc;

	br = mmap(NULL, br_bytes(8), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (br == MAP_FAILED) {
		*why = "no memory";
		return false;
	}
	rc = ring_setup(&ring, br, 8);
	munmap(br, br_bytes(8));
	if (rc == 0) {
		io_uring_queue_exit(&ring);
		return true;
	}
	*why = rc == -ENOSYS || rc == -EPERM ? "io_uring is disabled or filtered" :
	       rc == -EINVAL ? "the kernel is older than 6.1" :
	       rc == -ENOMEM ? "no memory (locked memory limit?)" :
	       "io_uring setup failed";
	return false;
}

/* A sparse table of registered files as large as the fd limit allows;
 * without it (old kernel, no memory) every request looks its fd up. */
static void setup_fixed(struct rg_uring *u)
{
	struct rlimit rl;
	unsigned n = MAX_FIXED;
	int rc;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n)
		n = (unsigned)rl.rlim_cur;
	rc = io_uring_register_files_sparse(&u->ring, n);
	if (rc < 0) {
		rg_warn("worker %u: no registered files: %s", u->index, strerror(-rc));
		return;
	}
	u->nfixed = n;
	u->fixed = g_new0(bool, n);
}

static void fill_buffers(struct rg_uring *u)
{
	unsigned i;

	for (i = 0; i < NBUF; i++)
		recycle(u, i);
	publish_buffers(u);
	/* touched now, so the buffers count in the baseline RSS, not per call */
	memset(u->bufs, 0, (size_t)NBUF * BUF_SIZE);
}

struct rg_uring *rg_uring_create(unsigned index, int evfd)
{
	struct rg_uring *u = g_new0(struct rg_uring, 1);
	int rc;

	u->index = index;
	u->evfd = evfd;
	u->br = mmap(NULL, br_bytes(NBUF), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->br == MAP_FAILED) {
		rg_err("worker %u: buffer ring: %s", index, strerror(errno));
		g_free(u);
		return NULL;
	}
	rc = ring_setup(&u->ring, u->br, NBUF);
	if (rc < 0) {
		rg_err("worker %u: io_uring: %s", index, strerror(-rc));
		munmap(u->br, br_bytes(NBUF));
		g_free(u);
		return NULL;
	}
	u->bufs = g_malloc((size_t)NBUF * BUF_SIZE);	/* 16-byte aligned */
	u->sends = g_new0(struct send, NBUF);
	setup_fixed(u);
	u->recv_mh.msg_namelen = NAME_ROOM;
	u->slots = g_array_new(FALSE, TRUE, sizeof(struct slot));
	u->free_slots = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	u->rearm = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	u->parked = g_array_new(FALSE, FALSE, sizeof(struct parked));
	u->replay = g_array_new(FALSE, FALSE, sizeof(struct replay));
	u->by_stream = g_hash_table_new(g_direct_hash, g_direct_equal);
	u->cmds = g_array_new(FALSE, FALSE, sizeof(struct cmd));
	u->taken = g_array_new(FALSE, FALSE, sizeof(struct cmd));
	g_mutex_init(&u->cmd_lock);
	fill_buffers(u);
	arm_wake(u);
	return u;
}

void rg_uring_destroy(struct rg_uring *u)
{
	if (!u)
		return;
	if (g_hash_table_size(u->by_stream))
		rg_err("worker %u: %u ports still registered at exit", u->index,
		       g_hash_table_size(u->by_stream));
	io_uring_queue_exit(&u->ring);	/* cancels what is still out */
	munmap(u->br, br_bytes(NBUF));
	g_free(u->bufs);
	g_free(u->sends);
	g_free(u->fixed);
	g_array_free(u->slots, TRUE);
	g_array_free(u->free_slots, TRUE);
	g_array_free(u->rearm, TRUE);
	g_array_free(u->parked, TRUE);
	g_array_free(u->replay, TRUE);
	g_hash_table_destroy(u->by_stream);
	g_array_free(u->cmds, TRUE);
	g_array_free(u->taken, TRUE);
	g_mutex_clear(&u->cmd_lock);
	g_free(u);
}
