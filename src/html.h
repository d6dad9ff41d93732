/* The one escaping API for everything written into HTML (cgit's model):
 * no value reaches a page or a note's HTML body any other way. */
#ifndef AG_HTML_H
#define AG_HTML_H

#include "buf.h"

/* Text content: escapes & < > " ' and replaces invalid UTF-8. */
int html_txt(struct buf *b, const char *s);
/* An attribute value (quoted by the caller with "). */
int html_attr(struct buf *b, const char *s);
/* A link target: only http and https URLs pass; anything else becomes "#". */
int html_url_attr(struct buf *b, const char *url);

#endif
