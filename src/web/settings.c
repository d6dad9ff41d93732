/* SU2, SU4: GET|POST /settings, the page of one installation: its
 * numbers, state, activity, API budget and defaults.
 *
 * Tenant isolation is structural: the installation shown or changed is
 * the session's, and no request parameter names an installation; every
 * statement filters on that id. Every POST carries the session's CSRF
 * token. */
#include "vendor/aircall.h"
#include "base/err.h"
#include "web/form.h"
#include "web/handlers.h"
#include "core/html.h"
#include "store/budget_store.h"
#include "store/inbox.h"
#include "apply/install_setup.h"
#include "base/log.h"
#include "web/page.h"
#include "web/session.h"
#include "store/session_store.h"
#include "web/settings_failed.h"
#include "web/settings_two_way.h"
#include "store/installation_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The numbers the settings form lists, at most. */
#define SETTINGS_NUMBERS_MAX 500

#define MAX_NUMBERS 500

static int valid_lang(const char *v)
{
	return strcmp(v, "en") == 0 || strcmp(v, "de") == 0;
}

static int valid_action(const char *v)
{
	return strcmp(v, "save") == 0 || strcmp(v, "enable") == 0 || strcmp(v, "retry") == 0;
}

static const struct form_field get_fields[] = {
	{ "link", 64, valid_hex, 0 },
	{ "saved", 1, valid_digits, 0 },
	{ "lang", 2, valid_lang, 0 },
};

static const struct form_field post_fields[] = {
	{ "csrf", 64, valid_hex, 0 },
	{ "action", 6, valid_action, 0 },
	{ "number", 18, valid_digits, 1 },
	{ "locale", 2, valid_lang, 0 },
	{ "country", 2, installation_valid_country, 0 },
	{ "time_zone", 60, installation_valid_time_zone, 0 },
};

static void settings_url(const struct app *app, const char *query, char *out, size_t len)
{
	snprintf(out, len, "%s/settings%s", app->cfg->public_url, query);
}

/* Refreshes the stored number list from Aircall (names, new numbers);
 * the stored selection stays. New numbers follow Aircall's own selection
 * (integration number_ids) when there is one. */
static int sync_numbers(struct app *app, const struct installation *in)
{
	struct aircall ac;
	json_t *numbers = NULL, *me = NULL, *ids = NULL;
	int rc;

	if (!in->aircall_secret)
		return AG_EAUTH;
	aircall_open(&ac, app->cfg, &app->db, in->id, in->aircall_oauth ? NULL : in->aircall_api_id,
		     in->aircall_secret);
	rc = installation_numbers(&ac, &numbers);
	if (!rc && in->aircall_oauth && aircall_call(&ac, "GET", "/v1/integrations/me", NULL, &me) == AG_OK)
		ids = json_object_get(json_object_get(me, "integration"), "number_ids");
	if (!rc)
		rc = installation_save_numbers(&app->db, in->id, numbers, installation_pick_json,
					       in->numbers_all ? NULL : ids, 1);
	json_decref(numbers);
	json_decref(me);
	return rc;
}

static void hidden_csrf(struct buf *b, const struct session *s)
{
	buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, s->csrf);
	buf_puts(b, "\">");
}

