/* Pure text rendering: ticket subjects (CT5, MT1) and the internal notes
 * of a call (CN1-CN4, TS5), in English and German (wording from the
 * German product description where it has some), each note both as
 * plain text and as HTML. Every value from Aircall, Gorgias or a user
 * reaches the HTML only through html.h, and is first cleaned (valid UTF-8,
 * no control characters) and bounded, so a hostile or huge field can
 * neither inject markup nor blow up a note.
 *
 * No I/O apart from the time-zone data the C library reads, no state:
 * render_time switches TZ for the duration of one conversion and puts the
 * previous value back (the bridge is single-threaded per process).
 *
 * All strings in call_facts and render_opts may be NULL; numbers 0 mean
 * unknown, duration -1 means unknown. A NULL locale means English. */
#ifndef AG_RENDER_H
#define AG_RENDER_H

#include "base/err.h"
#include "core/call.h"

#include <stdint.h>

struct render_opts {
	const char *locale;          /* "en" | "de" */
	const char *time_zone;       /* IANA zone of the installation; invalid → UTC */
	const char *dashboard_url;   /* https://dashboard.aircall.io (the default when NULL) */
	const char *customer_phone;  /* E.164 of the other party, NULL when hidden */
	const char *customer_name;   /* may be NULL */
	const char *customer_note;   /* CS1 note Gorgias refused on the customer, or NULL */
};

struct rendered {
	char *text;                  /* owned; lines separated by "\n" */
	char *html;                  /* owned; <p>, <br>, <ul>, <a href> only */
};

/* Frees both bodies and leaves r empty (safe on an empty or freed r). */
void render_free(struct rendered *r);

/* CT5: "Inbound call: Jane Doe", "Ausgehender Anruf: +34666444555". The
 * customer's name unless empty or a CT4 placeholder ("Aircall New
 * Contact …"), else the phone, else "anonymous"/"unbekannt". Caller frees;
 * NULL on bad arguments or no memory. */
AG_MUST_USE char *render_call_subject(const struct call_facts *f, const struct render_opts *o);
/* MT1: "SMS conversation with <name>" / "SMS-Konversation mit <name>",
 * with the same fallbacks as render_call_subject. Caller frees. */
AG_MUST_USE char *render_sms_subject(const char *customer_name, const char *phone, const char *locale);

/* The notes. Each returns AG_OK and fills out (release with render_free),
 * or AG_EINVAL (NULL arguments) / AG_ENOMEM and leaves out empty. */

/* CN1: start and answer time, direction, customer phone, Aircall number
 * (name and digits), IVR options selected, team(s), agent. */
AG_MUST_USE int render_note_answered(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
/* CN2: end time, duration, assigned user, link to the call in the Aircall
 * dashboard, voicemail and missed-call reason when there are, the agent's
 * notes (comments). The dashboard link is <dashboard_url>/calls/<call id>:
 * Aircall's own direct_link is an API URL, not a page a person can open,
 * and the dashboard's call page is addressed by the same id. */
AG_MUST_USE int render_note_ended(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
/* CN3: a call never answered: CN1 and CN2 merged into one note (no answer
 * time; the reason in words; the voicemail). */
AG_MUST_USE int render_note_missed(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
/* CN4: "Note by <author> at <time>: <content>" (German "Notiz von … am …"),
 * plus the link to the call. */
AG_MUST_USE int render_note_comment(const struct call_facts *f, const struct call_comment *c,
				    const struct render_opts *o, struct rendered *out);
/* CN4/TS5: the note that carries a recording or voicemail attachment.
 * With link_reason (the upload's "not_uploaded": "too_large" over 500 MB,
 * "expired" when the short-lived link ran out, anything else shown as a
 * code) it says the file was not uploaded and why, and links asset_url,
 * else the short-lived recording/voicemail URL. */
AG_MUST_USE int render_note_recording(const struct call_facts *f, const struct render_opts *o, int is_voicemail,
				      const char *link_reason, struct rendered *out);

/* "45 s", "2 min 05 s", "1 h 02 min 03 s"; German "45 Sek.",
 * "2 Min. 05 Sek.", "1 Std. 02 Min. 03 Sek."; negative → "unknown" /
 * "unbekannt". Caller frees. */
AG_MUST_USE char *render_duration(int64_t seconds, const char *locale);
/* Local time in the IANA zone: "2025-06-01 12:00:05 CEST" /
 * "01.06.2025 12:00:05 MESZ" (German names for the Central European
 * zones, the C library's abbreviation otherwise). Caller frees. */
AG_MUST_USE char *render_time(int64_t unix_seconds, const char *time_zone, const char *locale);
/* Words for Aircall's missed_call_reason; NULL for NULL or an unknown
 * value (the caller then shows the raw code). */
AG_MUST_USE const char *render_missed_reason(const char *reason, const char *locale);

#endif
