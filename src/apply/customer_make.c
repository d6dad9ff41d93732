#include "apply/customer_make.h"
#include "core/customer_body.h"
#include "store/customer_intent.h"
#include "apply/degrade.h"
#include "base/err.h"
#include "base/log.h"
#include "apply/lookup.h"
#include "store/installation_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void customer_made_free(struct customer_made *m)
{
	free(m->name);
	free(m->unsaved_note);
	memset(m, 0, sizeof *m);
}

/* Not stored (PostgreSQL out of reach): the next creation learns it again. */
static void remember_note_on_create(struct gorgias *g, int accepted)
{
	g->in->note_on_create = accepted;
	if (store_set_capability(g->db, g->in->id, "gorgias_note_on_create",
				 accepted ? "true" : "false") != AG_OK)
		log_info("gorgias %s: whether notes stick on creation is not stored", g->in->account);
}

/* CS1 on accounts that ignore "note" on creation (accepted, not stored):
 * set it by update. Best effort: the customer exists either way. */
static void note_by_update(struct gorgias *g, const char *want, const json_t *made)
{
	const char *got = json_string_value(json_object_get(made, "note"));
	char path[64];
	json_t *upd;

	if (got && strcmp(got, want) == 0) {
		if (g->in->note_on_create != 1)
			remember_note_on_create(g, 1);
		return;
	}
	if (g->in->note_on_create != 0)
		remember_note_on_create(g, 0);
	snprintf(path, sizeof path, "/api/customers/%" PRId64, gorgias_id(made));
	upd = json_pack("{s:s}", "note", want);
	if (upd && gorgias_call(g, "PUT", path, upd, NULL))
		log_info("gorgias %s: customer %" PRId64 ": note not set: %s", g->in->account,
			 gorgias_id(made), g->last_error);
	json_decref(upd);
}

/* CT4: every attempt for this caller sends the email the first one did. */
static int reuse_email(struct gorgias *g, const char *phone, json_t *body)
{
	const char *want = json_string_value(json_object_get(body, "email"));
	json_t *ch, *channels = json_object_get(body, "channels");
	char email[256];
	size_t i;
	int rc;

	if (!want)
		return AG_OK;
	if ((rc = customer_intent_take(g->db, g->in->id, phone, want, email, sizeof email)))
		return rc;
	if (strcmp(email, want) == 0)
		return AG_OK;
	json_array_foreach(channels, i, ch) {
		const char *type = json_string_value(json_object_get(ch, "type"));

		if (type && strcmp(type, "email") == 0)
			json_object_set_new(ch, "address", json_string(email));
	}
	return json_object_set_new(body, "email", json_string(email)) ? AG_ENOMEM : AG_OK;
}

int customer_make(struct gorgias *g, const char *phone, json_t *body, struct customer_made *out)
{
	const char *n = json_string_value(json_object_get(body, "note"));
	char *note = n ? strdup(n) : NULL;
	json_t *made = NULL;
	int rc = AG_OK;

	memset(out, 0, sizeof *out);
	if (n && !note)
		return AG_ENOMEM;
	if (phone && ((rc = lookup_cached_customer(g, phone, &out->id, &out->name)) || out->id))
		goto out;
	if (phone && (rc = reuse_email(g, phone, body)))
		goto out;
	rc = degrade_call(g, "POST", "/api/customers", body,
			  customer_optional, customer_noptional, &made);
	if (rc == AG_ECONFLICT) {
		/* The email belongs to a customer already: that is our customer. */
		rc = lookup_customer_by_email(g, json_string_value(json_object_get(body, "email")),
					      &out->id, &out->name);
	} else if (!rc) {
		const char *nm = json_string_value(json_object_get(body, "name"));

		out->id = gorgias_id(made);
		out->name = nm ? strdup(nm) : NULL;
		if (note && json_object_get(body, "note"))
			note_by_update(g, note, made);
		else if (note) {
			/* Refused by this account: the caller shows it elsewhere. */
			out->unsaved_note = note;
			note = NULL;
		}
	}
	if (!rc && !out->id)
		rc = AG_ETEMP;
	/* Not remembered (PostgreSQL failing): the next event finds the
	 * customer by phone in Gorgias, at the cost of one request. */
	if (!rc && phone)
		AG_IGNORE(lookup_remember_customer(g, phone, out->id, out->name));
	/* Known now, or the email is nobody's after all: the next attempt draws afresh. */
	/* Left behind, the intent is only reused: Gorgias answers 409 and the
	 * customer is adopted (CT4). */
	if (phone && (!rc || (rc == AG_EREJECT && !out->id)) &&
	    customer_intent_drop(g->db, g->in->id, phone) != AG_OK)
		log_info("gorgias %s: a customer intent stays stored", g->in->account);
out:
	json_decref(made);
	free(note);
	return rc;
}
