/* Owner of conversation: one row per customer phone and Aircall number,
 * the Gorgias customer and ticket of its SMS, and the work in flight for
 * its messages ("work": one object per message id). */
#ifndef AG_CONVERSATION_STORE_H
#define AG_CONVERSATION_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Loads the conversation's row, creating an empty one first: the ids (0
 * for none) and *work, a new object owned by the caller. */
AG_MUST_USE int conversation_open(struct db *db, int64_t installation_id, const char *phone,
				  int64_t number_id, int64_t *customer_id, int64_t *ticket_id,
				  json_t **work);
/* Replaces the row's ids (0: none) and work. */
AG_MUST_USE int conversation_save(struct db *db, int64_t installation_id, const char *phone,
				  int64_t number_id, int64_t customer_id, int64_t ticket_id,
				  const json_t *work);

/* Two-way SMS: the conversation whose ticket this is (customer phone, E.164,
 * and Aircall number). AG_ENOTFOUND when the ticket is no conversation's. */
AG_MUST_USE int conversation_by_ticket(struct db *db, int64_t installation_id, int64_t ticket_id,
				       char *phone, size_t phone_len, int64_t *number_id);

#endif
