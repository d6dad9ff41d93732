#include "core/plan_message.h"
#include "core/customer_body.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/html.h"
#include "base/num.h"
#include "core/phone.h"
#include "core/render.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Bounds on what Aircall may send us: a field beyond these is cut, never
 * copied whole into a Gorgias body. */
#define BODY_MAX 8000
#define NAME_MAX_LEN 200
#define MEDIA_URL_MAX 4096

const char *msg_op_name(enum msg_op_kind kind)
{
	static const char *names[] = {
		"none", "skip", "resolve_agent", "resolve_admin", "find_customer",
		"create_customer", "check_ticket", "reopen", "upload", "create_ticket",
		"add_message", "failure_note",
	};
	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

void msg_op_free(struct msg_op *op)
{
	json_decref(op->body);
	memset(op, 0, sizeof *op);
}

/* ------------------------------------------------------------ timestamps */

static int from_number(double v, int64_t *ms)
{
	/* 1e11 s is the year 5138, 1e11 ms is 1973: below it, seconds. */
	return num_double_to_i64(v < 1e11 ? v * 1000.0 : v, ms) && *ms < MSG_TIME_MAX_MS
	       ? AG_OK : AG_EINVAL;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int parse_iso(const char *s, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec = 0, frac = 0, off = 0;
	const char *p = s;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d))
		return AG_EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return AG_EINVAL;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
		return AG_EINVAL;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec))
			return AG_EINVAL;
		if (*p == '.' || *p == ',') {
			int scale = 100;
			p++;
			if (!isdigit((unsigned char)*p))
				return AG_EINVAL;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale; /* digits past ms add 0 */
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
		if (digits(&p, 2, &oh))
			return AG_EINVAL;
		if (*p == ':')
			p++;
		if (*p && digits(&p, 2, &om))
			return AG_EINVAL;
		if (oh > 23 || om > 59)
			return AG_EINVAL;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return AG_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = ((int64_t)t - off) * 1000 + frac;
	return AG_OK;
}

int msg_time_parse(const json_t *v, int64_t *ms)
{
	*ms = 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		json_int_t n = json_integer_value(v);
		*ms = n < 100000000000LL ? (int64_t)n * 1000 : (int64_t)n;
		return *ms < MSG_TIME_MAX_MS ? AG_OK : AG_EINVAL;
	}
	if (json_is_real(v) && json_real_value(v) > 0)
		return from_number(json_real_value(v), ms);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = strlen(s);
		char *end;

		if (n == 0 || n > 40)
			return AG_EINVAL;
		if (strspn(s, "0123456789.") == n) {
			double d = strtod(s, &end);
			if (*end || d <= 0)
				return AG_EINVAL;
			return from_number(d, ms);
		}
		return parse_iso(s, ms);
	}
	return AG_EINVAL;
}

void msg_time_iso(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[24];

	/* Beyond year 9999 the text would not fit: strftime then leaves base
	 * unterminated (found by fuzz_time). */
	if (ms <= 0 || ms >= MSG_TIME_MAX_MS || !gmtime_r(&t, &tm) ||
	    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		out[0] = '\0';
		return;
	}
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000));
}

/* ------------------------------------------------------------ facts */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s && *s ? s : NULL;
}

/* A field too long to be what it claims is treated as absent. */
static const char *bounded(const char *s, size_t max)
{
	return s && strnlen(s, max + 1) <= max ? s : NULL;
}

int msg_facts_read(const json_t *data, const char *event, int64_t envelope_ts,
		   struct msg_facts *f)
{
	static const char *time_fields[] = { "sent_at", "created_at", "updated_at" };
	const json_t *id = json_object_get(data, "id"), *num = json_object_get(data, "number");
	const json_t *contact = json_object_get(data, "contact"), *m;
	const char *dir = str(data, "direction");
	size_t i;

