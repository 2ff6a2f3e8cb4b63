/* relay_shapes.c - what the shape of a userspace relay's sockets costs.
 *
 *   relay_shapes --ng PORT --shape sockets|tproxy|tproxy-raw
 *                [--tproxy-port P] [--port-min N (10000)]
 *
 * A minimal RTP relay for one question: how much of the kernel's work per
 * packet is in the shape of the relay's sockets? It answers just enough
 * NG (ping, offer, answer, delete) for rtp_load to drive it, relays
 * between the addresses the SDPs name (no learning, no counters, no
 * timeouts: none of rtpgated's own work), and runs one io_uring with a
 * multishot recvmsg into a provided-buffer ring, every send queued and
 * submitted once a round, as rtpgated's io_uring worker does. Shapes:
 *
 *   sockets     a UDP socket per relay port, a multishot recvmsg on each,
 *               sends from the other port's socket (rtpgated's shape)
 *   tproxy      one IP_TRANSPARENT socket receives every relay port
 *               (nftables tproxy steers them to it; the port is read from
 *               IP_ORIGDSTADDR), sends as in `sockets`
 *   tproxy-raw  receives as `tproxy`, sends through one raw socket
 *               (IPPROTO_RAW), the IP and UDP header written in front of
 *               the payload
 *
 * The tproxy shapes need the nftables rule and CAP_NET_ADMIN/NET_RAW:
 * tests/bench/relay_shapes.sh sets them up in a network namespace of its
 * own and runs each shape, and rtpgated, under the same load. It measures
 * nothing itself (rtp_load does); it runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arena.h"
#include "bencode.h"
#include "bench_ng.h"
#include "bench_uring.h"
#include "buf.h"

#define NBUF		4096		/* receive buffers, power of two */
#define BUF_SIZE	2048
#define BGID		0
#define ENTRIES		4096
#define HEADROOM	(sizeof(struct iphdr) + sizeof(struct udphdr))
#define TAG_RECV	(1ull << 62)	/* user_data: the tag, then a port */
#define TAG_SEND	(2ull << 62)	/* then a buffer id */
#define TAG_NG		(3ull << 62)
#define TAG_MASK	(3ull << 62)
#define PAIRS		10000		/* ports port-min .. port-min + 19999 */

enum shape { SHAPE_SOCKETS, SHAPE_TPROXY, SHAPE_RAW };

/* One relay port: what arrives on it goes out of port @other to that
 * port's @peer. */
struct port {
	int fd;				/* -1: not in use */
	uint16_t other;
	struct sockaddr_in peer;	/* family 0: not known yet */
};

struct relay {
	enum shape shape;
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	uint8_t *bufs;
	unsigned recycled;
	struct msghdr mh;		/* the recvmsg layout */
	struct sockaddr_in dst[NBUF];	/* a send's destination, by buffer */
	struct port ports[65536];
	unsigned next_port, port_min;
	int ng_fd, tproxy_fd, raw_fd;
	GHashTable *calls;		/* call-id -> port of A's side */
	uint64_t forwarded, dropped;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint8_t *buf_at(struct relay *r, unsigned bid)
{
	return r->bufs + (size_t)bid * BUF_SIZE;
}

static void recycle(struct relay *r, unsigned bid)
{
	io_uring_buf_ring_add(r->br, buf_at(r, bid), BUF_SIZE, (unsigned short)bid,
			      io_uring_buf_ring_mask(NBUF), (int)r->recycled++);
}

static struct io_uring_sqe *sqe_get(struct relay *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_buf_ring_advance(r->br, (int)r->recycled);
		r->recycled = 0;
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	if (!sqe)
		abort();	/* a submit always frees the queue */
	return sqe;
}

static void arm_recv(struct relay *r, int fd, uint16_t port)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_recvmsg_multishot(sqe, fd, &r->mh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, TAG_RECV | port);
}

static void arm_ng(struct relay *r)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_poll_multishot(sqe, r->ng_fd, POLLIN);
	io_uring_sqe_set_data64(sqe, TAG_NG);
}

/* ---- NG: just what rtp_load asks ------------------------------------- */

/* A UDP socket bound on 127.0.0.1:@port (@transparent: a tproxy target
 * that reports each datagram's original destination), or -1 with errno
 * set. */
