/* ng_server.c - NG over UDP with a retransmission cache, see ng_server.h. */
#include "ng_server.h"

#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "log.h"
#include "ng.h"

#define NG_MAX_DATAGRAM 65535
#define NG_MAX_REPLY 65000	/* what fits in one UDP datagram, with margin */
#define NG_READS_PER_WAKEUP 64

struct cached_reply {
	GBytes *key;		/* cookie + sender address */
	char *data;		/* the whole reply datagram */
	size_t len;
	int64_t expires_us;
};

struct rg_ng_server {
	struct rg_ctx *ctx;
	int fd;
	guint watch;
	GHashTable *cache;	/* GBytes key -> struct cached_reply * */
	GQueue order;		/* cached replies, oldest first */
	char *rxbuf;
};

static void cached_free(gpointer p)
{
	struct cached_reply *c = p;

	g_bytes_unref(c->key);
	g_free(c->data);
	g_free(c);
}

static void cache_expire(struct rg_ng_server *srv, int64_t now_us)
{
	struct cached_reply *c;

	while ((c = g_queue_peek_head(&srv->order)) &&
	       (c->expires_us <= now_us || srv->order.length > NG_CACHE_MAX)) {
		g_queue_pop_head(&srv->order);
		g_hash_table_remove(srv->cache, c->key);
	}
}

static GBytes *cache_key(const char *cookie, size_t cookie_len,
			 const struct sockaddr *from, socklen_t fromlen)
{
	char *key = g_malloc(cookie_len + fromlen);

	memcpy(key, cookie, cookie_len);
	memcpy(key + cookie_len, from, fromlen);
	return g_bytes_new_take(key, cookie_len + fromlen);
}

/* A reply too large for a datagram is replaced by an error saying so. */
static void build_reply(struct rg_ng_server *srv, const char *cookie, size_t cookie_len,
			const char *body, size_t body_len, const struct sockaddr *from,
			struct rg_buf *out)
{
	static const char too_big[] =
		"d6:result5:error12:error-reason30:Reply too large for a datagrame";
	struct rg_buf reply;

	rg_buf_init(&reply, 0);
	rg_ng_process(srv->ctx, body, body_len, from, &reply);
	rg_buf_append(out, cookie, cookie_len);
	rg_buf_append_char(out, ' ');
	if (rg_buf_finish(&reply) || reply.len + cookie_len + 1 > NG_MAX_REPLY)
		rg_buf_append(out, too_big, sizeof(too_big) - 1);
	else
		rg_buf_append(out, reply.data, reply.len);
	rg_buf_free(&reply);
}

void rg_ng_server_handle(struct rg_ng_server *srv, const char *buf, size_t len,
			 const struct sockaddr *from, socklen_t fromlen, struct rg_buf *out)
{
	const char *sp = memchr(buf, ' ', len);
	size_t cookie_len = sp ? (size_t)(sp - buf) : 0;
	int64_t now = g_get_monotonic_time();
	struct cached_reply *c;
	size_t start;
	GBytes *key;

	if (!sp || cookie_len == 0 || cookie_len > NG_COOKIE_MAX) {
		srv->ctx->stats.ng_no_cookie++;
		rg_warn("NG: dropped a %zu-byte datagram without a valid cookie", len);
		return;
	}
	cache_expire(srv, now);
	key = cache_key(buf, cookie_len, from, fromlen);
	c = g_hash_table_lookup(srv->cache, key);
	if (c) {
		srv->ctx->stats.ng_retransmits++;
		rg_debug("NG: retransmitted cookie, answering from cache");
		rg_buf_append(out, c->data, c->len);
		g_bytes_unref(key);
		return;
	}
	start = out->len;
	build_reply(srv, buf, cookie_len, sp + 1, len - cookie_len - 1, from, out);
	if (rg_buf_finish(out)) {
		g_bytes_unref(key);
		return;
	}
	c = g_new0(struct cached_reply, 1);
	c->key = key;
	c->data = g_memdup2(out->data + start, out->len - start);
	c->len = out->len - start;
	c->expires_us = now + NG_CACHE_SECONDS * G_USEC_PER_SEC;
	g_hash_table_insert(srv->cache, c->key, c);
	g_queue_push_tail(&srv->order, c);
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct rg_ng_server *srv = data;
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct rg_buf out;
	ssize_t n;
	int i;

	for (i = 0; i < NG_READS_PER_WAKEUP; i++) {
		fromlen = sizeof(from);
		n = recvfrom(fd, srv->rxbuf, NG_MAX_DATAGRAM, 0,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rg_err("NG: recvfrom: %s", strerror(errno));
			break;
		}
		rg_buf_init(&out, 0);
		rg_ng_server_handle(srv, srv->rxbuf, (size_t)n,
				    (struct sockaddr *)&from, fromlen, &out);
		if (out.len && sendto(fd, out.data, out.len, 0,
				      (struct sockaddr *)&from, fromlen) < 0)
			rg_warn("NG: sendto: %s", strerror(errno));
		rg_buf_free(&out);
	}
	return G_SOURCE_CONTINUE;
}

struct rg_ng_server *rg_ng_server_create(struct rg_ctx *ctx, const struct sockaddr *addr,
					 socklen_t len, char **err)
{
	struct rg_ng_server *srv;
	int fd;

	fd = socket(addr->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, addr, len) < 0) {
		*err = g_strdup_printf("NG socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	srv = g_new0(struct rg_ng_server, 1);
	srv->ctx = ctx;
	srv->fd = fd;
	srv->rxbuf = g_malloc(NG_MAX_DATAGRAM + 1);
	srv->cache = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, cached_free);
	g_queue_init(&srv->order);
	srv->watch = g_unix_fd_add(fd, G_IO_IN, on_readable, srv);
	return srv;
}

void rg_ng_server_destroy(struct rg_ng_server *srv)
{
	if (!srv)
		return;
	g_source_remove(srv->watch);
	close(srv->fd);
	g_queue_clear(&srv->order);
	g_hash_table_destroy(srv->cache);
	g_free(srv->rxbuf);
	g_free(srv);
}
