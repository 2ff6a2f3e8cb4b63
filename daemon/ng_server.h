/* ng_server.h - the NG protocol over UDP: "COOKIE SP BENCODE" in, the same
 * cookie and the reply out, to the sender.
 *
 * A retransmission (same cookie from the same address within
 * NG_CACHE_SECONDS) is answered from a cache byte for byte and not run
 * again. Requests are handled one at a time in the control thread, so a
 * duplicate that arrives while the first is being handled is read only
 * after the first has finished and its reply is cached: it cannot run twice.
 */
#ifndef RG_NG_SERVER_H
#define RG_NG_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

#define NG_CACHE_SECONDS 60
#define NG_CACHE_MAX 20000
#define NG_COOKIE_MAX 256

struct rg_ctx;
struct rg_ng_server;

/* Binds the UDP socket and adds it to the default glib main context.
 * NULL and *@err (g_strdup'd) on failure. */
struct rg_ng_server *rg_ng_server_create(struct rg_ctx *ctx, const struct sockaddr *addr,
					 socklen_t len, char **err);
void rg_ng_server_destroy(struct rg_ng_server *srv);

/* Handles one datagram as if received from @from and appends the datagram
 * to send back to @out; nothing is appended when it gets no reply (no
 * cookie). Used by the socket handler and by tests. */
void rg_ng_server_handle(struct rg_ng_server *srv, const char *buf, size_t len,
			 const struct sockaddr *from, socklen_t fromlen, struct rg_buf *out);

#endif
