/* tool_net.c - see tool_net.h. */
#include "tool_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* connect() that gives up after @timeout_ms; leaves @fd blocking. */
static int connect_timeout(int fd, const struct addrinfo *ai, int timeout_ms)
{
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -1;
		if (poll(&p, 1, timeout_ms) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return -1;
		if (err) {
			errno = err;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, flags);
}

int tool_connect(const char *prog, const char *host, const char *port,
		 int socktype, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = socktype }, *res, *ai;
	size_t len = strlen(host);
	char name[256];
	int fd = -1, rc, err = 0;

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), host + 1);
	else
		snprintf(name, sizeof(name), "%s", host);
	rc = getaddrinfo(name, port, &hints, &res);
	if (rc) {
		fprintf(stderr, "%s: cannot resolve '%s' port '%s': %s\n", prog, host,
			port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect_timeout(fd, ai, timeout_ms) == 0)
			break;
		err = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "%s: cannot connect to %s port %s: %s\n", prog, host,
			port, strerror(err));
	return fd;
}
