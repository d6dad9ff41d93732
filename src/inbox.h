/* The durable inbox: events are stored before they are acknowledged and
 * stay until applied, failed for good (with the reason) or ignored. */
#ifndef AG_INBOX_H
#define AG_INBOX_H

#include "db.h"

#include <jansson.h>
#include <stdint.h>

struct inbox_event {
	int64_t id;
	int64_t installation_id;
	char event[64];
	char subject[96];
	json_t *payload;       /* owned */
	int attempts;          /* including this one */
};

/* Stores an event. *id is set, *duplicate to 1 when the same event was
 * stored before (nothing changes then). status is "pending" or "ignored". */
int inbox_insert(struct db *db, int64_t installation_id, const char *dedupe_key,
		 const char *event, const char *subject, const char *payload_json,
		 const char *status, int64_t *id, int *duplicate);
/* Claims the next due event (the given one first when prefer_id != 0):
 * the oldest of its subject, no earlier event of the same subject still
 * waiting. AG_ENOTFOUND when nothing is due. */
int inbox_claim(struct db *db, int64_t prefer_id, struct inbox_event *ev);
void inbox_event_free(struct inbox_event *ev);
int inbox_done(struct db *db, const struct inbox_event *ev, const char *status, const char *note);
/* Back to pending, due again in delay_s; counts as failed after max attempts. */
int inbox_retry(struct db *db, const struct inbox_event *ev, long delay_s, const char *error,
		int max_attempts, int *gave_up);
/* Due again in delay_s without spending an attempt (budget, disabled). */
int inbox_postpone(struct db *db, const struct inbox_event *ev, long delay_s, const char *why);
/* Failed events back to pending (the `retry` command, re-enabling). */
int inbox_requeue(struct db *db, int64_t installation_id, const char *status, long *count);

#endif
