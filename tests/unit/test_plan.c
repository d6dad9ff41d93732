/* Unit tests of the pure core: call merging and the planner. Each case
 * names the SPEC rule it pins down. */
#include "core/call.h"
#include "check.h"
#include "base/err.h"
#include "core/plan_call.h"

#include <jansson.h>
#include <stdlib.h>

static const char *USER = "{\"id\":7,\"name\":\"Ana Agent\",\"email\":\"Ana@Shop.test\"}";
static const char *NUMBER = "{\"id\":501,\"name\":\"Support line\",\"digits\":\"+33 1 23 45 67 89\"}";

/* A call event's data as Aircall sends it. */
static json_t *data(const char *status, long started, long answered, long ended, const char *extra)
{
	char text[4096];
	json_t *d;

	snprintf(text, sizeof text,
		 "{\"id\":123,\"direction\":\"inbound\",\"status\":\"%s\",\"started_at\":%ld,"
		 "\"answered_at\":%s,\"ended_at\":%s,\"duration\":%ld,\"raw_digits\":\"+34 666 44 45 55\","
		 "\"user\":%s,\"number\":%s,\"contact\":null,\"teams\":[{\"id\":1,\"name\":\"Level 1\"}],"
		 "\"tags\":[],\"comments\":[]%s%s}",
		 status, started, answered ? "0" : "null", ended ? "0" : "null", ended ? ended - started : 0,
		 answered || strcmp(status, "initial") ? USER : "{}", NUMBER, extra ? "," : "",
		 extra ? extra : "");
	d = json_loads(text, 0, NULL);
	if (answered)
		json_object_set_new(d, "answered_at", json_integer(answered));
	if (ended)
		json_object_set_new(d, "ended_at", json_integer(ended));
	return d;
}

static void merge(json_t *stored, const char *event, long ts, json_t *d)
{
	CHECK(call_merge(stored, event, ts, d) == AG_OK);
	json_decref(d);
}

struct fixture {
	json_t *stored;
	struct call_facts f;
	struct call_state st;
	struct plan_settings ps;
	struct op op;
};

static void fx_init(struct fixture *x)
{
	memset(x, 0, sizeof *x);
	x->stored = json_object();
	x->ps.locale = "en";
	x->ps.time_zone = "Europe/Berlin";
	x->ps.dashboard_url = "https://dashboard.aircall.io";
	x->ps.account_url = "https://acme.gorgias.com";
	x->st.number_selected = 1;
	x->st.phone = "+34666444555";
	x->st.placeholder_digits = "48213377";
}

static enum op_kind fx_plan(struct fixture *x)
{
	op_free(&x->op);
	CHECK(call_facts_read(x->stored, &x->f) == AG_OK);
	x->st.call = &x->f;
	CHECK(plan_call(&x->st, &x->ps, &x->op) == AG_OK);
	return x->op.kind;
}

static void fx_free(struct fixture *x)
{
	op_free(&x->op);
	json_decref(x->stored);
}

static int has_key(const struct op *op, const char *key)
{
	for (size_t i = 0; i < op->nkeys; i++)
		if (strcmp(op->keys[i], key) == 0)
			return 1;
	return 0;
}

