#include "base/buf.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t limit)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
	b->err = AG_OK;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->err = AG_OK;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = AG_OK;
	if (b->p)
		b->p[0] = '\0';
}

static int buf_fail(struct buf *b, int err)
{
	b->err = err;
	return err;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (extra > (size_t)-1 - b->len - 1)
		return buf_fail(b, AG_ETOOBIG);
	need = b->len + extra + 1;
	if (b->limit && need - 1 > b->limit)
		return buf_fail(b, AG_ETOOBIG);
	if (need <= b->cap)
		return AG_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	p = realloc(b->p, cap);
	if (!p)
		return buf_fail(b, AG_ENOMEM);
	b->p = p;
	b->cap = cap;
	return AG_OK;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	int rc = buf_reserve(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return AG_OK;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return buf_fail(b, AG_EINVAL);
	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return AG_OK;
}

char *buf_steal(struct buf *b)
{
	char *p = b->p;

	if (b->err) {
		buf_free(b);
		return NULL;
	}
	if (!p) {
		p = malloc(1);
		if (p)
			p[0] = '\0';
	}
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}
