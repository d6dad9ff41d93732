/* SU1: the OAuth install flow, in three browser steps.
 *   GET /install?account=SUB      Gorgias app store entry (no account: the
 *                                 Aircall "Install" entry asks for it)
 *   GET /oauth/gorgias/callback   code -> tokens, admin check, installation
 *   GET /oauth/aircall/callback   code -> token, webhook, numbers, enabled
 * Whichever vendor starts it, the flow runs Gorgias first (the account
 * names the installation), so both orders end in the same single row:
 * installation is unique by Gorgias account and by Aircall company. */
#include "vendor/aircall.h"
#include "base/crypto.h"
#include "base/sealed.h"
#include "base/err.h"
#include "web/form.h"
#include "vendor/gorgias.h"
#include "web/handlers.h"
#include "core/html.h"
#include "vendor/http.h"
#include "apply/hook_setup.h"
#include "apply/install_setup.h"
#include "base/log.h"
#include "vendor/oauth.h"
#include "web/page.h"
#include "web/session.h"
#include "store/installation_store.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int valid_state(const char *v)
{
	return strlen(v) == STATE_LEN && strspn(v, "0123456789abcdef.") == STATE_LEN;
}

static const struct form_field install_fields[] = {
	{ "account", 120, NULL, 0 },
};

static const struct form_field callback_fields[] = {
	{ "code", 1024, valid_token, 0 },
	{ "state", STATE_LEN, valid_state, 0 },
	{ "error", 64, valid_token, 0 },
	{ "error_description", 500, NULL, 0 },
};

static int parse_query(const struct request *req, const struct form_field *spec, size_t n,
		       struct form *f, struct response *resp)
{
	const char *q = req->query ? req->query : "";
	int rc = form_parse(q, strlen(q), spec, n, f);

	if (rc) {
		log_warn("%s: query rejected (%s)", req->path, ag_strerror(rc));
		page_message(resp, 400, LANG_EN, "Install failed",
			     "The request carries a malformed or over-long parameter.");
	}
	return rc;
}

/* "https://Acme.gorgias.com/" or "acme" -> "acme". */
static void normalise_account(const char *in, char *out, size_t len)
{
	const char *p = in, *dot;
	size_t n;

	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	while (*p == ' ')
		p++;
	dot = strchr(p, '.');
	n = dot ? (size_t)(dot - p) : strcspn(p, "/ ");
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
}

static void account_form(struct response *resp, int status, const char *error)
{
	struct buf *b = &resp->body;

	buf_reset(b);
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	page_begin(b, LANG_EN, "Connect Aircall to Gorgias");
	if (error) {
		buf_puts(b, "<p class=\"bad\">");
		html_txt(b, error);
		buf_puts(b, "</p>");
	}
	/* A GET form: it only starts a redirect to Gorgias and changes
	 * nothing here, so it needs no CSRF token. */
	buf_puts(b, "<form method=\"get\" action=\"install\"><label>");
	html_txt(b, "Your Gorgias subdomain (the acme in acme.gorgias.com)");
	buf_puts(b, "<input type=\"text\" name=\"account\" required maxlength=\"63\" "
		    "autocapitalize=\"none\" autocomplete=\"off\"></label>"
		    "<button type=\"submit\">Continue</button></form>\n");
	page_end(b);
}

static int oauth_configured(const struct config *cfg)
{
	return cfg->gorgias_client_id && cfg->gorgias_client_secret && cfg->aircall_client_id &&
	       cfg->aircall_client_secret;
}

/* <base>?k=v&... with every value percent-encoded. */
static char *authorize_url(const char *base, const char *const *kv, size_t n)
{
	struct buf b;

	buf_init(&b, 8192);
	buf_puts(&b, base);
	for (size_t i = 0; i + 1 < n; i += 2) {
		char *e = http_escape(kv[i + 1]);
		if (!e || buf_printf(&b, "%c%s=%s", i ? '&' : '?', kv[i], e)) {
			free(e);
			buf_free(&b);
			return NULL;
		}
		free(e);
	}
	return buf_steal(&b);
}

