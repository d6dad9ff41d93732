#include "vendor/budget.h"
#include "base/err.h"
#include "base/log.h"
#include "store/budget_store.h"

int budget_take(struct db *db, const char *scope, int reserve_pct, long *wait_s)
{
	double wait;
	int rc = budget_store_take(db, scope, reserve_pct, &wait);

	*wait_s = 0;
	if (rc != AG_OK || wait <= 0)
		return rc;
	*wait_s = (long)wait + 1;
	return AG_EBUDGET;
}

/* What is learnt from an answer only tunes the pacing: should it not be
 * stored, the next answer teaches it again (and a 429 is retried anyway). */
static void learnt(int rc, const char *scope)
{
	if (rc != AG_OK)
		log_warn("budget %s: what the answer said is not stored (%s)", scope, ag_strerror(rc));
}

long budget_observe(struct db *db, const char *scope, const struct http_resp *resp)
{
	long since = 0;

	if (resp->status == 429) {
		learnt(budget_store_limited(db, scope, resp->call_limit_used, resp->call_limit_max,
					    resp->retry_after > 0 && resp->retry_after < 3600
						    ? resp->retry_after : 5,
					    &since), scope);
		return since;
	}
	/* The server's count includes the account's other apps: when it says
	 * the bucket is nearly full, pause for as long as the bucket needs to
	 * drain below the limit. */
	if (resp->call_limit_max > 0)
		learnt(budget_store_learn(db, scope, resp->call_limit_used, resp->call_limit_max), scope);
	else if (resp->status > 0)
		learnt(budget_store_unlimited(db, scope), scope);
	return 0;
}
