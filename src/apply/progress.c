#include "apply/progress.h"
#include "apply/process.h"
#include "base/err.h"
#include "base/log.h"
#include "store/subject_lock.h"

#include <stdio.h>
#include <unistd.h>

/* The caller lock's key, in the advisory namespace of subjects. */
static void lock_key(char *key, size_t len, const char *phone)
{
	snprintf(key, len, "phone:%s", phone);
}

int caller_lock(struct db *db, int64_t installation_id, const char *phone)
{
	char key[48];

	lock_key(key, sizeof key, phone);
	for (int i = 0; i < 400 && !ag_stop; i++) {
		int rc = subject_try_lock(db, installation_id, key);

		if (rc != AG_EBUSY)
			return rc;
		usleep(50 * 1000);
	}
	return AG_EBUSY;
}

void caller_unlock(struct db *db, int64_t installation_id, const char *phone)
{
	char key[48];

	lock_key(key, sizeof key, phone);
	/* Only a broken connection fails this, and a lost session holds no
	 * advisory lock any more. */
	if (subject_unlock(db, installation_id, key))
		log_warn("caller lock: not unlocked (the connection's end releases it)");
}

int caller_hold(struct caller_hold *h, struct db *db, int64_t installation_id, const char *phone)
{
	int rc;

	if (h->held)
		return AG_OK;
	rc = caller_lock(db, installation_id, phone);
	h->held = rc == AG_OK;
	return rc;
}

void caller_release(struct caller_hold *h, struct db *db, int64_t installation_id,
		    const char *phone)
{
	if (!h->held)
		return;
	caller_unlock(db, installation_id, phone);
	h->held = 0;
}
