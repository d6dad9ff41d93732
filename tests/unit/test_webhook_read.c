/* Unit tests of the webhook body checks (src/web/webhook_read.c): what
 * Aircall's sender gets back for each malformed delivery (a clear 4xx, never
 * a 500 that makes it retry forever), what is kept of the body (no token,
 * nothing of an unhandled event but its envelope), and how deliveries are
 * named so that a redelivery is recognised ("a redelivered event changes
 * nothing", SPEC quality bars; the per-call ordering subject, idem). */
#include "check.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "web/webhook_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char secret[] = "0123456789abcdef0123456789abcdef-unit-test";
static struct config cfg;

static void cfg_init(void)
{
	memset(&cfg, 0, sizeof cfg);
	CHECK(crypto_subkey(secret, "seal", cfg.key_seal) == AG_OK);
	CHECK(crypto_subkey(secret, "webhook-token", cfg.key_webhook) == AG_OK);
	CHECK(crypto_subkey(secret, "web", cfg.key_web) == AG_OK);
	CHECK(crypto_subkey(secret, "log", cfg.key_log) == AG_OK);
}

static int read_text(const char *body, struct webhook_in *w)
{
	return webhook_read(&cfg, body, body ? strlen(body) : 0, w);
}

/* The answer a body gets: its status (200 when accepted) and code. */
static void expect(const char *body, int status, const char *code)
{
	struct webhook_in w;
	int rc = read_text(body, &w);

	if (status == 200) {
		CHECK(rc == AG_OK);
		if (rc)
			fprintf(stderr, "  refused (%d %s): %s\n", w.status, w.code, body ? body : "(null)");
	} else {
		CHECK(rc == AG_EINVAL);
		CHECK(w.status == status);
		CHECK_STR(w.code, code);
		if (rc != AG_EINVAL || w.status != status)
			fprintf(stderr, "  got %d %s for: %s\n", w.status, w.code, body ? body : "(null)");
	}
	webhook_in_free(&w);
}

static void test_refusals(void)
{
	char body[1024], token[300];

	expect(NULL, 400, "malformed_json");
	expect("", 400, "malformed_json");
	expect("{\"token\":\"t\",", 400, "malformed_json");
	expect("[1,2]", 400, "malformed_json");
	expect("\"just a string\"", 400, "malformed_json");
	/* a duplicate key is ambiguous (which token?): refused */
	expect("{\"token\":\"a\",\"token\":\"b\",\"event\":\"call.created\",\"data\":{\"id\":1}}", 400,
	       "malformed_json");
	expect("{\"event\":\"call.created\",\"data\":{\"id\":1}}", 400, "missing_fields");
	expect("{\"token\":\"t\",\"data\":{\"id\":1}}", 400, "missing_fields");
	expect("{\"token\":\"t\",\"event\":\"call.created\"}", 400, "missing_fields");
	expect("{\"token\":7,\"event\":\"call.created\",\"data\":{\"id\":1}}", 400, "missing_fields");
	expect("{\"token\":\"t\",\"event\":\"call.created\",\"data\":[1]}", 400, "missing_fields");
	/* token bounds: empty, 256 accepted, 257 refused as unknown (401) */
	expect("{\"token\":\"\",\"event\":\"call.created\",\"data\":{\"id\":1}}", 401, "unknown_token");
	memset(token, 'k', 256);
	token[256] = '\0';
	snprintf(body, sizeof body, "{\"token\":\"%s\",\"event\":\"call.created\",\"data\":{\"id\":1}}", token);
	expect(body, 200, NULL);
	token[256] = 'k';
	token[257] = '\0';
	snprintf(body, sizeof body, "{\"token\":\"%s\",\"event\":\"call.created\",\"data\":{\"id\":1}}", token);
	expect(body, 401, "unknown_token");
	/* event names: [a-z0-9._]{1,64} */
	expect("{\"token\":\"t\",\"event\":\"\",\"data\":{\"id\":1}}", 400, "bad_event");
	expect("{\"token\":\"t\",\"event\":\"Call.Created\",\"data\":{\"id\":1}}", 400, "bad_event");
	expect("{\"token\":\"t\",\"event\":\"call.created;drop\",\"data\":{\"id\":1}}", 400, "bad_event");
	expect("{\"token\":\"t\",\"event\":\"call.cr\\u00e9ated\",\"data\":{\"id\":1}}", 400, "bad_event");
	snprintf(body, sizeof body, "{\"token\":\"t\",\"event\":\"%.64s\",\"data\":{}}",
		 "a.bcdefghijklmnopqrstuvwxyz0123456789_abcdefghijklmnopqrstuvwxyz0123");
	expect(body, 200, NULL);                                  /* 64 characters */
	snprintf(body, sizeof body, "{\"token\":\"t\",\"event\":\"%.65s\",\"data\":{}}",
		 "a.bcdefghijklmnopqrstuvwxyz0123456789_abcdefghijklmnopqrstuvwxyz0123");
	expect(body, 400, "bad_event");                           /* 65 */
	/* a call event names its call by an integer id */
	expect("{\"token\":\"t\",\"event\":\"call.created\",\"data\":{}}", 400, "missing_fields");
	expect("{\"token\":\"t\",\"event\":\"call.created\",\"data\":{\"id\":\"12\"}}", 400, "missing_fields");
	expect("{\"token\":\"t\",\"event\":\"call.created\",\"data\":{\"id\":1.5}}", 400, "missing_fields");
	/* events the bridge does not apply are still acknowledged */
	expect("{\"token\":\"t\",\"event\":\"contact.created\",\"data\":{\"id\":\"x\"}}", 200, NULL);
	expect("{\"token\":\"t\",\"event\":\"user.opened\",\"data\":{}}", 200, NULL);
}

