/* The one escaping API for everything written into HTML (cgit's model):
 * no value reaches a page or a note's HTML body any other way, so a
 * reviewer only has to check these three functions and that nobody
 * bypasses them. */
#ifndef AG_HTML_H
#define AG_HTML_H

#include "base/err.h"
#include "base/buf.h"

#include <stddef.h>

/* Text content: escapes & < > " ', replaces invalid UTF-8 with U+FFFD and
 * drops control characters other than tab and newline. NULL writes
 * nothing. AG_OK or the buffer's error. */
int html_txt(struct buf *b, const char *s);
/* An attribute value (the caller writes the surrounding double quotes):
 * as html_txt, and tab/newline become character references so that the
 * value survives attribute normalisation unchanged. */
int html_attr(struct buf *b, const char *s);
/* A link target: only absolute http and https URLs with a host pass (as
 * html_attr); anything else (javascript:, data:, relative, NULL) becomes
 * "#". */
int html_url_attr(struct buf *b, const char *url);

/* Length (1-4) of the well-formed UTF-8 sequence at s, 0 when the bytes
 * there are not one (overlong, surrogate, beyond U+10FFFF, truncated).
 * Shared so that plain-text output is cleaned by the same rule as HTML. */
AG_MUST_USE size_t html_utf8_len(const char *s);

/* Is url an absolute http(s) URL with a host, free of whitespace and
 * control characters? The test html_url_attr applies. */
AG_MUST_USE int html_url_ok(const char *url);

#endif
