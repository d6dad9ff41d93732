/* Unit tests of the monotonic merge of one call's events (src/core/call.c):
 * Aircall delivers webhooks late, twice and out of order, and the stored
 * call must come out the same whatever happened on the wire — otherwise a
 * ticket says "missed" for an answered call, or loses an agent's comment
 * (CN4), or a tag the agent removed comes back (TC2). */
#include "check.h"
#include "base/err.h"
#include "core/call.h"

#include <jansson.h>
#include <stdlib.h>

/* Folds one event given as JSON text into stored. */
static int fold(json_t *stored, const char *event, long ts, const char *data_json)
{
	json_t *d = json_loads(data_json, 0, NULL);
	int rc;

	CHECK(d != NULL);
	rc = call_merge(stored, event, ts, d);
	json_decref(d);
	return rc;
}

static const char *field_str(const json_t *stored, const char *key)
{
	return json_string_value(json_object_get(json_object_get(stored, "data"), key));
}

static json_int_t field_int(const json_t *stored, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(stored, "data"), key));
}

static char *dump_data(const json_t *stored)
{
	return json_dumps(json_object_get(stored, "data"), JSON_SORT_KEYS | JSON_COMPACT);
}

/* CT8/CN3: a call.ended that arrives before call.answered must not let the
 * late "answered" status pull the call back from done; the answer moment
 * still arrives and is kept, so the call is not reported missed. */
static void test_status_never_regresses(void)
{
	json_t *s = json_object();
	struct call_facts f;

	CHECK(fold(s, "call.ended", 120, "{\"id\":9,\"status\":\"done\",\"ended_at\":120}") == AG_OK);
	CHECK(fold(s, "call.answered", 20,
		   "{\"id\":9,\"status\":\"answered\",\"answered_at\":20,\"ended_at\":null}") == AG_OK);
	CHECK(fold(s, "call.created", 10, "{\"id\":9,\"status\":\"initial\",\"started_at\":10}") == AG_OK);
	CHECK_STR(field_str(s, "status"), "done");
	CHECK(field_int(s, "ended_at") == 120);      /* a null from an older event erases nothing */
	CHECK(field_int(s, "answered_at") == 20);
	CHECK(field_int(s, "started_at") == 10);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK(call_is_over(&f));
	CHECK(!call_is_missed(&f));
	CHECK(f.seen == (SEEN_CREATED | SEEN_ANSWERED | SEEN_ENDED));
	json_decref(s);

	/* and forwards: answered then done, same result */
	s = json_object();
	CHECK(fold(s, "call.answered", 20, "{\"id\":9,\"status\":\"answered\"}") == AG_OK);
	CHECK(fold(s, "call.ended", 120, "{\"id\":9,\"status\":\"done\"}") == AG_OK);
	CHECK(fold(s, "call.answered", 20, "{\"id\":9,\"status\":\"answered\"}") == AG_OK);
	CHECK_STR(field_str(s, "status"), "done");
	json_decref(s);
}

/* A moment, once known, is never moved by a later (or replayed) event:
 * the note's "answered at" time (CN1) stays the one Aircall first gave. */
static void test_moments_fixed_once_known(void)
{
	json_t *s = json_object();

	CHECK(fold(s, "call.answered", 20, "{\"id\":9,\"answered_at\":20}") == AG_OK);
	CHECK(fold(s, "call.ended", 120, "{\"id\":9,\"answered_at\":25}") == AG_OK);
	CHECK(field_int(s, "answered_at") == 20);
	/* an empty value never fills a moment */
	CHECK(fold(s, "call.ended", 130, "{\"id\":9,\"ended_at\":null}") == AG_OK);
	CHECK(field_int(s, "ended_at") == 0);
	CHECK(fold(s, "call.ended", 130, "{\"id\":9,\"ended_at\":130}") == AG_OK);
	CHECK(field_int(s, "ended_at") == 130);
	json_decref(s);
}

