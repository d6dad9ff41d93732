#include "core/plan_reply.h"
#include "base/err.h"
#include "core/html.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ reading */

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int set(const json_t *v)
{
	return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v));
}

int reply_msg_read(const json_t *m, struct reply_msg *out)
{
	const json_t *id = json_object_get(m, "id"), *sender = json_object_get(m, "sender"), *a;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return AG_EINVAL;
	out->id = (int64_t)json_integer_value(id);
	out->from_agent = json_is_true(json_object_get(m, "from_agent"));
	/* Absent means public: only an explicit false is a note's mark. */
	out->is_public = !json_is_false(json_object_get(m, "public"));
	out->channel = str(m, "channel");
	out->external_id = str(m, "external_id");
	out->sent = set(json_object_get(m, "sent_datetime"));
	out->failed = set(json_object_get(m, "failed_datetime"));
	out->body_text = str(m, "body_text");
	if (json_is_integer(json_object_get(sender, "id")))
		out->sender_id = (int64_t)json_integer_value(json_object_get(sender, "id"));
	out->sender_email = str(sender, "email");
	json_array_foreach(json_object_get(m, "attachments"), i, a) {
		const char *url = str(a, "url");

		if (out->nattach < REPLY_MAX_ATTACH && url && html_url_ok(url))
			out->attach_url[out->nattach++] = url;
	}
	return AG_OK;
}

/* ------------------------------------------------------------ opt-out words */

/* Carriers' and CTIA's usual words, and their German counterparts. */
static const char *const stop_words[] = { "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END",
					  "QUIT", "STOPP", "ABMELDEN", "ABBESTELLEN", "ENDE",
					  "AUSTRAGEN" };
static const char *const start_words[] = { "START", "UNSTOP", "SUBSCRIBE", "ANMELDEN" };

