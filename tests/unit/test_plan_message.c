/* Unit tests of the message planner (MT1, MC1-MC7, TM1, CT7, CN5, SU3)
 * and of the one timestamp parser. Each case names the rule it pins. */
#include "check.h"
#include "base/err.h"
#include "core/plan_message.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *msg(const char *dir, const char *extra)
{
	char text[4096];

	snprintf(text, sizeof text,
		 "{\"id\":\"SM1\",\"direction\":\"%s\",\"channel\":null,"
		 "\"external_number\":\"+34 666 44 45 55\",\"body\":\"Hi <b>\",\"status\":\"sent\","
		 "\"created_at\":\"2025-06-01T10:00:00.000Z\",\"media_details\":[],"
		 "\"number\":{\"id\":2001,\"name\":\"Support line\",\"e164_digits\":\"+33176111111\"},"
		 "\"contact\":null%s%s}", dir, extra ? "," : "", extra ? extra : "");
	return json_loads(text, 0, NULL);
}

static const char *posted_none[] = { NULL };

/* A state with everything known: an open conversation. */
static void base(struct msg_state *st, const struct msg_facts *f)
{
	memset(st, 0, sizeof *st);
	st->msg = f;
	st->number_selected = 1;
	st->phone = "+34666444555";
	st->locale = "en";
	st->customer_id = 100001;
	st->customer_name = "Jane Doe";
	st->customer_looked_up = 1;
	st->admin_resolved = 1;
	st->admin_user_id = 1;
	st->ticket_id = 500001;
	st->ticket = TICKET_OPEN;
	st->posted = posted_none;
	st->now = 1748772000; /* 2025-06-01T10:00:00Z */
}

static int64_t ms_of(const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	int64_t ms = -1;

	if (msg_time_parse(v, &ms))
		ms = -1;
	json_decref(v);
	return ms;
}

static void test_time_parser(void)
{
	char iso[32];

	CHECK(ms_of("\"2025-06-01T10:00:00Z\"") == 1748772000000LL);
	CHECK(ms_of("\"2025-06-01T10:00:00.123Z\"") == 1748772000123LL);
	CHECK(ms_of("\"2025-06-01T10:00:00.1234567Z\"") == 1748772000123LL);
	CHECK(ms_of("\"2025-06-01T12:00:00+02:00\"") == 1748772000000LL);
	CHECK(ms_of("\"2025-06-01T05:30:00-0430\"") == 1748772000000LL);
	CHECK(ms_of("\"2025-06-01 10:00:00\"") == 1748772000000LL);   /* no zone = UTC */
	CHECK(ms_of("\"2025-06-01T10:00\"") == 1748772000000LL);
	CHECK(ms_of("1748772000123") == 1748772000123LL);           /* unix ms */
	CHECK(ms_of("1748772000") == 1748772000000LL);              /* unix s */
	CHECK(ms_of("1748772000.5") == 1748772000500LL);
	CHECK(ms_of("\"1748772000123\"") == 1748772000123LL);
	CHECK(ms_of("\"garbage\"") == -1);
	CHECK(ms_of("\"2025-13-01T10:00:00Z\"") == -1);
	CHECK(ms_of("\"2025-06-01T10:00:00Zjunk\"") == -1);
	CHECK(ms_of("\"\"") == -1);
	CHECK(ms_of("null") == -1);
	CHECK(ms_of("-5") == -1);
	CHECK(ms_of("true") == -1);
	/* Beyond int64_t: refused, never converted (undefined behaviour that
	 * -fsanitize=float-cast-overflow reports; found by fuzz_time). */
	CHECK(ms_of("1e300") == -1);
	CHECK(ms_of("\"174748772877200010630\"") == -1);
	CHECK(ms_of("9.3e18") == -1);
	/* After year 9999 the ISO text would overflow msg_time_iso's buffer. */
	CHECK(ms_of("\"0008772004877200010123.5\"") == -1);
	CHECK(ms_of("253402300800000") == -1);
	CHECK(ms_of("253402300799999") == 253402300799999LL);
	msg_time_iso(8772004877200010123LL, iso);
	CHECK_STR(iso, "");
	msg_time_iso(1748772000123LL, iso);
	CHECK_STR(iso, "2025-06-01T10:00:00.123Z");
	msg_time_iso(0, iso);
	CHECK_STR(iso, "");
}

