#include "inbox.h"
#include "err.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define LEASE "300 seconds"

int inbox_insert(struct db *db, int64_t installation_id, const char *dedupe_key,
		 const char *event, const char *subject, const char *payload_json,
		 const char *status, int64_t *id, int *duplicate)
{
	struct db_num inst = db_n(installation_id);
	const char *p[] = { inst.s, dedupe_key, event, subject, payload_json, status };
	PGresult *r;

	*id = 0;
	*duplicate = 0;
	r = db_query(db,
		"insert into inbox (installation_id, dedupe_key, event, subject, payload, status, "
		"  processed_at) values ($1, $2, $3, $4, $5::jsonb, $6, "
		"  case when $6 = 'ignored' then now() end) "
		"on conflict (installation_id, dedupe_key) do nothing returning id", 6, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*id = db_i64(r, 0, 0);
	} else {
		*duplicate = 1;
	}
	PQclear(r);
	return AG_OK;
}

int inbox_claim(struct db *db, int64_t prefer_id, struct inbox_event *ev)
{
	struct db_num pref = db_n(prefer_id);
	const char *p[] = { prefer_id ? pref.s : NULL };
	json_error_t jerr;
	PGresult *r;

	memset(ev, 0, sizeof *ev);
	/* SKIP LOCKED lets any number of processes claim side by side; the
	 * NOT EXISTS keeps one subject's events in the order received, so a
	 * later event of a call waits behind an earlier one that waits for
	 * budget. A lease (not a long transaction) marks the claim, so a
	 * crashed process's event comes back on its own. */
	r = db_query(db,
		"with c as ("
		"  select i.id from inbox i "
		"  where i.status in ('pending', 'working') "
		"    and (i.status = 'pending' and i.next_attempt_at <= now() "
		"         or i.status = 'working' and i.lease_until < now()) "
		"    and ($1::bigint is null or i.id = $1::bigint) "
		"    and not exists (select 1 from inbox e where e.installation_id = i.installation_id "
		"        and e.subject = i.subject and e.id < i.id and e.status in ('pending', 'working')) "
		"    and exists (select 1 from installation n where n.id = i.installation_id "
		"        and n.state = 'enabled') "
		"  order by i.id limit 1 for update of i skip locked) "
		"update inbox set status = 'working', attempts = attempts + 1, "
		"  lease_until = now() + interval '" LEASE "' "
		"from c where inbox.id = c.id "
		"returning inbox.id, inbox.installation_id, inbox.event, inbox.subject, "
		"  inbox.payload, inbox.attempts", 1, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return AG_ENOTFOUND;
	}
	ev->id = db_i64(r, 0, 0);
	ev->installation_id = db_i64(r, 0, 1);
	snprintf(ev->event, sizeof ev->event, "%s", db_str(r, 0, 2));
	snprintf(ev->subject, sizeof ev->subject, "%s", db_str(r, 0, 3));
	ev->payload = json_loads(db_str(r, 0, 4), 0, &jerr);
	ev->attempts = (int)db_i64(r, 0, 5);
	PQclear(r);
	if (!ev->payload) {
		log_error("inbox %lld: stored payload unreadable: %s", (long long)ev->id, jerr.text);
		inbox_done(db, ev, "failed", "stored payload unreadable");
		return AG_EINVAL;
	}
	return AG_OK;
}

void inbox_event_free(struct inbox_event *ev)
{
	json_decref(ev->payload);
	ev->payload = NULL;
}

int inbox_done(struct db *db, const struct inbox_event *ev, const char *status, const char *note)
{
	struct db_num id = db_n(ev->id);
	const char *p[] = { id.s, status, note };

	return db_exec(db,
		"update inbox set status = $2, last_error = $3, processed_at = now(), "
		"  lease_until = null where id = $1", 3, p);
}

int inbox_retry(struct db *db, const struct inbox_event *ev, long delay_s, const char *error,
		int max_attempts, int *gave_up)
{
	char delay[24];
	struct db_num id = db_n(ev->id);
	const char *p[] = { id.s, delay, error };

	*gave_up = ev->attempts >= max_attempts;
	if (*gave_up) {
		log_error("inbox %lld (%s) failed after %d attempts: %s", (long long)ev->id,
			  ev->event, ev->attempts, error);
		return inbox_done(db, ev, "failed", error);
	}
	snprintf(delay, sizeof delay, "%ld", delay_s < 1 ? 1 : delay_s);
	return db_exec(db,
		"update inbox set status = 'pending', last_error = $3, lease_until = null, "
		"  next_attempt_at = now() + make_interval(secs => $2::int) where id = $1", 3, p);
}

int inbox_postpone(struct db *db, const struct inbox_event *ev, long delay_s, const char *why)
{
	char delay[24];
	struct db_num id = db_n(ev->id);
	const char *p[] = { id.s, delay, why };

	snprintf(delay, sizeof delay, "%ld", delay_s < 1 ? 1 : delay_s);
	return db_exec(db,
		"update inbox set status = 'pending', last_error = $3, lease_until = null, "
		"  attempts = greatest(attempts - 1, 0), "
		"  next_attempt_at = now() + make_interval(secs => $2::int) where id = $1", 3, p);
}

int inbox_requeue(struct db *db, int64_t installation_id, const char *status, long *count)
{
	struct db_num inst = db_n(installation_id);
	const char *p[] = { installation_id ? inst.s : NULL, status };
	PGresult *r = db_query(db,
		"update inbox set status = 'pending', attempts = 0, next_attempt_at = now(), "
		"  lease_until = null where status = $2 "
		"  and ($1::bigint is null or installation_id = $1::bigint) returning id", 2, p);

	if (!r)
		return AG_EDB;
	*count = PQntuples(r);
	PQclear(r);
	return AG_OK;
}
