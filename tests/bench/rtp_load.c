/* rtp_load.c - RTP load through a media relay, calls set up over NG.
 *
 *   rtp_load --ng HOST:PORT [--calls K] [--seconds T] [--warmup W]
 *            [--mode realistic|max] [--rate PPS] [--step SECONDS]
 *            [--payload BYTES] [--cpu-pid PID] [--label NAME] [--kv FILE]
 *            [--engine uring|mmsg] [--unconnected]
 *   rtp_load --ng HOST:PORT --wait-ready SECONDS      (ping until "pong")
 *
 *   party A 127.0.0.11:a --RTP--> relay:Ra    relay:Rb --RTP--> party B 127.0.0.12:b
 *                        <--RTP-- relay:Ra    relay:Rb <--RTP--
 *
 * A call is an offer from A (c=127.0.0.11, m=audio a) and an answer from B;
 * A sends to the port in the rewritten answer, B to the one in the offer.
 * Each party is one UDP socket, as a phone is. Packets are RTP (V=2, PT 0)
 * whose payload starts with a stamp (sender, number, CLOCK_REALTIME send
 * time); the receive time is the kernel's SO_TIMESTAMPNS, so the one-way
 * latency is the relay's, not this program's backlog.
 *
 * --engine uring (default): one io_uring, multishot recvmsg on every party
 * socket, a tick's sends in one submit, woken by the tick only. --engine
 * mmsg: sendmmsg per party, recvmmsg on what epoll reports, a timerfd.
 *
 * Each party's socket is connected to the relay port it sends to once the
 * call is up, as a phone that talks to one relay may do: its sends skip the
 * route lookup, which is this program's own cost (the relay's is the same
 * either way: it neither sends from nor delivers into these sockets
 * differently, bar the kernel's socket lookup on delivery). A relay that
 * answered from another port would show as loss. --unconnected sends with
 * an address on each packet instead, as earlier runs did.
 *
 * realistic: each party sends --rate packets/s, phases spread evenly,
 * every --tick-us (1 ms). max: the same pacing, the rate growing by 1.25
 * every --step seconds until a step loses over 1 %; the best step within
 * 0.1 % loss is the maximum. Paced, not a flood: rtpengine stops reading a
 * socket it finds flooded, and that would measure its flood guard.
 *
 * Packets sent in the T-second window after the warm-up count. CPU and
 * RSS come from /proc/PID, socket drops from /proc/net/udp, time spent
 * waiting for a CPU from schedstat. It measures and prints; exit 1 only
 * when it could not run. Every wait is bounded; loopback only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <liburing.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bench_ng.h"
#include "bench_proc.h"
#include "bench_report.h"
#include "bench_uring.h"

#define RTP_HDR		12
#define STAMP_MAGIC	0x52544c44u	/* "RTLD" */
#define BURST		32		/* messages per sendmmsg/recvmmsg */
#define PKT_MAX		1400
#define GIVE_UP		3		/* failures in a row: relay gone */
#define MAX_STEPS	64
#define STEP_GROWTH	1.25
#define STEP_FAIL_PCT	1.0		/* a step losing more ends the ramp */
#define STEP_GOOD_PCT	0.1		/* the maximum is a step within this */
#define DRAIN_QUIET_NS	300000000ull
#define DRAIN_MAX_NS	3000000000ull
#define TIMER_TAG	UINT32_MAX
#define NS		1000000000ull
#define MAX_FIELDS	40
#define UR_ENTRIES	4096		/* io_uring: submission queue */
#define UR_NBUF		4096		/* receive buffers, power of two */
#define UR_BUF		2048		/* >= recvmsg header + stamp cmsg + packet */
#define UR_NSEND	8192		/* send buffers in flight at most */
#define UR_BGID		0
#define UR_RECV		(1ull << 62)	/* user_data tags; the rest: party index */
#define UR_SEND		(2ull << 62)

static const char *const PARTY_ADDR[2] = { "127.0.0.11", "127.0.0.12" };

enum mode { MODE_REALISTIC, MODE_MAX };
enum engine { ENG_URING, ENG_MMSG };
enum phase { PH_WARMUP, PH_WINDOW, PH_DRAIN, PH_DONE };
/* why the max ramp ended; still RAMP_RUNNING when the time ran out */
enum ramp_end { RAMP_RUNNING, RAMP_LOSS, RAMP_GENERATOR, RAMP_STEPS };

struct opts {
	struct sockaddr_in ng;
	unsigned calls, rate, payload, tick_us;
	double seconds, warmup, step, wait_ready;
	enum mode mode;
	enum engine engine;
	bool unconnected;
	int cpu_pid;
	const char *label, *kv;
};

struct stamp {
	uint32_t magic, sender, pktno;
	uint32_t step;		/* 1 + step in the window; 0: not counted */
	uint64_t sent_ns;	/* CLOCK_REALTIME */
};

/* One phone: party 2i is call i's A, 2i+1 its B; each receives what the
 * other sends. */
struct party {
	int fd;
	struct sockaddr_in self;
	struct sockaddr_in relay;	/* where this party sends */
	uint16_t seq;
	uint32_t ts, pktno;
	uint64_t next_ns;		/* next send (monotonic) */
	uint64_t sent, got;		/* window packets sent / returned */
};

/* A stretch of the window at one rate (realistic: the whole window). */
struct step {
	double rate;		/* packets/s per stream */
	double secs, cpu_s;	/* how long; relay CPU meanwhile (or -1) */
	uint64_t sent, got;
};

