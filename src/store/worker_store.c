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

/* For /metrics (metrics_store.h). Host names and worker ids need escaping
 * in label values. */
#define ESC(col) "replace(replace(replace(" col ", '\\', '\\\\'), '\"', '\\\"'), chr(10), '\\n')"
const struct metric_family worker_metrics[] = {
	{ "ag_worker_heartbeat_age_seconds", "gauge",
	  "Seconds since each event-applying process (worker, or a web process's drainer) last "
	  "said it is alive; a row whose age keeps growing is a process that died",
	  "select 'ag_worker_heartbeat_age_seconds', "
	  "  format('worker=\"%s\",kind=\"%s\",host=\"%s\"', " ESC("id") ", kind, " ESC("host") "), "
	  "  extract(epoch from now() - seen_at)::text from worker order by id" },
	{ "ag_worker_busy", "gauge", "1 while a worker applies events, 0 while it waits for them",
	  "select 'ag_worker_busy', "
	  "  format('worker=\"%s\",kind=\"%s\",host=\"%s\"', " ESC("id") ", kind, " ESC("host") "), "
	  "  (busy_since is not null)::int::text from worker order by id" },
};
