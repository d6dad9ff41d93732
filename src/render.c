#include "render.h"
#include "buf.h"
#include "err.h"
#include "html.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A comment or name longer than this is cut: a note is for people. */
#define VALUE_MAX 10000

static int is_de(const char *locale)
{
	return locale && strcmp(locale, "de") == 0;
}

#define T(o, en, de) (is_de((o)->locale) ? (de) : (en))

void render_free(struct rendered *r)
{
	free(r->text);
	free(r->html);
	r->text = r->html = NULL;
}

char *render_duration(int64_t s, const char *locale)
{
	int de = is_de(locale);
	struct buf b;

	buf_init(&b, 128);
	if (s < 0)
		s = 0;
	if (s >= 3600)
		buf_printf(&b, de ? "%" PRId64 " Std. %02" PRId64 " Min. %02" PRId64 " Sek."
				  : "%" PRId64 " h %02" PRId64 " min %02" PRId64 " s",
			   s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		buf_printf(&b, de ? "%" PRId64 " Min. %02" PRId64 " Sek." : "%" PRId64 " min %02" PRId64 " s",
			   s / 60, s % 60);
	else
		buf_printf(&b, de ? "%" PRId64 " Sek." : "%" PRId64 " s", s);
	return buf_steal(&b);
}

/* Converting to a zone means switching TZ for the process (single-threaded)
 * and putting the previous value back. */
char *render_time(int64_t t, const char *zone, const char *locale)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char out[64], path[160];
	time_t tt = (time_t)t;
	struct tm tm;
	int valid = zone && *zone && !strstr(zone, "..") && zone[0] != '/';

	if (valid) {
		/* An unknown zone would silently read as UTC under its own name. */
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
		FILE *f = fopen(path, "r");
		valid = f != NULL;
		if (f)
			fclose(f);
	}
	setenv("TZ", valid ? zone : "UTC", 1);
	tzset();
	if (!localtime_r(&tt, &tm))
		memset(&tm, 0, sizeof tm);
	strftime(out, sizeof out, is_de(locale) ? "%d.%m.%Y %H:%M:%S %Z" : "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
	return strdup(out);
}

const char *render_missed_reason(const char *reason, const char *locale)
{
	static const struct { const char *code, *en, *de; } words[] = {
		{ "out_of_opening_hours", "outside opening hours", "außerhalb der Öffnungszeiten" },
		{ "short_abandoned", "the caller hung up quickly", "der Anrufer hat sofort aufgelegt" },
		{ "abandoned_in_ivr", "the caller hung up in the IVR", "der Anrufer hat im Sprachmenü aufgelegt" },
		{ "abandoned_in_classic", "the caller hung up while waiting",
		  "der Anrufer hat in der Warteschleife aufgelegt" },
		{ "no_available_agent", "no available agent", "kein Agent verfügbar" },
		{ "agents_did_not_answer", "the agents did not answer", "die Agenten haben nicht abgenommen" },
	};
	for (size_t i = 0; reason && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(reason, words[i].code) == 0)
			return is_de(locale) ? words[i].de : words[i].en;
	return NULL;
}

static int placeholder_name(const char *name)
{
	return !name || !*name || strncmp(name, "Aircall New Contact", 19) == 0;
}

char *render_call_subject(const struct call_facts *f, const struct render_opts *o)
{
	const char *who = !placeholder_name(o->customer_name) ? o->customer_name
			: o->customer_phone ? o->customer_phone : T(o, "anonymous", "unbekannt");
	struct buf b;

	buf_init(&b, 1024);
	buf_printf(&b, "%s: %.200s", f->direction == CALL_OUTBOUND ? T(o, "Outbound call", "Ausgehender Anruf")
								  : T(o, "Inbound call", "Eingehender Anruf"),
		   who);
	return buf_steal(&b);
}

char *render_sms_subject(const char *name, const char *phone, const char *locale)
{
	struct buf b;

	buf_init(&b, 1024);
	buf_printf(&b, is_de(locale) ? "SMS-Konversation mit %.200s" : "SMS conversation with %.200s",
		   !placeholder_name(name) ? name : phone ? phone : (is_de(locale) ? "unbekannt" : "unknown"));
	return buf_steal(&b);
}

/* Builds text and HTML side by side. */
struct note {
	struct buf text;
	struct buf html;
	int rc;
};

static void note_init(struct note *n, const char *title)
{
	buf_init(&n->text, 256 * 1024);
	buf_init(&n->html, 512 * 1024);
	n->rc = AG_OK;
	if (buf_printf(&n->text, "%s\n", title) || buf_puts(&n->html, "<p><strong>") ||
	    html_txt(&n->html, title) || buf_puts(&n->html, "</strong></p><p>"))
		n->rc = AG_ENOMEM;
}

static void clip(const char *s, char **out)
{
	size_t n = s ? strlen(s) : 0;

	*out = NULL;
	if (n <= VALUE_MAX)
		return;
	*out = malloc(VALUE_MAX + 4);
	if (*out) {
		memcpy(*out, s, VALUE_MAX);
		memcpy(*out + VALUE_MAX, "\xe2\x80\xa6", 4);
	}
}

static void field(struct note *n, const char *label, const char *value)
{
	char *cut;

	if (n->rc || !value || !*value)
		return;
	clip(value, &cut);
	if (cut)
		value = cut;
	if (buf_printf(&n->text, "%s: %s\n", label, value) || buf_puts(&n->html, "<b>") ||
	    html_txt(&n->html, label) || buf_puts(&n->html, ":</b> ") || html_txt(&n->html, value) ||
	    buf_puts(&n->html, "<br>"))
		n->rc = AG_ENOMEM;
	free(cut);
}

static void field_owned(struct note *n, const char *label, char *value)
{
	field(n, label, value);
	free(value);
}

static void link_field(struct note *n, const char *label, const char *url)
{
	if (n->rc || !url || !*url)
		return;
	if (buf_printf(&n->text, "%s: %s\n", label, url) || buf_puts(&n->html, "<b>") ||
	    html_txt(&n->html, label) || buf_puts(&n->html, ":</b> <a href=\"") ||
	    html_url_attr(&n->html, url) || buf_puts(&n->html, "\">") || html_txt(&n->html, url) ||
	    buf_puts(&n->html, "</a><br>"))
		n->rc = AG_ENOMEM;
}

static void line(struct note *n, const char *s)
{
	if (n->rc || !s)
		return;
	if (buf_printf(&n->text, "%s\n", s) || html_txt(&n->html, s) || buf_puts(&n->html, "<br>"))
		n->rc = AG_ENOMEM;
}

static int note_finish(struct note *n, struct rendered *out)
{
	if (!n->rc && buf_puts(&n->html, "</p>"))
		n->rc = AG_ENOMEM;
	if (n->rc) {
		buf_free(&n->text);
		buf_free(&n->html);
		return n->rc;
	}
	/* no trailing newline in the text body */
	if (n->text.len && n->text.p[n->text.len - 1] == '\n')
		n->text.p[--n->text.len] = '\0';
	out->text = buf_steal(&n->text);
	out->html = buf_steal(&n->html);
	return out->text && out->html ? AG_OK : AG_ENOMEM;
}

static char *number_label(const struct call_facts *f)
{
	struct buf b;

	buf_init(&b, 1024);
	if (f->number_name && f->number_digits)
		buf_printf(&b, "%.200s (%.40s)", f->number_name, f->number_digits);
	else
		buf_printf(&b, "%.200s", f->number_name ? f->number_name : f->number_digits ? f->number_digits : "");
	return buf_steal(&b);
}

static char *joined_teams(const struct call_facts *f)
{
	struct buf b;

	buf_init(&b, 4096);
	for (size_t i = 0; i < f->nteams; i++)
		buf_printf(&b, "%s%.100s", i ? ", " : "", f->teams[i]);
	return buf_steal(&b);
}

static char *joined_ivr(const struct call_facts *f)
{
	struct buf b;

	buf_init(&b, 4096);
	for (size_t i = 0; i < f->nivr; i++) {
		const char *title = f->ivr[i].title ? f->ivr[i].title : "";
		const char *key = f->ivr[i].key;
		buf_printf(&b, "%s%s%.20s%s%.100s", i ? ", " : "", key ? "[" : "", key ? key : "",
			   key ? "] " : "", title);
	}
	return buf_steal(&b);
}

static void party_fields(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	field(n, T(o, "Direction", "Richtung"), f->direction == CALL_OUTBOUND ? T(o, "Outbound", "Ausgehend")
									     : T(o, "Inbound", "Eingehend"));
	field(n, T(o, "Customer number", "Kundennummer"),
	      o->customer_phone ? o->customer_phone : T(o, "hidden", "unterdrückt"));
	field_owned(n, T(o, "Aircall number", "Aircall-Nummer"), number_label(f));
}

static void context_fields(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	if (f->nivr)
		field_owned(n, T(o, "IVR options", "IVR-Auswahl"), joined_ivr(f));
	if (f->nteams)
		field_owned(n, T(o, "Aircall team", "Aircall-Team"), joined_teams(f));
}

static void time_field(struct note *n, const struct render_opts *o, const char *en, const char *de,
		       int64_t t)
{
	if (t > 0)
		field_owned(n, T(o, en, de), render_time(t, o->time_zone, o->locale));
}

static void call_link(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	char url[512];

	/* The dashboard's call page; Aircall's direct_link is an API URL. */
	if (!o->dashboard_url)
		return;
	snprintf(url, sizeof url, "%s/calls/%" PRId64, o->dashboard_url, f->id);
	link_field(n, T(o, "Call in Aircall", "Anruf in Aircall"), url);
}

static void comments_block(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	if (!f->ncomments)
		return;
	line(n, T(o, "Agent notes:", "Notizen des Agenten:"));
	for (size_t i = 0; i < f->ncomments; i++) {
		const struct call_comment *c = &f->comments[i];
		char *cut = NULL;
		struct buf b;

		clip(c->content, &cut);
		buf_init(&b, VALUE_MAX * 2);
		buf_printf(&b, "- %s%s%.200s%s", cut ? cut : c->content ? c->content : "",
			   c->author_name ? " (" : "", c->author_name ? c->author_name : "",
			   c->author_name ? ")" : "");
		line(n, b.p);
		buf_free(&b);
		free(cut);
	}
}

static void voicemail_fields(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	if (f->voicemail_url || (f->seen & SEEN_VOICEMAIL)) {
		field(n, T(o, "Voicemail", "Sprachnachricht"), T(o, "yes", "ja"));
		link_field(n, T(o, "Listen", "Anhören"), f->asset_url ? f->asset_url : f->voicemail_url);
	}
}

static void missed_reason(struct note *n, const struct call_facts *f, const struct render_opts *o)
{
	const char *words = render_missed_reason(f->missed_call_reason, o->locale);

	if (f->missed_call_reason)
		field(n, T(o, "Missed-call reason", "Grund"), words ? words : f->missed_call_reason);
}

int render_note_answered(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;

	note_init(&n, T(o, "Call answered", "Anruf angenommen"));
	party_fields(&n, f, o);
	time_field(&n, o, "Started", "Beginn", f->started_at);
	time_field(&n, o, "Answered", "Angenommen", f->answered_at);
	field(&n, T(o, "Agent", "Agent"), f->user_name);
	context_fields(&n, f, o);
	return note_finish(&n, out);
}

int render_note_ended(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;

	note_init(&n, T(o, "Call ended", "Anruf beendet"));
	time_field(&n, o, "Ended", "Ende", f->ended_at);
	if (f->duration >= 0)
		field_owned(&n, T(o, "Duration", "Dauer"), render_duration(f->duration, o->locale));
	field(&n, T(o, "Assigned to", "Zugewiesen an"), f->assigned_name ? f->assigned_name : f->user_name);
	if (f->transferred_to_name)
		field(&n, T(o, "Transferred to", "Weitergeleitet an"), f->transferred_to_name);
	call_link(&n, f, o);
	voicemail_fields(&n, f, o);
	missed_reason(&n, f, o);
	comments_block(&n, f, o);
	return note_finish(&n, out);
}

int render_note_missed(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;

	note_init(&n, f->voicemail_url || (f->seen & SEEN_VOICEMAIL)
			      ? T(o, "Missed call with voicemail", "Verpasster Anruf mit Sprachnachricht")
			      : T(o, "Missed call", "Verpasster Anruf"));
	party_fields(&n, f, o);
	time_field(&n, o, "Started", "Beginn", f->started_at);
	time_field(&n, o, "Ended", "Ende", f->ended_at);
	if (f->duration >= 0)
		field_owned(&n, T(o, "Duration", "Dauer"), render_duration(f->duration, o->locale));
	missed_reason(&n, f, o);
	context_fields(&n, f, o);
	field(&n, T(o, "Assigned to", "Zugewiesen an"), f->assigned_name);
	voicemail_fields(&n, f, o);
	call_link(&n, f, o);
	comments_block(&n, f, o);
	return note_finish(&n, out);
}

int render_note_comment(const struct call_facts *f, const struct call_comment *c,
			const struct render_opts *o, struct rendered *out)
{
	struct note n;
	char *when = c->posted_at > 0 ? render_time(c->posted_at, o->time_zone, o->locale) : NULL;
	char *cut = NULL;

	(void)f;
	note_init(&n, T(o, "Note added in Aircall", "Notiz in Aircall hinzugefügt"));
	field(&n, T(o, "By", "Von"), c->author_name ? c->author_name : T(o, "Aircall API", "Aircall-API"));
	field(&n, T(o, "At", "Am"), when);
	clip(c->content, &cut);
	line(&n, cut ? cut : c->content ? c->content : "");
	free(cut);
	free(when);
	return note_finish(&n, out);
}

int render_note_recording(const struct call_facts *f, const struct render_opts *o, int vm,
			  const char *why, struct rendered *out)
{
	const char *url = f->asset_url ? f->asset_url : vm ? f->voicemail_url : f->recording_url;
	struct note n;

	note_init(&n, vm ? T(o, "Voicemail", "Sprachnachricht") : T(o, "Call recording", "Anrufaufzeichnung"));
	if (!why)
		line(&n, vm ? T(o, "The voicemail is attached.", "Die Sprachnachricht ist angehängt.")
			    : T(o, "The recording is attached.", "Die Aufzeichnung ist angehängt."));
	else if (strcmp(why, "too_large") == 0)
		line(&n, T(o, "The file is larger than 500 MB and was not uploaded to Gorgias; "
			      "listen to it in Aircall.",
			   "Die Datei ist größer als 500 MB und wurde nicht zu Gorgias hochgeladen; "
			   "in Aircall anhören."));
	else
		line(&n, T(o, "The file could not be fetched from Aircall in time (its link expires "
			      "after an hour); listen to it in Aircall.",
			   "Die Datei konnte nicht rechtzeitig von Aircall geholt werden (der Link läuft "
			   "nach einer Stunde ab); in Aircall anhören."));
	link_field(&n, T(o, "Listen", "Anhören"), url);
	call_link(&n, f, o);
	return note_finish(&n, out);
}