void handle_install(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	struct form f;
	struct session s;
	char account[64], state[STATE_LEN + 1], redirect[1024], nonce[33], *base = NULL;
	char *url = NULL;
	const char *a;

	(void)after;
	page_security_headers(resp);
	if (parse_query(req, install_fields, 1, &f, resp))
		goto out;
	if (!oauth_configured(app->cfg)) {
		page_message(resp, 503, LANG_EN, "Not available",
			     "OAuth install is not configured on this bridge; the operator can "
			     "connect accounts with the install command (see README).");
		goto out;
	}
	a = form_get(&f, "account");
	if (!a || !*a) {
		account_form(resp, 200, NULL);
		goto out;
	}
	normalise_account(a, account, sizeof account);
	if (!config_valid_account(account) || config_gorgias_base(app->cfg, account, &base)) {
		account_form(resp, 400, "That is not a Gorgias subdomain.");
		goto out;
	}
	/* Always a fresh session: one a browser brings is never adopted. */
	if (session_create(&app->db, app->cfg, 0, &s) ||
	    session_state_new(&app->db, app->cfg, &s, "gorgias", account, state)) {
		page_message(resp, 503, LANG_EN, "Install failed", "Storage is unavailable; try again.");
		goto out;
	}
	memcpy(nonce, state, 32);
	nonce[32] = '\0';
	if (oauth_redirect_uri(app->cfg, "gorgias", redirect, sizeof redirect)) {
		page_message(resp, 500, LANG_EN, "Install failed", "AG_PUBLIC_URL is too long.");
		goto out;
	}
	{
		char path[1200];
		const char *kv[] = { "response_type", "code", "client_id", app->cfg->gorgias_client_id,
				     "scope", GORGIAS_SCOPES, "redirect_uri", redirect,
				     "state", state, "nonce", nonce };
		snprintf(path, sizeof path, "%s/oauth/authorize", base);
		url = authorize_url(path, kv, sizeof kv / sizeof kv[0]);
	}
	if (!url || session_set_cookie(app->cfg, &s, resp)) {
		page_message(resp, 500, LANG_EN, "Install failed", "Internal error.");
		goto out;
	}
	log_info("install: %s sent to Gorgias for authorisation", account);
	page_redirect(resp, 302, url);
out:
	free(base);
	free(url);
	form_free(&f);
}

/* Session, vendor error, state: what both callbacks check first. On
 * failure the response is set and a non-zero value returned. */
static int callback_checks(struct app *app, struct request *req, struct response *resp,
			   struct form *f, struct session *s, const char *vendor, char *account,
			   size_t alen)
{
	const char *err;
	int rc;

	if (parse_query(req, callback_fields, sizeof callback_fields / sizeof callback_fields[0],
			f, resp))
		return AG_EINVAL;
	rc = session_load(&app->db, app->cfg, req, s);
	if (rc) {
		log_warn("%s callback rejected: no install session", vendor);
		page_message(resp, rc == AG_EDB ? 503 : 400, LANG_EN, "Session expired",
			     "This browser has no install session: start the install again.");
		return AG_EINVAL;
	}
	if ((err = form_get(f, "error"))) {
		log_info("%s callback: authorisation refused (%s)", vendor, err);
		page_message(resp, 400, LANG_EN, "Install failed",
			     "The authorisation was refused or cancelled; nothing was changed.");
		return AG_EINVAL;
	}
	rc = session_state_take(&app->db, app->cfg, s, vendor, form_get(f, "state"), account, alen);
	if (rc) {
		log_warn("%s callback rejected: %s state", vendor,
			 rc == AG_EINVAL ? "forged or altered" : "used or expired");
		page_message(resp, rc == AG_EDB ? 503 : 400, LANG_EN, "Install failed",
			     rc == AG_EINVAL ? "The state parameter is not valid for this browser."
					     : "This authorisation link was already used or has expired.");
		return AG_EINVAL;
	}
	if (!form_get(f, "code")) {
		page_message(resp, 400, LANG_EN, "Install failed", "The callback carries no code.");
		return AG_EINVAL;
	}
	return AG_OK;
}

/* The installing user must be a Gorgias admin (the token acts with the
 * user's permissions; notes fall back to an admin, CN5). */
static int check_admin(struct app *app, const char *account, const struct oauth_tokens *t,
		       char *email, size_t elen, int64_t *user_id)
{
	struct installation tmp;
	struct gorgias g;
	json_t *me = NULL;
	const char *role, *mail;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	snprintf(tmp.account, sizeof tmp.account, "%s", account);
	tmp.gorgias_oauth = 1;
	tmp.gorgias_secret = t->access;
	rc = gorgias_open(&g, app->cfg, &app->db, &tmp);
	if (!rc)
		rc = gorgias_call(&g, "GET", "/api/users/0", NULL, &me);
	gorgias_close(&g);
	if (rc)
		return rc;
	role = json_string_value(json_object_get(json_object_get(me, "role"), "name"));
	mail = json_string_value(json_object_get(me, "email"));
	snprintf(email, elen, "%s", mail ? mail : "");
	*user_id = gorgias_id(me);
	rc = role && strcmp(role, "admin") == 0 ? AG_OK : AG_EREJECT;
	json_decref(me);
	return rc;
}

