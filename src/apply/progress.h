/* Shared by the call and message executors: what has already been done for
 * a subject (posted_op keys, store/posted_op_store.h), and the lock under
 * which a caller's customer is found or created. */
#ifndef AG_PROGRESS_H
#define AG_PROGRESS_H

#include "base/err.h"
#include "store/db.h"
#include "store/posted_op_store.h"

#include <stdint.h>

/* Two events from one new number (two calls, or a call and an SMS),
 * handled by two processes, must not create two customers: finding and
 * creating a caller's customer happens under this advisory lock. Waits up
 * to 20 s: AG_OK, AG_EBUSY or AG_EDB. */
AG_MUST_USE int caller_lock(struct db *db, int64_t installation_id, const char *phone);
void caller_unlock(struct db *db, int64_t installation_id, const char *phone);

/* The lock held by one run: taking it twice is a no-op, releasing it when
 * not held too. */
struct caller_hold {
	int held;
};
AG_MUST_USE int caller_hold(struct caller_hold *h, struct db *db, int64_t installation_id, const char *phone);
void caller_release(struct caller_hold *h, struct db *db, int64_t installation_id,
		    const char *phone);

#endif
