/* SU4, RB2: the part of the settings page that shows what did not go
 * through — failed events with their reasons and a button that queues them
 * again, and what this Gorgias account refuses (remembered by degrade.c). */
#ifndef AG_SETTINGS_FAILED_H
#define AG_SETTINGS_FAILED_H

#include "base/buf.h"
#include "store/db.h"
#include "store/inbox.h"
#include "web/page.h"
#include "apply/process.h"
#include "web/session.h"
#include "store/installation_store.h"

/* A table of inbox rows (at most 20): when, event and subject, status and detail. */
void settings_events_table(struct buf *b, enum lang l, const struct inbox_row *rows, size_t n,
			   const char *id);
int settings_render_failed(struct buf *b, enum lang l, struct app *app,
			   const struct installation *in, const struct session *s);
void settings_render_refused(struct buf *b, enum lang l, const struct installation *in);

#endif
