/* Gorgias lookups behind PostgreSQL caches: users by email (CT7, CN5), the
 * first admin, customers by phone (CT2, TS1). A cache hit costs no API
 * request; that is most of RL3's budget. */
#ifndef AG_LOOKUP_H
#define AG_LOOKUP_H

#include "base/err.h"
#include "vendor/gorgias.h"

#include <stdint.h>

/* Sets *user_id to the active Gorgias user with this email, 0 if none. */
int lookup_agent(struct gorgias *g, const char *email, int64_t *user_id);
/* Sets *user_id to the account's first admin, 0 if it has none. */
int lookup_admin(struct gorgias *g, int64_t *user_id);
/* Finds the customer for an E.164 number: the cache, then Gorgias with the
 * stored variants a human may have typed. *customer_id 0 when none;
 * *name (caller frees) may be NULL. */
int lookup_customer(struct gorgias *g, const char *e164, int64_t *customer_id, char **name);
/* The same, also handing out the customer object the search returned
 * (*found, caller decrefs; NULL when it came from the cache). */
int lookup_customer_full(struct gorgias *g, const char *e164, int64_t *customer_id, char **name,
			 json_t **found);
/* The cached profile (name, email, note) when fetched less than max_age_s
 * ago: a {"id","name","email","note"} object (caller decrefs) or NULL. */
json_t *lookup_cached_profile(struct gorgias *g, const char *e164, long max_age_s);
AG_MUST_USE int lookup_remember_profile(struct gorgias *g, const char *e164, const json_t *customer);
/* A creation refused with 409 (the email is another customer's): that
 * customer is ours. Sets *customer_id and *name (caller frees, may be
 * NULL); AG_EREJECT when Gorgias knows no customer with that email. */
int lookup_customer_by_email(struct gorgias *g, const char *email, int64_t *customer_id,
			     char **name);
/* The cache alone (no API request). */
int lookup_cached_customer(struct gorgias *g, const char *e164, int64_t *customer_id, char **name);
/* Remembers phone → customer (after a lookup or a creation). */
AG_MUST_USE int lookup_remember_customer(struct gorgias *g, const char *e164, int64_t customer_id,
					 const char *name);
/* Forgets a cached customer that Gorgias no longer has (merged, deleted). */
AG_MUST_USE int lookup_forget_customer(struct gorgias *g, const char *e164);

/* RB2: a refusal naming a customer or user that is gone (refusal.h,
 * REFUSAL_GONE) drops the cache entries that gave it (the phone's
 * customer; every cached email of that user). Returns what was
 * forgotten: "customer", "user", or NULL when the refusal names nothing
 * the caches hold (then there is nothing to resolve again). */
const char *lookup_forget_gone(struct gorgias *g, const char *e164, const struct refusal *r);

/* How many stored variants are tried before a customer is created. */
#define LOOKUP_VARIANTS 3
/* How long a cached user or "no such user" stays trusted:
 * USER_CACHE_TTL_S (store/cache_store.h). */

#endif
