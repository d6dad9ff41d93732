/* Unit tests for render.c and html.c: subjects (CT5, MT1), durations and
 * zoned times, missed-call reasons, the notes (CN1-CN4, TS5), and the
 * escaping API against hostile input. */
#include "check.h"
#include "base/buf.h"
#include "base/err.h"
#include "core/html.h"
#include "core/render.h"

#include <stdlib.h>
#include <string.h>

#define T_SUMMER 1748772005   /* 2025-06-01 10:00:05 UTC = 12:00:05 CEST */
#define T_WINTER 1736942400   /* 2025-01-15 12:00:00 UTC = 13:00:00 CET */

#define CONTAINS(hay, needle) CHECK((hay) && strstr((hay), (needle)) != NULL)
#define LACKS(hay, needle) CHECK((hay) && strstr((hay), (needle)) == NULL)

static int starts_with(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int valid_utf8(const char *s)
{
	while (*s) {
		size_t n = html_utf8_len(s);
		if (n == 0)
			return 0;
		s += n;
	}
	return 1;
}

/* No control characters other than newline in a text body. */
static int clean_text(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return 0;
	return 1;
}

/* Every href in the HTML is http(s) or "#". */
static int hrefs_safe(const char *html)
{
	const char *p = html;

	while ((p = strstr(p, "href=\"")) != NULL) {
		p += 6;
		if (strncmp(p, "https://", 8) != 0 && strncmp(p, "http://", 7) != 0 && strncmp(p, "#\"", 2) != 0)
			return 0;
	}
	return 1;
}

static char *repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit);
	char *s = malloc(n * times + 1);

	for (size_t i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

static void base_facts(struct call_facts *f)
{
	memset(f, 0, sizeof *f);
	f->id = 5019;
	f->direction = CALL_INBOUND;
	f->seen = SEEN_CREATED | SEEN_ANSWERED | SEEN_ENDED;
	f->started_at = T_SUMMER;
	f->answered_at = T_SUMMER + 10;
	f->ended_at = T_SUMMER + 135;
	f->duration = 135;
	f->raw_digits = "+34 666 44 45 55";
	f->number_id = 58108;
	f->number_name = "Support line";
	f->number_digits = "+33 4 12 34 56 78";
	f->user_id = 216119;
	f->user_name = "Alice Agent";
	f->user_email = "alice@example.com";
	f->assigned_name = "Bob Boss";
	f->teams[0] = "Level 1";
	f->teams[1] = "Billing";
	f->nteams = 2;
	f->ivr[0].title = "Sales";
	f->ivr[0].key = "1";
	f->ivr[1].title = "Spain";
	f->ivr[1].key = "fallback";
	f->nivr = 2;
	f->comments[0].id = 735;
	f->comments[0].content = "Please call back this customer!";
	f->comments[0].posted_at = T_SUMMER + 200;
	f->comments[0].author_name = "Alice Agent";
	f->ncomments = 1;
}

static struct render_opts en_opts(void)
{
	struct render_opts o = { "en", "Europe/Berlin", "https://dashboard.aircall.io", "+34666444555", "Jane Doe", NULL };
	return o;
}

static struct render_opts de_opts(void)
{
	struct render_opts o = { "de", "Europe/Berlin", "https://dashboard.aircall.io", "+34666444555", "Jane Doe", NULL };
	return o;
}

static void check_subject(const struct call_facts *f, const struct render_opts *o, const char *want)
{
	char *s = render_call_subject(f, o);

	CHECK_STR(s, want);
	free(s);
}

static void test_call_subjects(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	char *huge;

	base_facts(&f);
	/* CT5 */
	check_subject(&f, &en, "Inbound call: Jane Doe");
	check_subject(&f, &de, "Eingehender Anruf: Jane Doe");
	f.direction = CALL_OUTBOUND;
	en.customer_name = de.customer_name = NULL;
	check_subject(&f, &en, "Outbound call: +34666444555");
	check_subject(&f, &de, "Ausgehender Anruf: +34666444555");
	/* CT5 with the CT4 placeholder: the phone says more than the placeholder. */
	en.customer_name = de.customer_name = "Aircall New Contact +34666444555";
	check_subject(&f, &en, "Outbound call: +34666444555");
	check_subject(&f, &de, "Ausgehender Anruf: +34666444555");
	en.customer_name = "   ";
	check_subject(&f, &en, "Outbound call: +34666444555");
	/* CT5 anonymous caller */
	f.direction = CALL_INBOUND;
	en.customer_name = de.customer_name = NULL;
	en.customer_phone = de.customer_phone = NULL;
	check_subject(&f, &en, "Inbound call: anonymous");
	check_subject(&f, &de, "Eingehender Anruf: unbekannt");
	/* CT5 a name cannot smuggle a second line or control bytes into the subject */
	en.customer_name = "Jane\r\nDoe\x01";
	check_subject(&f, &en, "Inbound call: Jane Doe");
	en.locale = NULL;
	check_subject(&f, &en, "Inbound call: Jane Doe");
	/* CT5 bounded */
	huge = repeat("x", 1000000);
	en.customer_name = huge;
	{
		char *s = render_call_subject(&f, &en);
		CHECK(s && strlen(s) < 260 && valid_utf8(s));
		CHECK(s && strcmp(s + strlen(s) - 3, "\xe2\x80\xa6") == 0);
		free(s);
	}
	free(huge);
	CHECK(render_call_subject(NULL, &en) == NULL);
	CHECK(render_call_subject(&f, NULL) == NULL);
}

static void test_sms_subjects(void)
{
	char *s;

	/* MT1 */
	s = render_sms_subject("Jane Doe", "+34666444555", "en");
	CHECK_STR(s, "SMS conversation with Jane Doe");
	free(s);
	s = render_sms_subject("Jane Doe", "+34666444555", "de");
	CHECK_STR(s, "SMS-Konversation mit Jane Doe");
	free(s);
	s = render_sms_subject("Aircall New Contact +34666444555", "+34666444555", "en");
	CHECK_STR(s, "SMS conversation with +34666444555");
	free(s);
	s = render_sms_subject(NULL, NULL, "de");
	CHECK_STR(s, "SMS-Konversation mit unbekannt");
	free(s);
}

static void check_duration(int64_t secs, const char *locale, const char *want)
{
	char *s = render_duration(secs, locale);

	CHECK_STR(s, want);
	free(s);
}

static void test_durations(void)
{
	check_duration(0, "en", "0 s");
	check_duration(45, "en", "45 s");
	check_duration(125, "en", "2 min 05 s");
	check_duration(3723, "en", "1 h 02 min 03 s");
	check_duration(45, "de", "45 Sek.");
	check_duration(125, "de", "2 Min. 05 Sek.");
	check_duration(3723, "de", "1 Std. 02 Min. 03 Sek.");
	check_duration(-1, "en", "unknown");
	check_duration(-1, "de", "unbekannt");
	check_duration(INT64_MAX, "en", "2562047788015215 h 30 min 07 s");
}

static void check_time(int64_t t, const char *zone, const char *locale, const char *want)
{
	char *s = render_time(t, zone, locale);

	CHECK_STR(s, want);
	free(s);
}

static void test_times(void)
{
	/* Summer time (DST) in Berlin, winter time, and UTC. */
	check_time(T_SUMMER, "Europe/Berlin", "en", "2025-06-01 12:00:05 CEST");
	check_time(T_SUMMER, "Europe/Berlin", "de", "01.06.2025 12:00:05 MESZ");
	check_time(T_WINTER, "Europe/Berlin", "en", "2025-01-15 13:00:00 CET");
	check_time(T_WINTER, "Europe/Berlin", "de", "15.01.2025 13:00:00 MEZ");
	check_time(T_SUMMER, "UTC", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, "America/New_York", "en", "2025-06-01 06:00:05 EDT");
	/* The autumn switch: one second apart, an hour back. */
	check_time(1761440399, "Europe/Berlin", "en", "2025-10-26 02:59:59 CEST");
	check_time(1761440400, "Europe/Berlin", "en", "2025-10-26 02:00:00 CET");
	/* Invalid zones read as UTC (and open no other file). */
	check_time(T_SUMMER, "Mars/Olympus", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, "../../../etc/passwd", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, "/etc/localtime", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, "CET-1CEST", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, "", "en", "2025-06-01 10:00:05 UTC");
	check_time(T_SUMMER, NULL, "de", "01.06.2025 10:00:05 UTC");
	/* Far outside any calendar: a marker, not a crash. */
	check_time(INT64_MAX, "UTC", "en", "@9223372036854775807");

	/* The previous TZ comes back, set or unset. */
	setenv("TZ", "Asia/Tokyo", 1);
	free(render_time(T_SUMMER, "Europe/Berlin", "en"));
	CHECK_STR(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	free(render_time(T_SUMMER, "Europe/Berlin", "en"));
	CHECK(getenv("TZ") == NULL);
}

static void test_missed_reasons(void)
{
	static const char *codes[] = { "out_of_opening_hours", "short_abandoned", "abandoned_in_ivr",
				       "abandoned_in_classic", "no_available_agent", "agents_did_not_answer" };

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const char *en = render_missed_reason(codes[i], "en");
		const char *de = render_missed_reason(codes[i], "de");

		CHECK(en && de && strcmp(en, de) != 0 && !strchr(en, '_') && !strchr(de, '_'));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(en, render_missed_reason(codes[j], "en")) != 0);
	}
	CHECK_STR(render_missed_reason("no_available_agent", "en"), "No available agent");
	CHECK_STR(render_missed_reason("no_available_agent", "de"), "Kein Agent verfügbar");
	CHECK_STR(render_missed_reason("out_of_opening_hours", "de"), "Außerhalb der Öffnungszeiten");
	CHECK(render_missed_reason("something_new", "en") == NULL);
	CHECK(render_missed_reason(NULL, "en") == NULL);
}