static int udp_bound(uint16_t port, bool transparent)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
	int rcvbuf = 8 << 20, saved;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0)
		return -1;
	if ((transparent &&
	     (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &on, sizeof(on)) < 0 ||
	      setsockopt(fd, SOL_IP, IP_RECVORIGDSTADDR, &on, sizeof(on)) < 0 ||
	      setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* A free even port with its socket bound on 127.0.0.1, or 0. */
static uint16_t port_open(struct relay *r)
{
	unsigned tries;

	for (tries = 0; tries < PAIRS; tries++) {
		uint16_t p = (uint16_t)(r->port_min + (r->next_port++ % PAIRS) * 2);
		int fd;

		if (r->ports[p].fd >= 0 || (fd = udp_bound(p, false)) < 0)
			continue;
		r->ports[p] = (struct port){ .fd = fd };
		if (r->shape == SHAPE_SOCKETS)
			arm_recv(r, fd, p);
		return p;
	}
	return 0;
}

static void port_close(struct relay *r, uint16_t p)
{
	if (r->ports[p].fd < 0)
		return;
	if (r->shape == SHAPE_SOCKETS) {	/* its recvmsg holds the socket */
		struct io_uring_sqe *sqe = sqe_get(r);

		io_uring_prep_cancel64(sqe, TAG_RECV | p, 0);
		io_uring_sqe_set_data64(sqe, 0);
	}
	close(r->ports[p].fd);
	r->ports[p].fd = -1;
}

/* Handles one NG request into @reply; 0 or -1 (no reply). */
static int ng_handle(struct relay *r, struct rg_arena *a, const struct bencode_item *req,
		     struct bencode_item *reply)
{
	const struct bencode_item *cmd = bencode_dict_get(req, "command");
	const struct bencode_item *id = bencode_dict_get(req, "call-id");
	struct sockaddr_in party = { 0 };
	gpointer v;
	uint16_t pa, pb;

	if (bencode_str_eq(cmd, "ping")) {
		bencode_dict_add_str(a, reply, "result", "pong");
		return 0;
	}
	if (!id || id->type != BENCODE_STRING)
		return -1;
	v = g_hash_table_lookup(r->calls, id->str);
	pa = (uint16_t)GPOINTER_TO_UINT(v);
	if (bencode_str_eq(cmd, "delete")) {
		if (v) {
			port_close(r, pa);
			port_close(r, r->ports[pa].other);
			g_hash_table_remove(r->calls, id->str);
		}
		bencode_dict_add_str(a, reply, "result", "ok");
		return 0;
	}
	if (bench_ng_sdp_media(bencode_dict_get(req, "sdp"), &party))
		return -1;
	if (bencode_str_eq(cmd, "offer") && !v) {
		pa = port_open(r);
		pb = port_open(r);
		if (!pa || !pb)
			return -1;
		r->ports[pa].other = pb;
		r->ports[pb].other = pa;
		r->ports[pa].peer = party;	/* A sends to pa, from there */
		g_hash_table_insert(r->calls, g_strdup(id->str), GUINT_TO_POINTER(pa));
		bencode_dict_add_str(a, reply, "sdp", rg_arena_printf(a,
			"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio %u RTP/AVP 0\r\n", pb));
	} else if (bencode_str_eq(cmd, "answer") && v) {
		pb = r->ports[pa].other;
		r->ports[pb].peer = party;
		bencode_dict_add_str(a, reply, "sdp", rg_arena_printf(a,
			"v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio %u RTP/AVP 0\r\n", pa));
	} else {
		return -1;
	}
	bencode_dict_add_str(a, reply, "result", "ok");
	return 0;
}

static void ng_read(struct relay *r)
{
	char in[65536], *sp;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(r->ng_fd, in, sizeof(in) - 1, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen)) > 0) {
		struct rg_arena *a = rg_arena_create(1 << 20);
		struct bencode_item *req, *reply;
		struct rg_buf out;

		in[n] = 0;
		sp = memchr(in, ' ', (size_t)n);
		if (!a || !sp ||
		    bencode_decode(a, sp + 1, (size_t)(in + n - sp - 1), &bencode_ng_limits,
				   &req, NULL) ||
		    !(reply = bencode_dict_new(a)) || ng_handle(r, a, req, reply)) {
			rg_arena_destroy(a);
			continue;
		}
		rg_buf_init(&out, 0);
		rg_buf_append(&out, in, (size_t)(sp - in + 1));
		bencode_encode(reply, &out);
		if (!rg_buf_finish(&out))
			sendto(r->ng_fd, out.data, out.len, 0, (struct sockaddr *)&from, flen);
		rg_buf_free(&out);
		rg_arena_destroy(a);
		flen = sizeof(from);
	}
}

