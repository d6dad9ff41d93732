/* Owner of the tables installation and installation_number: loading an
 * installation (with its vendor secrets opened), the small lookups every
 * event needs, what the install paths, the settings page and the token
 * refresh write, and the connected numbers. */
#ifndef AG_STORE_H
#define AG_STORE_H

#include "base/config.h"
#include "base/err.h"
#include "store/db.h"
#include "store/metrics_store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct installation {
	int64_t id;
	char account[64];
	int gorgias_oauth;           /* else basic email + API key */
	char *gorgias_email;
	char *gorgias_secret;        /* opened: API key or access token */
	char *gorgias_refresh;       /* opened refresh token, or NULL */
	long long gorgias_expires_at; /* OAuth access token expiry (unix s), 0 unknown */
	int aircall_oauth;
	char *aircall_api_id;
	char *aircall_secret;        /* opened: API token or access token */
	int enabled;
	char disabled_reason[32];
	int numbers_all;
	char locale[4];
	char country[4];
	char time_zone[64];
	char phone_lookup[12];       /* "", "substring", "search" or "filter" (lookup.c) */
	int tags_by_id;
	int note_on_create;          /* -1 unknown, 0 ignored, 1 accepted */
	char *refused;               /* owned: what Gorgias refused, one key a line (degrade.h) */
};

void installation_free(struct installation *in);
/* AG_OK, AG_ENOTFOUND or AG_EDB. */
AG_MUST_USE int store_installation_load(struct db *db, const struct config *cfg, int64_t id,
					struct installation *in);
/* SU3: is this Aircall number connected? *selected 1 or 0. */
AG_MUST_USE int installation_number_selected(struct db *db, const struct installation *in,
					     int64_t number_id, int *selected);
/* *disabled 1 when the installation is (now) disabled or gone, else 0. */
AG_MUST_USE int installation_disabled(struct db *db, int64_t installation_id, int *disabled);
/* Disables an enabled installation for reason (logged once). */
AG_MUST_USE int store_disable(struct db *db, int64_t installation_id, const char *reason);
/* Remembers what the account was found to support: column is one of
 * gorgias_phone_lookup, gorgias_tags_by_id, gorgias_note_on_create. */
AG_MUST_USE int store_set_capability(struct db *db, int64_t installation_id, const char *column,
			 const char *value);
/* RB2: remembers that this account refuses `key` ("POST /api/customers
 * note"), in memory and in PostgreSQL; and asks whether it does (pure). */
AG_MUST_USE int store_add_refused(struct db *db, struct installation *in, const char *key);
int store_refuses(const struct installation *in, const char *key);


/* Enables an installation; the events kept while it was disabled become
 * due at once, oldest first (AD2), and its Gorgias budget pause is
 * forgotten. AG_OK, AG_ENOTFOUND or AG_EDB; AG_EREJECT (nothing changed)
 * when the app was uninstalled (authorization_removed) unless reinstalled:
 * fresh credentials were just stored by an install. */
AG_MUST_USE int installation_enable(struct db *db, int64_t installation_id, int reinstalled);

/* Whether a number is connected, asked per number when storing them. */
typedef int (*number_pick_fn)(const void *arg, int64_t number_id);
/* Upserts the numbers (Aircall's {id, name, digits} objects). New rows get
 * pick's answer; existing rows too unless keep_selection. Runs inside the
 * caller's transaction, if any. */
AG_MUST_USE int installation_save_numbers(struct db *db, int64_t installation_id,
					  const json_t *numbers, number_pick_fn pick,
					  const void *arg, int keep_selection);
struct installation_number {
	char id[24];
	char name[201];
	char digits[65];
	int selected;
};
/* The installation's numbers by name (at most max): *n of them in out. */
AG_MUST_USE int installation_numbers_list(struct db *db, int64_t installation_id,
					  struct installation_number *out, size_t max, size_t *n);
/* The settings form: exactly the numbers whose ids are in the PostgreSQL
 * array literal number_ids ("{1,2}") are selected (only this
 * installation's rows), numbers_all off, and locale, country, time zone
 * set where not NULL; one transaction. */
AG_MUST_USE int installation_save_settings(struct db *db, int64_t installation_id,
					   const char *number_ids, const char *locale,
					   const char *country, const char *time_zone);

/* The row of a Gorgias account: *id (0: none) and its webhook id
 * (*webhook_id, caller frees, NULL when none). */
