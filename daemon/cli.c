/* cli.c - the CLI port's TCP server, see cli.h.
 *
 * Each connection goes through three states, all driven by the glib main
 * loop on a non-blocking socket:
 *   READ   collect bytes until '\n' (or the client's EOF) ends the line;
 *   WRITE  run the command and send the answer, as the socket takes it;
 *   DRAIN  after shutdown(SHUT_WR), read and drop what the client still
 *          sends until it closes: closing with unread input would make the
 *          kernel reset the connection and the client could lose the answer.
 * One timer per connection bounds all three together.
 */
#include "cli.h"

#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "log.h"

#define ACCEPTS_PER_WAKEUP 16
#define ACCEPT_PAUSE_MS 1000	/* after EMFILE and the like */
#define LISTEN_BACKLOG 64

enum conn_state { CONN_READ, CONN_WRITE, CONN_DRAIN };

struct cli_conn {
	struct rg_cli_server *srv;
	int fd;
	guint io;		/* the fd watch, 0 when none */
	GIOCondition cond;	/* what it waits for */
	guint timer;		/* the deadline, 0 when fired */
	enum conn_state state;
	char line[RG_CLI_LINE_MAX + 1];
	size_t len;
	struct rg_buf out;
	size_t sent;
};

struct rg_cli_server {
	struct rg_ctx *ctx;
	int fd;
	guint watch;		/* accept watch, 0 while paused */
	guint resume;		/* timer that restarts accepting */
	GHashTable *conns;	/* set of struct cli_conn * */
};

static gboolean on_conn_io(gint fd, GIOCondition cond, gpointer data);

static void conn_close(struct cli_conn *c)
{
	if (c->io)
		g_source_remove(c->io);
	if (c->timer)
		g_source_remove(c->timer);
	close(c->fd);
	rg_buf_free(&c->out);
	g_hash_table_remove(c->srv->conns, c);
	g_free(c);
}

/* A short answer sent without waiting; what does not fit is lost. */
static void send_now(int fd, const char *text)
{
	if (send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		rg_debug("CLI: could not send '%s': %s", text, strerror(errno));
}

static gboolean on_timeout(gpointer data)
{
	struct cli_conn *c = data;

	c->timer = 0;
	if (c->state == CONN_READ)
		send_now(c->fd, "error: no complete command line in time\n");
	rg_debug("CLI: connection closed after %d ms", RG_CLI_TIMEOUT_MS);
	conn_close(c);
	return G_SOURCE_REMOVE;
}

static void conn_watch(struct cli_conn *c, GIOCondition cond)
{
	c->cond = cond;
	c->io = g_unix_fd_add(c->fd, cond, on_conn_io, c);
}

/* Sends what the socket takes. 0 when all is sent, -EAGAIN to wait for
 * G_IO_OUT, another negative errno when the client is gone. */
static int conn_send(struct cli_conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		c->sent += (size_t)n;
	}
	return 0;
}

/* Sends the rest of the answer; when done, half-closes and drains.
 * Returns the condition to watch next, or 0 to close. */
static GIOCondition conn_write(struct cli_conn *c)
{
	int rc = conn_send(c);

	if (rc == -EAGAIN)
		return G_IO_OUT;
	if (rc)
		return 0;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	return G_IO_IN;
}

/* The whole line is in: run it (an over-long one gets an error instead). */
static GIOCondition conn_run(struct cli_conn *c, bool too_long)
{
	char *cr;

	c->state = CONN_WRITE;
	if (too_long) {
		rg_buf_appendf(&c->out, "error: command line longer than %d bytes\n",
			       RG_CLI_LINE_MAX - 1);
		return conn_write(c);
	}
	c->line[c->len] = '\0';
	cr = strchr(c->line, '\r');
	if (cr)
		*cr = '\0';
	rg_cli_execute(c->srv->ctx, c->line, &c->out);
	if (rg_buf_finish(&c->out)) {
		rg_buf_free(&c->out);
		rg_buf_append_str(&c->out, "error: out of memory\n");
	}
	return conn_write(c);
}

