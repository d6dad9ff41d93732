/* The frame of the bridge's few HTML pages (install form, messages,
 * settings): plain server-side HTML that reads well on a phone, in
 * English or German. Every value goes through html.h. */
#ifndef AG_PAGE_H
#define AG_PAGE_H

#include "base/buf.h"
#include "web/request.h"

enum lang { LANG_EN = 0, LANG_DE = 1 };

/* German for an English UI string (the English text is the key); the
 * key itself for English or when no translation exists. */
const char *tr(enum lang l, const char *en);
enum lang lang_of(const char *locale);

void page_begin(struct buf *b, enum lang l, const char *title);
void page_end(struct buf *b);
/* Headers every page carries: no framing (the re-enable and save buttons
 * cannot be clickjacked), no scripts, no referrer (a one-time link never
 * leaks to another site). */
void page_security_headers(struct response *resp);
/* A whole page with a title and one paragraph, as the response. */
void page_message(struct response *resp, int status, enum lang l, const char *title,
		  const char *text);
/* A 302/303 redirect. */
void page_redirect(struct response *resp, int status, const char *location);

/* "Install again": a link to <public_url>/install?account=<account>. */
void page_install_link(struct buf *b, enum lang l, const char *public_url, const char *account);

#endif
