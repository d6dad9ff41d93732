/* The long-running `worker` and the short-lived drainer: both sleep on
 * LISTEN until the request path notifies, wake on their own for retries
 * and expired leases, and keep a heartbeat row (docs/worker.md). */
#ifndef AG_WORKER_H
#define AG_WORKER_H

#include "apply/process.h"

/* Applies events until stopped (SIGTERM/SIGINT). A drainer (drainer = 1)
 * also stops once nothing was due for cfg->drain_linger_s and nothing
 * falls due within a minute; slot_fd (or -1) is the slot lock it inherited
 * (drainer.c), released before its last look at the inbox. Returns an
 * exit status. */
int worker_run(struct app *app, int drainer, int slot_fd);

/* Periodic chores of a running worker, called about once a minute
 * between events (retention sweeps and the like belong here). */
void worker_housekeeping(struct app *app);

#endif
