/* tool_net.h - what the operator tools (rtpgate-ctl, rtpgate-ng) share:
 * connecting a socket to a host and port given on the command line. */
#ifndef RG_TOOL_NET_H
#define RG_TOOL_NET_H

/* Resolves @host (a name, an IPv4 or an IPv6 literal, brackets allowed)
 * and @port, and connects a socket of @socktype (SOCK_STREAM or
 * SOCK_DGRAM) to the first address that takes it, waiting at most
 * @timeout_ms for a TCP connection. Returns the connected, blocking,
 * close-on-exec fd, or -1 after printing "@prog: ..." to stderr. */
int tool_connect(const char *prog, const char *host, const char *port,
		 int socktype, int timeout_ms);

#endif
