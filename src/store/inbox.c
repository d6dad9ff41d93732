/* Owner of inbox and inbox_turn. inbox_accept reads installation (and
 * worker) by design: the webhook's acknowledgement is one round trip;
 * inbox.h names the other statements that read another table. */
#include "store/inbox.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A listener counts as free while it waits, or while the event in its hands
 * is younger than this: a worker busy for a few milliseconds will take the
 * next event itself, one busy behind a slow vendor gets help. */
#define BUSY_GRACE "1 second"
/* A heartbeat older than this is a process that died (see worker.c). */
#define HEARTBEAT_FRESH "10 seconds"

/* The request path's one statement (see inbox_accept), after the lookup
 * of the installation `n` by the keyed hash $1 of the sender's secret;
 * the event is stored only when `wanted` (an expression over n) holds. */
#define ACCEPT_REST(lookup, wanted) \
	"with n as (" lookup "), " \
	"ins as (insert into inbox (installation_id, dedupe_key, event, subject, payload, " \
	"    status, processed_at) " \
	"  select n.id, $2, $3, $4, $5::jsonb, $6, case when $6 = 'ignored' then now() end " \
	"  from n where " wanted " on conflict (installation_id, dedupe_key) do nothing returning id), " \
	"l as (select coalesce(bool_or(w.busy_since is null), false) idle, " \
	"    coalesce(bool_or(w.busy_since is null " \
	"      or w.busy_since > now() - interval '" BUSY_GRACE "'), false) free " \
	"  from worker w where w.seen_at > now() - interval '" HEARTBEAT_FRESH "'), " \
	"woke as (select pg_notify('" INBOX_CHANNEL "', '') from ins, l " \
	"  where $6 = 'pending' and l.idle) " \
	"select (select id from n), (select id from ins), (select count(*) from woke), " \
	"  (select free from l), (select state = 'enabled' from n), (select " wanted " from n)"

static int accept_run(struct db *db, const char *sql, int nparams, const char *const *p,
		      struct inbox_accepted *out)
{
	PGresult *r;

	memset(out, 0, sizeof *out);
	r = db_query(db, sql, nparams, p);
	if (!r)
		return AG_EDB;
	out->installation_id = db_i64(r, 0, 0);
	out->id = db_i64(r, 0, 1);
	out->listener = db_bool(r, 0, 3);
	out->enabled = db_bool(r, 0, 4);
	out->unwanted = !db_bool(r, 0, 5);
	PQclear(r);
	if (!out->installation_id)
		return AG_ENOTFOUND;
	out->duplicate = out->id == 0 && !out->unwanted;
	return AG_OK;
}

int inbox_accept(struct db *db, const char *token_hash, const char *dedupe_key,
		 const char *event, const char *subject, const char *payload_json,
		 const char *status, struct inbox_accepted *out)
{
	const char *p[] = { token_hash, dedupe_key, event, subject, payload_json, status };

	/* One round trip: find the installation by the keyed hash of its
	 * token, store the event unless it was stored before, wake the
	 * listeners (NOTIFY is delivered when this statement commits), and
	 * learn whether one of them is free to take it. Only an idle listener
	 * is notified: a busy one claims again when its event is done, and a
	 * NOTIFY serialises commits (measured: a third of this statement's
	 * throughput). Should a listener turn idle while this statement runs,
	 * its own look at the inbox, or its heartbeat wake (2 s), finds the
	 * event. The token itself is
	 * never compared: equality of its HMAC under the secret key is what
	 * the index finds, and its timing reveals nothing about the token. */
	return accept_run(db,
		ACCEPT_REST("select id, state from installation where webhook_token_hash = $1", "true"),
		6, p, out);
}

int inbox_accept_gorgias(struct db *db, const char *secret_hash, int64_t ticket_id,
			 enum hook_kind kind, const char *dedupe_key, const char *event, const char *subject,
			 const char *payload_json, struct inbox_accepted *out)
{
	struct db_num t = db_n(ticket_id);
	const char *p[] = { secret_hash, dedupe_key, event, subject, payload_json, "pending", t.s,
			    kind == HOOK_OWN ? "own" : kind == HOOK_SMS ? "sms" : "other" };

	/* The same single statement; the installation is the one whose active
	 * Gorgias integration sends a secret with this keyed hash. Gorgias
	 * reports every message of every ticket (call notes, emails): only an
	 * SMS ticket is kept (a read of conversation's ticket, through its
	 * index, or the channel the delivery names). */
	return accept_run(db,
		ACCEPT_REST("select i.id, i.state from installation i join gorgias_hook h "
			    "on h.installation_id = i.id where h.secret_hash = $1 "
			    "and h.state = 'active'",
			    "($8 <> 'own' and ($8 = 'sms' or exists (select 1 from conversation c "
			    "where c.installation_id = n.id and c.gorgias_ticket_id = $7::bigint)))"),
		8, p, out);
}