int reply_opt_word(const char *text, int *opt_out)
{
	char w[24];
	size_t n = 0;

	*opt_out = 0;
	if (!text)
		return 0;
	while (*text && isspace((unsigned char)*text))
		text++;
	for (; *text && n < sizeof w - 1; text++)
		w[n++] = *text;
	if (*text)
		return 0;                   /* longer than any word */
	while (n && (isspace((unsigned char)w[n - 1]) || w[n - 1] == '.' || w[n - 1] == '!'))
		n--;
	w[n] = '\0';
	for (size_t i = 0; i < sizeof stop_words / sizeof stop_words[0]; i++)
		if (strcasecmp(w, stop_words[i]) == 0) {
			*opt_out = 1;
			return 1;
		}
	for (size_t i = 0; i < sizeof start_words / sizeof start_words[0]; i++)
		if (strcasecmp(w, start_words[i]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------ the text */

void reply_parts_free(struct reply_parts *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->part[i]);
	memset(p, 0, sizeof *p);
}

/* Bytes of the UTF-8 character at s (1 for a stray byte: counted as one). */
static size_t char_len(const char *s)
{
	size_t n = html_utf8_len(s);

	return n ? n : 1;
}

/* The end of the next part starting at s: at most REPLY_PART_MAX
 * characters, cut after the last space when there is one. */
static size_t part_end(const char *s)
{
	size_t at = 0, chars = 0, space = 0;

	while (s[at] && chars < REPLY_PART_MAX) {
		if (s[at] == ' ' || s[at] == '\n')
			space = at;
		at += char_len(s + at);
		chars++;
	}
	if (!s[at] || !space)
		return at;
	return space;
}

int reply_parts_make(const struct reply_msg *m, struct reply_parts *out)
{
	size_t len = 0;
	char *text, *s;
	int rc = AG_OK;

	memset(out, 0, sizeof *out);
	len = m->body_text ? strlen(m->body_text) : 0;
	for (size_t i = 0; i < m->nattach; i++)
		len += strlen(m->attach_url[i]) + 1;
	if (!(text = malloc(len + 1)))
		return AG_ENOMEM;
	len = 0;
	if (m->body_text)
		for (s = (char *)m->body_text; *s; s++)
			text[len++] = *s == '\r' ? ' ' : *s;
	/* Attachments as links: Aircall's native send documents no media. */
	for (size_t i = 0; i < m->nattach; i++) {
		if (len)
			text[len++] = '\n';
		memcpy(text + len, m->attach_url[i], strlen(m->attach_url[i]));
		len += strlen(m->attach_url[i]);
	}
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	text[len] = '\0';
	s = text;
	while (*s && isspace((unsigned char)*s))
		s++;
	while (*s) {
		size_t end = part_end(s);

		if (out->n == REPLY_MAX_PARTS) {
			rc = AG_ETOOBIG;
			break;
		}
		if (!(out->part[out->n] = strndup(s, end))) {
			rc = AG_ENOMEM;
			break;
		}
		out->n++;
		s += end;
		while (*s == ' ' || *s == '\n')
			s++;
	}
	free(text);
	if (rc)
		reply_parts_free(out);
	return rc;
}

/* ------------------------------------------------------------ planning */

static int none(struct reply_op *op, const char *reason)
{
	op->kind = REPLY_OP_NONE;
	op->reason = reason;
	return AG_OK;
}

/* Skip reasons, stored with the record and read back by the planner. */
static const char REASON_UNSELECTED[] = "number not selected (SU3)";

/* SU3: the agent must learn why the reply stayed in Gorgias. */
static int unselected_note(const struct reply_state *st, struct reply_op *op)
{
	op->kind = REPLY_OP_NOTE;
	if (st->locale && strcmp(st->locale, "de") == 0)
		snprintf(op->text, sizeof op->text,
			 "Diese Antwort wurde nicht als SMS gesendet: die Aircall-Nummer dieser "
			 "Unterhaltung ist in den Einstellungen der Brücke nicht ausgewählt.");
	else
		snprintf(op->text, sizeof op->text,
			 "This reply was not sent as an SMS: the Aircall number of this conversation "
			 "is not selected in the bridge's settings.");
	return AG_OK;
}

static int opt_out_note(const struct reply_state *st, struct reply_op *op)
{
	const char *w = st->opt_word ? st->opt_word : "STOP";

	op->kind = REPLY_OP_NOTE;
	if (st->locale && strcmp(st->locale, "de") == 0)
		snprintf(op->text, sizeof op->text,
			 "Diese Antwort wurde nicht als SMS gesendet: die Kundin oder der Kunde hat "
			 "\"%.20s\" geschrieben (Abmeldung, opt-out). Nach START wird wieder gesendet.", w);
	else
		snprintf(op->text, sizeof op->text,
			 "This reply was not sent as an SMS: the customer texted \"%.20s\" (opted "
			 "out). Replies go out again once they text START.", w);
	return AG_OK;
}

int plan_reply(const struct reply_state *st, struct reply_op *op)
{
	const struct reply_msg *m = st->msg;
	const struct reply_record *rec = st->rec;
	size_t i, sent = 0;

	memset(op, 0, sizeof *op);
	/* What is no agent's public SMS reply is never sent. */
	if (!m->from_agent || !m->is_public)
		return none(op, "not a public agent message");
	if (!m->channel || strcmp(m->channel, "sms") != 0)
		return none(op, "not on the SMS channel");
	/* MC6 in reverse: what the bridge imported is never sent back. Known by
	 * the external id every imported message carries; not by comparing ids
	 * with posted_op's, which mixes tickets, customers and messages (a reply
	 * whose id equals a recorded ticket's would never go out). */
	if (m->external_id && strncmp(m->external_id, "aircall:", 8) == 0)
		return none(op, "imported by the bridge from Aircall");
	if (!st->conversation)
		return none(op, "the ticket is no SMS conversation of the bridge");
	if (rec->skipped) {
		if (rec->reported)
			return none(op, NULL);
		if (rec->reason && strcmp(rec->reason, REASON_UNSELECTED) == 0)
			return unselected_note(st, op);
		return opt_out_note(st, op);
	}
	/* Every recorded part counts, also beyond nparts (a text too long to
	 * split is recorded as part 0 failed, with no parts to send). */
	for (i = 0; i < REPLY_MAX_PARTS; i++) {
		if (rec->part[i] == PART_FAILED) {
			if (rec->reported)
				return none(op, NULL);
			op->kind = REPLY_OP_MARK_FAILED;
			snprintf(op->text, sizeof op->text, "%s",
				 rec->reason ? rec->reason : "refused by Aircall");
			return AG_OK;
		}
		if (rec->part[i] == PART_SENDING) {
			op->part = i;
			op->kind = st->final_attempt ? REPLY_OP_GIVE_UP : REPLY_OP_WAIT;
			op->reason = "Aircall's answer to the send was lost: not sent again, to "
				     "avoid a duplicate SMS";
			return AG_OK;
		}
		if (rec->part[i] == PART_SENT && i < st->nparts)
			sent++;
	}
	if (st->nparts && sent == st->nparts)
		return rec->reported ? none(op, NULL) : (op->kind = REPLY_OP_MARK_SENT, AG_OK);
	/* Not started: a message sent or failed by other means is not ours. */
	if (!sent && (m->sent || m->failed))
		return none(op, "already sent or failed in Gorgias");
	if (!st->nparts)
		return none(op, "no text to send");
	if (!sent) {
		if (!st->number_selected) {
			op->kind = REPLY_OP_SKIP;
			op->reason = REASON_UNSELECTED;
			op->note = 1;
			return AG_OK;
		}
		if (st->opted_out) {
			op->kind = REPLY_OP_SKIP;
			op->reason = "the customer opted out";
			op->note = 1;
			return AG_OK;
		}
	}
	if (m->sender_email && !st->user_resolved) {
		op->kind = REPLY_OP_RESOLVE_USER;
		return AG_OK;
	}
	op->kind = REPLY_OP_SEND;
	op->part = sent;
	return AG_OK;
}

const char *reply_op_name(enum reply_op_kind kind)
{
	static const char *const names[] = { "none", "skip", "resolve_user", "send", "wait",
					     "give_up", "mark_sent", "mark_failed", "note" };

	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
