/* Owner of schema_version. Applies the migrations of sql/ (compiled into
 * the binary, so a deployed binary never runs against a schema it does not
 * know) in order, each in its own transaction, recorded in schema_version.
 * Safe to run any number of times and from several hosts at once (an
 * advisory lock serialises). */
#include "store/db.h"
#include "base/err.h"
#include "base/log.h"
#include "store/metrics_store.h"
#include "store/migrations.h"
#include "store/rekey.h"

#include <stdio.h>
#include <string.h>

/* Migrations whose data change needs the binary (a key only it holds): the
 * step runs in the migration's own transaction, so that schema_version
 * never says "current" while the stored values still need the old scheme
 * (web processes would answer 401 to every webhook instead of a retryable
 * 503 from the schema gate). */
static const struct {
	int version;
	int (*step)(struct db *db, const struct config *cfg, int *rows);
} code_steps[] = {
	{ 14, store_rekey_in_tx },
};

static int code_step(struct db *db, const struct config *cfg, int version)
{
	int rows = 0, rc;

	for (size_t i = 0; i < sizeof code_steps / sizeof code_steps[0]; i++) {
		if (code_steps[i].version != version)
			continue;
		rc = code_steps[i].step(db, cfg, &rows);
		if (rc)
			return rc;
		if (rows)
			log_info("migration %d: %d row(s) converted", version, rows);
	}
	return AG_OK;
}

int migrate_run(struct db *db, const struct config *cfg)
{
	int rc = AG_EDB, applied = 0, resealed = 0;
	PGresult *r = NULL;

	if (db_ensure(db))
		return AG_EDB;
	if (db_exec(db, "select pg_advisory_lock(7286521)", 0, NULL))
		return AG_EDB;
	if (db_exec(db, "create table if not exists schema_version ("
			"version integer primary key, name text not null, "
			"applied_at timestamptz not null default now())", 0, NULL))
		goto out;
	for (size_t i = 0; i < migrations_count; i++) {
		const struct migration *m = &migrations[i];
		struct db_num v = db_n(m->version);
		const char *p[] = { v.s, m->name };

		r = db_query(db, "select 1 from schema_version where version = $1", 1, p);
		if (!r)
			goto out;
		if (PQntuples(r) > 0) {
			PQclear(r);
			r = NULL;
			continue;
		}
		PQclear(r);
		r = NULL;
		if (db_begin(db))
			goto out;
		/* Simple-query protocol: a migration file holds many statements. */
		r = PQexec(db->conn, m->sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			log_error("migration %s failed: %s", m->name, PQresultErrorMessage(r));
			db_rollback(db);
			goto out;
		}
		PQclear(r);
		r = NULL;
		rc = code_step(db, cfg, m->version);
		if (rc) {
			log_error("migration %s not applied: %s", m->name, ag_strerror(rc));
			db_rollback(db);
			goto out;
		}
		rc = AG_EDB;
		if (db_exec(db, "insert into schema_version (version, name) values ($1, $2)", 2, p) ||
		    db_commit(db)) {
			db_rollback(db);
			goto out;
		}
		log_info("migration %s applied", m->name);
		applied++;
	}
	log_info("schema up to date (%d migration(s) applied now)", applied);
	/* Values an older binary still running during the upgrade sealed. */
	rc = store_rekey(db, cfg, &resealed);
out:
	PQclear(r);
	/* Not released (connection lost): it goes with the session. */
	if (db_exec(db, "select pg_advisory_unlock(7286521)", 0, NULL) != AG_OK)
		log_warn("migrate: lock released with the connection");
	return rc;
}

/* Compares the applied migrations with the ones compiled in. A database
 * without schema_version has version 0 (everything pending). */
int migrate_fit(struct db *db, struct schema_fit *fit)
{
	PGresult *r;
	int n;

	memset(fit, 0, sizeof *fit);
	fit->known = migrations_count ? migrations[migrations_count - 1].version : 0;
	if (db_ensure(db))
		return AG_EDB;
	r = db_query(db, "select to_regclass('schema_version') is not null", 0, NULL);
	if (!r)
		return AG_EDB;
	n = db_bool(r, 0, 0);
	PQclear(r);
	if (n) {
		r = db_query(db, "select version from schema_version order by version", 0, NULL);
		if (!r)
			return AG_EDB;
		for (int i = 0; i < PQntuples(r); i++) {
			int v = (int)db_i64(r, i, 0);
			if (v > fit->current)
				fit->current = v;
			for (size_t k = 0; k < migrations_count; k++)
				if (migrations[k].version == v)
					fit->applied++;
		}
		PQclear(r);
	}
	fit->pending = (int)migrations_count - fit->applied;
	return AG_OK;
}

int migrate_gate_query(struct db *db, struct schema_fit *fit)
{
	PGresult *r = db_query(db, "select coalesce(max(version), 0), count(*) from schema_version",
			       0, NULL);

	memset(fit, 0, sizeof *fit);
	fit->known = migrations_count ? migrations[migrations_count - 1].version : 0;
	if (!r)
		return AG_EDB;
	fit->current = (int)db_i64(r, 0, 0);
	fit->applied = (int)db_i64(r, 0, 1);
	fit->pending = fit->current > fit->known ? 0 : (int)migrations_count - fit->applied;
	PQclear(r);
	return AG_OK;
}

/* For /metrics (metrics_store.h). */
const struct metric_family migrate_metrics[] = {
	{ "ag_schema_version", "gauge", "The database schema version (last applied migration)",
	  "select 'ag_schema_version', '', coalesce(max(version), 0)::text from schema_version" },
};
