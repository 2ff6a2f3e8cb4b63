/* metrics.c - see metrics.h.
 *
 * Every value comes from where NG statistics and the CLI take it (struct
 * rg_stats, the port pools, the workers' drop counters, the relayed totals
 * of ratelimit.h), so the three never disagree. Counters are monotonic
 * while the daemon runs; they start from zero with it.
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "call.h"
#include "call_lifetime.h"
#include "ctx.h"
#include "interface.h"
#include "log.h"
#include "offload.h"
#include "ratelimit.h"
#include "worker.h"

#ifndef RG_VERSION
#define RG_VERSION "0.1.0-dev"
#endif

#define METRICS_MAX (4u << 20)		/* the text of one scrape */
#define LISTEN_BACKLOG 64
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct rg_metrics_server {
	struct rg_ctx *ctx;
	struct MHD_Daemon *mhd;
	guint io_source;	/* MHD's epoll descriptor is readable */
	guint timer_source;	/* MHD's next timeout; 0: none */
};

/* ---- the text format ---- */

static void family(struct rg_buf *b, const char *name, const char *type, const char *help)
{
	rg_buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with backslash, double quote and newline escaped. */
static void label_value(struct rg_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			rg_buf_append_char(b, '\\');
		if (*s == '\n')
			rg_buf_append_str(b, "\\n");
		else
			rg_buf_append_char(b, *s);
	}
}

static void counter(struct rg_buf *b, const char *name, const char *help, uint64_t v)
{
	family(b, name, "counter", help);
	rg_buf_appendf(b, "%s %" PRIu64 "\n", name, v);
}

static void gauge(struct rg_buf *b, const char *name, const char *help, double v)
{
	family(b, name, "gauge", help);
	rg_buf_appendf(b, "%s %.3f\n", name, v);
}

/* A family with one label @label taking the values @keys[i] for @v[i]. */
static void labelled(struct rg_buf *b, const char *name, const char *type, const char *help,
		     const char *label, const char *const *keys, const uint64_t *v, int n)
{
	int i;

	family(b, name, type, help);
	for (i = 0; i < n; i++)
		rg_buf_appendf(b, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, keys[i], v[i]);
}

/* ---- the metrics ---- */

static void write_sessions(struct rg_ctx *ctx, struct rg_buf *b)
{
	static const char *const reasons[] = {
		"delete", "timeout", "silent_timeout", "final_timeout", "offer_timeout", "terminate",
	};
	const struct rg_stats *s = &ctx->stats;
	const uint64_t ended[] = {
		s->deleted_sessions, s->timeout_sessions, s->silent_timeout_sessions,
		s->final_timeout_sessions, s->offer_timeout_sessions, s->forced_terminated_sessions,
	};

	family(b, "rtpgate_sessions", "gauge", "Calls now (NG statistics: sessionstotal).");
	rg_buf_appendf(b, "rtpgate_sessions %u\n", rg_calls_count(ctx->calls));
	counter(b, "rtpgate_sessions_total", "Calls created (managedsessions).", s->managed_sessions);
	labelled(b, "rtpgate_sessions_ended_total", "counter",
		 "Calls ended, by what ended them (delete, a timeout, the CLI's terminate).",
		 "reason", reasons, ended, 6);
	counter(b, "rtpgate_offers_rejected_total",
		"Offers answered with an error, limits included (rejectedsessions).",
		s->rejected_offers);
}

static void write_relayed(struct rg_ctx *ctx, struct rg_buf *b)
{
	static const char *const paths[2] = { "userspace", "kernel" };
	uint64_t drops[RG_DROP_COUNT] = { 0 };
	struct rg_relayed r;

	rg_relayed_totals(ctx, &r);
	labelled(b, "rtpgate_packets_total", "counter",
		 "Packets received on relay ports, by forwarding path.", "path", paths, r.packets, 2);
	labelled(b, "rtpgate_bytes_total", "counter",
		 "UDP payload bytes received on relay ports, by forwarding path.", "path", paths, r.bytes, 2);
	labelled(b, "rtpgate_errors_total", "counter",
		 "Packets received on relay ports and not forwarded, by forwarding path.",
		 "path", paths, r.errors, 2);
	rg_drop_totals(ctx, &r, drops);
	labelled(b, "rtpgate_drops_total", "counter",
		 "Packets dropped on the userspace path (socket-overflow: by the kernel at a full relay socket), by reason (statistics: drops).",
		 "reason", rg_drop_names, drops, RG_DROP_COUNT);
}

