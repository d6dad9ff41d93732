/* A growable byte buffer, always NUL-terminated. The struct owns p. */
#ifndef AG_BUF_H
#define AG_BUF_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
	size_t limit; /* 0 = unlimited; appends beyond it fail with AG_ETOOBIG */
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (who frees it); leaves b empty. */
char *buf_steal(struct buf *b);

#endif
