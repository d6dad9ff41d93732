/* Everything the webhook path does with a body before the database: parse,
 * check, hash the token, name the delivery, shape what is stored. Pure but
 * for its log lines, so that fuzz_webhook drives it without PostgreSQL. */
#ifndef AG_WEBHOOK_READ_H
#define AG_WEBHOOK_READ_H

#include "base/config.h"

#include <stddef.h>

#define WEBHOOK_EVENT_MAX 64

struct webhook_in {
	char token_hash[65];            /* keyed hash: the only form stored or sent */
	char fingerprint[9];            /* for logs: keyed, and never the token */
	char event[WEBHOOK_EVENT_MAX + 1];
	char key[200];                  /* dedupe key of the delivery */
	char subject[96];               /* events of one subject apply in order */
	char *stored;                   /* owned: the JSON to store (no token) */
	int handled;                    /* an event the bridge applies */
	/* when refused: the answer */
	int status;
	const char *code;
	const char *message;
};

/* AG_OK with w filled, or AG_EINVAL with w->status/code/message the
 * answer (AG_ENOMEM: 500). An event the bridge does not handle is stored
 * as its envelope only ({"event", "resource", "timestamp"}): nothing of an
 * unknown body is kept. w must be released with webhook_in_free. */
int webhook_read(const struct config *cfg, const char *body, size_t len, struct webhook_in *w);
void webhook_in_free(struct webhook_in *w);

#endif
