/* sdp_internal.h - line list helpers shared by the sdp_*.c files only.
 *
 * Not part of the SDP contract (sdp.h); the daemon must not include it.
 */
#ifndef RG_SDP_INTERNAL_H
#define RG_SDP_INTERNAL_H

#include "sdp.h"

/* A new line of @kind and @type whose text is a copy of @len bytes at
 * @text; not linked into any list. NULL when the arena is exhausted. */
struct sdp_line *sdp_line_new(struct rg_arena *arena, enum sdp_line_kind kind,
			      char type, const char *text, size_t len);

/* Links @line into @lines before @before (NULL: at the end). */
void sdp_lines_insert(struct sdp_lines *lines, struct sdp_line *before,
		      struct sdp_line *line);

#endif