static int has_tag(const json_t *tags, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tags, i, t) {
		const char *n = json_is_string(t) ? json_string_value(t)
						 : json_string_value(json_object_get(t, "name"));
		if (n && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

static void test_unselected_number(void)
{
	struct fixture x;

	fx_init(&x);
	merge(x.stored, "call.ended", 100, data("done", 10, 20, 90, NULL));
	x.st.number_selected = 0;
	CHECK(fx_plan(&x) == OP_SKIP); /* SU3 */
	fx_free(&x);
}

/* A call.created whose number is {} (the published sample): the call is
 * read from Aircall before SU3 is decided, so the card still shows. */
static void test_number_unknown_fetched_first(void)
{
	struct fixture x;
	json_t *d = data("initial", 10, 0, 0, NULL);

	fx_init(&x);
	json_object_set_new(d, "number", json_object());
	merge(x.stored, "call.created", 10, d);
	x.st.number_selected = 0;
	CHECK(fx_plan(&x) == OP_FETCH_CALL);
	CHECK(x.op.timeline == 1);
	/* Fetched: the REST call fills the number without undoing anything. */
	merge(x.stored, "call.fetched", 0, json_loads(
		"{\"id\":123,\"status\":\"initial\",\"number\":{\"id\":501,\"name\":\"Support line\"}}",
		0, NULL));
	x.st.call_fetched = x.st.timeline_fetched = 1;
	x.st.number_selected = 1;
	CHECK(fx_plan(&x) == OP_INSIGHT_CARD);
	CHECK(x.f.number_id == 501);
	/* Aircall would not give it: SU3 decides on what is known. */
	fx_free(&x);
	fx_init(&x);
	d = data("initial", 10, 0, 0, NULL);
	json_object_set_new(d, "number", json_object());
	merge(x.stored, "call.created", 10, d);
	x.st.call_fetched = 1;
	x.st.number_selected = 0;
	CHECK(fx_plan(&x) == OP_SKIP);
	fx_free(&x);
}

/* CN1: IVR options come from the call's timeline, fetched once and only
 * for a call that went through an IVR; call.ivr_option_selected events
 * bring them too, and merge without duplicates. */
static void test_ivr_options(void)
{
	struct fixture x;
	json_t *d;

	fx_init(&x);
	merge(x.stored, "call.ended", 100, data("done", 10, 20, 90, NULL));
	x.st.agent_resolved = x.st.admin_resolved = 1;
	x.st.agent_user_id = 7;
	x.st.customer_id = 3;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);  /* no IVR: no Aircall request */
	fx_free(&x);

	fx_init(&x);
	d = data("done", 10, 20, 90, NULL);
	json_object_set_new(json_object_get(d, "number"), "is_ivr", json_true());
	merge(x.stored, "call.ended", 100, d);
	x.st.customer_id = 3;
	CHECK(fx_plan(&x) == OP_FETCH_CALL);
	CHECK(x.op.timeline == 1);
	merge(x.stored, "call.fetched", 0, json_loads(
		"{\"id\":123,\"ivr_options_selected\":[{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"}]}",
		0, NULL));
	x.st.timeline_fetched = 1;
	x.st.agent_resolved = x.st.admin_resolved = 1;
	x.st.agent_user_id = 7;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);
	CHECK(x.f.nivr == 1);
	{
		char *body = json_dumps(x.op.body, 0);
		CHECK(body && strstr(body, "Sales (key 1)") != NULL);   /* in the answered note */
		free(body);
	}
	fx_free(&x);

	/* The event form: options arrive with call.ivr_option_selected; no fetch. */
	fx_init(&x);
	merge(x.stored, "call.ivr_option_selected", 15, json_loads(
		"{\"id\":123,\"ivr_options_selected\":[{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"}]}",
		0, NULL));
	merge(x.stored, "call.ivr_option_selected", 16, json_loads(
		"{\"id\":123,\"ivr_options_selected\":[{\"id\":\"a\",\"title\":\"Sales\",\"key\":\"1\"},"
		"{\"id\":\"b\",\"title\":\"Returns\",\"key\":\"2\"}]}", 0, NULL));
	merge(x.stored, "call.ended", 100, data("done", 10, 20, 90, NULL));
	x.st.customer_id = 3;
	x.st.agent_resolved = x.st.admin_resolved = 1;
	x.st.agent_user_id = 7;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);
	CHECK(x.f.nivr == 2);
	CHECK(call_through_ivr(&x.f));
	fx_free(&x);
}

