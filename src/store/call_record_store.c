/* Owner of the call_record table. */
#include "store/call_record_store.h"

#include <stdlib.h>

int call_record_open(struct db *db, int64_t installation_id, int64_t call_id, json_t **call,
		     int64_t *customer_id, int64_t *ticket_id)
{
	struct db_num a = db_n(installation_id), c = db_n(call_id);
	const char *p[] = { a.s, c.s };
	PGresult *res;

	*call = NULL;
	if (db_exec(db, "insert into call_record (installation_id, call_id) values ($1, $2) "
			"on conflict do nothing", 2, p))
		return AG_EDB;
	res = db_query(db, "select call, gorgias_customer_id, gorgias_ticket_id "
			   "from call_record where installation_id = $1 and call_id = $2", 2, p);
	if (!res)
		return AG_EDB;
	*call = db_str(res, 0, 0) ? json_loads(db_str(res, 0, 0), 0, NULL) : NULL;
	*customer_id = db_i64(res, 0, 1);
	*ticket_id = db_i64(res, 0, 2);
	PQclear(res);
	return *call ? AG_OK : AG_EINVAL;
}

/* The text of j bound as parameter 3 of sql after installation and call. */
static int update_with(struct db *db, const char *sql, int64_t installation_id, int64_t call_id,
		       const json_t *j)
{
	struct db_num a = db_n(installation_id), c = db_n(call_id);
	char *text = json_dumps(j, JSON_COMPACT);
	const char *p[] = { a.s, c.s, text };
	int rc;

	if (!text)
		return AG_ENOMEM;
	rc = db_exec(db, sql, 3, p);
	free(text);
	return rc;
}

int call_record_save_call(struct db *db, int64_t installation_id, int64_t call_id,
			  const json_t *call)
{
	return update_with(db, "update call_record set call = $3::jsonb, updated_at = now() "
			       "where installation_id = $1 and call_id = $2",
			   installation_id, call_id, call);
}

int call_record_save_bridge(struct db *db, int64_t installation_id, int64_t call_id,
			    const json_t *bridge)
{
	return update_with(db, "update call_record set call = jsonb_set(call, '{bridge}', $3::jsonb), "
			       "updated_at = now() where installation_id = $1 and call_id = $2",
			   installation_id, call_id, bridge);
}

int call_record_save_ids(struct db *db, int64_t installation_id, int64_t call_id,
			 int64_t customer_id, int64_t ticket_id)
{
	struct db_num a = db_n(installation_id), c = db_n(call_id), cu = db_n(customer_id),
		      t = db_n(ticket_id);
	const char *p[] = { a.s, c.s, customer_id ? cu.s : NULL, ticket_id ? t.s : NULL };

	return db_exec(db, "update call_record set gorgias_customer_id = $3, gorgias_ticket_id = $4, "
			   "updated_at = now() where installation_id = $1 and call_id = $2", 4, p);
}

/* The first column of the first row as a number (0 for no row or NULL). */
static int first_number(struct db *db, const char *sql, int64_t installation_id, int64_t call_id,
			int64_t *out)
{
	struct db_num a = db_n(installation_id), c = db_n(call_id);
	const char *p[] = { a.s, c.s };
	PGresult *res = db_query(db, sql, 2, p);

	*out = 0;
	if (!res)
		return AG_EDB;
	*out = PQntuples(res) ? db_i64(res, 0, 0) : 0;
	PQclear(res);
	return AG_OK;
}

int call_record_ticket(struct db *db, int64_t installation_id, int64_t call_id, int64_t *ticket_id)
{
	return first_number(db, "select gorgias_ticket_id from call_record "
				"where installation_id = $1 and call_id = $2",
			    installation_id, call_id, ticket_id);
}

int call_record_callback_requested(struct db *db, int64_t installation_id, int64_t call_id,
				   int *yes)
{
	int64_t found;
	int rc = first_number(db, "select 1 from call_record where installation_id = $1 "
				  "and call->'data'->>'automatic_callback_call_id' = $2 limit 1",
			      installation_id, call_id, &found);

	*yes = found != 0;
	return rc;
}
