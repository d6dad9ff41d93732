/* Owner of worker (worker_store.h). */
#include "store/worker_store.h"
#include "base/err.h"

#include <unistd.h>

int heartbeat_start(struct db *db, const char *id, const char *kind, const char *host)
{
	struct db_num pid = db_n((int64_t)getpid());
	const char *p[] = { id, kind, host, pid.s };

	return db_exec(db,
		"with gone as (delete from worker where seen_at < now() - interval '1 hour') "
		"insert into worker (id, kind, host, pid) values ($1, $2, $3, $4::int) "
		"on conflict (id) do update set kind = excluded.kind, started_at = now(), "
		"  seen_at = now(), busy_since = null", 4, p);
}

int heartbeat_stop(struct db *db, const char *id)
{
	const char *p[] = { id };

	return db_exec(db, "delete from worker where id = $1", 1, p);
}
