/* Owner of sms_reply (two-way SMS): per Gorgias message and part, what the
 * bridge did with it. The intent is stored before Aircall is asked, so that
 * nothing is ever sent twice; the Aircall id recognises the echo. */
#ifndef AG_SMS_REPLY_STORE_H
#define AG_SMS_REPLY_STORE_H

#include "base/err.h"
#include "core/plan_reply.h"
#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

/* What is stored for the message: rec (its reason points into reason). */
AG_MUST_USE int sms_reply_load(struct db *db, int64_t installation_id, int64_t message_id,
			       struct reply_record *rec, char *reason, size_t reason_len);
/* The intent to send part now: AG_ECONFLICT when a row for it exists
 * (another run got there first: the caller loads again). */
AG_MUST_USE int sms_reply_intent(struct db *db, int64_t installation_id, int64_t message_id,
				 int64_t ticket_id, size_t part, int64_t number_id,
				 const char *phone, const char *body);
/* Aircall accepted part as aircall_id. */
AG_MUST_USE int sms_reply_sent(struct db *db, int64_t installation_id, int64_t message_id,
			       size_t part, const char *aircall_id);
/* The send of part certainly did not happen (rate limit, no budget,
 * 5xx): its intent is dropped, it is owed again. */
AG_MUST_USE int sms_reply_unsent(struct db *db, int64_t installation_id, int64_t message_id,
				 size_t part);
/* Part failed for reason (refused now, or reported later by Aircall);
 * Gorgias is to be told. A part failed before stays as it was. */
AG_MUST_USE int sms_reply_failed(struct db *db, int64_t installation_id, int64_t message_id,
				 int64_t ticket_id, size_t part, const char *reason);
/* Never to be sent, for reason; reported: nothing to tell Gorgias. */
AG_MUST_USE int sms_reply_skipped(struct db *db, int64_t installation_id, int64_t message_id,
				  int64_t ticket_id, const char *reason, int reported);
/* Gorgias was told the outcome. */
AG_MUST_USE int sms_reply_reported(struct db *db, int64_t installation_id, int64_t message_id);
/* Aircall's message.sent for aircall_id: is it a part the bridge sent? By
 * its id, or, when it overtook the send's answer, as the oldest intent
 * still without an id for the same line, customer and text (which it then
 * completes). *message_id: the Gorgias message, 0 when not the bridge's. */
AG_MUST_USE int sms_reply_echo(struct db *db, int64_t installation_id, const char *aircall_id,
			       int64_t number_id, const char *phone, const char *body,
			       int64_t *message_id);
/* The Gorgias message and ticket of a part the bridge sent as aircall_id
 * (0, 0 when none). */
AG_MUST_USE int sms_reply_of_aircall(struct db *db, int64_t installation_id,
				     const char *aircall_id, int64_t *message_id,
				     int64_t *ticket_id, size_t *part);

#endif