static void render_state(struct buf *b, enum lang l, const struct app *app,
			 const struct installation *in, const struct session *s)
{
	static const struct { const char *reason, *what, *fix; } reasons[] = {
		{ "authorization_removed", "The app was uninstalled or its authorisation was revoked.",
		  "Install the app again from Gorgias or Aircall: the installation and its history are kept." },
		{ "missing_scope", "Gorgias refused a request because the app's authorisation lacks a scope.",
		  "Install the app again so that Gorgias grants the scopes it asks for." },
		{ "rate_limited", "The Gorgias API limit kept being reached.",
		  "Re-enable below; kept events are then sent in order." },
		{ "no_admin", "No Gorgias admin could be found to author notes.",
		  "Make sure the account has an active admin, then re-enable." },
		{ "manual", "Disabled by an operator.", "Re-enable when ready." },
	};

	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "State"));
	buf_puts(b, "</h2>\n<p id=\"state\" class=\"");
	buf_puts(b, in->enabled ? "ok\">" : "bad\">");
	html_txt(b, tr(l, in->enabled ? "Enabled" : "Disabled"));
	buf_puts(b, "</p>\n");
	if (!in->aircall_secret) {
		buf_puts(b, "<p class=\"note\">");
		html_txt(b, tr(l, "Aircall is not connected yet."));
		buf_puts(b, "</p>\n");
	}
	if (in->enabled)
		return;
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		if (strcmp(reasons[i].reason, in->disabled_reason) != 0)
			continue;
		buf_puts(b, "<p>");
		html_txt(b, tr(l, "Reason"));
		buf_puts(b, ": <code>");
		html_txt(b, in->disabled_reason);
		buf_puts(b, "</code> &mdash; ");
		html_txt(b, tr(l, reasons[i].what));
		buf_puts(b, "</p>\n<p class=\"note\">");
		html_txt(b, tr(l, "How to fix"));
		buf_puts(b, ": ");
		html_txt(b, tr(l, reasons[i].fix));
		buf_puts(b, "</p>\n");
	}
	if (strcmp(in->disabled_reason, "authorization_removed") == 0 ||
	    strcmp(in->disabled_reason, "missing_scope") == 0) {
		page_install_link(b, l, app->cfg->public_url, in->account);
		return;
	}
	buf_puts(b, "<form method=\"post\" action=\"settings\">");
	hidden_csrf(b, s);
	buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"enable\"><button type=\"submit\">");
	html_txt(b, tr(l, "Re-enable"));
	buf_puts(b, "</button></form>\n");
}

static void option(struct buf *b, const char *value, const char *label, const char *current)
{
	buf_puts(b, "<option value=\"");
	html_attr(b, value);
	buf_puts(b, strcmp(value, current) == 0 ? "\" selected>" : "\">");
	html_txt(b, label);
	buf_puts(b, "</option>");
}

static int render_settings_form(struct buf *b, enum lang l, struct app *app,
				const struct installation *in, const struct session *s, int synced)
{
	struct installation_number *nums = malloc(SETTINGS_NUMBERS_MAX * sizeof *nums);
	size_t n;

	if (!nums)
		return AG_ENOMEM;
	if (installation_numbers_list(&app->db, in->id, nums, SETTINGS_NUMBERS_MAX, &n) != AG_OK) {
		free(nums);
		return AG_EDB;
	}
	buf_puts(b, "<form method=\"post\" action=\"settings\">");
	hidden_csrf(b, s);
	buf_puts(b, "<input type=\"hidden\" name=\"action\" value=\"save\"><h2>");
	html_txt(b, tr(l, "Numbers"));
	buf_puts(b, "</h2>\n<p>");
	html_txt(b, tr(l, "Only calls and messages on the checked numbers reach Gorgias."));
	buf_puts(b, "</p>\n");
	if (!synced && in->aircall_secret) {
		buf_puts(b, "<p class=\"bad\">");
		html_txt(b, tr(l, "The Aircall numbers could not be listed right now; the stored list is shown."));
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "<div class=\"num\">\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "<label><input type=\"checkbox\" name=\"number\" value=\"");
		html_attr(b, nums[i].id);
		buf_puts(b, in->numbers_all || nums[i].selected ? "\" checked> " : "\"> ");
		html_txt(b, nums[i].name);
		buf_puts(b, " <small>");
		html_txt(b, nums[i].digits);
		buf_puts(b, "</small></label>\n");
	}
	free(nums);
	buf_puts(b, "</div><h2>");
	html_txt(b, tr(l, "Defaults"));
	buf_puts(b, "</h2>\n<label>");
	html_txt(b, tr(l, "Default country (ISO code)"));
	buf_puts(b, "<input type=\"text\" name=\"country\" maxlength=\"2\" value=\"");
	html_attr(b, in->country);
	buf_puts(b, "\"></label><label>");
	html_txt(b, tr(l, "Language of notes"));
	buf_puts(b, "<select name=\"locale\">");
	option(b, "en", "English", in->locale);
	option(b, "de", "Deutsch", in->locale);
	buf_puts(b, "</select></label><label>");
	html_txt(b, tr(l, "Time zone"));
	buf_puts(b, "<input type=\"text\" name=\"time_zone\" maxlength=\"60\" value=\"");
	html_attr(b, in->time_zone);
	buf_puts(b, "\"></label><button type=\"submit\">");
	html_txt(b, tr(l, "Save"));
	buf_puts(b, "</button></form>\n");
	return AG_OK;
}

