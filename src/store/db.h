/* PostgreSQL access: one connection per process, reconnected when lost.
 * Every statement goes through db_query with text parameters: no SQL is
 * ever built from input. */
#ifndef AG_DB_H
#define AG_DB_H

#include "base/err.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdint.h>

struct db {
	PGconn *conn;
	const char *conninfo; /* borrowed from the config */
	unsigned long round_trips; /* statements sent since start (debug figures) */
	unsigned generation;       /* bumped on every new connection: LISTEN again */
	int bounded;               /* web processes: connect and statements time out */
};

void db_init(struct db *db, const char *conninfo);
void db_close(struct db *db);
/* Connects (or reconnects after a failure); AG_OK or AG_EDB. */
AG_MUST_USE int db_ensure(struct db *db);
/* Runs one parameterised statement. Returns the result (caller PQclears)
 * when it is COMMAND_OK or TUPLES_OK, else logs, clears and returns NULL. */
AG_MUST_USE PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params);
/* Same, for statements whose rows are not needed: AG_OK or AG_EDB. */
AG_MUST_USE int db_exec(struct db *db, const char *sql, int nparams, const char *const *params);
/* Same, with the number of rows the statement touched (deleted, updated). */
AG_MUST_USE int db_exec_rows(struct db *db, const char *sql, int nparams, const char *const *params,
		 long long *rows);
/* A statement answering one row whose first column is an integer:
 * *value gets it; AG_ENOTFOUND when no row (or several) came. */
AG_MUST_USE int db_query_i64(struct db *db, const char *sql, int nparams,
			     const char *const *params, int64_t *value);
/* A statement whose one row and column is JSON text (json_agg...): *out
 * gets it parsed (caller decrefs; an empty array when it is not JSON). */
AG_MUST_USE int db_query_json(struct db *db, const char *sql, int nparams, const char *const *params,
		  json_t **out);
/* One constant statement: is PostgreSQL there (connecting when needed)? */
AG_MUST_USE int db_ping(struct db *db);
AG_MUST_USE int db_begin(struct db *db);
AG_MUST_USE int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Field accessors: NULL / 0 for SQL NULL. */
const char *db_str(const PGresult *r, int row, int col);
int64_t db_i64(const PGresult *r, int row, int col);
int db_bool(const PGresult *r, int row, int col);

/* int64 to decimal text for parameters. */
struct db_num { char s[24]; };
struct db_num db_n(int64_t v);

/* LISTEN on channel (a fixed identifier, never input). */
AG_MUST_USE int db_listen(struct db *db, const char *channel);
/* Sleeps until a notification arrives on a LISTENed channel or timeout_ms
 * passes (or a signal interrupts); consumes every pending notification.
 * *notified 1 when one came. AG_EDB when the connection broke. */
AG_MUST_USE int db_wait_notify(struct db *db, long timeout_ms, int *notified);

struct config;
/* The SQL migrations, then the resealing of old sealed values
 * (store_rekey.h), under one advisory lock. */
AG_MUST_USE int migrate_run(struct db *db, const struct config *cfg);

/* The database's schema against the migrations compiled into this binary. */
struct schema_fit {
	int current;   /* highest applied version (0: none) */
	int known;     /* highest version this binary knows */
	int applied;   /* known migrations already applied */
	int pending;   /* known migrations not yet applied */
};
AG_MUST_USE int migrate_fit(struct db *db, struct schema_fit *fit);
/* The same in one statement, for the request path (counts rather than
 * compares versions; AG_EDB also when schema_version does not exist, with
 * db->conn still set). */
AG_MUST_USE int migrate_gate_query(struct db *db, struct schema_fit *fit);

#endif
