/* libFuzzer target: a webhook body through everything the request path
 * does before the database (webhook_read: the seam in front of
 * inbox_accept; hook_read, the same for the Gorgias integration's
 * deliveries). What it would store must be JSON without the token, and an
 * unhandled event must keep nothing of its data; a Gorgias delivery keeps
 * its two ids only. */
#include "base/config.h"
#include "base/crypto.h"
#include "base/log.h"
#include "web/hook_read.h"
#include "web/webhook_read.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webhook_in w;
	struct hook_in h;
	json_t *stored;

	if (!cfg.key_webhook[0]) {
		log_init("error", NULL);
		if (crypto_subkey("fuzz-secret-0123456789abcdef0123456789", "webhook-token",
				  cfg.key_webhook) ||
		    crypto_subkey("fuzz-secret-0123456789abcdef0123456789", "log", cfg.key_log))
			abort();
	}
	if (webhook_read(&cfg, (const char *)data, size, &w) == 0) {
		stored = json_loads(w.stored, 0, NULL);
		if (!json_is_object(stored) || json_object_get(stored, "token") ||
		    (!w.handled && json_object_get(stored, "data")) ||
		    strlen(w.token_hash) != 64 || !w.key[0] || !w.subject[0])
			abort();
		json_decref(stored);
	} else if (w.status < 400 || w.status > 500 || !w.code || !w.message) {
		abort();
	}
	webhook_in_free(&w);
	if (hook_read(&cfg, "fuzz-hook-secret-0123456789", (const char *)data, size, &h) == 0) {
		stored = json_loads(h.stored, 0, NULL);
		if (!json_is_object(stored) || json_object_size(stored) != 2 || h.ticket_id <= 0 ||
		    strlen(h.secret_hash) != 64 || !h.key[0] || !h.subject[0])
			abort();
		json_decref(stored);
	} else if (h.status < 400 || h.status > 500 || !h.code || !h.message) {
		abort();
	}
	hook_in_free(&h);
	return 0;
}
