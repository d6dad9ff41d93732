/* Owner of the tables gorgias_user_cache, customer_cache and
 * gorgias_tag_cache: what Gorgias answered about users (by lower-cased
 * email, or "*first-admin*"), customers (by E.164 phone) and tags (by exact
 * name), per installation, so that a hit costs no API request. */
#ifndef AG_CACHE_STORE_H
#define AG_CACHE_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* How long a cached user or "no such user" stays trusted (seconds). */
#define USER_CACHE_TTL_S 3600

/* *hit 1 with *user_id (0: "no such user" was cached) when key was
 * answered less than USER_CACHE_TTL_S ago; *hit 0 otherwise. */
AG_MUST_USE int user_cache_get(struct db *db, int64_t installation_id, const char *key,
			       int64_t *user_id, int *hit);
/* Remembers key → user_id (0: none), admin when it names the first admin. */
AG_MUST_USE int user_cache_put(struct db *db, int64_t installation_id, const char *key,
			       int64_t user_id, int admin);
/* Forgets every key answered with user_id, or every user when it is 0. */
AG_MUST_USE int user_cache_forget(struct db *db, int64_t installation_id, int64_t user_id);

/* *customer_id (0: not cached) and *name (caller frees, may be NULL). */
AG_MUST_USE int customer_cache_get(struct db *db, int64_t installation_id, const char *phone,
				   int64_t *customer_id, char **name);
AG_MUST_USE int customer_cache_put(struct db *db, int64_t installation_id, const char *phone,
				   int64_t customer_id, const char *name);
/* The cached profile when fetched less than max_age_s ago: *profile gets
 * {"id","name","email","note"} (caller decrefs), or NULL when none. */
AG_MUST_USE int customer_cache_profile(struct db *db, int64_t installation_id, const char *phone,
				       long max_age_s, json_t **profile);
/* Remembers phone → customer with its profile (name, email, note may be NULL). */
AG_MUST_USE int customer_cache_put_profile(struct db *db, int64_t installation_id,
					   const char *phone, int64_t customer_id, const char *name,
					   const char *email, const char *note);
/* Forgets the phone's entry (phone) or every phone of a customer (customer_id). */
AG_MUST_USE int customer_cache_forget_phone(struct db *db, int64_t installation_id,
					    const char *phone);
AG_MUST_USE int customer_cache_forget_customer(struct db *db, int64_t installation_id,
					       int64_t customer_id);

/* *tag_id of the tag named exactly name, 0 when not cached. */
AG_MUST_USE int tag_cache_get(struct db *db, int64_t installation_id, const char *name,
			      int64_t *tag_id);
AG_MUST_USE int tag_cache_put(struct db *db, int64_t installation_id, const char *name,
			      int64_t tag_id);
/* Forgets every cached tag of the installation. */
AG_MUST_USE int tag_cache_forget(struct db *db, int64_t installation_id);

#endif
