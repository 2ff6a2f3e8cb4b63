/* rtpgate-ng - sends one NG command to rtpgated (or any NG server) from a
 * shell and prints the reply (see rtpgate-ng.1):
 *
 *   rtpgate-ng [--ng HOST:PORT] COMMAND [--call-id X] [--from-tag X]
 *              [--to-tag X] [--sdp-file F | --sdp -|TEXT] [--flag F]...
 *              [KEY=VALUE]... [KEY=[V1,V2]]...
 *
 * The request goes out as "COOKIE SP BENCODED-DICT" over UDP with a random
 * cookie; without a reply in --timeout ms it is sent again, the same bytes
 * with the same cookie, up to --retries times (what Kamailio's rtpengine
 * module does, so the daemon answers a retransmission from its cache).
 * Exit 0 when the reply's result is "ok" or "pong", 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "bencode.h"
#include "bencode_json.h"
#include "buf.h"
#include "tool_net.h"

#define PROG "rtpgate-ng"
#define DEFAULT_NG "127.0.0.1:2223"
#define SDP_MAX (1u << 20)
#define DATAGRAM_MAX 65535

struct options {
	const char *ng;
	int timeout_ms, retries;
	const char *command;
	const char *sdp_file, *sdp;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--ng HOST:PORT] [--timeout MS] [--retries N] COMMAND\n"
		"           [--call-id X] [--from-tag X] [--to-tag X] [--sdp-file F | --sdp -|TEXT]\n"
		"           [--flag F]... [KEY=VALUE]... [KEY=[V1,V2,...]]...\n"
		"  COMMAND: ping, offer, answer, delete, query, list, statistics, ...\n"
		"  default NG server " DEFAULT_NG ", timeout 1000 ms, 5 retries\n");
}

/* "[V6]:PORT", "HOST:PORT" or "PORT" (host 127.0.0.1). 0 or -1. */
static int split_hostport(const char *s, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon = strrchr(s, ':');
	const char *h = "127.0.0.1", *p = s;
	size_t hlen = strlen(h);

	if (colon && (s[0] == '[' || strchr(s, ':') == colon)) {
		h = s;
		hlen = (size_t)(colon - s);
		p = colon + 1;
	}
	if (hlen >= hsize || strlen(p) >= psize || !*p || strspn(p, "0123456789") != strlen(p))
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	strcpy(port, p);
	return 0;
}

/* A copy of @s in @a with its comma-separated items as a list, for
 * "[a,b,c]"; "[]" is an empty list. */
static struct bencode_item *list_value(struct rg_arena *a, const char *s, size_t len)
{
	struct bencode_item *list = bencode_list_new(a);
	const char *end = s + len, *comma;

	while (list && s < end) {
		comma = memchr(s, ',', (size_t)(end - s));
		if (!comma)
			comma = end;
		if (bencode_list_add(list, bencode_strn_new(a, s, (size_t)(comma - s))))
			return NULL;
		s = comma + 1;
	}
	return list;
}

/* KEY=VALUE, or KEY=[V1,V2] for a list. 0, or -1 (reported). */
static int add_pair(struct rg_arena *a, struct bencode_item *dict, const char *arg)
{
	const char *eq = strchr(arg, '=');
	const char *v = eq + 1;
	size_t vlen = strlen(v);
	char *key = rg_arena_strndup(a, arg, (size_t)(eq - arg));
	struct bencode_item *value;

	if (!key || !*key || bencode_dict_get(dict, key)) {
		fprintf(stderr, PROG ": '%s': the key is empty or given twice\n", arg);
		return -1;
	}
	if (vlen >= 2 && v[0] == '[' && v[vlen - 1] == ']')
		value = list_value(a, v + 1, vlen - 2);
	else
		value = bencode_strn_new(a, v, vlen);
	return bencode_dict_add(a, dict, key, value) ? 0 : -1;
}