int inbox_claim(struct db *db, const char *worker_id, long lease_s, struct inbox_event *ev)
{
	char lease[24];
	const char *p[] = { worker_id, lease };
	json_error_t jerr;
	PGresult *r;

	memset(ev, 0, sizeof *ev);
	snprintf(lease, sizeof lease, "%ld", lease_s < 1 ? 1 : lease_s);
	/* SKIP LOCKED lets any number of processes claim side by side; the
	 * NOT EXISTS keeps one subject's events in the order received, so a
	 * later event of a call waits behind an earlier one that waits for
	 * budget. A lease (not a long transaction) marks the claim, so a
	 * crashed process's event comes back on its own. Installations take
	 * turns: the one served longest ago first, then its oldest due event,
	 * so a backlog of one delays nobody else. The claimer's heartbeat
	 * rides along (busy when it got an event, free when not); a claimer
	 * whose row was removed gets nothing (worker.c re-registers). */
	r = db_query(db,
		"with c as ("
		"  select i.id, i.installation_id from inbox i "
		"  join installation n on n.id = i.installation_id and n.state = 'enabled' "
		"  left join inbox_turn t on t.installation_id = i.installation_id "
		"  where i.status in ('pending', 'working') "
		"    and (i.status = 'pending' and i.next_attempt_at <= now() "
		"         or i.status = 'working' and i.lease_until < now()) "
		"    and not exists (select 1 from inbox e where e.installation_id = i.installation_id "
		"        and e.subject = i.subject and e.id < i.id and e.status in ('pending', 'working')) "
		"    and ($1::text is null or exists (select 1 from worker w where w.id = $1)) "
		"  order by coalesce(t.served_at, '-infinity'), i.id "
		"  limit 1 for update of i skip locked), "
		"turn as (insert into inbox_turn (installation_id, served_at) "
		"  select installation_id, clock_timestamp() from c on conflict (installation_id) "
		"  do update set served_at = excluded.served_at), "
		"hb as (update worker set seen_at = now(), "
		"  busy_since = case when exists (select 1 from c) then now() end where id = $1) "
		"update inbox set status = 'working', attempts = attempts + 1, "
		"  lease_until = now() + make_interval(secs => $2::int) "
		"from c where inbox.id = c.id "
		"returning inbox.id, inbox.installation_id, inbox.event, inbox.subject, "
		"  inbox.payload, inbox.attempts", 2, p);
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
		/* Not marked (PostgreSQL out of reach): the event stays claimed
		 * until its lease ends, and fails here again. */
		return inbox_done(db, ev, "failed", "stored payload unreadable") == AG_OK ? AG_EINVAL
											    : AG_EDB;
	}
	return AG_OK;
}

int inbox_next_due(struct db *db, const char *worker_id, double *seconds, int *registered)
{
	const char *p[] = { worker_id };
	PGresult *r;

	*seconds = -1;
	*registered = 0;
	/* Only the head of each subject counts: an event waiting behind an
	 * earlier one of its call is due when that one is. */
	r = db_query(db,
		"with hb as (update worker set seen_at = now(), busy_since = null where id = $1 "
		"  returning 1) "
		"select extract(epoch from min(case when i.status = 'pending' then i.next_attempt_at "
		"  else i.lease_until end) - now()), (select count(*) from hb) from inbox i "
		"join installation n on n.id = i.installation_id and n.state = 'enabled' "
		"where i.status in ('pending', 'working') "
		"  and not exists (select 1 from inbox e where e.installation_id = i.installation_id "
		"      and e.subject = i.subject and e.id < i.id and e.status in ('pending', 'working'))",
		1, p);
	if (!r)
		return AG_EDB;
	if (db_str(r, 0, 0)) {
		*seconds = strtod(db_str(r, 0, 0), NULL);
		if (*seconds < 0)
			*seconds = 0;
	}
	*registered = db_i64(r, 0, 1) > 0;
	PQclear(r);
	return AG_OK;
}

