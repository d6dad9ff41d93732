#include "apply/lookup.h"
#include "apply/tags.h"
#include "base/err.h"
#include "vendor/http.h"
#include "base/log.h"
#include "core/phone.h"
#include "store/cache_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int user_active(const json_t *u)
{
	const json_t *gone = json_object_get(u, "deactivated_datetime");

	return !json_is_false(json_object_get(u, "active")) && (!gone || json_is_null(gone));
}

int lookup_agent(struct gorgias *g, const char *email, int64_t *user_id)
{
	char key[256], path[512], *esc = NULL;
	json_t *list = NULL, *u;
	size_t i;
	int rc, hit;

	*user_id = 0;
	if (!email || strlen(email) >= sizeof key)
		return AG_OK;
	/* Emails compare case-insensitively (the reference leaves the API's
	 * own comparison unconfirmed): lower-case both sides here. */
	for (i = 0; email[i]; i++)
		key[i] = (char)tolower((unsigned char)email[i]);
	key[i] = '\0';
	rc = user_cache_get(g->db, g->in->id, key, user_id, &hit);
	if (rc || hit)
		return rc;
	esc = http_escape(key);
	if (!esc)
		return AG_ENOMEM;
	snprintf(path, sizeof path, "/api/users?email=%s&limit=10", esc);
	free(esc);
	rc = gorgias_call(g, "GET", path, NULL, &list);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(list, "data"), i, u) {
		const char *e = json_string_value(json_object_get(u, "email"));
		if (e && strcasecmp(e, key) == 0 && user_active(u)) {
			*user_id = gorgias_id(u);
			break;
		}
	}
	json_decref(list);
	return user_cache_put(g->db, g->in->id, key, *user_id, 0);
}

int lookup_admin(struct gorgias *g, int64_t *user_id)
{
	static const char key[] = "*first-admin*";
	json_t *list = NULL, *u;
	size_t i;
	int rc, hit;

	*user_id = 0;
	rc = user_cache_get(g->db, g->in->id, key, user_id, &hit);
	if (rc || hit)
		return rc;
	rc = gorgias_call(g, "GET", "/api/users?roles=admin&order_by=created_datetime:asc&limit=10",
			  NULL, &list);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(list, "data"), i, u) {
		if (user_active(u)) {
			*user_id = gorgias_id(u);
			break;
		}
	}
	json_decref(list);
	return user_cache_put(g->db, g->in->id, key, *user_id, 1);
}

int lookup_remember_customer(struct gorgias *g, const char *e164, int64_t customer_id,
			     const char *name)
{
	if (!phone_is_e164(e164))
		return AG_OK;
	return customer_cache_put(g->db, g->in->id, e164, customer_id, name);
}

int lookup_forget_customer(struct gorgias *g, const char *e164)
{
	return customer_cache_forget_phone(g->db, g->in->id, e164);
}

/* The best match of a list of customers: one whose phone channel is this
 * number (whatever its stored format), the oldest on ties, so the same
 * caller always lands on the same customer. */
static const json_t *pick_customer(const json_t *arr, const char *e164, const char *country)
{
	const json_t *best = NULL, *c, *ch;
	size_t i, j;

	json_array_foreach(arr, i, c) {
		int match = 0;
		const json_t *channels = json_object_get(c, "channels");

		if (!json_is_array(channels))
			match = 1; /* a search answer without channels: trust the search */
		json_array_foreach(channels, j, ch) {
			const char *t = json_string_value(json_object_get(ch, "type"));
			const char *addr = json_string_value(json_object_get(ch, "address"));
			if (t && strcmp(t, "phone") == 0 && addr && phone_equal(addr, e164, country))
				match = 1;
		}
		if (match && (!best || gorgias_id(c) < gorgias_id(best)))
			best = c;
	}
	return best;
}

/* Not stored (PostgreSQL out of reach): this process uses it, the next
 * one learns it again. */
static void remember_lookup(struct gorgias *g, const char *how)
{
	snprintf(g->in->phone_lookup, sizeof g->in->phone_lookup, "%s", how);
	if (store_set_capability(g->db, g->in->id, "gorgias_phone_lookup", how) != AG_OK)
		log_info("gorgias %s: phone lookup by %s not stored", g->in->account, how);
}

