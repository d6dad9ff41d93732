/* The pure core for SMS/MMS (MT1, MC1-MC7, TM1): what one Aircall message
 * still owes Gorgias, given the message and the conversation's state as
 * Gorgias reports it now. No I/O: apply/message_executor.c runs each operation,
 * records it, and asks again until MSG_OP_NONE. The message's own key
 * "msg:<id>" in posted_op (under the conversation's subject) makes a
 * redelivered message plan nothing. */
#ifndef AG_PLAN_MESSAGE_H
#define AG_PLAN_MESSAGE_H

#include "base/err.h"
#include "core/optional.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_ID_MAX 80
#define MSG_MAX_MEDIA 10
/* MC5: a closed conversation is reopened when closed less than this ago. */
#define MSG_REOPEN_WINDOW_S (72LL * 3600)

enum msg_op_kind {
	MSG_OP_NONE = 0,
	MSG_OP_SKIP,            /* nothing will ever be owed: reason says why */
	MSG_OP_RESOLVE_AGENT,   /* Gorgias user with the Aircall user's email (CT7, MC6) */
	MSG_OP_RESOLVE_ADMIN,   /* first admin: author of outbound messages without a match */
	MSG_OP_FIND_CUSTOMER,   /* by phone (CT2, MC2) */
	MSG_OP_CREATE_CUSTOMER, /* body: POST /api/customers (CT3, CT4 via MT1) */
	MSG_OP_CHECK_TICKET,    /* GET /api/tickets/{id}: Gorgias's own state decides */
	MSG_OP_REOPEN,          /* body: PUT /api/tickets/{id} {"status":"open"} (MC5) */
	MSG_OP_UPLOAD,          /* download media[index], upload to Gorgias (MC7) */
	MSG_OP_CREATE_TICKET,   /* body: POST /api/tickets with this message (MT1, TM1) */
	MSG_OP_ADD_MESSAGE,     /* body: POST /api/tickets/{id}/messages (MC3, MC6) */
	MSG_OP_FAILURE_NOTE     /* body: internal note, delivery failed */
};

struct msg_media {
	const char *name;
	const char *type;       /* MIME type as Aircall gave it */
	const char *url;        /* pre-signed, short-lived */
};

/* One Aircall message (aircall-api.md §4); strings borrowed from its JSON. */
struct msg_facts {
	char id[MSG_ID_MAX];
	int outbound;           /* message.sent / direction outbound */
	int status_event;       /* message.status_updated */
	const char *status;
	const char *body;
	const char *channel;    /* NULL = SMS/MMS, "whatsapp" */
	int64_t sent_ms;        /* its own timestamp, unix ms (0 = none anywhere) */
	const char *external;   /* external_number or raw_digits */
	int64_t number_id;
	const char *number_name;
	const char *number_digits;
	const char *user_email; /* UNCONFIRMED on messages: often absent */
	int64_t contact_id;
	const char *contact_first_name;
	const char *contact_last_name;
	const char *contact_email;
	struct msg_media media[MSG_MAX_MEDIA];
	size_t nmedia;
};

/* What Gorgias said about the conversation's ticket this run. */
enum ticket_seen { TICKET_UNCHECKED = 0, TICKET_OPEN, TICKET_CLOSED, TICKET_UNUSABLE };

struct msg_state {
	const struct msg_facts *msg;
	int number_selected;            /* SU3 */
	const char *phone;              /* E.164 of the other party, NULL if unusable */
	const char *locale;
	int64_t customer_id;
	const char *customer_name;
	int customer_looked_up;
	int agent_resolved;
	int64_t agent_user_id;
	int admin_resolved;
	int64_t admin_user_id;
	int64_t ticket_id;              /* the conversation's ticket (0 = none yet) */
	enum ticket_seen ticket;        /* checked in Gorgias this run */
	int64_t closed_at;              /* unix s, when TICKET_CLOSED (0 = unknown) */
	const char *const *posted;      /* op keys done under the conversation */
	size_t nposted;
	const json_t *uploads;          /* by media index ("0"...): {attachment} | {link} */
	const char *placeholder_digits; /* CT4 email, chosen by the shell */
	int64_t now;                    /* unix s: MC5's clock when the message has no time */
};

struct msg_op {
	enum msg_op_kind kind;
	const char *reason;
	int64_t ticket_id;
	json_t *body;                   /* owned */
	char key[MSG_ID_MAX + 8];       /* recorded once the operation landed */
	const char *email;              /* RESOLVE_AGENT */
	size_t media_index;             /* UPLOAD */
	const struct optional_field *optional; /* fields the body can do without (RB2) */
	size_t noptional;
};

/* Reads a message event's data. AG_EINVAL without a usable id. */
AG_MUST_USE int msg_facts_read(const json_t *data, const char *event, int64_t envelope_ts,
			       struct msg_facts *f);
/* One tolerant parser for Aircall's timestamps: unix ms or s (number or
 * digit string; below 1e11 read as seconds) or ISO 8601 ("2025-06-01T10:00:00Z",
 * fractions, offsets, space for T, no zone = UTC). AG_OK or AG_EINVAL. */
AG_MUST_USE int msg_time_parse(const json_t *v, int64_t *ms);
/* 10000-01-01T00:00:00Z: later times are refused (nothing real is dated
 * there, and their text would not fit). */
#define MSG_TIME_MAX_MS 253402300800000LL
/* ms → "2025-06-01T10:00:00.123Z" (out holds 32 bytes). */
void msg_time_iso(int64_t ms, char out[32]);
/* MC7: may this type be uploaded (images, PDF)? */
AG_MUST_USE int msg_media_uploadable(const char *type);
/* A delivery status that the agent must hear about. */
AG_MUST_USE int msg_status_failed(const char *status);
/* Conversation order: by own timestamp, then id. <0, 0, >0. */
AG_MUST_USE int msg_order_cmp(const struct msg_facts *a, const struct msg_facts *b);

/* The inbox subject of a message event: one per conversation, so that the
 * inbox applies a conversation's events one at a time ("sms:<number id>:
 * <E.164>", the external number's digits when it is no phone number). */
void msg_subject(const json_t *data, char *out, size_t len);

/* The posted_op key of a message applied to its conversation: "msg:<id>". */
void msg_posted_key(char *out, size_t len, const char *id);

AG_MUST_USE int plan_message(const struct msg_state *st, struct msg_op *op);
void msg_op_free(struct msg_op *op);
AG_MUST_USE const char *msg_op_name(enum msg_op_kind kind);

#endif
