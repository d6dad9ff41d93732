#include "web/hook_read.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "base/sealed.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MIN 16
#define SECRET_MAX 256

static int refuse(struct hook_in *h, int status, const char *code, const char *message)
{
	h->status = status;
	h->code = code;
	h->message = message;
	return AG_EINVAL;
}

/* A Gorgias id as the template renders it: a number, or its digits as a
 * string. 0 for anything else (an empty rendering included). */
static int64_t id_of(const json_t *v)
{
	const char *s;
	int64_t n = 0;

	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (int64_t)json_integer_value(v) : 0;
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	if (!*s || strlen(s) > 18)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		n = n * 10 + (*s - '0');
	}
	return n;
}

void hook_in_free(struct hook_in *h)
{
	free(h->stored);
	h->stored = NULL;
}

int hook_read(const struct config *cfg, const char *secret, const char *body, size_t len,
	      struct hook_in *h)
{
	json_t *root = NULL, *kept = NULL;
	json_error_t jerr;
	char hash[65], nonce[17];
	int rc = AG_ENOMEM;

	memset(h, 0, sizeof *h);
	h->status = 500;
	h->code = "internal";
	h->message = "could not store the delivery";
	/* Gorgias signs nothing: the header secret is the whole proof. */
	if (!secret || strlen(secret) < SECRET_MIN || strlen(secret) > SECRET_MAX) {
		log_warn("gorgias hook rejected: %s secret", secret ? "unusable" : "no");
		rc = refuse(h, 401, "unknown_token", "the secret matches no installation");
		goto out;
	}
	if (sealed_token_hash(cfg, secret, h->secret_hash) ||
	    crypto_hmac_hex(cfg->key_log, secret, strlen(secret), hash))
		goto out;
	memcpy(h->fingerprint, hash, 8);
	h->fingerprint[8] = '\0';
	root = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		log_warn("gorgias hook rejected: malformed JSON at line %d column %d", jerr.line,
			 jerr.column);
		rc = refuse(h, 400, "malformed_json", "the body is not a JSON object");
		goto out;
	}
	h->ticket_id = id_of(json_object_get(root, "ticket_id"));
	h->message_id = id_of(json_object_get(root, "message_id"));
	h->sms_ticket = json_is_string(json_object_get(root, "ticket_channel")) &&
			strcmp(json_string_value(json_object_get(root, "ticket_channel")), "sms") == 0;
	h->own = json_is_string(json_object_get(root, "message_external_id")) &&
		 strncmp(json_string_value(json_object_get(root, "message_external_id")), "aircall:",
			 8) == 0;
	if (!h->ticket_id) {
		log_warn("gorgias hook rejected: no ticket id");
		rc = refuse(h, 400, "missing_fields", "ticket_id is required");
		goto out;
	}
	if (h->message_id) {
		snprintf(h->key, sizeof h->key, "gorgias:message:%" PRId64, h->message_id);
	} else {
		/* Without a message id the event means "look at this ticket":
		 * every delivery is kept (the executor finds what is new). */
		if (crypto_random_hex(nonce, 8))
			goto out;
		snprintf(h->key, sizeof h->key, "gorgias:ticket:%" PRId64 ":%s", h->ticket_id, nonce);
	}
	snprintf(h->subject, sizeof h->subject, "reply:%" PRId64, h->ticket_id);
	/* Only the ids are kept: nothing else of the body is stored. */
	kept = h->message_id ? json_pack("{s:I, s:I}", "ticket_id", (json_int_t)h->ticket_id,
					 "message_id", (json_int_t)h->message_id)
			     : json_pack("{s:I, s:n}", "ticket_id", (json_int_t)h->ticket_id,
					 "message_id");
	h->stored = kept ? json_dumps(kept, JSON_COMPACT) : NULL;
	rc = h->stored ? AG_OK : AG_ENOMEM;
out:
	json_decref(kept);
	json_decref(root);
	return rc;
}
