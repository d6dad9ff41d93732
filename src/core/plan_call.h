/* The pure core: given what is known about a call (merged events, what was
 * already done in Gorgias, what has been looked up) decide the next
 * operation still owed to Gorgias. No I/O: the executor (apply/call_executor.c)
 * runs the operation, records its result and asks again, until OP_NONE.
 * Idempotency is structural: every write carries a key, and a key already
 * recorded in posted_op is never planned again. */
#ifndef AG_PLAN_H
#define AG_PLAN_H

#include "base/err.h"
#include "core/call.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum op_kind {
	OP_NONE = 0,        /* nothing owed */
	OP_SKIP,            /* nothing will ever be owed: reason says why */
	OP_RESOLVE_AGENT,   /* look up the Gorgias user with the agent's email (CT7) */
	OP_RESOLVE_ADMIN,   /* look up the first Gorgias admin (CN5) */
	OP_RESOLVE_ASSIGNEE,/* look up the user the call was assigned to in Aircall */
	OP_FIND_CUSTOMER,   /* look the caller up by phone (CT2, TS1) */
	OP_CREATE_CUSTOMER, /* body: POST /api/customers (CT3, CT4, CS1) */
	OP_CREATE_TICKET,   /* body: POST /api/tickets with first messages (CT1) */
	OP_ADD_MESSAGE,     /* body: POST /api/tickets/{id}/messages (CN1-CN4) */
	OP_UPDATE_TICKET,   /* body: PUT /api/tickets/{id} (CT8) */
	OP_ADD_TAGS,        /* body: POST /api/tickets/{id}/tags {"names": [...]} */
	OP_REMOVE_TAGS,     /* body: DELETE /api/tickets/{id}/tags {"names": [...]} */
	OP_UPLOAD_MEDIA,    /* fetch media_url, upload to Gorgias (CN4, TS5) */
	OP_INSIGHT_CARD,    /* push the caller's profile to Aircall (IC1-IC3) */
	OP_FETCH_CALL       /* GET the call from Aircall (number, IVR timeline) */
};

#define PLAN_MAX_KEYS 48

struct op {
	enum op_kind kind;
	const char *reason;            /* OP_SKIP */
	int64_t ticket_id;             /* target of ticket operations */
	json_t *body;                  /* owned: the request body to send */
	/* keys recorded in posted_op once the operation succeeded */
	char keys[PLAN_MAX_KEYS][64];
	size_t nkeys;
	/* keys removed from posted_op once it succeeded (tags taken off) */
	char unkeys[PLAN_MAX_KEYS][64];
	size_t nunkeys;
	const char *email;             /* OP_RESOLVE_AGENT */
	const char *media_url;         /* OP_UPLOAD_MEDIA */
	const char *media_kind;        /* "recording" | "voicemail" */
	int timeline;                  /* OP_FETCH_CALL: with fetch_call_timeline */
};

struct plan_settings {
	const char *locale;            /* "en" | "de" */
	const char *time_zone;
	const char *dashboard_url;
	const char *account_url;       /* Gorgias base URL (links) */
};

/* Everything known about one call and its Gorgias side. */
struct call_state {
	const struct call_facts *call;
	int number_selected;           /* SU3 */
	int call_fetched;              /* the call was read from Aircall's API */
	int timeline_fetched;          /* ... with its IVR timeline */
	const char *phone;             /* E.164 of the other party; NULL if anonymous/invalid */
	/* customer */
	int64_t customer_id;           /* 0 = not known yet */
	const char *customer_name;
	int customer_looked_up;        /* lookup ran and found nobody */
	const char *customer_note;     /* CS1 text the account refused on the customer */
	/* authors */
	int agent_resolved;            /* lookup of the agent's email ran */
	int64_t agent_user_id;         /* 0 = no Gorgias user with that email */
	int assignee_resolved;         /* lookup of assigned_to's email ran */
	int64_t assignee_user_id;      /* 0 = no Gorgias user with that email */
	int admin_resolved;
	int64_t admin_user_id;         /* 0 = no admin at all */
	/* ticket */
	int64_t ticket_id;
	const char *const *posted;     /* op keys already done */
	size_t nposted;
	/* uploaded media, as Gorgias attachment objects keyed by kind */
	const json_t *uploads;
	/* a call that asked for a callback, when this call answers it */
	int64_t callback_ticket_id;
	/* a later call answered this one's callback request */
	int callback_requested;
	/* random digits for a placeholder email, chosen by the shell (CT4) */
	const char *placeholder_digits;
};

/* Fills op with the next operation owed for this call; the caller releases
 * it with op_free. AG_OK (op->kind may be OP_NONE) or AG_ENOMEM. */
/* A call's Gorgias external ids: its ticket's "aircall:call:<id>" (suffix
 * NULL), a note's "aircall:call:<id>:<suffix>". */
void call_external_id(char *out, size_t len, int64_t call_id, const char *suffix);
/* The posted_op key of the note whose external id is ext ("note:<x>" for
 * the suffix "<x>", the suffix itself when it names its kind, as in
 * "comment:<id>"): 1 when ext is one of this call's notes, else 0. */
AG_MUST_USE int call_note_key(const char *ext, int64_t call_id, char *key, size_t len);

AG_MUST_USE int plan_call(const struct call_state *st, const struct plan_settings *ps, struct op *op);
void op_free(struct op *op);
AG_MUST_USE const char *op_name(enum op_kind kind);

/* Tags the call deserves in Gorgias (TC1, TC2), deduplicated, in a stable
 * order; returns how many (at most max). Strings are borrowed. */
AG_MUST_USE size_t plan_call_tags(const struct call_state *st, const char **out, size_t max);

AG_MUST_USE int plan_posted(const struct call_state *st, const char *key);

#endif
