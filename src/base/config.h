/* Configuration, read once from the environment before the FastCGI loop
 * (FCGI_Accept replaces environ, so nothing may call getenv later). */
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

#include "base/err.h"

#include <stddef.h>

#define AG_SECRET_MIN 32

struct config {
	char *database_url;
	char *public_url;          /* without trailing slash */
	/* AG_SECRET_KEY, never a key itself: only the input of crypto_subkey
	 * (and of store_rekey's opening of v1 values). Webhook-token hashes
	 * come from sealed_token_hash, sealed columns from sealed.h. */
	char *root_secret;
	/* One key per purpose, derived from AG_SECRET_KEY (crypto_subkey). */
	char key_seal[65];         /* vendor tokens sealed at rest */
	char key_webhook[65];      /* webhook-token lookup hashes */
	char key_web[65];          /* sessions, CSRF, OAuth state, settings links */
	char key_log[65];          /* token fingerprints in logs */
	char *gorgias_url;         /* template with {account} */
	char *aircall_api_url;
	char *aircall_dashboard_url;
	char *gorgias_client_id;
	char *gorgias_client_secret;
	char *aircall_client_id;
	char *aircall_client_secret;
	char *log_level;
	char *log_file;
	char *metrics_token;       /* Bearer token for /metrics from off the host */
	size_t max_body;           /* webhook body limit in bytes */
	long http_timeout_ms;      /* per vendor request */
	int budget_reserve_pct;    /* share of the Gorgias limit left to other apps */
	long rate_patience_s;      /* how long the limit may keep being hit before RL2 */
	int max_attempts;          /* per inbox event before it is marked failed */
	int retention_days;        /* done/ignored events kept this long (AG_RETENTION_DAYS) */
	int media_allow_private;   /* AG_MEDIA_ALLOW_PRIVATE=1: test rigs only (http, loopback) */
	long media_timeout_s;      /* a media download takes at most this long */
	long upload_timeout_s;     /* an attachment upload (up to 500 MB) at most this long */
	long low_speed_bps;        /* a transfer slower than this ... */
	long low_speed_s;          /* ... for this long is abandoned */
	long lease_s;              /* a claimed event returns to the queue after this */
	int drainers;              /* detached drainers a host starts at most at once */
	long drain_linger_s;       /* a drainer waits this long for more work, then exits */
	char *run_dir;             /* drainer slot lock files */
	char error[256];           /* non-empty: the bridge answers 503 and says why */
};

/* Fills cfg from the environment; strings are owned by cfg (config_free).
 * Returns AG_OK, or AG_EINVAL with cfg->error set (cfg stays usable). */
AG_MUST_USE int config_load(struct config *cfg);
void config_free(struct config *cfg);

/* The Gorgias base URL for an account ("https://acme.gorgias.com"):
 * AG_OK with *out malloc'd (the caller frees); AG_EINVAL when the account
 * name is not a valid subdomain (or AG_GORGIAS_URL has no {account}),
 * AG_ENOMEM; *out NULL unless AG_OK. */
AG_MUST_USE int config_gorgias_base(const struct config *cfg, const char *account, char **out);
/* A Gorgias subdomain: 1-63 chars of [a-z0-9-], not starting with '-'. */
AG_MUST_USE int config_valid_account(const char *account);

#endif
