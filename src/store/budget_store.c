/* Owner of rate_limit and rate_use (budget_store.h). */
#include "store/budget_store.h"

#include <stdlib.h>

int budget_store_take(struct db *db, const char *scope, int reserve_pct, double *wait_s)
{
	struct db_num pct = db_n(reserve_pct);
	const char *p[] = { scope, pct.s };
	PGresult *r = db_query(db, "select budget_take($1, $2::int)", 2, p);

	*wait_s = 0;
	if (!r)
		return AG_EDB;
	*wait_s = strtod(db_str(r, 0, 0) ? db_str(r, 0, 0) : "0", NULL);
	PQclear(r);
	return AG_OK;
}

int budget_store_limited(struct db *db, const char *scope, int used, int limit, long retry_s,
			 long *limited_for_s)
{
	struct db_num u = db_n(used), l = db_n(limit), retry = db_n(retry_s);
	const char *p[] = { scope, u.s, l.s, retry.s };
	PGresult *r = db_query(db,
		"update rate_limit set blocked_until = now() + make_interval(secs => $4::int), "
		"  limited_since = coalesce(limited_since, now()), total_limited = total_limited + 1, "
		"  request_limit = case when $3::int > 0 then $3::int else request_limit end, "
		"  used = greatest(used, $2::int), updated_at = now() "
		"where scope = $1 "
		"returning extract(epoch from now() - limited_since)::bigint", 4, p);

	*limited_for_s = 0;
	if (!r)
		return AG_EDB;
	*limited_for_s = (long)db_i64(r, 0, 0);
	PQclear(r);
	return AG_OK;
}

int budget_store_learn(struct db *db, const char *scope, int used, int limit)
{
	struct db_num u = db_n(used), l = db_n(limit);
	const char *p[] = { scope, u.s, l.s };

	return db_exec(db,
		"update rate_limit set request_limit = $3::int, limited_since = null, "
		"  blocked_until = greatest(blocked_until, case when $2::int >= $3::int - 1 "
		"    then now() + make_interval(secs => window_seconds::double precision "
		"         * ($2::int - $3::int + 2) / $3::int) else blocked_until end), "
		"  updated_at = now() where scope = $1", 3, p);
}

int budget_store_unlimited(struct db *db, const char *scope)
{
	const char *p[] = { scope };

	return db_exec(db, "update rate_limit set limited_since = null where scope = $1 "
			   "and limited_since is not null", 1, p);
}

int budget_store_release(struct db *db, const char *scope)
{
	const char *p[] = { scope };

	return db_exec(db, "update rate_limit set limited_since = null, blocked_until = '-infinity' "
			   "where scope = $1", 1, p);
}

int budget_store_figures(struct db *db, const char *scope, struct budget_figures *f)
{
	const char *p[] = { scope };
	PGresult *r = db_query(db, "select (select count(*) from rate_use u where u.scope = l.scope "
				   "and u.at > now() - make_interval(secs => l.window_seconds)), "
				   "request_limit, window_seconds, total_requests, total_limited "
				   "from rate_limit l where scope = $1", 1, p);
	int rc = AG_ENOTFOUND;

	*f = (struct budget_figures){ 0 };
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*f = (struct budget_figures){ db_i64(r, 0, 0), db_i64(r, 0, 1), db_i64(r, 0, 2),
					      db_i64(r, 0, 3), db_i64(r, 0, 4) };
		rc = AG_OK;
	}
	PQclear(r);
	return rc;
}

int budget_store_status(struct db *db, json_t **scopes)
{
	return db_query_json(db,
		"select coalesce(json_agg(json_build_object('scope', scope, 'used', used, "
		"'limit', request_limit, 'window_seconds', window_seconds, 'total_requests', "
		"total_requests, 'total_limited', total_limited) order by scope), '[]') "
		"from rate_limit", 0, NULL, scopes);
}

/* The budget's figures for /metrics (metrics_store.h); scopes are
 * "<vendor>:<account or id>" and need no escaping. */
const struct metric_family budget_metrics[] = {
	{ "ag_rate_limited_total", "counter",
	  "429 answers per budget scope (gorgias:<account>, aircall:<installation>)",
	  "select 'ag_rate_limited_total', format('scope=\"%s\"', scope), total_limited::text "
	  "from rate_limit order by scope" },
	{ "ag_budget_used", "gauge", "Requests sent in the current window per budget scope",
	  "select 'ag_budget_used', format('scope=\"%s\"', r.scope), "
	  "  (select count(*) from rate_use u where u.scope = r.scope "
	  "   and u.at > now() - make_interval(secs => r.window_seconds))::text "
	  "from rate_limit r order by r.scope" },
	{ "ag_budget_limit", "gauge", "The vendor's request limit per window per budget scope",
	  "select 'ag_budget_limit', format('scope=\"%s\"', scope), request_limit::text "
	  "from rate_limit order by scope" },
	{ "ag_budget_window_seconds", "gauge", "The vendor's rate-limit window per budget scope",
	  "select 'ag_budget_window_seconds', format('scope=\"%s\"', scope), "
	  "  window_seconds::text from rate_limit order by scope" },
};
