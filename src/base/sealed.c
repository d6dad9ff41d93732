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

int sealed_seal(const struct config *cfg, const char *account, const char *column,
		const char *plain, char **out)
{
	char aad[160];

	*out = NULL;
	if (!plain || where(aad, sizeof aad, account, column))
		return AG_EINVAL;
	return crypto_seal(cfg->key_seal, aad, plain, out);
}

int sealed_open(const struct config *cfg, const char *account, const char *column,
		const char *sealed, char **out)
{
	char aad[160];

	*out = NULL;
	if (!sealed || where(aad, sizeof aad, account, column))
		return AG_EINVAL;
	return crypto_open(cfg->key_seal, aad, sealed, out);
}

int sealed_token_hash(const struct config *cfg, const char *token, char out[65])
{
	return crypto_hmac_hex(cfg->key_webhook, token, strlen(token), out);
}
