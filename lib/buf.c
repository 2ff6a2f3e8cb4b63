/* buf.c - growable byte buffer, see buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rg_buf_init(struct rg_buf *buf, size_t max)
{
	memset(buf, 0, sizeof(*buf));
	buf->max = max;
}

void rg_buf_free(struct rg_buf *buf)
{
	free(buf->data);
	memset(buf, 0, sizeof(*buf));
}

static bool reserve(struct rg_buf *buf, size_t extra)
{
	size_t need, cap;
	char *p;

	if (buf->error)
		return false;
	if (extra > SIZE_MAX - buf->len - 1 ||
	    (buf->max && buf->len + extra > buf->max)) {
		buf->error = -E2BIG;
		return false;
	}
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return true;
	cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(buf->data, cap);
	if (!p) {
		buf->error = -ENOMEM;
		return false;
	}
	buf->data = p;
	buf->cap = cap;
	return true;
}

void rg_buf_append(struct rg_buf *buf, const void *data, size_t len)
{
	if (!reserve(buf, len))
		return;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void rg_buf_append_str(struct rg_buf *buf, const char *s)
{
	rg_buf_append(buf, s, strlen(s));
}

void rg_buf_append_char(struct rg_buf *buf, char c)
{
	rg_buf_append(buf, &c, 1);
}

void rg_buf_appendf(struct rg_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (!buf->error)
			buf->error = -EINVAL;
		return;
	}
	if (!reserve(buf, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
}

int rg_buf_finish(const struct rg_buf *buf)
{
	return buf->error;
}
