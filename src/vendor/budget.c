#include "vendor/budget.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>

int budget_take(struct db *db, const char *scope, int reserve_pct, long *wait_s)
{
	char pct[8];
	const char *p[] = { scope, pct };
	PGresult *r;
	double wait;

	snprintf(pct, sizeof pct, "%d", reserve_pct);
	*wait_s = 0;
	r = db_query(db, "select budget_take($1, $2::int)", 2, p);
	if (!r)
		return AG_EDB;
	wait = strtod(db_str(r, 0, 0) ? db_str(r, 0, 0) : "0", NULL);
	PQclear(r);
	if (wait <= 0)
		return AG_OK;
	*wait_s = (long)wait + 1;
	return AG_EBUDGET;
}

long budget_observe(struct db *db, const char *scope, const struct http_resp *resp)
{
	char used[16], limit[16], retry[16];
	const char *p[] = { scope, used, limit, retry };
	PGresult *r;
	long since = 0;

	snprintf(used, sizeof used, "%d", resp->call_limit_used);
	snprintf(limit, sizeof limit, "%d", resp->call_limit_max);
	if (resp->status == 429) {
		snprintf(retry, sizeof retry, "%ld",
			 resp->retry_after > 0 && resp->retry_after < 3600 ? resp->retry_after : 5);
		r = db_query(db,
			"update rate_limit set blocked_until = now() + make_interval(secs => $4::int), "
			"  limited_since = coalesce(limited_since, now()), total_limited = total_limited + 1, "
			"  request_limit = case when $3::int > 0 then $3::int else request_limit end, "
			"  used = greatest(used, $2::int), updated_at = now() "
			"where scope = $1 "
			"returning extract(epoch from now() - limited_since)::bigint", 4, p);
		if (r) {
			since = (long)db_i64(r, 0, 0);
			PQclear(r);
		}
		return since;
	}
	if (resp->call_limit_max > 0) {
		/* The server's count includes the account's other apps: when it
		 * says the bucket is nearly full, pause for as long as the bucket
		 * needs to drain below the limit. */
		const char *q[] = { scope, used, limit };
		db_exec(db,
			"update rate_limit set request_limit = $3::int, limited_since = null, "
			"  blocked_until = greatest(blocked_until, case when $2::int >= $3::int - 1 "
			"    then now() + make_interval(secs => window_seconds::double precision "
			"         * ($2::int - $3::int + 2) / $3::int) else blocked_until end), "
			"  updated_at = now() where scope = $1", 3, q);
	} else if (resp->status > 0) {
		db_exec(db, "update rate_limit set limited_since = null where scope = $1 "
			    "and limited_since is not null", 1, p);
	}
	return 0;
}
