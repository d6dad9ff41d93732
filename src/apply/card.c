#include "apply/card.h"
#include "base/err.h"
#include "base/log.h"
#include "apply/lookup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CARD_TEXT_MAX 500

static const char *str_or(const json_t *o, const char *key, const char *fallback)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : fallback;
}

static json_t *row(const char *label, const char *text, const char *link)
{
	char clipped[CARD_TEXT_MAX + 4];
	json_t *r;

	/* Keep the phone's card readable whatever a note holds. */
	snprintf(clipped, sizeof clipped, "%.*s%s", CARD_TEXT_MAX, text,
		 strlen(text) > CARD_TEXT_MAX ? "…" : "");
	r = json_pack("{s:s, s:s, s:s}", "type", "shortText", "label", label, "text", clipped);
	if (r && link)
		json_object_set_new(r, "link", json_string(link));
	return r;
}

json_t *card_contents(const json_t *customer, const json_t *tickets, const char *base,
		      const char *locale)
{
	int de = locale && strcmp(locale, "de") == 0;
	const json_t *t, *latest = NULL;
	char link[512], tlink[512], count[32];
	json_t *c = json_array();
	int open = 0;
	size_t i;

	if (!c)
		return NULL;
	/* The profile URL form is unconfirmed (/app/customer/ vs /customers/);
	 * /app/customer/{id} is the one most public code uses. */
	snprintf(link, sizeof link, "%s/app/customer/%" PRId64, base, (int64_t)json_integer_value(
			 json_object_get(customer, "id")));
	json_array_append_new(c, json_pack("{s:s, s:s, s:s}", "type", "title",
					   "text", str_or(customer, "name", de ? "Gorgias-Kunde" : "Gorgias customer"),
					   "link", link));
	json_array_append_new(c, row("Email", str_or(customer, "email", "-"), NULL));
	if (json_string_value(json_object_get(customer, "note")) &&
	    *json_string_value(json_object_get(customer, "note")))
		json_array_append_new(c, row(de ? "Notizen" : "Notes", str_or(customer, "note", ""), NULL));
	json_array_foreach(json_object_get(tickets, "data"), i, t) {
		const char *st = json_string_value(json_object_get(t, "status"));
		const json_t *trashed = json_object_get(t, "trashed_datetime");

		if (json_is_true(json_object_get(t, "spam")) || (trashed && !json_is_null(trashed)))
			continue;
		if (st && strcmp(st, "open") == 0)
			open++;
		if (!latest)
			latest = t;
	}
	snprintf(count, sizeof count, "%d", open);
	json_array_append_new(c, row(de ? "Offene Tickets" : "Open tickets", count, NULL));
	if (latest) {
		snprintf(tlink, sizeof tlink, "%s/app/ticket/%" PRId64, base, (int64_t)json_integer_value(
				 json_object_get(latest, "id")));
		json_array_append_new(c, row(de ? "Letztes Ticket" : "Latest ticket",
					     str_or(latest, "subject", "-"), tlink));
	}
	return c;
}

/* Name, email and notes change rarely; a ringing phone should not wait for
 * them (or spend a request) more than once in this many seconds. */
#define CARD_PROFILE_MAX_AGE 3600

static void learn_name(const json_t *customer, char **name)
{
	const char *n = json_string_value(json_object_get(customer, "name"));

	if (n && *n) {
		free(*name);
		*name = strdup(n);
	}
}

int card_push(struct gorgias *g, struct aircall *a, int64_t call_id, const char *phone,
	      int64_t *customer_id, char **name)
{
	json_t *customer = NULL, *tickets = NULL, *contents = NULL, *body = NULL;
	char path[160];
	int rc = AG_OK;

	*name = NULL;
	customer = lookup_cached_profile(g, phone, CARD_PROFILE_MAX_AGE);
	if (!customer && !*customer_id) {
		rc = lookup_customer_full(g, phone, customer_id, name, &customer);
		if (rc)
			goto out;
		if (!*customer_id) {
			rc = AG_ENOTFOUND; /* IC2: a card only for a known caller */
			goto out;
		}
	}
	if (customer && json_object_get(customer, "note")) {
		*customer_id = gorgias_id(customer);
	} else {
		json_decref(customer);
		customer = NULL;
		snprintf(path, sizeof path, "/api/customers/%" PRId64, *customer_id);
		rc = gorgias_call(g, "GET", path, NULL, &customer);
		if (rc == AG_ENOTFOUND) {
			/* Merged or deleted in Gorgias since we cached it (kept
			 * when PostgreSQL fails: the next card asks Gorgias again). */
			AG_IGNORE(lookup_forget_customer(g, phone));
			*customer_id = 0;
			rc = AG_ECONFLICT; /* not "unknown caller": look up again */
		}
		if (rc)
			goto out;
	}
	learn_name(customer, name);
	/* A profile not cached only costs the next card this request again. */
	AG_IGNORE(lookup_remember_profile(g, phone, customer));
	/* IC3 in one more request: the customer's latest tickets. */
	snprintf(path, sizeof path, "/api/tickets?customer_id=%" PRId64
		 "&order_by=created_datetime:desc&limit=30&trashed=false", *customer_id);
	rc = gorgias_call(g, "GET", path, NULL, &tickets);
	if (rc == AG_ENOTFOUND || rc == AG_EREJECT)
		AG_IGNORE(lookup_forget_customer(g, phone)); /* as above */
	if (rc)
		goto out;
	contents = card_contents(customer, tickets, g->base, g->in->locale);
	body = contents ? json_pack("{s:O}", "contents", contents) : NULL;
	if (!body) {
		rc = AG_ENOMEM;
		goto out;
	}
	snprintf(path, sizeof path, "/v1/calls/%" PRId64 "/insight_cards", call_id);
	rc = aircall_call(a, "POST", path, body, NULL);
out:
	json_decref(customer);
	json_decref(tickets);
	json_decref(contents);
	json_decref(body);
	return rc;
}