/* One lookup of one stored form, in whichever way this account supports. */
static int find_by_form(struct gorgias *g, const char *form, json_t **list)
{
	char path[512], *esc;
	json_t *body;
	int rc;

	*list = NULL;
	if (strcmp(g->in->phone_lookup, "filter") != 0) {
		body = json_pack("{s:s, s:s, s:i}", "type", "customers_by_phone", "query", form,
				 "size", 10);
		if (!body)
			return AG_ENOMEM;
		rc = gorgias_call(g, "POST", "/api/search", body, list);
		json_decref(body);
		if (rc != AG_EREJECT)
			return rc;
		/* This account refuses the search form: fall back to the
		 * customers filter, and remember it. */
		log_info("gorgias %s: phone search refused, using the customers filter",
			 g->in->account);
		remember_lookup(g, "filter");
	}
	esc = http_escape(form);
	if (!esc)
		return AG_ENOMEM;
	snprintf(path, sizeof path, "/api/customers?channel_type=phone&channel_address=%s&limit=10",
		 esc);
	free(esc);
	return gorgias_call(g, "GET", path, NULL, list);
}

int lookup_cached_customer(struct gorgias *g, const char *e164, int64_t *customer_id, char **name)
{
	return customer_cache_get(g->db, g->in->id, e164, customer_id, name);
}

int lookup_customer(struct gorgias *g, const char *e164, int64_t *customer_id, char **name)
{
	return lookup_customer_full(g, e164, customer_id, name, NULL);
}

static void learn_lookup(struct gorgias *g, const char *how)
{
	if (strcmp(g->in->phone_lookup, how) == 0)
		return;
	log_info("gorgias %s: phone lookup by %s from now on", g->in->account, how);
	remember_lookup(g, how);
}

static void take(const json_t *best, int64_t *customer_id, char **name, json_t **found)
{
	const char *n = json_string_value(json_object_get(best, "name"));

	*customer_id = gorgias_id(best);
	if (n && *n)
		*name = strdup(n);
	if (found)
		*found = json_incref((json_t *)best);
}

/* TS1 in one request: every stored form of a number contains its national
 * significant number in one piece, so a substring search for it (search
 * type "customer", §6.4) finds them all; the answer is filtered by
 * phone_equal. Whether the account's search matches substrings is
 * UNCONFIRMED: it is trusted alone (*conclusive) only once it found a
 * customer whose stored number is not the query itself. */
static int find_by_nsn(struct gorgias *g, const char *e164, int64_t *customer_id, char **name,
		       json_t **found, int *conclusive)
{
	char nsn[PHONE_MAX];
	json_t *body, *list = NULL;
	const json_t *best, *ch;
	size_t i;
	int rc;

	*conclusive = 0;
	if (!phone_nsn(e164, nsn))
		return AG_OK;
	body = json_pack("{s:s, s:s, s:i}", "type", "customer", "query", nsn, "size", 50);
	if (!body)
		return AG_ENOMEM;
	rc = gorgias_call(g, "POST", "/api/search", body, &list);
	json_decref(body);
	if (rc == AG_EREJECT) {
		learn_lookup(g, "search"); /* this account refuses it: stored forms one by one */
		return AG_OK;
	}
	if (rc)
		return rc;
	best = pick_customer(json_is_array(list) ? list : json_object_get(list, "data"), e164,
			     g->in->country);
	if (best) {
		take(best, customer_id, name, found);
		json_array_foreach(json_object_get(best, "channels"), i, ch) {
			const char *addr = json_string_value(json_object_get(ch, "address"));
			if (addr && strcmp(addr, nsn) != 0 && strstr(addr, nsn))
				learn_lookup(g, "substring");
		}
	}
	*conclusive = strcmp(g->in->phone_lookup, "substring") == 0;
	json_decref(list);
	return AG_OK;
}

