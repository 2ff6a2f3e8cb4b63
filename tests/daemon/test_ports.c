/* test_ports.c - the media port allocator, on real loopback sockets.
 *
 * Ranges stay within 41000-41999 so as not to meet the daemon's
 * integration tests (20000-39999) or test_interface (42000-42999).
 */
/* needs: ports addr */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ports.h"
#include "test.h"

static struct sockaddr_in v4(const char *text)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };

	inet_pton(AF_INET, text, &sin.sin_addr);
	return sin;
}

static struct rg_port_pool *pool_v4(unsigned min, unsigned max)
{
	struct sockaddr_in sin = v4("127.0.0.1");

	return rg_port_pool_create((struct sockaddr *)&sin, sizeof(sin), min, max);
}

/* The port @fd is bound on, and its address as text in @text. */
static unsigned bound_port(int fd, char *text, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, text, size);
		return ntohs(sin->sin_port);
	}
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, size);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static bool nonblocking_cloexec(int fd)
{
	return (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* A plain UDP socket bound on 127.0.0.1:@port, standing for another program. */
static int hold_port(unsigned port)
{
	struct sockaddr_in sin = v4("127.0.0.1");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sin.sin_port = htons((uint16_t)port);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void pair_is_even_rtp_and_next_rtcp_on_the_address(void)
{
	struct rg_port_pool *pool = pool_v4(41000, 41019);
	struct rg_port_pair pair;
	char a1[64] = "", a2[64] = "";
	unsigned p1, p2;
	bool flags;
	int rc;

	CHECK(pool);
	rc = rg_port_pool_take(pool, &pair);
	p1 = rc ? 0 : bound_port(pair.rtp_fd, a1, sizeof(a1));
	p2 = rc ? 0 : bound_port(pair.rtcp_fd, a2, sizeof(a2));
	flags = !rc && nonblocking_cloexec(pair.rtp_fd) &&
		nonblocking_cloexec(pair.rtcp_fd);
	rg_port_pool_put(pool, &pair);
	rg_port_pool_destroy(pool);
	CHECK_INT(rc, 0);
	CHECK_INT(pair.rtp_port % 2, 0);
	CHECK(pair.rtp_port >= 41000 && pair.rtp_port <= 41018);
	CHECK_INT(p1, pair.rtp_port);
	CHECK_INT(p2, pair.rtp_port + 1);
	CHECK_STR(a1, "127.0.0.1");
	CHECK_STR(a2, "127.0.0.1");
	CHECK(flags);
	CHECK_INT(pair.rtp_fd, -1);
	CHECK_INT(pair.rtcp_fd, -1);
}

static void port_held_by_another_socket_is_skipped(void)
{
	struct rg_port_pool *pool = pool_v4(41020, 41025);
	struct rg_port_pair a, b, c;
	int rtcp_holder = hold_port(41021), rtp_holder = hold_port(41022);
	int rc_a, rc_b, rc_c;

	CHECK(pool);
	rc_a = rg_port_pool_take(pool, &a);
	rc_b = rg_port_pool_take(pool, &b);
	if (rtcp_holder >= 0)
		close(rtcp_holder);
	if (rtp_holder >= 0)
		close(rtp_holder);
	rc_c = rg_port_pool_take(pool, &c);
	rg_port_pool_put(pool, &a);
	rg_port_pool_put(pool, &c);
	rg_port_pool_destroy(pool);
	CHECK(rtcp_holder >= 0 && rtp_holder >= 0);
	CHECK_INT(rc_a, 0);
	CHECK_INT(a.rtp_port, 41024);
	CHECK_INT(rc_b, -ENOSPC);
	CHECK_INT(b.rtp_fd, -1);
	CHECK_INT(rc_c, 0);
	CHECK_INT(c.rtp_port, 41020);
}

static void just_freed_port_is_the_last_handed_out_again(void)
{
	struct rg_port_pool *pool = pool_v4(41030, 41035);
	struct rg_port_pair first, p[3];
	int rc = rg_port_pool_take(pool, &first), i, rcs = 0;
	unsigned freed = first.rtp_port;

	rg_port_pool_put(pool, &first);
	for (i = 0; i < 3; i++)
		rcs |= rg_port_pool_take(pool, &p[i]);
	for (i = 0; i < 3; i++)
		rg_port_pool_put(pool, &p[i]);
	rg_port_pool_destroy(pool);
	CHECK_INT(rc, 0);
	CHECK_INT(rcs, 0);
	CHECK(p[0].rtp_port != freed);
	CHECK(p[1].rtp_port != freed);
	CHECK_INT(p[2].rtp_port, freed);
}

static void full_pool_gives_enospc_until_a_pair_is_put_back(void)
{
	struct rg_port_pool *pool = pool_v4(41040, 41059);
	struct rg_port_pair p[10], extra, again;
	int i, rcs = 0, rc_full, rc_again;

	CHECK(pool);
	for (i = 0; i < 10; i++)
		rcs |= rg_port_pool_take(pool, &p[i]);
	rc_full = rg_port_pool_take(pool, &extra);
	rg_port_pool_put(pool, &p[4]);
	rc_again = rg_port_pool_take(pool, &again);
	p[4] = again;
	for (i = 0; i < 10; i++)
		rg_port_pool_put(pool, &p[i]);
	rg_port_pool_destroy(pool);
	CHECK_INT(rcs, 0);
	CHECK_INT(rc_full, -ENOSPC);
	CHECK_INT(extra.rtp_fd, -1);
	CHECK_INT(extra.rtcp_fd, -1);
	CHECK_INT(rc_again, 0);
	CHECK_INT(again.rtp_port, 41048);
}

static void total_and_used_count_pairs(void)
{
	struct rg_port_pool *pool = pool_v4(41060, 41079);
	struct rg_port_pair p[3];
	unsigned total, used0, used3, used2;
	int i, rcs = 0;

	CHECK(pool);
	total = rg_port_pool_total(pool);
	used0 = rg_port_pool_used(pool);
	for (i = 0; i < 3; i++)
		rcs |= rg_port_pool_take(pool, &p[i]);
	used3 = rg_port_pool_used(pool);
	rg_port_pool_put(pool, &p[1]);
	used2 = rg_port_pool_used(pool);
	rg_port_pool_put(pool, &p[0]);
	rg_port_pool_put(pool, &p[2]);
	CHECK_INT(rg_port_pool_used(pool), 0);
	rg_port_pool_destroy(pool);
	CHECK_INT(rcs, 0);
	CHECK_INT(total, 10);
	CHECK_INT(used0, 0);
	CHECK_INT(used3, 3);
	CHECK_INT(used2, 2);
}

static void odd_bounds_keep_only_complete_pairs(void)
{
	struct rg_port_pool *odd = pool_v4(41081, 41090);
	struct rg_port_pool *top = pool_v4(65534, 65535);
	struct rg_port_pair p;
	int rc = odd ? rg_port_pool_take(odd, &p) : -1;
	unsigned odd_total = odd ? rg_port_pool_total(odd) : 0;
	unsigned top_total = top ? rg_port_pool_total(top) : 0;

	if (!rc)
		rg_port_pool_put(odd, &p);
	rg_port_pool_destroy(odd);
	rg_port_pool_destroy(top);
	CHECK_INT(rc, 0);
	CHECK_INT(p.rtp_port, 41082);
	CHECK_INT(odd_total, 4);	/* 41082 41084 41086 41088 */
	CHECK_INT(top_total, 1);
}

static void range_without_a_complete_pair_or_reversed_is_refused(void)
{
	struct sockaddr_in sin = v4("127.0.0.1");
	struct sockaddr_storage other = { .ss_family = AF_UNIX };

	CHECK(pool_v4(41101, 41102) == NULL);
	CHECK(pool_v4(41100, 41100) == NULL);
	CHECK(pool_v4(41101, 41101) == NULL);
	CHECK(pool_v4(41110, 41100) == NULL);
	CHECK_INT(errno, EINVAL);
	CHECK(pool_v4(0, 1) == NULL);
	CHECK(pool_v4(65535, 65535) == NULL);
	CHECK(pool_v4(41100, 65536) == NULL);
	CHECK(pool_v4(41100, 4000000000u) == NULL);
	CHECK(rg_port_pool_create(NULL, 0, 41100, 41109) == NULL);
	CHECK(rg_port_pool_create((struct sockaddr *)&sin, 4, 41100, 41109) == NULL);
	CHECK(rg_port_pool_create((struct sockaddr *)&other, sizeof(other),
				  41100, 41109) == NULL);
}

static void ipv6_pairs_bind_on_the_loopback_address(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct rg_port_pool *pool;
	struct rg_port_pair pair;
	char a1[64] = "", a2[64] = "";
	int probe = socket(AF_INET6, SOCK_DGRAM, 0), v6only = 0, rc;
	socklen_t len = sizeof(v6only);
	unsigned p1 = 0, p2 = 0;

	if (probe < 0 || bind(probe, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		printf("    skipped: ::1 is not available here\n");
		if (probe >= 0)
			close(probe);
		return;
	}
	close(probe);
	pool = rg_port_pool_create((struct sockaddr *)&sin6, sizeof(sin6), 41120, 41129);
	CHECK(pool);
	rc = rg_port_pool_take(pool, &pair);
	if (!rc) {
		p1 = bound_port(pair.rtp_fd, a1, sizeof(a1));
		p2 = bound_port(pair.rtcp_fd, a2, sizeof(a2));
		getsockopt(pair.rtp_fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len);
		rg_port_pool_put(pool, &pair);
	}
	rg_port_pool_destroy(pool);
	CHECK_INT(rc, 0);
	CHECK_INT(p1, 41120);
	CHECK_INT(p2, 41121);
	CHECK_STR(a1, "::1");
	CHECK_STR(a2, "::1");
	CHECK_INT(v6only, 1);
}

static void no_fd_is_left_open_after_1000_takes_and_puts(void)
{
	struct rg_port_pool *pool = pool_v4(41140, 41149);
	struct rg_port_pair p[6];
	int before = count_fds(), i, j, bad = 0;

	CHECK(pool);
	for (i = 0; i < 1000; i++) {
		/* six takes from five pairs: the last one fails every time */
		for (j = 0; j < 6; j++)
			bad += rg_port_pool_take(pool, &p[j]) != (j < 5 ? 0 : -ENOSPC);
		for (j = 0; j < 6; j++)
			rg_port_pool_put(pool, &p[j]);
	}
	rg_port_pool_destroy(pool);
	CHECK_INT(bad, 0);
	CHECK_INT(count_fds(), before);
}

static void pair_put_back_twice_is_queued_once(void)
{
	struct rg_port_pool *pool = pool_v4(41160, 41163);
	struct rg_port_pair a, copy, b, c, d, foreign = { 41162, -1, -1 };
	int rc_b, rc_c, rc_d;

	CHECK(pool);
	CHECK_INT(rg_port_pool_take(pool, &a), 0);
	copy = a;
	rg_port_pool_put(pool, &a);
	copy.rtp_fd = copy.rtcp_fd = -1;
	rg_port_pool_put(pool, &copy);
	rg_port_pool_put(pool, &foreign);
	rc_b = rg_port_pool_take(pool, &b);
	rc_c = rg_port_pool_take(pool, &c);
	rc_d = rg_port_pool_take(pool, &d);
	CHECK_INT(rg_port_pool_used(pool), 2);
	rg_port_pool_put(pool, &b);
	rg_port_pool_put(pool, &c);
	rg_port_pool_destroy(pool);
	CHECK_INT(rc_b, 0);
	CHECK_INT(rc_c, 0);
	CHECK(b.rtp_port != c.rtp_port);
	CHECK_INT(rc_d, -ENOSPC);
}

static void bind_error_other_than_in_use_is_returned(void)
{
	struct sockaddr_in sin = v4("192.0.2.1");	/* TEST-NET-1, not local */
	struct rg_port_pool *pool;
	struct rg_port_pair p;
	int rc;

	pool = rg_port_pool_create((struct sockaddr *)&sin, sizeof(sin), 41180, 41189);
	CHECK(pool);
	rc = rg_port_pool_take(pool, &p);
	CHECK_INT(rg_port_pool_used(pool), 0);
	rg_port_pool_destroy(pool);
	CHECK_INT(rc, -EADDRNOTAVAIL);
	CHECK_INT(p.rtp_fd, -1);
	CHECK_INT(p.rtcp_fd, -1);
}

/* Fills @pair's RTP socket (a small receive buffer) until the kernel drops
 * datagrams at it. */
static void overflow(const struct rg_port_pair *pair)
{
	struct sockaddr_in to = v4("127.0.0.1");
	int small = 2048, s = socket(AF_INET, SOCK_DGRAM, 0), i;
	char pkt[1000];

	memset(pkt, 0x80, sizeof(pkt));
	to.sin_port = htons((uint16_t)pair->rtp_port);
	setsockopt(pair->rtp_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (i = 0; i < 200; i++)
		sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
	close(s);
}

static void cached_drop_count_is_read_again_once_udp_errors_moved(void)
{
	struct rg_port_pool *pool = pool_v4(41180, 41181);
	struct rg_drops_cache cache = { 0 };
	struct rg_port_pair pair;
	uint64_t first, kept, after, direct;

	CHECK(pool);
	CHECK_INT(rg_port_pool_take(pool, &pair), 0);
	rg_socket_drops_refresh();
	first = rg_socket_drops_cached(pair.rtp_fd, &cache);
	cache.value = 777;	/* within one pass, the cache stands */
	kept = rg_socket_drops_cached(pair.rtp_fd, &cache);
	overflow(&pair);
	rg_socket_drops_refresh();	/* the namespace's InErrors moved */
	after = rg_socket_drops_cached(pair.rtp_fd, &cache);
	direct = rg_socket_drops(pair.rtp_fd);
	rg_port_pool_put(pool, &pair);
	rg_port_pool_destroy(pool);
	CHECK_INT(first, 0);
	CHECK_INT(kept, 777);
	CHECK(direct > 0);
	CHECK_INT(after, direct);
}

static const struct test_case cases[] = {
	{ "a taken pair is an even RTP port and the next odd RTCP port, both bound on the pool's address",
	  pair_is_even_rtp_and_next_rtcp_on_the_address },
	{ "a port whose RTP or RTCP is held by another socket is skipped, not handed out",
	  port_held_by_another_socket_is_skipped },
	{ "a just-freed port is the last one handed out again",
	  just_freed_port_is_the_last_handed_out_again },
	{ "taking every pair and one more gives -ENOSPC, and putting one back makes take succeed again",
	  full_pool_gives_enospc_until_a_pair_is_put_back },
	{ "total counts the pairs in the range and used the pairs taken now",
	  total_and_used_count_pairs },
	{ "odd range bounds keep only complete even/odd pairs",
	  odd_bounds_keep_only_complete_pairs },
	{ "a range with no complete pair, a reversed range or a bad address gives NULL",
	  range_without_a_complete_pair_or_reversed_is_refused },
	{ "IPv6 pairs bind on ::1 with IPV6_V6ONLY",
	  ipv6_pairs_bind_on_the_loopback_address },
	{ "no fd is left open after taking and putting 1000 times",
	  no_fd_is_left_open_after_1000_takes_and_puts },
	{ "a pair put back twice, or one the pool never handed out, is queued once at most",
	  pair_put_back_twice_is_queued_once },
	{ "a bind error other than address-in-use is returned as a negative errno",
	  bind_error_other_than_in_use_is_returned },
	{ "a cached drop count stands within a pass and is read again once the namespace's UDP errors moved",
	  cached_drop_count_is_read_again_once_udp_errors_moved },
};

TEST_MAIN(cases)
