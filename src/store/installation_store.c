/* Owner of installation and installation_number (installation_store.h). */
#include "store/installation_store.h"
#include "base/crypto.h"
#include "base/sealed.h"
#include "base/err.h"
#include "base/log.h"
#include "store/budget_store.h"
#include "store/inbox.h"

#include <inttypes.h>

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

/* A stored secret that does not open here (AG_SECRET_KEY changed, or the
 * value was moved or altered) reads as absent: the installation then shows
 * as not connected for that vendor, and the log says why. */
static void open_secret(const struct config *cfg, const char *account, const char *column,
			const char *sealed, char **plain)
{
	int rc = sealed_open(cfg, account, column, sealed, plain);

	if (rc)
		log_warn("installation %s: %s does not open (%s)", account, column, ag_strerror(rc));
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
		open_secret(cfg, in->account, "gorgias_secret", s, &in->gorgias_secret);
	if ((s = db_str(r, 0, 5)))
		open_secret(cfg, in->account, "gorgias_refresh", s, &in->gorgias_refresh);
	in->aircall_oauth = (s = db_str(r, 0, 6)) && strcmp(s, "oauth") == 0;
	in->aircall_api_id = dup_or_null(db_str(r, 0, 7));
	if ((s = db_str(r, 0, 8)))
		open_secret(cfg, in->account, "aircall_secret", s, &in->aircall_secret);
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

int installation_number_selected(struct db *db, const struct installation *in, int64_t number_id,
				 int *selected)
{
	struct db_num a = db_n(in->id), b = db_n(number_id);
	const char *p[] = { a.s, b.s };
	PGresult *r;

	*selected = 1;
	if (in->numbers_all)
		return AG_OK;
	r = db_query(db, "select selected from installation_number "
			 "where installation_id = $1 and number_id = $2", 2, p);
	*selected = 0;
	if (!r)
		return AG_EDB;
	*selected = db_bool(r, 0, 0);
	PQclear(r);
	return AG_OK;
}

int installation_disabled(struct db *db, int64_t installation_id, int *disabled)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s };
	PGresult *r = db_query(db, "select state <> 'enabled' from installation where id = $1", 1, p);

	*disabled = 0;
	if (!r)
		return AG_EDB;
	*disabled = PQntuples(r) == 1 && strcmp(db_str(r, 0, 0), "t") == 0;
	PQclear(r);
	return AG_OK;
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

int installation_enable(struct db *db, int64_t installation_id, int reinstalled)
{
	struct db_num id = db_n(installation_id);
	const char *p[] = { id.s, reinstalled ? "true" : "false" };
	char scope[96];
	PGresult *r;
	int rc, removed;

	/* After an uninstall the stored grant is void and whoever removed the
	 * app meant it: only a new install (fresh credentials) enables again. */
	r = db_query(db,
		"with target as (select id, coalesce(disabled_reason, '') = 'authorization_removed' "
		"  as removed, gorgias_account from installation where id = $1), "
		"done as (update installation set state = 'enabled', disabled_reason = null, "
		"  disabled_at = null, updated_at = now() "
		"  where id = (select id from target where $2::boolean or not removed) returning id) "
		"select (select removed from target), (select count(*) from done), "
		"  (select gorgias_account from target)", 2, p);
	if (!r)
		return AG_EDB;
	rc = PQgetisnull(r, 0, 0) ? AG_ENOTFOUND : AG_OK;
	removed = db_bool(r, 0, 0);
	snprintf(scope, sizeof scope, "gorgias:%s", db_str(r, 0, 2) ? db_str(r, 0, 2) : "");
	PQclear(r);
	if (rc != AG_OK)
		goto out;
	if (removed && !reinstalled) {
		rc = AG_EREJECT;
		goto out;
	}
	/* AD2: the events kept while disabled are pending; make them due now. */
	rc = inbox_make_due(db, installation_id);
	if (rc == AG_OK)
		rc = budget_store_release(db, scope);
	if (rc == AG_OK)
		log_info("installation %" PRId64 " enabled", installation_id);
out:
	return rc;
}

