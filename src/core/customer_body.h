/* The Gorgias customer the bridge creates for a caller nobody knows yet
 * (CT3, CT4, CS1, CS2): shared by the call and message planners. Pure. */
#ifndef AG_CUSTOMER_H
#define AG_CUSTOMER_H

#include "base/err.h"
#include "core/optional.h"

#include <jansson.h>
#include <stdint.h>

struct contact {
	int64_t id;                /* Aircall contact id, 0 = none */
	const char *first_name;
	const char *last_name;
	const char *email;
};

/* The POST /api/customers body: from the Aircall contact (CT3, CS1), else
 * "Aircall New Contact <phone>" with <digits>@aircall.io (CT4, CS2); a
 * hidden number (phone NULL) gets one shared placeholder. NULL on ENOMEM. */
AG_MUST_USE json_t *customer_body(const char *phone, const struct contact *c, const char *placeholder_digits);

/* What of that body an account may refuse without losing the customer:
 * everything but the name, the email and the channels. */
extern const struct optional_field customer_optional[];
extern const size_t customer_noptional;

#endif
