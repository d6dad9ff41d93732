/* Advisory locks keyed by (installation, text): one process at a time
 * works on a subject (a call, a conversation) or a caller's customer, also
 * across hosts. Session-level: a lost connection releases them. */
#ifndef AG_SUBJECT_LOCK_H
#define AG_SUBJECT_LOCK_H

#include "base/err.h"
#include "store/db.h"

#include <stdint.h>

/* Takes the lock without waiting: AG_OK, AG_EBUSY (held elsewhere) or AG_EDB. */
AG_MUST_USE int subject_try_lock(struct db *db, int64_t installation_id, const char *key);
/* Releases a lock this session holds: AG_OK or AG_EDB. */
AG_MUST_USE int subject_unlock(struct db *db, int64_t installation_id, const char *key);

#endif