	memset(f, 0, sizeof *f);
	if (json_is_string(id) && *json_string_value(id) &&
	    strlen(json_string_value(id)) < sizeof f->id)
		snprintf(f->id, sizeof f->id, "%s", json_string_value(id));
	else if (json_is_integer(id))
		snprintf(f->id, sizeof f->id, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else
		return AG_EINVAL;
	f->status_event = event && strcmp(event, "message.status_updated") == 0;
	f->outbound = dir ? strcmp(dir, "outbound") == 0 : (event && strcmp(event, "message.sent") == 0);
	f->status = str(data, "status");
	f->body = json_string_value(json_object_get(data, "body"));
	f->channel = str(data, "channel");
	/* The message's own moment, whichever field and format carries it;
	 * the envelope's second is the last resort, so sent_datetime is
	 * never missing (gorgias-api.md §9.1). */
	for (i = 0; i < 3 && !f->sent_ms; i++)
		if (msg_time_parse(json_object_get(data, time_fields[i]), &f->sent_ms))
			f->sent_ms = 0;
	if (!f->sent_ms && envelope_ts > 0 && envelope_ts < MSG_TIME_MAX_MS / 1000)
		f->sent_ms = envelope_ts * 1000;   /* bounded first: found by fuzz_aircall */
	f->external = str(data, "external_number");
	if (!f->external)
		f->external = str(data, "raw_digits");
	if (json_is_integer(json_object_get(num, "id")))
		f->number_id = json_integer_value(json_object_get(num, "id"));
	f->number_name = bounded(str(num, "name"), NAME_MAX_LEN);   /* a tag: ≤ 256 in Gorgias */
	f->number_digits = bounded(str(num, "e164_digits"), 40);
	if (!f->number_digits)
		f->number_digits = bounded(str(num, "digits"), 40);
	f->status = bounded(f->status, 40);
	f->channel = bounded(f->channel, 40);
	f->user_email = str(json_object_get(data, "user"), "email");
	if (json_is_object(contact)) {
		const json_t *emails = json_object_get(contact, "emails");
		f->contact_id = json_integer_value(json_object_get(contact, "id"));
		f->contact_first_name = str(contact, "first_name");
		f->contact_last_name = str(contact, "last_name");
		f->contact_email = str(json_array_get(emails, 0), "value");
		if (!f->contact_email)
			f->contact_email = str(contact, "email");
	}
	json_array_foreach(json_object_get(data, "media_details"), i, m) {
		if (f->nmedia >= MSG_MAX_MEDIA)
			break;
		const char *url = str(m, "presigned_url"), *name = str(m, "file_name");
		const char *type = str(m, "file_type");

		/* A link beyond any real pre-signed URL's size is no file. */
		if (!url || strlen(url) > MEDIA_URL_MAX)
			continue;
		f->media[f->nmedia].name = name && strlen(name) <= NAME_MAX_LEN ? name : NULL;
		f->media[f->nmedia].type = type && strlen(type) <= 100 ? type : NULL;
		f->media[f->nmedia].url = url;
		f->nmedia++;
	}
	return AG_OK;
}

int msg_media_uploadable(const char *type)
{
	return type && (strncasecmp(type, "image/", 6) == 0 ||
			strcasecmp(type, "application/pdf") == 0);
}

int msg_status_failed(const char *status)
{
	static const char *bad[] = { "failed", "undelivered", "error", "rejected", "canceled",
				     "cancelled" };

	for (size_t i = 0; status && i < sizeof bad / sizeof bad[0]; i++)
		if (strcasecmp(status, bad[i]) == 0)
			return 1;
	return 0;
}

int msg_order_cmp(const struct msg_facts *a, const struct msg_facts *b)
{
	if (a->sent_ms != b->sent_ms)
		return a->sent_ms < b->sent_ms ? -1 : 1;
	return strcmp(a->id, b->id);
}

void msg_subject(const json_t *data, char *out, size_t len)
{
	const json_t *num = json_object_get(json_object_get(data, "number"), "id");
	const char *ext = str(data, "external_number");
	char e164[PHONE_MAX], dig[24];
	size_t n = 0;

	if (!ext)
		ext = str(data, "raw_digits");
	/* Aircall sends the international form: no default country needed. */
	if (!ext || phone_normalize(ext, NULL, e164) != PHONE_OK) {
		for (const char *p = ext ? ext : ""; *p && n < sizeof dig - 1; p++)
			if (isdigit((unsigned char)*p))
				dig[n++] = *p;
		dig[n] = '\0';
		snprintf(e164, sizeof e164, "%s", n ? dig : "unknown");
	}
	snprintf(out, len, "sms:%" JSON_INTEGER_FORMAT ":%s",
		 json_is_integer(num) ? json_integer_value(num) : (json_int_t)0, e164);
}

void msg_posted_key(char *out, size_t len, const char *id)
{
	snprintf(out, len, "msg:%s", id);
}

/* ------------------------------------------------------------ planning */

static int posted(const struct msg_state *st, const char *key)
{
	for (size_t i = 0; i < st->nposted; i++)
		if (strcmp(st->posted[i], key) == 0)
			return 1;
	return 0;
}

static int64_t author(const struct msg_state *st)
{
	return st->agent_user_id ? st->agent_user_id : st->admin_user_id;
}

static int plan_customer(const struct msg_state *st, struct msg_op *op)
{
	const struct msg_facts *f = st->msg;
	struct contact c = { f->contact_id, f->contact_first_name, f->contact_last_name,
			     f->contact_email };

	if (!st->customer_looked_up) {
		op->kind = MSG_OP_FIND_CUSTOMER;
		return AG_OK;
	}
	/* MT1: as for calls (CT3/CS1, else CT4/CS2). */
	op->kind = MSG_OP_CREATE_CUSTOMER;
	op->body = customer_body(st->phone, &c, st->placeholder_digits);
	return op->body ? AG_OK : AG_ENOMEM;
}

/* What became of media[i]: {"attachment": {...}} or {"link": "why"}. */
static const json_t *upload_of(const struct msg_state *st, size_t i)
{
	char k[24];

	snprintf(k, sizeof k, "%zu", i);
	return json_object_get(st->uploads, k);
}

/* At most max bytes of s, cut at a character boundary: a value is cut
 * first and escaped after, so no escape sequence or UTF-8 character is
 * ever cut in half. Caller frees. */
static char *prefix_dup(const char *s, size_t max)
{
	size_t n = 0, step;

	while (s[n] && n < max) {
		step = html_utf8_len(s + n);
		if (step == 0)
			step = 1;               /* html_txt replaces it */
		if (n + step > max)
			break;
		n += step;
	}
	return strndup(s, n);
}

/* The SMS text, bounded, plus a link for each file not uploaded (MC7:
 * other types are linked, and so is a file that could not be uploaded). */
static int render_body(const struct msg_state *st, struct buf *text, struct buf *html)
{
	const struct msg_facts *f = st->msg;
	char *cut = prefix_dup(f->body ? f->body : "", BODY_MAX);
	size_t n;
	int rc = AG_OK, links = 0;

	if (!cut)
		return AG_ENOMEM;
	n = strlen(cut);
	rc = buf_append(text, cut, n);
	if (!rc)
		rc = buf_puts(html, "<p>");
	if (!rc)
		rc = html_txt(html, cut);
	if (!rc)
		rc = buf_puts(html, "</p>");
	free(cut);
	for (size_t i = 0; i < f->nmedia && !rc; i++) {
		const json_t *u = upload_of(st, i);
		const char *why = json_string_value(json_object_get(u, "link"));
		char *name = prefix_dup(f->media[i].name ? f->media[i].name : "file", 120);
		char *type = prefix_dup(f->media[i].type ? f->media[i].type : "unknown type", 60);

		if (!name || !type || json_object_get(u, "attachment")) {
			rc = name && type ? AG_OK : AG_ENOMEM;
			free(name);
			free(type);
			continue;
		}
		/* The same cut values in both forms: text and HTML say the same. */
		rc = buf_printf(text, "%sAttachment: %s (%s%s%s): %s", n || links ? "\n" : "",
				name, type, why ? ", " : "", why ? why : "", f->media[i].url);
		if (!rc)
			rc = buf_puts(html, "<p>Attachment: <a href=\"");
		if (!rc)
			rc = html_url_attr(html, f->media[i].url);
		if (!rc)
			rc = buf_puts(html, "\">");
		if (!rc)
			rc = html_txt(html, name);
		if (!rc)
			rc = buf_puts(html, "</a> (");
		if (!rc)
			rc = html_txt(html, type);
		if (!rc && why) {
			rc = buf_puts(html, ", ");
			if (!rc)
				rc = html_txt(html, why);
		}
		if (!rc)
			rc = buf_puts(html, ")</p>");
		free(name);
		free(type);
		links++;
	}
	if (!rc && text->len == 0)
		rc = buf_puts(text, "(empty message)");
	return rc;
}

/* MC6: inbound from the customer, outbound from the agent to the
 * customer; always imported (sent_datetime), never sent by Gorgias. */
/* gorgias-api.md §9.4: source.type "sms" is UNCONFIRMED; the one public
 * SMS bridge (S5) sends "phone" on channel sms. "sms" first; an account
 * refusing it gets "phone" from then on. */
static const struct optional_field sms_ticket_optional[] = {
	{ "messages.*.source.type", "phone", "sms" },
};
static const struct optional_field sms_message_optional[] = {
	{ "source.type", "phone", "sms" },
};

static json_t *sms_message(const struct msg_state *st)
{
	const struct msg_facts *f = st->msg;
	const char *line = f->number_digits ? f->number_digits : "";
	char ext[MSG_ID_MAX + 24], sent[32];
	struct buf text, html;
	json_t *m = NULL, *us = NULL, *them = NULL, *atts = NULL;

	buf_init(&text, 0);
	buf_init(&html, 0);
	if (render_body(st, &text, &html))
		goto out;
	snprintf(ext, sizeof ext, "aircall:message:%s", f->id);
	msg_time_iso(f->sent_ms > 0 ? f->sent_ms : st->now * 1000, sent);
	us = json_pack("{s:s, s:s}", "address", line, "name", f->number_name ? f->number_name : "");
	them = json_pack("{s:s}", "address", st->phone);
	atts = json_array();
	if (!us || !them || !atts)
		goto out;
	for (size_t i = 0; i < f->nmedia; i++)
		if (json_object_get(upload_of(st, i), "attachment") &&
		    json_array_append(atts, json_object_get(upload_of(st, i), "attachment")))
			goto out;
	m = json_pack("{s:s, s:s, s:b, s:{s:s, s:O, s:[O]}, s:s, s:s, s:s, s:s, s:O}",
		      "channel", "sms", "via", "api", "from_agent", f->outbound,
		      "source", "type", "sms", "from", f->outbound ? us : them,
		      "to", f->outbound ? them : us,
		      "body_text", text.p, "body_html", html.p, "external_id", ext,
		      "sent_datetime", sent, "attachments", atts);
	if (m && (json_object_set_new(m, "sender",
				      json_pack("{s:I}", "id", (json_int_t)(f->outbound ? author(st)
										  : st->customer_id))) ||
		  (f->outbound && json_object_set_new(m, "receiver", json_pack("{s:I}", "id",
									(json_int_t)st->customer_id))))) {
		json_decref(m);
		m = NULL;
	}
out:
	json_decref(us);
	json_decref(them);
	json_decref(atts);
	buf_free(&text);
	buf_free(&html);
	return m;
}

static int plan_ticket(const struct msg_state *st, struct msg_op *op, json_t *message)
{
	const struct msg_facts *f = st->msg;
	char *subject = render_sms_subject(st->customer_name, st->phone, st->locale);
	char ext[MSG_ID_MAX + 24];
	json_t *tags;

	if (!subject) {
		json_decref(message);
		return AG_ENOMEM;
	}
	/* TM1; the number's name only when Aircall gave one. */
	tags = f->number_name ? json_pack("[{s:s}, {s:s}]", "name", "Aircall SMS", "name", f->number_name)
			      : json_pack("[{s:s}]", "name", "Aircall SMS");
	snprintf(ext, sizeof ext, "aircall:sms:%s", f->id);
	op->kind = MSG_OP_CREATE_TICKET;
	op->optional = sms_ticket_optional;
	op->noptional = sizeof sms_ticket_optional / sizeof sms_ticket_optional[0];
	op->body = json_pack("{s:s, s:s, s:b, s:s, s:s, s:{s:I}, s:o, s:s, s:[o]}",
			     "channel", "sms", "via", "api", "from_agent", f->outbound,
			     "status", "open", "subject", subject,
			     "customer", "id", (json_int_t)st->customer_id, "tags", tags,
			     "external_id", ext, "messages", message);
	free(subject);
	if (!op->body)
		return AG_ENOMEM;
	/* CT7 (via MT1): the agent with the same email, else unassigned. */
	if (st->agent_user_id &&
	    json_object_set_new(op->body, "assignee_user",
				json_pack("{s:I}", "id", (json_int_t)st->agent_user_id)))
		return AG_ENOMEM;
	return AG_OK;
}

static int plan_failure(const struct msg_state *st, struct msg_op *op)
{
	const struct msg_facts *f = st->msg;
	char key[sizeof op->key], text[400];
	struct buf html;

	snprintf(key, sizeof key, "fail:%s", f->id);
	if (posted(st, key))
		return AG_OK;
	if (!st->ticket_id) {
		op->kind = MSG_OP_SKIP;
		op->reason = "delivery failed, but no conversation ticket to note it on";
		return AG_OK;
	}
	if (f->user_email && !st->agent_resolved) {
		op->kind = MSG_OP_RESOLVE_AGENT;
		op->email = f->user_email;
		return AG_OK;
	}
	if (!st->agent_user_id && !st->admin_resolved) {
		op->kind = MSG_OP_RESOLVE_ADMIN;
		return AG_OK;
	}
	if (!author(st)) {
		op->kind = MSG_OP_SKIP;
		op->reason = "no Gorgias user to author the failure note (TS4)";
		return AG_OK;
	}
	snprintf(text, sizeof text, "The SMS to %s was not delivered (Aircall status: %.40s).",
		 st->phone ? st->phone : "the customer", f->status);
	buf_init(&html, 0);
	if (buf_puts(&html, "<p>") || html_txt(&html, text) || buf_puts(&html, "</p>")) {
		buf_free(&html);
		return AG_ENOMEM;
	}
	op->kind = MSG_OP_FAILURE_NOTE;
	op->ticket_id = st->ticket_id;
	op->body = json_pack("{s:s, s:s, s:b, s:{s:I}, s:{s:s}, s:s, s:s, s:s+}",
			     "channel", "internal-note", "via", "api", "from_agent", 1,
			     "sender", "id", (json_int_t)author(st), "source", "type", "internal-note",
			     "body_text", text, "body_html", html.p,
			     "external_id", "aircall:message-failed:", f->id);
	buf_free(&html);
	snprintf(op->key, sizeof op->key, "%s", key);
	return op->body ? AG_OK : AG_ENOMEM;
}

int plan_message(const struct msg_state *st, struct msg_op *op)
{
	const struct msg_facts *f = st->msg;
	int64_t when;
	char key[sizeof op->key];
	json_t *m;

	memset(op, 0, sizeof *op);
	if (!st->number_selected) {
		op->kind = MSG_OP_SKIP;
		op->reason = "number not selected (SU3)";
		return AG_OK;
	}
	if (f->channel && strcmp(f->channel, "sms") != 0 && strcmp(f->channel, "mms") != 0) {
		op->kind = MSG_OP_SKIP;
		op->reason = "not an SMS/MMS (MC1)";
		return AG_OK;
	}
	if (f->status_event) {
		if (!msg_status_failed(f->status)) {
			op->kind = MSG_OP_SKIP;
			op->reason = "delivery status: nothing to show";
			return AG_OK;
		}
		return plan_failure(st, op);
	}
	msg_posted_key(key, sizeof key, f->id);
	if (posted(st, key))
		return AG_OK;
	if (!st->phone) {
		op->kind = MSG_OP_SKIP;
		op->reason = "no usable external number";
		return AG_OK;
	}
	if (f->user_email && !st->agent_resolved) {
		op->kind = MSG_OP_RESOLVE_AGENT;
		op->email = f->user_email;
		return AG_OK;
	}
	if (f->outbound && !st->agent_user_id && !st->admin_resolved) {
		op->kind = MSG_OP_RESOLVE_ADMIN;
		return AG_OK;
	}
	if (f->outbound && !author(st)) {
		op->kind = MSG_OP_SKIP;
		op->reason = "no Gorgias user matches the agent and the account has no admin (TS4)";
		return AG_OK;
	}
	/* MC2-MC5 from Gorgias's own state of the conversation's ticket. */
	if (st->ticket_id && st->ticket == TICKET_UNCHECKED) {
		op->kind = MSG_OP_CHECK_TICKET;
		op->ticket_id = st->ticket_id;
		return AG_OK;
	}
	when = f->sent_ms > 0 ? f->sent_ms / 1000 : st->now;
	if (st->ticket_id && st->ticket == TICKET_CLOSED && st->closed_at > 0 &&
	    when - st->closed_at < MSG_REOPEN_WINDOW_S) {
		op->kind = MSG_OP_REOPEN;
		op->ticket_id = st->ticket_id;
		op->body = json_pack("{s:s}", "status", "open");
		return op->body ? AG_OK : AG_ENOMEM;
	}
	if (!st->customer_id)
		return plan_customer(st, op);
	/* MC7: images and PDFs become attachments of this very message. */
	for (size_t i = 0; i < f->nmedia; i++) {
		if (msg_media_uploadable(f->media[i].type) && !upload_of(st, i)) {
			op->kind = MSG_OP_UPLOAD;
			op->media_index = i;
			return AG_OK;
		}
	}
	m = sms_message(st);
	if (!m)
		return AG_ENOMEM;
	snprintf(op->key, sizeof op->key, "%s", key);
	if (st->ticket_id && st->ticket == TICKET_OPEN) {
		op->kind = MSG_OP_ADD_MESSAGE; /* MC3 */
		op->ticket_id = st->ticket_id;
		op->body = m;
		op->optional = sms_message_optional;
		op->noptional = sizeof sms_message_optional / sizeof sms_message_optional[0];
		return AG_OK;
	}
	return plan_ticket(st, op, m);      /* first message, MC4, MC5 beyond 72 h */
}