AG_MUST_USE int installation_find_account(struct db *db, const char *account, int64_t *id,
					  char **webhook_id);
/* The Gorgias account naming row id (sealed values are bound to it):
 * *account (caller frees), AG_ENOTFOUND when there is no such row. */
AG_MUST_USE int installation_account(struct db *db, int64_t id, char **account);
/* The Aircall webhook id of an OAuth-connected row (*webhook_id, caller
 * frees; NULL when there is none). */
AG_MUST_USE int installation_oauth_webhook_id(struct db *db, int64_t id, char **webhook_id);

/* The install command: every column, sealed already (webhook values NULL
 * when the stored ones stay), enabled again; the numbers listed in
 * numbers_csv (NULL: all) selected; one transaction. *id gets the row. */
struct installation_basic {
	const char *account, *email, *gorgias_sealed, *aircall_id, *aircall_sealed;
	const char *webhook_id, *webhook_sealed, *webhook_hash;
	int numbers_all;
	const char *locale, *country, *time_zone;
};
AG_MUST_USE int installation_save_basic(struct db *db, const struct installation_basic *b,
					const json_t *numbers, number_pick_fn pick,
					const void *pick_arg, int64_t *id);
/* The Gorgias OAuth callback: the account's row with these sealed tokens
 * (refresh NULL keeps the stored one); *id gets the row. */
AG_MUST_USE int installation_save_gorgias_oauth(struct db *db, const char *account,
						const char *email, const char *sealed_access,
						const char *sealed_refresh, long long expires_at,
						int64_t user_id, int64_t *id);
/* The Aircall OAuth callback, in one transaction: the Aircall side of row
 * id (webhook values NULL keep the stored ones), its numbers, and an
 * uninstall signal kept while disabled is ignored (replayed after this
 * install it would disable it). AG_ECONFLICT when the company belongs to
 * another row. */
struct installation_aircall {
	int64_t company_id;
	const char *sealed_access, *webhook_id, *webhook_sealed, *webhook_hash;
};
AG_MUST_USE int installation_save_aircall_oauth(struct db *db, int64_t id,
						const struct installation_aircall *a,
						const json_t *numbers, number_pick_fn pick,
						const void *pick_arg);

/* The Gorgias token refresh holds the row locked across the vendor call
 * so concurrent processes refresh once: installation_token_lock begins a
 * transaction and reads the stored token (*sealed_access, caller frees;
 * *expires_at; *enabled); it is ended by installation_token_save (stores
 * the new sealed tokens, refresh NULL keeps the old one, and commits),
 * installation_token_unlock (commits, nothing written) or
 * installation_token_abandon (rolls back). */
AG_MUST_USE int installation_token_lock(struct db *db, int64_t id, char **sealed_access,
					long long *expires_at, int *enabled);
AG_MUST_USE int installation_token_save(struct db *db, int64_t id, const char *sealed_access,
					const char *sealed_refresh, long long expires_at);
AG_MUST_USE int installation_token_unlock(struct db *db);
void installation_token_abandon(struct db *db);

/* Every installation as a JSON array of {id, gorgias_account, state,
 * disabled_reason, locale, default_country, time_zone, numbers_all,
 * gorgias_refused} (the status command; caller decrefs). */
AG_MUST_USE int installation_status(struct db *db, json_t **installations);

/* The sealed columns of an installation row, in this order. */
#define INSTALLATION_SEALED_N 4
extern const char *const installation_sealed_columns[INSTALLATION_SEALED_N];
struct installation_sealed {
	int64_t id;
	char account[64];
	char *value[INSTALLATION_SEALED_N];  /* owned; NULL when the column is */
};
/* The rows with a value still sealed under the single key ("v1:"), locked
 * for update inside the caller's transaction: *rows (caller frees with
 * installation_sealed_free) and *n. */
AG_MUST_USE int installation_sealed_v1(struct db *db, struct installation_sealed **rows, size_t *n);
void installation_sealed_free(struct installation_sealed *rows, size_t n);
/* Replaces the row's sealed values that are not NULL (and the webhook
 * token's hash when webhook_hash is not NULL). */
AG_MUST_USE int installation_reseal(struct db *db, int64_t id,
				    const char *const value[INSTALLATION_SEALED_N],
				    const char *webhook_hash);

/* Figures for /metrics (store/metrics_store.h). */
extern const struct metric_family installation_metrics[];

#endif
