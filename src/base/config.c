#include "base/config.h"
#include "base/crypto.h"
#include "base/buf.h"
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static char *env_dup(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	if (!v || !*v)
		v = fallback;
	return v ? strdup(v) : NULL;
}

static long env_long(const char *name, long fallback, long min, long max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return fallback;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return fallback;
	return n;
}

static void strip_slash(char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

int config_load(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->database_url = env_dup("AG_DATABASE_URL", NULL);
	cfg->public_url = env_dup("AG_PUBLIC_URL", NULL);
	cfg->root_secret = env_dup("AG_SECRET_KEY", NULL);
	cfg->gorgias_url = env_dup("AG_GORGIAS_URL", "https://{account}.gorgias.com");
	cfg->aircall_api_url = env_dup("AG_AIRCALL_API_URL", "https://api.aircall.io");
	cfg->aircall_dashboard_url =
		env_dup("AG_AIRCALL_DASHBOARD_URL", "https://dashboard.aircall.io");
	cfg->gorgias_client_id = env_dup("AG_GORGIAS_CLIENT_ID", NULL);
	cfg->gorgias_client_secret = env_dup("AG_GORGIAS_CLIENT_SECRET", NULL);
	cfg->aircall_client_id = env_dup("AG_AIRCALL_CLIENT_ID", NULL);
	cfg->aircall_client_secret = env_dup("AG_AIRCALL_CLIENT_SECRET", NULL);
	cfg->log_level = env_dup("AG_LOG_LEVEL", "info");
	cfg->log_file = env_dup("AG_LOG_FILE", NULL);
	cfg->metrics_token = env_dup("AG_METRICS_TOKEN", NULL);
	cfg->max_body = (size_t)env_long("AG_MAX_BODY", 1L << 20, 1024, 64L << 20);
	cfg->http_timeout_ms = env_long("AG_HTTP_TIMEOUT_MS", 10000, 100, 600000);
	cfg->budget_reserve_pct = (int)env_long("AG_GORGIAS_RESERVE_PCT", 25, 0, 90);
	cfg->rate_patience_s = env_long("AG_RATE_PATIENCE_S", 3600, 0, 86400 * 30);
	cfg->max_attempts = (int)env_long("AG_MAX_ATTEMPTS", 8, 1, 100);
	cfg->retention_days = (int)env_long("AG_RETENTION_DAYS", 30, 1, 3650);
	/* Lifts the media fetch policy for fake vendors on 127.0.0.1 over
	 * http: never set in production (docs/security.md). */
	cfg->media_allow_private = (int)env_long("AG_MEDIA_ALLOW_PRIVATE", 0, 0, 1);
	cfg->media_timeout_s = env_long("AG_MEDIA_TIMEOUT_S", 600, 1, 86400);
	cfg->upload_timeout_s = env_long("AG_UPLOAD_TIMEOUT_S", 1800, 1, 86400);
	cfg->low_speed_bps = env_long("AG_LOW_SPEED_BPS", 4096, 0, 1L << 30);
	cfg->low_speed_s = env_long("AG_LOW_SPEED_S", 30, 1, 3600);
	/* Beyond the longest legitimate event (one download and one upload
	 * at their bounds, plus API calls): a lease is never renewed, so a
	 * shorter one hands a live transfer to other processes. */
	cfg->lease_s = env_long("AG_LEASE_S", cfg->media_timeout_s + cfg->upload_timeout_s + 300,
				2, 86400 * 3);
	cfg->drainers = (int)env_long("AG_DRAINERS", 2, 0, 64);
	cfg->drain_linger_s = env_long("AG_DRAIN_LINGER_S", 5, 0, 3600);
	cfg->run_dir = env_dup("AG_RUN_DIR", NULL);
	strip_slash(cfg->public_url);
	strip_slash(cfg->gorgias_url);
	strip_slash(cfg->aircall_api_url);
	strip_slash(cfg->aircall_dashboard_url);

	if (!cfg->gorgias_url || !cfg->aircall_api_url ||
	    !cfg->aircall_dashboard_url || !cfg->log_level) {
		snprintf(cfg->error, sizeof cfg->error, "out of memory reading configuration");
		return AG_ENOMEM;
	}
	if (!cfg->database_url)
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_DATABASE_URL is not set: the bridge cannot reach PostgreSQL");
	else if (!cfg->public_url)
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_PUBLIC_URL is not set: webhook and OAuth URLs cannot be built");
	else if (!cfg->root_secret)
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_SECRET_KEY is not set: tokens cannot be encrypted");
	else if (strlen(cfg->root_secret) < AG_SECRET_MIN)
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_SECRET_KEY is too weak: use at least %d random bytes "
			 "(e.g. openssl rand -hex 32)", AG_SECRET_MIN);
	else if (cfg->metrics_token && strlen(cfg->metrics_token) < 16)
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_METRICS_TOKEN is too short: use at least 16 random characters");
	else if (!strstr(cfg->gorgias_url, "{account}"))
		snprintf(cfg->error, sizeof cfg->error,
			 "AG_GORGIAS_URL must contain {account}");
	else if (crypto_subkey(cfg->root_secret, "seal", cfg->key_seal) ||
		 crypto_subkey(cfg->root_secret, "webhook-token", cfg->key_webhook) ||
		 crypto_subkey(cfg->root_secret, "web", cfg->key_web) ||
		 crypto_subkey(cfg->root_secret, "log", cfg->key_log))
		snprintf(cfg->error, sizeof cfg->error, "cannot derive keys from AG_SECRET_KEY");
	return cfg->error[0] ? AG_EINVAL : AG_OK;
}

void config_free(struct config *cfg)
{
	char **fields[] = {
		&cfg->database_url, &cfg->public_url, &cfg->root_secret,
		&cfg->gorgias_url, &cfg->aircall_api_url, &cfg->aircall_dashboard_url,
		&cfg->gorgias_client_id, &cfg->gorgias_client_secret,
		&cfg->aircall_client_id, &cfg->aircall_client_secret,
		&cfg->log_level, &cfg->log_file, &cfg->metrics_token, &cfg->run_dir,
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (*fields[i] && fields[i] == &cfg->root_secret)
			memset(*fields[i], 0, strlen(*fields[i]));
		free(*fields[i]);
		*fields[i] = NULL;
	}
	OPENSSL_cleanse(cfg->key_seal, sizeof cfg->key_seal);
	OPENSSL_cleanse(cfg->key_webhook, sizeof cfg->key_webhook);
	OPENSSL_cleanse(cfg->key_web, sizeof cfg->key_web);
	OPENSSL_cleanse(cfg->key_log, sizeof cfg->key_log);
}

int config_valid_account(const char *account)
{
	size_t n;

	if (!account)
		return 0;
	n = strlen(account);
	if (n == 0 || n > 63 || account[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = account[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int config_gorgias_base(const struct config *cfg, const char *account, char **out)
{
	const char *at = strstr(cfg->gorgias_url, "{account}");
	struct buf b;

	*out = NULL;
	if (!at || !config_valid_account(account))
		return AG_EINVAL;
	buf_init(&b, 0);
	/* The buffer's error sticks: checked once, by buf_steal. */
	buf_append(&b, cfg->gorgias_url, (size_t)(at - cfg->gorgias_url));
	buf_puts(&b, account);
	buf_puts(&b, at + strlen("{account}"));
	*out = buf_steal(&b);
	return *out ? AG_OK : AG_ENOMEM;
}
