/* The rekey (rekey.h): owns no table; reads and reseals installation rows
 * through installation_store.h. */
#include "store/rekey.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sealed.h"
#include "store/installation_store.h"

#include <stdlib.h>
#include <string.h>

#define NCOL INSTALLATION_SEALED_N

static void free_secret(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* Reseals one row's v1 values; resealed[c] stays NULL for a column that
 * needs nothing. */
static int reseal_row(const struct config *cfg, const struct installation_sealed *row,
		      char *resealed[NCOL], char hash[65])
{
	int rc;

	for (size_t c = 0; c < NCOL; c++) {
		const char *v = row->value[c], *column = installation_sealed_columns[c];
		char *plain;

		if (!v || strncmp(v, "v1:", 3) != 0)
			continue;
		if (crypto_open_v1(cfg->root_secret, v, &plain)) {
			log_error("installation %lld: %s does not open with this AG_SECRET_KEY; "
				  "nothing was changed", (long long)row->id, column);
			return AG_EINVAL;
		}
		rc = sealed_seal(cfg, row->account, column, plain, &resealed[c]);
		if (!rc && strcmp(column, "webhook_token") == 0 &&
		    sealed_token_hash(cfg, plain, hash))
			hash[0] = '\0';
		free_secret(plain);
		if (rc)
			return rc;
	}
	return AG_OK;
}

int store_rekey_in_tx(struct db *db, const struct config *cfg, int *rows)
{
	struct installation_sealed *sealed;
	size_t n;
	int rc;

	*rows = 0;
	rc = installation_sealed_v1(db, &sealed, &n);
	if (rc != AG_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		char *resealed[NCOL] = { 0 }, hash[65] = "";

		rc = reseal_row(cfg, &sealed[i], resealed, hash);
		if (rc == AG_OK)
			rc = installation_reseal(db, sealed[i].id, (const char *const *)resealed,
						 hash[0] ? hash : NULL);
		for (size_t c = 0; c < NCOL; c++)
			free(resealed[c]);
		if (rc != AG_OK)
			break;
		(*rows)++;
	}
	installation_sealed_free(sealed, n);
	if (rc != AG_OK)
		*rows = 0;
	return rc;
}

int store_rekey(struct db *db, const struct config *cfg, int *rows)
{
	int rc;

	if (db_begin(db))
		return AG_EDB;
	rc = store_rekey_in_tx(db, cfg, rows);
	if (rc || db_commit(db)) {
		db_rollback(db);
		*rows = 0;
		return rc ? rc : AG_EDB;
	}
	if (*rows)
		log_info("%d installation(s) resealed under the per-purpose keys", *rows);
	return AG_OK;
}
