/* cli_commands.h - what the CLI's command files share: the parsed command
 * line, the output helpers, and the commands that live in cli_show.c.
 *
 * Output is text, one item a line, each line ended by '\n'. A labelled
 * value reads "Label<padding>:value", the label padded to CLI_LABEL_WIDTH
 * columns. Text that came from the network (call-ids, tags) goes through
 * cli_put_text(), so a hostile call-id cannot break the line structure.
 */
#ifndef RG_CLI_COMMANDS_H
#define RG_CLI_COMMANDS_H

#include "buf.h"

#define CLI_LABEL_WIDTH 46

struct rg_ctx;

/* Appends @s with bytes below 0x20 and 0x7f as \xNN and at most @max bytes
 * of it (then "..."); 0: no limit. */
void cli_put_text(struct rg_buf *out, const char *s, size_t max);

/* Appends "@label<padding>:<printf @fmt>\n". */
void cli_put_field(struct rg_buf *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends "error: @what '@text'\n", @text escaped and cut at 64 bytes. */
void cli_put_error(struct rg_buf *out, const char *what, const char *text);

/* `list totals`: uptime, sessions, relayed packets, ended calls by reason,
 * drops and NG commands, from the same data as NG statistics. */
void cli_list_totals(struct rg_ctx *ctx, struct rg_buf *out);

/* `list callid ID`: every party, media and stream of the call @id, with
 * its endpoints, counters and per-SSRC statistics (the call is paused
 * while they are read). An error line when there is no such call. */
void cli_list_call(struct rg_ctx *ctx, const char *id, struct rg_buf *out);

#endif
