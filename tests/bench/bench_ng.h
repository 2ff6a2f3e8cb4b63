/* bench_ng.h - a small blocking NG client for the benchmarks.
 *
 * Header-only because the Makefile builds every .c in tests/bench/ as a program
 * of its own. One request at a time over a connected UDP socket: the
 * request is sent as "COOKIE SP BENCODE", and sent again with the same
 * cookie (the relay answers a retransmission from its cache) until the
 * matching reply comes or the tries run out. Only loopback peers.
 */
#ifndef RG_BENCH_NG_H
#define RG_BENCH_NG_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "bencode.h"
#include "buf.h"

struct bench_ng {
	int fd;
	unsigned id;	/* this run: cookies never repeat across runs */
	unsigned seq;
};

static inline uint64_t bench_ng_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline bool bench_is_loopback(const struct in_addr *a)
{
	return (ntohl(a->s_addr) >> 24) == 127;
}

/* "ADDR:PORT" (IPv4 loopback) into @sa. 0 or -EINVAL. */
static inline int bench_ng_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	unsigned port;

	if (sscanf(s, "%63[^:]:%u", host, &port) != 2 || port == 0 ||
	    port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
	    !bench_is_loopback(&sa->sin_addr))
		return -EINVAL;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

/* Connects @ng to @to, which must be a loopback address. 0 or -errno. */
static inline int bench_ng_open(struct bench_ng *ng, const struct sockaddr_in *to)
{
	ng->id = (unsigned)getpid() ^ (unsigned)time(NULL) << 16;
	ng->seq = 0;
	if (!bench_is_loopback(&to->sin_addr))
		return -EINVAL;
	ng->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ng->fd < 0 ||
	    connect(ng->fd, (const struct sockaddr *)to, sizeof(*to)) < 0)
		return -errno;
	return 0;
}

static inline void bench_ng_close(struct bench_ng *ng)
{
	if (ng->fd >= 0)
		close(ng->fd);
	ng->fd = -1;
}

/* Waits up to @ms for the reply carrying @cookie (@clen bytes) and decodes
 * its body into @arena. 0, -ETIMEDOUT or -EPROTO (undecodable). */
static inline int bench_ng_wait(struct bench_ng *ng, const char *cookie,
				size_t clen, int ms, struct rg_arena *arena,
				struct bencode_item **reply)
{
	static char rx[65536];
	uint64_t end = bench_ng_clock_ms() + (uint64_t)ms, now;
	struct pollfd pfd = { .fd = ng->fd, .events = POLLIN };
	ssize_t n;

	while ((now = bench_ng_clock_ms()) < end) {
		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		n = recv(ng->fd, rx, sizeof(rx), MSG_DONTWAIT);
		if (n <= (ssize_t)clen || memcmp(rx, cookie, clen) ||
		    rx[clen] != ' ')
			continue;	/* stale reply or ICMP error: wait on */
		return bencode_decode(arena, rx + clen + 1, (size_t)n - clen - 1,
				      &bencode_ng_limits, reply, NULL) ?
			-EPROTO : 0;
	}
	return -ETIMEDOUT;
}

/* Sends @req and waits for its reply, @tries times at most, @ms apart.
 * Returns 0 with *@reply decoded in @arena, -ETIMEDOUT, -EPROTO, or the
 * encoder's/socket's negative errno. */
static inline int bench_ng_call(struct bench_ng *ng, struct rg_arena *arena,
				const struct bencode_item *req, int ms,
				int tries, struct bencode_item **reply)
{
	char dgram[8192];
	struct rg_buf out;
	int clen, rc, i;
	size_t len = 0;

	clen = snprintf(dgram, sizeof(dgram), "b%x_%u", ng->id, ++ng->seq);
	rg_buf_init(&out, sizeof(dgram) - (size_t)clen - 1);
	bencode_encode(req, &out);
	rc = rg_buf_finish(&out);
	if (!rc) {
		dgram[clen] = ' ';
		memcpy(dgram + clen + 1, out.data, out.len);
		len = (size_t)clen + 1 + out.len;
	}
	rg_buf_free(&out);
	for (i = 0; !rc && i < tries; i++) {
		if (send(ng->fd, dgram, len, 0) < 0 && errno != ECONNREFUSED)
			return -errno;
		rc = bench_ng_wait(ng, dgram, (size_t)clen, ms, arena, reply);
		if (rc != -ETIMEDOUT)
			return rc;
		rc = 0;
	}
	return rc ? rc : -ETIMEDOUT;
}