static void test_card_first(void)
{
	struct fixture x;

	fx_init(&x);
	merge(x.stored, "call.created", 10, data("initial", 10, 0, 0, NULL));
	CHECK(fx_plan(&x) == OP_INSIGHT_CARD); /* IC1 */
	CHECK(has_key(&x.op, "card"));
	/* Nothing else is owed while the call only rings (CT1). */
	const char *posted[] = { "card" };
	x.st.posted = posted;
	x.st.nposted = 1;
	CHECK(fx_plan(&x) == OP_NONE);
	/* A call answered before its created event was processed: no card. */
	merge(x.stored, "call.answered", 20, data("answered", 10, 20, 0, NULL));
	x.st.nposted = 0;
	CHECK(fx_plan(&x) != OP_INSIGHT_CARD);
	fx_free(&x);
}

static void test_answered_flow(void)
{
	struct fixture x;
	const json_t *body, *msgs, *note;

	fx_init(&x);
	merge(x.stored, "call.answered", 20, data("answered", 10, 20, 0, NULL));
	CHECK(fx_plan(&x) == OP_RESOLVE_AGENT); /* CT7 */
	CHECK_STR(x.op.email, "Ana@Shop.test");
	x.st.agent_resolved = 1;
	x.st.agent_user_id = 7;
	CHECK(fx_plan(&x) == OP_FIND_CUSTOMER); /* CT2 */
	x.st.customer_looked_up = 1;
	CHECK(fx_plan(&x) == OP_CREATE_CUSTOMER); /* CT4 */
	body = x.op.body;
	CHECK_STR(json_string_value(json_object_get(body, "name")), "Aircall New Contact +34666444555");
	CHECK_STR(json_string_value(json_object_get(body, "email")), "48213377@aircall.io");
	CHECK(json_string_value(json_object_get(body, "note")) != NULL); /* CS1 */
	x.st.customer_id = 3924;
	x.st.customer_name = "Jane Doe";
	CHECK(fx_plan(&x) == OP_CREATE_TICKET); /* CT1 */
	body = x.op.body;
	CHECK_STR(json_string_value(json_object_get(body, "subject")), "Inbound call: Jane Doe"); /* CT5 */
	CHECK_STR(json_string_value(json_object_get(body, "channel")), "phone"); /* CT6 */
	CHECK_STR(json_string_value(json_object_get(body, "status")), "open");
	CHECK(json_integer_value(json_object_get(json_object_get(body, "assignee_user"), "id")) == 7);
	CHECK(has_tag(json_object_get(body, "tags"), "Aircall")); /* TC1 */
	CHECK(has_tag(json_object_get(body, "tags"), "Inbound call"));
	CHECK(has_tag(json_object_get(body, "tags"), "Support line")); /* TC2 number name */
	CHECK(has_tag(json_object_get(body, "tags"), "Level 1"));      /* TC2 team */
	CHECK(!has_tag(json_object_get(body, "tags"), "Missed call"));
	msgs = json_object_get(body, "messages");
	CHECK(json_array_size(msgs) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "channel")), "phone");
	CHECK(json_object_get(json_array_get(msgs, 0), "sent_datetime") != NULL);
	note = json_array_get(msgs, 1);
	CHECK_STR(json_string_value(json_object_get(note, "channel")), "internal-note"); /* CN1 */
	CHECK(json_integer_value(json_object_get(json_object_get(note, "sender"), "id")) == 7); /* CN5 */
	CHECK(has_key(&x.op, "ticket") && has_key(&x.op, "note:answered"));
	CHECK(!has_key(&x.op, "status:open"));

	/* The call ends: the ended note, then the status (CN2, CT8). */
	merge(x.stored, "call.ended", 120, data("done", 10, 20, 90, NULL));
	x.st.ticket_id = 77;
	const char *posted[8] = { "ticket", "note:answered", "tag:Aircall", "tag:Inbound call",
				  "tag:Support line", "tag:Level 1" };
	x.st.posted = posted;
	x.st.nposted = 6;
	CHECK(fx_plan(&x) == OP_ADD_MESSAGE); /* CN2 */
	CHECK(has_key(&x.op, "note:ended"));
	CHECK(x.op.ticket_id == 77);
	posted[x.st.nposted++] = "note:ended";
	CHECK(fx_plan(&x) == OP_UPDATE_TICKET); /* CT8 */
	CHECK_STR(json_string_value(json_object_get(x.op.body, "status")), "open");
	posted[x.st.nposted++] = "status:open";
	CHECK(fx_plan(&x) == OP_NONE); /* idempotent: nothing left */
	fx_free(&x);
}

