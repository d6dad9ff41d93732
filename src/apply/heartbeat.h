/* The `worker` table: one row per process that applies inbox events, so
 * that the request path knows whether one of them is free (inbox.c) and
 * an operator sees who runs where. */
#ifndef AG_HEARTBEAT_H
#define AG_HEARTBEAT_H

#include "store/db.h"

/* Registers (or refreshes) this process as free; forgets rows of
 * processes not seen for an hour. kind is "worker" or "drainer". */
int heartbeat_start(struct db *db, const char *id, const char *kind, const char *host);
/* Removes the row: the request path stops counting on this process. */
int heartbeat_stop(struct db *db, const char *id);

#endif