/* The relay and the sockets at one moment. */
struct sample {
	uint64_t mono_ns, relay_wait_ns, gen_wait_ns;
	double cpu_s, gen_cpu_s;
	long rss_kb;
	uint64_t relay_drops, own_drops;
};

struct load {
	struct opts o;
	struct party *p;
	struct bench_ng ng;
	unsigned np, calls_up, setup_failed, delete_failed;
	int ep, tfd;
	enum phase phase;
	double setup_s;
	uint64_t now;			/* monotonic, once per loop turn */
	uint64_t arrived_window, misrouted, bad, send_errors, recv_errors;
	uint64_t lag_max_ns, step_start;
	struct step steps[MAX_STEPS];
	unsigned cur;			/* the step being sent */
	double step_cpu;		/* relay CPU when it began */
	enum ramp_end ramp_end;
	struct bench_hist lat_us;
	struct sample s_idle, s_calls, s_start, s_end;
	uint8_t *relay_ports, *own_ports;	/* flags for 65536 ports */
	struct uring_gen *ur;		/* --engine uring */
};

/* The io_uring engine: multishot recvmsg on every party into a provided
 * buffer ring, every send of a tick submitted at once. */
struct uring_gen {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	uint8_t *rbufs;			/* UR_NBUF x UR_BUF */
	uint8_t *sbufs;			/* UR_NSEND x (RTP_HDR + PKT_MAX) */
	unsigned snext, inflight;	/* next send buffer; sends not reaped */
	struct msghdr mh;		/* the receive layout: no name, a cmsg */
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	stop_requested = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* ---- calls over NG ----------------------------------------------------- */

static int party_open(struct load *l, unsigned idx)
{
	struct party *p = &l->p[idx];
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = idx };
	socklen_t slen = sizeof(p->self);
	int on = 1, rcvbuf = 1 << 20;

	p->self.sin_family = AF_INET;
	inet_pton(AF_INET, PARTY_ADDR[idx & 1], &p->self.sin_addr);
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(p->fd, (struct sockaddr *)&p->self, sizeof(p->self)) < 0 ||
	    getsockname(p->fd, (struct sockaddr *)&p->self, &slen) < 0 ||
	    (!l->ur && epoll_ctl(l->ep, EPOLL_CTL_ADD, p->fd, &ev) < 0))
		return -errno;
	l->own_ports[ntohs(p->self.sin_port)] = 1;
	return 0;
}

/* offer (from A) or answer (from B) for call @i; the relay port in the
 * reply's SDP is where the other party must send. */
static int ng_offer_answer(struct load *l, unsigned i, bool offer)
{
	const struct party *me = &l->p[2 * i + !offer];
	struct party *peer = &l->p[2 * i + offer];
	struct rg_arena *arena = rg_arena_create(4 << 20);
	struct bencode_item *reply;
	char body[512], callid[48];
	int rc = -ENOMEM;

	snprintf(callid, sizeof(callid), "rtp-load-%x-%u", l->ng.id, i);
	snprintf(body, sizeof(body),
		 "v=0\r\no=- %u 1 IN IP4 %s\r\ns=rtp_load\r\nc=IN IP4 %s\r\n"
		 "t=0 0\r\nm=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		 "a=ptime:20\r\na=sendrecv\r\n", i, PARTY_ADDR[!offer],
		 PARTY_ADDR[!offer], ntohs(me->self.sin_port));
	if (arena)
		rc = bench_ng_request(&l->ng, arena, offer ? "offer" : "answer",
				      callid, body, &reply);
	if (rc == 0) {
		rc = bench_ng_sdp_media(bencode_dict_get(reply, "sdp"),
					&peer->relay);
		if (rc)
			fprintf(stderr, "rtp_load: call %u: no loopback c= or "
				"no m= port in the reply's SDP\n", i);
		else
			l->relay_ports[ntohs(peer->relay.sin_port)] = 1;
	}
	rg_arena_destroy(arena);
	return rc;
}

/* Connects party @idx's socket to the relay port it sends to. */
static int connect_party(struct load *l, unsigned idx)
{
	struct party *p = &l->p[idx];

	if (connect(p->fd, (struct sockaddr *)&p->relay, sizeof(p->relay)) == 0)
		return 0;
	fprintf(stderr, "rtp_load: connect party %u: %s\n", idx, strerror(errno));
	return -errno;
}

/* Sets up calls 0, 1, ... until all are up, one fails, or a signal. */
static void calls_setup(struct load *l)
{
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC);
	unsigned i;
	int rc;

	for (i = 0; i < l->o.calls && !stop_requested; i++) {
		rc = party_open(l, 2 * i);
		rc = rc ?: party_open(l, 2 * i + 1);
		if (rc) {
			fprintf(stderr, "rtp_load: socket for call %u: %s\n",
				i, strerror(-rc));
			break;
		}
		if (ng_offer_answer(l, i, true) || ng_offer_answer(l, i, false)) {
			l->setup_failed = 1;	/* call i is deleted too */
			break;
		}
		if (!l->o.unconnected &&
		    (connect_party(l, 2 * i) || connect_party(l, 2 * i + 1))) {
			l->setup_failed = 1;
			break;
		}
		l->calls_up = i + 1;
	}
	l->setup_s = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
}

static void calls_delete(struct load *l)
{
	unsigned i, n = l->calls_up + l->setup_failed, row = 0;
	struct bencode_item *reply;
	struct rg_arena *arena;
	char callid[48];
	int rc;

	for (i = 0; i < n && row < GIVE_UP; i++) {
		snprintf(callid, sizeof(callid), "rtp-load-%x-%u", l->ng.id, i);
		arena = rg_arena_create(4 << 20);
		rc = arena ? bench_ng_request(&l->ng, arena, "delete", callid,
					      NULL, &reply) : -ENOMEM;
		rg_arena_destroy(arena);
		if (rc)
			l->delete_failed++;
		row = rc == -ETIMEDOUT ? row + 1 : 0;
	}
	l->delete_failed += n - i;
}

