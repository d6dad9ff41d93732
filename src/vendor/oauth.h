/* The token endpoints of both vendors (gorgias-api.md §1.2, aircall-api.md
 * §9.3): code exchange, Gorgias refresh. Tokens are returned to the caller
 * and never logged. */
#ifndef AG_OAUTH_H
#define AG_OAUTH_H

#include "base/err.h"
#include "base/config.h"

#include <stdint.h>

/* gorgias-api.md §1.2's set: the bridge reads what it writes (lookups,
 * ticket checks, tag search), and each read needs its own scope;
 * integrations:* for the HTTP integration of two-way SMS (§12). */
#define GORGIAS_SCOPES "openid email profile offline users:read customers:read customers:write " \
		       "tickets:read tickets:write tags:read tags:write integrations:read " \
		       "integrations:write"

struct oauth_tokens {
	char *access;
	char *refresh;              /* NULL when the answer carried none */
	long long expires_at;       /* unix seconds */
};

void oauth_tokens_free(struct oauth_tokens *t);
/* The redirect URIs registered with each vendor. */
/* <AG_PUBLIC_URL>/oauth/<vendor>/callback into out: AG_OK, or AG_ETOOBIG
 * (out then empty) when it does not fit. */
AG_MUST_USE int oauth_redirect_uri(const struct config *cfg, const char *vendor, char *out,
				   size_t len);

/* POST <account>/oauth/token with Basic client authentication.
 * grant "authorization_code" (value = code) or "refresh_token" (value =
 * refresh token). AG_EAUTH when the grant is refused (invalid_grant:
 * revoked, uninstalled), AG_EREJECT/ETEMP/ENET otherwise. err gets a
 * secret-free reason. */
AG_MUST_USE int oauth_gorgias_token(const struct config *cfg, const char *account, const char *grant,
				    const char *value, struct oauth_tokens *t, char *err, size_t errlen);
/* POST /v1/oauth/token (JSON, client credentials in the body). */
AG_MUST_USE int oauth_aircall_token(const struct config *cfg, const char *code, struct oauth_tokens *t,
				    char *err, size_t errlen);
/* The exp claim of a JWT's payload (not verified: only a hint of when to
 * refresh, the vendor still judges the token): AG_OK with *exp, else
 * AG_EINVAL (not a JWT, or no integer exp) with *exp 0. */
AG_MUST_USE int oauth_jwt_exp(const char *jwt, long long *exp);

#endif
