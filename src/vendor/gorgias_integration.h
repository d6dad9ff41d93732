/* The Gorgias HTTP integration of two-way SMS (gorgias-api.md §12): on
 * every new ticket message Gorgias POSTs {"ticket_id", "message_id"} to
 * <AG_PUBLIC_URL>/webhooks/gorgias with the installation's secret in the
 * X-Aircall-Gorgias-Token header. */
#ifndef AG_GORGIAS_INTEGRATION_H
#define AG_GORGIAS_INTEGRATION_H

#include "base/err.h"
#include "vendor/gorgias.h"

#include <stdint.h>

#define HOOK_NAME "Aircall SMS replies (aircall-gorgias)"
#define HOOK_HEADER "X-Aircall-Gorgias-Token"

/* Makes sure exactly one such integration exists, pointing at url and
 * sending secret: *id (in: the stored one, 0 for none) is updated when
 * Gorgias still has it, else the bridge's own is found by name and URL
 * (an install whose answer was lost), else one is created. A reinstall
 * never makes a second one. */
AG_MUST_USE int gorgias_integration_ensure(struct gorgias *g, const char *url, const char *secret,
					   int64_t *id);
/* Deletes it (AG_OK when Gorgias has it no more). */
AG_MUST_USE int gorgias_integration_remove(struct gorgias *g, int64_t id);

#endif