/* ---- /proc ------------------------------------------------------------- */

/* CPU, memory and contention now: cheap enough for the packet loop. */
static void take_sample(struct load *l, struct sample *s)
{
	int pid = l->o.cpu_pid;

	*s = (struct sample){ .mono_ns = clock_ns(CLOCK_MONOTONIC),
			      .cpu_s = pid ? proc_cpu_seconds(pid) : -1,
			      .rss_kb = pid ? proc_rss_kb(pid) : -1,
			      .relay_wait_ns = pid ? proc_sched_wait_ns(pid) : 0,
			      .gen_cpu_s = proc_cpu_seconds(getpid()),
			      .gen_wait_ns = proc_sched_wait_ns(0) };
}

/* Socket drops so far, relay's and ours: only outside the packet loop. */
static void take_drops(struct load *l, struct sample *s)
{
	const uint8_t *const ports[3] = { l->relay_ports, l->own_ports, l->own_ports };
	struct in_addr addrs[3] = { l->p[0].relay.sin_addr };
	uint64_t sums[3];

	inet_pton(AF_INET, PARTY_ADDR[0], &addrs[1]);
	inet_pton(AF_INET, PARTY_ADDR[1], &addrs[2]);
	proc_udp_drops(addrs, ports, 3, sums);
	s->relay_drops = sums[0];
	s->own_drops = sums[1] + sums[2];
}

/* ---- RTP --------------------------------------------------------------- */

static void fill_packet(struct load *l, unsigned idx, uint8_t *pkt)
{
	struct party *p = &l->p[idx];
	struct stamp st = {
		.magic = STAMP_MAGIC, .sender = idx, .pktno = p->pktno++,
		.step = l->phase == PH_WINDOW ? l->cur + 1 : 0,
		.sent_ns = clock_ns(CLOCK_REALTIME),
	};
	uint32_t ts = htonl(p->ts), ssrc = htonl(0x10000u + idx);
	uint16_t seq = htons(p->seq);

	pkt[0] = 0x80;		/* V=2, no padding, extension or CSRC */
	pkt[1] = 0;		/* M=0, PT 0 (PCMU) */
	memcpy(pkt + 2, &seq, 2);
	memcpy(pkt + 4, &ts, 4);
	memcpy(pkt + 8, &ssrc, 4);
	memcpy(pkt + RTP_HDR, &st, sizeof(st));
	p->seq++;
	p->ts += 160;
	p->sent += st.step != 0;
	l->steps[l->cur].sent += st.step != 0;
}

static void send_burst_uring(struct load *l, unsigned idx, unsigned n);