static void test_facts(void)
{
	json_t *d = msg("inbound", "\"sent_at\":1748772005000,\"media_details\":["
				   "{\"file_name\":\"a.jpg\",\"file_type\":\"image/jpeg\",\"presigned_url\":\"https://x/a\"},"
				   "{\"file_name\":\"b\",\"file_type\":\"x\"}]");
	struct msg_facts f;
	char subject[96];

	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	CHECK_STR(f.id, "SM1");
	CHECK(!f.outbound);
	CHECK(f.sent_ms == 1748772005000LL);      /* sent_at first, whatever its format */
	CHECK(f.nmedia == 1);                     /* an entry without a URL is no file */
	CHECK(f.number_id == 2001);
	msg_subject(d, subject, sizeof subject);
	CHECK_STR(subject, "sms:2001:+34666444555");
	json_decref(d);
	/* Only the envelope's second, and beyond year 9999: no time rather
	 * than an overflow (found by fuzz_aircall). */
	d = json_loads("{\"id\":\"SM2\"}", 0, NULL);
	CHECK(msg_facts_read(d, "message.received", 174877201748772000LL, &f) == AG_OK);
	CHECK(f.sent_ms == 0);
	CHECK(msg_facts_read(d, "message.received", 1748772000LL, &f) == AG_OK);
	CHECK(f.sent_ms == 1748772000000LL);
	json_decref(d);
	/* not a phone number (a short code): its digits still key the conversation */
	d = json_loads("{\"id\":\"x\",\"external_number\":\"MyBank 7 2 1\",\"number\":{\"id\":5}}",
		       0, NULL);
	msg_subject(d, subject, sizeof subject);
	CHECK_STR(subject, "sms:5:721");
	json_decref(d);
	d = json_loads("{\"id\":\"x\"}", 0, NULL);
	msg_subject(d, subject, sizeof subject);
	CHECK_STR(subject, "sms:0:unknown");
	json_decref(d);
	/* no time at all in the data: the envelope's, never none (G§9.1) */
	d = json_loads("{\"id\":7,\"direction\":\"outbound\"}", 0, NULL);
	CHECK(msg_facts_read(d, "message.sent", 1748772000, &f) == AG_OK);
	CHECK_STR(f.id, "7");
	CHECK(f.outbound && f.sent_ms == 1748772000000LL);
	json_decref(d);
	d = json_loads("{\"direction\":\"outbound\"}", 0, NULL);
	CHECK(msg_facts_read(d, "message.sent", 0, &f) == AG_EINVAL);
	json_decref(d);
}

static void test_open_conversation_mc3(void)
{
	json_t *d = msg("inbound", NULL);
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;
	const json_t *m;

	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	base(&st, &f);
	CHECK(plan_message(&st, &op) == AG_OK);
	CHECK(op.kind == MSG_OP_ADD_MESSAGE && op.ticket_id == 500001);
	CHECK_STR(op.key, "msg:SM1");
	m = op.body;
	CHECK_STR(json_string_value(json_object_get(m, "channel")), "sms");
	CHECK_STR(json_string_value(json_object_get(m, "via")), "api");
	CHECK(json_is_false(json_object_get(m, "from_agent")));                    /* MC6 */
	CHECK(json_integer_value(json_object_get(json_object_get(m, "sender"), "id")) == 100001);
	CHECK(!json_object_get(m, "receiver"));
	CHECK_STR(json_string_value(json_object_get(m, "sent_datetime")), "2025-06-01T10:00:00.000Z");
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(m, "source"), "from"),
						    "address")), "+34666444555");
	CHECK(strstr(json_string_value(json_object_get(m, "body_html")), "&lt;b&gt;") != NULL);
	msg_op_free(&op);
	/* a redelivery plans nothing */
	{
		const char *done[] = { "msg:SM1" };
		st.posted = done;
		st.nposted = 1;
		CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_NONE);
	}
	json_decref(d);
}

