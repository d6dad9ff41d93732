/* The install command: connects a Gorgias account (email + API key) and an
 * Aircall company (API id + token) without OAuth, creates the Aircall
 * webhook and selects numbers. Running it again updates the installation
 * (and keeps its webhook when it still exists): never a second one. */
#include "vendor/aircall.h"
#include "cli/cli.h"
#include "base/crypto.h"
#include "base/sealed.h"
#include "base/err.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "apply/hook_setup.h"
#include "apply/install_setup.h"
#include "store/session_store.h"
#include "base/log.h"
#include "store/installation_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct install_args {
	const char *account, *email, *api_key, *aircall_id, *aircall_token;
	const char *numbers, *locale, *country, *time_zone;
	char stdin_text[4096];          /* --secrets-stdin: the lines read */
};

/* flag NULL: a secret, read from the environment or stdin only (a
 * command line is visible to every user in ps and /proc). */
static const struct {
	const char *flag;
	const char *env;
	size_t offset;
} options[] = {
	{ "--gorgias-account", "AG_GORGIAS_ACCOUNT", offsetof(struct install_args, account) },
	{ "--gorgias-email", "AG_GORGIAS_EMAIL", offsetof(struct install_args, email) },
	{ NULL, "AG_GORGIAS_API_KEY", offsetof(struct install_args, api_key) },
	{ "--aircall-api-id", "AG_AIRCALL_API_ID", offsetof(struct install_args, aircall_id) },
	{ NULL, "AG_AIRCALL_API_TOKEN", offsetof(struct install_args, aircall_token) },
	{ "--numbers", "AG_NUMBERS", offsetof(struct install_args, numbers) },
	{ "--locale", "AG_LOCALE", offsetof(struct install_args, locale) },
	{ "--country", "AG_COUNTRY", offsetof(struct install_args, country) },
	{ "--time-zone", "AG_TIME_ZONE", offsetof(struct install_args, time_zone) },
};

/* "NAME=value" lines for the secret options (stdin of --secrets-stdin). */
static int read_secrets(struct install_args *a)
{
	size_t n = fread(a->stdin_text, 1, sizeof a->stdin_text - 1, stdin);
	char *line, *save = NULL;

	if (n == sizeof a->stdin_text - 1 || ferror(stdin))
		return AG_EINVAL;
	a->stdin_text[n] = '\0';
	for (line = strtok_r(a->stdin_text, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *eq = strchr(line, '=');
		size_t k;

		if (!eq)
			return AG_EINVAL;
		*eq = '\0';
		for (k = 0; k < sizeof options / sizeof options[0]; k++)
			if (!options[k].flag && strcmp(line, options[k].env) == 0) {
				*(const char **)((char *)a + options[k].offset) = eq + 1;
				break;
			}
		if (k == sizeof options / sizeof options[0])
			return AG_EINVAL;
	}
	return AG_OK;
}

static int parse_args(int argc, char **argv, struct install_args *a)
{
	memset(a, 0, sizeof *a);
	for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
		const char *v = getenv(options[k].env);
		if (v && *v)
			*(const char **)((char *)a + options[k].offset) = v;
	}
	for (int i = 2; i < argc; i++) {
		size_t k;
		if (strcmp(argv[i], "--gorgias-api-key") == 0 ||
		    strcmp(argv[i], "--aircall-api-token") == 0) {
			fprintf(stderr, "aircall-gorgias install: %s is not read from the command line "
				"(visible in ps): set AG_GORGIAS_API_KEY and AG_AIRCALL_API_TOKEN, or give "
				"them as NAME=value lines on stdin with --secrets-stdin\n", argv[i]);
			return AG_EINVAL;
		}
		if (strcmp(argv[i], "--secrets-stdin") == 0) {
			if (read_secrets(a)) {
				fprintf(stderr, "aircall-gorgias install: stdin must hold "
					"AG_GORGIAS_API_KEY=... and AG_AIRCALL_API_TOKEN=... lines\n");
				return AG_EINVAL;
			}
			continue;
		}
		for (k = 0; k < sizeof options / sizeof options[0]; k++)
			if (options[k].flag && strcmp(argv[i], options[k].flag) == 0 && i + 1 < argc) {
				*(const char **)((char *)a + options[k].offset) = argv[++i];
				break;
			}
		if (k == sizeof options / sizeof options[0]) {
			fprintf(stderr, "aircall-gorgias install: unknown option %s\n", argv[i]);
			return AG_EINVAL;
		}
	}
	if (!a->numbers)
		a->numbers = "all";
	if (!a->locale)
		a->locale = "en";
	if (!a->country)
		a->country = "US";
	if (!a->time_zone)
		a->time_zone = "UTC";
	return AG_OK;
}

static const char *check_args(const struct install_args *a)
{
	if (!a->account || !config_valid_account(a->account))
		return "--gorgias-account must be the Gorgias subdomain (e.g. acme for acme.gorgias.com)";
	if (!a->email || !strchr(a->email, '@') || strlen(a->email) > 254)
		return "--gorgias-email must be the email of the Gorgias user owning the API key";
	if (!a->api_key || strlen(a->api_key) > 512)
		return "AG_GORGIAS_API_KEY is required (environment or --secrets-stdin)";
	if (!a->aircall_id || strlen(a->aircall_id) > 256)
		return "--aircall-api-id is required";
	if (!a->aircall_token || strlen(a->aircall_token) > 512)
		return "AG_AIRCALL_API_TOKEN is required (environment or --secrets-stdin)";
	if (strcmp(a->locale, "en") != 0 && strcmp(a->locale, "de") != 0)
		return "--locale must be en or de";
	if (!installation_valid_country(a->country))
		return "--country must be an upper-case ISO 3166 code the bridge knows (e.g. DE, FR, US)";
	if (!installation_valid_time_zone(a->time_zone))
		return "--time-zone must be an IANA zone such as Europe/Berlin";
	return NULL;
}

