/* Owner of gorgias_user_cache, customer_cache and gorgias_tag_cache
 * (cache_store.h). */
#include "store/cache_store.h"

#include <stdlib.h>
#include <string.h>

int user_cache_get(struct db *db, int64_t installation_id, const char *key, int64_t *user_id,
		   int *hit)
{
	struct db_num a = db_n(installation_id), ttl = db_n(USER_CACHE_TTL_S);
	const char *p[] = { a.s, key, ttl.s };
	PGresult *r = db_query(db,
		"select user_id from gorgias_user_cache where installation_id = $1 and email = $2 "
		"and fetched_at > now() - make_interval(secs => $3::int)", 3, p);

	*hit = 0;
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*hit = 1;
		*user_id = db_i64(r, 0, 0);
	}
	PQclear(r);
	return AG_OK;
}

int user_cache_put(struct db *db, int64_t installation_id, const char *key, int64_t user_id,
		   int admin)
{
	struct db_num a = db_n(installation_id), u = db_n(user_id);
	const char *p[] = { a.s, key, user_id ? u.s : NULL, admin ? "true" : "false" };

	return db_exec(db,
		"insert into gorgias_user_cache (installation_id, email, user_id, is_admin) "
		"values ($1, $2, $3, $4) on conflict (installation_id, email) do update "
		"set user_id = excluded.user_id, is_admin = excluded.is_admin, fetched_at = now()",
		4, p);
}

int user_cache_forget(struct db *db, int64_t installation_id, int64_t user_id)
{
	struct db_num a = db_n(installation_id), u = db_n(user_id);
	const char *p[] = { a.s, u.s };

	if (!user_id)
		return db_exec(db, "delete from gorgias_user_cache where installation_id = $1", 1, p);
	return db_exec(db, "delete from gorgias_user_cache where installation_id = $1 "
			   "and user_id = $2", 2, p);
}

int customer_cache_get(struct db *db, int64_t installation_id, const char *phone,
		       int64_t *customer_id, char **name)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, phone };
	PGresult *r;

	*customer_id = 0;
	*name = NULL;
	r = db_query(db, "select customer_id, name from customer_cache "
			 "where installation_id = $1 and phone = $2", 2, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*customer_id = db_i64(r, 0, 0);
		if (db_str(r, 0, 1))
			*name = strdup(db_str(r, 0, 1));
	}
	PQclear(r);
	return AG_OK;
}

int customer_cache_put(struct db *db, int64_t installation_id, const char *phone,
		       int64_t customer_id, const char *name)
{
	struct db_num a = db_n(installation_id), c = db_n(customer_id);
	const char *p[] = { a.s, phone, c.s, name };

	return db_exec(db,
		"insert into customer_cache (installation_id, phone, customer_id, name) "
		"values ($1, $2, $3, $4) on conflict (installation_id, phone) do update "
		"set customer_id = excluded.customer_id, name = excluded.name, updated_at = now()",
		4, p);
}

int customer_cache_profile(struct db *db, int64_t installation_id, const char *phone,
			   long max_age_s, json_t **profile)
{
	struct db_num a = db_n(installation_id), age = db_n(max_age_s);
	const char *p[] = { a.s, phone, age.s };
	PGresult *r = db_query(db,
		"select customer_id, name, email, note from customer_cache "
		"where installation_id = $1 and phone = $2 "
		"and profile_at > now() - make_interval(secs => $3::int)", 3, p);
	int rc = AG_OK;

	*profile = NULL;
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*profile = json_pack("{s:I, s:s?, s:s?, s:s?}", "id", (json_int_t)db_i64(r, 0, 0),
				     "name", db_str(r, 0, 1), "email", db_str(r, 0, 2),
				     "note", db_str(r, 0, 3));
		if (!*profile)
			rc = AG_ENOMEM;
	}
	PQclear(r);
	return rc;
}

int customer_cache_put_profile(struct db *db, int64_t installation_id, const char *phone,
			       int64_t customer_id, const char *name, const char *email,
			       const char *note)
{
	struct db_num a = db_n(installation_id), id = db_n(customer_id);
	const char *p[] = { a.s, phone, id.s, name, email, note };

	return db_exec(db,
		"insert into customer_cache (installation_id, phone, customer_id, name, email, note, "
		"  profile_at) values ($1, $2, $3, $4, $5, $6, now()) "
		"on conflict (installation_id, phone) do update set customer_id = excluded.customer_id, "
		"  name = excluded.name, email = excluded.email, note = excluded.note, "
		"  profile_at = now(), updated_at = now()", 6, p);
}

int customer_cache_forget_phone(struct db *db, int64_t installation_id, const char *phone)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, phone };

	return db_exec(db, "delete from customer_cache where installation_id = $1 and phone = $2",
		       2, p);
}

int customer_cache_forget_customer(struct db *db, int64_t installation_id, int64_t customer_id)
{
	struct db_num a = db_n(installation_id), c = db_n(customer_id);
	const char *p[] = { a.s, c.s };

	return db_exec(db, "delete from customer_cache where installation_id = $1 "
			   "and customer_id = $2", 2, p);
}

int tag_cache_get(struct db *db, int64_t installation_id, const char *name, int64_t *tag_id)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, name };
	PGresult *r = db_query(db, "select tag_id from gorgias_tag_cache "
				   "where installation_id = $1 and name = $2", 2, p);

	*tag_id = 0;
	if (!r)
		return AG_EDB;
	*tag_id = db_i64(r, 0, 0);
	PQclear(r);
	return AG_OK;
}

int tag_cache_put(struct db *db, int64_t installation_id, const char *name, int64_t tag_id)
{
	struct db_num a = db_n(installation_id), t = db_n(tag_id);
	const char *p[] = { a.s, name, t.s };

	return db_exec(db, "insert into gorgias_tag_cache (installation_id, name, tag_id) "
			   "values ($1, $2, $3) on conflict (installation_id, name) "
			   "do update set tag_id = excluded.tag_id", 3, p);
}

int tag_cache_forget(struct db *db, int64_t installation_id)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s };

	return db_exec(db, "delete from gorgias_tag_cache where installation_id = $1", 1, p);
}
