#include "core/render.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/html.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Bounds, in bytes of cleaned UTF-8. A note is read by people: a name or
 * a 1 MB comment beyond these is cut with "…" rather than refused, so a
 * hostile or broken field never makes a note fail (and be retried) forever. */
#define SHORT_MAX 200        /* a name, number, IVR title, team, reason code */
#define URL_MAX 2048         /* longer is not a link anyone should follow */
#define VALUE_MAX 10000      /* one comment */
#define NOTE_MAX 60000       /* all cleaned values of one note together */
/* Backstops only: NOTE_MAX keeps a note far below them (HTML escaping at
 * most sextuples a byte). */
#define TEXT_LIMIT (1u << 20)
#define HTML_LIMIT (4u << 20)

#define ELLIPSIS "\xe2\x80\xa6"
#define REPLACEMENT "\xef\xbf\xbd"
#define DEFAULT_DASHBOARD "https://dashboard.aircall.io"
#define PLACEHOLDER_PREFIX "Aircall New Contact" /* CT4 */

static int is_de(const char *locale)
{
	/* "de", "de-DE", "de_AT": every German variant reads the same notes. */
	return locale && strncasecmp(locale, "de", 2) == 0 &&
	       (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_');
}

#define T(o, en, de) (is_de((o)->locale) ? (de) : (en))

void render_free(struct rendered *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->html);
	r->text = r->html = NULL;
}

/* ------------------------------------------------------------ cleaning */

/* Bidi embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069)
 * can make a note display something other than what it says. */
static int is_bidi_control(const unsigned char *p)
{
	return p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
				(p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9));
}

/* A copy of s fit for a note or a subject: valid UTF-8 (U+FFFD for bad
 * bytes), no control characters (a newline is kept only when multiline,
 * else it and tabs become spaces, so a name cannot forge extra note lines),
 * trimmed, and at most max bytes followed by "…" when it was longer.
 * NULL when s is NULL or nothing is left, or (with *oom set) when out of
 * memory. */
