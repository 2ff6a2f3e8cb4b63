/* ports.c - the media port allocator: a FIFO ring of free even ports. */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/sock_diag.h>
#include <unistd.h>

#include "addr.h"
#include "ports.h"

/* The ring holds the free RTP ports, oldest first, starting at @head. Ports
 * not in the ring are taken; @taken (one flag per pair) tells which, so a
 * bad or repeated put cannot enqueue a port twice and overflow the ring. */
struct rg_port_pool {
	struct sockaddr_storage local;
	socklen_t local_len;
	unsigned first;		/* lowest RTP port of the range */
	unsigned total;		/* pairs in the range, ring capacity */
	unsigned head;
	unsigned count;		/* free ports in the ring */
	uint16_t *ring;
	bool *taken;
};

static bool local_ok(const struct sockaddr *local, socklen_t len)
{
	if (!local)
		return false;
	if (local->sa_family == AF_INET)
		return len >= sizeof(struct sockaddr_in);
	if (local->sa_family == AF_INET6)
		return len >= sizeof(struct sockaddr_in6);
	return false;
}

struct rg_port_pool *rg_port_pool_create(const struct sockaddr *local,
					 socklen_t local_len,
					 unsigned min, unsigned max)
{
	struct rg_port_pool *pool;
	unsigned first, i;

	if (!local_ok(local, local_len) || min < 1 || max > 65535 || min > max)
		goto invalid;
	first = (min + 1) & ~1u;
	if (first + 1 > max)
		goto invalid;
	pool = g_try_new0(struct rg_port_pool, 1);
	if (!pool)
		goto nomem;
	pool->first = first;
	pool->total = (max - first - 1) / 2 + 1;
	pool->ring = g_try_new(uint16_t, pool->total);
	pool->taken = g_try_new0(bool, pool->total);
	if (!pool->ring || !pool->taken)
		goto nomem_pool;
	pool->local_len = local->sa_family == AF_INET ?
		sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	memcpy(&pool->local, local, pool->local_len);
	for (i = 0; i < pool->total; i++)
		pool->ring[i] = (uint16_t)(first + 2 * i);
	pool->count = pool->total;
	return pool;

nomem_pool:
	rg_port_pool_destroy(pool);
nomem:
	errno = ENOMEM;
	return NULL;
invalid:
	errno = EINVAL;
	return NULL;
}

void rg_port_pool_destroy(struct rg_port_pool *pool)
{
	if (!pool)
		return;
	g_free(pool->ring);
	g_free(pool->taken);
	g_free(pool);
}

static unsigned pop_front(struct rg_port_pool *pool)
{
	unsigned port = pool->ring[pool->head];

	pool->head = (pool->head + 1) % pool->total;
	pool->count--;
	return port;
}

static void push_back(struct rg_port_pool *pool, unsigned port)
{
	pool->ring[(pool->head + pool->count) % pool->total] = (uint16_t)port;
	pool->count++;
}

static void push_front(struct rg_port_pool *pool, unsigned port)
{
	pool->head = (pool->head + pool->total - 1) % pool->total;
	pool->ring[pool->head] = (uint16_t)port;
	pool->count++;
}

/* A new UDP socket bound on the pool's address at @port: the fd, or a
 * negative errno. */
static int bind_port(const struct rg_port_pool *pool, unsigned port)
{
	struct sockaddr_storage sa = pool->local;
	int family = sa.ss_family, one = 1, fd, err;

	rg_addr_set_port(&sa, port);
	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, pool->local_len) < 0)
		goto fail;
	return fd;

fail:
	err = -errno;
	close(fd);
	return err;
}

/* Binds RTP and RTCP of @port into @out: 0, or a negative errno with
 * nothing left open. */
static int bind_pair(const struct rg_port_pool *pool, unsigned port,
		     struct rg_port_pair *out)
{
	int rtp, rtcp;

	rtp = bind_port(pool, port);
	if (rtp < 0)
		return rtp;
	rtcp = bind_port(pool, port + 1);
	if (rtcp < 0) {
		close(rtp);
		return rtcp;
	}
	out->rtp_port = port;
	out->rtp_fd = rtp;
	out->rtcp_fd = rtcp;
	return 0;
}