static void write_ports(struct rg_ctx *ctx, struct rg_buf *b)
{
	static const char *const states[2] = { "used", "free" };
	const struct rg_interface *iface;
	unsigned n[2], i, k;

	family(b, "rtpgate_interface_ports", "gauge",
	       "Media ports of each interface, taken or free (an RTP/RTCP pair is two).");
	for (i = 0; ctx->interfaces && i < ctx->interfaces->len; i++) {
		iface = ctx->interfaces->pdata[i];
		n[0] = rg_port_pool_used(iface->ports);
		n[1] = rg_port_pool_total(iface->ports) - n[0];
		for (k = 0; k < 2; k++) {
			rg_buf_append_str(b, "rtpgate_interface_ports{interface=\"");
			label_value(b, iface->name);
			rg_buf_append_str(b, "\",address=\"");
			label_value(b, iface->local_str);
			rg_buf_appendf(b, "\",state=\"%s\"} %u\n", states[k], 2 * n[k]);
		}
	}
}

static const char *const ng_names[NG_CMD_COUNT] = {
	[NG_CMD_PING] = "ping", [NG_CMD_OFFER] = "offer",
	[NG_CMD_ANSWER] = "answer", [NG_CMD_DELETE] = "delete",
	[NG_CMD_QUERY] = "query", [NG_CMD_LIST] = "list",
	[NG_CMD_STATISTICS] = "statistics",
};

static void write_histogram(const struct rg_stats *s, struct rg_buf *b)
{
	const char *name = "rtpgate_ng_request_duration_seconds";
	const struct rg_ng_counters *c;
	uint64_t sum;
	unsigned i, k;

	family(b, name, "histogram",
	       "Time the command's handler took, for requests that got as far as it.");
	for (i = 0; i < NG_CMD_COUNT; i++) {
		c = &s->ng[i];
		for (k = 0, sum = 0; k <= RG_NG_BUCKETS; k++) {
			sum += c->buckets[k];
			if (k < RG_NG_BUCKETS)
				rg_buf_appendf(b, "%s_bucket{command=\"%s\",le=\"%g\"} %" PRIu64 "\n",
					       name, ng_names[i], (double)rg_ng_bucket_us(k) / 1e6, sum);
			else
				rg_buf_appendf(b, "%s_bucket{command=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
					       name, ng_names[i], sum);
		}
		rg_buf_appendf(b, "%s_sum{command=\"%s\"} %.6f\n", name, ng_names[i],
			       (double)c->total_us / 1e6);
		rg_buf_appendf(b, "%s_count{command=\"%s\"} %" PRIu64 "\n", name, ng_names[i], sum);
	}
}

static void write_ng(struct rg_ctx *ctx, struct rg_buf *b)
{
	const struct rg_stats *s = &ctx->stats;
	uint64_t count[NG_CMD_COUNT], errors[NG_CMD_COUNT];
	int i;

	for (i = 0; i < NG_CMD_COUNT; i++) {
		count[i] = s->ng[i].count;
		errors[i] = s->ng[i].errors;
	}
	labelled(b, "rtpgate_ng_requests_total", "counter",
		 "NG requests, by command (controlstatistics: count).", "command", ng_names, count, NG_CMD_COUNT);
	labelled(b, "rtpgate_ng_errors_total", "counter",
		 "NG requests answered with an error, by command (controlstatistics: errors).",
		 "command", ng_names, errors, NG_CMD_COUNT);
	write_histogram(s, b);
	counter(b, "rtpgate_ng_no_cookie_total", "NG datagrams dropped without a cookie.", s->ng_no_cookie);
	counter(b, "rtpgate_ng_retransmits_total", "NG requests answered from the cookie cache.",
		s->ng_retransmits);
}

static void write_process(struct rg_ctx *ctx, struct rg_buf *b)
{
	uint64_t over[RG_LIMIT_COUNT];
	int i;

	for (i = 0; i < RG_LIMIT_COUNT; i++)
		over[i] = ctx->load.over[i];
	labelled(b, "rtpgate_load_limit_exceeded", "gauge",
		 "1 while this limit (--max-load, --max-cpu, --max-bandwidth) refuses new calls.",
		 "limit", rg_load_limit_names, over, RG_LIMIT_COUNT);
	gauge(b, "rtpgate_cpu_percent", "CPU rtpgated used over the last seconds, percent of one core.",
	      ctx->load.value[RG_LIMIT_CPU]);
	gauge(b, "rtpgate_relay_bytes_per_second", "Bytes received on relay ports per second, over the last seconds.",
	      ctx->load.value[RG_LIMIT_BANDWIDTH]);
	gauge(b, "rtpgate_kernel_available", "1 when the kernel forwarding module is in use.",
	      ctx->kernel ? 1 : 0);
	gauge(b, "rtpgate_uptime_seconds", "Seconds since rtpgated started.",
	      (double)(g_get_real_time() - ctx->started_us) / 1e6);
	family(b, "rtpgate_build_info", "gauge", "Always 1; the version is in the label.");
	rg_buf_append_str(b, "rtpgate_build_info{version=\"");
	label_value(b, RG_VERSION);
	rg_buf_append_str(b, "\"} 1\n");
}