/* ---- the packet path -------------------------------------------------- */

/* The relay port a tproxy'd datagram was sent to, from IP_ORIGDSTADDR. */
static uint16_t orig_port(struct io_uring_recvmsg_out *out, struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = io_uring_recvmsg_cmsg_firsthdr(out, mh); c;
	     c = io_uring_recvmsg_cmsg_nexthdr(out, mh, c)) {
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_ORIGDSTADDR) {
			struct sockaddr_in sa;

			memcpy(&sa, CMSG_DATA(c), sizeof(sa));
			return ntohs(sa.sin_port);
		}
	}
	return 0;
}

/* Writes the IPv4 and UDP header in front of @pkt (the kernel fills in
 * the IP checksum, total length and id; UDP checksum 0 is allowed). */
static uint8_t *raw_headers(uint8_t *pkt, size_t *len, uint16_t sport,
			    const struct sockaddr_in *to)
{
	struct iphdr *ip = (struct iphdr *)(pkt - HEADROOM);
	struct udphdr *udp = (struct udphdr *)(pkt - sizeof(struct udphdr));

	*ip = (struct iphdr){ .version = 4, .ihl = 5, .ttl = 64,
			      .protocol = IPPROTO_UDP,
			      .saddr = htonl(INADDR_LOOPBACK), .daddr = to->sin_addr.s_addr };
	*udp = (struct udphdr){ .source = htons(sport), .dest = to->sin_port,
				.len = htons((uint16_t)(*len + sizeof(*udp))) };
	*len += HEADROOM;
	return (uint8_t *)ip;
}

static void forward(struct relay *r, const struct io_uring_cqe *cqe, uint16_t port)
{
	unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	struct io_uring_recvmsg_out *out;
	struct io_uring_sqe *sqe;
	const struct port *in, *to;
	uint8_t *pkt;
	size_t len;
	int fd;

	out = io_uring_recvmsg_validate(buf_at(r, bid), cqe->res, &r->mh);
	if (out && r->shape != SHAPE_SOCKETS)
		port = orig_port(out, &r->mh);
	in = &r->ports[port];
	to = &r->ports[in->other];
	if (!out || !port || in->fd < 0 || to->fd < 0 || !to->peer.sin_family) {
		r->dropped++;
		recycle(r, bid);
		return;
	}
	pkt = io_uring_recvmsg_payload(out, &r->mh);
	len = io_uring_recvmsg_payload_length(out, cqe->res, &r->mh);
	r->dst[bid] = to->peer;
	fd = to->fd;
	if (r->shape == SHAPE_RAW) {
		pkt = raw_headers(pkt, &len, in->other, &to->peer);
		fd = r->raw_fd;
	}
	sqe = sqe_get(r);
	io_uring_prep_send(sqe, fd, pkt, len, MSG_DONTWAIT);
	io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)&r->dst[bid],
				    sizeof(r->dst[bid]));
	io_uring_sqe_set_data64(sqe, TAG_SEND | bid);
	r->forwarded++;
}

static void on_recv(struct relay *r, const struct io_uring_cqe *cqe)
{
	uint16_t port = (uint16_t)cqe->user_data;

	if (cqe->flags & IORING_CQE_F_BUFFER) {
		if (cqe->res > 0)
			forward(r, cqe, port);
		else
			recycle(r, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	}
	if (cqe->flags & IORING_CQE_F_MORE)
		return;
	if (r->shape != SHAPE_SOCKETS)
		arm_recv(r, r->tproxy_fd, 0);
	else if (r->ports[port].fd >= 0 && cqe->res != -EBADF && cqe->res != -ECANCELED)
		arm_recv(r, r->ports[port].fd, port);
}

static void run(struct relay *r)
{
	struct io_uring_cqe *cqe;
	unsigned head, n;

	while (!stop) {
		io_uring_buf_ring_advance(r->br, (int)r->recycled);
		r->recycled = 0;
		if (io_uring_submit_and_wait(&r->ring, 1) < 0 && errno != EINTR && !stop)
			break;
		n = 0;
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			switch (cqe->user_data & TAG_MASK) {
			case TAG_RECV:
				on_recv(r, cqe);
				break;
			case TAG_SEND:
				recycle(r, (unsigned)(cqe->user_data & 0xffff));
				break;
			case TAG_NG:
				ng_read(r);
				if (!(cqe->flags & IORING_CQE_F_MORE))
					arm_ng(r);
				break;
			}
			n++;
		}
		io_uring_cq_advance(&r->ring, n);
	}
}

