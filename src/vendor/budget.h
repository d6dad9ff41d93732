/* The shared API budget of one vendor account (RL1-RL3), kept in the
 * rate_limit table so that every process on every host draws from the
 * same allowance. Each call is one short statement. */
#ifndef AG_BUDGET_H
#define AG_BUDGET_H

#include "base/err.h"
#include "store/db.h"
#include "vendor/http.h"

/* Takes one request from scope's window, leaving reserve_pct of the limit
 * to the account's other apps. AG_OK, AG_EBUDGET (then *wait_s says how
 * long until a unit frees up) or AG_EDB. */
AG_MUST_USE int budget_take(struct db *db, const char *scope, int reserve_pct, long *wait_s);
/* Learns from a response: the server's own count and limit, 429s. Returns
 * how many seconds the scope has been hitting the limit without a break
 * (0 when the last answer was not a 429). */
AG_MUST_USE long budget_observe(struct db *db, const char *scope, const struct http_resp *resp);

#endif