/* CN4: comments accumulate by Aircall comment id, whichever event carried
 * them; a redelivery or an older snapshot never loses or doubles one. */
static void test_comments_accumulate_by_id(void)
{
	json_t *s = json_object(), *c;
	struct call_facts f;

	CHECK(fold(s, "call.commented", 200,
		   "{\"id\":9,\"comments\":[{\"id\":1,\"content\":\"first\",\"posted_at\":150}]}") == AG_OK);
	CHECK(fold(s, "call.commented", 210,
		   "{\"id\":9,\"comments\":[{\"id\":2,\"content\":\"second\",\"posted_at\":205}]}") == AG_OK);
	/* an older event whose snapshot has neither comment */
	CHECK(fold(s, "call.ended", 120, "{\"id\":9,\"comments\":[]}") == AG_OK);
	/* a redelivery, with the first comment edited: the stored one stays */
	CHECK(fold(s, "call.commented", 200,
		   "{\"id\":9,\"comments\":[{\"id\":1,\"content\":\"edited\",\"posted_at\":150}]}") == AG_OK);
	/* a comment without an integer id cannot be deduplicated: not kept */
	CHECK(fold(s, "call.commented", 220,
		   "{\"id\":9,\"comments\":[{\"id\":\"3\",\"content\":\"no id\"},{\"content\":\"x\"}]}") == AG_OK);
	c = json_object_get(json_object_get(s, "data"), "comments");
	CHECK(json_array_size(c) == 2);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK(f.ncomments == 2);
	CHECK(f.ncomments == 2 && f.comments[0].id == 1 && f.comments[1].id == 2);
	CHECK(f.ncomments == 2 && strcmp(f.comments[0].content, "first") == 0);
	CHECK(f.seen & SEEN_COMMENTED);
	json_decref(s);
}

/* The stored comment list is bounded (a token holder cannot grow a row
 * without limit): past CALL_MAX_COMMENTS new ids are dropped. */
static void test_comments_bounded(void)
{
	json_t *s = json_object();
	char text[128];

	for (int i = 1; i <= CALL_MAX_COMMENTS + 10; i++) {
		snprintf(text, sizeof text, "{\"id\":9,\"comments\":[{\"id\":%d,\"content\":\"c\"}]}", i);
		CHECK(fold(s, "call.commented", 200 + i, text) == AG_OK);
	}
	CHECK(json_array_size(json_object_get(json_object_get(s, "data"), "comments")) ==
	      CALL_MAX_COMMENTS);
	json_decref(s);
}

/* TC2: the tag list is a snapshot, the newest one wins — also when it is
 * empty (the agent removed the last tag) — and an older snapshot arriving
 * late does not bring a removed tag back. */