void inbox_event_free(struct inbox_event *ev)
{
	json_decref(ev->payload);
	ev->payload = NULL;
}

/* A settle lands only while the claim is this process's: a claimer whose
 * lease ran out and whose event another process took since (and maybe
 * finished) changes nothing. attempts is what the claim set ($4). */
#define CLAIM_STILL_OURS " and status = 'working' and attempts = $4::int"

int inbox_done(struct db *db, const struct inbox_event *ev, const char *status, const char *note)
{
	struct db_num id = db_n(ev->id), n = db_n(ev->attempts);
	const char *p[] = { id.s, status, note, n.s };

	return db_exec(db,
		"update inbox set status = $2, last_error = $3, processed_at = now(), "
		"  lease_until = null where id = $1" CLAIM_STILL_OURS, 4, p);
}

int inbox_retry(struct db *db, const struct inbox_event *ev, long delay_s, const char *error,
		int max_attempts, int *gave_up)
{
	char delay[24];
	struct db_num id = db_n(ev->id), n = db_n(ev->attempts);
	const char *p[] = { id.s, delay, error, n.s };

	*gave_up = ev->attempts >= max_attempts;
	if (*gave_up) {
		log_error("inbox %lld (%s) failed after %d attempts: %s", (long long)ev->id,
			  ev->event, ev->attempts, error);
		return inbox_done(db, ev, "failed", error);
	}
	snprintf(delay, sizeof delay, "%ld", delay_s < 1 ? 1 : delay_s);
	return db_exec(db,
		"update inbox set status = 'pending', last_error = $3, lease_until = null, "
		"  next_attempt_at = now() + make_interval(secs => $2::int) where id = $1"
		CLAIM_STILL_OURS, 4, p);
}

int inbox_postpone(struct db *db, const struct inbox_event *ev, long delay_s, const char *why)
{
	char delay[24];
	struct db_num id = db_n(ev->id), n = db_n(ev->attempts);
	const char *p[] = { id.s, delay, why, n.s };

	snprintf(delay, sizeof delay, "%ld", delay_s < 1 ? 1 : delay_s);
	return db_exec(db,
		"update inbox set status = 'pending', last_error = $3, lease_until = null, "
		"  attempts = greatest(attempts - 1, 0), "
		"  next_attempt_at = now() + make_interval(secs => $2::int) where id = $1"
		CLAIM_STILL_OURS, 4, p);
}

int inbox_make_due(struct db *db, int64_t installation_id)
{
	struct db_num id = db_n(installation_id);
	const char *p[] = { id.s };

	return db_exec(db, "update inbox set next_attempt_at = now() where installation_id = $1 "
			   "and status = 'pending'", 1, p);
}

int inbox_supersede_uninstall(struct db *db, int64_t installation_id)
{
	struct db_num id = db_n(installation_id);
	const char *p[] = { id.s };

	return db_exec(db, "update inbox set status = 'ignored', processed_at = now(), "
			   "last_error = 'superseded by a reinstall' where installation_id = $1 "
			   "and event = 'integration.deleted' and status in ('pending', 'working')",
		       1, p);
}

int inbox_counts(struct db *db, int64_t installation_id, int64_t *waiting, int64_t *failed)
{
	struct db_num id = db_n(installation_id);
	const char *p[] = { id.s };
	PGresult *r = db_query(db, "select count(*) filter (where status in ('pending', 'working')), "
				   "count(*) filter (where status = 'failed') from inbox "
				   "where installation_id = $1", 1, p);

	*waiting = *failed = 0;
	if (!r)
		return AG_EDB;
	*waiting = db_i64(r, 0, 0);
	*failed = db_i64(r, 0, 1);
	PQclear(r);
	return AG_OK;
}

static int rows(PGresult *r, struct inbox_row *out, size_t max, size_t *n)
{
	*n = 0;
	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r) && *n < max; i++, (*n)++) {
		struct inbox_row *o = &out[*n];

		snprintf(o->event, sizeof o->event, "%s", db_str(r, i, 0) ? db_str(r, i, 0) : "");
		snprintf(o->subject, sizeof o->subject, "%s", db_str(r, i, 1) ? db_str(r, i, 1) : "");
		snprintf(o->status, sizeof o->status, "%s", db_str(r, i, 2) ? db_str(r, i, 2) : "");
		snprintf(o->at, sizeof o->at, "%s", db_str(r, i, 3) ? db_str(r, i, 3) : "");
		snprintf(o->detail, sizeof o->detail, "%s", db_str(r, i, 4) ? db_str(r, i, 4) : "");
	}
	PQclear(r);
	return AG_OK;
}