/* ---- set-up ----------------------------------------------------------- */

static int relay_init(struct relay *r, uint16_t ng_port, uint16_t tproxy_port)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER |
				     IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE,
				     .cq_entries = 4 * ENTRIES };
	unsigned i;
	int rc;

	for (i = 0; i < 65536; i++)
		r->ports[i].fd = -1;
	r->calls = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->raw_fd = r->tproxy_fd = -1;
	r->mh.msg_namelen = sizeof(struct sockaddr_in);
	r->mh.msg_controllen = r->shape == SHAPE_SOCKETS ? 0 : CMSG_SPACE(sizeof(struct sockaddr_in));
	rc = io_uring_queue_init_params(ENTRIES, &r->ring, &p);
	if (rc < 0) {
		fprintf(stderr, "relay_shapes: io_uring: %s\n", strerror(-rc));
		return -1;
	}
	r->bufs = malloc((size_t)NBUF * BUF_SIZE);
	r->br = r->bufs ? bench_buf_ring(&r->ring, NBUF, BGID, r->bufs, BUF_SIZE, &rc) : NULL;
	if (!r->br) {
		fprintf(stderr, "relay_shapes: buffer ring: %s\n", strerror(r->bufs ? -rc : ENOMEM));
		return -1;
	}
	r->ng_fd = udp_bound(ng_port, false);
	if (r->ng_fd < 0) {
		perror("relay_shapes: NG socket");
		return -1;
	}
	arm_ng(r);
	if (r->shape != SHAPE_SOCKETS) {
		r->tproxy_fd = udp_bound(tproxy_port, true);
		if (r->tproxy_fd < 0) {
			perror("relay_shapes: tproxy socket (CAP_NET_ADMIN?)");
			return -1;
		}
		arm_recv(r, r->tproxy_fd, 0);
	}
	if (r->shape == SHAPE_RAW) {
		r->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (r->raw_fd < 0) {
			perror("relay_shapes: raw socket (CAP_NET_RAW?)");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ng", 1, NULL, 'n' }, { "shape", 1, NULL, 's' },
		{ "tproxy-port", 1, NULL, 't' }, { "port-min", 1, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	static struct relay r;
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned ng_port = 0, tproxy_port = 29999;
	int c, bad = 0;

	r.port_min = 10000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': ng_port = (unsigned)atoi(optarg); break;
		case 's':
			r.shape = !strcmp(optarg, "tproxy") ? SHAPE_TPROXY :
				  !strcmp(optarg, "tproxy-raw") ? SHAPE_RAW : SHAPE_SOCKETS;
			bad |= r.shape == SHAPE_SOCKETS && strcmp(optarg, "sockets");
			break;
		case 't': tproxy_port = (unsigned)atoi(optarg); break;
		case 'p': r.port_min = (unsigned)atoi(optarg) & ~1u; break;
		default: bad = 1;
		}
	}
	if (bad || !ng_port || ng_port > 65535 || !tproxy_port || tproxy_port > 65535 ||
	    r.port_min < 1024 || r.port_min > 65535 - 2 * PAIRS || optind != argc) {
		fputs("usage: relay_shapes --ng PORT --shape sockets|tproxy|tproxy-raw\n"
		      "  [--tproxy-port P] [--port-min N]\n", stderr);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (relay_init(&r, (uint16_t)ng_port, (uint16_t)tproxy_port) < 0)
		return 1;
	run(&r);
	fprintf(stderr, "relay_shapes: %llu forwarded, %llu dropped\n",
		(unsigned long long)r.forwarded, (unsigned long long)r.dropped);
	return 0;
}
