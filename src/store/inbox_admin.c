#include "store/inbox_admin.h"
#include "base/err.h"

#include <string.h>

int inbox_admin_list(struct db *db, int64_t installation_id, const char *state, long limit,
		     json_t **events)
{
	struct db_num inst = db_n(installation_id), lim = db_n(limit);
	const char *p[] = { inst.s, state, lim.s };
	PGresult *r;

	*events = NULL;
	r = db_query(db,
		"select coalesce(json_agg(json_build_object('id', id, 'installation_id', "
		"  installation_id, 'event', event, 'subject', subject, 'status', status, "
		"  'attempts', attempts, 'received_at', received_at, 'next_attempt_at', "
		"  next_attempt_at, 'last_error', last_error) order by id desc), '[]') "
		"from (select * from inbox where installation_id = $1 and "
		"  (status = $2 or $2 = 'pending' and status = 'working') "
		"  order by id desc limit $3) e", 3, p);
	if (!r)
		return AG_EDB;
	*events = json_loads(db_str(r, 0, 0), 0, NULL);
	PQclear(r);
	return *events ? AG_OK : AG_ENOMEM;
}

int inbox_admin_retry_one(struct db *db, int64_t event_id)
{
	struct db_num id = db_n(event_id);
	const char *p[] = { id.s };
	PGresult *r;
	int rc;

	/* One statement: the status it had decides, and a failed one is
	 * requeued as the bulk retry does (attempts from zero). */
	r = db_query(db,
		"with e as (select id, status from inbox where id = $1), "
		"u as (update inbox set status = 'pending', attempts = 0, next_attempt_at = now(), "
		"  lease_until = null from e where inbox.id = e.id and e.status = 'failed' "
		"  returning inbox.id) "
		"select e.status, (select count(*) from u) from e", 1, p);
	if (!r)
		return AG_EDB;
	rc = PQntuples(r) == 0 ? AG_ENOTFOUND : db_i64(r, 0, 1) == 1 ? AG_OK : AG_ECONFLICT;
	PQclear(r);
	return rc;
}
