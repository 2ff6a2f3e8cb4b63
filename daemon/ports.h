/* ports.h - the media port allocator of one local address.
 *
 * A pool hands out RTP/RTCP port pairs (an even RTP port P and RTCP on
 * P + 1) from a configured range, as two bound UDP sockets. Free ports wait
 * in a FIFO queue, so a port just given back is the last to be handed out
 * again: a late packet of a finished call is unlikely to reach a new one.
 * A port that another program holds is skipped and tried again later.
 *
 * Locking: none. A pool is used from the control thread only; it is not
 * thread-safe.
 */
#ifndef RG_PORTS_H
#define RG_PORTS_H

#include <sys/socket.h>

struct rg_port_pool;

struct rg_port_pair {
	unsigned rtp_port;	/* even; RTCP is rtp_port + 1 */
	int rtp_fd;		/* bound UDP socket, non-blocking, close-on-exec */
	int rtcp_fd;
};

/* A pool over the even ports P in [min, max] with P + 1 <= max, bound on
 * @local (AF_INET or AF_INET6; its port is ignored, the address is copied).
 * min and max must be in 1..65535 with min <= max. Returns NULL with errno
 * EINVAL when the arguments are bad or the range holds no pair, ENOMEM when
 * memory is out. The caller owns the pool (rg_port_pool_destroy). */
struct rg_port_pool *rg_port_pool_create(const struct sockaddr *local,
					 socklen_t local_len,
					 unsigned min, unsigned max);

/* Frees the pool (NULL is allowed). Pairs still taken are not closed: their
 * fds belong to the takers, who must not put them back afterwards. */
void rg_port_pool_destroy(struct rg_port_pool *pool);

/* Takes the next free pair in FIFO order and binds both sockets (UDP,
 * non-blocking, close-on-exec, no SO_REUSEADDR, IPV6_V6ONLY on IPv6).
 * A port that cannot be bound because it is in use (EADDRINUSE, RTP or
 * RTCP) goes to the back of the queue and the next one is tried; after one
 * full pass, -ENOSPC. Any other error (EMFILE, EADDRNOTAVAIL, EACCES, ...)
 * is returned as a negative errno and the port stays at the head of the
 * queue. On 0 the caller owns both fds and gives them back with
 * rg_port_pool_put(); on error @out is set to { 0, -1, -1 }. */
int rg_port_pool_take(struct rg_port_pool *pool, struct rg_port_pair *out);

/* Closes both fds of @pair (those that are >= 0), sets them to -1 and
 * queues its port at the back. A pair that this pool did not hand out, or
 * one put back twice, only has its fds closed. */
void rg_port_pool_put(struct rg_port_pool *pool, struct rg_port_pair *pair);

/* Datagrams the kernel has dropped at socket @fd since it was opened,
 * before rtpgated could read them (its receive queue was full; rarely a
 * bad UDP checksum): SO_MEMINFO's drop count. 0 for fd -1 or on error. */
uint64_t rg_socket_drops(int fd);

/* rg_socket_drops() of one socket as last read, for reading every port's
 * count cheaply. Starts zeroed. */
struct rg_drops_cache {
	uint64_t value;
	uint32_t gen;
};

/* Starts a pass over many sockets' drop counts: reads the network
 * namespace's UDP and UDPv6 InErrors (/proc/net/snmp, snmp6). The kernel
 * counts every datagram it drops at a socket there too, after the
 * socket's own count; while the sum stays as it was, no socket's count has
 * moved and cached values stand. When it moved, or cannot be read, every
 * cache is stale. Control thread only. */
void rg_socket_drops_refresh(void);

/* rg_socket_drops(@fd) through @cache: a system call only when the last
 * rg_socket_drops_refresh() found the namespace's errors moved since
 * @cache was filled. */
uint64_t rg_socket_drops_cached(int fd, struct rg_drops_cache *cache);

/* The number of pairs in the range. */
unsigned rg_port_pool_total(const struct rg_port_pool *pool);

/* The number of pairs taken now. */
unsigned rg_port_pool_used(const struct rg_port_pool *pool);

#endif
