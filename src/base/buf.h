/* A growable byte buffer, always NUL-terminated. The struct owns p.
 *
 * Its error is sticky (as stdio's ferror): the first append that fails
 * (AG_ETOOBIG past the limit, AG_ENOMEM) is kept in err, and every later
 * append is refused with it. A writer that builds a page from many pieces
 * may therefore ignore the result of each append and check b->err once
 * (the response writer in main.c answers 500 rather than send a cut page);
 * buf_steal gives NULL. buf_reset clears it. */
#ifndef AG_BUF_H
#define AG_BUF_H

#include "base/err.h"

#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t limit; /* 0 = unlimited; appends beyond it fail with AG_ETOOBIG */
	int err;      /* the first failed append's error, AG_OK while none */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (who frees it); leaves b empty. NULL
 * when an append failed (or out of memory). */
AG_MUST_USE char *buf_steal(struct buf *b);

#endif