int inbox_last_processed(struct db *db, int64_t installation_id, struct inbox_row *out, size_t max,
			 size_t *n)
{
	struct db_num id = db_n(installation_id), lim = db_n((int64_t)max);
	const char *p[] = { id.s, lim.s };

	return rows(db_query(db, "select event, subject, status, to_char(coalesce(processed_at, "
				 "received_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), "
				 "left(coalesce(last_error, ''), 160) from inbox where installation_id = $1 "
				 "and status in ('done', 'failed', 'ignored') "
				 "order by coalesce(processed_at, received_at) desc, id desc limit $2", 2, p),
		    out, max, n);
}

int inbox_failed(struct db *db, int64_t installation_id, struct inbox_row *out, size_t max,
		 size_t *n)
{
	struct db_num id = db_n(installation_id), lim = db_n((int64_t)max);
	const char *p[] = { id.s, lim.s };

	return rows(db_query(db, "select event, subject, status, to_char(coalesce(processed_at, "
				 "received_at) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), "
				 "left(coalesce(last_error, ''), 300) from inbox where installation_id = $1 "
				 "and status = 'failed' order by id desc limit $2", 2, p),
		    out, max, n);
}

int inbox_status_counts(struct db *db, json_t **counts)
{
	return db_query_json(db, "select coalesce(json_object_agg(status, n), '{}') from "
				 "(select status, count(*) n from inbox group by status) s",
			     0, NULL, counts);
}

int inbox_status_failed(struct db *db, json_t **failed)
{
	return db_query_json(db,
		"select coalesce(json_agg(json_build_object('id', id, 'installation_id', "
		"installation_id, 'event', event, 'subject', subject, 'attempts', attempts, "
		"'last_error', last_error) order by id desc), '[]') from "
		"(select * from inbox where status = 'failed' order by id desc limit 20) f",
		0, NULL, failed);
}

int inbox_admin_list(struct db *db, int64_t installation_id, const char *state, long limit,
		     json_t **events)
{
	struct db_num inst = db_n(installation_id), lim = db_n(limit);
	const char *p[] = { inst.s, state, lim.s };
	PGresult *r;

	*events = NULL;
	r = db_query(db,
		"select coalesce(json_agg(json_build_object('id', id, 'installation_id', "
		"  installation_id, 'event', event, 'subject', subject, 'status', status, "
		"  'attempts', attempts, 'received_at', received_at, 'next_attempt_at', "
		"  next_attempt_at, 'last_error', last_error) order by id desc), '[]') "
		"from (select * from inbox where installation_id = $1 and "
		"  (status = $2 or $2 = 'pending' and status = 'working') "
		"  order by id desc limit $3) e", 3, p);
	if (!r)
		return AG_EDB;
	*events = json_loads(db_str(r, 0, 0), 0, NULL);
	PQclear(r);
	return *events ? AG_OK : AG_ENOMEM;
}

int inbox_admin_retry_one(struct db *db, int64_t event_id)
{
	struct db_num id = db_n(event_id);
	const char *p[] = { id.s };
	PGresult *r;
	int rc;

	/* One statement: the status it had decides, and a failed one is
	 * requeued as the bulk retry does (attempts from zero). */
	r = db_query(db,
		"with e as (select id, status from inbox where id = $1), "
		"u as (update inbox set status = 'pending', attempts = 0, next_attempt_at = now(), "
		"  lease_until = null from e where inbox.id = e.id and e.status = 'failed' "
		"  returning inbox.id) "
		"select e.status, (select count(*) from u) from e", 1, p);
	if (!r)
		return AG_EDB;
	rc = PQntuples(r) == 0 ? AG_ENOTFOUND : db_i64(r, 0, 1) == 1 ? AG_OK : AG_ECONFLICT;
	PQclear(r);
	return rc;
}

int inbox_sweep(struct db *db, int days, int batch, long long *count)
{
	struct db_num d = db_n(days), b = db_n(batch);
	const char *p[] = { d.s, b.s };

	return db_exec_rows(db, "delete from inbox where id in (select id from inbox "
				"where status in ('done', 'ignored') "
				"  and coalesce(processed_at, received_at) < now() - make_interval(days => $1::int) "
				"limit $2::int)", 2, p, count);
}

