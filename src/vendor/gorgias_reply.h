/* Gorgias's side of two-way SMS (gorgias-api.md §9): the ticket's messages
 * that may be agent replies, and their outcome written back. */
#ifndef AG_GORGIAS_REPLY_H
#define AG_GORGIAS_REPLY_H

#include "base/err.h"
#include "vendor/gorgias.h"

#include <jansson.h>
#include <stdint.h>

/* GET /api/tickets/:ticket/messages/:id: *msg the message (caller decrefs). */
AG_MUST_USE int gorgias_reply_get(struct gorgias *g, int64_t ticket_id, int64_t message_id,
				  json_t **msg);
/* GET /api/tickets/:ticket/messages: *list a new array of the messages. */
AG_MUST_USE int gorgias_reply_list(struct gorgias *g, int64_t ticket_id, json_t **list);
/* PUT the outcome on the message: sent_datetime now (sent), else
 * failed_datetime now and last_sending_error = reason. AG_EREJECT when
 * Gorgias takes no such update (the caller notes it instead). */
AG_MUST_USE int gorgias_reply_mark(struct gorgias *g, int64_t ticket_id, int64_t message_id,
				   int sent, const char *reason);
/* An internal note on the ticket by author (a Gorgias user id) about the
 * reply message_id. */
AG_MUST_USE int gorgias_reply_note(struct gorgias *g, int64_t ticket_id, int64_t message_id,
				   int64_t author, const char *text);

#endif
