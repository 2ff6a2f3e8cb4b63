/* ng_bench.c - NG control-plane load: offer + answer + delete cycles.
 *
 *   ng_bench --port P [--host 127.0.0.1] [--seconds T] [--inflight N]
 *            [--pid DAEMON_PID] [--label NAME] [--header]
 *
 * Keeps N calls in flight, each a loop of offer -> answer -> delete with a
 * new call-id per cycle, over one UDP socket. Prints one table row:
 * cycles/s, requests/s, p50/p99 latency, the daemon's CPU seconds per 1000
 * requests and its RSS (both from /proc/PID when --pid is given), failed
 * requests and retransmissions. It measures and prints; it never fails on
 * speed (exit 1 only when it cannot run at all).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "bencode.h"
#include "buf.h"

#define MAX_INFLIGHT 1024
#define RETRANSMIT_US 1000000
#define DATAGRAM_MAX 65536

enum step { STEP_OFFER, STEP_ANSWER, STEP_DELETE };

struct slot {
	enum step step;
	unsigned cycle;
	unsigned seq;		/* bumped per request: the cookie's tail */
	uint64_t sent_us;	/* first transmission of the current request */
	uint64_t last_tx_us;	/* latest (re)transmission */
	char datagram[2048];
	size_t len;
};

struct bench {
	int fd;
	unsigned id;		/* this run, so call-ids never repeat */
	struct slot *slots;
	unsigned inflight;
	uint32_t *lat_us;	/* one sample per completed request */
	size_t nlat, cap;
	uint64_t requests, cycles, failures, retransmits;
	const char *label;
};

static const char OFFER_SDP[] =
	"v=0\r\no=alice 1 1 IN IP4 198.51.100.1\r\ns=-\r\n"
	"c=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n";
static const char ANSWER_SDP[] =
	"v=0\r\no=bob 1 1 IN IP4 198.51.100.2\r\ns=-\r\n"
	"c=IN IP4 198.51.100.2\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\na=sendrecv\r\n";

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Builds the slot's next request ("COOKIE SP BENCODE") into its buffer. */
static int build_request(struct bench *b, unsigned idx)
{
	static const char *const cmds[] = { "offer", "answer", "delete" };
	struct slot *s = &b->slots[idx];
	struct rg_arena *arena = rg_arena_create(0);
	struct bencode_item *d;
	struct rg_buf out;
	char callid[64];
	int n, rc;

	if (!arena)
		return -ENOMEM;
	snprintf(callid, sizeof(callid), "bench-%u-%u-%u", b->id, idx, s->cycle);
	d = bencode_dict_new(arena);
	bencode_dict_add_str(arena, d, "command", cmds[s->step]);
	bencode_dict_add_str(arena, d, "call-id", callid);
	bencode_dict_add_str(arena, d, "from-tag", "alice");
	if (s->step == STEP_OFFER)
		bencode_dict_add_str(arena, d, "sdp", OFFER_SDP);
	if (s->step == STEP_ANSWER) {
		bencode_dict_add_str(arena, d, "to-tag", "bob");
		bencode_dict_add_str(arena, d, "sdp", ANSWER_SDP);
	}
	s->seq++;
	n = snprintf(s->datagram, sizeof(s->datagram), "%u_%u ", idx, s->seq);
	rg_buf_init(&out, sizeof(s->datagram) - (size_t)n);
	bencode_encode(d, &out);
	rc = rg_buf_finish(&out);
	if (rc == 0) {
		memcpy(s->datagram + n, out.data, out.len);
		s->len = (size_t)n + out.len;
	}
	rg_buf_free(&out);
	rg_arena_destroy(arena);
	return rc;
}

static void transmit(struct bench *b, unsigned idx, uint64_t t)
{
	struct slot *s = &b->slots[idx];

	if (send(b->fd, s->datagram, s->len, 0) < 0 && errno != EAGAIN &&
	    errno != ECONNREFUSED)
		perror("ng_bench: send");
	s->last_tx_us = t;
}

static int start_request(struct bench *b, unsigned idx, uint64_t t)
{
	int rc = build_request(b, idx);

	if (rc)
		return rc;
	b->slots[idx].sent_us = t;
	transmit(b, idx, t);
	return 0;
}

/* true if the bencoded @body is a dict whose result is "ok". */
static bool reply_ok(const char *body, size_t len)
{
	struct rg_arena *arena = rg_arena_create(0);
	struct bencode_item *reply;
	bool ok = false;

	if (arena && bencode_decode(arena, body, len, NULL, &reply, NULL) == 0)
		ok = bencode_str_eq(bencode_dict_get(reply, "result"), "ok");
	rg_arena_destroy(arena);
	return ok;
}