static int render_activity(struct buf *b, enum lang l, struct app *app,
			   const struct installation *in)
{
	struct inbox_row last[10];
	struct budget_figures f;
	char scope[96];
	int64_t waiting, failed;
	size_t n;
	int rc;

	if (inbox_counts(&app->db, in->id, &waiting, &failed) != AG_OK)
		return AG_EDB;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "Activity"));
	buf_puts(b, "</h2>\n<p>");
	html_txt(b, tr(l, "Pending events"));
	buf_printf(b, ": <strong id=\"pending\">%" PRId64 "</strong><br>", waiting);
	html_txt(b, tr(l, "Failed events"));
	buf_printf(b, ": <strong id=\"failed\">%" PRId64 "</strong></p>\n", failed);
	if (inbox_last_processed(&app->db, in->id, last, sizeof last / sizeof last[0], &n) != AG_OK)
		return AG_EDB;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "Last events processed"));
	buf_puts(b, "</h2>\n");
	if (n == 0) {
		buf_puts(b, "<p>");
		html_txt(b, tr(l, "None yet."));
		buf_puts(b, "</p>\n");
	} else {
		settings_events_table(b, l, last, n, "last-events");
	}
	snprintf(scope, sizeof scope, "gorgias:%s", in->account);
	rc = budget_store_figures(&app->db, scope, &f);
	if (rc != AG_OK && rc != AG_ENOTFOUND)
		return AG_EDB;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "API budget"));
	buf_puts(b, "</h2>\n<p id=\"budget\">");
	html_txt(b, tr(l, "Gorgias requests in the current window"));
	if (rc == AG_OK) {
		buf_printf(b, ": %" PRId64 " / %" PRId64 " (%" PRId64 " s)<br>", f.used, f.limit,
			   f.window_s);
		html_txt(b, tr(l, "Requests in total"));
		buf_printf(b, ": %" PRId64 "<br>", f.total_requests);
		html_txt(b, tr(l, "Rate limited"));
		buf_printf(b, ": %" PRId64, f.total_limited);
	} else {
		buf_puts(b, ": 0");
	}
	buf_puts(b, "</p>\n");
	return AG_OK;
}

static void render(struct app *app, struct response *resp, const struct installation *in,
		   const struct session *s, enum lang l, int saved)
{
	struct buf *b = &resp->body;
	char title[160];
	int synced = in->aircall_secret && sync_numbers(app, in) == AG_OK;

	buf_reset(b);
	resp->status = 200;
	resp->content_type = "text/html; charset=utf-8";
	snprintf(title, sizeof title, "%s: %s", tr(l, "Aircall for Gorgias"), in->account);
	page_begin(b, l, title);
	if (saved) {
		buf_puts(b, "<p class=\"ok\" id=\"saved\">");
		html_txt(b, tr(l, "Saved."));
		buf_puts(b, "</p>\n");
	}
	render_state(b, l, app, in, s);
	if (settings_render_two_way(b, l, app, in) || render_settings_form(b, l, app, in, s, synced) || render_activity(b, l, app, in) ||
	    settings_render_failed(b, l, app, in, s)) {
		page_message(resp, 503, l, "Not available", "Storage is unavailable; try again.");
		return;
	}
	settings_render_refused(b, l, in);
	page_end(b);
}

/* A one-time link becomes a session; the link leaves the address bar. */
static void open_link(struct app *app, const char *token, struct response *resp)
{
	struct session s;
	int64_t inst;
	char url[1024];
	int rc = settings_link_take(&app->db, app->cfg, token, &inst);

	if (rc) {
		log_warn("settings: one-time link rejected (%s)", ag_strerror(rc));
		page_message(resp, rc == AG_EDB ? 503 : 403, LANG_EN, "Session expired",
			     tr(LANG_EN, "Open this page again from the link in your install email or "
					 "run the settings-link command."));
		return;
	}
	if (session_create(&app->db, app->cfg, inst, &s) || session_set_cookie(app->cfg, &s, resp)) {
		page_message(resp, 503, LANG_EN, "Not available", "Storage is unavailable; try again.");
		return;
	}
	log_info("settings: one-time link opened for installation %" PRId64, inst);
	settings_url(app, "", url, sizeof url);
	page_redirect(resp, 303, url);
}

