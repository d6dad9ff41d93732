/* Owner of gorgias_hook: the Gorgias HTTP integration of an installation
 * (two-way SMS, docs/two-way-sms.md) and the keyed hash of the secret it
 * sends in its header, the only form of the secret that is stored. */
#ifndef AG_GORGIAS_HOOK_STORE_H
#define AG_GORGIAS_HOOK_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <stdint.h>

enum hook_state { HOOK_NONE = 0, HOOK_ACTIVE, HOOK_FAILED, HOOK_REMOVED };

struct hook_row {
	enum hook_state state;   /* HOOK_NONE: installed before two-way SMS */
	int64_t integration_id;  /* 0 when none */
	char error[304];         /* why it could not be created (HOOK_FAILED) */
	long long since;         /* unix s of the last change */
	long long active_since;  /* unix s since it has been active (0: not active) */
};

/* The installation's row (state HOOK_NONE when there is none). */
AG_MUST_USE int hook_load(struct db *db, int64_t installation_id, struct hook_row *out);
/* The integration exists in Gorgias and sends the secret whose keyed hash
 * this is (a reinstall replaces both). */
AG_MUST_USE int hook_save_active(struct db *db, int64_t installation_id, int64_t integration_id,
				 const char *secret_hash);
/* It could not be made (error: Gorgias's reason, bounded); an integration
 * made earlier keeps working. */
AG_MUST_USE int hook_save_failed(struct db *db, int64_t installation_id, const char *error);
/* Removed from Gorgias (uninstall/disable): deliveries are refused from now. */
AG_MUST_USE int hook_save_removed(struct db *db, int64_t installation_id);

#endif