static void record_latency(struct bench *b, uint64_t us)
{
	uint32_t *grown;

	if (b->nlat == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 65536;
		grown = realloc(b->lat_us, b->cap * sizeof(*grown));
		if (!grown) {
			b->cap = b->nlat;
			return;
		}
		b->lat_us = grown;
	}
	b->lat_us[b->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Handles one reply: counts it and starts the slot's next request, or
 * when @stopping (the window is over) only marks the slot idle. */
static void on_reply(struct bench *b, const char *buf, size_t len,
		     bool stopping)
{
	const char *sp = memchr(buf, ' ', len);
	unsigned idx, seq;
	struct slot *s;
	uint64_t t = now_us(), sent;

	if (!sp || sscanf(buf, "%u_%u ", &idx, &seq) != 2 ||
	    idx >= b->inflight || b->slots[idx].seq != seq ||
	    b->slots[idx].sent_us == 0)
		return;		/* a stray or duplicate reply */
	s = &b->slots[idx];
	sent = s->sent_us;
	s->sent_us = 0;
	if (stopping)
		return;		/* after the window: not counted */
	b->requests++;
	record_latency(b, t - sent);
	if (!reply_ok(sp + 1, len - (size_t)(sp + 1 - buf)))
		b->failures++;
	if (s->step == STEP_DELETE) {
		b->cycles++;
		s->cycle++;
		s->step = STEP_OFFER;
	} else {
		s->step++;
	}
	if (start_request(b, idx, t) != 0)
		b->failures++;
}

static void retransmit_due(struct bench *b, uint64_t t)
{
	unsigned i;

	for (i = 0; i < b->inflight; i++) {
		struct slot *s = &b->slots[i];

		if (s->sent_us && t - s->last_tx_us >= RETRANSMIT_US) {
			transmit(b, i, t);
			b->retransmits++;
		}
	}
}

static bool any_pending(const struct bench *b)
{
	unsigned i;

	for (i = 0; i < b->inflight; i++)
		if (b->slots[i].sent_us)
			return true;
	return false;
}

/* utime + stime of @pid in seconds, or -1. */
static double proc_cpu_seconds(int pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut, st;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	/* after ")": state, ppid, pgrp, session, tty, tpgid, flags, minflt,
	 * cminflt, majflt, cmajflt, utime, stime (fields 3..15) */
	ok = p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) == 2;
	return ok ? (double)(ut + st) / (double)sysconf(_SC_CLK_TCK) : -1;
}

/* VmRSS of @pid in MiB, or -1. */
static double proc_rss_mib(int pid)
{
	char path[64], line[256];
	double kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lf kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib / 1024;
}

/* Runs the load for @seconds, then waits up to 2 s for the requests in
 * flight to be answered (not counted). */
static int run_load(struct bench *b, double seconds, int pid, double *cpu_end)
{
	static char buf[DATAGRAM_MAX];
	uint64_t start = now_us(), end = start + (uint64_t)(seconds * 1e6);
	uint64_t drain_end = end + 2000000, t;
	struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
	unsigned i;
	ssize_t n;

	for (i = 0; i < b->inflight; i++)
		if (start_request(b, i, start) != 0)
			return -1;
	for (t = start; t < drain_end; t = now_us()) {
		bool stopping = t >= end;

		if (stopping && *cpu_end < 0 && pid)
			*cpu_end = proc_cpu_seconds(pid);
		if (stopping && !any_pending(b))
			break;
		if (poll(&pfd, 1, 10) > 0) {
			while ((n = recv(b->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
				buf[n] = '\0';
				on_reply(b, buf, (size_t)n, now_us() >= end);
			}
		}
		retransmit_due(b, now_us());
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double percentile_ms(const struct bench *b, double p)
{
	size_t i;

	if (!b->nlat)
		return 0;
	i = (size_t)(p * (double)(b->nlat - 1));
	return b->lat_us[i] / 1000.0;
}

static void print_header(void)
{
	printf("%-12s %9s %10s %8s %8s %14s %8s %7s %7s\n", "daemon",
	       "cycles/s", "requests/s", "p50 ms", "p99 ms", "cpu s/1000req",
	       "rss MiB", "failed", "retx");
}

static void print_row(struct bench *b, double secs, double cpu, double rss)
{
	double per_1000 = cpu >= 0 && b->requests ?
		cpu * 1000 / (double)b->requests : -1;

	qsort(b->lat_us, b->nlat, sizeof(*b->lat_us), cmp_u32);
	printf("%-12s %9.0f %10.0f %8.3f %8.3f %14.4f %8.1f %7" PRIu64
	       " %7" PRIu64 "\n", b->label, (double)b->cycles / secs,
	       (double)b->requests / secs, percentile_ms(b, 0.50),
	       percentile_ms(b, 0.99), per_1000, rss, b->failures,
	       b->retransmits);
}

static int open_socket(const char *host, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd, size = 4 << 20;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "ng_bench: bad IPv4 address '%s'\n", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ng_bench: socket");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: ng_bench --port P [--host ADDR] [--seconds T] "
		"[--inflight N] [--pid PID] [--label NAME] | --header\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 't' },
		{ "inflight", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'P' },
		{ "label", required_argument, NULL, 'l' },
		{ "header", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .inflight = 8, .label = "daemon" };
	const char *host = "127.0.0.1";
	double seconds = 10, cpu0 = -1, cpu1 = -1, secs;
	int port = 0, pid = 0, c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'n': b.inflight = (unsigned)atoi(optarg); break;
		case 'P': pid = atoi(optarg); break;
		case 'l': b.label = optarg; break;
		case 'h': print_header(); return 0;
		default: usage(); return 1;
		}
	}
	if (port <= 0 || port > 65535 || seconds <= 0 || b.inflight == 0 ||
	    b.inflight > MAX_INFLIGHT) {
		usage();
		return 1;
	}
	b.fd = open_socket(host, port);
	b.slots = calloc(b.inflight, sizeof(*b.slots));
	if (b.fd < 0 || !b.slots)
		return 1;
	b.id = (unsigned)getpid() ^ (unsigned)now_us();
	if (pid)
		cpu0 = proc_cpu_seconds(pid);
	rc = run_load(&b, seconds, pid, &cpu1);
	secs = seconds;
	if (rc == 0)
		print_row(&b, secs, cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1,
			  pid ? proc_rss_mib(pid) : -1);
	free(b.slots);
	free(b.lat_us);
	close(b.fd);
	return rc ? 1 : 0;
}
