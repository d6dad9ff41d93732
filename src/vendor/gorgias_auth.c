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
	struct oauth_tokens t;
	char err[128], *sealed_a = NULL, *sealed_r = NULL, *stored = NULL, *stored_sealed = NULL;
	long long stored_exp;
	int rc, enabled, locked = 0;

	memset(&t, 0, sizeof t);
	if (!in->gorgias_oauth || in->id <= 0)
		return AG_EAUTH;
	/* The row lock makes concurrent processes refresh once: the others
	 * wait here and then take the token the first one stored. */
	rc = installation_token_lock(g->db, in->id, &stored_sealed, &stored_exp, &enabled);
	if (rc != AG_OK)
		goto out;
	locked = 1;
	if (!enabled) {
		rc = AG_EDISABLED;
		goto out;
	}
	if (stored_exp > in->gorgias_expires_at && stored_exp > (long long)time(NULL) + 60 &&
	    stored_sealed &&
	    sealed_open(g->cfg, in->account, "gorgias_secret", stored_sealed, &stored) == AG_OK) {
		/* Someone else refreshed meanwhile. */
		replace_secret(&in->gorgias_secret, stored);
		in->gorgias_expires_at = stored_exp;
		locked = 0;
		rc = installation_token_unlock(g->db);
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
		installation_token_abandon(g->db);
		locked = 0;
		snprintf(g->last_error, sizeof g->last_error, "token refresh: %s", err);
		log_warn("gorgias %s: token refresh failed: %s", in->account, err);
		/* Not disabled (PostgreSQL out of reach): the next refusal does. */
		if (rc == AG_EAUTH && store_disable(g->db, in->id, "authorization_removed") != AG_OK)
			log_warn("gorgias %s: authorization gone, installation not disabled yet",
				 in->account);
		goto out;
	}
	rc = sealed_seal(g->cfg, in->account, "gorgias_secret", t.access, &sealed_a);
	if (!rc && t.refresh)
		rc = sealed_seal(g->cfg, in->account, "gorgias_refresh", t.refresh, &sealed_r);
	if (rc)
		goto out;
	locked = 0; /* saved and committed, or rolled back */
	rc = installation_token_save(g->db, in->id, sealed_a, sealed_r, t.expires_at);
	if (rc != AG_OK)
		goto out;
	replace_secret(&in->gorgias_secret, t.access);
	if (t.refresh)
		replace_secret(&in->gorgias_refresh, t.refresh);
	in->gorgias_expires_at = t.expires_at;
	log_info("gorgias %s: access token refreshed", in->account);
out:
	if (locked)
		installation_token_abandon(g->db);
	if (stored) {
		memset(stored, 0, strlen(stored));
		free(stored);
	}
	free(stored_sealed);
	free(sealed_a);
	free(sealed_r);
	oauth_tokens_free(&t);
	return rc;
}