int installation_save_numbers(struct db *db, int64_t installation_id, const json_t *numbers,
			      number_pick_fn pick, const void *arg, int keep_selection)
{
	const json_t *n;
	size_t i;

	json_array_foreach(numbers, i, n) {
		int64_t nid = (int64_t)json_integer_value(json_object_get(n, "id"));
		struct db_num in = db_n(installation_id), num = db_n(nid);
		const char *name = json_string_value(json_object_get(n, "name"));
		const char *digits = json_string_value(json_object_get(n, "digits"));
		const char *p[] = { in.s, num.s, name ? name : "", digits ? digits : "",
				    pick(arg, nid) ? "true" : "false", keep_selection ? "true" : "false" };
		if (nid <= 0)
			continue;
		if (db_exec(db,
			    "insert into installation_number (installation_id, number_id, name, digits, "
			    "  selected) values ($1, $2, left($3, 200), left($4, 64), $5::boolean) "
			    "on conflict (installation_id, number_id) do update set name = excluded.name, "
			    "  digits = excluded.digits, updated_at = now(), selected = case when "
			    "  $6::boolean then installation_number.selected else excluded.selected end",
			    6, p))
			return AG_EDB;
	}
	return AG_OK;
}

int installation_numbers_list(struct db *db, int64_t installation_id,
			      struct installation_number *out, size_t max, size_t *n)
{
	struct db_num id = db_n(installation_id), lim = db_n((int64_t)max);
	const char *p[] = { id.s, lim.s };
	PGresult *r = db_query(db, "select number_id, name, digits, selected from "
				   "installation_number where installation_id = $1 "
				   "order by name, number_id limit $2", 2, p);

	*n = 0;
	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r) && *n < max; i++, (*n)++) {
		struct installation_number *o = &out[*n];

		snprintf(o->id, sizeof o->id, "%s", db_str(r, i, 0));
		snprintf(o->name, sizeof o->name, "%s", db_str(r, i, 1) ? db_str(r, i, 1) : "");
		snprintf(o->digits, sizeof o->digits, "%s", db_str(r, i, 2) ? db_str(r, i, 2) : "");
		o->selected = db_bool(r, i, 3);
	}
	PQclear(r);
	return AG_OK;
}

int installation_save_settings(struct db *db, int64_t installation_id, const char *number_ids,
			       const char *locale, const char *country, const char *time_zone)
{
	struct db_num id = db_n(installation_id);
	const char *p[] = { id.s, number_ids }, *d[] = { id.s, locale, country, time_zone };

	if (db_begin(db))
		return AG_EDB;
	/* Only rows of this installation: a number id of another tenant
	 * matches nothing here. */
	if (db_exec(db, "update installation_number set selected = "
			"(number_id = any($2::bigint[])), updated_at = now() "
			"where installation_id = $1", 2, p) ||
	    db_exec(db, "update installation set numbers_all = false, "
			"locale = coalesce($2, locale), default_country = coalesce($3, "
			"default_country), time_zone = coalesce($4, time_zone), "
			"updated_at = now() where id = $1", 4, d) ||
	    db_commit(db)) {
		db_rollback(db);
		return AG_EDB;
	}
	return AG_OK;
}

/* The first column of the first row as a new string (NULL when none). */
static int first_str(PGresult *r, int col, char **out)
{
	*out = NULL;
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1 && db_str(r, 0, col) && !(*out = strdup(db_str(r, 0, col)))) {
		PQclear(r);
		return AG_ENOMEM;
	}
	PQclear(r);
	return AG_OK;
}