static void test_ended_folds_into_creation(void)
{
	struct fixture x;
	const json_t *msgs;

	fx_init(&x);
	merge(x.stored, "call.ended", 120, data("done", 10, 20, 90, NULL));
	x.st.agent_resolved = 1;
	x.st.agent_user_id = 7;
	x.st.customer_id = 3924;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);
	msgs = json_object_get(x.op.body, "messages");
	/* One request: phone message, answered note and ended note. */
	CHECK(json_array_size(msgs) == 3);
	CHECK(has_key(&x.op, "note:ended") && has_key(&x.op, "status:open"));
	fx_free(&x);
}

static void test_missed_call(void)
{
	struct fixture x;
	const json_t *msgs;

	fx_init(&x);
	merge(x.stored, "call.ended", 60,
	      data("done", 10, 0, 40, "\"missed_call_reason\":\"no_available_agent\""));
	x.st.agent_resolved = 1;
	CHECK(fx_plan(&x) == OP_RESOLVE_ADMIN); /* CN5: no agent match */
	x.st.admin_resolved = 1;
	x.st.admin_user_id = 1;
	x.st.customer_id = 3924;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET); /* CT1 missed */
	CHECK(has_tag(json_object_get(x.op.body, "tags"), "Missed call")); /* TC2 */
	CHECK(json_object_get(x.op.body, "assignee_user") == NULL);       /* TS2 */
	msgs = json_object_get(x.op.body, "messages");
	CHECK(json_array_size(msgs) == 2); /* CN3: one merged note */
	CHECK(json_integer_value(json_object_get(json_object_get(json_array_get(msgs, 1), "sender"),
						 "id")) == 1); /* TS3 */
	CHECK(has_key(&x.op, "note:missed") && !has_key(&x.op, "note:answered"));
	fx_free(&x);
}

static void test_hidden_number_shares_one_customer(void)
{
	struct fixture x;

	fx_init(&x);
	merge(x.stored, "call.ended", 60, data("done", 10, 0, 40, NULL));
	x.st.phone = NULL; /* "anonymous" */
	x.st.agent_resolved = 1;
	x.st.admin_resolved = 1;
	x.st.admin_user_id = 1;
	CHECK(fx_plan(&x) == OP_CREATE_CUSTOMER); /* CT4 without a number: no lookup */
	CHECK_STR(json_string_value(json_object_get(x.op.body, "email")), "hidden-number@aircall.io");
	CHECK_STR(json_string_value(json_object_get(x.op.body, "name")),
		  "Aircall New Contact (hidden number)");
	fx_free(&x);
}

static void test_no_author(void)
{
	struct fixture x;

	fx_init(&x);
	merge(x.stored, "call.ended", 60, data("done", 10, 0, 40, NULL));
	x.st.agent_resolved = 1;
	x.st.admin_resolved = 1;
	CHECK(fx_plan(&x) == OP_SKIP); /* TS4 */
	CHECK(x.op.reason && strstr(x.op.reason, "TS4"));
	fx_free(&x);
}

