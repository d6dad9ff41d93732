#include "store/retention.h"
#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>

/* At most this many rows per statement: a sweep never holds long locks
 * against the webhook path; the next sweep continues. */
#define BATCH "5000"

static int sweep(struct db *db, const char *sql, int nparams, const char *const *p,
		 long long *count)
{
	PGresult *r = db_query(db, sql, nparams, p);

	if (!r)
		return AG_EDB;
	*count = atoll(PQcmdTuples(r));
	PQclear(r);
	return AG_OK;
}

int store_retention(struct db *db, int days, struct retention_counts *n)
{
	struct db_num d = db_n(days);
	const char *p[] = { d.s };
	int rc;

	*n = (struct retention_counts){ 0 };
	rc = sweep(db, "delete from inbox where id in (select id from inbox "
		       "where status in ('done', 'ignored') "
		       "  and coalesce(processed_at, received_at) < now() - make_interval(days => $1::int) "
		       "limit " BATCH ")", 1, p, &n->events);
	if (!rc)
		rc = sweep(db, "delete from web_session where id_hash in (select id_hash from web_session "
			       "where expires_at < now() limit " BATCH ")", 0, NULL, &n->sessions);
	if (!rc)
		rc = sweep(db, "delete from oauth_state where nonce in (select nonce from oauth_state "
			       "where expires_at < now() limit " BATCH ")", 0, NULL, &n->states);
	if (!rc)
		rc = sweep(db, "delete from settings_link where token_hash in (select token_hash "
			       "from settings_link where expires_at < now() limit " BATCH ")", 0, NULL,
			   &n->links);
	if (!rc && (n->events || n->sessions || n->states || n->links))
		log_info("retention: deleted %lld event(s), %lld session(s), %lld state(s), %lld link(s)",
			 n->events, n->sessions, n->states, n->links);
	return rc;
}
