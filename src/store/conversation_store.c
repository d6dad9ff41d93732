/* Owner of the conversation table. */
#include "store/conversation_store.h"

#include <stdio.h>
#include <stdlib.h>

int conversation_open(struct db *db, int64_t installation_id, const char *phone, int64_t number_id,
		      int64_t *customer_id, int64_t *ticket_id, json_t **work)
{
	struct db_num a = db_n(installation_id), n = db_n(number_id);
	const char *p[] = { a.s, phone, n.s };
	PGresult *res;

	*work = NULL;
	if (db_exec(db, "insert into conversation (installation_id, customer_phone, number_id) "
			"values ($1, $2, $3) on conflict do nothing", 3, p))
		return AG_EDB;
	res = db_query(db, "select gorgias_customer_id, gorgias_ticket_id, work from conversation "
			   "where installation_id = $1 and customer_phone = $2 and number_id = $3", 3, p);
	if (!res)
		return AG_EDB;
	*customer_id = db_i64(res, 0, 0);
	*ticket_id = db_i64(res, 0, 1);
	*work = json_loads(db_str(res, 0, 2) ? db_str(res, 0, 2) : "{}", 0, NULL);
	PQclear(res);
	if (!json_is_object(*work)) {
		json_decref(*work);
		*work = json_object();
	}
	return *work ? AG_OK : AG_ENOMEM;
}

int conversation_save(struct db *db, int64_t installation_id, const char *phone, int64_t number_id,
		      int64_t customer_id, int64_t ticket_id, const json_t *work)
{
	struct db_num a = db_n(installation_id), n = db_n(number_id), c = db_n(customer_id),
		      t = db_n(ticket_id);
	char *text = json_dumps(work, JSON_COMPACT);
	const char *p[] = { a.s, phone, n.s, customer_id ? c.s : NULL, ticket_id ? t.s : NULL, text };
	int rc;

	if (!text)
		return AG_ENOMEM;
	rc = db_exec(db, "update conversation set gorgias_customer_id = $4, gorgias_ticket_id = $5, "
			 "work = $6::jsonb, updated_at = now() "
			 "where installation_id = $1 and customer_phone = $2 and number_id = $3", 6, p);
	free(text);
	return rc;
}

int conversation_by_ticket(struct db *db, int64_t installation_id, int64_t ticket_id,
			   char *phone, size_t phone_len, int64_t *number_id)
{
	struct db_num a = db_n(installation_id), t = db_n(ticket_id);
	const char *p[] = { a.s, t.s };
	PGresult *res;
	int rc = AG_ENOTFOUND;

	*number_id = 0;
	phone[0] = '\0';
	/* A ticket belongs to one conversation (customer x line) at most;
	 * should two claim it, the one updated last is the live one. */
	res = db_query(db, "select customer_phone, number_id from conversation "
			   "where installation_id = $1 and gorgias_ticket_id = $2 "
			   "order by updated_at desc limit 1", 2, p);
	if (!res)
		return AG_EDB;
	if (PQntuples(res) == 1) {
		snprintf(phone, phone_len, "%s", db_str(res, 0, 0));
		*number_id = db_i64(res, 0, 1);
		rc = AG_OK;
	}
	PQclear(res);
	return rc;
}
