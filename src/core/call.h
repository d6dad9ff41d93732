/* An Aircall call as the bridge knows it: the events of one call merged
 * monotonically (any order of delivery gives the same result) and the
 * facts the planner needs read out of it. Pure: no I/O. */
#ifndef AG_CALL_H
#define AG_CALL_H

#include "base/err.h"
#include "core/phone.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CALL_MAX_TAGS 32
#define CALL_MAX_COMMENTS 64
#define CALL_MAX_TEAMS 8
#define CALL_MAX_IVR 16

enum call_direction { CALL_INBOUND = 0, CALL_OUTBOUND = 1 };

/* Bits of the events seen for a call. */
enum call_seen {
	SEEN_CREATED = 1 << 0,
	SEEN_ANSWERED = 1 << 1,
	SEEN_HUNGUP = 1 << 2,
	SEEN_ENDED = 1 << 3,
	SEEN_VOICEMAIL = 1 << 4,
	SEEN_COMMENTED = 1 << 5,
	SEEN_TAGGED = 1 << 6,
	SEEN_ASSETS = 1 << 7,
	SEEN_ASSIGNED = 1 << 8,
	SEEN_TRANSFERRED = 1 << 9,
	SEEN_IVR = 1 << 10            /* call.ivr_option_selected */
};

struct call_comment {
	int64_t id;
	const char *content;
	int64_t posted_at;
	const char *author_name;   /* may be NULL (posted through the API) */
	const char *author_email;
};

struct call_ivr {
	const char *title;
	const char *key;
};

/* All strings are borrowed from the merged JSON the facts were read from. */
struct call_facts {
	int64_t id;
	enum call_direction direction;
	unsigned seen;                 /* enum call_seen bits */
	int64_t started_at, answered_at, ended_at; /* unix seconds, 0 = unknown */
	int64_t duration;              /* seconds, -1 = unknown */
	const char *raw_digits;        /* the other party, as Aircall sent it */
	const char *missed_call_reason;
	const char *voicemail_url;     /* short-lived */
	const char *recording_url;     /* short-lived */
	const char *asset_url;         /* stable page for recording/voicemail */
	const char *hangup_cause;
	int64_t number_id;
	const char *number_name;
	const char *number_digits;
	int number_is_ivr;             /* the line answers with an IVR menu */
	int64_t user_id;               /* the agent, 0 = none */
	const char *user_name;
	const char *user_email;
	const char *assigned_email;    /* assigned_to.email */
	const char *assigned_name;
	const char *transferred_to_name;
	int64_t contact_id;            /* Aircall contact, 0 = none */
	const char *contact_first_name;
	const char *contact_last_name;
	const char *contact_email;
	const char *teams[CALL_MAX_TEAMS];
	size_t nteams;
	const char *tags[CALL_MAX_TAGS];
	size_t ntags;
	struct call_comment comments[CALL_MAX_COMMENTS];
	size_t ncomments;
	struct call_ivr ivr[CALL_MAX_IVR];
	size_t nivr;
	int64_t callback_of;           /* automatic_callback_call_id, 0 = none */
};

/* Folds one webhook's data into the stored call (a JSON object owned by
 * the caller, updated in place): a field only moves forward, so every order
 * of the same events gives the same result. */
AG_MUST_USE int call_merge(json_t *stored, const char *event, int64_t timestamp, json_t *data);

/* The inbox and posted_op subject of a call: "call:<id>". */
void call_subject(char *out, size_t len, int64_t call_id);

/* Reads the facts out of a merged call. AG_EINVAL when it has no id. */
AG_MUST_USE int call_facts_read(const json_t *stored, struct call_facts *f);

/* Did the caller go through an IVR menu (so that Aircall's timeline may
 * hold options the webhooks never carry)? */
AG_MUST_USE int call_through_ivr(const struct call_facts *f);

/* Is the call finished (ended seen) and was it never answered? */
AG_MUST_USE int call_is_missed(const struct call_facts *f);
AG_MUST_USE int call_is_over(const struct call_facts *f);

#endif
