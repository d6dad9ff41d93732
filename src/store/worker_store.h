/* Owner of the table worker: one heartbeat row per process that applies
 * inbox events, so that the request path knows whether one of them is free
 * (inbox.c reads and refreshes the rows in the statements that claim and
 * accept events) and an operator sees who runs where. */
#ifndef AG_WORKER_STORE_H
#define AG_WORKER_STORE_H

#include "base/err.h"
#include "store/db.h"
#include "store/metrics_store.h"

/* Registers (or refreshes) this process as free; forgets rows of
 * processes not seen for an hour. kind is "worker" or "drainer". */
AG_MUST_USE int heartbeat_start(struct db *db, const char *id, const char *kind, const char *host);
/* Removes the row: the request path stops counting on this process. */
AG_MUST_USE int heartbeat_stop(struct db *db, const char *id);

/* Figures for /metrics (store/metrics_store.h). */
extern const struct metric_family worker_metrics[];

#endif