/* Sends @n (<= BURST) packets from party @idx in one sendmmsg. */
static void send_burst(struct load *l, unsigned idx, unsigned n)
{
	static uint8_t pkts[BURST][RTP_HDR + PKT_MAX];
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	struct party *p = &l->p[idx];
	unsigned i;
	int sent;

	if (l->ur) {
		send_burst_uring(l, idx, n);
		return;
	}
	memset(msgs, 0, sizeof(msgs[0]) * n);
	for (i = 0; i < n; i++) {
		fill_packet(l, idx, pkts[i]);
		iov[i] = (struct iovec){ pkts[i], RTP_HDR + l->o.payload };
		if (l->o.unconnected) {
			msgs[i].msg_hdr.msg_name = &p->relay;
			msgs[i].msg_hdr.msg_namelen = sizeof(p->relay);
		}
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(p->fd, msgs, n, MSG_DONTWAIT);
	if (sent < (int)n)
		l->send_errors += n - (unsigned)(sent < 0 ? 0 : sent);
}

/* true if @c is the kernel's receive stamp (SO_TIMESTAMPNS): *@ns set. */
static bool cmsg_rx_ns(struct cmsghdr *c, uint64_t *ns)
{
	struct timespec ts;

	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
		return false;
	memcpy(&ts, CMSG_DATA(c), sizeof(ts));
	*ns = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	return true;
}

/* The receive stamp among @mh's control messages, else now. */
static uint64_t rx_time_ns(struct msghdr *mh)
{
	struct cmsghdr *c;
	uint64_t ns;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (cmsg_rx_ns(c, &ns))
			return ns;
	return clock_ns(CLOCK_REALTIME);
}

/* Accounts one packet that arrived at party @idx. */
static void on_packet(struct load *l, unsigned idx, const uint8_t *pkt,
		      size_t len, uint64_t rx_ns)
{
	struct stamp st;

	if (len < RTP_HDR + sizeof(st) || (pkt[0] & 0xc0) != 0x80) {
		l->bad++;
		return;
	}
	memcpy(&st, pkt + RTP_HDR, sizeof(st));
	if (st.magic != STAMP_MAGIC || st.sender >= 2 * l->calls_up ||
	    st.sender != (idx ^ 1u)) {
		st.magic == STAMP_MAGIC ? l->misrouted++ : l->bad++;
		return;
	}
	l->arrived_window += l->phase == PH_WINDOW;
	if (!st.step || st.step > MAX_STEPS)
		return;
	l->p[st.sender].got++;
	l->steps[st.step - 1].got++;
	bench_hist_add(&l->lat_us, rx_ns > st.sent_ns ?
		       (rx_ns - st.sent_ns) / 1000 : 0);
}

/* Reads what waits on party @idx's socket (a few batches at most, so that
 * one busy socket cannot starve the others). */
static unsigned recv_party(struct load *l, unsigned idx)
{
	static uint8_t bufs[BURST][2048];
	static char ctl[BURST][CMSG_SPACE(sizeof(struct timespec))];
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	unsigned total = 0, round, i;
	int n = BURST;

	for (round = 0; round < 4 && n == BURST; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BURST; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		n = recvmmsg(l->p[idx].fd, msgs, BURST, MSG_DONTWAIT, NULL);
		for (i = 0; n > 0 && i < (unsigned)n; i++)
			on_packet(l, idx, bufs[i], msgs[i].msg_len,
				  rx_time_ns(&msgs[i].msg_hdr));
		total += n > 0 ? (unsigned)n : 0;
	}
	return total;
}

/* ---- the io_uring engine ------------------------------------------------ */

/* Submits what is queued, waits @timeout_ns, and reaps what has completed
 * meanwhile. Returns the packets received. */
static unsigned uring_wait(struct load *l, uint64_t timeout_ns);

/* A free submission entry: a full queue is submitted (no completions are
 * reaped here, so this is safe inside uring_wait's completion loop). */
static struct io_uring_sqe *uring_sqe(struct load *l)
{
	struct io_uring_sqe *sqe;

	while (!(sqe = io_uring_get_sqe(&l->ur->ring)))
		io_uring_submit(&l->ur->ring);
	return sqe;
}

static void uring_arm_recv(struct load *l, unsigned idx)
{
	struct io_uring_sqe *sqe = uring_sqe(l);

	io_uring_prep_recvmsg_multishot(sqe, l->p[idx].fd, &l->ur->mh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = UR_BGID;
	io_uring_sqe_set_data64(sqe, UR_RECV | idx);
}

/* Queues @n packets from party @idx; they go with the next submit. A send
 * with MSG_DONTWAIT completes (or fails) when submitted, in order, so the
 * send buffers are used round the ring while fewer than UR_NSEND wait. */
static void send_burst_uring(struct load *l, unsigned idx, unsigned n)
{
	struct uring_gen *u = l->ur;
	struct party *p = &l->p[idx];
	struct io_uring_sqe *sqe;
	uint8_t *pkt;
	unsigned i;

	for (i = 0; i < n; i++) {
		while (u->inflight >= UR_NSEND)
			uring_wait(l, 0);
		sqe = uring_sqe(l);
		pkt = u->sbufs + (size_t)(u->snext++ % UR_NSEND) * (RTP_HDR + PKT_MAX);
		fill_packet(l, idx, pkt);
		io_uring_prep_send(sqe, p->fd, pkt, RTP_HDR + l->o.payload, MSG_DONTWAIT);
		if (l->o.unconnected)
			io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)&p->relay,
						    sizeof(p->relay));
		io_uring_sqe_set_data64(sqe, UR_SEND | idx);
		u->inflight++;
	}
}

/* rx_time_ns() for a multishot recvmsg's buffer. */
static uint64_t uring_rx_time(struct io_uring_recvmsg_out *out, struct msghdr *mh)
{
	struct cmsghdr *c;
	uint64_t ns;

	for (c = io_uring_recvmsg_cmsg_firsthdr(out, mh); c;
	     c = io_uring_recvmsg_cmsg_nexthdr(out, mh, c))
		if (cmsg_rx_ns(c, &ns))
			return ns;
	return clock_ns(CLOCK_REALTIME);
}

/* A datagram (or the end of a multishot receive) at party @idx. */
static unsigned uring_on_recv(struct load *l, const struct io_uring_cqe *cqe,
			      unsigned idx)
{
	struct uring_gen *u = l->ur;
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT, got = 0;
	struct io_uring_recvmsg_out *out;
	uint8_t *buf;

	if (cqe->flags & IORING_CQE_F_BUFFER) {
		buf = u->rbufs + (size_t)bid * UR_BUF;
		out = cqe->res > 0 ? io_uring_recvmsg_validate(buf, cqe->res, &u->mh) : NULL;
		if (out && !(out->flags & MSG_TRUNC)) {
			on_packet(l, idx, io_uring_recvmsg_payload(out, &u->mh),
				  io_uring_recvmsg_payload_length(out, cqe->res, &u->mh),
				  uring_rx_time(out, &u->mh));
			got = 1;
		} else {
			l->bad++;
		}
		io_uring_buf_ring_add(u->br, buf, UR_BUF, (unsigned short)bid,
				      io_uring_buf_ring_mask(UR_NBUF), 0);
		io_uring_buf_ring_advance(u->br, 1);
	}
	if (!(cqe->flags & IORING_CQE_F_MORE)) {
		/* out of buffers (they are back now) or another end: again,
		 * unless the socket itself fails */
		if (cqe->res >= 0 || cqe->res == -ENOBUFS)
			uring_arm_recv(l, idx);
		else
			l->recv_errors++;
	}
	return got;
}

static unsigned uring_wait(struct load *l, uint64_t timeout_ns)
{
	struct __kernel_timespec ts = { .tv_sec = (long long)(timeout_ns / NS),
					.tv_nsec = (long long)(timeout_ns % NS) };
	struct uring_gen *u = l->ur;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0, got = 0;

	/* no wake-up per packet: what arrives waits for the tick (the kernel
	 * stamped its arrival), as it would on a host of its own */
	io_uring_submit_and_wait_timeout(&u->ring, &cqe, UR_NBUF, &ts, NULL);
	io_uring_for_each_cqe(&u->ring, head, cqe) {
		if ((cqe->user_data & ~(UR_RECV - 1)) == UR_RECV) {
			got += uring_on_recv(l, cqe, (unsigned)(cqe->user_data & (UR_RECV - 1)));
		} else {
			u->inflight--;
			l->send_errors += cqe->res < 0;
		}
		n++;
	}
	io_uring_cq_advance(&u->ring, n);
	return got;
}

