/* Owner of posted_op: the keys of the operations already done for a
 * subject (a call, a conversation), so that no attempt repeats one. */
#ifndef AG_POSTED_OP_STORE_H
#define AG_POSTED_OP_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

struct posted {
	char **keys;   /* owned, n strings */
	size_t n;
};

void posted_free(struct posted *p);
/* Replaces p's keys with those recorded for the subject. */
AG_MUST_USE int posted_load(struct db *db, int64_t installation_id, const char *subject,
			    struct posted *p);
/* 1 when key is among p's keys. */
int posted_has(const struct posted *p, const char *key);
/* Records key as done (gorgias_id: what it made, 0 for nothing); a key
 * recorded before stays as it was. */
AG_MUST_USE int posted_record(struct db *db, int64_t installation_id, const char *subject,
			      const char *key, int64_t gorgias_id);
/* Forgets key (the operation is owed again). */
AG_MUST_USE int posted_forget(struct db *db, int64_t installation_id, const char *subject,
			      const char *key);
/* Forgets every key of the subject. */
AG_MUST_USE int posted_forget_all(struct db *db, int64_t installation_id, const char *subject);


#endif
