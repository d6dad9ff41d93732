/* The email a caller's customer is (being) created with, kept across
 * attempts (CT4): a retry after a lost answer sends the same email, so
 * Gorgias answers 409 and the customer is adopted, never duplicated. */
#ifndef AG_CUSTOMER_INTENT_H
#define AG_CUSTOMER_INTENT_H

#include "base/err.h"
#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

/* Stores email as the intent for phone unless one is stored already, and
 * copies the stored one (this attempt's or an earlier one's) to out. */
AG_MUST_USE int customer_intent_take(struct db *db, int64_t installation_id, const char *phone,
			 const char *email, char *out, size_t outsz);
/* The customer is known (created, adopted) or the email is nobody's. */
AG_MUST_USE int customer_intent_drop(struct db *db, int64_t installation_id, const char *phone);

#endif