/* The ring, its receive buffers and its send buffers; -errno when the
 * kernel refuses io_uring (then --engine mmsg still works). */
static int uring_init(struct load *l)
{
	struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE |
				     IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
				     .cq_entries = 8 * UR_ENTRIES };
	struct uring_gen *u = calloc(1, sizeof(*u));
	int rc;

	if (!u)
		return -ENOMEM;
	l->ur = u;
	rc = io_uring_queue_init_params(UR_ENTRIES, &u->ring, &p);
	if (rc == -EINVAL) {	/* before Linux 6.1: no deferred task work */
		p = (struct io_uring_params){ .flags = IORING_SETUP_CQSIZE,
					      .cq_entries = 8 * UR_ENTRIES };
		rc = io_uring_queue_init_params(UR_ENTRIES, &u->ring, &p);
	}
	if (rc < 0) {
		free(u);
		l->ur = NULL;
		return rc;
	}
	u->rbufs = malloc((size_t)UR_NBUF * UR_BUF);
	u->sbufs = malloc((size_t)UR_NSEND * (RTP_HDR + PKT_MAX));
	if (!u->rbufs || !u->sbufs)
		return -ENOMEM;
	u->br = bench_buf_ring(&u->ring, UR_NBUF, UR_BGID, u->rbufs, UR_BUF, &rc);
	if (!u->br)
		return rc;
	u->mh.msg_controllen = CMSG_SPACE(sizeof(struct timespec));
	return 0;
}

static void uring_fini(struct load *l)
{
	struct uring_gen *u = l->ur;

	if (!u)
		return;
	io_uring_queue_exit(&u->ring);
	free(u->br);
	free(u->rbufs);
	free(u->sbufs);
	free(u);
	l->ur = NULL;
}

/* realistic: every party sends the packets that are due by now. */
static void send_due(struct load *l, uint64_t period)
{
	struct party *p;
	unsigned i, n;

	for (i = 0; i < 2 * l->calls_up; i++) {
		p = &l->p[i];
		if (p->next_ns > l->now)
			continue;
		if (l->phase == PH_WINDOW && l->now - p->next_ns > l->lag_max_ns)
			l->lag_max_ns = l->now - p->next_ns;
		for (n = 0; p->next_ns <= l->now && n < BURST; n++)
			p->next_ns += period;
		if (l->now > p->next_ns + NS)	/* a second behind: skip */
			p->next_ns = l->now + period;
		send_burst(l, i, n);
	}
}

static double step_loss_pct(const struct step *s)
{
	return s->sent ? 100.0 * (double)(s->sent - (s->got < s->sent ?
						   s->got : s->sent)) / (double)s->sent : 0;
}

/* Closes the step being sent: its duration and the relay's CPU. */
static void step_close(struct load *l)
{
	struct step *s = &l->steps[l->cur];
	double cpu = l->o.cpu_pid ? proc_cpu_seconds(l->o.cpu_pid) : -1;

	s->secs = (double)(l->now - l->step_start) / 1e9;
	s->cpu_s = cpu >= 0 && l->step_cpu >= 0 ? cpu - l->step_cpu : -1;
	l->step_cpu = cpu;
	l->step_start = l->now;
}

/* max: at the end of a step, judge the one before it (its stragglers have
 * had a whole step to arrive) and go on faster, or end the ramp. */
static void ramp_next(struct load *l, uint64_t *period)
{
	const struct step *s = &l->steps[l->cur];

	step_close(l);
	if (l->cur > 0 && step_loss_pct(s - 1) > STEP_FAIL_PCT)
		l->ramp_end = RAMP_LOSS;
	else if ((double)s->sent < 0.9 * s->rate * s->secs * 2 * l->calls_up)
		l->ramp_end = RAMP_GENERATOR;	/* it fell behind */
	else if (l->cur + 1 == MAX_STEPS)
		l->ramp_end = RAMP_STEPS;
	if (l->ramp_end != RAMP_RUNNING)
		return;
	l->cur++;
	l->steps[l->cur].rate = l->steps[l->cur - 1].rate * STEP_GROWTH;
	*period = (uint64_t)(1e9 / l->steps[l->cur].rate);
}

/* Moves warm-up -> window -> drain -> done at the right times; samples
 * /proc at the window's edges. */
static void advance_phase(struct load *l, uint64_t win_start,
			  uint64_t win_end, uint64_t last_rx)
{
	if (l->phase == PH_WARMUP && (l->now >= win_start || stop_requested)) {
		take_sample(l, &l->s_start);
		l->step_start = l->now;
		l->step_cpu = l->s_start.cpu_s;
		l->phase = PH_WINDOW;
	}
	if (l->phase == PH_WINDOW && (l->now >= win_end || stop_requested ||
				      l->ramp_end != RAMP_RUNNING)) {
		if (l->ramp_end == RAMP_RUNNING)
			step_close(l);
		take_sample(l, &l->s_end);
		l->phase = PH_DRAIN;
	}
	if (l->phase == PH_DRAIN && ((l->now - last_rx >= DRAIN_QUIET_NS &&
				      l->now - l->s_end.mono_ns >= DRAIN_QUIET_NS) ||
				     l->now >= l->s_end.mono_ns + DRAIN_MAX_NS))
		l->phase = PH_DONE;
}

