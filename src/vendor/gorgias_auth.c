/* The Gorgias OAuth access token's lifecycle (gorgias-api.md §1.2, AD1):
 * refreshed before it expires and once after a 401; a refresh refused
 * with invalid_grant means the app was uninstalled or revoked, and the
 * installation is disabled with reason authorization_removed. */
#include "base/crypto.h"
#include "base/sealed.h"
#include "base/err.h"
#include "vendor/gorgias.h"
#include "base/log.h"
#include "vendor/oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void replace_secret(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return;
	if (*slot) {
		memset(*slot, 0, strlen(*slot));
		free(*slot);
	}
	*slot = copy;
}

int gorgias_refresh(struct gorgias *g)
{
	struct installation *in = g->in;
	struct db_num id = db_n(in->id);
	const char *p1[] = { id.s };
	struct oauth_tokens t;
	char err[128], *sealed_a = NULL, *sealed_r = NULL, *stored = NULL;
	long long stored_exp;
	PGresult *r = NULL;
	int rc;

	memset(&t, 0, sizeof t);
	if (!in->gorgias_oauth || in->id <= 0)
		return AG_EAUTH;
	if (db_begin(g->db))
		return AG_EDB;
	/* The row lock makes concurrent processes refresh once: the others
	 * wait here and then take the token the first one stored. */
	r = db_query(g->db, "select gorgias_secret, gorgias_refresh, coalesce(extract(epoch from "
			    "gorgias_token_expires_at)::bigint, 0), state from installation "
			    "where id = $1 for update", 1, p1);
	if (!r || PQntuples(r) != 1) {
		rc = r ? AG_ENOTFOUND : AG_EDB;
		goto fail;
	}
	stored_exp = (long long)db_i64(r, 0, 2);
	if (strcmp(db_str(r, 0, 3), "enabled") != 0) {
		rc = AG_EDISABLED;
		goto fail;
	}
	if (stored_exp > in->gorgias_expires_at && stored_exp > (long long)time(NULL) + 60 &&
	    (stored = sealed_open(g->cfg, in->account, "gorgias_secret", db_str(r, 0, 0)))) {
		/* Someone else refreshed meanwhile. */
		replace_secret(&in->gorgias_secret, stored);
		in->gorgias_expires_at = stored_exp;
		rc = db_commit(g->db);
		goto out;
	}
	if (!in->gorgias_refresh) {
		rc = AG_EAUTH;
		snprintf(err, sizeof err, "no refresh token stored");
	} else {
		rc = oauth_gorgias_token(g->cfg, in->account, "refresh_token", in->gorgias_refresh,
					 &t, err, sizeof err);
	}
	if (rc) {
		db_rollback(g->db);
		snprintf(g->last_error, sizeof g->last_error, "token refresh: %s", err);
		log_warn("gorgias %s: token refresh failed: %s", in->account, err);
		if (rc == AG_EAUTH)
			store_disable(g->db, in->id, "authorization_removed");
		goto out;
	}
	sealed_a = sealed_seal(g->cfg, in->account, "gorgias_secret", t.access);
	sealed_r = t.refresh ? sealed_seal(g->cfg, in->account, "gorgias_refresh", t.refresh) : NULL;
	if (!sealed_a || (t.refresh && !sealed_r)) {
		rc = AG_ENOMEM;
		goto fail;
	}
	{
		struct db_num exp = db_n(t.expires_at);
		const char *p[] = { id.s, sealed_a, sealed_r, exp.s };
		/* No new refresh token in the answer: keep the old one (G8). */
		if (db_exec(g->db, "update installation set gorgias_secret = $2, "
				   "gorgias_refresh = coalesce($3, gorgias_refresh), "
				   "gorgias_token_expires_at = to_timestamp($4::bigint), updated_at = now() "
				   "where id = $1", 4, p) || db_commit(g->db)) {
			rc = AG_EDB;
			goto fail;
		}
	}
	replace_secret(&in->gorgias_secret, t.access);
	if (t.refresh)
		replace_secret(&in->gorgias_refresh, t.refresh);
	in->gorgias_expires_at = t.expires_at;
	log_info("gorgias %s: access token refreshed", in->account);
	rc = AG_OK;
	goto out;
fail:
	db_rollback(g->db);
out:
	PQclear(r);
	if (stored) {
		memset(stored, 0, strlen(stored));
		free(stored);
	}
	free(sealed_a);
	free(sealed_r);
	oauth_tokens_free(&t);
	return rc;
}