/* Pings until the reply is "pong", @seconds pass, or *@stop is set.
 * 0, -ETIMEDOUT or -ENOMEM. */
static inline int bench_ng_wait_ready(struct bench_ng *ng, double seconds,
				      const volatile sig_atomic_t *stop)
{
	uint64_t end = bench_ng_clock_ms() + (uint64_t)(seconds * 1000);
	struct bencode_item *req, *reply;
	struct rg_arena *arena;
	bool pong = false;

	while (!pong && !*stop && bench_ng_clock_ms() < end) {
		arena = rg_arena_create(1 << 20);
		req = arena ? bencode_dict_new(arena) : NULL;
		if (!req || !bencode_dict_add_str(arena, req, "command", "ping")) {
			rg_arena_destroy(arena);
			return -ENOMEM;
		}
		if (bench_ng_call(ng, arena, req, 200, 1, &reply) == 0)
			pong = bencode_str_eq(bencode_dict_get(reply, "result"),
					      "pong");
		else
			usleep(100000);
		rg_arena_destroy(arena);
	}
	return pong ? 0 : -ETIMEDOUT;
}

/* @cmd ("offer", "answer", "delete") for @callid from tag "party-a", with
 * to-tag "party-b" for an answer and @sdp when not NULL. 0 with *@reply
 * in @arena when the result is "ok"; else a negative errno, with the
 * relay's error-reason or the error printed on stderr. */
static inline int bench_ng_request(struct bench_ng *ng, struct rg_arena *arena,
				   const char *cmd, const char *callid,
				   const char *sdp, struct bencode_item **reply)
{
	struct bencode_item *req = bencode_dict_new(arena), *why;
	int rc = -ENOMEM;

	if (req && bencode_dict_add_str(arena, req, "command", cmd) &&
	    bencode_dict_add_str(arena, req, "call-id", callid) &&
	    bencode_dict_add_str(arena, req, "from-tag", "party-a") &&
	    (strcmp(cmd, "answer") ||
	     bencode_dict_add_str(arena, req, "to-tag", "party-b")) &&
	    (!sdp || bencode_dict_add_str(arena, req, "sdp", sdp)))
		rc = bench_ng_call(ng, arena, req, 500, 4, reply);
	if (rc == 0 && !bencode_str_eq(bencode_dict_get(*reply, "result"), "ok")) {
		why = bencode_dict_get(*reply, "error-reason");
		fprintf(stderr, "NG %s of %s: %s\n", cmd, callid,
			why && why->type == BENCODE_STRING ? why->str : "not ok");
		rc = -EPROTO;
	} else if (rc) {
		fprintf(stderr, "NG %s of %s: %s\n", cmd, callid, strerror(-rc));
	}
	return rc;
}

/* The first "c=IN IP4 ADDR" and "m=audio PORT" of @sdp (a bencode string)
 * into @dst. 0, or -EPROTO when missing, malformed or not loopback. */
static inline int bench_ng_sdp_media(const struct bencode_item *sdp,
				     struct sockaddr_in *dst)
{
	char addr[INET_ADDRSTRLEN] = "";
	const char *c, *m;
	unsigned port;

	if (!sdp || sdp->type != BENCODE_STRING)
		return -EPROTO;
	c = strstr(sdp->str, "c=IN IP4 ");
	m = strstr(sdp->str, "m=audio ");
	if (!c || !m || sscanf(c + 9, "%15[0-9.]", addr) != 1 ||
	    sscanf(m + 8, "%u", &port) != 1 || port == 0 || port > 65535)
		return -EPROTO;
	dst->sin_family = AF_INET;
	dst->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &dst->sin_addr) != 1 ||
	    !bench_is_loopback(&dst->sin_addr))
		return -EPROTO;
	return 0;
}

#endif
