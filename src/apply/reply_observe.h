/* What two-way SMS learns from Aircall's message events, seen by the
 * message executor before it imports a message: STOP/START words, the
 * message.sent echo of a reply the bridge sent (never imported), and a
 * later failed delivery of such a reply (its Gorgias message marked). */
#ifndef AG_REPLY_OBSERVE_H
#define AG_REPLY_OBSERVE_H

#include "apply/executor.h"
#include "core/plan_message.h"

#include <stddef.h>

/* phone: the customer's E.164 (NULL when unusable). *handled 1 when the
 * message is the bridge's own reply (or its status) and must not be
 * imported; note then says why. */
int reply_observe(struct executor_run *r, const struct msg_facts *f, const char *phone,
		  int *handled, char *note, size_t note_len);

#endif
