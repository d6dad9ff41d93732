#include "apply/hook_setup.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sealed.h"
#include "store/gorgias_hook_store.h"
#include "store/installation_store.h"
#include "vendor/gorgias_integration.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int hook_setup(struct db *db, const struct config *cfg, int64_t installation_id)
{
	struct installation in;
	struct hook_row row;
	struct gorgias g;
	char secret[65], hash[65], url[1100];
	int64_t id;
	int rc, opened = 0;

	memset(&g, 0, sizeof g);
	if ((rc = store_installation_load(db, cfg, installation_id, &in)))
		return rc;
	if ((rc = hook_load(db, installation_id, &row)))
		goto out;
	/* 32 random bytes; a reinstall rotates the secret (only its keyed
	 * hash is stored, so the old one cannot be sent again anyway). */
	if ((rc = crypto_random_hex(secret, 32)) || (rc = sealed_token_hash(cfg, secret, hash)))
		goto out;
	snprintf(url, sizeof url, "%s/webhooks/gorgias", cfg->public_url);
	if ((rc = gorgias_open(&g, cfg, db, &in)))
		goto out;
	opened = 1;
	id = row.state == HOOK_ACTIVE ? row.integration_id : 0;
	rc = gorgias_integration_ensure(&g, url, secret, &id);
	if (rc) {
		log_warn("install %" PRId64 ": two-way SMS not set up: %s", installation_id,
			 g.last_error[0] ? g.last_error : ag_strerror(rc));
		if (hook_save_failed(db, installation_id,
				     g.last_error[0] ? g.last_error : ag_strerror(rc)))
			rc = AG_EDB;
		goto out;
	}
	rc = hook_save_active(db, installation_id, id, hash);
	if (!rc)
		log_info("install %" PRId64 ": two-way SMS on (Gorgias integration %" PRId64 ")",
			 installation_id, id);
out:
	memset(secret, 0, sizeof secret);
	if (opened)
		gorgias_close(&g);
	installation_free(&in);
	return rc;
}

int hook_teardown(struct db *db, const struct config *cfg, int64_t installation_id)
{
	struct installation in;
	struct hook_row row;
	struct gorgias g;
	int rc;

	if ((rc = store_installation_load(db, cfg, installation_id, &in)))
		return rc;
	if ((rc = hook_load(db, installation_id, &row)) || row.state != HOOK_ACTIVE)
		goto out;
	/* Deliveries stop being accepted first: whatever Gorgias answers. */
	if ((rc = hook_save_removed(db, installation_id)))
		goto out;
	if (gorgias_open(&g, cfg, db, &in) == AG_OK) {
		/* Not the caller's failure: deliveries are refused already. */
		if (gorgias_integration_remove(&g, row.integration_id) != AG_OK)
			log_warn("installation %" PRId64 ": Gorgias integration %" PRId64
				 " not deleted (%s); deliveries are refused", installation_id,
				 row.integration_id, g.last_error);
		gorgias_close(&g);
	}
out:
	installation_free(&in);
	return rc;
}
