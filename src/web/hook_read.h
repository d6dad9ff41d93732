/* What POST /webhooks/gorgias does with a delivery of the installation's
 * Gorgias HTTP integration before the database: hash the header secret,
 * read the ticket and message ids, name the delivery, shape what is
 * stored. Pure but for its log lines (fuzz_webhook can drive it). */
#ifndef AG_HOOK_READ_H
#define AG_HOOK_READ_H

#include "base/config.h"

#include <stddef.h>
#include <stdint.h>

/* The inbox event of a delivery (apply/ dispatches on it). */
#define HOOK_EVENT "gorgias.ticket_message_created"

struct hook_in {
	char secret_hash[65];     /* keyed hash: the only form stored or compared */
	char fingerprint[9];      /* for logs */
	int64_t ticket_id;
	int64_t message_id;       /* 0: the template rendered none (UNCONFIRMED variable) */
	int sms_ticket;           /* the ticket's channel rendered as "sms" */
	int own;                  /* the message's external id names the bridge ("aircall:...") */
	char key[96];             /* dedupe key of the delivery */
	char subject[48];         /* one ticket's replies apply in order */
	char *stored;             /* owned: the JSON to store */
	/* when refused: the answer */
	int status;
	const char *code;
	const char *message;
};

/* AG_OK with h filled, or AG_EINVAL with h->status/code/message the answer
 * (401 for a missing secret; AG_ENOMEM: 500). Release with hook_in_free. */
int hook_read(const struct config *cfg, const char *secret, const char *body, size_t len,
	      struct hook_in *h);
void hook_in_free(struct hook_in *h);

#endif
