/* The two-way SMS planner (docs/two-way-sms.md, issue "two-way SMS"):
 * which Gorgias messages go out, as which parts, and what Gorgias hears. */
#include "check.h"
#include "base/err.h"
#include "core/plan_reply.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *agent_reply(const char *text)
{
	return json_pack("{s:I, s:b, s:b, s:s, s:s, s:n, s:n, s:s, s:{s:I, s:s}, s:[]}",
			 "id", (json_int_t)9000007, "from_agent", 1, "public", 1, "channel", "sms",
			 "via", "helpdesk", "sent_datetime", "failed_datetime", "body_text", text,
			 "sender", "id", (json_int_t)7, "email", "ana@example.com", "attachments");
}

/* A state where everything allows sending: conversation, selected line,
 * no opt-out, agent looked up, nothing recorded. */
static void ready(struct reply_state *st, const struct reply_msg *m, struct reply_record *rec)
{
	memset(st, 0, sizeof *st);
	memset(rec, 0, sizeof *rec);
	st->msg = m;
	st->conversation = 1;
	st->number_selected = 1;
	st->rec = rec;
	st->nparts = 1;
	st->user_resolved = 1;
	st->locale = "en";
}

static enum reply_op_kind plan(const struct reply_state *st, struct reply_op *op)
{
	CHECK(plan_reply(st, op) == AG_OK);
	return op->kind;
}

static void test_read(void)
{
	json_t *j = agent_reply("Hello");
	struct reply_msg m;

	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(m.id == 9000007 && m.from_agent && m.is_public && !m.sent && !m.failed);
	CHECK_STR(m.channel, "sms");
	CHECK(m.sender_id == 7);
	CHECK_STR(m.sender_email, "ana@example.com");
	json_object_set_new(j, "sent_datetime", json_string("2026-12-02T07:00:00"));
	json_object_set_new(j, "public", json_false());
	json_object_set_new(j, "attachments", json_pack("[{s:s}, {s:s}]", "url",
		"https://cdn.example.test/a.pdf", "url", "javascript:alert(1)"));
	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(m.sent && !m.is_public);
	CHECK(m.nattach == 1);          /* only an absolute http(s) link is sent */
	json_object_del(j, "id");
	CHECK(reply_msg_read(j, &m) == AG_EINVAL);
	json_decref(j);
}

static void test_opt_words(void)
{
	static const char *const out[] = { "STOP", "stop", " Stop. ", "STOPP", "Stopp!", "ABMELDEN",
					   "abbestellen", "UNSUBSCRIBE", "Cancel", "ende" };
	static const char *const in[] = { "START", "start", "Anmelden", "UNSTOP" };
	static const char *const neither[] = { "", "please stop", "STOP sending me this", "stopped",
					       "Hello", "STARTED", "stop stop" };
	int o;

	for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
		CHECK(reply_opt_word(out[i], &o) == 1);
		CHECK(o == 1);
	}
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		CHECK(reply_opt_word(in[i], &o) == 1);
		CHECK(o == 0);
	}
	for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++)
		CHECK(reply_opt_word(neither[i], &o) == 0);
	CHECK(reply_opt_word(NULL, &o) == 0);
}

static void test_what_is_never_sent(void)
{
	json_t *j = agent_reply("Hi");
	struct reply_msg m;
	struct reply_record rec;
	struct reply_state st;
	struct reply_op op;

	CHECK(reply_msg_read(j, &m) == AG_OK);
	ready(&st, &m, &rec);
	CHECK(plan(&st, &op) == REPLY_OP_SEND && op.part == 0);
	m.is_public = 0;                              /* an internal note */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	m.is_public = 1;
	m.from_agent = 0;                             /* the customer's */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	m.from_agent = 1;
	m.channel = "email";                          /* another channel */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	m.channel = "sms";
	m.external_id = "aircall:message:SM1";        /* imported by the bridge */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	m.external_id = NULL;
	st.conversation = 0;                          /* not an SMS conversation's ticket */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	st.conversation = 1;
	m.sent = 1;                                   /* sent by other means */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	m.sent = 0;
	st.nparts = 0;                                /* nothing to say */
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	json_decref(j);
}

static void test_guards(void)
{
	json_t *j = agent_reply("Hi");
	struct reply_msg m;
	struct reply_record rec;
	struct reply_state st;
	struct reply_op op;

	CHECK(reply_msg_read(j, &m) == AG_OK);
	ready(&st, &m, &rec);
	st.number_selected = 0;                       /* SU3 */
	CHECK(plan(&st, &op) == REPLY_OP_SKIP && op.note);
	rec.skipped = 1;                              /* recorded: the agent is told why */
	rec.reason = op.reason;
	CHECK(plan(&st, &op) == REPLY_OP_NOTE);
	CHECK(strstr(op.text, "not selected") != NULL);
	rec.skipped = 0;
	rec.reason = NULL;
	st.number_selected = 1;
	st.opted_out = 1;
	st.opt_word = "Stopp";
	CHECK(plan(&st, &op) == REPLY_OP_SKIP && op.note);
	rec.skipped = 1;                              /* recorded: the note says why */
	CHECK(plan(&st, &op) == REPLY_OP_NOTE);
	CHECK(strstr(op.text, "Stopp") != NULL && strstr(op.text, "opted out") != NULL);
	st.locale = "de";
	CHECK(plan(&st, &op) == REPLY_OP_NOTE && strstr(op.text, "Stopp") != NULL);
	rec.reported = 1;
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	/* The agent is looked up in Aircall before the first send. */
	ready(&st, &m, &rec);
	st.user_resolved = 0;
	CHECK(plan(&st, &op) == REPLY_OP_RESOLVE_USER);
	json_decref(j);
}

