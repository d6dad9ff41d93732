#include "apply/progress.h"
#include "base/err.h"
#include "apply/process.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	PGresult *res = db_query(db, "select op_key from posted_op "
				     "where installation_id = $1 and subject = $2", 2, params);
	int n;

	posted_free(p);
	if (!res)
		return AG_EDB;
	n = PQntuples(res);
	p->keys = calloc((size_t)n + 1, sizeof *p->keys);
	if (!p->keys) {
		PQclear(res);
		return AG_ENOMEM;
	}
	for (int i = 0; i < n; i++)
		if ((p->keys[p->n] = strdup(db_str(res, i, 0))))
			p->n++;
	PQclear(res);
	return AG_OK;
}

static void lock_key(char *key, size_t len, const char *phone)
{
	snprintf(key, len, "phone:%s", phone);
}

int caller_lock(struct db *db, int64_t installation_id, const char *phone)
{
	struct db_num a = db_n(installation_id);
	char key[48];
	const char *p[] = { a.s, key };

	lock_key(key, sizeof key, phone);
	for (int i = 0; i < 400 && !ag_stop; i++) {
		PGresult *res = db_query(db, "select pg_try_advisory_lock($1::int, hashtext($2))", 2, p);
		int got = res && db_bool(res, 0, 0);

		PQclear(res);
		if (!res)
			return AG_EDB;
		if (got)
			return AG_OK;
		usleep(50 * 1000);
	}
	return AG_EBUSY;
}

void caller_unlock(struct db *db, int64_t installation_id, const char *phone)
{
	struct db_num a = db_n(installation_id);
	char key[48];
	const char *p[] = { a.s, key };

	lock_key(key, sizeof key, phone);
	PQclear(db_query(db, "select pg_advisory_unlock($1::int, hashtext($2))", 2, p));
}

int caller_hold(struct caller_hold *h, struct db *db, int64_t installation_id, const char *phone)
{
	int rc;

	if (h->held)
		return AG_OK;
	rc = caller_lock(db, installation_id, phone);
	h->held = rc == AG_OK;
	return rc;
}

void caller_release(struct caller_hold *h, struct db *db, int64_t installation_id,
		    const char *phone)
{
	if (!h->held)
		return;
	caller_unlock(db, installation_id, phone);
	h->held = 0;
}