static void test_ticket_state_mc4_mc5(void)
{
	json_t *d = msg("inbound", NULL);
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;

	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	base(&st, &f);
	st.ticket = TICKET_UNCHECKED;                /* Gorgias decides, every run */
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CHECK_TICKET);
	st.ticket = TICKET_CLOSED;
	st.closed_at = 1748772000 - 71 * 3600;       /* MC5: < 72 h → reopen */
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_REOPEN);
	CHECK_STR(json_string_value(json_object_get(op.body, "status")), "open");
	msg_op_free(&op);
	st.closed_at = 1748772000 - 72 * 3600;       /* exactly 72 h: not less → new */
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_TICKET);
	msg_op_free(&op);
	st.closed_at = 0;                            /* closed, time unknown: new */
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_TICKET);
	msg_op_free(&op);
	/* MC4: spam or trashed is the shell's TICKET_UNUSABLE with no ticket id */
	st.ticket = TICKET_UNUSABLE;
	st.ticket_id = 0;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_TICKET);
	msg_op_free(&op);
	json_decref(d);
}

static void test_new_ticket_mt1_tm1(void)
{
	json_t *d = msg("outbound", "\"user\":{\"email\":\"ana@example.com\"}");
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;
	const json_t *m, *tags;

	CHECK(msg_facts_read(d, "message.sent", 0, &f) == AG_OK);
	base(&st, &f);
	st.ticket_id = 0;
	st.ticket = TICKET_UNCHECKED;
	/* CT7/MC6: the agent is looked up first */
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_RESOLVE_AGENT);
	CHECK_STR(op.email, "ana@example.com");
	st.agent_resolved = 1;
	st.agent_user_id = 7;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_TICKET);
	CHECK_STR(json_string_value(json_object_get(op.body, "subject")), "SMS conversation with Jane Doe");
	CHECK_STR(json_string_value(json_object_get(op.body, "channel")), "sms");
	tags = json_object_get(op.body, "tags");
	CHECK(json_array_size(tags) == 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(tags, 0), "name")), "Aircall SMS");
	CHECK_STR(json_string_value(json_object_get(json_array_get(tags, 1), "name")), "Support line");
	CHECK(json_integer_value(json_object_get(json_object_get(op.body, "assignee_user"), "id")) == 7);
	m = json_array_get(json_object_get(op.body, "messages"), 0);
	CHECK(json_is_true(json_object_get(m, "from_agent")));
	CHECK(json_integer_value(json_object_get(json_object_get(m, "sender"), "id")) == 7);
	CHECK(json_integer_value(json_object_get(json_object_get(m, "receiver"), "id")) == 100001);
	CHECK(json_string_value(json_object_get(m, "sent_datetime")) != NULL);
	msg_op_free(&op);
	/* CN5: no match → the first admin authors it, nobody is assigned */
	st.agent_user_id = 0;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_TICKET);
	m = json_array_get(json_object_get(op.body, "messages"), 0);
	CHECK(json_integer_value(json_object_get(json_object_get(m, "sender"), "id")) == 1);
	CHECK(!json_object_get(op.body, "assignee_user"));
	msg_op_free(&op);
	/* TS4: nobody at all to author an outbound message */
	st.admin_user_id = 0;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_SKIP);
	json_decref(d);
}

static void test_customer_ct4(void)
{
	json_t *d = msg("inbound", NULL);
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;

	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	base(&st, &f);
	st.ticket_id = 0;
	st.customer_id = 0;
	st.customer_looked_up = 0;
	st.placeholder_digits = "12345678";
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_FIND_CUSTOMER);
	st.customer_looked_up = 1;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_CREATE_CUSTOMER);
	CHECK_STR(json_string_value(json_object_get(op.body, "name")), "Aircall New Contact +34666444555");
	CHECK_STR(json_string_value(json_object_get(op.body, "email")), "12345678@aircall.io");
	msg_op_free(&op);
	json_decref(d);
}

/* A long file name is cut (at a character boundary) and then escaped:
 * the HTML never holds half an entity or half a character, and says what
 * the text says. */