/* The SDP body from @path ("-": stdin), at most SDP_MAX bytes. */
static int read_sdp(struct rg_arena *a, struct bencode_item *dict, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *body = rg_arena_alloc(a, SDP_MAX + 1);
	size_t n = 0;

	if (!f || !body) {
		fprintf(stderr, PROG ": cannot read SDP from '%s': %s\n", path,
			f ? "out of memory" : strerror(errno));
		if (f && f != stdin)
			fclose(f);
		return -1;
	}
	n = fread(body, 1, SDP_MAX + 1, f);
	if (f != stdin)
		fclose(f);
	if (n > SDP_MAX) {
		fprintf(stderr, PROG ": SDP in '%s' is larger than %u bytes\n", path, SDP_MAX);
		return -1;
	}
	return bencode_dict_add_strn(a, dict, "sdp", body, n) ? 0 : -1;
}

static const char *next_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, PROG ": option %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* An option with a value that is a key of the request, or NULL. */
static const char *request_key(const char *opt)
{
	static const char *const keys[] = { "call-id", "from-tag", "to-tag", "via-branch", "label" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strncmp(opt, "--", 2) == 0 && strcmp(opt + 2, keys[i]) == 0)
			return keys[i];
	return NULL;
}

/* One option or word of the command line into @o or @req. 0 or -1. */
static int parse_one(struct rg_arena *a, int argc, char **argv, int *i,
		     struct options *o, struct bencode_item *req, struct bencode_item *flags)
{
	const char *arg = argv[*i], *key = request_key(arg), *v;

	if (arg[0] != '-') {
		if (strchr(arg, '='))
			return add_pair(a, req, arg);
		if (o->command) {
			fprintf(stderr, PROG ": a second command '%s' (KEY=VALUE adds keys)\n", arg);
			return -1;
		}
		o->command = arg;
		return 0;
	}
	v = next_value(argc, argv, i);
	if (!v)
		return -1;
	if (key)
		return bencode_dict_add_str(a, req, key, v) ? 0 : -1;
	if (strcmp(arg, "--flag") == 0)
		return bencode_list_add(flags, bencode_str_new(a, v)) ? -1 : 0;
	if (strcmp(arg, "--ng") == 0)
		o->ng = v;
	else if (strcmp(arg, "--sdp-file") == 0)
		o->sdp_file = v;
	else if (strcmp(arg, "--sdp") == 0)
		o->sdp = v;
	else if (strcmp(arg, "--timeout") == 0)
		o->timeout_ms = atoi(v);
	else if (strcmp(arg, "--retries") == 0)
		o->retries = atoi(v);
	else {
		fprintf(stderr, PROG ": unknown option '%s'\n", arg);
		return -1;
	}
	return 0;
}

/* Builds the request dict from the command line. NULL on a usage error
 * (reported), 1 in *@help for --help. */
static struct bencode_item *build_request(struct rg_arena *a, int argc, char **argv,
					  struct options *o, int *help)
{
	struct bencode_item *req = bencode_dict_new(a), *keys = bencode_dict_new(a);
	struct bencode_item *flags = bencode_list_new(a);
	int i;

	for (i = 1; req && keys && flags && i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			*help = 1;
			return NULL;
		}
		if (parse_one(a, argc, argv, &i, o, keys, flags))
			return NULL;
	}
	if (!req || !keys || !flags || !o->command || o->timeout_ms <= 0 || o->retries < 0) {
		fprintf(stderr, PROG ": %s\n", !o->command ? "no command given" :
			"--timeout wants milliseconds > 0, --retries a count >= 0");
		return NULL;
	}
	bencode_dict_add_str(a, req, "command", o->command);
	if (keys->child) {	/* after "command", in the order given */
		req->last->next = keys->child;
		req->last = keys->last;
		req->count += keys->count;
	}
	if (flags->child && bencode_dict_get(req, "flags")) {
		fprintf(stderr, PROG ": use either --flag or flags=[...], not both\n");
		return NULL;
	}
	if (flags->child)
		bencode_dict_add(a, req, "flags", flags);
	if (o->sdp_file || (o->sdp && strcmp(o->sdp, "-") == 0))
		return read_sdp(a, req, o->sdp_file ? o->sdp_file : "-") ? NULL : req;
	if (o->sdp)
		bencode_dict_add_str(a, req, "sdp", o->sdp);
	return req;
}

