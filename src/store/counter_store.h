/* Owner of the table metric_counter: the sums of what every process
 * counted in memory (base/counters.h) and no other table records. */
#ifndef AG_COUNTER_STORE_H
#define AG_COUNTER_STORE_H

#include "base/err.h"
#include "store/db.h"
#include "store/metrics_store.h"

/* Adds this process's pending counts to metric_counter in one statement
 * (nothing when none is due; always = 0 writes only urgent or 5 s old
 * counts). On failure the counts stay pending for the next flush. */
AG_MUST_USE int counters_flush(struct db *db, int always);

/* Figures for /metrics (store/metrics_store.h). */
extern const struct metric_family counter_metrics[];

#endif
