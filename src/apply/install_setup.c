#include "apply/install_setup.h"
#include "base/err.h"
#include "core/events.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "base/log.h"
#include "core/phone.h"
#include "store/installation_store.h"
#include "apply/tags.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every event the bridge applies, and nothing else (events.h). */
static json_t *events_array(void)
{
	json_t *events = json_array();

	for (size_t i = 0; events && i < events_handled_n; i++)
		json_array_append_new(events, json_string(events_handled[i]));
	return events;
}

/* Does the webhook Aircall has subscribe to every event we handle? */
static int subscribes_all(const json_t *webhook)
{
	const json_t *have = json_object_get(webhook, "events"), *e;
	size_t i;

	/* No list (or an empty one) means every event (aircall-api.md §1.5). */
	if (!json_is_array(have) || json_array_size(have) == 0)
		return 1;
	for (size_t k = 0; k < events_handled_n; k++) {
		int found = 0;
		json_array_foreach(have, i, e)
			if (json_is_string(e) && strcmp(json_string_value(e), events_handled[k]) == 0)
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

static int create_webhook(struct aircall *ac, const char *url, char **id, char **token)
{
	json_t *events = events_array(), *body, *out = NULL, *w;
	int rc;

	body = json_pack("{s:s, s:s, s:o}", "custom_name", "Gorgias (aircall-gorgias)", "url", url,
			 "events", events);
	if (!body)
		return AG_ENOMEM;
	rc = aircall_call(ac, "POST", "/v1/webhooks", body, &out);
	json_decref(body);
	if (rc)
		return rc;
	w = json_object_get(out, "webhook");
	if (!json_is_string(json_object_get(w, "token")) ||
	    !(json_is_string(json_object_get(w, "webhook_id")) ||
	      json_is_integer(json_object_get(w, "webhook_id")))) {
		json_decref(out);
		return AG_ETEMP;
	}
	*token = strdup(json_string_value(json_object_get(w, "token")));
	if (json_is_string(json_object_get(w, "webhook_id"))) {
		*id = strdup(json_string_value(json_object_get(w, "webhook_id")));
	} else {
		char buf[32];
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(w, "webhook_id")));
		*id = strdup(buf);
	}
	json_decref(out);
	return *id && *token ? AG_OK : AG_ENOMEM;
}

int installation_webhook(struct aircall *ac, const struct config *cfg, char **webhook_id,
			 char **token)
{
	char url[1024];
	json_t *have = NULL;
	int rc = AG_OK;

	*token = NULL;
	snprintf(url, sizeof url, "%s/webhooks/aircall", cfg->public_url);
	if (*webhook_id) {
		char path[300], *esc = http_escape(*webhook_id);
		snprintf(path, sizeof path, "/v1/webhooks/%s", esc ? esc : "");
		free(esc);
		rc = aircall_call(ac, "GET", path, NULL, &have);
		if (rc == AG_OK) {
			const char *hurl = json_string_value(
				json_object_get(json_object_get(have, "webhook"), "url"));
			if (!hurl || strcmp(hurl, url) != 0) {
				/* AG_PUBLIC_URL moved: replace the webhook (the
				 * old one left behind only posts to a URL that
				 * no longer answers: worth a line, not a failure). */
				if (aircall_call(ac, "DELETE", path, NULL, NULL))
					log_warn("aircall: old webhook not removed: %s", ac->last_error);
				free(*webhook_id);
				*webhook_id = NULL;
			} else if (!subscribes_all(json_object_get(have, "webhook"))) {
				/* Installed by an older version: subscribe to what we
				 * handle now (the token stays the same). */
				json_t *upd = json_pack("{s:o}", "events", events_array());
				rc = upd ? aircall_call(ac, "PUT", path, upd, NULL) : AG_ENOMEM;
				json_decref(upd);
				if (rc)
					log_warn("aircall: webhook events not updated: %s", ac->last_error);
				rc = AG_OK;
			}
		} else if (rc == AG_ENOTFOUND) {
			/* Gone, or created by other credentials (an OAuth token
			 * sees only its own webhooks): make a new one. */
			free(*webhook_id);
			*webhook_id = NULL;
			rc = AG_OK;
		}
		json_decref(have);
		if (rc)
			return rc;
	}
	if (!*webhook_id)
		rc = create_webhook(ac, url, webhook_id, token);
	return rc;
}

static int collect_number(void *arg, const json_t *number)
{
	return json_array_append((json_t *)arg, (json_t *)number) ? AG_ENOMEM : AG_OK;
}

int installation_numbers(struct aircall *ac, json_t **numbers)
{
	int rc;

	*numbers = json_array();
	if (!*numbers)
		return AG_ENOMEM;
	rc = aircall_each_number(ac, collect_number, *numbers);
	if (rc) {
		json_decref(*numbers);
		*numbers = NULL;
	}
	return rc;
}

int installation_pick_listed(const void *arg, int64_t id)
{
	const char *p = arg;
	char want[24];
	size_t n;

	if (!p || strcmp(p, "all") == 0)
		return 1;
	snprintf(want, sizeof want, "%" PRId64, id);
	n = strlen(want);
	while (*p) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, want, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int installation_pick_json(const void *arg, int64_t id)
{
	const json_t *ids = arg, *v;
	size_t i;

	if (!json_is_array(ids))
		return 1;
	json_array_foreach(ids, i, v)
		if (json_is_integer(v) && json_integer_value(v) == id)
			return 1;
	return 0;
}

void installation_prepare_tags(struct db *db, const struct config *cfg, int64_t installation_id,
			       const json_t *numbers)
{
	const char *names[64] = { "Aircall", "Inbound call", "Outbound call", "Voicemail",
				  "Missed call", "Callback request", "Called back", "Aircall SMS" };
	size_t n = 8, i;
	struct installation in;
	struct gorgias g;
	const json_t *num;
	int rc;

	json_array_foreach(numbers, i, num) {
		const char *name = json_string_value(json_object_get(num, "name"));
		if (name && n < sizeof names / sizeof names[0])
			names[n++] = name;
	}
	if (store_installation_load(db, cfg, installation_id, &in))
		return;
	rc = gorgias_open(&g, cfg, db, &in);
	if (!rc)
		rc = tags_prepare(&g, names, n);
	if (rc)
		log_warn("install: tags not prepared (%s); they are resolved on first use",
			 ag_strerror(rc));
	gorgias_close(&g);
	installation_free(&in);
}

int installation_valid_time_zone(const char *tz)
{
	size_t n = strlen(tz);

	if (n == 0 || n > 60 || strstr(tz, "..") || tz[0] == '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((tz[i] >= 'A' && tz[i] <= 'Z') || (tz[i] >= 'a' && tz[i] <= 'z') ||
		      (tz[i] >= '0' && tz[i] <= '9') || strchr("/_+-", tz[i])))
			return 0;
	return 1;
}

int installation_valid_country(const char *cc)
{
	return strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' &&
	       phone_country_code(cc);
}
