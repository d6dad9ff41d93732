/* Owner of the advisory locks of subjects and callers (no table: the
 * installation id and hashtext(key) name the lock). */
#include "store/subject_lock.h"

int subject_try_lock(struct db *db, int64_t installation_id, const char *key)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, key };
	PGresult *res = db_query(db, "select pg_try_advisory_lock($1::int, hashtext($2))", 2, p);
	int got;

	if (!res)
		return AG_EDB;
	got = db_bool(res, 0, 0);
	PQclear(res);
	return got ? AG_OK : AG_EBUSY;
}

int subject_unlock(struct db *db, int64_t installation_id, const char *key)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, key };

	return db_exec(db, "select pg_advisory_unlock($1::int, hashtext($2))", 2, p);
}