static void test_exactly_once(void)
{
	json_t *j = agent_reply("Hi");
	struct reply_msg m;
	struct reply_record rec;
	struct reply_state st;
	struct reply_op op;

	CHECK(reply_msg_read(j, &m) == AG_OK);
	ready(&st, &m, &rec);
	st.nparts = 2;
	rec.part[0] = PART_SENT;
	CHECK(plan(&st, &op) == REPLY_OP_SEND && op.part == 1);
	st.opted_out = 1;                             /* a STOP between parts: finish the reply */
	CHECK(plan(&st, &op) == REPLY_OP_SEND && op.part == 1);
	st.opted_out = 0;
	rec.part[1] = PART_SENDING;                   /* answer lost: never sent again */
	CHECK(plan(&st, &op) == REPLY_OP_WAIT && op.part == 1);
	st.final_attempt = 1;
	CHECK(plan(&st, &op) == REPLY_OP_GIVE_UP);
	st.final_attempt = 0;
	rec.part[1] = PART_SENT;
	CHECK(plan(&st, &op) == REPLY_OP_MARK_SENT);
	m.sent = 1;                                   /* already marked by a parallel run */
	CHECK(plan(&st, &op) == REPLY_OP_MARK_SENT);
	rec.reported = 1;
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	/* A refusal is reported with its reason, once. */
	memset(&rec, 0, sizeof rec);
	m.sent = 0;
	rec.part[0] = PART_FAILED;
	rec.reason = "422: The recipient has opted out";
	CHECK(plan(&st, &op) == REPLY_OP_MARK_FAILED && strstr(op.text, "opted out") != NULL);
	rec.reported = 1;
	CHECK(plan(&st, &op) == REPLY_OP_NONE);
	json_decref(j);
}

static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void test_parts(void)
{
	char *text = malloc(200 * 9 + 1), *p = text;
	json_t *j;
	struct reply_msg m;
	struct reply_parts parts;
	size_t words = 0;

	for (int i = 0; i < 200; i++)
		p += sprintf(p, "%sword%04d", i ? " " : "", i);     /* 1799 characters */
	j = agent_reply(text);
	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(reply_parts_make(&m, &parts) == AG_OK);
	CHECK(parts.n == 2);
	for (size_t i = 0; i < parts.n; i++) {
		CHECK(chars(parts.part[i]) <= REPLY_PART_MAX);
		CHECK(parts.part[i][0] != ' ');
		for (char *w = parts.part[i]; (w = strstr(w, "word")); w++)
			words++;
	}
	CHECK(words == 200);                          /* no word cut or lost */
	CHECK(strncmp(parts.part[1], "word", 4) == 0);
	reply_parts_free(&parts);
	/* Characters, not bytes: 1600 "é" are one part of 3200 bytes. */
	p = text = realloc(text, 2 * 1601 + 1);
	for (int i = 0; i < 1601; i++)
		p += sprintf(p, "\xc3\xa9");
	json_object_set_new(j, "body_text", json_string(text));
	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(reply_parts_make(&m, &parts) == AG_OK);
	CHECK(parts.n == 2 && chars(parts.part[0]) == 1600 && chars(parts.part[1]) == 1);
	reply_parts_free(&parts);
	/* Attachments become links after the text; HTML is never the text. */
	json_object_set_new(j, "body_text", json_string("Here is your invoice"));
	json_object_set_new(j, "body_html", json_string("<p>Here is <b>your</b> invoice</p>"));
	json_object_set_new(j, "attachments", json_pack("[{s:s}]", "url",
		"https://cdn.example.test/invoice-42.pdf"));
	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(reply_parts_make(&m, &parts) == AG_OK);
	CHECK(parts.n == 1);
	CHECK_STR(parts.part[0], "Here is your invoice\nhttps://cdn.example.test/invoice-42.pdf");
	reply_parts_free(&parts);
	json_object_set_new(j, "body_text", json_string("  \n "));
	json_object_set_new(j, "attachments", json_array());
	CHECK(reply_msg_read(j, &m) == AG_OK);
	CHECK(reply_parts_make(&m, &parts) == AG_OK && parts.n == 0);
	free(text);
	json_decref(j);
}

int main(void)
{
	test_read();
	test_opt_words();
	test_what_is_never_sent();
	test_guards();
	test_exactly_once();
	test_parts();
	CHECK_DONE("test_plan_reply");
}
