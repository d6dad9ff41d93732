/* Owner of call_record: one row per Aircall call, holding the call as its
 * events merged it (with the bridge's own notes under "bridge") and the
 * Gorgias customer and ticket it was given. */
#ifndef AG_CALL_RECORD_STORE_H
#define AG_CALL_RECORD_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* Loads the call's row, creating an empty one first: *call (owned by the
 * caller) and the ids (0 for none). AG_EINVAL when the stored call is unreadable. */
AG_MUST_USE int call_record_open(struct db *db, int64_t installation_id, int64_t call_id,
				 json_t **call, int64_t *customer_id, int64_t *ticket_id);
/* Replaces the stored call (events and notes). */
AG_MUST_USE int call_record_save_call(struct db *db, int64_t installation_id, int64_t call_id,
				      const json_t *call);
/* Replaces the bridge's notes only (the call's "bridge" member). */
AG_MUST_USE int call_record_save_bridge(struct db *db, int64_t installation_id, int64_t call_id,
					const json_t *bridge);
/* Sets the Gorgias customer and ticket (0: none). */
AG_MUST_USE int call_record_save_ids(struct db *db, int64_t installation_id, int64_t call_id,
				     int64_t customer_id, int64_t ticket_id);
/* The Gorgias ticket of a call (0 when none or no such call). */
AG_MUST_USE int call_record_ticket(struct db *db, int64_t installation_id, int64_t call_id,
				   int64_t *ticket_id);
/* *yes = 1 when a stored call names call_id as its automatic callback. */
AG_MUST_USE int call_record_callback_requested(struct db *db, int64_t installation_id,
					       int64_t call_id, int *yes);

#endif
