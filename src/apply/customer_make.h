/* Creating the Gorgias customer for a caller nobody knows (CT3, CT4, CS1),
 * shared by the call and message executors: the body from customer.h,
 * sent with its optional fields declared (degrade.h), 409 resolved to the
 * customer holding the email, the phone cached. */
#ifndef AG_CUSTOMER_MAKE_H
#define AG_CUSTOMER_MAKE_H

#include "vendor/gorgias.h"

#include <jansson.h>
#include <stdint.h>

struct customer_made {
	int64_t id;
	char *name;            /* owned, may be NULL */
	char *unsaved_note;    /* owned: the CS1 note Gorgias would not store
				* on the customer (to show elsewhere), or NULL */
};

/* phone: E.164 or NULL (hidden number); body is modified (degraded) in
 * place. Another process may have created the customer meanwhile: the
 * cache is asked first. Release out with customer_made_free. */
int customer_make(struct gorgias *g, const char *phone, json_t *body, struct customer_made *out);
void customer_made_free(struct customer_made *m);

#endif