int lookup_customer_full(struct gorgias *g, const char *e164, int64_t *customer_id, char **name,
			 json_t **found)
{
	char forms[LOOKUP_VARIANTS][PHONE_MAX];
	size_t nforms;
	int rc = lookup_cached_customer(g, e164, customer_id, name), conclusive = 0;
	int tried_nsn = 0;

	if (found)
		*found = NULL;
	if (rc || *customer_id)
		return rc;
	if (!g->in->phone_lookup[0] || strcmp(g->in->phone_lookup, "substring") == 0) {
		tried_nsn = 1;
		rc = find_by_nsn(g, e164, customer_id, name, found, &conclusive);
		if (rc)
			return rc;
		if (*customer_id || conclusive)
			goto out;
	}
	nforms = phone_variants(e164, g->in->country, forms, LOOKUP_VARIANTS);
	for (size_t i = 0; i < nforms && !*customer_id; i++) {
		json_t *list = NULL;
		const json_t *best, *arr;

		rc = find_by_form(g, forms[i], &list);
		if (rc == AG_EREJECT) {
			/* Neither lookup form works here: creating is all we can do. */
			rc = AG_OK;
			break;
		}
		if (rc)
			return rc;
		arr = json_is_array(list) ? list : json_object_get(list, "data");
		best = pick_customer(arr, e164, g->in->country);
		if (best)
			take(best, customer_id, name, found);
		json_decref(list);
	}
	/* Found by a stored form the substring search missed: that search
	 * does not match pieces here; the forms are this account's way. */
	if (*customer_id && tried_nsn && !g->in->phone_lookup[0])
		learn_lookup(g, "search");
out:
	if (*customer_id)
		rc = lookup_remember_customer(g, e164, *customer_id, *name);
	return rc;
}

json_t *lookup_cached_profile(struct gorgias *g, const char *e164, long max_age_s)
{
	json_t *c = NULL;

	/* Without the cache the profile is fetched again: only a cost. */
	if (customer_cache_profile(g->db, g->in->id, e164, max_age_s, &c) != AG_OK)
		return NULL;
	return c;
}

int lookup_remember_profile(struct gorgias *g, const char *e164, const json_t *c)
{
	if (!phone_is_e164(e164) || !gorgias_id(c))
		return AG_OK;
	return customer_cache_put_profile(g->db, g->in->id, e164, gorgias_id(c),
					  json_string_value(json_object_get(c, "name")),
					  json_string_value(json_object_get(c, "email")),
					  json_string_value(json_object_get(c, "note")));
}

int lookup_customer_by_email(struct gorgias *g, const char *email, int64_t *customer_id,
			     char **name)
{
	char path[512], *esc = email ? http_escape(email) : NULL;
	json_t *list = NULL;
	int rc;

	*customer_id = 0;
	*name = NULL;
	if (!esc)
		return email ? AG_ENOMEM : AG_EREJECT;
	snprintf(path, sizeof path, "/api/customers?email=%.400s&limit=1", esc);
	free(esc);
	rc = gorgias_call(g, "GET", path, NULL, &list);
	if (!rc && gorgias_first_id(list)) {
		const json_t *c = json_array_get(json_object_get(list, "data"), 0);
		const char *n = json_string_value(json_object_get(c, "name"));

		*customer_id = gorgias_id(c);
		if (n)
			*name = strdup(n);
	} else if (!rc) {
		rc = AG_EREJECT;
	}
	json_decref(list);
	return rc;
}

/* A cache entry that could not be dropped is found again and refused
 * again by Gorgias: the event then fails visibly, so the failure to
 * forget is only logged here. */
static void forgot(int rc, const char *what)
{
	if (rc != AG_OK)
		log_warn("lookup: a %s gone from Gorgias stays cached (%s)", what, ag_strerror(rc));
}

const char *lookup_forget_gone(struct gorgias *g, const char *e164, const struct refusal *r)
{
	if (r->kind != REFUSAL_GONE)
		return NULL;
	if (strcmp(r->what, "user") == 0) {
		forgot(user_cache_forget(g->db, g->in->id, r->id), "user");
		return "user";
	}
	if (strcmp(r->what, "tag") == 0) {
		/* Gorgias names no id ("Tag not found."): forget every cached
		 * tag id of the account; names are resolved again (TC1). */
		forgot(tags_forget(g), "tag");
		return "tag";
	}
	if (strcmp(r->what, "customer") == 0 || (!r->what[0] && strstr(r->field, "sender"))) {
		if (r->id)
			forgot(customer_cache_forget_customer(g->db, g->in->id, r->id), "customer");
		if (e164)
			forgot(lookup_forget_customer(g, e164), "customer");
		return "customer";
	}
	return NULL;
}
