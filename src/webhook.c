/* POST /webhooks/aircall: authenticate, store durably, acknowledge. No
 * vendor call happens before the answer (Aircall gives up after 5 s and
 * disables webhooks that keep failing). */
#include "crypto.h"
#include "err.h"
#include "events.h"
#include "handlers.h"
#include "inbox.h"
#include "log.h"
#include "phone.h"
#include "plan_message.h"
#include "sealed.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 256
#define EVENT_MAX 64

static int valid_event_name(const char *e)
{
	size_t n = strlen(e);

	if (n == 0 || n > EVENT_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((e[i] >= 'a' && e[i] <= 'z') || (e[i] >= '0' && e[i] <= '9') || e[i] == '.' ||
		      e[i] == '_'))
			return 0;
	return 1;
}

/* The id of the resource the event is about, as text ("" when absent). */
static void data_id(const json_t *data, char *out, size_t len)
{
	const json_t *id = json_object_get(data, "id");

	if (json_is_integer(id))
		snprintf(out, len, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else if (json_is_string(id))
		snprintf(out, len, "%.64s", json_string_value(id));
	else if (json_is_integer(json_object_get(data, "integration_id")))
		snprintf(out, len, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(data, "integration_id")));
	else
		out[0] = '\0';
}

void handle_webhook(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	json_t *root = NULL, *data, *token_v, *token_ref = NULL, *event_v, *ts_v;
	const char *token, *event;
	char id[80], key[200], subject[96], hash[65];
	json_error_t jerr;
	char token_hash[65];
	struct inbox_accepted acc;
	unsigned long trips;
	json_int_t ts;
	char *stored = NULL, *canon = NULL;
	int rc;

	if (req->body_too_big) {
		log_warn("webhook rejected: body over %lu bytes", (unsigned long)app->cfg->max_body);
		response_error(resp, 413, "too_large", "the body exceeds the size limit");
		return;
	}
	if (req->content_type && !strstr(req->content_type, "json")) {
		log_warn("webhook rejected: content type %.60s", req->content_type);
		response_error(resp, 415, "unsupported_media_type", "send application/json");
		return;
	}
	root = json_loadb(req->body.p ? req->body.p : "", req->body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		log_warn("webhook rejected: malformed JSON (%s at %d:%d)", jerr.text, jerr.line, jerr.column);
		response_error(resp, 400, "malformed_json", "the body is not a JSON object");
		goto out;
	}
	token_v = json_object_get(root, "token");
	event_v = json_object_get(root, "event");
	data = json_object_get(root, "data");
	ts_v = json_object_get(root, "timestamp");
	if (!json_is_string(token_v) || !json_is_string(event_v) || !json_is_object(data)) {
		log_warn("webhook rejected: token, event or data missing");
		response_error(resp, 400, "missing_fields", "token, event and data are required");
		goto out;
	}
	/* Kept alive: the token leaves root before the event is stored. */
	token_ref = json_incref(token_v);
	token = json_string_value(token_v);
	event = json_string_value(event_v);
	if (strlen(token) == 0 || strlen(token) > TOKEN_MAX) {
		log_warn("webhook rejected: token of unusable length");
		response_error(resp, 401, "unknown_token", "the token matches no installation");
		goto out;
	}
	/* Only a keyed hash of the token reaches the database. */
	if (sealed_token_hash(app->cfg, token, token_hash)) {
		response_error(resp, 500, "internal", "could not store the event");
		goto out;
	}
	if (!valid_event_name(event)) {
		log_warn("webhook rejected: malformed event name");
		response_error(resp, 400, "bad_event", "event is not a valid event name");
		goto out;
	}
	ts = json_is_integer(ts_v) ? json_integer_value(ts_v) : 0;
	data_id(data, id, sizeof id);
	if (strncmp(event, "call.", 5) == 0 && !json_is_integer(json_object_get(data, "id"))) {
		log_warn("webhook rejected: %s without a call id", event);
		response_error(resp, 400, "missing_fields", "call events need data.id");
		goto out;
	}
	/* Aircall has no event id: the event, its resource, its moment and a
	 * digest of its data identify a delivery (two comments posted in one
	 * second differ only in their data). */
	canon = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon || crypto_hmac_hex("dedupe", canon, strlen(canon), hash)) {
		response_error(resp, 500, "internal", "could not store the event");
		goto out;
	}
	snprintf(key, sizeof key, "%s:%s:%" JSON_INTEGER_FORMAT ":%.32s", event, id, ts, hash);
	if (strncmp(event, "call.", 5) == 0)
		snprintf(subject, sizeof subject, "call:%s", id);
	else if (strncmp(event, "message.", 8) == 0)
		msg_subject(data, subject, sizeof subject); /* one conversation at a time */
	else
		snprintf(subject, sizeof subject, "installation");
	/* Stored without its token: the inbox holds no secret. */
	json_object_del(root, "token");
	stored = json_dumps(root, JSON_COMPACT);
	if (!stored) {
		response_error(resp, 500, "internal", "could not store the event");
		goto out;
	}
	trips = app->db.round_trips;
	rc = inbox_accept(&app->db, token_hash, key, event, subject, stored,
			  event_handled(event) ? "pending" : "ignored", &acc);
	trips = app->db.round_trips - trips;
	if (rc == AG_ENOTFOUND) {
		/* The token is a secret: log a fingerprint of it, never the token. */
		crypto_hmac_hex(app->cfg->key_log, token, strlen(token), hash);
		log_warn("webhook rejected: unknown token (fingerprint %.8s)", hash);
		response_error(resp, 401, "unknown_token", "the token matches no installation");
		goto out;
	}
	if (rc) {
		response_error(resp, 503, "unavailable", "storage unavailable, retry later");
		goto out;
	}
	if (acc.duplicate) {
		log_info("webhook %s for installation %" PRId64 ": duplicate delivery acknowledged "
			 "(%lu round trip%s)", event, acc.installation_id, trips, trips == 1 ? "" : "s");
		response_json(resp, 200, json_pack("{s:s}", "status", "duplicate"));
		goto out;
	}
	log_info("webhook %s %s for installation %" PRId64 " stored as inbox %" PRId64
		 " (%lu round trip%s, %s)", event, subject, acc.installation_id, acc.id, trips,
		 trips == 1 ? "" : "s", acc.listener ? "a worker listens" : "no free worker");
	response_json(resp, 200, json_pack("{s:s, s:I}", "status", "accepted", "id",
					   (json_int_t)acc.id));
	/* Nobody free to apply it: once the answer is out, this process
	 * starts a drainer (it never applies the event itself). */
	if (event_handled(event) && !acc.listener)
		after->spawn_drainer = 1;
out:
	free(canon);
	free(stored);
	json_decref(token_ref);
	json_decref(root);
}
