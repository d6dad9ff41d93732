#include "base/sealed.h"
#include "base/crypto.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

static int where(char *out, size_t len, const char *account, const char *column)
{
	int n = snprintf(out, len, "installation/%s/%s", account ? account : "", column);

	return n > 0 && (size_t)n < len && account && *account ? AG_OK : AG_EINVAL;
}

char *sealed_seal(const struct config *cfg, const char *account, const char *column,
		  const char *plain)
{
	char aad[160];

	char *out;

	if (!plain || where(aad, sizeof aad, account, column) ||
	    crypto_seal(cfg->key_seal, aad, plain, &out))
		return NULL;
	return out;
}

char *sealed_open(const struct config *cfg, const char *account, const char *column,
		  const char *sealed)
{
	char aad[160];

	char *out;

	if (!sealed || where(aad, sizeof aad, account, column) ||
	    crypto_open(cfg->key_seal, aad, sealed, &out))
		return NULL;
	return out;
}

int sealed_token_hash(const struct config *cfg, const char *token, char out[65])
{
	return crypto_hmac_hex(cfg->key_webhook, token, strlen(token), out);
}
