#include "budget.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>

int budget_take(struct db *db, const char *scope, int reserve_pct, long *wait_s)
{
	char pct[8];
	const char *p[] = { scope, pct };
	PGresult *r;
	int granted;

	snprintf(pct, sizeof pct, "%d", reserve_pct);
	*wait_s = 0;
	if (db_exec(db, "insert into rate_limit (scope) values ($1) on conflict do nothing", 1, p))
		return AG_EDB;
	/* One atomic statement: a new window starts when the old one is over;
	 * otherwise a unit is granted only below the limit minus the reserve. */
	r = db_query(db,
		"update rate_limit set "
		"  used = case when now() >= window_start + make_interval(secs => window_seconds) "
		"         then 1 else used + 1 end, "
		"  window_start = case when now() >= window_start + make_interval(secs => window_seconds) "
		"         then now() else window_start end, "
		"  total_requests = total_requests + 1, updated_at = now() "
		"where scope = $1 and blocked_until <= now() and "
		"  (now() >= window_start + make_interval(secs => window_seconds) or "
		"   used < greatest(1, request_limit - request_limit * $2::int / 100)) "
		"returning used", 2, p);
	if (!r)
		return AG_EDB;
	granted = PQntuples(r) == 1;
	PQclear(r);
	if (granted)
		return AG_OK;
	r = db_query(db,
		"select ceil(extract(epoch from greatest(blocked_until, "
		"  window_start + make_interval(secs => window_seconds)) - now()))::bigint "
		"from rate_limit where scope = $1", 1, p);
	if (r) {
		*wait_s = (long)db_i64(r, 0, 0);
		if (*wait_s < 1)
			*wait_s = 1;
		PQclear(r);
	}
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
		/* The server's count includes the account's other apps: never
		 * believe we have more room than it says. */
		const char *q[] = { scope, used, limit };
		db_exec(db,
			"update rate_limit set request_limit = $3::int, "
			"  used = greatest(used, $2::int), limited_since = null, updated_at = now() "
			"where scope = $1", 3, q);
	} else if (resp->status > 0) {
		db_exec(db, "update rate_limit set limited_since = null where scope = $1 "
			    "and limited_since is not null", 1, p);
	}
	return 0;
}