int installation_find_account(struct db *db, const char *account, int64_t *id, char **webhook_id)
{
	const char *p[] = { account };
	PGresult *r = db_query(db, "select id, webhook_id from installation "
				   "where gorgias_account = $1", 1, p);

	*id = 0;
	*webhook_id = NULL;
	if (r && PQntuples(r) == 1)
		*id = db_i64(r, 0, 0);
	return first_str(r, 1, webhook_id);
}

int installation_account(struct db *db, int64_t id, char **account)
{
	struct db_num in = db_n(id);
	const char *p[] = { in.s };
	int rc = first_str(db_query(db, "select gorgias_account from installation where id = $1",
				    1, p), 0, account);

	return rc == AG_OK && !*account ? AG_ENOTFOUND : rc;
}

int installation_oauth_webhook_id(struct db *db, int64_t id, char **webhook_id)
{
	struct db_num in = db_n(id);
	const char *p[] = { in.s };

	return first_str(db_query(db, "select webhook_id from installation where id = $1 "
				      "and aircall_auth = 'oauth'", 1, p), 0, webhook_id);
}

int installation_save_basic(struct db *db, const struct installation_basic *b,
			    const json_t *numbers, number_pick_fn pick, const void *pick_arg,
			    int64_t *id)
{
	const char *p[] = { b->account, b->email, b->gorgias_sealed, b->aircall_id,
			    b->aircall_sealed, b->webhook_id, b->webhook_sealed, b->webhook_hash,
			    b->numbers_all ? "true" : "false", b->locale, b->country, b->time_zone };
	PGresult *r;
	int rc = AG_EDB;

	if (db_begin(db))
		return AG_EDB;
	/* Installing again re-enables (AD1's fix) and keeps mappings. */
	r = db_query(db,
		"insert into installation (gorgias_account, gorgias_auth, gorgias_email, "
		"  gorgias_secret, aircall_auth, aircall_api_id, aircall_secret, webhook_id, "
		"  webhook_token, webhook_token_hash, numbers_all, locale, default_country, time_zone) "
		"values ($1, 'basic', $2, $3, 'basic', $4, $5, $6, $7, $8, $9::boolean, $10, $11, $12) "
		"on conflict (gorgias_account) do update set gorgias_auth = 'basic', "
		"  gorgias_email = excluded.gorgias_email, gorgias_secret = excluded.gorgias_secret, "
		"  gorgias_refresh = null, aircall_auth = 'basic', "
		"  aircall_api_id = excluded.aircall_api_id, aircall_secret = excluded.aircall_secret, "
		"  webhook_id = excluded.webhook_id, "
		"  webhook_token = coalesce(excluded.webhook_token, installation.webhook_token), "
		"  webhook_token_hash = coalesce(excluded.webhook_token_hash, installation.webhook_token_hash), "
		"  numbers_all = excluded.numbers_all, locale = excluded.locale, "
		"  default_country = excluded.default_country, time_zone = excluded.time_zone, "
		"  state = 'enabled', disabled_reason = null, disabled_at = null, updated_at = now() "
		"returning id", 12, p);
	if (!r)
		goto out;
	*id = db_i64(r, 0, 0);
	PQclear(r);
	if (installation_save_numbers(db, *id, numbers, pick, pick_arg, 0) == AG_OK &&
	    db_commit(db) == AG_OK)
		rc = AG_OK;
out:
	if (rc != AG_OK)
		db_rollback(db);
	return rc;
}