/* The token never reaches storage or the log: only a keyed hash (for the
 * lookup) and a fingerprint under another key. */
static void test_token_kept_nowhere(void)
{
	static const char body[] =
		"{\"token\":\"tok-SECRET-42\",\"event\":\"call.created\",\"timestamp\":1700000000,"
		"\"resource\":\"call\",\"data\":{\"id\":123,\"status\":\"initial\"}}";
	char expect_hash[65], logpath[] = "/tmp/test_webhook_read.XXXXXX", text[4096];
	struct webhook_in w;
	FILE *f;
	size_t n;
	int fd = mkstemp(logpath);

	CHECK(fd >= 0);
	close(fd);
	log_init("debug", logpath);
	CHECK(read_text(body, &w) == AG_OK);
	CHECK(w.stored && !strstr(w.stored, "tok-SECRET-42") && !strstr(w.stored, "\"token\""));
	CHECK(w.stored && strstr(w.stored, "\"status\":\"initial\""));   /* the data is kept */
	CHECK(strlen(w.token_hash) == 64 && strlen(w.fingerprint) == 8);
	CHECK(strncmp(w.token_hash, w.fingerprint, 8) != 0);            /* another key */
	CHECK(crypto_hmac_hex(cfg.key_webhook, "tok-SECRET-42", 13, expect_hash) == AG_OK);
	CHECK_STR(w.token_hash, expect_hash);
	CHECK(w.handled == 1);
	CHECK_STR(w.event, "call.created");
	CHECK_STR(w.subject, "call:123");
	webhook_in_free(&w);
	CHECK(w.stored == NULL);
	/* a refused body logs its reason, never its token */
	CHECK(read_text("{\"token\":\"tok-SECRET-42\",\"event\":\"BAD\",\"data\":{}}", &w) == AG_EINVAL);
	webhook_in_free(&w);
	CHECK(read_text("{\"token\":\"tok-SECRET-42\",", &w) == AG_EINVAL);
	webhook_in_free(&w);
	log_close();
	f = fopen(logpath, "r");
	n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
	unlink(logpath);
	CHECK(strstr(text, "malformed event name") != NULL);
	CHECK(strstr(text, "tok-SECRET") == NULL);
	log_init("error", NULL);
}