int rg_port_pool_take(struct rg_port_pool *pool, struct rg_port_pair *out)
{
	unsigned tries = pool->count, port;
	int err;

	out->rtp_port = 0;
	out->rtp_fd = -1;
	out->rtcp_fd = -1;
	while (tries--) {
		port = pop_front(pool);
		err = bind_pair(pool, port, out);
		if (err == 0) {
			pool->taken[(port - pool->first) / 2] = true;
			return 0;
		}
		if (err != -EADDRINUSE) {
			push_front(pool, port);
			return err;
		}
		push_back(pool, port);
	}
	return -ENOSPC;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

uint64_t rg_socket_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* InErrors of /proc/net/snmp, where a "Udp: InDatagrams NoPorts InErrors
 * ..." line of names is followed by a "Udp: 12 0 3 ..." line of values.
 * UINT64_MAX when it cannot be read. */
static uint64_t snmp_udp_in_errors(void)
{
	char names[1024], values[1024], *sn = NULL, *sv = NULL, *n, *v;
	uint64_t found = UINT64_MAX;
	FILE *f = fopen("/proc/net/snmp", "re");

	if (!f)
		return UINT64_MAX;
	while (fgets(names, sizeof(names), f)) {
		if (strncmp(names, "Udp: ", 5))
			continue;
		if (!fgets(values, sizeof(values), f) || strncmp(values, "Udp: ", 5))
			break;
		n = strtok_r(names, " \n", &sn);
		v = strtok_r(values, " \n", &sv);
		while (n && v && strcmp(n, "InErrors")) {
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		if (n && v && sscanf(v, "%" SCNu64, &found) != 1)
			found = UINT64_MAX;
		break;
	}
	fclose(f);
	return found;
}

/* Udp6InErrors of /proc/net/snmp6 ("Udp6InErrors  3" lines); 0 where the
 * kernel has no IPv6 (no file: no IPv6 socket either), UINT64_MAX when it
 * cannot be read. */
static uint64_t snmp6_udp_in_errors(void)
{
	char line[256];
	uint64_t found = UINT64_MAX;
	FILE *f = fopen("/proc/net/snmp6", "re");

	if (!f)
		return errno == ENOENT ? 0 : UINT64_MAX;
	while (found == UINT64_MAX && fgets(line, sizeof(line), f))
		if (sscanf(line, "Udp6InErrors %" SCNu64, &found) != 1)
			found = UINT64_MAX;
	fclose(f);
	return found;
}

static uint64_t drops_seen = UINT64_MAX;	/* InErrors, v4 + v6 */
static uint32_t drops_gen = 1;			/* a cache of another is stale */

void rg_socket_drops_refresh(void)
{
	uint64_t v4 = snmp_udp_in_errors(), v6 = snmp6_udp_in_errors();
	uint64_t now = v4 == UINT64_MAX || v6 == UINT64_MAX ? UINT64_MAX : v4 + v6;

	if (now == UINT64_MAX || now != drops_seen) {
		drops_gen++;
		drops_seen = now;
	}
}

uint64_t rg_socket_drops_cached(int fd, struct rg_drops_cache *cache)
{
	if (cache->gen != drops_gen) {
		cache->value = rg_socket_drops(fd);
		cache->gen = drops_gen;
	}
	return cache->value;
}

void rg_port_pool_put(struct rg_port_pool *pool, struct rg_port_pair *pair)
{
	unsigned port = pair->rtp_port, slot;

	close_fd(&pair->rtp_fd);
	close_fd(&pair->rtcp_fd);
	if (port < pool->first || (port - pool->first) % 2 != 0)
		return;
	slot = (port - pool->first) / 2;
	if (slot >= pool->total || !pool->taken[slot])
		return;
	pool->taken[slot] = false;
	push_back(pool, port);
}

unsigned rg_port_pool_total(const struct rg_port_pool *pool)
{
	return pool->total;
}

unsigned rg_port_pool_used(const struct rg_port_pool *pool)
{
	return pool->total - pool->count;
}
