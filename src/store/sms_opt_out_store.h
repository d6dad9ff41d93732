/* Owner of sms_opt_out: customers who texted STOP (or START again) to an
 * Aircall number; the later word wins, by the customer's own time. */
#ifndef AG_SMS_OPT_OUT_STORE_H
#define AG_SMS_OPT_OUT_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

/* Records the word the customer texted at said_ms (unix ms) unless a later
 * one is stored. */
AG_MUST_USE int sms_opt_out_note(struct db *db, int64_t installation_id, int64_t number_id,
				 const char *phone, int opted_out, const char *word,
				 int64_t said_ms);
/* *opted_out 1 with the word (bounded copy) when the customer's last word
 * on that number was an opt-out. */
AG_MUST_USE int sms_opt_out_get(struct db *db, int64_t installation_id, int64_t number_id,
				const char *phone, int *opted_out, char *word, size_t word_len);

#endif