static int traffic_run(struct load *l)
{
	long tick = (long)l->o.tick_us * 1000;
	struct itimerspec its = { { 0, tick }, { 0, tick } };
	struct epoll_event evs[512], tev = { .events = EPOLLIN,
					     .data.u32 = TIMER_TAG };
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC), period = NS / l->o.rate;
	uint64_t win_start = t0 + (uint64_t)(l->o.warmup * 1e9);
	uint64_t win_end = win_start + (uint64_t)(l->o.seconds * 1e9);
	uint64_t last_rx = t0, next_tick = t0, buf;
	uint64_t step_ns = (uint64_t)(l->o.step * 1e9);
	unsigned i, got, np = 2 * l->calls_up;
	bool max = l->o.mode == MODE_MAX;
	int n;

	if (l->ur) {
		for (i = 0; i < np; i++)
			uring_arm_recv(l, i);
	} else {
		l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (l->tfd < 0 || timerfd_settime(l->tfd, 0, &its, NULL) < 0 ||
		    epoll_ctl(l->ep, EPOLL_CTL_ADD, l->tfd, &tev) < 0)
			return -errno;
	}
	for (i = 0; i < np; i++)
		l->p[i].next_ns = t0 + period * i / np;
	l->steps[0].rate = l->o.rate;
	l->now = t0;
	while (l->phase != PH_DONE) {
		if (l->ur) {
			/* the sends queued last turn go now, then wait for the tick */
			got = uring_wait(l, l->phase >= PH_DRAIN ? (uint64_t)tick :
					 next_tick > l->now ? next_tick - l->now : 0);
		} else {
			n = epoll_wait(l->ep, evs, 512, 1);
			for (got = 0, i = 0; n > 0 && i < (unsigned)n; i++) {
				if (evs[i].data.u32 == TIMER_TAG)
					(void)!read(l->tfd, &buf, sizeof(buf));
				else
					got += recv_party(l, evs[i].data.u32);
			}
		}
		l->now = clock_ns(CLOCK_MONOTONIC);
		if (got)
			last_rx = l->now;
		advance_phase(l, win_start, win_end, last_rx);
		if (l->phase >= PH_DRAIN || l->now < next_tick)
			continue;
		if (max && l->phase == PH_WINDOW &&
		    l->now - l->step_start >= step_ns)
			ramp_next(l, &period);
		if (l->ramp_end == RAMP_RUNNING)
			send_due(l, period);
		next_tick = l->now + (uint64_t)tick;
	}
	return 0;
}

/* ---- results ----------------------------------------------------------- */

#define ADD(k, w, val, p) (f[n++] = (struct bench_field){ k, w, (double)(val), p })

static double window_secs(const struct load *l)
{
	return (double)(l->s_end.mono_ns - l->s_start.mono_ns) / 1e9 + 1e-9;
}

/* Packets, rates, latency and fairness over the window. */
static unsigned results_traffic(const struct load *l, struct bench_field *f,
				unsigned n)
{
	struct step all = { 0 };
	uint64_t lo = UINT64_MAX, hi = 0;
	double secs = window_secs(l);
	unsigned i;

	for (i = 0; i < 2 * l->calls_up; i++) {
		all.sent += l->p[i].sent;
		all.got += l->p[i].got;
		lo = l->p[i].got < lo ? l->p[i].got : lo;
		hi = l->p[i].got > hi ? l->p[i].got : hi;
	}
	ADD("calls_up", "calls set up", l->calls_up, 0);
	ADD("setup_s", "set-up time, s", l->setup_s, 2);
	ADD("window_s", "measured window, s", secs, 2);
	ADD("sent", "packets sent in the window", all.sent, 0);
	ADD("received", "of them received", all.got, 0);
	ADD("loss_pct", "loss, %", step_loss_pct(&all), 3);
	ADD("offered_pps", "offered, packets/s", (double)all.sent / secs, 0);
	ADD("fwd_pps", "forwarded, packets/s", (double)l->arrived_window / secs, 0);
	ADD("lat_p50_us", "one-way latency p50, us",
	    bench_hist_percentile(&l->lat_us, 0.5), 0);
	ADD("lat_p99_us", "one-way latency p99, us",
	    bench_hist_percentile(&l->lat_us, 0.99), 0);
	ADD("lat_max_us", "one-way latency max, us",
	    l->lat_us.total ? (double)l->lat_us.max : -1, 0);
	ADD("fairness", "per-stream received min/max", hi ? (double)lo / (double)hi : 0, 3);
	ADD("misrouted", "packets at the wrong party", l->misrouted, 0);
	ADD("malformed", "packets not ours", l->bad, 0);
	ADD("send_errors", "send errors", l->send_errors, 0);
	ADD("recv_errors", "receive errors", l->recv_errors, 0);
	ADD("setup_failed", "calls that failed to set up", l->setup_failed, 0);
	ADD("delete_failed", "deletes that failed", l->delete_failed, 0);
	return n;
}

