/* rtpgate-ctl - sends one command to rtpgated's CLI port and prints the
 * answer (see rtpgate-ctl.1):
 *
 *   rtpgate-ctl [-ip ADDR] [-port PORT] COMMAND WORDS...
 *
 * The words are joined by spaces into one line; the daemon answers and
 * closes the connection. Exit 0 after an answer, 1 when the answer is an
 * error line, the daemon cannot be reached, or the usage is wrong.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "tool_net.h"

#define PROG "rtpgate-ctl"
#define DEFAULT_IP "127.0.0.1"
#define DEFAULT_PORT "9900"
#define CONNECT_TIMEOUT_MS 3000
#define ANSWER_TIMEOUT_MS 10000

struct options {
	const char *ip, *port;
	char **words;
	int nwords;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-ip ADDR] [-port PORT] COMMAND [WORDS...]\n"
		"  sends COMMAND WORDS... to rtpgated's CLI port (default "
		DEFAULT_IP ":" DEFAULT_PORT ") and prints the answer\n"
		"  e.g. " PROG " list totals; " PROG " help lists the commands\n");
}

/* 0, 1 to exit 0 at once (help), -1 on a usage error (reported). */
static int parse_args(int argc, char **argv, struct options *o)
{
	int i;

	o->ip = DEFAULT_IP;
	o->port = DEFAULT_PORT;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i] + (argv[i][1] == '-' ? 2 : 1);

		if (strcmp(a, "h") == 0 || strcmp(a, "help") == 0) {
			usage(stdout);
			return 1;
		}
		if (strcmp(a, "") == 0) {	/* "--": words follow */
			i++;
			break;
		}
		if ((strcmp(a, "ip") && strcmp(a, "port")) || i + 1 >= argc) {
			fprintf(stderr, PROG ": unknown option or missing value: '%s'\n", argv[i]);
			usage(stderr);
			return -1;
		}
		*(strcmp(a, "ip") ? &o->port : &o->ip) = argv[++i];
	}
	o->words = argv + i;
	o->nwords = argc - i;
	if (o->nwords < 1) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int send_line(int fd, const struct options *o)
{
	struct rg_buf line;
	size_t off = 0;
	ssize_t n;
	int i, rc = 0;

	rg_buf_init(&line, 0);
	for (i = 0; i < o->nwords; i++) {
		if (i)
			rg_buf_append_char(&line, ' ');
		rg_buf_append_str(&line, o->words[i]);
	}
	rg_buf_append_char(&line, '\n');
	while (!rg_buf_finish(&line) && off < line.len) {
		n = send(fd, line.data + off, line.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, PROG ": sending the command: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		off += (size_t)n;
	}
	rg_buf_free(&line);
	shutdown(fd, SHUT_WR);	/* one command per connection */
	return rc;
}

/* Copies the answer to stdout. 0, 1 when it is an error line, -1 when
 * none came. */
static int print_answer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[65536], first[7] = "";
	size_t got = 0;
	ssize_t n;

	for (;;) {
		if (poll(&p, 1, ANSWER_TIMEOUT_MS) == 0) {
			fprintf(stderr, PROG ": no answer within %d s\n", ANSWER_TIMEOUT_MS / 1000);
			return -1;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(first) - 1)
			memcpy(first + got, buf, (size_t)n < sizeof(first) - 1 - got ?
			       (size_t)n : sizeof(first) - 1 - got);
		got += (size_t)n;
		fwrite(buf, 1, (size_t)n, stdout);
	}
	if (n < 0)
		fprintf(stderr, PROG ": reading the answer: %s\n", strerror(errno));
	if (!got) {
		fprintf(stderr, PROG ": the daemon closed the connection without an answer\n");
		return -1;
	}
	fflush(stdout);
	return strncmp(first, "error:", 6) == 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o;
	int fd, rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 1;
	fd = tool_connect(PROG, o.ip, o.port, SOCK_STREAM, CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		fprintf(stderr, PROG ": is rtpgated running with its CLI port (--listen-cli) on %s:%s?\n",
			o.ip, o.port);
		return 1;
	}
	rc = send_line(fd, &o);
	if (!rc)
		rc = print_answer(fd);
	close(fd);
	return rc ? 1 : 0;
}