int installation_save_gorgias_oauth(struct db *db, const char *account, const char *email,
				    const char *sealed_access, const char *sealed_refresh,
				    long long expires_at, int64_t user_id, int64_t *id)
{
	struct db_num exp = db_n(expires_at), uid = db_n(user_id);
	const char *p[] = { account, email, sealed_access, sealed_refresh, exp.s, uid.s };
	PGresult *r;
	int rc;

	/* Installing again keeps the row, and so its mappings and history. */
	r = db_query(db,
		"insert into installation (gorgias_account, gorgias_auth, gorgias_email, gorgias_secret, "
		"  gorgias_refresh, gorgias_token_expires_at, gorgias_user_id) "
		"values ($1, 'oauth', $2, $3, $4, to_timestamp($5::bigint), $6::bigint) "
		"on conflict (gorgias_account) do update set gorgias_auth = 'oauth', "
		"  gorgias_email = excluded.gorgias_email, gorgias_secret = excluded.gorgias_secret, "
		"  gorgias_refresh = coalesce(excluded.gorgias_refresh, installation.gorgias_refresh), "
		"  gorgias_token_expires_at = excluded.gorgias_token_expires_at, "
		"  gorgias_user_id = excluded.gorgias_user_id, updated_at = now() "
		"returning id", 6, p);
	rc = r && PQntuples(r) == 1 ? AG_OK : AG_EDB;
	if (rc == AG_OK)
		*id = db_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int installation_save_aircall_oauth(struct db *db, int64_t id, const struct installation_aircall *a,
				    const json_t *numbers, number_pick_fn pick, const void *pick_arg)
{
	struct db_num in = db_n(id), co = db_n(a->company_id);
	const char *p[] = { in.s, co.s, a->sealed_access, a->webhook_id, a->webhook_sealed,
			    a->webhook_hash };
	const char *q[] = { co.s, in.s };
	PGresult *r;
	int rc = AG_EDB;

	if (db_begin(db))
		return AG_EDB;
	r = db_query(db, "select 1 from installation where aircall_company_id = $1 and id <> $2",
		     2, q);
	if (!r)
		goto out;
	if (PQntuples(r) > 0) {
		PQclear(r);
		rc = AG_ECONFLICT;
		goto out;
	}
	PQclear(r);
	if (db_exec(db,
		    "update installation set aircall_auth = 'oauth', aircall_company_id = $2::bigint, "
		    "  aircall_api_id = null, aircall_secret = $3, webhook_id = $4, "
		    "  webhook_token = coalesce($5, webhook_token), "
		    "  webhook_token_hash = coalesce($6, webhook_token_hash), numbers_all = false, "
		    "  updated_at = now() where id = $1", 6, p) == AG_OK &&
	    installation_save_numbers(db, id, numbers, pick, pick_arg, 0) == AG_OK &&
	    inbox_supersede_uninstall(db, id) == AG_OK && db_commit(db) == AG_OK)
		rc = AG_OK;
out:
	if (rc != AG_OK)
		db_rollback(db);
	return rc;
}

int installation_token_lock(struct db *db, int64_t id, char **sealed_access, long long *expires_at,
			    int *enabled)
{
	struct db_num in = db_n(id);
	const char *p[] = { in.s };
	PGresult *r;
	int rc;

	*sealed_access = NULL;
	*expires_at = 0;
	*enabled = 0;
	if (db_begin(db))
		return AG_EDB;
	r = db_query(db, "select gorgias_secret, coalesce(extract(epoch from "
			 "gorgias_token_expires_at)::bigint, 0), state from installation "
			 "where id = $1 for update", 1, p);
	if (r && PQntuples(r) != 1) {
		PQclear(r);
		rc = AG_ENOTFOUND;
	} else {
		if (r) {
			*expires_at = (long long)db_i64(r, 0, 1);
			*enabled = strcmp(db_str(r, 0, 2), "enabled") == 0;
		}
		rc = first_str(r, 0, sealed_access);
	}
	if (rc != AG_OK)
		db_rollback(db);
	return rc;
}

int installation_token_save(struct db *db, int64_t id, const char *sealed_access,
			    const char *sealed_refresh, long long expires_at)
{
	struct db_num in = db_n(id), exp = db_n(expires_at);
	const char *p[] = { in.s, sealed_access, sealed_refresh, exp.s };

	/* No new refresh token in the answer: keep the old one (G8). */
	if (db_exec(db, "update installation set gorgias_secret = $2, "
			"gorgias_refresh = coalesce($3, gorgias_refresh), "
			"gorgias_token_expires_at = to_timestamp($4::bigint), updated_at = now() "
			"where id = $1", 4, p) || db_commit(db)) {
		db_rollback(db);
		return AG_EDB;
	}
	return AG_OK;
}

int installation_token_unlock(struct db *db)
{
	return db_commit(db);
}

void installation_token_abandon(struct db *db)
{
	db_rollback(db);
}

int installation_status(struct db *db, json_t **installations)
{
	return db_query_json(db,
		"select coalesce(json_agg(json_build_object('id', id, 'gorgias_account', "
		"gorgias_account, 'state', state, 'disabled_reason', disabled_reason, "
		"'locale', locale, 'default_country', default_country, 'time_zone', time_zone, "
		"'numbers_all', numbers_all, 'gorgias_refused', gorgias_refused) order by id), '[]') "
		"from installation", 0, NULL, installations);
}

const char *const installation_sealed_columns[INSTALLATION_SEALED_N] = {
	"gorgias_secret", "gorgias_refresh", "aircall_secret", "webhook_token",
};

void installation_sealed_free(struct installation_sealed *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		for (size_t c = 0; c < INSTALLATION_SEALED_N; c++)
			free_secret(&rows[i].value[c]);
	free(rows);
}

int installation_sealed_v1(struct db *db, struct installation_sealed **rows, size_t *n)
{
	PGresult *r;
	int rc = AG_OK;

	*rows = NULL;
	*n = 0;
	r = db_query(db, "select id, gorgias_account, gorgias_secret, gorgias_refresh, "
			 "  aircall_secret, webhook_token from installation "
			 "where gorgias_secret like 'v1:%' or gorgias_refresh like 'v1:%' "
			 "   or aircall_secret like 'v1:%' or webhook_token like 'v1:%' "
			 "order by id for update", 0, NULL);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 0)
		goto out;
	rc = AG_ENOMEM;
	*rows = calloc((size_t)PQntuples(r), sizeof **rows);
	if (!*rows)
		goto out;
	for (int i = 0; i < PQntuples(r); i++, (*n)++) {
		struct installation_sealed *o = &(*rows)[i];

		o->id = db_i64(r, i, 0);
		snprintf(o->account, sizeof o->account, "%s", db_str(r, i, 1));
		for (int c = 0; c < INSTALLATION_SEALED_N; c++)
			if (db_str(r, i, 2 + c) && !(o->value[c] = strdup(db_str(r, i, 2 + c))))
				goto out;
	}
	rc = AG_OK;
out:
	PQclear(r);
	if (rc != AG_OK) {
		installation_sealed_free(*rows, *n + (*rows != NULL));
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

int installation_reseal(struct db *db, int64_t id, const char *const value[INSTALLATION_SEALED_N],
			const char *webhook_hash)
{
	struct db_num in = db_n(id);
	const char *p[] = { in.s, value[0], value[1], value[2], value[3], webhook_hash };

	return db_exec(db, "update installation set "
			   "  gorgias_secret = coalesce($2, gorgias_secret), "
			   "  gorgias_refresh = coalesce($3, gorgias_refresh), "
			   "  aircall_secret = coalesce($4, aircall_secret), "
			   "  webhook_token = coalesce($5, webhook_token), "
			   "  webhook_token_hash = coalesce($6, webhook_token_hash), "
			   "  updated_at = now() where id = $1::bigint", 6, p);
}

/* For /metrics (metrics_store.h); accounts are [a-z0-9-] (a check
 * constraint) and need no escaping. */
const struct metric_family installation_metrics[] = {
	{ "ag_installation_enabled", "gauge",
	  "1 while an installation is enabled, 0 once it disabled itself (reason label)",
	  "select 'ag_installation_enabled', "
	  "  format('installation=\"%s\",account=\"%s\",reason=\"%s\"', id, gorgias_account, "
	  "  coalesce(disabled_reason, '')), (state = 'enabled')::int::text "
	  "from installation order by id" },
};