static void test_tags_newest_snapshot(void)
{
	json_t *s = json_object();
	struct call_facts f;

	CHECK(fold(s, "call.tagged", 300, "{\"id\":9,\"tags\":[{\"id\":1,\"name\":\"VIP\"}]}") == AG_OK);
	CHECK(fold(s, "call.untagged", 310, "{\"id\":9,\"tags\":[]}") == AG_OK);
	CHECK(fold(s, "call.tagged", 300, "{\"id\":9,\"tags\":[{\"id\":1,\"name\":\"VIP\"}]}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK(f.ntags == 0);
	CHECK(f.seen & SEEN_TAGGED);
	/* the first snapshot ever seen is kept even when it is older */
	json_decref(s);
	s = json_object();
	CHECK(fold(s, "call.ended", 400, "{\"id\":9,\"status\":\"done\"}") == AG_OK);
	CHECK(fold(s, "call.tagged", 300, "{\"id\":9,\"tags\":[{\"id\":1,\"name\":\"VIP\"}]}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK(f.ntags == 1 && strcmp(f.tags[0], "VIP") == 0);
	json_decref(s);
}

/* Other fields: the newest value wins, an older one only fills a gap, an
 * empty value never erases a known one (the assigned agent, CT7). */
static void test_plain_fields(void)
{
	json_t *s = json_object();

	CHECK(fold(s, "call.assigned", 50, "{\"id\":9,\"assigned_to\":{\"email\":\"new@x.test\"}}") == AG_OK);
	CHECK(fold(s, "call.created", 10,
		   "{\"id\":9,\"assigned_to\":{\"email\":\"old@x.test\"},\"raw_digits\":\"+33 1\"}") == AG_OK);
	CHECK_STR(json_string_value(json_object_get(
			  json_object_get(json_object_get(s, "data"), "assigned_to"), "email")),
		  "new@x.test");
	CHECK_STR(field_str(s, "raw_digits"), "+33 1");   /* older, but filled a gap */
	CHECK(fold(s, "call.hungup", 60, "{\"id\":9,\"assigned_to\":null,\"raw_digits\":{}}") == AG_OK);
	CHECK_STR(json_string_value(json_object_get(
			  json_object_get(json_object_get(s, "data"), "assigned_to"), "email")),
		  "new@x.test");
	CHECK_STR(field_str(s, "raw_digits"), "+33 1");
	/* the stored moment of the newest event is kept */
	CHECK(json_integer_value(json_object_get(s, "ts")) == 60);
	/* "seen" keeps each event's earliest delivery */
	CHECK(fold(s, "call.assigned", 40, "{\"id\":9}") == AG_OK);
	CHECK(json_integer_value(json_object_get(json_object_get(s, "seen"), "call.assigned")) == 40);
	CHECK(fold(s, "call.assigned", 70, "{\"id\":9}") == AG_OK);
	CHECK(json_integer_value(json_object_get(json_object_get(s, "seen"), "call.assigned")) == 40);
	json_decref(s);
}

/* The call read from Aircall's API (moment 0, older than every webhook)
 * fills what the webhooks lacked and overrides nothing they said. */
static void test_fetched_call_fills_gaps(void)
{
	json_t *s = json_object();
	struct call_facts f;

	CHECK(fold(s, "call.ended", 120,
		   "{\"id\":9,\"status\":\"done\",\"missed_call_reason\":\"no_available_agent\"}") == AG_OK);
	CHECK(fold(s, "call.fetched", 0,
		   "{\"id\":9,\"status\":\"answered\",\"missed_call_reason\":\"short_abandoned\","
		   "\"recording\":\"https://r.test/1\"}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK_STR(f.missed_call_reason, "no_available_agent");
	CHECK_STR(f.recording_url, "https://r.test/1");
	CHECK_STR(field_str(s, "status"), "done");
	json_decref(s);
}

/* IVR options (call.ivr_option_selected, or the API's timeline) only
 * accumulate, one object or a list, duplicates once. */
static void test_ivr_accumulates(void)
{
	json_t *s = json_object();
	struct call_facts f;

	CHECK(fold(s, "call.ivr_option_selected", 30,
		   "{\"id\":9,\"ivr_option\":{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"}}") == AG_OK);
	CHECK(fold(s, "call.ivr_option_selected", 30,
		   "{\"id\":9,\"ivr_option\":{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"}}") == AG_OK);
	CHECK(fold(s, "call.fetched", 0,
		   "{\"id\":9,\"ivr_options_selected\":[{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"},"
		   "{\"id\":\"b\",\"title\":\"Billing\",\"key\":\"2\"},7]}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_OK);
	CHECK(f.nivr == 2);
	CHECK(f.nivr == 2 && strcmp(f.ivr[1].title, "Billing") == 0);
	CHECK(call_through_ivr(&f));
	json_decref(s);
}

/* Exhaustive orders of a realistic call's five events, each delivered
 * twice: one stored call. Each event carries the whole call as it was at
 * its moment, as Aircall sends it. */
static void test_every_order_same_call(void)
{
#define CALL_AT(status, answered, ended, duration, user, tags, comments) \
	"{\"id\":9,\"status\":\"" status "\",\"started_at\":10,\"answered_at\":" answered \
	",\"ended_at\":" ended ",\"duration\":" duration ",\"user\":" user ",\"tags\":" tags \
	",\"comments\":" comments "}"
#define AGENT "{\"id\":7,\"email\":\"a@x.test\"}"
#define VIP "{\"id\":1,\"name\":\"VIP\"}"
#define BUG "{\"id\":2,\"name\":\"Bug\"}"
	static const struct { const char *event; long ts; const char *data; } ev[] = {
		{ "call.created", 10, CALL_AT("initial", "null", "null", "0", "null", "[]", "[]") },
		{ "call.answered", 20, CALL_AT("answered", "20", "null", "0", AGENT, "[]", "[]") },
		{ "call.tagged", 40, CALL_AT("answered", "20", "null", "0", AGENT, "[" VIP "]", "[]") },
		{ "call.ended", 120, CALL_AT("done", "20", "120", "100", AGENT, "[" VIP "," BUG "]", "[]") },
		{ "call.commented", 130, CALL_AT("done", "20", "120", "100", AGENT, "[" VIP "," BUG "]",
						 "[{\"id\":5,\"content\":\"x\"}]") },
	};
	int idx[5] = { 0, 1, 2, 3, 4 }, orders = 0, same = 0;
	char *first = NULL;

	/* every permutation (Heap's algorithm, iterative) */
	int c[5] = { 0 }, i = 0;
	for (;;) {
		json_t *s = json_object();
		char *text;

		for (int k = 0; k < 5; k++) {
			CHECK(fold(s, ev[idx[k]].event, ev[idx[k]].ts, ev[idx[k]].data) == AG_OK);
			CHECK(fold(s, ev[idx[(k + 2) % 5]].event, ev[idx[(k + 2) % 5]].ts,
				   ev[idx[(k + 2) % 5]].data) == AG_OK);
		}
		text = dump_data(s);
		if (!first)
			first = text;
		else {
			same += strcmp(text, first) == 0;
			free(text);
		}
		orders++;
		json_decref(s);
		while (i < 5 && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i >= 5)
			break;
		{
			int j = i % 2 ? c[i] : 0, t = idx[j];
			idx[j] = idx[i];
			idx[i] = t;
		}
		c[i]++;
		i = 0;
	}
	CHECK(orders == 120);
	CHECK(same == 119);
	if (same != 119)
		fprintf(stderr, "  %d of 119 orders differ from %s\n", 119 - same, first);
	CHECK(first && strstr(first, "\"status\":\"done\""));
	CHECK(first && strstr(first, "\"Bug\""));
	free(first);
}

static void test_refused_input(void)
{
	json_t *s = json_object(), *d = json_array();
	struct call_facts f;

	CHECK(call_merge(s, "call.created", 1, d) == AG_EINVAL);
	CHECK(call_merge(d, "call.created", 1, s) == AG_EINVAL);
	/* a call without a usable id has no facts (it names no ticket) */
	CHECK(fold(s, "call.created", 1, "{\"status\":\"initial\"}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_EINVAL);
	CHECK(fold(s, "call.created", 1, "{\"id\":-4}") == AG_OK);
	CHECK(call_facts_read(s, &f) == AG_EINVAL);
	json_decref(d);
	json_decref(s);
}

int main(void)
{
	test_status_never_regresses();
	test_moments_fixed_once_known();
	test_comments_accumulate_by_id();
	test_comments_bounded();
	test_tags_newest_snapshot();
	test_plain_fields();
	test_fetched_call_fills_gaps();
	test_ivr_accumulates();
	test_every_order_same_call();
	test_refused_input();
	CHECK_DONE("test_call");
}