/* The relay's CPU and memory, socket drops, and the contention for CPUs. */
static unsigned results_relay(const struct load *l, struct bench_field *f,
			      unsigned n)
{
	const struct sample *a = &l->s_start, *b = &l->s_end, *idle = &l->s_idle;
	double secs = window_secs(l), fwd = (double)l->arrived_window;
	double cpu = a->cpu_s >= 0 && b->cpu_s >= 0 ? b->cpu_s - a->cpu_s : -1;

	ADD("relay_cpu_pct", "relay CPU, % of a core", cpu < 0 ? -1 : 100 * cpu / secs, 1);
	ADD("cpu_s_per_mpkt", "relay CPU s per 1M packets",
	    cpu < 0 || !fwd ? -1 : cpu * 1e6 / fwd, 3);
	ADD("pkt_per_cpu_s", "packets per relay CPU-second", cpu <= 0 ? -1 : fwd / cpu, 0);
	ADD("rss_idle_kb", "relay RSS before the calls, kB", idle->rss_kb, 0);
	ADD("rss_calls_kb", "relay RSS with the calls, kB", l->s_calls.rss_kb, 0);
	ADD("rss_end_kb", "relay RSS after the traffic, kB", b->rss_kb, 0);
	ADD("rss_per_call_kb", "relay RSS per call, kB",
	    b->rss_kb < 0 || idle->rss_kb < 0 || !l->calls_up ? -1 :
	    (double)(b->rss_kb - idle->rss_kb) / l->calls_up, 2);
	ADD("relay_drops", "drops at relay sockets (whole run)",
	    b->relay_drops - l->s_calls.relay_drops, 0);
	ADD("gen_drops", "drops at generator sockets (whole run)",
	    b->own_drops - l->s_calls.own_drops, 0);
	ADD("relay_wait_pct", "relay waiting for a CPU, % of the time",
	    l->o.cpu_pid ? (double)(b->relay_wait_ns - a->relay_wait_ns) / 1e7 / secs : -1, 1);
	ADD("gen_cpu_pct", "generator CPU, % of a core",
	    100 * (b->gen_cpu_s - a->gen_cpu_s) / secs, 1);
	ADD("gen_wait_pct", "generator waiting for a CPU, % of the time",
	    (double)(b->gen_wait_ns - a->gen_wait_ns) / 1e7 / secs, 1);
	ADD("send_lag_ms", "generator's worst send lag, ms", (double)l->lag_max_ns / 1e6, 2);
	return n;
}

/* max: prints the steps; adds the best one with little loss. */
static unsigned results_ramp(const struct load *l, struct bench_field *f,
			     unsigned n)
{
	const struct step *s, *best = NULL;
	unsigned i;

	printf("  %4s %12s %14s %16s %8s %12s\n", "step", "pkt/s/stream",
	       "offered pkt/s", "forwarded pkt/s", "loss %", "relay CPU %");
	for (i = 0; i <= l->cur && l->steps[i].secs > 0; i++) {
		s = &l->steps[i];
		printf("  %4u %12.0f %14.0f %16.0f %8.3f %12.1f\n", i + 1, s->rate,
		       (double)s->sent / s->secs, (double)s->got / s->secs,
		       step_loss_pct(s), s->cpu_s < 0 ? -1 : 100 * s->cpu_s / s->secs);
		if (step_loss_pct(s) <= STEP_GOOD_PCT &&
		    (!best || s->got / s->secs > best->got / best->secs))
			best = s;
	}
	ADD("max_fwd_pps", "max forwarded with <= 0.1 % loss, pkt/s",
	    best ? (double)best->got / best->secs : 0, 0);
	ADD("max_rate_per_stream", "  at packets/s per stream", best ? best->rate : 0, 0);
	ADD("max_cpu_pct", "  with relay CPU, % of a core",
	    best && best->cpu_s >= 0 ? 100 * best->cpu_s / best->secs : -1, 1);
	ADD("max_pkt_per_cpu_s", "  packets per relay CPU-second",
	    best && best->cpu_s > 0 ? (double)best->got / best->cpu_s : -1, 0);
	ADD("max_end", "ramp ended by: 0 time, 1 loss, 2 generator", l->ramp_end, 0);
	if (l->ramp_end == RAMP_GENERATOR || l->ramp_end == RAMP_RUNNING)
		printf("  the generator or the time ran out first: the relay's"
		       " maximum is at least this\n");
	return n;
}

static void print_results(const struct load *l, const char *path)
{
	const struct opts *o = &l->o;
	struct bench_field f[MAX_FIELDS];
	unsigned n, m;

	printf("%s: %u calls, %s, %u-byte RTP, %.1f s after %.1f s warm-up\n",
	       o->label, o->calls, o->mode == MODE_MAX ? "max (rising rate)" :
	       "realistic", RTP_HDR + o->payload, o->seconds, o->warmup);
	if (o->mode == MODE_REALISTIC)
		printf("  %-44s %u\n", "packets/s per direction per call", o->rate);
	else
		printf("  %-44s %u, x%.2f every %.1f s\n",
		       "packets/s per stream at first", o->rate, STEP_GROWTH, o->step);
	n = results_traffic(l, f, 0);
	n = results_relay(l, f, n);
	bench_fields_print(f, n);
	if (o->mode == MODE_MAX) {
		m = n;
		n = results_ramp(l, f, n);
		bench_fields_print(f + m, n - m);
	}
	if (path)
		bench_fields_write(path, o->label, f, n);
}