static void test_comments_and_tags(void)
{
	struct fixture x;
	const char *posted[16] = { "ticket", "note:answered", "note:ended", "status:open",
				   "tag:Aircall", "tag:Inbound call", "tag:Support line", "tag:Level 1" };

	fx_init(&x);
	merge(x.stored, "call.ended", 120, data("done", 10, 20, 90, NULL));
	merge(x.stored, "call.commented", 130, data("done", 10, 20, 90,
	      "\"comments\":[{\"id\":735,\"content\":\"Call back tomorrow\",\"posted_at\":125}]"));
	x.st.agent_resolved = 1;
	x.st.agent_user_id = 7;
	x.st.customer_id = 3924;
	x.st.ticket_id = 77;
	x.st.posted = posted;
	x.st.nposted = 8;
	CHECK(fx_plan(&x) == OP_ADD_MESSAGE); /* CN4 */
	CHECK(has_key(&x.op, "comment:735"));
	posted[x.st.nposted++] = "comment:735";
	CHECK(fx_plan(&x) == OP_NONE); /* never repeated */

	/* TC2: an agent tag added in Aircall, then removed. */
	merge(x.stored, "call.tagged", 140,
	      data("done", 10, 20, 90, "\"tags\":[{\"id\":1,\"name\":\"VIP\"}]"));
	CHECK(fx_plan(&x) == OP_ADD_TAGS);
	CHECK(has_tag(json_object_get(x.op.body, "names"), "VIP"));
	CHECK(!has_tag(json_object_get(x.op.body, "names"), "Aircall"));
	posted[x.st.nposted++] = "tag:VIP";
	CHECK(fx_plan(&x) == OP_NONE);
	merge(x.stored, "call.untagged", 150, data("done", 10, 20, 90, "\"tags\":[]"));
	CHECK(fx_plan(&x) == OP_REMOVE_TAGS);
	CHECK(has_tag(json_object_get(x.op.body, "names"), "VIP"));
	CHECK(json_array_size(json_object_get(x.op.body, "names")) == 1);
	/* An older tagged event arriving late does not bring VIP back. */
	merge(x.stored, "call.tagged", 140,
	      data("done", 10, 20, 90, "\"tags\":[{\"id\":1,\"name\":\"VIP\"}]"));
	CHECK(fx_plan(&x) == OP_REMOVE_TAGS);
	fx_free(&x);
}

static void test_voicemail_rides_on_ticket(void)
{
	struct fixture x;
	json_t *uploads;

	fx_init(&x);
	merge(x.stored, "call.ended", 60,
	      data("done", 10, 0, 40, "\"voicemail\":\"https://media.example/vm.mp3\""));
	x.st.agent_resolved = 1;
	x.st.admin_resolved = 1;
	x.st.admin_user_id = 1;
	x.st.customer_id = 3924;
	CHECK(fx_plan(&x) == OP_UPLOAD_MEDIA); /* CN4: the voicemail first */
	CHECK_STR(x.op.media_kind, "voicemail");
	uploads = json_pack("{s:{s:{s:s, s:s, s:s, s:i}}}", "voicemail", "attachment", "url",
			    "https://files.example/vm.mp3", "name", "voicemail-123.mp3",
			    "content_type", "audio/mpeg", "size", 1000);
	x.st.uploads = uploads;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);
	CHECK(has_tag(json_object_get(x.op.body, "tags"), "Voicemail")); /* TC2 */
	CHECK(has_key(&x.op, "media:voicemail"));
	CHECK(json_array_size(json_object_get(json_array_get(json_object_get(x.op.body, "messages"), 1),
					      "attachments")) == 1);
	json_decref(uploads);
	fx_free(&x);
}

static void test_callback_tags(void)
{
	struct fixture x;

	fx_init(&x);
	merge(x.stored, "call.ended", 120,
	      data("done", 10, 20, 90, "\"automatic_callback_call_id\":99"));
	x.st.agent_resolved = 1;
	x.st.agent_user_id = 7;
	x.st.customer_id = 3924;
	CHECK(fx_plan(&x) == OP_CREATE_TICKET);
	CHECK(has_tag(json_object_get(x.op.body, "tags"), "Called back")); /* TC2 */
	x.st.ticket_id = 80;
	x.st.callback_ticket_id = 70;
	const char *posted[16] = { "ticket", "note:answered", "note:ended", "status:open",
				   "tag:Aircall", "tag:Inbound call", "tag:Support line", "tag:Level 1",
				   "tag:Called back" };
	x.st.posted = posted;
	x.st.nposted = 9;
	CHECK(fx_plan(&x) == OP_ADD_TAGS);
	CHECK(x.op.ticket_id == 70);
	CHECK(has_tag(json_object_get(x.op.body, "names"), "Callback request"));
	fx_free(&x);
}