static int save_gorgias(struct app *app, const char *account, const struct oauth_tokens *t,
			const char *email, int64_t user_id, int64_t *id)
{
	char *sa = NULL, *sr = NULL;
	int rc = sealed_seal(app->cfg, account, "gorgias_secret", t->access, &sa);

	if (!rc && t->refresh)
		rc = sealed_seal(app->cfg, account, "gorgias_refresh", t->refresh, &sr);
	if (rc)
		goto out;
	rc = installation_save_gorgias_oauth(&app->db, account, email, sa, sr, t->expires_at, user_id,
					     id);
out:
	free(sa);
	free(sr);
	return rc;
}

void handle_gorgias_callback(struct app *app, struct request *req, struct response *resp,
			     struct after *after)
{
	struct form f;
	struct session s;
	struct oauth_tokens t;
	char account[64], err[128], email[256], state[STATE_LEN + 1], redirect[1024], path[1024];
	char *url = NULL;
	int64_t user_id = 0, id = 0;
	int rc;

	(void)after;
	page_security_headers(resp);
	memset(&t, 0, sizeof t);
	if (callback_checks(app, req, resp, &f, &s, "gorgias", account, sizeof account))
		goto out;
	if (!config_valid_account(account)) {
		page_message(resp, 400, LANG_EN, "Install failed", "The install session has no account.");
		goto out;
	}
	rc = oauth_gorgias_token(app->cfg, account, "authorization_code", form_get(&f, "code"), &t,
				 err, sizeof err);
	if (rc) {
		log_warn("install %s: Gorgias code exchange failed: %s", account, err);
		page_message(resp, 502, LANG_EN, "Install failed",
			     "Gorgias did not accept the authorisation code; start the install again.");
		goto out;
	}
	rc = check_admin(app, account, &t, email, sizeof email, &user_id);
	if (rc) {
		log_warn("install %s: installing user rejected (%s)", account, ag_strerror(rc));
		page_message(resp, 403, LANG_EN, "Install failed",
			     rc == AG_EREJECT ? "Only a Gorgias admin can install this app."
					      : "Gorgias could not confirm the installing user.");
		goto out;
	}
	if (save_gorgias(app, account, &t, email, user_id, &id) ||
	    session_bind(&app->db, app->cfg, &s, id) ||
	    session_set_cookie(app->cfg, &s, resp) ||
	    session_state_new(&app->db, app->cfg, &s, "aircall", NULL, state)) {
		page_message(resp, 503, LANG_EN, "Install failed", "Storage is unavailable; try again.");
		goto out;
	}
	if (oauth_redirect_uri(app->cfg, "aircall", redirect, sizeof redirect)) {
		page_message(resp, 500, LANG_EN, "Install failed", "AG_PUBLIC_URL is too long.");
		goto out;
	}
	snprintf(path, sizeof path, "%s/oauth/authorize", app->cfg->aircall_dashboard_url);
	{
		const char *kv[] = { "client_id", app->cfg->aircall_client_id, "redirect_uri", redirect,
				     "response_type", "code", "scope", "public_api", "state", state };
		url = authorize_url(path, kv, sizeof kv / sizeof kv[0]);
	}
	if (!url) {
		page_message(resp, 500, LANG_EN, "Install failed", "Internal error.");
		goto out;
	}
	log_info("install %s: Gorgias connected (installation %" PRId64 "), on to Aircall",
		 account, id);
	page_redirect(resp, 302, url);
out:
	oauth_tokens_free(&t);
	free(url);
	form_free(&f);
}

/* The Aircall side of the installation row and its numbers (one
 * transaction). AG_ECONFLICT when the company belongs to another row. */