static void test_media_names_cut_then_escaped(void)
{
	char name[400], extra[700];
	json_t *d, *ups = json_object();
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;
	const char *html, *text;

	/* 118 bytes, then "&" (5 bytes escaped) and "é" (2 bytes) across the
	 * 120-byte cut, then more */
	memset(name, 'a', 118);
	snprintf(name + 118, sizeof name - 118, "&\xc3\xa9<b>zzzz");
	snprintf(extra, sizeof extra, "\"media_details\":[{\"file_name\":\"%s\","
		 "\"file_type\":\"audio/amr\",\"presigned_url\":\"https://m/c\"}]", name);
	d = msg("inbound", extra);
	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	base(&st, &f);
	st.uploads = ups;
	json_object_set_new(ups, "0", json_pack("{s:s}", "link", "linked"));
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_ADD_MESSAGE);
	html = json_string_value(json_object_get(op.body, "body_html"));
	text = json_string_value(json_object_get(op.body, "body_text"));
	CHECK(html && strstr(html, "aaaa&amp;</a>") != NULL);   /* whole entity, é dropped */
	CHECK(html && !strstr(html, "zzzz") && !strstr(html, "\xc3<"));
	CHECK(text && strstr(text, "aaaa& (audio/amr") != NULL);
	msg_op_free(&op);
	json_decref(ups);
	json_decref(d);
}

static void test_media_mc7(void)
{
	json_t *d = msg("inbound", "\"media_details\":["
		"{\"file_name\":\"a.jpg\",\"file_type\":\"image/jpeg\",\"presigned_url\":\"https://m/a\"},"
		"{\"file_name\":\"b.pdf\",\"file_type\":\"application/pdf\",\"presigned_url\":\"https://m/b\"},"
		"{\"file_name\":\"c.amr\",\"file_type\":\"audio/amr\",\"presigned_url\":\"https://m/c\"}]");
	json_t *ups = json_object();
	struct msg_facts f;
	struct msg_state st;
	struct msg_op op;
	const json_t *m;

	CHECK(msg_facts_read(d, "message.received", 0, &f) == AG_OK);
	base(&st, &f);
	st.uploads = ups;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_UPLOAD && op.media_index == 0);
	json_object_set_new(ups, "0", json_pack("{s:{s:s}}", "attachment", "url", "https://g/a"));
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_UPLOAD && op.media_index == 1);
	json_object_set_new(ups, "1", json_pack("{s:s}", "link", "too large to upload"));
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_ADD_MESSAGE);
	m = op.body;
	CHECK(json_array_size(json_object_get(m, "attachments")) == 1);
	CHECK(strstr(json_string_value(json_object_get(m, "body_text")), "https://m/c") != NULL);
	CHECK(strstr(json_string_value(json_object_get(m, "body_text")), "too large") != NULL);
	CHECK(strstr(json_string_value(json_object_get(m, "body_text")), "https://m/a") == NULL);
	msg_op_free(&op);
	CHECK(msg_media_uploadable("image/png") && msg_media_uploadable("APPLICATION/PDF"));
	CHECK(!msg_media_uploadable("video/mp4") && !msg_media_uploadable(NULL));
	json_decref(ups);
	json_decref(d);
	test_media_names_cut_then_escaped();
}

static void test_status_su3_order(void)
{
	json_t *d = msg("outbound", NULL), *e;
	struct msg_facts f, g;
	struct msg_state st;
	struct msg_op op;

	CHECK(msg_facts_read(d, "message.status_updated", 0, &f) == AG_OK);
	base(&st, &f);
	f.status = "delivered";
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_SKIP);
	f.status = "failed";
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_FAILURE_NOTE);
	CHECK_STR(json_string_value(json_object_get(op.body, "channel")), "internal-note");
	CHECK_STR(op.key, "fail:SM1");
	msg_op_free(&op);
	/* SU3 */
	st.number_selected = 0;
	CHECK(plan_message(&st, &op) == AG_OK && op.kind == MSG_OP_SKIP);
	CHECK(strstr(op.reason, "SU3") != NULL);
	/* conversation order: own time, then id */
	e = msg("inbound", "\"id\":\"SM0\"");
	json_object_set_new(e, "id", json_string("SM0"));
	CHECK(msg_facts_read(d, "message.sent", 0, &f) == AG_OK);
	CHECK(msg_facts_read(e, "message.received", 0, &g) == AG_OK);
	CHECK(msg_order_cmp(&g, &f) < 0);
	g.sent_ms += 1;
	CHECK(msg_order_cmp(&g, &f) > 0);
	json_decref(e);
	json_decref(d);
}

int main(void)
{
	test_time_parser();
	test_facts();
	test_open_conversation_mc3();
	test_ticket_state_mc4_mc5();
	test_new_ticket_mt1_tm1();
	test_customer_ct4();
	test_media_mc7();
	test_status_su3_order();
	CHECK_DONE("test_plan_message");
}
