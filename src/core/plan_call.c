#include "core/plan_call.h"
#include "base/buf.h"
#include "core/customer_body.h"
#include "base/err.h"
#include "core/render.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *media_kinds[] = { "voicemail", "recording" };

const char *op_name(enum op_kind kind)
{
	static const char *names[] = {
		"none", "skip", "resolve_agent", "resolve_admin", "resolve_assignee", "find_customer",
		"create_customer", "create_ticket", "add_message", "update_ticket",
		"add_tags", "remove_tags", "upload_media", "insight_card", "fetch_call",
	};
	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

void op_free(struct op *op)
{
	json_decref(op->body);
	memset(op, 0, sizeof *op);
}

int plan_posted(const struct call_state *st, const char *key)
{
	for (size_t i = 0; i < st->nposted; i++)
		if (strcmp(st->posted[i], key) == 0)
			return 1;
	return 0;
}

static void op_key(struct op *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void op_key(struct op *op, const char *fmt, ...)
{
	va_list ap;

	if (op->nkeys >= PLAN_MAX_KEYS)
		return;
	va_start(ap, fmt);
	vsnprintf(op->keys[op->nkeys++], sizeof op->keys[0], fmt, ap);
	va_end(ap);
}

static void iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		out[0] = '\0';
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int add_unique(const char **out, size_t *n, size_t max, const char *tag)
{
	if (!tag || !*tag || *n >= max)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(out[i], tag) == 0)
			return 0;
	out[(*n)++] = tag;
	return 1;
}

/* TC1, TC2: the fixed tags, then what applies to this call. */
size_t plan_call_tags(const struct call_state *st, const char **out, size_t max)
{
	const struct call_facts *f = st->call;
	size_t n = 0;

	add_unique(out, &n, max, "Aircall");
	add_unique(out, &n, max, f->direction == CALL_OUTBOUND ? "Outbound call" : "Inbound call");
	for (size_t i = 0; i < f->ntags; i++)
		add_unique(out, &n, max, f->tags[i]);
	add_unique(out, &n, max, f->number_name);
	for (size_t i = 0; i < f->nteams; i++)
		add_unique(out, &n, max, f->teams[i]);
	if (f->voicemail_url || (f->seen & SEEN_VOICEMAIL))
		add_unique(out, &n, max, "Voicemail");
	if (call_is_missed(f))
		add_unique(out, &n, max, "Missed call");
	if (st->callback_requested)
		add_unique(out, &n, max, "Callback request");
	if (f->callback_of)
		add_unique(out, &n, max, "Called back");
	return n;
}

static int64_t note_author(const struct call_state *st)
{
	return st->agent_user_id ? st->agent_user_id : st->admin_user_id;
}

static json_t *tag_list(const char **tags, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s}", "name", tags[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *names_array(const char **tags, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(tags[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

void call_external_id(char *out, size_t len, int64_t call_id, const char *suffix)
{
	if (suffix)
		snprintf(out, len, "aircall:call:%" PRId64 ":%s", call_id, suffix);
	else
		snprintf(out, len, "aircall:call:%" PRId64, call_id);
}

int call_note_key(const char *ext, int64_t call_id, char *key, size_t len)
{
	char prefix[48];
	size_t plen;

	call_external_id(prefix, sizeof prefix, call_id, "");
	plen = strlen(prefix);
	if (!ext || strncmp(ext, prefix, plen) != 0)
		return 0;
	ext += plen;
	snprintf(key, len, "%s%s", strchr(ext, ':') ? "" : "note:", ext);
	return 1;
}

/* An internal note (CN1-CN5), authored by the matched agent or the admin. */
static json_t *note_message(const struct call_state *st, const struct rendered *r,
			    const char *suffix, int64_t when, const json_t *attachment)
{
	char ext[96], sent[32];
	json_t *m;

	call_external_id(ext, sizeof ext, st->call->id, suffix);
	iso_time(when, sent);
	m = json_pack("{s:s, s:s, s:b, s:{s:I}, s:{s:s}, s:s, s:s, s:s}",
		      "channel", "internal-note", "via", "api", "from_agent", 1,
		      "sender", "id", (json_int_t)note_author(st),
		      "source", "type", "internal-note",
		      "body_text", r->text, "body_html", r->html, "external_id", ext);
	if (m && ((sent[0] && json_object_set_new(m, "sent_datetime", json_string(sent))) ||
		  (attachment && json_object_set_new(m, "attachments", json_pack("[O]", attachment))))) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

/* The ticket's first message fixes its channel: a phone message, from the
 * customer (inbound) or the agent (outbound). */
static json_t *phone_message(const struct call_state *st, const struct plan_settings *ps)
{
	const struct call_facts *f = st->call;
	int de = ps->locale && strcmp(ps->locale, "de") == 0;
	int out = f->direction == CALL_OUTBOUND;
	const char *them = st->phone ? st->phone : (de ? "unbekannt" : "anonymous");
	const char *line = f->number_digits ? f->number_digits : "";
	char ext[64], sent[32];
	struct buf b;
	json_t *m = NULL, *us, *cust;

	buf_init(&b, 4096);
	if (out)
		buf_printf(&b, de ? "Ausgehender Anruf von %s%s%s an %s" : "Outbound call from %s%s%s to %s",
			   f->number_name ? f->number_name : line, f->number_name ? " " : "",
			   f->number_name ? line : "", them);
	else
		buf_printf(&b, de ? "Eingehender Anruf von %s an %s%s%s" : "Inbound call from %s to %s%s%s",
			   them, f->number_name ? f->number_name : line, f->number_name ? " " : "",
			   f->number_name ? line : "");
	call_external_id(ext, sizeof ext, f->id, NULL);
	iso_time(f->started_at, sent);
	us = json_pack("{s:s, s:s}", "address", line, "name", f->number_name ? f->number_name : "");
	cust = json_pack("{s:s}", "address", st->phone ? st->phone : "");
	if (b.err || !b.p || !us || !cust)
		goto out;
	m = json_pack("{s:s, s:s, s:b, s:{s:s, s:O, s:[O]}, s:s, s:s}",
		      "channel", "phone", "via", "api", "from_agent", out,
		      "source", "type", "phone", "from", out ? us : cust, "to", out ? cust : us,
		      "body_text", b.p, "external_id", ext);
	if (!m)
		goto out;
	if (json_object_set_new(m, "sender", json_pack("{s:I}", "id", (json_int_t)(out ? note_author(st)
										   : st->customer_id))) ||
	    (out && json_object_set_new(m, "receiver",
					json_pack("{s:I}", "id", (json_int_t)st->customer_id))) ||
	    /* Imported, not to be sent: Gorgias delivers messages without it. */
	    (sent[0] && json_object_set_new(m, "sent_datetime", json_string(sent)))) {
		json_decref(m);
		m = NULL;
	}
out:
	json_decref(us);
	json_decref(cust);
	buf_free(&b);
	return m;
}

static void render_opts_for(const struct call_state *st, const struct plan_settings *ps,
			    struct render_opts *o)
{
	memset(o, 0, sizeof *o);
	o->locale = ps->locale;
	o->time_zone = ps->time_zone;
	o->dashboard_url = ps->dashboard_url;
	o->customer_phone = st->phone;
	o->customer_name = st->customer_name;
}

/* The first note of the ticket also says what the customer record could
 * not hold (CS1 on accounts that refuse the note field). */
static void first_note_opts(const struct call_state *st, struct render_opts *o)
{
	o->customer_note = st->customer_note;
}

static int plan_customer(const struct call_state *st, struct op *op)
{
	const struct call_facts *f = st->call;
	struct contact c = { f->contact_id, f->contact_first_name, f->contact_last_name,
			     f->contact_email };

	if (!st->customer_looked_up && st->phone) {
		op->kind = OP_FIND_CUSTOMER;
		return AG_OK;
	}
	op->kind = OP_CREATE_CUSTOMER;
	op->body = customer_body(st->phone, &c, st->placeholder_digits);
	return op->body ? AG_OK : AG_ENOMEM;
}

static int plan_ticket(const struct call_state *st, const struct plan_settings *ps, struct op *op)
{
	const struct call_facts *f = st->call;
	const char *tags[CALL_MAX_TAGS + 16];
	size_t ntags = plan_call_tags(st, tags, sizeof tags / sizeof tags[0]);
	struct rendered first = { 0 }, second = { 0 };
	struct render_opts o;
	char ext[64], *subject = NULL;
	json_t *messages = NULL;
	int rc = AG_ENOMEM, over = call_is_over(f);

	render_opts_for(st, ps, &o);
	subject = render_call_subject(f, &o);
	first_note_opts(st, &o);
	messages = json_array();
	if (!subject || !messages)
		goto out;
	if (json_array_append_new(messages, phone_message(st, ps)))
		goto out;
	if (call_is_missed(f)) {
		const json_t *att = NULL;

		if (render_note_missed(f, &o, &first))
			goto out;
		/* The voicemail, uploaded just before, rides on this note. */
		for (size_t i = 0; i < 2 && !att; i++) {
			att = json_object_get(json_object_get(st->uploads, media_kinds[i]), "attachment");
			if (json_is_object(att))
				op_key(op, "media:%s", media_kinds[i]);
			else
				att = NULL;
		}
		if (json_array_append_new(messages, note_message(st, &first, "missed", f->ended_at, att)))
			goto out;
		op_key(op, "note:missed");
	} else {
		if (render_note_answered(f, &o, &first))
			goto out;
		if (json_array_append_new(messages,
					  note_message(st, &first, "answered", f->answered_at, NULL)))
			goto out;
		op_key(op, "note:answered");
		if (over) {
			if (render_note_ended(f, &o, &second))
				goto out;
			if (json_array_append_new(messages,
						  note_message(st, &second, "ended", f->ended_at, NULL)))
				goto out;
			op_key(op, "note:ended");
		}
	}
	if (over) {
		/* The ended/missed note already lists the comments known now. */
		for (size_t i = 0; i < f->ncomments; i++)
			op_key(op, "comment:%" PRId64, f->comments[i].id);
		op_key(op, "status:open");
	}
	for (size_t i = 0; i < ntags; i++)
		op_key(op, "tag:%.58s", tags[i]);
	call_external_id(ext, sizeof ext, f->id, NULL);
	op->kind = OP_CREATE_TICKET;
	op->body = json_pack("{s:s, s:s, s:b, s:s, s:s, s:{s:I}, s:o, s:s, s:o}",
			     "channel", "phone", "via", "api", "from_agent", f->direction == CALL_OUTBOUND,
			     "status", "open", "subject", subject,
			     "customer", "id", (json_int_t)st->customer_id,
			     "tags", tag_list(tags, ntags), "external_id", ext,
			     "messages", messages);
	messages = NULL;
	if (!op->body)
		goto out;
	/* CT7: assigned to the agent with the same email, else unassigned; a
	 * call assigned to someone in Aircall goes to that person. */
	if (st->assignee_user_id || st->agent_user_id) {
		int64_t who = st->assignee_user_id ? st->assignee_user_id : st->agent_user_id;
		if (json_object_set_new(op->body, "assignee_user",
					json_pack("{s:I}", "id", (json_int_t)who)))
			goto out;
		op_key(op, "assign:%" PRId64, who);
	}
	op_key(op, "ticket");
	rc = AG_OK;
out:
	json_decref(messages);
	render_free(&first);
	render_free(&second);
	free(subject);
	return rc;
}

static int plan_note(const struct call_state *st, const struct plan_settings *ps, struct op *op,
		     const char *key, int64_t when,
		     int (*fn)(const struct call_facts *, const struct render_opts *, struct rendered *))
{
	struct rendered r = { 0 };
	struct render_opts o;
	int rc;

	render_opts_for(st, ps, &o);
	rc = fn(st->call, &o, &r);
	if (rc)
		return rc;
	op->kind = OP_ADD_MESSAGE;
	op->ticket_id = st->ticket_id;
	op->body = note_message(st, &r, key + strlen("note:"), when, NULL);
	render_free(&r);
	if (!op->body)
		return AG_ENOMEM;
	op_key(op, "%s", key);
	return AG_OK;
}

static int plan_comment(const struct call_state *st, const struct plan_settings *ps,
			struct op *op, const struct call_comment *c)
{
	struct rendered r = { 0 };
	struct render_opts o;
	char suffix[40];
	int rc;

	render_opts_for(st, ps, &o);
	rc = render_note_comment(st->call, c, &o, &r);
	if (rc)
		return rc;
	snprintf(suffix, sizeof suffix, "comment:%" PRId64, c->id);
	op->kind = OP_ADD_MESSAGE;
	op->ticket_id = st->ticket_id;
	op->body = note_message(st, &r, suffix, c->posted_at, NULL);
	render_free(&r);
	if (!op->body)
		return AG_ENOMEM;
	op_key(op, "%s", suffix);
	return AG_OK;
}

/* CN4/TS5: a note carrying the recording or voicemail once it is uploaded,
 * or linking it when it could not be. */
static int plan_media_note(const struct call_state *st, const struct plan_settings *ps,
			   struct op *op, const char *kind)
{
	const json_t *up = json_object_get(st->uploads, kind);
	const json_t *att = json_object_get(up, "attachment");
	const char *why = json_string_value(json_object_get(up, "not_uploaded"));
	struct rendered r = { 0 };
	struct render_opts o;
	char key[32];
	int rc, vm = strcmp(kind, "voicemail") == 0;

	render_opts_for(st, ps, &o);
	rc = render_note_recording(st->call, &o, vm, why, &r);
	if (rc)
		return rc;
	snprintf(key, sizeof key, "media:%s", kind);
	op->kind = OP_ADD_MESSAGE;
	op->ticket_id = st->ticket_id;
	op->body = note_message(st, &r, key, st->call->ended_at, json_is_object(att) ? att : NULL);
	render_free(&r);
	if (!op->body)
		return AG_ENOMEM;
	op_key(op, "%s", key);
	return AG_OK;
}

static int plan_tags(const struct call_state *st, struct op *op)
{
	const char *want[CALL_MAX_TAGS + 16], *add[CALL_MAX_TAGS + 16], *drop[PLAN_MAX_KEYS];
	size_t nwant = plan_call_tags(st, want, sizeof want / sizeof want[0]);
	size_t nadd = 0, ndrop = 0;
	char key[64];

	for (size_t i = 0; i < nwant; i++) {
		snprintf(key, sizeof key, "tag:%.58s", want[i]);
		if (!plan_posted(st, key))
			add[nadd++] = want[i];
	}
	if (nadd) {
		op->kind = OP_ADD_TAGS;
		op->ticket_id = st->ticket_id;
		op->body = json_pack("{s:o}", "names", names_array(add, nadd));
		for (size_t i = 0; i < nadd; i++)
			op_key(op, "tag:%.58s", add[i]);
		return op->body ? AG_OK : AG_ENOMEM;
	}
	/* Only tags an agent took off in Aircall come off in Gorgias: the
	 * fixed ones never disappear from the wanted list. */
	for (size_t i = 0; i < st->nposted && ndrop < PLAN_MAX_KEYS; i++) {
		const char *p = st->posted[i], *name;
		int wanted = 0;

		if (strncmp(p, "tag:", 4) != 0)
			continue;
		name = p + 4;
		for (size_t j = 0; j < nwant; j++)
			if (strncmp(want[j], name, 58) == 0 && strlen(name) == strnlen(want[j], 58))
				wanted = 1;
		if (!wanted)
			drop[ndrop++] = name;
	}
	if (ndrop) {
		op->kind = OP_REMOVE_TAGS;
		op->ticket_id = st->ticket_id;
		op->body = json_pack("{s:o}", "names", names_array(drop, ndrop));
		for (size_t i = 0; i < ndrop && op->nunkeys < PLAN_MAX_KEYS; i++)
			snprintf(op->unkeys[op->nunkeys++], sizeof op->unkeys[0], "tag:%s", drop[i]);
		return op->body ? AG_OK : AG_ENOMEM;
	}
	return AG_OK;
}

static const char *media_url(const struct call_facts *f, const char *kind)
{
	return strcmp(kind, "voicemail") == 0 ? f->voicemail_url : f->recording_url;
}

int plan_call(const struct call_state *st, const struct plan_settings *ps, struct op *op)
{
	const struct call_facts *f = st->call;
	int over = call_is_over(f);
	int answered = f->answered_at != 0 || (f->seen & SEEN_ANSWERED);
	char key[40];

	memset(op, 0, sizeof *op);
	/* A webhook without a usable number ("number": {} in a published
	 * call.created) cannot say whether the line is connected: ask Aircall
	 * before deciding, timeline included since the request is spent. */
	if (!f->number_id && !st->call_fetched) {
		op->kind = OP_FETCH_CALL;
		op->timeline = 1;
		return AG_OK;
	}
	if (!st->number_selected) {
		op->kind = OP_SKIP;
		op->reason = "number not selected (SU3)";
		return AG_OK;
	}
	/* IC1-IC3: best effort, only while the call is live, before any
	 * ticket work so the agent sees it while the phone rings. */
	if ((f->seen & SEEN_CREATED) && !over && !answered && !st->ticket_id &&
	    !plan_posted(st, "card") && st->phone) {
		op->kind = OP_INSIGHT_CARD;
		op_key(op, "card");
		return AG_OK;
	}
	/* CT1: a ticket once the call is answered, or over (missed). */
	if (!answered && !over)
		return AG_OK;

	/* CN1: the IVR options are only in Aircall's call timeline (never in a
	 * webhook), unless call.ivr_option_selected brought them: one Aircall
	 * request, only for a call that went through an IVR, before the note
	 * that lists them is written. */
	if (call_through_ivr(f) && !f->nivr && !st->timeline_fetched &&
	    !plan_posted(st, "note:answered") && !plan_posted(st, "note:missed")) {
		op->kind = OP_FETCH_CALL;
		op->timeline = 1;
		return AG_OK;
	}
	/* CN5: every note needs its author, the ticket its assignee (CT7). */
	if (f->user_email && !st->agent_resolved) {
		op->kind = OP_RESOLVE_AGENT;
		op->email = f->user_email;
		return AG_OK;
	}
	if (!st->agent_user_id && !st->admin_resolved) {
		op->kind = OP_RESOLVE_ADMIN;
		return AG_OK;
	}
	if (f->assigned_email && !st->assignee_resolved) {
		op->kind = OP_RESOLVE_ASSIGNEE;
		op->email = f->assigned_email;
		return AG_OK;
	}
	if (!note_author(st)) {
		op->kind = OP_SKIP;
		op->reason = "no Gorgias user matches the agent and the account has no admin (TS4)";
		return AG_OK;
	}
	if (!st->ticket_id) {
		if (!st->customer_id)
			return plan_customer(st, op);
		/* A voicemail known before the ticket exists is uploaded first, so
		 * the ticket's own note can carry it (one request saved). */
		for (size_t i = 0; i < 2; i++) {
			const char *kind = media_kinds[i];
			if (media_url(f, kind) && !json_object_get(st->uploads, kind) &&
			    call_is_missed(f)) {
				op->kind = OP_UPLOAD_MEDIA;
				op->media_kind = kind;
				op->media_url = media_url(f, kind);
				return AG_OK;
			}
		}
		return plan_ticket(st, ps, op);
	}

	if (answered && !plan_posted(st, "note:answered") && !plan_posted(st, "note:missed"))
		return plan_note(st, ps, op, "note:answered", f->answered_at, render_note_answered);
	if (over && answered && !plan_posted(st, "note:ended"))
		return plan_note(st, ps, op, "note:ended", f->ended_at, render_note_ended);
	if (over && !answered && !plan_posted(st, "note:missed"))
		return plan_note(st, ps, op, "note:missed", f->ended_at, render_note_missed);
	/* CT8: the ticket is open when the call ends. */
	if (over && !plan_posted(st, "status:open")) {
		op->kind = OP_UPDATE_TICKET;
		op->ticket_id = st->ticket_id;
		op->body = json_pack("{s:s}", "status", "open");
		op_key(op, "status:open");
		return op->body ? AG_OK : AG_ENOMEM;
	}
	/* call.assigned: the ticket follows the assignment made in Aircall. */
	if (st->assignee_user_id) {
		snprintf(key, sizeof key, "assign:%" PRId64, st->assignee_user_id);
		if (!plan_posted(st, key)) {
			op->kind = OP_UPDATE_TICKET;
			op->ticket_id = st->ticket_id;
			op->body = json_pack("{s:{s:I}}", "assignee_user", "id",
					     (json_int_t)st->assignee_user_id);
			op_key(op, "%s", key);
			return op->body ? AG_OK : AG_ENOMEM;
		}
	}
	/* CN4: one note per Aircall comment, never repeated. */
	for (size_t i = 0; i < f->ncomments; i++) {
		snprintf(key, sizeof key, "comment:%" PRId64, f->comments[i].id);
		if (!plan_posted(st, key))
			return plan_comment(st, ps, op, &f->comments[i]);
	}
	for (size_t i = 0; i < 2; i++) {
		const char *kind = media_kinds[i];

		snprintf(key, sizeof key, "media:%s", kind);
		if (!media_url(f, kind) || plan_posted(st, key))
			continue;
		if (!json_object_get(st->uploads, kind)) {
			op->kind = OP_UPLOAD_MEDIA;
			op->media_kind = kind;
			op->media_url = media_url(f, kind);
			return AG_OK;
		}
		return plan_media_note(st, ps, op, kind);
	}
	/* TC2: "Callback request" on the ticket of the call that asked. */
	if (f->callback_of && st->callback_ticket_id && !plan_posted(st, "callback:tagged")) {
		op->kind = OP_ADD_TAGS;
		op->ticket_id = st->callback_ticket_id;
		op->body = json_pack("{s:[s]}", "names", "Callback request");
		op_key(op, "callback:tagged");
		return op->body ? AG_OK : AG_ENOMEM;
	}
	return plan_tags(st, op);
}