static char *clean_dup(const char *s, size_t max, int multiline, int *oom)
{
	struct buf b;
	const char *p = s;
	char *res = NULL;
	size_t start = 0;
	int cut = 0;

	if (!s)
		return NULL;
	buf_init(&b, 0);
	while (*p) {
		const unsigned char c = (unsigned char)*p;
		size_t n = html_utf8_len(p);
		const char *piece = p;
		size_t plen = n;

		if (n == 0) {
			piece = REPLACEMENT;
			plen = 3;
			n = 1;
		} else if (n == 1 && (c < 0x20 || c == 0x7f)) {
			if (c == '\n' && multiline)
				piece = "\n";
			else if (c == '\n' || c == '\t')
				piece = " ";
			else
				plen = 0;
		} else if (n == 3 && is_bidi_control((const unsigned char *)p)) {
			plen = 0;
		}
		if (b.len + plen > max) {
			cut = 1;
			break;
		}
		if (plen && buf_append(&b, piece, plen))
			goto out;
		p += n;
	}
	while (b.len && (b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\n'))
		b.p[--b.len] = '\0';
	while (start < b.len && (b.p[start] == ' ' || b.p[start] == '\n'))
		start++;
	if (start) {
		memmove(b.p, b.p + start, b.len - start + 1);
		b.len -= start;
	}
	if (cut && buf_puts(&b, ELLIPSIS))
		goto out;
	if (b.len > 0)
		res = buf_steal(&b);
out:
	if (b.err)
		*oom = 1;
	buf_free(&b);
	return res;
}

static int is_placeholder(const char *clean)
{
	return strncasecmp(clean, PLACEHOLDER_PREFIX, strlen(PLACEHOLDER_PREFIX)) == 0;
}

/* The customer's name as a person would want to see it: NULL when empty
 * or the CT4 placeholder (which only repeats the phone number). */
static char *display_name(const char *name, int *oom)
{
	char *s = clean_dup(name, SHORT_MAX, 0, oom);

	if (s && is_placeholder(s)) {
		free(s);
		s = NULL;
	}
	return s;
}

/* ------------------------------------------------------------ subjects */

static char *subject(const char *prefix, const char *name, const char *phone, const char *nobody)
{
	int oom = 0;
	char *who = display_name(name, &oom);
	struct buf b;

	if (!who && !oom)
		who = clean_dup(phone, SHORT_MAX, 0, &oom);
	if (oom)
		return NULL;
	buf_init(&b, 0);
	if (buf_puts(&b, prefix) || buf_puts(&b, who ? who : nobody)) {
		buf_free(&b);
		free(who);
		return NULL;
	}
	free(who);
	return buf_steal(&b);
}

char *render_call_subject(const struct call_facts *f, const struct render_opts *o)
{
	if (!f || !o)
		return NULL;
	return subject(f->direction == CALL_OUTBOUND ? T(o, "Outbound call: ", "Ausgehender Anruf: ")
						     : T(o, "Inbound call: ", "Eingehender Anruf: "),
		       o->customer_name, o->customer_phone, T(o, "anonymous", "unbekannt"));
}

char *render_sms_subject(const char *customer_name, const char *phone, const char *locale)
{
	int de = is_de(locale);

	return subject(de ? "SMS-Konversation mit " : "SMS conversation with ", customer_name, phone,
		       de ? "unbekannt" : "unknown");
}

/* ------------------------------------------------- durations and times */

char *render_duration(int64_t s, const char *locale)
{
	int de = is_de(locale);
	struct buf b;
	int rc;

	buf_init(&b, 0);
	if (s < 0)
		rc = buf_puts(&b, de ? "unbekannt" : "unknown");
	else if (s >= 3600)
		rc = buf_printf(&b, de ? "%" PRId64 " Std. %02d Min. %02d Sek." : "%" PRId64 " h %02d min %02d s",
				s / 3600, (int)(s / 60 % 60), (int)(s % 60));
	else if (s >= 60)
		rc = buf_printf(&b, de ? "%d Min. %02d Sek." : "%d min %02d s", (int)(s / 60), (int)(s % 60));
	else
		rc = buf_printf(&b, de ? "%d Sek." : "%d s", (int)s);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Is zone an IANA name with compiled data here? glibc would otherwise read
 * an unknown name as a POSIX TZ string and show UTC under a made-up
 * abbreviation; the name check also keeps it from opening other files. */
static int zone_ok(const char *zone)
{
	const char *dir = getenv("TZDIR");
	char magic[4];
	struct buf path;
	FILE *fp;
	int ok = 0;

	if (!zone || !*zone || zone[0] == '/' || strlen(zone) > 128 || strstr(zone, ".."))
		return 0;
	for (const char *p = zone; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return 0;
	buf_init(&path, 0);
	if (buf_printf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone) == AG_OK &&
	    (fp = fopen(path.p, "rb")) != NULL) {
		ok = fread(magic, 1, sizeof magic, fp) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
		fclose(fp);
	}
	buf_free(&path);
	return ok;
}

/* The only process-wide state rendering touches: TZ is switched for one
 * conversion and the previous value (or its absence) put back, so the
 * rest of the process never sees the installation's zone. */
struct tz_switch {
	char *saved;
	int had;
};

static int tz_enter(struct tz_switch *sw, const char *zone)
{
	const char *cur = getenv("TZ");

	sw->had = cur != NULL;
	sw->saved = NULL;
	/* setenv may reuse the memory getenv pointed at: copy it first. */
	if (cur && !(sw->saved = strdup(cur)))
		return AG_ENOMEM;
	/* "UTC0" is a POSIX rule, so the fallback needs no zone data at all. */
	if (setenv("TZ", zone_ok(zone) ? zone : "UTC0", 1)) {
		free(sw->saved);
		return AG_ENOMEM;
	}
	tzset();
	return AG_OK;
}

static void tz_leave(struct tz_switch *sw)
{
	if (sw->had)
		setenv("TZ", sw->saved, 1);
	else
		unsetenv("TZ");
	free(sw->saved);
	sw->saved = NULL;
	tzset();
}

/* German readers know the Central European zones by their German names. */
static const char *zone_abbr(const char *abbr, int de)
{
	if (de && strcmp(abbr, "CET") == 0)
		return "MEZ";
	if (de && strcmp(abbr, "CEST") == 0)
		return "MESZ";
	return abbr;
}

char *render_time(int64_t t, const char *time_zone, const char *locale)
{
	int de = is_de(locale);
	char date[64] = "", abbr[64] = "";
	struct tz_switch sw;
	struct tm tm;
	struct buf b;
	int ok = 0, rc;

	/* Beyond year ±30000 localtime_r fails or the year overflows. */
	if (t > -900000000000LL && t < 900000000000LL) {
		time_t tt = (time_t)t;

		if (tz_enter(&sw, time_zone))
			return NULL;
		if (localtime_r(&tt, &tm)) {
			ok = strftime(date, sizeof date, de ? "%d.%m.%Y %H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm) > 0;
			/* %Z reads the zone data, so it must run before TZ is restored. */
			if (ok && strftime(abbr, sizeof abbr, "%Z", &tm) == 0)
				abbr[0] = '\0';
		}
		tz_leave(&sw);
	}
	buf_init(&b, 0);
	if (!ok)
		rc = buf_printf(&b, "@%" PRId64, t);
	else if (abbr[0])
		rc = buf_printf(&b, "%s %s", date, zone_abbr(abbr, de));
	else
		rc = buf_puts(&b, date);
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

const char *render_missed_reason(const char *reason, const char *locale)
{
	/* Aircall's documented missed_call_reason values (reference §3). */
	static const struct {
		const char *code, *en, *de;
	} words[] = {
		{ "out_of_opening_hours", "Outside opening hours", "Außerhalb der Öffnungszeiten" },
		{ "short_abandoned", "The caller hung up within seconds",
		  "Der Anrufer hat nach wenigen Sekunden aufgelegt" },
		{ "abandoned_in_ivr", "The caller hung up in the IVR menu",
		  "Der Anrufer hat im IVR-Menü aufgelegt" },
		{ "abandoned_in_classic", "The caller hung up while waiting",
		  "Der Anrufer hat in der Warteschleife aufgelegt" },
		{ "no_available_agent", "No available agent", "Kein Agent verfügbar" },
		{ "agents_did_not_answer", "The agents did not answer", "Die Agenten haben nicht abgenommen" },
	};

	for (size_t i = 0; reason && i < sizeof words / sizeof words[0]; i++)
		if (strcmp(reason, words[i].code) == 0)
			return is_de(locale) ? words[i].de : words[i].en;
	return NULL;
}

/* --------------------------------------------------------- note builder */

/* Builds the text and HTML bodies side by side, so both always say the
 * same; the first error sticks and later calls do nothing. */
struct note {
	struct buf text, html;
	const struct render_opts *o;
	size_t budget;   /* bytes of cleaned values still allowed (NOTE_MAX) */
	int rc;
	int in_p;        /* a <p> of field rows is open */
};

static void tx(struct note *n, const char *s)
{
	if (!n->rc)
		n->rc = buf_puts(&n->text, s);
}

static void hraw(struct note *n, const char *markup)
{
	if (!n->rc)
		n->rc = buf_puts(&n->html, markup);
}

static void hesc(struct note *n, const char *s)
{
	if (!n->rc)
		n->rc = html_txt(&n->html, s);
}

/* Escaped, with each newline a <br>. */
static void hlines(struct note *n, const char *s)
{
	struct buf piece;

	buf_init(&piece, 0);
	while (!n->rc) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		buf_reset(&piece);
		if ((n->rc = buf_append(&piece, s, len)))
			break;
		hesc(n, piece.p);
		if (!nl)
			break;
		hraw(n, "<br>");
		s = nl + 1;
	}
	buf_free(&piece);
}

/* Plain text, continuation lines indented under a "- " bullet. */
static void tx_indented(struct note *n, const char *s)
{
	while (!n->rc) {
		const char *nl = strchr(s, '\n');

		if (!nl) {
			tx(n, s);
			break;
		}
		n->rc = buf_append(&n->text, s, (size_t)(nl - s));
		tx(n, "\n  ");
		s = nl + 1;
	}
}

/* A cleaned, bounded copy of an outside value, charged to the note's
 * budget. NULL when there is nothing to show (or on error, recorded). */
static char *value(struct note *n, const char *raw, size_t max, int multiline)
{
	int oom = 0;
	char *s;
	size_t len;

	if (n->rc || !raw)
		return NULL;
	s = clean_dup(raw, max < n->budget ? max : n->budget, multiline, &oom);
	if (oom)
		n->rc = AG_ENOMEM;
	if (!s)
		return NULL;
	len = strlen(s);
	n->budget = len < n->budget ? n->budget - len : 0;
	return s;
}

static void note_init(struct note *n, const struct render_opts *o)
{
	buf_init(&n->text, TEXT_LIMIT);
	buf_init(&n->html, HTML_LIMIT);
	n->o = o;
	n->budget = NOTE_MAX;
	n->rc = AG_OK;
	n->in_p = 0;
}

static void note_title(struct note *n, const char *title)
{
	tx(n, title);
	tx(n, "\n");
	hraw(n, "<p><strong>");
	hesc(n, title);
	hraw(n, "</strong></p>");
}

static void row_begin(struct note *n)
{
	hraw(n, n->in_p ? "<br>" : "<p>");
	n->in_p = 1;
}

static void para_end(struct note *n)
{
	if (n->in_p)
		hraw(n, "</p>");
	n->in_p = 0;
}

/* "Label: value" — value is already clean (ours, or from value()). */
static void field(struct note *n, const char *label, const char *val)
{
	if (!val)
		return;
	row_begin(n);
	tx(n, label);
	tx(n, ": ");
	tx(n, val);
	tx(n, "\n");
	hraw(n, "<b>");
	hesc(n, label);
	hraw(n, ":</b> ");
	hesc(n, val);
}

static void field_value(struct note *n, const char *label, const char *raw, size_t max)
{
	char *v = value(n, raw, max, 0);

	field(n, label, v);
	free(v);
}

/* A URL row: a link in HTML only when it is a whole http(s) URL. */
static void field_link(struct note *n, const char *label, const char *raw)
{
	char *u = value(n, raw, URL_MAX, 0);

	if (!u)
		return;
	row_begin(n);
	tx(n, label);
	tx(n, ": ");
	tx(n, u);
	tx(n, "\n");
	hraw(n, "<b>");
	hesc(n, label);
	hraw(n, ":</b> ");
	if (html_url_ok(u) && strlen(raw) <= URL_MAX) {
		hraw(n, "<a href=\"");
		if (!n->rc)
			n->rc = html_url_attr(&n->html, u);
		hraw(n, "\">");
		hesc(n, u);
		hraw(n, "</a>");
	} else {
		hesc(n, u);
	}
	free(u);
}

/* A sentence of our own on its own line. */
static void sentence(struct note *n, const char *s)
{
	row_begin(n);
	tx(n, s);
	tx(n, "\n");
	hesc(n, s);
}

static int note_finish(struct note *n, struct rendered *out)
{
	para_end(n);
	if (n->rc) {
		buf_free(&n->text);
		buf_free(&n->html);
		return n->rc;
	}
	while (n->text.len && n->text.p[n->text.len - 1] == '\n')
		n->text.p[--n->text.len] = '\0';
	out->text = buf_steal(&n->text);
	out->html = buf_steal(&n->html);
	if (!out->text || !out->html) {
		render_free(out);
		return AG_ENOMEM;
	}
	return AG_OK;
}

static int begin(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	if (out)
		out->text = out->html = NULL;
	return f && o && out ? AG_OK : AG_EINVAL;
}

/* ---------------------------------------------------------- note parts */

static void time_field(struct note *n, const char *label, int64_t t)
{
	char *s;

	if (n->rc || t <= 0)
		return;
	s = render_time(t, n->o->time_zone, n->o->locale);
	if (!s)
		n->rc = AG_ENOMEM;
	field(n, label, s);
	free(s);
}

/* Aircall's duration includes ringing; when it is missing (or still the 0
 * of call.created) the timestamps give the same number. */
static int64_t call_duration(const struct call_facts *f)
{
	if (f->duration > 0)
		return f->duration;
	if (f->started_at > 0 && f->ended_at >= f->started_at)
		return f->ended_at - f->started_at;
	return f->duration == 0 && f->ended_at > 0 ? 0 : -1;
}

static void duration_field(struct note *n, const struct call_facts *f)
{
	int64_t d = call_duration(f);
	char *s;

	if (n->rc || d < 0)
		return;
	s = render_duration(d, n->o->locale);
	if (!s)
		n->rc = AG_ENOMEM;
	field(n, T(n->o, "Duration", "Anrufdauer"), s);
	free(s);
}

static void direction_field(struct note *n, const struct call_facts *f)
{
	field(n, T(n->o, "Call direction", "Anrufrichtung"),
	      f->direction == CALL_OUTBOUND ? T(n->o, "Outbound", "Ausgehend") : T(n->o, "Inbound", "Eingehend"));
}

static void customer_fields(struct note *n, const struct call_facts *f)
{
	const struct render_opts *o = n->o;
	int oom = 0;
	char *name = display_name(o->customer_name, &oom);
	const char *phone = o->customer_phone;

	if (oom)
		n->rc = AG_ENOMEM;
	field(n, T(o, "Customer", "Kunde"), name);
	free(name);
	/* No E.164 number: show what Aircall sent unless it is the hidden-caller marker. */
	if (!phone && f->raw_digits && strcasecmp(f->raw_digits, "anonymous") != 0)
		phone = f->raw_digits;
	if (phone && *phone)
		field_value(n, T(o, "Customer phone number", "Kundentelefonnummer"), phone, SHORT_MAX);
	else
		field(n, T(o, "Customer phone number", "Kundentelefonnummer"),
		      T(o, "hidden (anonymous caller)", "unterdrückt (anonymer Anrufer)"));
	if (o->customer_note && *o->customer_note)
		field_value(n, T(o, "Customer note", "Kundennotiz"), o->customer_note, SHORT_MAX);
}

/* "Support line (+33 4 12 34 56 78)": the line's name and its digits. */
static void aircall_number_field(struct note *n, const struct call_facts *f)
{
	char *name = value(n, f->number_name, SHORT_MAX, 0);
	char *digits = value(n, f->number_digits, SHORT_MAX, 0);
	struct buf b;

	buf_init(&b, 0);
	if (name && digits) {
		if (!n->rc)
			n->rc = buf_printf(&b, "%s (%s)", name, digits);
		field(n, T(n->o, "Aircall number", "Aircall-Nummer"), b.p);
	} else {
		field(n, T(n->o, "Aircall number", "Aircall-Nummer"), name ? name : digits);
	}
	buf_free(&b);
	free(name);
	free(digits);
}

static void ivr_field(struct note *n, const struct call_facts *f)
{
	size_t count = f->nivr < CALL_MAX_IVR ? f->nivr : CALL_MAX_IVR;
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < count && !n->rc; i++) {
		char *title = value(n, f->ivr[i].title, SHORT_MAX, 0);
		char *key = value(n, f->ivr[i].key, 40, 0);

		if (title || key) {
			if (b.len)
				n->rc = buf_puts(&b, " \xe2\x86\x92 "); /* → : the options form a path */
			if (!n->rc && title)
				n->rc = buf_puts(&b, title);
			/* Aircall writes "fallback" when the caller chose nothing. */
			if (!n->rc && key && strcmp(key, "fallback") == 0)
				n->rc = buf_printf(&b, "%s(%s)", title ? " " : "",
						   T(n->o, "no choice", "keine Auswahl"));
			else if (!n->rc && key)
				n->rc = buf_printf(&b, "%s(%s %s)", title ? " " : "", T(n->o, "key", "Taste"), key);
		}
		free(title);
		free(key);
	}
	if (b.len)
		field(n, T(n->o, "IVR options", "IVR-Optionen"), b.p);
	buf_free(&b);
}

static void teams_field(struct note *n, const struct call_facts *f)
{
	size_t count = f->nteams < CALL_MAX_TEAMS ? f->nteams : CALL_MAX_TEAMS, shown = 0;
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < count && !n->rc; i++) {
		char *team = value(n, f->teams[i], SHORT_MAX, 0);

		if (team) {
			if (b.len)
				n->rc = buf_puts(&b, ", ");
			if (!n->rc)
				n->rc = buf_puts(&b, team);
			shown++;
		}
		free(team);
	}
	if (b.len)
		field(n, shown > 1 ? T(n->o, "Aircall teams", "Aircall-Teams") : T(n->o, "Aircall team", "Aircall-Team"),
		      b.p);
	buf_free(&b);
}

static void person_field(struct note *n, const char *label, const char *name, const char *email)
{
	field_value(n, label, name && *name ? name : email, SHORT_MAX);
}

static void agent_field(struct note *n, const struct call_facts *f)
{
	person_field(n, T(n->o, "Agent", "Agent"), f->user_name, f->user_email);
}

static void assigned_field(struct note *n, const struct call_facts *f)
{
	person_field(n, T(n->o, "Assigned user", "Zugewiesener Nutzer"), f->assigned_name, f->assigned_email);
	field_value(n, T(n->o, "Transferred to", "Weitergeleitet an"), f->transferred_to_name, SHORT_MAX);
}

/* The dashboard's page for the call (see render.h for why this form). */
static void call_link(struct note *n, const struct call_facts *f)
{
	const char *base = n->o->dashboard_url && *n->o->dashboard_url ? n->o->dashboard_url : DEFAULT_DASHBOARD;
	size_t len = strlen(base);
	struct buf url;

	if (n->rc || f->id <= 0)
		return;
	while (len && base[len - 1] == '/')
		len--;
	if (len > URL_MAX)
		len = URL_MAX;
	buf_init(&url, 0);
	n->rc = buf_printf(&url, "%.*s/calls/%" PRId64, (int)len, base, f->id);
	if (!n->rc) {
		/* Our own link: it must survive outside values having spent
		 * the note's budget, and it does not spend any. */
		size_t saved = n->budget;

		n->budget = URL_MAX + 16;
		field_link(n, T(n->o, "Call in the Aircall dashboard", "Anruf im Aircall-Dashboard"), url.p);
		n->budget = saved;
	}
	buf_free(&url);
}

static int has_voicemail(const struct call_facts *f)
{
	return (f->voicemail_url && *f->voicemail_url) || (f->seen & SEEN_VOICEMAIL);
}

/* The stable asset page when known; the direct voicemail URL dies within
 * the hour, so it is not worth a link in a note that stays. */
static void voicemail_field(struct note *n, const struct call_facts *f)
{
	if (!has_voicemail(f))
		return;
	if (f->asset_url && *f->asset_url)
		field_link(n, "Voicemail", f->asset_url);
	else
		field(n, "Voicemail", T(n->o, "left by the caller", "vom Anrufer hinterlassen"));
}

static void reason_field(struct note *n, const struct call_facts *f)
{
	const char *words = render_missed_reason(f->missed_call_reason, n->o->locale);
	const char *label = T(n->o, "Missed-call reason", "Grund für verpassten Anruf");

	if (words)
		field(n, label, words);
	else
		field_value(n, label, f->missed_call_reason, SHORT_MAX);
}

/* "Author, time" under a comment; NULL when neither is known. */
static char *comment_byline(struct note *n, const struct call_comment *c)
{
	char *author = value(n, c->author_name && *c->author_name ? c->author_name : c->author_email,
			     SHORT_MAX, 0);
	char *when = NULL;
	struct buf b;

	if (!n->rc && c->posted_at > 0 && !(when = render_time(c->posted_at, n->o->time_zone, n->o->locale)))
		n->rc = AG_ENOMEM;
	buf_init(&b, 0);
	if (!n->rc && (author || when))
		n->rc = buf_printf(&b, "%s%s%s", author ? author : "", author && when ? ", " : "",
				   when ? when : "");
	free(author);
	free(when);
	if (n->rc || !b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* CN2: the agent's notes, as a list, within the note's budget. */
static void comments_block(struct note *n, const struct call_facts *f)
{
	const char *label = T(n->o, "Agent notes", "Notizen des Agenten");
	size_t count = f->ncomments < CALL_MAX_COMMENTS ? f->ncomments : CALL_MAX_COMMENTS, i;
	int listed = 0;

	for (i = 0; i < count && !n->rc && n->budget > 0; i++) {
		const struct call_comment *c = &f->comments[i];
		char *content = value(n, c->content, VALUE_MAX, 1);
		char *by;

		if (!content)
			continue;
		by = comment_byline(n, c);
		if (!listed) {
			para_end(n);
			tx(n, label);
			tx(n, ":\n");
			hraw(n, "<p><b>");
			hesc(n, label);
			hraw(n, ":</b></p><ul>");
			listed = 1;
		}
		tx(n, "- ");
		tx_indented(n, content);
		hraw(n, "<li>");
		hlines(n, content);
		if (by) {
			tx(n, " (");
			tx(n, by);
			tx(n, ")");
			hraw(n, "<br><i>");
			hesc(n, by);
			hraw(n, "</i>");
		}
		tx(n, "\n");
		hraw(n, "</li>");
		free(content);
		free(by);
	}
	if (listed)
		hraw(n, "</ul>");
	if (!n->rc && i < count) {
		struct buf more;

		buf_init(&more, 0);
		n->rc = buf_printf(&more, is_de(n->o->locale) ? ELLIPSIS " %zu weitere Notizen in Aircall"
							      : ELLIPSIS " %zu more notes in Aircall",
				   count - i);
		if (!n->rc)
			sentence(n, more.p);
		buf_free(&more);
	}
}

/* --------------------------------------------------------------- notes */

int render_note_answered(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;
	int rc = begin(f, o, out);

	if (rc)
		return rc;
	note_init(&n, o);
	note_title(&n, T(o, "Call answered", "Anruf angenommen"));
	time_field(&n, T(o, "Start time", "Startzeit"), f->started_at);
	time_field(&n, T(o, "Answer time", "Annahmezeit"), f->answered_at);
	direction_field(&n, f);
	customer_fields(&n, f);
	aircall_number_field(&n, f);
	ivr_field(&n, f);
	teams_field(&n, f);
	agent_field(&n, f);
	return note_finish(&n, out);
}

int render_note_ended(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;
	int rc = begin(f, o, out);

	if (rc)
		return rc;
	note_init(&n, o);
	note_title(&n, T(o, "Call ended", "Anruf beendet"));
	time_field(&n, T(o, "End time", "Endzeit"), f->ended_at);
	duration_field(&n, f);
	assigned_field(&n, f);
	call_link(&n, f);
	voicemail_field(&n, f);
	reason_field(&n, f);
	comments_block(&n, f);
	return note_finish(&n, out);
}

int render_note_missed(const struct call_facts *f, const struct render_opts *o, struct rendered *out)
{
	struct note n;
	int rc = begin(f, o, out);

	if (rc)
		return rc;
	note_init(&n, o);
	note_title(&n, has_voicemail(f) ? T(o, "Missed call with voicemail", "Verpasster Anruf mit Voicemail")
					: T(o, "Missed call", "Verpasster Anruf"));
	time_field(&n, T(o, "Start time", "Startzeit"), f->started_at);
	time_field(&n, T(o, "End time", "Endzeit"), f->ended_at);
	duration_field(&n, f);
	direction_field(&n, f);
	customer_fields(&n, f);
	aircall_number_field(&n, f);
	ivr_field(&n, f);
	teams_field(&n, f);
	reason_field(&n, f);
	agent_field(&n, f);
	assigned_field(&n, f);
	voicemail_field(&n, f);
	call_link(&n, f);
	comments_block(&n, f);
	return note_finish(&n, out);
}

int render_note_comment(const struct call_facts *f, const struct call_comment *c,
			const struct render_opts *o, struct rendered *out)
{
	struct note n;
	char *author, *content, *when = NULL;
	struct buf head;
	int rc = begin(f, o, out);

	if (rc)
		return rc;
	if (!c)
		return AG_EINVAL;
	note_init(&n, o);
	/* posted_by is null when the comment came through the API. */
	author = value(&n, c->author_name && *c->author_name ? c->author_name : c->author_email, SHORT_MAX, 0);
	content = value(&n, c->content, VALUE_MAX, 1);
	if (!n.rc && c->posted_at > 0 && !(when = render_time(c->posted_at, o->time_zone, o->locale)))
		n.rc = AG_ENOMEM;
	buf_init(&head, 0);
	if (!n.rc)
		n.rc = buf_printf(&head, "%s %s", T(o, "Note by", "Notiz von"),
				  author ? author : T(o, "the Aircall API", "der Aircall-API"));
	if (!n.rc && when)
		n.rc = buf_printf(&head, " %s %s", T(o, "at", "am"), when);
	if (!n.rc)
		n.rc = buf_puts(&head, ":");
	/* "Note by <author> at <time>: <content>" on one line in text. */
	tx(&n, head.p);
	tx(&n, " ");
	tx(&n, content ? content : T(o, "(empty)", "(leer)"));
	tx(&n, "\n");
	hraw(&n, "<p><b>");
	hesc(&n, head.p);
	hraw(&n, "</b> ");
	hlines(&n, content ? content : T(o, "(empty)", "(leer)"));
	hraw(&n, "</p>");
	call_link(&n, f);
	buf_free(&head);
	free(author);
	free(content);
	free(when);
	return note_finish(&n, out);
}

int render_note_recording(const struct call_facts *f, const struct render_opts *o, int is_voicemail,
			  const char *link_reason, struct rendered *out)
{
	struct note n;
	const char *direct;
	int rc = begin(f, o, out);

	if (rc)
		return rc;
	direct = is_voicemail ? f->voicemail_url : f->recording_url;
	note_init(&n, o);
	note_title(&n, is_voicemail ? "Voicemail" : T(o, "Call recording", "Anrufaufzeichnung"));
	if (!link_reason) {
		sentence(&n, is_voicemail ? T(o, "The voicemail is attached.", "Die Voicemail ist angehängt.")
					  : T(o, "The call recording is attached.", "Die Anrufaufzeichnung ist angehängt."));
	} else if (strcmp(link_reason, "too_large") == 0) {
		/* TS5, in the German description's words. */
		sentence(&n, is_voicemail
				     ? T(o, "The voicemail is larger than 500 MB, so it was not uploaded to Gorgias.",
					 "Die Größe der Voicemail überschreitet 500 MB; sie wurde nicht zu Gorgias hochgeladen.")
				     : T(o, "The recording is larger than 500 MB, so it was not uploaded to Gorgias.",
					 "Die Aufnahmegröße überschreitet 500 MB; die Aufnahme wurde nicht zu Gorgias hochgeladen."));
	} else if (strcmp(link_reason, "expired") == 0) {
		sentence(&n, T(o, "Aircall's download link expired before the file could be fetched, "
				  "so it was not uploaded to Gorgias.",
			       "Der Download-Link von Aircall ist abgelaufen, bevor die Datei geholt werden konnte; "
			       "sie wurde nicht zu Gorgias hochgeladen."));
	} else if (strcmp(link_reason, "refused") == 0) {
		sentence(&n, T(o, "The bridge fetches files only from public https addresses, "
				  "so it was not uploaded to Gorgias.",
			       "Die Bridge holt Dateien nur von öffentlichen https-Adressen; "
			       "sie wurde nicht zu Gorgias hochgeladen."));
	} else {
		sentence(&n, T(o, "The file was not uploaded to Gorgias.",
			       "Die Datei wurde nicht zu Gorgias hochgeladen."));
		field_value(&n, T(o, "Reason", "Grund"), link_reason, SHORT_MAX);
	}
	if (f->asset_url && *f->asset_url)
		field_link(&n, T(o, "Listen in Aircall", "In Aircall anhören"), f->asset_url);
	else if (link_reason && direct && *direct)
		field_link(&n, T(o, "Listen (link valid for a limited time)", "Anhören (Link nur begrenzt gültig)"),
			   direct);
	call_link(&n, f);
	return note_finish(&n, out);
}
