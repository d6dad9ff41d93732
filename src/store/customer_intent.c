/* Owner of customer_intent (customer_intent.h). */
#include "store/customer_intent.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int customer_intent_take(struct db *db, int64_t installation_id, const char *phone,
			 const char *email, char *out, size_t outsz)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, phone, email };
	PGresult *res;
	int rc = AG_OK;

	if (strlen(email) >= outsz || strlen(email) > 200)
		return AG_EINVAL;
	/* One statement: the row inserted now or the one an earlier attempt left. */
	res = db_query(db, "insert into customer_intent (installation_id, phone, email) "
			   "values ($1, $2, $3) on conflict (installation_id, phone) "
			   "do update set email = customer_intent.email returning email", 3, p);
	if (!res)
		return AG_EDB;
	if (PQntuples(res) != 1 || strlen(db_str(res, 0, 0)) >= outsz)
		rc = AG_EDB;
	else
		snprintf(out, outsz, "%s", db_str(res, 0, 0));
	PQclear(res);
	return rc;
}

int customer_intent_drop(struct db *db, int64_t installation_id, const char *phone)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, phone };

	return db_exec(db, "delete from customer_intent where installation_id = $1 and phone = $2",
		       2, p);
}