/* ---- main -------------------------------------------------------------- */

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "ng", 1, NULL, 'n' }, { "calls", 1, NULL, 'k' },
		{ "seconds", 1, NULL, 't' }, { "warmup", 1, NULL, 'w' },
		{ "mode", 1, NULL, 'm' }, { "rate", 1, NULL, 'r' },
		{ "step", 1, NULL, 'S' }, { "payload", 1, NULL, 'p' },
		{ "cpu-pid", 1, NULL, 'c' }, { "label", 1, NULL, 'l' },
		{ "kv", 1, NULL, 'o' }, { "tick-us", 1, NULL, 'i' },
		{ "wait-ready", 1, NULL, 'W' }, { "engine", 1, NULL, 'e' },
		{ "unconnected", 0, NULL, 'u' }, { NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	*o = (struct opts){ .calls = 10, .rate = 50, .payload = 160,
			    .tick_us = 1000, .step = 0.5, .seconds = 10,
			    .warmup = 2, .label = "relay" };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': bad |= bench_ng_parse_addr(optarg, &o->ng); break;
		case 'k': o->calls = (unsigned)atoi(optarg); break;
		case 't': o->seconds = atof(optarg); break;
		case 'w': o->warmup = atof(optarg); break;
		case 'm': o->mode = strcmp(optarg, "max") ? MODE_REALISTIC : MODE_MAX;
			  bad |= o->mode != MODE_MAX && strcmp(optarg, "realistic");
			  break;
		case 'r': o->rate = (unsigned)atoi(optarg); break;
		case 'S': o->step = atof(optarg); break;
		case 'p': o->payload = (unsigned)atoi(optarg); break;
		case 'c': o->cpu_pid = atoi(optarg); break;
		case 'l': o->label = optarg; break;
		case 'o': o->kv = optarg; break;
		case 'i': o->tick_us = (unsigned)atoi(optarg); break;
		case 'W': o->wait_ready = atof(optarg); break;
		case 'e': o->engine = strcmp(optarg, "mmsg") ? ENG_URING : ENG_MMSG;
			  bad |= o->engine != ENG_MMSG && strcmp(optarg, "uring");
			  break;
		case 'u': o->unconnected = true; break;
		default: bad = 1;
		}
	}
	bad |= !o->ng.sin_port || o->calls < 1 || o->calls > 8000 ||
		!(o->seconds > 0 && o->seconds <= 3600) ||
		!(o->warmup >= 0 && o->warmup <= 600) || o->rate < 1 ||
		o->rate > 100000 || !(o->step >= 0.1 && o->step <= 60) ||
		o->payload < sizeof(struct stamp) || o->payload > PKT_MAX ||
		o->tick_us < 50 || o->tick_us > 100000 || o->cpu_pid < 0 ||
		!(o->wait_ready >= 0 && o->wait_ready <= 600) || optind != argc;
	return bad ? -EINVAL : 0;
}

/* Opens what the run needs: the NG socket, io_uring or epoll, enough
 * descriptors. */
static int load_init(struct load *l)
{
	rlim_t need = 2 * (rlim_t)l->o.calls + 64;
	struct rlimit rl;
	unsigned i;
	int rc;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	l->np = 2 * l->o.calls;
	l->p = calloc(l->np, sizeof(*l->p));
	l->relay_ports = calloc(65536, 1);
	l->own_ports = calloc(65536, 1);
	for (i = 0; l->p && i < l->np; i++)
		l->p[i].fd = -1;
	if (!l->p || !l->relay_ports || !l->own_ports)
		return -ENOMEM;
	if (l->o.engine == ENG_URING && l->o.wait_ready == 0) {
		rc = uring_init(l);
		if (rc < 0) {
			fprintf(stderr, "rtp_load: io_uring: %s (--engine mmsg works without it)\n",
				strerror(-rc));
			return rc;
		}
	} else {
		l->ep = epoll_create1(EPOLL_CLOEXEC);
		if (l->ep < 0)
			return -errno;
	}
	return bench_ng_open(&l->ng, &l->o.ng);
}

static void load_fini(struct load *l)
{
	unsigned i;

	for (i = 0; l->p && i < l->np; i++)
		if (l->p[i].fd >= 0)
			close(l->p[i].fd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->ep >= 0)
		close(l->ep);
	uring_fini(l);
	bench_ng_close(&l->ng);
	free(l->p);
	free(l->relay_ports);
	free(l->own_ports);
}

static int run(struct load *l)
{
	int rc;

	if (bench_ng_wait_ready(&l->ng, 5, &stop_requested) < 0) {
		fprintf(stderr, "rtp_load: %s: no pong from the relay\n", l->o.label);
		return -ETIMEDOUT;
	}
	take_sample(l, &l->s_idle);
	calls_setup(l);
	take_sample(l, &l->s_calls);
	if (l->calls_up)
		take_drops(l, &l->s_calls);
	rc = l->calls_up ? traffic_run(l) : -EPROTO;
	if (rc == 0)
		take_drops(l, &l->s_end);
	calls_delete(l);
	if (rc == -EPROTO)
		fprintf(stderr, "rtp_load: %s: no call could be set up\n", l->o.label);
	else if (rc < 0)
		fprintf(stderr, "rtp_load: timer: %s\n", strerror(-rc));
	if (rc < 0)
		return rc;
	print_results(l, l->o.kv);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct load l = { .ep = -1, .tfd = -1, .ng.fd = -1 };
	int rc;

	if (parse_opts(argc, argv, &l.o) < 0) {
		fputs("usage: rtp_load --ng ADDR:PORT [--calls K] [--seconds T] [--warmup W]\n"
		      "  [--mode realistic|max] [--rate PPS] [--step S] [--payload BYTES]\n"
		      "  [--cpu-pid PID] [--label NAME] [--kv FILE] [--tick-us US]\n"
		      "  [--engine uring|mmsg] [--unconnected]\n"
		      "  | --wait-ready SECONDS\n", stderr);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = load_init(&l);
	if (rc < 0)
		fprintf(stderr, "rtp_load: %s\n", strerror(-rc));
	else if (l.o.wait_ready > 0)
		rc = bench_ng_wait_ready(&l.ng, l.o.wait_ready, &stop_requested);
	else
		rc = run(&l);
	load_fini(&l);
	return rc < 0 ? 1 : 0;
}