int inbox_wake(struct db *db)
{
	return db_exec(db, "select pg_notify('" INBOX_CHANNEL "', '')", 0, NULL);
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

int inbox_age_ms(struct db *db, int64_t event_id, int64_t *age_ms)
{
	struct db_num e = db_n(event_id);
	const char *p[] = { e.s };
	PGresult *r = db_query(db, "select (extract(epoch from now() - received_at) * 1000)::bigint "
				   "from inbox where id = $1", 1, p);
	int rc = AG_OK;

	*age_ms = 0;
	if (!r)
		return AG_EDB;
	if (PQntuples(r))
		*age_ms = db_i64(r, 0, 0);
	else
		rc = AG_ENOTFOUND;
	PQclear(r);
	return rc;
}

int inbox_waiting_messages(struct db *db, int64_t installation_id, const char *subject,
			   struct inbox_waiting *out, size_t max, size_t *n)
{
	struct db_num a = db_n(installation_id), m = db_n((int64_t)max);
	const char *p[] = { a.s, subject, m.s };
	PGresult *r = db_query(db,
		"select event, payload, (extract(epoch from now() - received_at) * 1000)::bigint "
		"from inbox where installation_id = $1 and subject = $2 "
		"and status in ('pending', 'working') "
		"and event in ('message.sent', 'message.received') order by id limit $3", 3, p);

	*n = 0;
	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r) && *n < max; i++) {
		struct inbox_waiting *w = &out[(*n)++];

		snprintf(w->event, sizeof w->event, "%s", db_str(r, i, 0));
		w->payload = json_loads(db_str(r, i, 1), 0, NULL);
		w->age_ms = db_i64(r, i, 2);
	}
	PQclear(r);
	return AG_OK;
}

/* The inbox's figures for /metrics (metrics_store.h). Accepted webhooks
 * are counted from the inbox together with the ones metric_counter holds,
 * and events per installation and state are zero-filled for every
 * installation: these two read installation and metric_counter by design,
 * one statement per family. Unhandled events (stored ignored, never
 * claimed), whose names the sender chooses, count as "other", or the label
 * set would grow without bound. Inbox counts read the whole table: with
 * years of events, prune it before scrapes grow slow. */
const struct metric_family inbox_metrics[] = {
	{ "ag_webhooks_received_total", "counter",
	  "Aircall webhooks answered, by event, HTTP status and result (accepted ones "
	  "from the inbox; 503s, answered while PostgreSQL was out of reach, are not counted)",
	  "select 'ag_webhooks_received_total', "
	  "  format('event=\"%s\",status=\"200\",result=\"accepted\"', "
	  "    case when status = 'ignored' and attempts = 0 then 'other' else event end), "
	  "  count(*)::text "
	  "from inbox group by 2 "
	  "union all select name, labels, value::text from metric_counter "
	  "where name = 'ag_webhooks_received_total' order by 2" },
	{ "ag_events", "gauge",
	  "Inbox events by installation and state (applied, failed, pending, ignored)",
	  "select 'ag_events', format('installation=\"%s\",state=\"%s\"', n.id, s.state), "
	  "  count(i.id)::text "
	  "from installation n "
	  "cross join (values ('applied'), ('failed'), ('ignored'), ('pending')) s(state) "
	  "left join inbox i on i.installation_id = n.id and s.state = case i.status "
	  "  when 'done' then 'applied' when 'working' then 'pending' else i.status end "
	  "group by n.id, s.state order by n.id, s.state" },
	{ "ag_inbox_depth", "gauge", "Events waiting in the inbox (pending or being applied)",
	  "select 'ag_inbox_depth', '', count(*)::text from inbox "
	  "where status in ('pending', 'working')" },
	{ "ag_inbox_oldest_due_seconds", "gauge",
	  "Age of the oldest event of an enabled installation that is due and not applied "
	  "(0 when none): how far behind the bridge is",
	  "select 'ag_inbox_oldest_due_seconds', '', "
	  "  coalesce(extract(epoch from now() - min(i.next_attempt_at)), 0)::text "
	  "from inbox i join installation n on n.id = i.installation_id and n.state = 'enabled' "
	  "where i.status in ('pending', 'working') and i.next_attempt_at <= now()" },
};
