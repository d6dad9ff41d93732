/* Owner of the posted_op table. */
#include "store/posted_op_store.h"

#include <stdlib.h>
#include <string.h>

void posted_free(struct posted *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->keys[i]);
	free(p->keys);
	p->keys = NULL;
	p->n = 0;
}

int posted_load(struct db *db, int64_t installation_id, const char *subject, struct posted *p)
{
	struct db_num a = db_n(installation_id);
	const char *params[] = { a.s, subject };
	PGresult *res;
	int rc = AG_OK, n;

	posted_free(p);
	res = db_query(db, "select op_key from posted_op where installation_id = $1 and subject = $2",
		       2, params);
	if (!res)
		return AG_EDB;
	n = PQntuples(res);
	p->keys = calloc((size_t)n + 1, sizeof *p->keys);
	if (!p->keys) {
		rc = AG_ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((p->keys[p->n] = strdup(db_str(res, i, 0))))
			p->n++;
out:
	PQclear(res);
	return rc;
}

int posted_has(const struct posted *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->keys[i], key) == 0)
			return 1;
	return 0;
}

int posted_record(struct db *db, int64_t installation_id, const char *subject, const char *key,
		  int64_t gorgias_id)
{
	struct db_num a = db_n(installation_id), g = db_n(gorgias_id);
	const char *p[] = { a.s, subject, key, gorgias_id ? g.s : NULL };

	return db_exec(db, "insert into posted_op (installation_id, subject, op_key, gorgias_id) "
			   "values ($1, $2, $3, $4) on conflict do nothing", 4, p);
}

int posted_forget(struct db *db, int64_t installation_id, const char *subject, const char *key)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, subject, key };

	return db_exec(db, "delete from posted_op where installation_id = $1 and subject = $2 "
			   "and op_key = $3", 3, p);
}

int posted_forget_all(struct db *db, int64_t installation_id, const char *subject)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, subject };

	return db_exec(db, "delete from posted_op where installation_id = $1 and subject = $2", 2, p);
}
