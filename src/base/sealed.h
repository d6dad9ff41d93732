/* The vendor secrets of an installation row, sealed at rest (crypto.h)
 * and bound to where they live: "installation/<gorgias account>/<column>"
 * is the associated data, so a value copied to another installation or
 * another column does not open. The account is the row's stable unique
 * name (the id does not exist yet when an install seals its tokens). */
#ifndef AG_SEALED_H
#define AG_SEALED_H

#include "base/err.h"
#include "base/config.h"

/* AG_OK with *out a malloc'd "v2:..." (the caller frees), else an error
 * (crypto_seal's; AG_EINVAL without an account) with *out NULL. column:
 * gorgias_secret, gorgias_refresh, aircall_secret or webhook_token. */
AG_MUST_USE int sealed_seal(const struct config *cfg, const char *account, const char *column,
			    const char *plain, char **out);
/* AG_OK with *out the malloc'd plaintext; AG_EINVAL when it does not open
 * there (another row, column or key, or tampered with); AG_ENOMEM. */
AG_MUST_USE int sealed_open(const struct config *cfg, const char *account, const char *column,
			    const char *sealed, char **out);
/* The webhook token's lookup hash (installation.webhook_token_hash). */
AG_MUST_USE int sealed_token_hash(const struct config *cfg, const char *token, char out[65]);

#endif
