/* IC1-IC3: the caller's Gorgias profile in the Aircall phone while it rings. */
#ifndef AG_CARD_H
#define AG_CARD_H

#include "vendor/aircall.h"
#include "vendor/gorgias.h"

#include <jansson.h>
#include <stdint.h>

/* Finds the customer (unless *customer_id is already known; set when found)
 * and pushes the Insight Card. AG_ENOTFOUND when the caller is unknown.
 * *name (caller frees; may stay NULL) gets the customer's name whenever it
 * was learnt, even when the card itself could not be pushed: the call's
 * ticket subject needs it (CT5). */
int card_push(struct gorgias *g, struct aircall *a, int64_t call_id, const char *phone,
	      int64_t *customer_id, char **name);

/* Pure: the card's contents from a Gorgias customer and its recent tickets
 * ({"data": [...]}); base is the Gorgias account URL. Caller decrefs. */
json_t *card_contents(const json_t *customer, const json_t *tickets, const char *base,
		      const char *locale);

#endif