static int save(struct app *app, const struct installation *in, const struct form *f)
{
	struct buf arr;
	const char *locale = form_get(f, "locale"), *country = form_get(f, "country");
	const char *tz = form_get(f, "time_zone");
	int rc = AG_EDB, first = 1;

	buf_init(&arr, 0);
	buf_puts(&arr, "{");
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->v[i].name, "number") != 0)
			continue;
		buf_printf(&arr, "%s%s", first ? "" : ",", f->v[i].value);
		first = 0;
	}
	if (buf_puts(&arr, "}")) {
		buf_free(&arr);
		return AG_ENOMEM;
	}
	if (installation_save_settings(&app->db, in->id, arr.p, locale, country, tz) != AG_OK)
		goto out;
	rc = AG_OK;
out:
	buf_free(&arr);
	return rc;
}

static void post(struct app *app, struct request *req, struct response *resp,
		 const struct installation *in, const struct session *s, enum lang l,
		 struct after *after)
{
	struct form f;
	char url[1024];
	const char *action;
	int rc;

	if (req->body_too_big) {
		page_message(resp, 413, l, "Not available", "The form is too large.");
		return;
	}
	rc = form_parse(req->body.p, req->body.len, post_fields,
			sizeof post_fields / sizeof post_fields[0], &f);
	if (rc) {
		log_warn("settings %" PRId64 ": form rejected (%s)", in->id, ag_strerror(rc));
		page_message(resp, 400, l, "Not available", "The form carries an invalid value.");
		goto out;
	}
	if (!session_csrf_ok(s, form_get(&f, "csrf"))) {
		log_warn("settings %" PRId64 ": POST without a valid CSRF token", in->id);
		page_message(resp, 403, l, "Session expired",
			     "The form is stale or did not come from this page; reload and try again.");
		goto out;
	}
	action = form_get(&f, "action");
	if (action && strcmp(action, "enable") == 0) {
		rc = installation_enable(&app->db, in->id, 0);
		if (rc == AG_EREJECT) {
			page_message(resp, 409, l, "Not available",
				     "The app was uninstalled: install it again to enable it.");
			goto out;
		}
	} else if (action && strcmp(action, "retry") == 0) {
		long n = 0;
		rc = inbox_requeue(&app->db, in->id, "failed", &n);
	} else
		rc = save(app, in, &f);
	if (rc) {
		page_message(resp, 503, l, "Not available", "Storage is unavailable; try again.");
		goto out;
	}
	if (action) {
		/* Events are due again: wake the workers, or, with none (shared
		 * hosting), start a drainer as a webhook would; one finding
		 * nothing due leaves at once. */
		if (inbox_wake(&app->db))
			log_warn("settings %" PRId64 ": workers not woken", in->id);
		after->spawn_drainer = 1;
	}
	log_info("settings %" PRId64 ": %s", in->id, action ? action : "save");
	settings_url(app, "?saved=1", url, sizeof url);
	page_redirect(resp, 303, url);
out:
	form_free(&f);
}

void handle_settings(struct app *app, struct request *req, struct response *resp,
		     struct after *after)
{
	struct form q;
	struct session s;
	struct installation in;
	const char *q_text = req->query ? req->query : "";
	enum lang l = LANG_EN;
	int rc;

	memset(&in, 0, sizeof in);
	page_security_headers(resp);
	if (form_parse(q_text, strlen(q_text), get_fields, sizeof get_fields / sizeof get_fields[0],
		       &q)) {
		page_message(resp, 400, LANG_EN, "Not available", "Malformed parameters.");
		goto out;
	}
	if (strcmp(req->method, "GET") == 0 && form_get(&q, "link")) {
		open_link(app, form_get(&q, "link"), resp);
		goto out;
	}
	rc = session_load(&app->db, app->cfg, req, &s);
	if (rc || s.installation_id <= 0) {
		page_message(resp, rc == AG_EDB ? 503 : 403, LANG_EN, "Session expired",
			     tr(LANG_EN, "Open this page again from the link in your install email or "
					 "run the settings-link command."));
		goto out;
	}
	rc = store_installation_load(&app->db, app->cfg, s.installation_id, &in);
	if (rc) {
		page_message(resp, rc == AG_EDB ? 503 : 403, LANG_EN, "Not available",
			     "This installation no longer exists.");
		goto out;
	}
	l = form_get(&q, "lang") ? lang_of(form_get(&q, "lang")) : lang_of(in.locale);
	if (strcmp(req->method, "POST") == 0)
		post(app, req, resp, &in, &s, l, after);
	else
		render(app, resp, &in, &s, l, form_get(&q, "saved") != NULL);
out:
	installation_free(&in);
	form_free(&q);
}