static void new_cookie(char *out, size_t size)
{
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		unsigned long x = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);

		memcpy(r, &x, sizeof(r) < sizeof(x) ? sizeof(r) : sizeof(x));
	}
	for (i = 0; i < sizeof(r) && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Waits up to @timeout_ms for a datagram starting with "@cookie ". Its
 * length, 0 on timeout, -1 on an error (reported). */
static ssize_t await_reply(int fd, const char *cookie, char *buf, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t clen = strlen(cookie);
	ssize_t n;

	while (poll(&p, 1, timeout_ms) > 0) {
		n = recv(fd, buf, DATAGRAM_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, PROG ": %s%s\n", strerror(errno), errno == ECONNREFUSED ?
				" (is an NG server listening there?)" : "");
			return -1;
		}
		if ((size_t)n > clen && memcmp(buf, cookie, clen) == 0 && buf[clen] == ' ')
			return n;
		/* a late reply to an earlier request: keep waiting (a bit longer) */
	}
	return 0;
}

/* Sends @msg and retransmits it until a reply comes. Its length, or -1. */
static ssize_t exchange(int fd, const struct options *o, const struct rg_buf *msg,
			const char *cookie, char *reply)
{
	ssize_t n = 0;
	int i;

	for (i = 0; i <= o->retries && n == 0; i++) {
		if (send(fd, msg->data, msg->len, 0) < 0) {
			fprintf(stderr, PROG ": sending to %s: %s\n", o->ng, strerror(errno));
			return -1;
		}
		n = await_reply(fd, cookie, reply, o->timeout_ms);
	}
	if (n == 0)
		fprintf(stderr, PROG ": no reply from %s after %d tries of %d ms\n", o->ng,
			o->retries + 1, o->timeout_ms);
	return n > 0 ? n : -1;
}

/* Decodes and prints the reply body. 0 for result ok or pong, else 1. */
static int print_reply(struct rg_arena *a, const char *body, size_t len)
{
	struct bencode_item *reply = NULL, *result;
	const char *err = NULL;
	struct rg_buf out;

	if (bencode_decode(a, body, len, &bencode_ng_limits, &reply, &err)) {
		fprintf(stderr, PROG ": the reply is not bencode (%s): %.*s\n",
			err ? err : "malformed", (int)(len > 200 ? 200 : len), body);
		return 1;
	}
	rg_buf_init(&out, 0);
	bencode_json_write(reply, &out, BENCODE_JSON_READABLE);
	rg_buf_append_char(&out, '\n');
	if (!rg_buf_finish(&out))
		fwrite(out.data, 1, out.len, stdout);
	rg_buf_free(&out);
	result = bencode_dict_get(reply, "result");
	return bencode_str_eq(result, "ok") || bencode_str_eq(result, "pong") ? 0 : 1;
}

static int run(struct rg_arena *a, const struct options *o, const struct bencode_item *req)
{
	char host[256], port[16], cookie[17] = "", *reply = rg_arena_alloc(a, DATAGRAM_MAX + 1);
	struct rg_buf msg;
	ssize_t n;
	int fd, rc = 1;

	if (split_hostport(o->ng, host, sizeof(host), port, sizeof(port))) {
		fprintf(stderr, PROG ": --ng '%s' is not HOST:PORT\n", o->ng);
		return 1;
	}
	fd = tool_connect(PROG, host, port, SOCK_DGRAM, 0);
	if (fd < 0 || !reply) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	new_cookie(cookie, sizeof(cookie));
	rg_buf_init(&msg, DATAGRAM_MAX);
	rg_buf_appendf(&msg, "%s ", cookie);
	bencode_encode(req, &msg);
	if (rg_buf_finish(&msg))
		fprintf(stderr, PROG ": the request does not fit in a datagram\n");
	else if ((n = exchange(fd, o, &msg, cookie, reply)) > 0)
		rc = print_reply(a, reply + strlen(cookie) + 1, (size_t)n - strlen(cookie) - 1);
	rg_buf_free(&msg);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { .ng = DEFAULT_NG, .timeout_ms = 1000, .retries = 5 };
	struct rg_arena *a = rg_arena_create(0);
	struct bencode_item *req;
	int help = 0, rc = 1;

	if (!a)
		return 1;
	req = build_request(a, argc, argv, &o, &help);
	if (help)
		usage(stdout);
	else if (!req)
		usage(stderr);
	else
		rc = run(a, &o, req);
	rg_arena_destroy(a);
	return help ? 0 : rc;
}