static int write_installation(struct app *app, const struct install_args *a, const char *webhook_id,
			      const char *token, const json_t *numbers, int64_t *inst_id)
{
	char *gsecret = NULL, *asecret = NULL, *wsecret = NULL;
	char hash[65] = "";
	int all = strcmp(a->numbers, "all") == 0;
	int rc = sealed_seal(app->cfg, a->account, "gorgias_secret", a->api_key, &gsecret);

	if (!rc)
		rc = sealed_seal(app->cfg, a->account, "aircall_secret", a->aircall_token, &asecret);
	if (!rc && token)
		rc = sealed_seal(app->cfg, a->account, "webhook_token", token, &wsecret);
	if (!rc && token)
		rc = sealed_token_hash(app->cfg, token, hash);
	if (rc)
		goto out;
	rc = installation_save_basic(&app->db, &(struct installation_basic){
			.account = a->account, .email = a->email, .gorgias_sealed = gsecret,
			.aircall_id = a->aircall_id, .aircall_sealed = asecret,
			.webhook_id = webhook_id, .webhook_sealed = token ? wsecret : NULL,
			.webhook_hash = token ? hash : NULL, .numbers_all = all, .locale = a->locale,
			.country = a->country, .time_zone = a->time_zone },
		numbers, installation_pick_listed, all ? NULL : a->numbers, inst_id);
out:
	free(gsecret);
	free(asecret);
	free(wsecret);
	return rc;
}

int cli_install(struct app *app, int argc, char **argv)
{
	struct install_args a;
	struct installation tmp;
	struct gorgias g;
	struct aircall ac;
	char *webhook_id = NULL, *token = NULL, link[1024];
	const char *why;
	int64_t inst_id = 0;
	json_t *acct = NULL, *numbers = NULL;
	int rc = 1, grc;

	if (parse_args(argc, argv, &a))
		return 2;
	if ((why = check_args(&a))) {
		fprintf(stderr, "aircall-gorgias install: %s\n", why);
		return 2;
	}
	if (migrate_run(&app->db, app->cfg))
		return 1;
	if (installation_find_account(&app->db, a.account, &inst_id, &webhook_id))
		return 1;
	/* Check the Gorgias credentials before anything is created. */
	memset(&tmp, 0, sizeof tmp);
	tmp.id = inst_id;
	snprintf(tmp.account, sizeof tmp.account, "%s", a.account);
	tmp.gorgias_email = (char *)a.email;
	tmp.gorgias_secret = (char *)a.api_key;
	grc = gorgias_open(&g, app->cfg, &app->db, &tmp);
	if (!grc)
		grc = gorgias_call(&g, "GET", "/api/account", NULL, &acct);
	gorgias_close(&g);
	json_decref(acct);
	if (grc) {
		fprintf(stderr, "aircall-gorgias install: Gorgias refused the credentials for %s: %s\n",
			a.account, g.last_error[0] ? g.last_error : ag_strerror(grc));
		goto out;
	}
	aircall_open(&ac, app->cfg, &app->db, inst_id, a.aircall_id, a.aircall_token);
	if (installation_numbers(&ac, &numbers)) {
		fprintf(stderr, "aircall-gorgias install: Aircall refused the API id/token: %s\n",
			ac.last_error);
		goto out;
	}
	if (installation_webhook(&ac, app->cfg, &webhook_id, &token)) {
		fprintf(stderr, "aircall-gorgias install: could not create the Aircall webhook: %s\n",
			ac.last_error);
		goto out;
	}
	if (write_installation(app, &a, webhook_id, token, numbers, &inst_id)) {
		fprintf(stderr, "aircall-gorgias install: could not store the installation\n");
		goto out;
	}
	installation_prepare_tags(&app->db, app->cfg, inst_id, numbers);
	/* Two-way SMS: a refusal is shown on the settings page, one-way goes on. */
	(void)hook_setup(&app->db, app->cfg, inst_id);
	log_info("installation %" PRId64 " for %s installed (webhook %s, %zu numbers)", inst_id,
		 a.account, webhook_id, json_array_size(numbers));
	/* The operator's way into the settings page (a one-time link). */
	if (settings_link_new(&app->db, app->cfg, inst_id, link, sizeof link))
		link[0] = '\0';
	{
		json_t *res = json_pack("{s:I, s:s, s:s, s:I, s:s, s:s}", "installation_id",
					(json_int_t)inst_id, "gorgias_account", a.account, "webhook_id",
					webhook_id, "numbers", (json_int_t)json_array_size(numbers),
					"numbers_selected", strcmp(a.numbers, "all") == 0 ? "all" : a.numbers,
					"settings_link", link);
		char *text = res ? json_dumps(res, JSON_COMPACT) : NULL;
		if (text)
			puts(text);
		free(text);
		json_decref(res);
	}
	rc = 0;
out:
	json_decref(numbers);
	free(webhook_id);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	return rc;
}
