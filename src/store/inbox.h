/* Owner of the tables inbox and inbox_turn: the durable inbox. Events are
 * stored before they are acknowledged and stay until applied, failed for
 * good (with the reason) or ignored. Some statements read other tables by
 * design, each to stay one round trip: inbox_accept finds the installation
 * by its token hash and asks worker whether a listener is free
 * (inbox_accept_gorgias finds it through gorgias_hook and keeps only a
 * conversation's ticket); inbox_claim and inbox_next_due refresh the
 * claimer's worker row; two /metrics families join installation or add
 * metric_counter. */
#ifndef AG_INBOX_H
#define AG_INBOX_H

#include "base/err.h"
#include "store/db.h"
#include "store/metrics_store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct inbox_event {
	int64_t id;
	int64_t installation_id;
	char event[64];
	char subject[96];
	json_t *payload;       /* owned */
	int attempts;          /* including this one */
};

/* The channel the request path notifies after storing a due event. */
#define INBOX_CHANNEL "aircall_gorgias_inbox"

struct inbox_accepted {
	int64_t installation_id;
	int64_t id;            /* the stored event; 0 for a duplicate */
	int duplicate;
	int listener;          /* a worker or drainer is free to take it */
	int enabled;           /* the installation applies events (else they are kept) */
	int unwanted;          /* authenticated, but not stored (not about an SMS ticket) */
};

/* The whole request path in one statement: finds the installation whose
 * webhook token has this keyed hash, stores the event (status "pending"
 * or "ignored") unless it was stored before, notifies the listeners.
 * AG_ENOTFOUND for an unknown token. */
AG_MUST_USE int inbox_accept(struct db *db, const char *token_hash, const char *dedupe_key,
		 const char *event, const char *subject, const char *payload_json,
		 const char *status, struct inbox_accepted *out);
/* What a Gorgias delivery says of its message, before anything is read. */
enum hook_kind {
	HOOK_OTHER = 0,  /* kept when the ticket is an SMS conversation's */
	HOOK_SMS,        /* the ticket's channel is sms: kept (its conversation may
			  * not be stored yet) */
	HOOK_OWN         /* written by the bridge itself: never kept */
};
/* The same for a delivery of the installation's Gorgias HTTP integration
 * (two-way SMS), found by the keyed hash of the secret in its header;
 * stored (pending) as kind says, else out->unwanted. */
AG_MUST_USE int inbox_accept_gorgias(struct db *db, const char *secret_hash, int64_t ticket_id,
				     enum hook_kind kind, const char *dedupe_key,
				     const char *event, const char *subject,
				     const char *payload_json, struct inbox_accepted *out);
/* Claims the next due event for worker_id (NULL, or the id of an existing
 * heartbeat row: nothing is claimed for a removed one): installations in turn, then the oldest of a subject with no
 * earlier event of the same subject still waiting. AG_ENOTFOUND when
 * nothing is due. */
AG_MUST_USE int inbox_claim(struct db *db, const char *worker_id, long lease_s, struct inbox_event *ev);
/* Marks worker_id free and says in how many seconds the next event is
 * due (0: now, -1: nothing waits); *registered is 0 when worker_id has
 * no heartbeat row (any more). */
AG_MUST_USE int inbox_next_due(struct db *db, const char *worker_id, double *seconds, int *registered);
void inbox_event_free(struct inbox_event *ev);
AG_MUST_USE int inbox_done(struct db *db, const struct inbox_event *ev, const char *status, const char *note);
/* Back to pending, due again in delay_s; counts as failed after max attempts. */
AG_MUST_USE int inbox_retry(struct db *db, const struct inbox_event *ev, long delay_s, const char *error,
		int max_attempts, int *gave_up);
/* Due again in delay_s without spending an attempt (budget, disabled). */
AG_MUST_USE int inbox_postpone(struct db *db, const struct inbox_event *ev, long delay_s, const char *why);
/* Failed events back to pending (the `retry` command, re-enabling). */
AG_MUST_USE int inbox_requeue(struct db *db, int64_t installation_id, const char *status, long *count);

/* The installation's pending events are due now (it was enabled again). */
AG_MUST_USE int inbox_make_due(struct db *db, int64_t installation_id);
/* An uninstall signal kept while disabled is older than a new install:
 * replayed after it, it would disable the fresh one. Marks it ignored. */
AG_MUST_USE int inbox_supersede_uninstall(struct db *db, int64_t installation_id);
/* How many of the installation's events wait (pending or being applied)
 * and how many failed. */
AG_MUST_USE int inbox_counts(struct db *db, int64_t installation_id, int64_t *waiting,
			     int64_t *failed);
/* An event as the settings page shows it. */
struct inbox_row {
	char event[64];
	char subject[96];
	char status[16];
	char at[24];           /* processed (or received) at, UTC, "YYYY-MM-DD HH:MM" */
	char detail[301];      /* the last error, cut */
};
/* The installation's events last done, failed or ignored, newest first
 * (details cut to 160 chars): at most max of them, *n in out. */
AG_MUST_USE int inbox_last_processed(struct db *db, int64_t installation_id,
				     struct inbox_row *out, size_t max, size_t *n);
/* The installation's failed events, newest first (details cut to 300 chars). */
AG_MUST_USE int inbox_failed(struct db *db, int64_t installation_id, struct inbox_row *out,
			     size_t max, size_t *n);
/* The status command: {status: count} over every installation, and the 20
 * newest failed events (JSON, caller decrefs). */
AG_MUST_USE int inbox_status_counts(struct db *db, json_t **counts);
AG_MUST_USE int inbox_status_failed(struct db *db, json_t **failed);
/* The operator's view (the `events` and `retry` commands): events of one
 * installation in state "failed" or "pending" (waiting or being applied),
 * newest first, at most limit: a JSON array (caller's). */
AG_MUST_USE int inbox_admin_list(struct db *db, int64_t installation_id, const char *state,
				 long limit, json_t **events);
/* One failed event back in the queue: AG_OK, AG_ENOTFOUND when there is no
 * such event, AG_ECONFLICT when it is not failed. */
AG_MUST_USE int inbox_admin_retry_one(struct db *db, int64_t event_id);
/* Retention: deletes at most batch events done or ignored more than days
 * ago (failed ones stay for the operator); *count says how many. */
AG_MUST_USE int inbox_sweep(struct db *db, int days, int batch, long long *count);

/* Wakes the LISTENing workers: events were made due outside the webhook
 * path (retry, re-enable). */
AG_MUST_USE int inbox_wake(struct db *db);

/* Figures for /metrics (store/metrics_store.h). */
extern const struct metric_family inbox_metrics[];

/* How long ago the event was received, by PostgreSQL's clock (the same
 * for every host). AG_ENOTFOUND when it is not in the inbox. */
AG_MUST_USE int inbox_age_ms(struct db *db, int64_t event_id, int64_t *age_ms);

/* A message event of a subject still waiting to be applied. */
struct inbox_waiting {
	char event[64];
	json_t *payload;       /* owned; NULL when unreadable */
	int64_t age_ms;        /* since it was received */
};
/* The subject's message events still pending or being worked on, oldest
 * first, at most max: *n of them in out (the caller decrefs payloads). */
AG_MUST_USE int inbox_waiting_messages(struct db *db, int64_t installation_id, const char *subject,
				       struct inbox_waiting *out, size_t max, size_t *n);

#endif
