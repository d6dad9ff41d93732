/* The connection and the statement helpers every owner uses; owns no
 * table (db.h). */
#include "store/db.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/select.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_init(struct db *db, const char *conninfo)
{
	memset(db, 0, sizeof *db);
	db->conninfo = conninfo;
}

void db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

static void quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgres: %s", msg);
}

int db_ensure(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return AG_OK;
	db_close(db);
	if (!db->conninfo)
		return AG_EDB;
	if (db->bounded) {
		/* A web process answers within Aircall's 5 s or not at all: an
		 * unreachable server, a held lock (a migration) or a stuck
		 * statement gives a quick 503, which Aircall retries. Listed
		 * before the conninfo, so that settings in AG_DATABASE_URL win. */
		static const char *const keys[] = { "connect_timeout", "options", "dbname", NULL };
		const char *vals[] = { "2", "-c statement_timeout=3000 -c lock_timeout=2000",
				       db->conninfo, NULL };

		db->conn = PQconnectdbParams(keys, vals, 1);
	} else {
		db->conn = PQconnectdb(db->conninfo);
	}
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		/* PQerrorMessage never contains the password. */
		log_error("database connection failed: %s",
			  db->conn ? PQerrorMessage(db->conn) : "out of memory");
		db_close(db);
		return AG_EDB;
	}
	PQsetNoticeProcessor(db->conn, quiet_notice, NULL);
	db->generation++;
	return AG_OK;
}

PGresult *db_query(struct db *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *r;
	ExecStatusType st;
	int in_tx;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (db_ensure(db))
			return NULL;
		in_tx = PQtransactionStatus(db->conn) != PQTRANS_IDLE;
		db->round_trips++;
		r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
		st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return r;
		if (PQstatus(db->conn) != CONNECTION_OK) {
			/* The server went away (restart, failover) since the last
			 * request of this long-lived process: one fresh connection
			 * and one more try, unless a transaction was under way
			 * (its earlier statements are lost; the caller must redo). */
			PQclear(r);
			db_close(db);
			if (!in_tx && attempt == 0) {
				log_info("database connection lost; reconnecting");
				continue;
			}
			log_error("database connection lost");
			return NULL;
		}
		log_error("database statement failed: %s",
			  r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn));
		PQclear(r);
		return NULL;
	}
	return NULL;
}

int db_exec(struct db *db, const char *sql, int nparams, const char *const *params)
{
	long long rows;

	return db_exec_rows(db, sql, nparams, params, &rows);
}

int db_query_i64(struct db *db, const char *sql, int nparams, const char *const *params,
		 int64_t *value)
{
	PGresult *r = db_query(db, sql, nparams, params);
	int rc;

	*value = 0;
	if (!r)
		return AG_EDB;
	rc = PQntuples(r) == 1 ? AG_OK : AG_ENOTFOUND;
	if (rc == AG_OK)
		*value = db_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int db_exec_rows(struct db *db, const char *sql, int nparams, const char *const *params,
		 long long *rows)
{
	PGresult *r = db_query(db, sql, nparams, params);

	*rows = 0;
	if (!r)
		return AG_EDB;
	*rows = atoll(PQcmdTuples(r));
	PQclear(r);
	return AG_OK;
}

int db_query_json(struct db *db, const char *sql, int nparams, const char *const *params,
		  json_t **out)
{
	PGresult *r = db_query(db, sql, nparams, params);

	*out = NULL;
	if (!r)
		return AG_EDB;
	*out = json_loads(db_str(r, 0, 0) ? db_str(r, 0, 0) : "[]", 0, NULL);
	PQclear(r);
	if (!*out)
		*out = json_array();
	return *out ? AG_OK : AG_ENOMEM;
}

int db_ping(struct db *db)
{
	return db_exec(db, "select 1", 0, NULL);
}

int db_begin(struct db *db)
{
	return db_exec(db, "begin", 0, NULL);
}

int db_commit(struct db *db)
{
	return db_exec(db, "commit", 0, NULL);
}

void db_rollback(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
		PGresult *r = PQexec(db->conn, "rollback");
		PQclear(r);
	}
}

const char *db_str(const PGresult *r, int row, int col)
{
	if (!r || row >= PQntuples(r) || col >= PQnfields(r) || PQgetisnull(r, row, col))
		return NULL;
	return PQgetvalue(r, row, col);
}

int64_t db_i64(const PGresult *r, int row, int col)
{
	const char *s = db_str(r, row, col);

	return s ? strtoll(s, NULL, 10) : 0;
}

int db_bool(const PGresult *r, int row, int col)
{
	const char *s = db_str(r, row, col);

	return s && s[0] == 't';
}

struct db_num db_n(int64_t v)
{
	struct db_num n;

	snprintf(n.s, sizeof n.s, "%" PRId64, v);
	return n;
}

int db_listen(struct db *db, const char *channel)
{
	char sql[96];

	if ((size_t)snprintf(sql, sizeof sql, "listen %s", channel) >= sizeof sql)
		return AG_EINVAL;
	return db_exec(db, sql, 0, NULL);
}

static int drain_notifies(struct db *db)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(db->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

int db_wait_notify(struct db *db, long timeout_ms, int *notified)
{
	struct timeval tv;
	fd_set fds;
	int fd, rc;

	*notified = 0;
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return AG_EDB;
	/* Notifications that arrived with the answers of earlier statements
	 * are already buffered: no need to sleep. */
	rc = AG_EDB;
	if (PQconsumeInput(db->conn) == 0)
		goto out;
	rc = AG_OK;
	if ((*notified = drain_notifies(db)))
		goto out;
	fd = PQsocket(db->conn);
	rc = AG_EDB;
	if (fd < 0 || fd >= FD_SETSIZE)
		goto out;
	FD_ZERO(&fds);
	FD_SET(fd, &fds);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	rc = select(fd + 1, &fds, NULL, NULL, &tv);
	if (rc <= 0)
		/* A signal interrupted the wait: as if it timed out. */
		return rc < 0 && errno != EINTR ? AG_EDB : AG_OK;
	rc = AG_EDB;
	if (PQconsumeInput(db->conn) == 0)
		goto out;
	rc = AG_OK;
	*notified = drain_notifies(db);
out:
	if (rc == AG_EDB) {
		log_error("database connection lost while waiting: %s", PQerrorMessage(db->conn));
		db_close(db);
	}
	return rc;
}