static GIOCondition conn_read(struct cli_conn *c)
{
	size_t room = RG_CLI_LINE_MAX - c->len;
	char *nl;
	ssize_t n;

	n = recv(c->fd, c->line + c->len, room, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? G_IO_IN : 0;
	if (n == 0)	/* EOF: what came so far is the line */
		return c->len ? conn_run(c, false) : 0;
	nl = memchr(c->line + c->len, '\n', (size_t)n);
	c->len += (size_t)n;
	if (nl) {
		c->len = (size_t)(nl - c->line);
		return conn_run(c, false);
	}
	return c->len == RG_CLI_LINE_MAX ? conn_run(c, true) : G_IO_IN;
}

static GIOCondition conn_drain(struct cli_conn *c)
{
	char scratch[4096];
	ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
		return G_IO_IN;
	return 0;
}

static gboolean on_conn_io(gint fd, GIOCondition cond, gpointer data)
{
	struct cli_conn *c = data;
	GIOCondition next;

	if (c->state == CONN_READ)
		next = conn_read(c);
	else if (c->state == CONN_WRITE)
		next = conn_write(c);
	else
		next = conn_drain(c);
	if (next == c->cond)
		return G_SOURCE_CONTINUE;
	c->io = 0;	/* this source ends with our return value */
	if (next)
		conn_watch(c, next);
	else
		conn_close(c);
	return G_SOURCE_REMOVE;
}

static void conn_start(struct rg_cli_server *srv, int fd)
{
	struct cli_conn *c;

	if (g_hash_table_size(srv->conns) >= RG_CLI_CONNECTIONS_MAX) {
		send_now(fd, "error: too many CLI connections, try again\n");
		close(fd);
		return;
	}
	c = g_new0(struct cli_conn, 1);
	c->srv = srv;
	c->fd = fd;
	c->state = CONN_READ;
	rg_buf_init(&c->out, 0);
	g_hash_table_add(srv->conns, c);
	c->timer = g_timeout_add(RG_CLI_TIMEOUT_MS, on_timeout, c);
	conn_watch(c, G_IO_IN);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data);

static gboolean on_resume(gpointer data)
{
	struct rg_cli_server *srv = data;

	srv->resume = 0;
	srv->watch = g_unix_fd_add(srv->fd, G_IO_IN, on_accept, srv);
	return G_SOURCE_REMOVE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct rg_cli_server *srv = data;
	int i, cfd;

	for (i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			conn_start(srv, cfd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return G_SOURCE_CONTINUE;
		/* EMFILE and the like would wake us again at once: pause */
		rg_warn("CLI: accept: %s; not accepting for %d ms", strerror(errno),
			ACCEPT_PAUSE_MS);
		srv->watch = 0;
		srv->resume = g_timeout_add(ACCEPT_PAUSE_MS, on_resume, srv);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static int listen_on(const struct sockaddr_storage *addr, socklen_t len)
{
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, err;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

static bool cli_disabled(const char *listen)
{
	return listen && (g_ascii_strcasecmp(listen, "none") == 0 ||
			  g_ascii_strcasecmp(listen, "off") == 0);
}

int rg_cli_server_create(struct rg_ctx *ctx, const char *listen,
			 struct rg_cli_server **out)
{
	const char *spec = listen ? listen : RG_CLI_DEFAULT;
	struct rg_cli_server *srv;
	struct sockaddr_storage addr;
	socklen_t len;
	char *err = NULL;
	int fd;

	*out = NULL;
	if (cli_disabled(listen)) {
		rg_info("CLI port disabled (--listen-cli=%s)", listen);
		return 0;
	}
	if (rg_parse_endpoint(spec, "127.0.0.1", &addr, &len, &err)) {
		rg_err("option --listen-cli: %s", err);
		g_free(err);
		return -EINVAL;
	}
	fd = listen_on(&addr, len);
	if (fd < 0 && !listen) {
		rg_warn("CLI port: cannot listen on the default %s: %s; no CLI port "
			"(--listen-cli chooses another)", spec, strerror(-fd));
		return 0;
	}
	if (fd < 0) {
		rg_err("option --listen-cli %s: %s", spec, strerror(-fd));
		return fd;
	}
	srv = g_new0(struct rg_cli_server, 1);
	srv->ctx = ctx;
	srv->fd = fd;
	srv->conns = g_hash_table_new(NULL, NULL);
	srv->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, srv);
	rg_info("CLI port on %s (TCP)", spec);
	*out = srv;
	return 0;
}

void rg_cli_server_destroy(struct rg_cli_server *srv)
{
	GList *conns, *l;

	if (!srv)
		return;
	conns = g_hash_table_get_keys(srv->conns);
	for (l = conns; l; l = l->next)
		conn_close(l->data);
	g_list_free(conns);
	if (srv->watch)
		g_source_remove(srv->watch);
	if (srv->resume)
		g_source_remove(srv->resume);
	close(srv->fd);
	g_hash_table_destroy(srv->conns);
	g_free(srv);
}
