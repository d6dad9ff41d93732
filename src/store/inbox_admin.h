/* The operator's view of the inbox (the `events` and `retry` commands). */
#ifndef AG_INBOX_ADMIN_H
#define AG_INBOX_ADMIN_H

#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* Events of one installation in state "failed" or "pending" (waiting or
 * being applied), newest first, at most limit: a JSON array (caller's). */
int inbox_admin_list(struct db *db, int64_t installation_id, const char *state, long limit,
		     json_t **events);
/* One failed event back in the queue: AG_OK, AG_ENOTFOUND when there is no
 * such event, AG_ECONFLICT when it is not failed. */
int inbox_admin_retry_one(struct db *db, int64_t event_id);

#endif
