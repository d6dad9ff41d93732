#include "store/installation_store.h"
#include "base/crypto.h"
#include "base/sealed.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void free_secret(char **s)
{
	if (*s) {
		memset(*s, 0, strlen(*s));
		free(*s);
	}
	*s = NULL;
}

void installation_free(struct installation *in)
{
	free(in->gorgias_email);
	free(in->aircall_api_id);
	free(in->refused);
	free_secret(&in->gorgias_secret);
	free_secret(&in->gorgias_refresh);
	free_secret(&in->aircall_secret);
	memset(in, 0, sizeof *in);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int store_installation_load(struct db *db, const struct config *cfg, int64_t id,
			    struct installation *in)
{
	struct db_num n = db_n(id);
	const char *p[] = { n.s };
	PGresult *r;
	const char *s;

	memset(in, 0, sizeof *in);
	r = db_query(db,
		"select id, gorgias_account, gorgias_auth, gorgias_email, gorgias_secret, "
		"  gorgias_refresh, aircall_auth, aircall_api_id, aircall_secret, state, "
		"  coalesce(disabled_reason, ''), numbers_all, locale, default_country, time_zone, "
		"  coalesce(gorgias_phone_lookup, ''), gorgias_tags_by_id, gorgias_note_on_create, "
		"  coalesce(extract(epoch from gorgias_token_expires_at)::bigint, 0), "
		"  array_to_string(gorgias_refused, E'\\n') "
		"from installation where id = $1", 1, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return AG_ENOTFOUND;
	}
	in->id = db_i64(r, 0, 0);
	snprintf(in->account, sizeof in->account, "%s", db_str(r, 0, 1));
	in->gorgias_oauth = strcmp(db_str(r, 0, 2), "oauth") == 0;
	in->gorgias_email = dup_or_null(db_str(r, 0, 3));
	if ((s = db_str(r, 0, 4)))
		in->gorgias_secret = sealed_open(cfg, in->account, "gorgias_secret", s);
	if ((s = db_str(r, 0, 5)))
		in->gorgias_refresh = sealed_open(cfg, in->account, "gorgias_refresh", s);
	in->aircall_oauth = (s = db_str(r, 0, 6)) && strcmp(s, "oauth") == 0;
	in->aircall_api_id = dup_or_null(db_str(r, 0, 7));
	if ((s = db_str(r, 0, 8)))
		in->aircall_secret = sealed_open(cfg, in->account, "aircall_secret", s);
	in->enabled = strcmp(db_str(r, 0, 9), "enabled") == 0;
	snprintf(in->disabled_reason, sizeof in->disabled_reason, "%s", db_str(r, 0, 10));
	in->numbers_all = db_bool(r, 0, 11);
	snprintf(in->locale, sizeof in->locale, "%s", db_str(r, 0, 12));
	snprintf(in->country, sizeof in->country, "%s", db_str(r, 0, 13));
	snprintf(in->time_zone, sizeof in->time_zone, "%s", db_str(r, 0, 14));
	snprintf(in->phone_lookup, sizeof in->phone_lookup, "%s", db_str(r, 0, 15));
	in->tags_by_id = db_bool(r, 0, 16);
	in->note_on_create = db_str(r, 0, 17) ? db_bool(r, 0, 17) : -1;
	in->gorgias_expires_at = (long long)db_i64(r, 0, 18);
	in->refused = strdup(db_str(r, 0, 19) ? db_str(r, 0, 19) : "");
	PQclear(r);
	if (!in->gorgias_secret) {
		/* Sealed under another AG_SECRET_KEY, or tampered with. */
		log_error("installation %lld: Gorgias credentials cannot be opened "
			  "(was AG_SECRET_KEY changed?)", (long long)in->id);
	}
	return AG_OK;
}

int store_number_selected(struct db *db, const struct installation *in, int64_t number_id)
{
	struct db_num a = db_n(in->id), b = db_n(number_id);
	const char *p[] = { a.s, b.s };
	PGresult *r;
	int sel;

	if (in->numbers_all)
		return 1;
	r = db_query(db, "select selected from installation_number "
			 "where installation_id = $1 and number_id = $2", 2, p);
	if (!r)
		return -1;
	sel = db_bool(r, 0, 0);
	PQclear(r);
	return sel;
}

int store_is_disabled(struct db *db, int64_t installation_id)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s };
	PGresult *r = db_query(db, "select state <> 'enabled' from installation where id = $1", 1, p);
	int off;

	if (!r)
		return -1;
	off = PQntuples(r) == 1 && strcmp(db_str(r, 0, 0), "t") == 0;
	PQclear(r);
	return off;
}

int store_disable(struct db *db, int64_t installation_id, const char *reason)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, reason };
	PGresult *r = db_query(db,
		"update installation set state = 'disabled', disabled_reason = $2, "
		"  disabled_at = now(), updated_at = now() "
		"where id = $1 and state = 'enabled' returning id", 2, p);

	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1)
		log_warn("installation %lld disabled: %s", (long long)installation_id, reason);
	PQclear(r);
	return AG_OK;
}

int store_set_capability(struct db *db, int64_t installation_id, const char *column,
			 const char *value)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, value };
	const char *sql;

	/* Column names come from this fixed list, never from input. */
	if (strcmp(column, "gorgias_phone_lookup") == 0)
		sql = "update installation set gorgias_phone_lookup = $2 where id = $1";
	else if (strcmp(column, "gorgias_tags_by_id") == 0)
		sql = "update installation set gorgias_tags_by_id = $2::boolean where id = $1";
	else if (strcmp(column, "gorgias_note_on_create") == 0)
		sql = "update installation set gorgias_note_on_create = $2::boolean where id = $1";
	else
		return AG_EINVAL;
	return db_exec(db, sql, 2, p);
}

int store_add_refused(struct db *db, struct installation *in, const char *key)
{
	struct db_num a = db_n(in->id);
	const char *p[] = { a.s, key };
	size_t have = in->refused ? strlen(in->refused) : 0;
	char *grown;

	if (store_refuses(in, key))
		return AG_OK;
	grown = realloc(in->refused, have + strlen(key) + 2);
	if (!grown)
		return AG_ENOMEM;
	snprintf(grown + have, strlen(key) + 2, "%s%s", have ? "\n" : "", key);
	in->refused = grown;
	if (in->id <= 0)
		return AG_OK;
	return db_exec(db, "update installation set gorgias_refused = array_append(gorgias_refused, $2) "
			   "where id = $1 and not ($2 = any(gorgias_refused))", 2, p);
}

int store_refuses(const struct installation *in, const char *key)
{
	size_t n = strlen(key);

	for (const char *s = in->refused; s && *s;) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len == n && strncmp(s, key, n) == 0)
			return 1;
		s += len + (end ? 1 : 0);
	}
	return 0;
}
