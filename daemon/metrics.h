/* metrics.h - Prometheus metrics over HTTP (--listen-http): GET /metrics
 * answers in the text exposition format 0.0.4.
 *
 * libmicrohttpd runs without a thread of its own: its epoll descriptor and
 * its next timeout are sources of the glib main loop, so every request is
 * handled in the control thread, which owns struct rg_ctx, and the numbers
 * are read the same way NG statistics and the CLI read them. Only GET and
 * HEAD of /metrics are answered (other paths 404, other methods 405); a
 * connection's memory (and so its request size), the number of connections
 * in all and from one address, and their idle time are bounded, so a
 * hostile client can neither exhaust the daemon nor hold up NG.
 *
 * Locking: control thread only.
 */
#ifndef RG_METRICS_H
#define RG_METRICS_H

#include "buf.h"

#define RG_HTTP_CONNECTIONS_MAX 64	/* in all */
#define RG_HTTP_PER_ADDRESS_MAX 16	/* from one client address */
#define RG_HTTP_IDLE_TIMEOUT_S 10	/* a connection silent this long is closed */
#define RG_HTTP_CONNECTION_MEMORY (16u << 10)	/* request head and buffers */

struct rg_ctx;
struct rg_metrics_server;

/* Starts the metrics server on ctx->cfg->http_addr when --listen-http was
 * given; sets *@out to it, or to NULL when the option is absent. Returns 0,
 * or a negative errno (logged) when the address cannot be bound. The
 * caller destroys the server (rg_metrics_server_destroy) before @ctx. */
int rg_metrics_server_create(struct rg_ctx *ctx, struct rg_metrics_server **out);

/* Closes the listening socket and every connection. NULL is allowed. */
void rg_metrics_server_destroy(struct rg_metrics_server *srv);

/* Appends every metric of @ctx to @out in the text exposition format. */
void rg_metrics_write(struct rg_ctx *ctx, struct rg_buf *out);

#endif