static void check_note_sane(const struct rendered *r)
{
	CHECK(r->text && r->html);
	if (!r->text || !r->html)
		return;
	CHECK(valid_utf8(r->text) && valid_utf8(r->html));
	CHECK(clean_text(r->text));
	CHECK(hrefs_safe(r->html));
	CHECK(r->text[0] && r->text[strlen(r->text) - 1] != '\n');
	LACKS(r->html, "<script");
}

static void test_note_answered(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	struct rendered r = { 0 };

	base_facts(&f);
	/* CN1 */
	CHECK(render_note_answered(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Call answered\n");
	CONTAINS(r.text, "Start time: 2025-06-01 12:00:05 CEST\n");
	CONTAINS(r.text, "Answer time: 2025-06-01 12:00:15 CEST\n");
	CONTAINS(r.text, "Call direction: Inbound\n");
	CONTAINS(r.text, "Customer: Jane Doe\n");
	CONTAINS(r.text, "Customer phone number: +34666444555\n");
	CONTAINS(r.text, "Aircall number: Support line (+33 4 12 34 56 78)\n");
	CONTAINS(r.text, "IVR options: Sales (key 1) \xe2\x86\x92 Spain (no choice)\n");
	CONTAINS(r.text, "Aircall teams: Level 1, Billing\n");
	CONTAINS(r.text, "Agent: Alice Agent");
	CONTAINS(r.html, "<p><strong>Call answered</strong></p>");
	CONTAINS(r.html, "<b>Aircall teams:</b> Level 1, Billing");
	CONTAINS(r.html, "<b>Start time:</b> 2025-06-01 12:00:05 CEST<br>");
	render_free(&r);

	/* CN1 German */
	CHECK(render_note_answered(&f, &de, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Anruf angenommen\n");
	CONTAINS(r.text, "Startzeit: 01.06.2025 12:00:05 MESZ\n");
	CONTAINS(r.text, "Annahmezeit: 01.06.2025 12:00:15 MESZ\n");
	CONTAINS(r.text, "Anrufrichtung: Eingehend\n");
	CONTAINS(r.text, "Kundentelefonnummer: +34666444555\n");
	CONTAINS(r.text, "Aircall-Nummer: Support line (+33 4 12 34 56 78)\n");
	CONTAINS(r.text, "IVR-Optionen: Sales (Taste 1) \xe2\x86\x92 Spain (keine Auswahl)\n");
	CONTAINS(r.text, "Aircall-Teams: Level 1, Billing\n");
	render_free(&r);

	/* CN1 outbound to a hidden number, one team, no IVR */
	f.direction = CALL_OUTBOUND;
	f.raw_digits = "anonymous";
	f.nteams = 1;
	f.nivr = 0;
	en.customer_phone = NULL;
	en.customer_name = "Aircall New Contact anonymous";
	CHECK(render_note_answered(&f, &en, &r) == AG_OK);
	CONTAINS(r.text, "Call direction: Outbound\n");
	CONTAINS(r.text, "Customer phone number: hidden");
	CONTAINS(r.text, "Aircall team: Level 1\n");
	LACKS(r.text, "IVR");
	LACKS(r.text, "Customer:");
	render_free(&r);
}

static void test_note_ended(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	struct rendered r = { 0 };

	base_facts(&f);
	/* CN2 */
	CHECK(render_note_ended(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Call ended\n");
	CONTAINS(r.text, "End time: 2025-06-01 12:02:20 CEST\n");
	CONTAINS(r.text, "Duration: 2 min 15 s\n");
	CONTAINS(r.text, "Assigned user: Bob Boss\n");
	CONTAINS(r.text, "Call in the Aircall dashboard: https://dashboard.aircall.io/calls/5019\n");
	CONTAINS(r.html, "<a href=\"https://dashboard.aircall.io/calls/5019\">https://dashboard.aircall.io/calls/5019</a>");
	CONTAINS(r.text, "Agent notes:\n- Please call back this customer! (Alice Agent, 2025-06-01 12:03:25 CEST)");
	CONTAINS(r.html, "<ul><li>Please call back this customer!<br><i>Alice Agent, 2025-06-01 12:03:25 CEST</i></li></ul>");
	LACKS(r.text, "Voicemail");
	LACKS(r.text, "reason");
	render_free(&r);

	/* CN2 German, trailing slash on the dashboard, unknown duration from the timestamps */
	de.dashboard_url = "https://dashboard.aircall.io/";
	f.duration = -1;
	f.comments[1].content = "Zweite\nZeile";
	f.comments[1].author_name = NULL;
	f.comments[1].author_email = "carol@example.com";
	f.ncomments = 2;
	CHECK(render_note_ended(&f, &de, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Anruf beendet\n");
	CONTAINS(r.text, "Endzeit: 01.06.2025 12:02:20 MESZ\n");
	CONTAINS(r.text, "Anrufdauer: 2 Min. 15 Sek.\n");
	CONTAINS(r.text, "Zugewiesener Nutzer: Bob Boss\n");
	CONTAINS(r.text, "Anruf im Aircall-Dashboard: https://dashboard.aircall.io/calls/5019\n");
	CONTAINS(r.text, "Notizen des Agenten:\n");
	CONTAINS(r.text, "- Zweite\n  Zeile (carol@example.com)");
	CONTAINS(r.html, "<li>Zweite<br>Zeile<br><i>carol@example.com</i></li>");
	render_free(&r);

	/* CN2 with a voicemail and a missed-call reason */
	f.seen |= SEEN_VOICEMAIL;
	f.asset_url = "https://assets.aircall.io/voicemail/5019";
	f.missed_call_reason = "agents_did_not_answer";
	CHECK(render_note_ended(&f, &en, &r) == AG_OK);
	CONTAINS(r.text, "Voicemail: https://assets.aircall.io/voicemail/5019\n");
	CONTAINS(r.html, "<a href=\"https://assets.aircall.io/voicemail/5019\">");
	CONTAINS(r.text, "Missed-call reason: The agents did not answer\n");
	render_free(&r);
	/* CN2 an unknown reason code is shown as it came */
	f.missed_call_reason = "brand_new_reason";
	CHECK(render_note_ended(&f, &en, &r) == AG_OK);
	CONTAINS(r.text, "Missed-call reason: brand_new_reason\n");
	render_free(&r);
}

static void test_note_missed(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	struct rendered r = { 0 };

	base_facts(&f);
	f.seen = SEEN_CREATED | SEEN_ENDED | SEEN_VOICEMAIL;
	f.answered_at = 0;
	f.ended_at = T_SUMMER + 40;
	f.duration = 40;
	f.user_name = f.user_email = NULL;
	f.assigned_name = NULL;
	f.missed_call_reason = "no_available_agent";
	f.voicemail_url = "https://cdn.aircall.io/vm.mp3?sig=1";
	f.asset_url = "https://assets.aircall.io/voicemail/5019";
	f.ncomments = 0;
	/* CN3: one note with CN1 and CN2's facts, no answer time */
	CHECK(render_note_missed(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Missed call with voicemail\n");
	CONTAINS(r.text, "Start time: 2025-06-01 12:00:05 CEST\n");
	CONTAINS(r.text, "End time: 2025-06-01 12:00:45 CEST\n");
	CONTAINS(r.text, "Duration: 40 s\n");
	CONTAINS(r.text, "Call direction: Inbound\n");
	CONTAINS(r.text, "Customer phone number: +34666444555\n");
	CONTAINS(r.text, "Aircall number: Support line (+33 4 12 34 56 78)\n");
	CONTAINS(r.text, "IVR options: Sales (key 1)");
	CONTAINS(r.text, "Aircall teams: Level 1, Billing\n");
	CONTAINS(r.text, "Missed-call reason: No available agent\n");
	CONTAINS(r.text, "Voicemail: https://assets.aircall.io/voicemail/5019\n");
	CONTAINS(r.text, "https://dashboard.aircall.io/calls/5019");
	LACKS(r.text, "Answer time");
	LACKS(r.text, "cdn.aircall.io"); /* the short-lived URL is useless in a lasting note */
	render_free(&r);

	/* CN3 German */
	CHECK(render_note_missed(&f, &de, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Verpasster Anruf mit Voicemail\n");
	CONTAINS(r.text, "Grund für verpassten Anruf: Kein Agent verfügbar\n");
	CONTAINS(r.text, "Anrufdauer: 40 Sek.\n");
	LACKS(r.text, "Annahmezeit");
	render_free(&r);

	/* CN3 without a voicemail: no asset, different title */
	f.seen = SEEN_CREATED | SEEN_ENDED;
	f.voicemail_url = f.asset_url = NULL;
	f.missed_call_reason = "out_of_opening_hours";
	CHECK(render_note_missed(&f, &de, &r) == AG_OK);
	CHECK(starts_with(r.text, "Verpasster Anruf\n"));
	CONTAINS(r.text, "Außerhalb der Öffnungszeiten");
	LACKS(r.text, "Voicemail");
	render_free(&r);
}

static void test_note_comment(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	struct rendered r = { 0 };
	struct call_comment c = { 736, "Customer wants a refund", T_SUMMER, "Alice Agent", "alice@example.com" };

	base_facts(&f);
	/* CN4 */
	CHECK(render_note_comment(&f, &c, &en, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(starts_with(r.text, "Note by Alice Agent at 2025-06-01 12:00:05 CEST: Customer wants a refund\n"));
	CONTAINS(r.html, "<p><b>Note by Alice Agent at 2025-06-01 12:00:05 CEST:</b> Customer wants a refund</p>");
	CONTAINS(r.text, "https://dashboard.aircall.io/calls/5019");
	render_free(&r);
	/* CN4 German */
	CHECK(render_note_comment(&f, &c, &de, &r) == AG_OK);
	CONTAINS(r.text, "Notiz von Alice Agent am 01.06.2025 12:00:05 MESZ: Customer wants a refund");
	render_free(&r);
	/* CN4 posted through the API: no author */
	c.author_name = c.author_email = NULL;
	c.posted_at = 0;
	c.content = "line one\nline two";
	CHECK(render_note_comment(&f, &c, &en, &r) == AG_OK);
	CONTAINS(r.text, "Note by the Aircall API: line one\nline two");
	CONTAINS(r.html, "line one<br>line two");
	render_free(&r);
	CHECK(render_note_comment(&f, NULL, &en, &r) == AG_EINVAL);
}

static void test_note_recording(void)
{
	struct call_facts f;
	struct render_opts en = en_opts(), de = de_opts();
	struct rendered r = { 0 };

	base_facts(&f);
	f.id = 5023;
	f.recording_url = "https://cdn.aircall.io/rec.mp3?sig=2";
	f.asset_url = "https://assets.aircall.io/recording/5023";
	/* CN4: attached */
	CHECK(render_note_recording(&f, &en, 0, NULL, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Call recording\n");
	CONTAINS(r.text, "The call recording is attached.");
	render_free(&r);
	/* TS5: over 500 MB, linked and explained */
	CHECK(render_note_recording(&f, &en, 0, "too_large", &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "500 MB");
	CONTAINS(r.text, "not uploaded");
	CONTAINS(r.text, "assets.aircall.io/recording/5023");
	CONTAINS(r.html, "<a href=\"https://assets.aircall.io/recording/5023\">");
	render_free(&r);
	/* TS5 German, in the description's words */
	CHECK(render_note_recording(&f, &de, 0, "too_large", &r) == AG_OK);
	CONTAINS(r.text, "Anrufaufzeichnung\n");
	CONTAINS(r.text, "Aufnahmegröße überschreitet 500 MB");
	CONTAINS(r.text, "In Aircall anhören: https://assets.aircall.io/recording/5023");
	render_free(&r);
	/* TS5 no asset page: the direct recording URL, marked as short-lived */
	f.asset_url = NULL;
	CHECK(render_note_recording(&f, &en, 0, "expired", &r) == AG_OK);
	CONTAINS(r.text, "expired");
	CONTAINS(r.text, "https://cdn.aircall.io/rec.mp3?sig=2");
	CONTAINS(r.html, "href=\"https://cdn.aircall.io/rec.mp3?sig=2\"");
	render_free(&r);
	/* voicemail, other reason code */
	f.voicemail_url = "https://cdn.aircall.io/vm.mp3";
	CHECK(render_note_recording(&f, &de, 1, "fetch_failed", &r) == AG_OK);
	CHECK(starts_with(r.text, "Voicemail\n"));
	CONTAINS(r.text, "Grund: fetch_failed");
	CONTAINS(r.text, "https://cdn.aircall.io/vm.mp3");
	render_free(&r);
}

static void test_html_escaping(void)
{
	struct buf b;

	buf_init(&b, 0);
	CHECK(html_txt(&b, "<script>alert(\"x\")</script> & 'y'") == AG_OK);
	CHECK_STR(b.p, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
	buf_reset(&b);
	/* invalid UTF-8: a stray byte, an overlong '/', a surrogate, a cut sequence */
	CHECK(html_txt(&b, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82") == AG_OK);
	CHECK_STR(b.p, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		       "d\xef\xbf\xbd\xef\xbf\xbd");
	buf_reset(&b);
	/* valid multibyte kept, control characters dropped */
	CHECK(html_txt(&b, "\xe2\x82\xac \xf0\x9f\x98\x80 \x01\x1b[0m\x7f") == AG_OK);
	CHECK_STR(b.p, "\xe2\x82\xac \xf0\x9f\x98\x80 [0m");
	buf_reset(&b);
	CHECK(html_txt(&b, NULL) == AG_OK && b.len == 0);
	CHECK(html_attr(&b, "a\"b\nc'<") == AG_OK);
	CHECK_STR(b.p, "a&quot;b&#10;c&#39;&lt;");
	buf_reset(&b);

	/* only http(s) URLs with a host pass */
	static const char *refused[] = { "javascript:alert(1)", "JaVaScRiPt:alert(1)", " https://x.example",
					 "data:text/html,<b>", "vbscript:x", "//evil.example/", "https://",
					 "http:///path", "https://exa\nmple.com", "java\tscript:x", "/calls/1", "" };
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		buf_reset(&b);
		CHECK(html_url_attr(&b, refused[i]) == AG_OK);
		CHECK_STR(b.p, "#");
	}
	buf_reset(&b);
	CHECK(html_url_attr(&b, NULL) == AG_OK);
	CHECK_STR(b.p, "#");
	buf_reset(&b);
	CHECK(html_url_attr(&b, "HTTPS://example.com/a?b=1&c=\"><script>") == AG_OK);
	CHECK_STR(b.p, "HTTPS://example.com/a?b=1&amp;c=&quot;&gt;&lt;script&gt;");
	buf_reset(&b);
	CHECK(html_url_attr(&b, "http://127.0.0.1:8080/dashboard") == AG_OK);
	CHECK_STR(b.p, "http://127.0.0.1:8080/dashboard");
	buf_free(&b);
}

static void test_hostile_notes(void)
{
	struct call_facts f;
	struct render_opts en = en_opts();
	struct rendered r = { 0 };
	struct call_comment c = { 1, "\"><img src=x onerror=alert(1)>\x01\xff", T_SUMMER, "<b>Mallory</b>", NULL };

	base_facts(&f);
	en.customer_name = "<script>alert('name')</script>";
	en.dashboard_url = "javascript:alert(1)//";
	f.number_name = "Line <i>1</i>";
	f.teams[0] = "Team \"A\" & <B>";
	f.ivr[0].title = "<svg onload=alert(1)>";
	f.comments[0].content = "<iframe src=javascript:alert(1)>";
	f.asset_url = "javascript:alert(document.cookie)";
	f.seen |= SEEN_VOICEMAIL;
	f.missed_call_reason = "<blink>";

	CHECK(render_note_answered(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.html, "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;");
	CONTAINS(r.html, "Line &lt;i&gt;1&lt;/i&gt;");
	CONTAINS(r.html, "Team &quot;A&quot; &amp; &lt;B&gt;");
	CONTAINS(r.html, "&lt;svg onload=alert(1)&gt;");
	LACKS(r.html, "<svg");
	CONTAINS(r.text, "Customer: <script>alert('name')</script>"); /* text is plain: shown as written */
	render_free(&r);

	CHECK(render_note_ended(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	LACKS(r.html, "<iframe");
	LACKS(r.html, "<blink");
	LACKS(r.html, "href=\"javascript");
	CONTAINS(r.html, "&lt;iframe src=javascript:alert(1)&gt;");
	render_free(&r);

	CHECK(render_note_missed(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	LACKS(r.html, "href=\"javascript");
	render_free(&r);

	CHECK(render_note_comment(&f, &c, &en, &r) == AG_OK);
	check_note_sane(&r);
	LACKS(r.html, "<img");
	LACKS(r.html, "<b>Mallory");
	CONTAINS(r.html, "&lt;b&gt;Mallory&lt;/b&gt;");
	CONTAINS(r.html, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\xef\xbf\xbd");
	CONTAINS(r.text, "\"><img src=x onerror=alert(1)>\xef\xbf\xbd");
	render_free(&r);

	f.recording_url = "data:audio/mp3;base64,AAAA";
	f.asset_url = NULL;
	CHECK(render_note_recording(&f, &en, 0, "<too_large>", &r) == AG_OK);
	check_note_sane(&r);
	LACKS(r.html, "href=\"data:");
	LACKS(r.html, "<too_large>");
	render_free(&r);

	/* bidi overrides would make a note display something else */
	en.customer_name = "Jane \xe2\x80\xae" "eod";
	{
		char *s = render_call_subject(&f, &en);
		CHECK_STR(s, "Inbound call: Jane eod");
		free(s);
	}
}

static void test_huge_inputs(void)
{
	struct call_facts f;
	struct render_opts en = en_opts();
	struct rendered r = { 0 };
	char *mega = repeat("<", 1000000);
	char *euros = repeat("\xe2\x82\xac", 20000);
	struct call_comment c = { 1, mega, T_SUMMER, mega, NULL };

	base_facts(&f);
	/* A 1 MB comment is cut to about 10 000 bytes with "…". */
	CHECK(render_note_comment(&f, &c, &en, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(r.text && strlen(r.text) < 11000);
	CHECK(r.html && strlen(r.html) < 70000);
	CONTAINS(r.text, "<<<\xe2\x80\xa6");
	render_free(&r);

	/* Cut on a character boundary, never inside one. */
	c.content = euros;
	c.author_name = "A";
	CHECK(render_note_comment(&f, &c, &en, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "\xe2\x82\xac\xe2\x80\xa6");
	render_free(&r);

	/* Every field huge and every comment slot full: the note stays bounded. */
	en.customer_name = en.customer_phone = mega;
	f.number_name = f.number_digits = f.user_name = f.assigned_name = f.transferred_to_name = mega;
	f.missed_call_reason = f.asset_url = mega;
	f.seen |= SEEN_VOICEMAIL;
	for (size_t i = 0; i < CALL_MAX_TEAMS; i++)
		f.teams[i] = mega;
	f.nteams = CALL_MAX_TEAMS;
	for (size_t i = 0; i < CALL_MAX_IVR; i++)
		f.ivr[i].title = f.ivr[i].key = mega;
	f.nivr = CALL_MAX_IVR;
	for (size_t i = 0; i < CALL_MAX_COMMENTS; i++) {
		f.comments[i].content = mega;
		f.comments[i].author_name = mega;
		f.comments[i].posted_at = T_SUMMER;
	}
	f.ncomments = CALL_MAX_COMMENTS;
	CHECK(render_note_ended(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(r.text && strlen(r.text) < 80000);
	CONTAINS(r.text, "more notes in Aircall");
	render_free(&r);
	CHECK(render_note_missed(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(r.text && strlen(r.text) < 80000);
	CONTAINS(r.text, "https://dashboard.aircall.io/calls/5019");
	render_free(&r);
	/* A comment note whose values spent the whole budget keeps its link. */
	{
		struct call_comment big = { 2, mega, T_SUMMER, mega, mega };
		CHECK(render_note_comment(&f, &big, &en, &r) == AG_OK);
		CONTAINS(r.html, "<a href=\"https://dashboard.aircall.io/calls/5019\">");
		render_free(&r);
	}
	CHECK(render_note_answered(&f, &en, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(r.text && strlen(r.text) < 80000);
	render_free(&r);
	CHECK(render_note_recording(&f, &en, 1, mega, &r) == AG_OK);
	check_note_sane(&r);
	CHECK(r.text && strlen(r.text) < 80000);
	LACKS(r.html, "href=\"&lt;");
	render_free(&r);
	{
		char *s = render_sms_subject(mega, mega, "en");
		CHECK(s && strlen(s) < 260);
		free(s);
	}
	free(mega);
	free(euros);
}

static void test_null_fields(void)
{
	struct call_facts f;
	struct render_opts none = { 0 };
	struct rendered r = { 0 };
	struct call_comment c = { 0 };

	/* Everything unknown: every note still renders, without crashing. */
	memset(&f, 0, sizeof f);
	f.duration = -1;
	f.nteams = 2;   /* slots present but NULL */
	f.nivr = 1;
	f.ncomments = 1;
	CHECK(render_note_answered(&f, &none, &r) == AG_OK);
	check_note_sane(&r);
	CONTAINS(r.text, "Call answered");
	LACKS(r.text, "Start time");
	render_free(&r);
	CHECK(render_note_ended(&f, &none, &r) == AG_OK);
	check_note_sane(&r);
	LACKS(r.text, "Duration");
	LACKS(r.text, "dashboard"); /* no call id, no link */
	render_free(&r);
	CHECK(render_note_missed(&f, &none, &r) == AG_OK);
	check_note_sane(&r);
	render_free(&r);
	CHECK(render_note_comment(&f, &c, &none, &r) == AG_OK);
	CONTAINS(r.text, "Note by the Aircall API: (empty)");
	render_free(&r);
	CHECK(render_note_recording(&f, &none, 0, "too_large", &r) == AG_OK);
	CONTAINS(r.text, "500 MB");
	render_free(&r);
	{
		char *s = render_call_subject(&f, &none);
		CHECK_STR(s, "Inbound call: anonymous");
		free(s);
	}
	/* The default dashboard when none is configured. */
	f.id = 42;
	CHECK(render_note_ended(&f, &none, &r) == AG_OK);
	CONTAINS(r.text, "https://dashboard.aircall.io/calls/42");
	render_free(&r);
	CHECK(render_note_answered(NULL, &none, &r) == AG_EINVAL);
	CHECK(r.text == NULL && r.html == NULL);
	CHECK(render_note_ended(&f, NULL, &r) == AG_EINVAL);
	CHECK(render_note_missed(&f, &none, NULL) == AG_EINVAL);
	render_free(&r);
	render_free(NULL);
}

/* CS1 on an account that refused the customer's note: the first note of
 * the ticket carries it, escaped like any other value. */
static void test_note_carries_refused_customer_note(void)
{
	struct call_facts f;
	struct render_opts o = en_opts();
	struct rendered r = { 0 };

	base_facts(&f);
	o.customer_note = "No <b>customer</b> was found";
	CHECK(render_note_answered(&f, &o, &r) == 0);
	CHECK(strstr(r.text, "Customer note: No <b>customer</b> was found") != NULL);
	CHECK(strstr(r.html, "<b>customer</b>") == NULL);
	render_free(&r);
	o.customer_note = NULL;
	CHECK(render_note_answered(&f, &o, &r) == 0);
	CHECK(strstr(r.text, "Customer note") == NULL);
	render_free(&r);
}

int main(void)
{
	test_note_carries_refused_customer_note();
	test_call_subjects();
	test_sms_subjects();
	test_durations();
	test_times();
	test_missed_reasons();
	test_note_answered();
	test_note_ended();
	test_note_missed();
	test_note_comment();
	test_note_recording();
	test_html_escaping();
	test_hostile_notes();
	test_huge_inputs();
	test_null_fields();
	CHECK_DONE("test_render");
}
