#include "store/rekey.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sealed.h"

#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {
	"gorgias_secret", "gorgias_refresh", "aircall_secret", "webhook_token",
};
#define NCOL (sizeof columns / sizeof columns[0])

static void free_secret(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* Reseals one row's v1 values; *resealed[i] stays NULL for a column that
 * needs nothing. */
static int reseal_row(const struct config *cfg, const PGresult *r, int row, char *resealed[NCOL],
		      char hash[65])
{
	const char *account = db_str(r, row, 1);

	for (size_t c = 0; c < NCOL; c++) {
		const char *v = db_str(r, row, 2 + (int)c);
		char *plain;

		if (!v || strncmp(v, "v1:", 3) != 0)
			continue;
		plain = crypto_open_v1(cfg->root_secret, v);
		if (!plain) {
			log_error("installation %lld: %s does not open with this AG_SECRET_KEY; "
				  "nothing was changed", (long long)db_i64(r, row, 0), columns[c]);
			return AG_EINVAL;
		}
		resealed[c] = sealed_seal(cfg, account, columns[c], plain);
		if (resealed[c] && strcmp(columns[c], "webhook_token") == 0 &&
		    sealed_token_hash(cfg, plain, hash))
			hash[0] = '\0';
		free_secret(plain);
		if (!resealed[c])
			return AG_ENOMEM;
	}
	return AG_OK;
}

int store_rekey_in_tx(struct db *db, const struct config *cfg, int *rows)
{
	PGresult *r;
	int rc = AG_OK;

	*rows = 0;
	r = db_query(db, "select id, gorgias_account, gorgias_secret, gorgias_refresh, "
			 "  aircall_secret, webhook_token from installation "
			 "where gorgias_secret like 'v1:%' or gorgias_refresh like 'v1:%' "
			 "   or aircall_secret like 'v1:%' or webhook_token like 'v1:%' "
			 "order by id for update", 0, NULL);
	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r); i++) {
		char *resealed[NCOL] = { 0 }, hash[65] = "";
		const char *id = db_str(r, i, 0);

		rc = reseal_row(cfg, r, i, resealed, hash);
		if (!rc) {
			const char *p[] = { id, resealed[0], resealed[1], resealed[2], resealed[3],
					    hash[0] ? hash : NULL };
			rc = db_exec(db, "update installation set "
					 "  gorgias_secret = coalesce($2, gorgias_secret), "
					 "  gorgias_refresh = coalesce($3, gorgias_refresh), "
					 "  aircall_secret = coalesce($4, aircall_secret), "
					 "  webhook_token = coalesce($5, webhook_token), "
					 "  webhook_token_hash = coalesce($6, webhook_token_hash), "
					 "  updated_at = now() where id = $1::bigint", 6, p);
		}
		for (size_t c = 0; c < NCOL; c++)
			free(resealed[c]);
		if (rc)
			break;
		(*rows)++;
	}
	PQclear(r);
	if (rc)
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
