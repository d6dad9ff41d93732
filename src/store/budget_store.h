/* Owner of the tables rate_limit and rate_use: the shared API budget of
 * each vendor account (RL1-RL3), one row per scope ("gorgias:<account>",
 * "aircall:<installation>") and one per request sent in the window, so that
 * every process on every host draws from the same allowance. Each call is
 * one short statement. */
#ifndef AG_BUDGET_STORE_H
#define AG_BUDGET_STORE_H

#include "base/err.h"
#include "store/db.h"
#include "store/metrics_store.h"

#include <jansson.h>
#include <stdint.h>

/* Takes one request from scope's window (the SQL function budget_take),
 * leaving reserve_pct of the limit to the account's other apps; *wait_s
 * > 0 when none was free (then nothing was taken). */
AG_MUST_USE int budget_store_take(struct db *db, const char *scope, int reserve_pct,
				  double *wait_s);
/* A 429: blocked for retry_s, counted; used/limit as the answer said (0:
 * not said). *limited_for_s: how long the scope has been limited without a
 * break (0 when it has no row). */
AG_MUST_USE int budget_store_limited(struct db *db, const char *scope, int used, int limit,
				     long retry_s, long *limited_for_s);
/* An answer with the server's count and limit: when the bucket is nearly
 * full, the scope pauses as long as it needs to drain below the limit. */
AG_MUST_USE int budget_store_learn(struct db *db, const char *scope, int used, int limit);
/* An answer that was no 429: the scope's run of limits is over. */
AG_MUST_USE int budget_store_unlimited(struct db *db, const char *scope);
/* Forgets a scope's pause and run of limits (an installation enabled again). */
AG_MUST_USE int budget_store_release(struct db *db, const char *scope);

struct budget_figures {
	int64_t used;            /* requests in the current window */
	int64_t limit;
	int64_t window_s;
	int64_t total_requests;
	int64_t total_limited;
};
/* One scope's figures (the settings page): AG_ENOTFOUND before its first request. */
AG_MUST_USE int budget_store_figures(struct db *db, const char *scope, struct budget_figures *f);
/* Every scope as a JSON array of {scope, used, limit, window_seconds,
 * total_requests, total_limited} (the status command; caller decrefs). */
AG_MUST_USE int budget_store_status(struct db *db, json_t **scopes);

/* Figures for /metrics (store/metrics_store.h). */
extern const struct metric_family budget_metrics[];

#endif
