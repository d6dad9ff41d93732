/* Aircall's side of two-way SMS (aircall-api.md §4): the native send, so
 * that the SMS also appears in the Aircall app, and the agent as an
 * Aircall user. Through aircall_call: the company's budget, 429 and the
 * status mapping like every Aircall request. */
#ifndef AG_AIRCALL_SMS_H
#define AG_AIRCALL_SMS_H

#include "base/err.h"
#include "vendor/aircall.h"

#include <stddef.h>
#include <stdint.h>

#define AIRCALL_MSG_ID_MAX 80

/* POST /v1/numbers/:number_id/messages/native/send {to, body, user_id?}
 * (user_id 0: none). id receives the message's id (what its message.sent
 * webhook carries). A 2xx without a usable id is AG_ETEMP. */
AG_MUST_USE int aircall_native_send(struct aircall *a, int64_t number_id, const char *to,
				    const char *body, int64_t user_id, char *id, size_t id_len);
/* The company's user with this email (case-insensitive), paging through
 * GET /v1/users; *user_id 0 when none. */
AG_MUST_USE int aircall_user_by_email(struct aircall *a, const char *email, int64_t *user_id);

#endif
