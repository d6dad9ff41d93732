/* Unit tests for src/core/refusal.c: every shape of vendor refusal the bridge
 * has met or the references describe, and what it is classified as. */
#include "check.h"
#include "apply/degrade.h"
#include "core/refusal.h"

#include <jansson.h>

static struct refusal classify(long status, const char *method, const char *path, const char *body)
{
	struct refusal r;

	refusal_classify(status, method, path, body, body ? strlen(body) : 0, &r);
	return r;
}

static void test_field(void)
{
	/* CS1: an account that refuses the note on customer creation, with
	 * the field map alone and with the legacy envelope. */
	struct refusal r = classify(400, "POST", "/api/customers", "{\"note\":[\"Unknown field.\"]}");
	CHECK(r.kind == REFUSAL_FIELD);
	CHECK_STR(r.field, "note");
	r = classify(400, "POST", "/api/customers",
		     "{\"error\":{\"msg\":\"Failed to create customer.\",\"data\":{\"note\":[\"Unknown field.\"]}}}");
	CHECK(r.kind == REFUSAL_FIELD);
	CHECK_STR(r.field, "note");
	/* A value refused inside a message of a ticket. */
	r = classify(400, "POST", "/api/tickets",
		     "{\"error\":{\"msg\":\"x\",\"data\":{\"messages\":{\"0\":{\"source\":{\"type\":"
		     "[\"Must be one of: phone.\"]}}}}}}");
	CHECK(r.kind == REFUSAL_FIELD);
	CHECK_STR(r.field, "messages.*.source.type");
	CHECK(strstr(r.reason, "Must be one of") != NULL);
}

static void test_gone(void)
{
	/* A stale cached customer answered with 400, not 404. */
	struct refusal r = classify(400, "POST", "/api/tickets",
				    "{\"messages\":{\"0\":{\"sender\":[\"Customer 1002 does not exist.\"]}}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "customer");
	CHECK(r.id == 1002);
	CHECK_STR(r.field, "messages.*.sender");
	r = classify(400, "POST", "/api/tickets",
		     "{\"error\":{\"msg\":\"Failed\",\"data\":{\"customer\":[\"Not found.\"]}}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "customer");
	CHECK(r.id == 0);
	r = classify(400, "POST", "/api/tickets/5/messages",
		     "{\"error\":{\"msg\":\"x\",\"data\":{\"sender\":[\"User not found.\"]}}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "user");
	/* A cached tag id deleted in Gorgias (the fake's and the API's shape). */
	r = classify(400, "POST", "/api/tickets", "{\"tags\":{\"0\":{\"id\":[\"Tag not found.\"]}}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "tag");
	CHECK_STR(r.field, "tags.*.id");
	/* A gone id wins over a refused field in the same answer. */
	r = classify(400, "POST", "/api/tickets",
		     "{\"note\":[\"Unknown field.\"],\"customer\":[\"Customer 7 does not exist.\"]}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK(r.id == 7);
	/* 404: the path names what is gone. */
	r = classify(404, "PUT", "/api/tickets/500123", "{\"error\":{\"msg\":\"Resource not found.\"}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "ticket");
	CHECK(r.id == 500123);
	r = classify(404, "GET", "/api/customers/100002", NULL);
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "customer");
	CHECK(r.id == 100002);
	/* RB2: a 404 on a ticket's path naming another resource is about that one. */
	r = classify(404, "POST", "/api/tickets/500123/messages",
		     "{\"error\":{\"msg\":\"User 77 not found.\"}}");
	CHECK(r.kind == REFUSAL_GONE);
	CHECK_STR(r.what, "user");
	CHECK(r.id == 77);
}

static void test_other(void)
{
	struct refusal r = classify(403, "GET", "/api/customers",
				    "{\"error\":{\"msg\":\"Forbidden: the access token lacks the scope customers:read.\"}}");
	CHECK(r.kind == REFUSAL_SCOPE);
	r = classify(403, "GET", "/api/customers", "{\"error\":{\"msg\":\"Forbidden\"}}");
	CHECK(r.kind == REFUSAL_AUTH);
	r = classify(401, "GET", "/api/customers", "not json");
	CHECK(r.kind == REFUSAL_AUTH);
	r = classify(409, "POST", "/api/customers", "{\"error\":{\"msg\":\"The resource already exists.\"}}");
	CHECK(r.kind == REFUSAL_CONFLICT);
	r = classify(422, "POST", "/api/tickets", "{\"error\":{\"msg\":\"Something else\"}}");
	CHECK(r.kind == REFUSAL_FINAL);
	CHECK(strstr(r.reason, "Something else") != NULL);
	r = classify(400, "POST", "/api/tickets", "<html>bad</html>");
	CHECK(r.kind == REFUSAL_FINAL);
	CHECK(strstr(r.reason, "400") != NULL);
	/* Not refusals: retried later. */
	CHECK(classify(429, "GET", "/api/x", NULL).kind == REFUSAL_NONE);
	CHECK(classify(503, "GET", "/api/x", NULL).kind == REFUSAL_NONE);
	CHECK(classify(201, "GET", "/api/x", "{}").kind == REFUSAL_NONE);
	/* Hostile: deep nesting and long paths stay bounded. */
	{
		char deep[8192] = "";
		for (int i = 0; i < 120; i++)
			strcat(deep, "{\"aaaaaaaaaaaaaaaaaaaa\":");
		strcat(deep, "[\"Unknown field.\"]");
		for (int i = 0; i < 120; i++)
			strcat(deep, "}");
		r = classify(400, "POST", "/api/tickets", deep);
		CHECK(r.kind == REFUSAL_FINAL || r.kind == REFUSAL_FIELD);
	}
}

static void test_degrade(void)
{
	json_t *b = json_loads("{\"note\":\"n\",\"name\":\"x\",\"messages\":[{\"source\":{\"type\":\"sms\"}},"
			       "{\"source\":{\"type\":\"sms\"}}]}", 0, NULL);
	char key[128];

	const struct optional_field note = { "note", NULL, NULL };
	const struct optional_field sms = { "messages.*.source.type", "phone", "sms" };
	const struct optional_field other = { "messages.*.source.type", "x", "internal-note" };

	CHECK(degrade_apply(b, &note) == 1);
	CHECK(json_object_get(b, "note") == NULL);
	CHECK(degrade_apply(b, &note) == 0);
	CHECK(degrade_apply(b, &other) == 0);   /* only where the value matches */
	CHECK(degrade_apply(b, &sms) == 2);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(json_object_get(b, "messages"), 1),
								 "source"), "type")), "phone");
	CHECK(degrade_apply(b, &sms) == 0);
	json_decref(b);
	CHECK(degrade_matches("note", "note"));
	CHECK(!degrade_matches("note", "name"));
	CHECK(!degrade_matches("note", "notes"));
	CHECK(degrade_matches("messages.*.source.type", "messages.*.source"));
	CHECK(degrade_matches("source", "source.type"));
	CHECK(!degrade_matches("note", ""));
	degrade_key("POST", "/api/tickets/500123/messages?x=1", "source.type", key, sizeof key);
	CHECK_STR(key, "POST /api/tickets/{id}/messages source.type");
	degrade_key("POST", "/api/customers", "note", key, sizeof key);
	CHECK_STR(key, "POST /api/customers note");
}

int main(void)
{
	test_degrade();
	test_field();
	test_gone();
	test_other();
	CHECK_DONE("test_refusal");
}
