/* Install-time half of two-way SMS: the Gorgias HTTP integration that
 * reports agent replies, made on every install (OAuth and command) and
 * reinstall, removed when the app is uninstalled. */
#ifndef AG_HOOK_SETUP_H
#define AG_HOOK_SETUP_H

#include "base/config.h"
#include "base/err.h"
#include "store/db.h"

#include <stdint.h>

/* Creates or updates the integration with a fresh secret and stores its
 * id and the secret's keyed hash. A refusal (a token without
 * integrations:write) is stored as the reason shown on the settings page,
 * and the installation keeps working one way: the result is for logs. */
int hook_setup(struct db *db, const struct config *cfg, int64_t installation_id);
/* Deletes the integration (best effort) and stops accepting its
 * deliveries. */
AG_MUST_USE int hook_teardown(struct db *db, const struct config *cfg, int64_t installation_id);

#endif
