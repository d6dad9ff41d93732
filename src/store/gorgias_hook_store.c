/* Owner of gorgias_hook (sql/020_two_way_sms.sql). */
#include "store/gorgias_hook_store.h"

#include <stdio.h>
#include <string.h>

int hook_load(struct db *db, int64_t installation_id, struct hook_row *out)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s };
	const char *state;
	PGresult *r;

	memset(out, 0, sizeof *out);
	r = db_query(db, "select state, integration_id, coalesce(error, ''), "
			 "  extract(epoch from updated_at)::bigint, "
			 "  extract(epoch from created_at)::bigint "
			 "from gorgias_hook where installation_id = $1", 1, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		state = db_str(r, 0, 0);
		out->state = strcmp(state, "active") == 0 ? HOOK_ACTIVE
			   : strcmp(state, "failed") == 0 ? HOOK_FAILED : HOOK_REMOVED;
		out->integration_id = db_i64(r, 0, 1);
		snprintf(out->error, sizeof out->error, "%s", db_str(r, 0, 2));
		out->since = (long long)db_i64(r, 0, 3);
		out->active_since = out->state == HOOK_ACTIVE ? (long long)db_i64(r, 0, 4) : 0;
	}
	PQclear(r);
	return AG_OK;
}

int hook_save_active(struct db *db, int64_t installation_id, int64_t integration_id,
		     const char *secret_hash)
{
	struct db_num a = db_n(installation_id), i = db_n(integration_id);
	const char *p[] = { a.s, i.s, secret_hash };

	return db_exec(db,
		"insert into gorgias_hook (installation_id, integration_id, secret_hash, state) "
		"values ($1, $2, $3, 'active') on conflict (installation_id) do update set "
		"  integration_id = excluded.integration_id, secret_hash = excluded.secret_hash, "
		"  state = 'active', error = null, updated_at = now(), "
		"  created_at = case when gorgias_hook.state = 'active' then gorgias_hook.created_at "
		"  else now() end", 3, p);
}

int hook_save_failed(struct db *db, int64_t installation_id, const char *error)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, error ? error : "" };

	/* An active integration stays active: it still delivers, only the
	 * refresh of its secret failed (the new secret was never stored). */
	return db_exec(db,
		"insert into gorgias_hook (installation_id, state, error) "
		"values ($1, 'failed', left($2, 300)) on conflict (installation_id) do update set "
		"  error = excluded.error, updated_at = now(), state = case "
		"  when gorgias_hook.state = 'active' then 'active' else 'failed' end", 2, p);
}

int hook_save_removed(struct db *db, int64_t installation_id)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s };

	return db_exec(db,
		"update gorgias_hook set state = 'removed', integration_id = null, "
		"  secret_hash = null, error = null, updated_at = now() "
		"where installation_id = $1", 1, p);
}
