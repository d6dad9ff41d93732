/* Pure text rendering: ticket subjects (CT5, MT1) and the internal notes
 * of a call (CN1-CN4, TS5), in English and German, both as plain text and
 * as HTML (every value through html.h). No I/O. */
#ifndef AG_RENDER_H
#define AG_RENDER_H

#include "call.h"

#include <stdint.h>

struct render_opts {
	const char *locale;          /* "en" | "de" */
	const char *time_zone;       /* IANA zone of the installation */
	const char *dashboard_url;   /* https://dashboard.aircall.io */
	const char *customer_phone;  /* E.164 of the other party, NULL when hidden */
	const char *customer_name;   /* may be NULL */
};

struct rendered {
	char *text;                  /* owned */
	char *html;                  /* owned */
};

void render_free(struct rendered *r);
/* Subjects; caller frees. */
char *render_call_subject(const struct call_facts *f, const struct render_opts *o);
char *render_sms_subject(const char *customer_name, const char *phone, const char *locale);
int render_note_answered(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
int render_note_ended(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
int render_note_missed(const struct call_facts *f, const struct render_opts *o, struct rendered *out);
int render_note_comment(const struct call_facts *f, const struct call_comment *c,
			const struct render_opts *o, struct rendered *out);
/* The note carrying a recording or voicemail; link_reason ("too_large",
 * "expired") when the file could not be uploaded (TS5). */
int render_note_recording(const struct call_facts *f, const struct render_opts *o, int is_voicemail,
			  const char *link_reason, struct rendered *out);
/* "2 min 05 s" / "2 Min. 05 Sek."; caller frees. */
char *render_duration(int64_t seconds, const char *locale);
/* Local time in the zone: "2025-06-01 12:00:05 CEST" / "01.06.2025 12:00:05 CEST". */
char *render_time(int64_t unix_seconds, const char *time_zone, const char *locale);
/* Words for Aircall's missed_call_reason; NULL for an unknown value. */
const char *render_missed_reason(const char *reason, const char *locale);

#endif
