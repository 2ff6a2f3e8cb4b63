/* buf.h - a growable byte buffer for writing wire formats (bencode, SDP).
 *
 * Appends never fail loudly one by one: the first allocation failure or an
 * append past the cap marks the buffer failed, later appends are ignored,
 * and rg_buf_finish() reports -ENOMEM / -E2BIG once at the end. This keeps
 * writers free of an error check after every line.
 */
#ifndef RG_BUF_H
#define RG_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct rg_buf {
	char *data;	/* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	size_t max;	/* 0 = no limit */
	int error;	/* 0 or a negative errno */
};

/* An empty buffer that may grow to @max bytes (0 = no limit). */
void rg_buf_init(struct rg_buf *buf, size_t max);

/* Frees the data; the buffer can be initialised again. */
void rg_buf_free(struct rg_buf *buf);

void rg_buf_append(struct rg_buf *buf, const void *data, size_t len);
void rg_buf_append_str(struct rg_buf *buf, const char *s);
void rg_buf_append_char(struct rg_buf *buf, char c);
void rg_buf_appendf(struct rg_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 0 if every append succeeded, else the first error. */
int rg_buf_finish(const struct rg_buf *buf);

#endif