/* An event the bridge does not apply is stored as its envelope only. */
static void test_unhandled_keeps_envelope(void)
{
	struct webhook_in w;

	CHECK(read_text("{\"token\":\"t\",\"event\":\"contact.updated\",\"resource\":\"contact\","
			"\"timestamp\":1700000000,\"data\":{\"id\":5,\"big\":\"xxxxxxxxxxxxxxxx\"}}",
			&w) == AG_OK);
	CHECK(w.handled == 0);
	CHECK_STR(w.stored, "{\"event\":\"contact.updated\",\"resource\":\"contact\","
			    "\"timestamp\":1700000000}");
	CHECK_STR(w.subject, "installation");
	webhook_in_free(&w);
	/* a resource or timestamp of the wrong type is left out, not stored as-is */
	CHECK(read_text("{\"token\":\"t\",\"event\":\"contact.updated\",\"resource\":{\"a\":1},"
			"\"timestamp\":\"soon\",\"data\":{}}", &w) == AG_OK);
	CHECK_STR(w.stored, "{\"event\":\"contact.updated\"}");
	webhook_in_free(&w);
}

/* Redelivery: the same delivery gets the same key whatever the key order
 * of its JSON or the token it came with; another comment in the same
 * second gets another. */
static void test_delivery_keys(void)
{
	struct webhook_in a, b, c, d;

	CHECK(read_text("{\"token\":\"t1\",\"event\":\"call.commented\",\"timestamp\":100,"
			"\"data\":{\"id\":9,\"comments\":[{\"id\":1}]}}", &a) == AG_OK);
	CHECK(read_text("{\"data\":{\"comments\":[{\"id\":1}],\"id\":9},\"timestamp\":100,"
			"\"event\":\"call.commented\",\"token\":\"t1\"}", &b) == AG_OK);
	CHECK(read_text("{\"token\":\"t1\",\"event\":\"call.commented\",\"timestamp\":100,"
			"\"data\":{\"id\":9,\"comments\":[{\"id\":2}]}}", &c) == AG_OK);
	CHECK(read_text("{\"token\":\"t1\",\"event\":\"call.commented\",\"timestamp\":101,"
			"\"data\":{\"id\":9,\"comments\":[{\"id\":1}]}}", &d) == AG_OK);
	CHECK_STR(a.key, b.key);
	CHECK(strcmp(a.key, c.key) != 0);
	CHECK(strcmp(a.key, d.key) != 0);
	CHECK(strncmp(a.key, "call.commented:9:100:", 21) == 0);
	CHECK_STR(a.subject, c.subject);                    /* one call: one queue */
	webhook_in_free(&a);
	webhook_in_free(&b);
	webhook_in_free(&c);
	webhook_in_free(&d);
}

/* SMS events are ordered per conversation: Aircall number and the other
 * party's number in E.164, however Aircall wrote it. */
static void test_message_subject(void)
{
	struct webhook_in a, b;

	CHECK(read_text("{\"token\":\"t\",\"event\":\"message.received\",\"data\":{\"id\":\"m1\","
			"\"number\":{\"id\":77},\"external_number\":\"+33 6 12 34 56 78\"}}", &a) == AG_OK);
	CHECK(read_text("{\"token\":\"t\",\"event\":\"message.sent\",\"data\":{\"id\":\"m2\","
			"\"number\":{\"id\":77},\"external_number\":\"+33612345678\"}}", &b) == AG_OK);
	CHECK_STR(a.subject, "sms:77:+33612345678");
	CHECK_STR(a.subject, b.subject);
	CHECK(strncmp(a.key, "message.received:m1:", 20) == 0);
	webhook_in_free(&a);
	webhook_in_free(&b);
}

int main(void)
{
	log_init("error", NULL);
	cfg_init();
	test_refusals();
	test_token_kept_nowhere();
	test_unhandled_keeps_envelope();
	test_delivery_keys();
	test_message_subject();
	CHECK_DONE("test_webhook_read");
}
