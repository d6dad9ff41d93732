#include "web/webhook_read.h"
#include "base/crypto.h"
#include "base/err.h"
#include "core/events.h"
#include "base/log.h"
#include "core/plan_message.h"
#include "base/sealed.h"
#include "core/call.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 256
#define EVENT_MAX WEBHOOK_EVENT_MAX

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

static int refuse(struct webhook_in *w, int status, const char *code, const char *message)
{
	w->status = status;
	w->code = code;
	w->message = message;
	return AG_EINVAL;
}

void webhook_in_free(struct webhook_in *w)
{
	free(w->stored);
	w->stored = NULL;
}

int webhook_read(const struct config *cfg, const char *body, size_t len, struct webhook_in *w)
{
	json_t *root, *data, *token_v, *event_v, *ts_v, *kept = NULL;
	const char *token, *event;
	char id[80], hash[65];
	json_error_t jerr;
	json_int_t ts;
	char *canon = NULL;
	int rc = AG_ENOMEM;

	memset(w, 0, sizeof *w);
	w->status = 500;
	w->code = "internal";
	w->message = "could not store the event";
	root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		/* Position only: jansson's text quotes the body ("near '...'"). */
		log_warn("webhook rejected: malformed JSON at line %d column %d", jerr.line,
			 jerr.column);
		rc = refuse(w, 400, "malformed_json", "the body is not a JSON object");
		goto out;
	}
	token_v = json_object_get(root, "token");
	event_v = json_object_get(root, "event");
	data = json_object_get(root, "data");
	ts_v = json_object_get(root, "timestamp");
	if (!json_is_string(token_v) || !json_is_string(event_v) || !json_is_object(data)) {
		log_warn("webhook rejected: token, event or data missing");
		rc = refuse(w, 400, "missing_fields", "token, event and data are required");
		goto out;
	}
	token = json_string_value(token_v);
	event = json_string_value(event_v);
	if (strlen(token) == 0 || strlen(token) > TOKEN_MAX) {
		log_warn("webhook rejected: token of unusable length");
		rc = refuse(w, 401, "unknown_token", "the token matches no installation");
		goto out;
	}
	/* Only a keyed hash of the token reaches the database, and only a
	 * fingerprint under another key reaches the log. */
	if (sealed_token_hash(cfg, token, w->token_hash) ||
	    crypto_hmac_hex(cfg->key_log, token, strlen(token), hash))
		goto out;
	memcpy(w->fingerprint, hash, 8);
	w->fingerprint[8] = '\0';
	if (!valid_event_name(event)) {
		log_warn("webhook rejected: malformed event name");
		rc = refuse(w, 400, "bad_event", "event is not a valid event name");
		goto out;
	}
	snprintf(w->event, sizeof w->event, "%s", event);
	w->handled = event_handled(event);
	ts = json_is_integer(ts_v) ? json_integer_value(ts_v) : 0;
	data_id(data, id, sizeof id);
	if (strncmp(event, "call.", 5) == 0 && !json_is_integer(json_object_get(data, "id"))) {
		log_warn("webhook rejected: %s without a call id", event);
		rc = refuse(w, 400, "missing_fields", "call events need data.id");
		goto out;
	}
	/* Aircall has no event id: the event, its resource, its moment and a
	 * digest of its data identify a delivery (two comments posted in one
	 * second differ only in their data). */
	canon = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
	if (!canon || crypto_hmac_hex("dedupe", canon, strlen(canon), hash))
		goto out;
	snprintf(w->key, sizeof w->key, "%s:%s:%" JSON_INTEGER_FORMAT ":%.32s", event, id, ts, hash);
	if (strncmp(event, "call.", 5) == 0)
		call_subject(w->subject, sizeof w->subject,
			     json_integer_value(json_object_get(data, "id")));
	else if (strncmp(event, "message.", 8) == 0)
		msg_subject(data, w->subject, sizeof w->subject); /* one conversation at a time */
	else
		snprintf(w->subject, sizeof w->subject, "installation");
	/* Stored without its token: the inbox holds no secret. An event the
	 * bridge does not apply keeps only its envelope: a token holder
	 * cannot park megabytes of anything in the database. */
	json_object_del(root, "token");
	if (!w->handled) {
		kept = json_pack("{s:s, s:O?, s:O?}", "event", event,
				 "resource", json_object_get(root, "resource"), "timestamp", ts_v);
		if (!json_is_string(json_object_get(kept, "resource")))
			json_object_del(kept, "resource");
		if (!json_is_integer(json_object_get(kept, "timestamp")))
			json_object_del(kept, "timestamp");
	}
	w->stored = json_dumps(kept ? kept : root, JSON_COMPACT);
	rc = w->stored ? AG_OK : AG_ENOMEM;
out:
	free(canon);
	json_decref(kept);
	json_decref(root);
	return rc;
}
