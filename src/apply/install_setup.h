/* What every way of installing shares (the install command and the OAuth
 * flow): the Aircall webhook, the company's numbers and their selection,
 * the fixed tags, and re-enabling. */
#ifndef AG_INSTALLATION_H
#define AG_INSTALLATION_H

#include "vendor/aircall.h"
#include "base/config.h"
#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* Makes sure the Aircall webhook to <public_url>/webhooks/aircall exists:
 * *webhook_id (in: the stored one or NULL) is kept when Aircall still has
 * it at that URL, else replaced by a new webhook whose token lands in
 * *token (NULL when the old webhook was kept). Caller frees both. */
int installation_webhook(struct aircall *ac, const struct config *cfg, char **webhook_id,
			 char **token);
/* All numbers of the company (paginated GET /v1/numbers) as a new array. */
int installation_numbers(struct aircall *ac, json_t **numbers);

/* Whether a number is connected, asked per number when storing them. */
typedef int (*number_pick_fn)(const void *arg, int64_t number_id);
/* Upserts the numbers (name, digits). New rows get pick's answer; existing
 * rows too unless keep_selection. Runs inside the caller's transaction. */
int installation_save_numbers(struct db *db, int64_t installation_id, const json_t *numbers,
			      number_pick_fn pick, const void *arg, int keep_selection);
/* Is id in the comma-separated list arg? (a number_pick_fn) */
int installation_pick_listed(const void *arg, int64_t id);
/* Is id in the JSON array of ids arg? (a number_pick_fn; NULL: all) */
int installation_pick_json(const void *arg, int64_t id);

/* An IANA zone name such as Europe/Berlin (shape only). */
int installation_valid_time_zone(const char *tz);
/* An upper-case ISO 3166 code the phone normaliser knows. */
int installation_valid_country(const char *cc);

/* G7: an app adds its tags on install. Failures only log: tags are also
 * resolved on first use. */
void installation_prepare_tags(struct db *db, const struct config *cfg, int64_t installation_id,
			       const json_t *numbers);
/* Enables an installation; the events kept while it was disabled become
 * due at once, oldest first (AD2). AG_OK, AG_ENOTFOUND or AG_EDB. */
/* AG_EREJECT (nothing changed) when the app was uninstalled
 * (authorization_removed) unless reinstalled: fresh credentials were just
 * stored by an install. */
int installation_enable(struct db *db, int64_t installation_id, int reinstalled);

#endif