void rg_metrics_write(struct rg_ctx *ctx, struct rg_buf *out)
{
	write_sessions(ctx, out);
	write_relayed(ctx, out);
	write_ports(ctx, out);
	write_ng(ctx, out);
	write_process(ctx, out);
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
			     const char *type, void *data, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, data, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(data);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return reply(conn, status, "text/plain; charset=utf-8", (void *)text, strlen(text),
		     MHD_RESPMEM_PERSISTENT);
}

/* Answers at the first call for a request: a body (e.g. of a POST) is not
 * waited for, and MHD closes a connection whose body was not read. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **req_cls)
{
	struct rg_metrics_server *srv = cls;
	struct rg_buf b;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Only GET and HEAD are allowed.\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(conn, MHD_HTTP_NOT_FOUND, "Not found; the metrics are at /metrics.\n");
	rg_buf_init(&b, METRICS_MAX);
	rg_metrics_write(srv->ctx, &b);
	if (rg_buf_finish(&b) || !b.data) {
		rg_buf_free(&b);
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory.\n");
	}
	return reply(conn, MHD_HTTP_OK, CONTENT_TYPE, b.data, b.len, MHD_RESPMEM_MUST_FREE);
}

static void __attribute__((format(printf, 2, 0)))
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	rg_info("metrics HTTP: %s", msg);
}

/* ---- the glib main loop drives MHD ---- */

static gboolean on_timer(gpointer data);

/* MHD must run again within its timeout even when no socket is ready: to
 * close idle connections, or to go on with data it has read already. */
static void run_mhd(struct rg_metrics_server *srv)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(srv->mhd);
	if (srv->timer_source)
		g_source_remove(srv->timer_source);
	srv->timer_source = 0;
	if (MHD_get_timeout(srv->mhd, &ms) == MHD_YES)
		srv->timer_source = g_timeout_add((guint)MIN(ms, 60000), on_timer, srv);
}

static gboolean on_timer(gpointer data)
{
	struct rg_metrics_server *srv = data;

	srv->timer_source = 0;	/* this source ends; run_mhd may add the next */
	run_mhd(srv);
	return G_SOURCE_REMOVE;
}

static gboolean on_ready(gint fd, GIOCondition cond, gpointer data)
{
	run_mhd(data);
	return G_SOURCE_CONTINUE;
}

static int listen_on(const struct sockaddr_storage *addr, socklen_t len)
{
	int one = 1, fd, rc;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) || listen(fd, LISTEN_BACKLOG)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static struct MHD_Daemon *start_mhd(struct rg_metrics_server *srv, int fd, int family)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)RG_HTTP_CONNECTIONS_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)RG_HTTP_PER_ADDRESS_MAX,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)RG_HTTP_IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)RG_HTTP_CONNECTION_MEMORY,
		MHD_OPTION_END);
}

int rg_metrics_server_create(struct rg_ctx *ctx, struct rg_metrics_server **out)
{
	const struct rg_config *cfg = ctx->cfg;
	const union MHD_DaemonInfo *info;
	struct rg_metrics_server *srv;
	int fd;

	*out = NULL;
	if (!cfg->listen_http)
		return 0;
	fd = listen_on(&cfg->http_addr, cfg->http_addr_len);
	if (fd < 0) {
		rg_err("option --listen-http %s: %s", cfg->listen_http, strerror(-fd));
		return fd;
	}
	srv = g_new0(struct rg_metrics_server, 1);
	srv->ctx = ctx;
	srv->mhd = start_mhd(srv, fd, cfg->http_addr.ss_family);
	info = srv->mhd ? MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		rg_err("option --listen-http %s: libmicrohttpd did not start", cfg->listen_http);
		rg_metrics_server_destroy(srv);
		/* a daemon that failed to start may or may not have closed it */
		if (fcntl(fd, F_GETFD) >= 0)
			close(fd);
		return -EINVAL;
	}
	srv->io_source = g_unix_fd_add(info->epoll_fd, G_IO_IN, on_ready, srv);
	run_mhd(srv);
	rg_info("metrics on http://%s/metrics", cfg->listen_http);
	*out = srv;
	return 0;
}

void rg_metrics_server_destroy(struct rg_metrics_server *srv)
{
	if (!srv)
		return;
	if (srv->io_source)
		g_source_remove(srv->io_source);
	if (srv->timer_source)
		g_source_remove(srv->timer_source);
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);	/* closes the listening socket */
	g_free(srv);
}
