/* The pure core of two-way SMS (docs/two-way-sms.md): is this Gorgias
 * message to be sent as an SMS, as which parts, and what does Gorgias
 * still need to hear about it. No I/O: apply/reply_executor.c runs each
 * operation, records it (sms_reply) and asks again until REPLY_OP_NONE. */
#ifndef AG_PLAN_REPLY_H
#define AG_PLAN_REPLY_H

#include "base/err.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Aircall refuses longer bodies (the fake's 422, SMS concatenation's
 * practical limit); counted in characters, not bytes. */
#define REPLY_PART_MAX 1600
#define REPLY_MAX_PARTS 8
#define REPLY_MAX_ATTACH 10

/* One Gorgias message (gorgias-api.md §9.2); strings borrowed from its JSON. */
struct reply_msg {
	int64_t id;
	int from_agent;
	int is_public;
	const char *channel;
	const char *external_id;
	int sent;                  /* sent_datetime set */
	int failed;                /* failed_datetime set */
	const char *body_text;
	int64_t sender_id;         /* the agent (author of notes about it) */
	const char *sender_email;
	const char *attach_url[REPLY_MAX_ATTACH];
	size_t nattach;
};

/* Reads a message object. AG_EINVAL without an id. */
AG_MUST_USE int reply_msg_read(const json_t *m, struct reply_msg *out);

/* Is this text a whole opt-out or opt-in word (en/de: STOP, STOPP,
 * ABMELDEN..., START, ANMELDEN...)? 1 with *opt_out set (1 stop, 0 start),
 * 0 for any other text. Trimmed, case-insensitive, a final "." or "!"
 * allowed. */
AG_MUST_USE int reply_opt_word(const char *text, int *opt_out);

/* The SMS text: body_text (never HTML), then one line per attachment URL;
 * split at spaces into parts of at most REPLY_PART_MAX characters (a word
 * longer than that is cut at a character boundary). *nparts 0 when there
 * is nothing to send. AG_ETOOBIG beyond REPLY_MAX_PARTS. Parts are owned
 * by the caller (reply_parts_free). */
struct reply_parts {
	char *part[REPLY_MAX_PARTS];
	size_t n;
};
AG_MUST_USE int reply_parts_make(const struct reply_msg *m, struct reply_parts *out);
void reply_parts_free(struct reply_parts *p);

/* What is stored about one message (sms_reply rows), by part. */
enum reply_part_state { PART_NONE = 0, PART_SENDING, PART_SENT, PART_FAILED };

struct reply_record {
	int skipped;               /* never to be sent (reason) */
	int reported;              /* Gorgias was told */
	enum reply_part_state part[REPLY_MAX_PARTS];
	const char *reason;        /* skip or failure reason */
};

struct reply_state {
	const struct reply_msg *msg;
	int conversation;          /* its ticket is an SMS conversation's */
	int number_selected;       /* SU3 */
	int opted_out;             /* the customer texted opt_word on that number */
	const char *opt_word;
	const struct reply_record *rec;
	size_t nparts;
	int user_resolved;         /* the Aircall user with the sender's email looked up */
	int final_attempt;         /* the event's last attempt */
	const char *locale;
};

enum reply_op_kind {
	REPLY_OP_NONE = 0,         /* nothing (more) to do; reason says why when nothing was */
	REPLY_OP_SKIP,             /* record: never sent, for reason (reported unless note) */
	REPLY_OP_RESOLVE_USER,     /* the Aircall user by the sender's email */
	REPLY_OP_SEND,             /* part: record the intent, then Aircall's native send */
	REPLY_OP_WAIT,             /* a send's outcome is unknown: wait for Aircall's echo */
	REPLY_OP_GIVE_UP,          /* still unknown on the last attempt: failed, reason */
	REPLY_OP_MARK_SENT,        /* PUT sent_datetime (else a note) */
	REPLY_OP_MARK_FAILED,      /* PUT failed_datetime + last_sending_error (else a note) */
	REPLY_OP_NOTE              /* internal note: not sent, and why */
};

struct reply_op {
	enum reply_op_kind kind;
	const char *reason;        /* static text for NONE/SKIP/GIVE_UP */
	int note;                  /* SKIP: a note follows (not reported yet) */
	size_t part;               /* SEND, WAIT, GIVE_UP */
	char text[400];            /* NOTE, MARK_FAILED: what Gorgias is told */
};

AG_MUST_USE int plan_reply(const struct reply_state *st, struct reply_op *op);
AG_MUST_USE const char *reply_op_name(enum reply_op_kind kind);

#endif