static void test_assigned_in_aircall(void)
{
	struct fixture x;
	const char *posted[16] = { "ticket", "note:answered", "note:ended", "status:open", "assign:7",
				   "tag:Aircall", "tag:Inbound call", "tag:Support line", "tag:Level 1" };

	fx_init(&x);
	merge(x.stored, "call.ended", 120, data("done", 10, 20, 90, NULL));
	merge(x.stored, "call.assigned", 160, data("done", 10, 20, 90,
	      "\"assigned_to\":{\"id\":9,\"name\":\"Bo\",\"email\":\"bo@shop.test\"}"));
	x.st.agent_resolved = 1;
	x.st.agent_user_id = 7;
	x.st.customer_id = 3924;
	x.st.ticket_id = 77;
	x.st.posted = posted;
	x.st.nposted = 9;
	CHECK(fx_plan(&x) == OP_RESOLVE_ASSIGNEE);
	CHECK_STR(x.op.email, "bo@shop.test");
	x.st.assignee_resolved = 1;
	x.st.assignee_user_id = 12;
	CHECK(fx_plan(&x) == OP_UPDATE_TICKET);
	CHECK(json_integer_value(json_object_get(json_object_get(x.op.body, "assignee_user"), "id")) == 12);
	CHECK(has_key(&x.op, "assign:12"));
	posted[x.st.nposted++] = "assign:12";
	CHECK(fx_plan(&x) == OP_NONE);
	/* No Gorgias user with that email: the ticket stays as it was (TS2). */
	x.st.assignee_user_id = 0;
	x.st.nposted--;
	CHECK(fx_plan(&x) == OP_NONE);
	fx_free(&x);
}

/* Any order of the same events gives the same merged call. */
static void test_merge_order(void)
{
	const char *events[] = { "call.created", "call.answered", "call.hungup", "call.ended",
				 "call.commented" };
	long ts[] = { 10, 20, 90, 120, 130 };
	char *first = NULL;
	int perms = 0;

	for (int a = 0; a < 5; a++)
		for (int b = 0; b < 5; b++) {
			int order[5], n = 0;
			json_t *stored;
			char *text;

			if (a == b)
				continue;
			stored = json_object();
			order[n++] = a;
			order[n++] = b;
			for (int c = 0; c < 5; c++)
				if (c != a && c != b)
					order[n++] = c;
			for (int i = 0; i < 5; i++) {
				int e = order[i];
				json_t *d;
				if (e == 0)
					d = data("initial", 10, 0, 0, NULL);
				else if (e == 1)
					d = data("answered", 10, 20, 0, NULL);
				else if (e == 4)
					d = data("done", 10, 20, 90, "\"comments\":[{\"id\":1,\"content\":\"x\",\"posted_at\":125}]");
				else
					d = data("done", 10, 20, 90, NULL);
				merge(stored, events[e], ts[e], d);
				/* and a duplicate delivery of the same event */
				if (i == 2)
					merge(stored, events[e], ts[e], e == 0 ? data("initial", 10, 0, 0, NULL)
									       : data("done", 10, 20, 90, NULL));
			}
			text = json_dumps(json_object_get(stored, "data"), JSON_SORT_KEYS | JSON_COMPACT);
			if (!first)
				first = text;
			else {
				CHECK_STR(text, first);
				free(text);
			}
			perms++;
			json_decref(stored);
		}
	CHECK(perms == 20);
	free(first);
}

int main(void)
{
	test_unselected_number();
	test_card_first();
	test_number_unknown_fetched_first();
	test_ivr_options();
	test_answered_flow();
	test_ended_folds_into_creation();
	test_missed_call();
	test_hidden_number_shares_one_customer();
	test_no_author();
	test_comments_and_tags();
	test_voicemail_rides_on_ticket();
	test_callback_tags();
	test_assigned_in_aircall();
	test_merge_order();
	CHECK_DONE("test_plan");
}
