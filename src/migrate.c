/* Applies the migrations of sql/ (compiled into the binary, so a deployed
 * binary never runs against a schema it does not know) in order, each in
 * its own transaction, recorded in schema_version. Safe to run any number
 * of times and from several hosts at once (an advisory lock serialises). */
#include "db.h"
#include "err.h"
#include "log.h"
#include "migrations.h"

#include <stdio.h>

int migrate_run(struct db *db)
{
	int rc = AG_EDB, applied = 0;
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
		if (db_exec(db, "insert into schema_version (version, name) values ($1, $2)", 2, p) ||
		    db_commit(db)) {
			db_rollback(db);
			goto out;
		}
		log_info("migration %s applied", m->name);
		applied++;
	}
	log_info("schema up to date (%d migration(s) applied now)", applied);
	rc = AG_OK;
out:
	PQclear(r);
	db_exec(db, "select pg_advisory_unlock(7286521)", 0, NULL);
	return rc;
}
