/* cli.h - the CLI port: the operator's line-oriented text interface over TCP
 * (rtpgate-ctl is its client; `echo 'list totals' | nc -q1 HOST 9900` works
 * as well).
 *
 * A connection carries one command: a line of at most RG_CLI_LINE_MAX
 * bytes ended by '\n' (or by the client closing its side), the answer as
 * text, then the daemon closes the connection. Connections are handled on
 * the glib main loop without ever blocking it: each keeps its own buffers,
 * and one that has not finished within RG_CLI_TIMEOUT_MS is closed. The
 * commands (the words rtpengine operators use) are in cli_commands.c.
 *
 * Locking: control thread only, like everything in struct rg_ctx.
 */
#ifndef RG_CLI_H
#define RG_CLI_H

#include "buf.h"

#define RG_CLI_DEFAULT "127.0.0.1:9900"
#define RG_CLI_LINE_MAX 4096
#define RG_CLI_TIMEOUT_MS 5000
#define RG_CLI_CONNECTIONS_MAX 64

struct rg_ctx;
struct rg_cli_server;

/* Starts listening as --listen-cli @listen says: "[ADDR:]PORT" (a bare
 * port binds 127.0.0.1), NULL for RG_CLI_DEFAULT, "none" or "off" for no
 * CLI port. Sets *@out to the new server, or to NULL when disabled or when
 * the default address is taken (logged: a second daemon on one host still
 * starts). Returns 0, or a negative errno (logged) when an address given
 * explicitly is invalid or cannot be bound. The caller destroys the server
 * (rg_cli_server_destroy) before @ctx. */
int rg_cli_server_create(struct rg_ctx *ctx, const char *listen,
			 struct rg_cli_server **out);

/* Closes the listening socket and every open connection. NULL is allowed. */
void rg_cli_server_destroy(struct rg_cli_server *srv);

/* Runs the command @line (NUL-terminated, without its newline) against
 * @ctx and appends the answer, each line ended by '\n', to @out. Never
 * fails: a bad command gets a line starting "error: ". */
void rg_cli_execute(struct rg_ctx *ctx, const char *line, struct rg_buf *out);

#endif