static int save_aircall(struct app *app, int64_t id, int64_t company, const char *access,
			const char *webhook_id, const char *token, const json_t *numbers,
			const json_t *number_ids)
{
	char *account = NULL, *sa = NULL, *st = NULL;
	char hash[65] = "";
	int rc = installation_account(&app->db, id, &account);

	if (rc != AG_OK)
		goto out;
	/* Sealed values are bound to the Gorgias account naming the row. */
	rc = sealed_seal(app->cfg, account, "aircall_secret", access, &sa);
	if (!rc && token)
		rc = sealed_seal(app->cfg, account, "webhook_token", token, &st);
	if (!rc && token)
		rc = sealed_token_hash(app->cfg, token, hash);
	if (rc)
		goto out;
	rc = installation_save_aircall_oauth(&app->db, id, &(struct installation_aircall){
			.company_id = company, .sealed_access = sa, .webhook_id = webhook_id,
			.webhook_sealed = st, .webhook_hash = token ? hash : NULL },
		numbers, installation_pick_json, number_ids);
out:
	free(account);
	free(sa);
	free(st);
	return rc;
}

void handle_aircall_callback(struct app *app, struct request *req, struct response *resp,
			     struct after *after)
{
	struct form f;
	struct session s;
	struct oauth_tokens t;
	struct aircall ac;
	char err[128], location[1024], *webhook_id = NULL, *token = NULL;
	json_t *me = NULL, *numbers = NULL, *integ;
	int64_t company;
	int rc;

	(void)after;
	page_security_headers(resp);
	memset(&t, 0, sizeof t);
	if (callback_checks(app, req, resp, &f, &s, "aircall", NULL, 0))
		goto out;
	if (s.installation_id <= 0) {
		page_message(resp, 400, LANG_EN, "Install failed",
			     "Connect Gorgias first: start the install again.");
		goto out;
	}
	rc = oauth_aircall_token(app->cfg, form_get(&f, "code"), &t, err, sizeof err);
	if (rc) {
		log_warn("install %" PRId64 ": Aircall code exchange failed: %s", s.installation_id, err);
		page_message(resp, 502, LANG_EN, "Install failed",
			     "Aircall did not accept the authorisation code; start the install again.");
		goto out;
	}
	aircall_open(&ac, app->cfg, &app->db, s.installation_id, NULL, t.access);
	rc = aircall_call(&ac, "GET", "/v1/integrations/me", NULL, &me);
	integ = json_object_get(me, "integration");
	company = json_is_integer(json_object_get(integ, "company_id"))
		? (int64_t)json_integer_value(json_object_get(integ, "company_id")) : 0;
	if (rc || company <= 0 || installation_numbers(&ac, &numbers)) {
		page_message(resp, 502, LANG_EN, "Install failed",
			     "Aircall did not answer as expected; start the install again.");
		goto out;
	}
	/* Unreadable now: a new webhook replaces the stored one, as when
	 * Aircall no longer has it. */
	if (installation_oauth_webhook_id(&app->db, s.installation_id, &webhook_id) != AG_OK)
		log_warn("install %" PRId64 ": stored webhook unknown, a new one is made",
			 s.installation_id);
	if (installation_webhook(&ac, app->cfg, &webhook_id, &token)) {
		page_message(resp, 502, LANG_EN, "Install failed",
			     "The Aircall webhook could not be created; start the install again.");
		goto out;
	}
	rc = save_aircall(app, s.installation_id, company, t.access, webhook_id, token, numbers,
			  json_object_get(integ, "number_ids"));
	if (rc == AG_ECONFLICT) {
		page_message(resp, 409, LANG_EN, "Install failed",
			     "This Aircall company is already connected to another Gorgias account; "
			     "uninstall it there first.");
		goto out;
	}
	/* Reinstalling is AD1's fix: the same row comes back enabled. */
	if (rc || installation_enable(&app->db, s.installation_id, 1)) {
		page_message(resp, 503, LANG_EN, "Install failed", "Storage is unavailable; try again.");
		goto out;
	}
	installation_prepare_tags(&app->db, app->cfg, s.installation_id, numbers);
	/* Two-way SMS: a refusal is shown on the settings page, one-way goes on. */
	(void)hook_setup(&app->db, app->cfg, s.installation_id);
	log_info("install %" PRId64 ": Aircall company %" PRId64 " connected (webhook %s)",
		 s.installation_id, company, webhook_id);
	snprintf(location, sizeof location, "%s/settings", app->cfg->public_url);
	page_redirect(resp, 303, location);
out:
	oauth_tokens_free(&t);
	json_decref(me);
	json_decref(numbers);
	free(webhook_id);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	form_free(&f);
}
