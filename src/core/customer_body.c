#include "core/customer_body.h"

#include <inttypes.h>
#include <stdio.h>

const struct optional_field customer_optional[] = {
	{ "note", NULL, NULL },
	{ "firstname", NULL, NULL },
	{ "lastname", NULL, NULL },
	{ "external_id", NULL, NULL },
};
const size_t customer_noptional = sizeof customer_optional / sizeof customer_optional[0];

json_t *customer_body(const char *phone, const struct contact *c, const char *digits)
{
	char email[160], name[200], ext[64];
	json_t *body, *channels = json_array();

	if (!channels)
		return NULL;
	if (c->email)
		snprintf(email, sizeof email, "%.150s", c->email);
	else if (!phone)
		/* Hidden numbers share one customer: the fixed email makes
		 * Gorgias answer 409 from the second call on, and the executor
		 * then reuses the customer that holds it. */
		snprintf(email, sizeof email, "hidden-number@aircall.io");
	else
		snprintf(email, sizeof email, "%.20s@aircall.io", digits ? digits : "0");
	if (c->first_name || c->last_name)
		snprintf(name, sizeof name, "%.90s%s%.90s", c->first_name ? c->first_name : "",
			 c->first_name && c->last_name ? " " : "", c->last_name ? c->last_name : "");
	else
		snprintf(name, sizeof name, "Aircall New Contact %s", phone ? phone : "(hidden number)");
	if ((phone && json_array_append_new(channels, json_pack("{s:s, s:s, s:b}", "type", "phone",
								 "address", phone, "preferred", 1))) ||
	    json_array_append_new(channels, json_pack("{s:s, s:s, s:b}", "type", "email",
						      "address", email, "preferred", phone == NULL))) {
		json_decref(channels);
		return NULL;
	}
	/* CS1: say why this customer exists (the executor moves the note to
	 * a PUT when the account ignores it on creation). */
	body = json_pack("{s:s, s:s, s:o, s:s}", "name", name, "email", email, "channels", channels,
			 "note", phone ? "Created by Aircall: no Gorgias customer was found for this "
					 "phone number."
				       : "Created by Aircall for calls from hidden numbers.");
	if (!body)
		return NULL;
	snprintf(ext, sizeof ext, "aircall:contact:%" PRId64, c->id);
	if ((c->first_name && json_object_set_new(body, "firstname", json_string(c->first_name))) ||
	    (c->last_name && json_object_set_new(body, "lastname", json_string(c->last_name))) ||
	    (c->id && json_object_set_new(body, "external_id", json_string(ext)))) {
		json_decref(body);
		return NULL;
	}
	return body;
}
