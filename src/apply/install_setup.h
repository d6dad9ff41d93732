/* What every way of installing shares (the install command and the OAuth
 * flow): the Aircall webhook, the company's numbers and their selection,
 * the fixed tags, and re-enabling. */
#ifndef AG_INSTALLATION_H
#define AG_INSTALLATION_H

#include "vendor/aircall.h"
#include "base/config.h"
#include "store/db.h"
#include "store/installation_store.h"

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

/* The numbers are stored by installation_save_numbers
 * (store/installation_store.h), which asks one of these per number. */
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
/* Enabling is installation_enable (store/installation_store.h). */

#endif
