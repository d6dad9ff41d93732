/* Two-way SMS (docs/two-way-sms.md), the third plug of the executor
 * skeleton: a delivery of the Gorgias integration names a ticket, and a
 * message when the template renders {{message.id}} (UNCONFIRMED). Each
 * agent message it stands for is one unit: plan_reply (core/) says what is
 * owed, one operation runs, sms_reply records it.
 *
 * Exactly once: the intent of every part is stored before Aircall is asked
 * (sms_reply_intent); a retry, a redelivery or a second delivery finds it.
 * A send whose answer was lost is never repeated: it waits for Aircall's
 * message.sent (which completes it, reply_observe.c) and is reported
 * failed on the event's last attempt. */
#include "apply/executor.h"
#include "base/err.h"
#include "base/log.h"
#include "core/plan_message.h"
#include "core/plan_reply.h"
#include "store/conversation_store.h"
#include "store/gorgias_hook_store.h"
#include "store/inbox.h"
#include "store/installation_store.h"
#include "store/posted_op_store.h"
#include "store/sms_opt_out_store.h"
#include "store/sms_reply_store.h"
#include "vendor/aircall_sms.h"
#include "vendor/gorgias_reply.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages written this long before the integration became active are old
 * history, not replies to send (clocks of Gorgias and PostgreSQL differ). */
#define HISTORY_SLACK_S 300
/* How long a delivery waits for its ticket to become a conversation's. */
#define CONVERSATION_WAIT_MS 10000

struct reply_run {
	int64_t ticket_id;
	int64_t message_id;           /* 0: the delivery named the ticket only */
	char phone[PHONE_MAX];        /* the conversation's customer */
	int64_t number_id;            /* and Aircall line */
	int conversation;
	int selected;
	long long active_since;       /* of the integration (list mode's horizon) */
	json_t *msgs;                 /* the units: Gorgias message objects (owned) */
	size_t next;
	struct reply_msg cur;         /* borrowed from msgs */
	struct reply_parts parts;
	struct reply_record rec;
	char reason[304];
	int opted_out;
	char opt_word[48];
	char user_email[256];         /* the Aircall user looked up for this email */
	int user_resolved;
	int64_t aircall_user;
};

static int64_t id_of(const json_t *v)
{
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

static int reply_read(struct executor_run *r)
{
	struct reply_run *k = r->kind;

	snprintf(r->subject, sizeof r->subject, "%s", r->ev->subject);
	k->ticket_id = id_of(json_object_get(r->ev->payload, "ticket_id"));
	k->message_id = id_of(json_object_get(r->ev->payload, "message_id"));
	if (k->ticket_id <= 0) {
		snprintf(r->out->note, sizeof r->out->note, "Gorgias delivery without a ticket id");
		return AG_EINVAL;
	}
	return AG_OK;
}

/* What needs no vendor: is the ticket a conversation's, is the message one
 * the bridge created (then nothing is asked of Gorgias at all). */
static int reply_prepare(struct executor_run *r)
{
	struct reply_run *k = r->kind;
	struct hook_row hook;
	int rc;

	rc = conversation_by_ticket(&r->app->db, r->in->id, k->ticket_id, k->phone, sizeof k->phone,
				    &k->number_id);
	if (rc && rc != AG_ENOTFOUND)
		return rc;
	k->conversation = rc == AG_OK;
	if ((rc = hook_load(&r->app->db, r->in->id, &hook)))
		return rc;
	k->active_since = hook.active_since;
	if (!k->conversation) {
		/* An SMS ticket's delivery may overtake the bridge storing the
		 * ticket as the conversation's: a young one waits a little. */
		int64_t age = CONVERSATION_WAIT_MS;

		if ((rc = inbox_age_ms(&r->app->db, r->ev->id, &age)) && rc != AG_ENOTFOUND)
			return rc;
		if (age < CONVERSATION_WAIT_MS) {
			r->hold_s = 1;
			snprintf(r->out->note, sizeof r->out->note,
				 "ticket not (yet) a conversation's: looked at again shortly");
			return AG_EBUSY;
		}
	}
	if (!k->conversation) {
		r->offline = 1;
		snprintf(r->out->note, sizeof r->out->note, "%s",
			 "not an SMS conversation's ticket: nothing to send");
		return AG_OK;
	}
	return installation_number_selected(&r->app->db, r->in, k->number_id, &k->selected);
}

/* An agent message that may still be owed something (list mode). */
static int candidate(const struct reply_run *k, const json_t *m)
{
	int64_t ms = 0;

	if (!json_is_true(json_object_get(m, "from_agent")) ||
	    json_is_false(json_object_get(m, "public")))
		return 0;
	if (!json_string_value(json_object_get(m, "channel")) ||
	    strcmp(json_string_value(json_object_get(m, "channel")), "sms") != 0)
		return 0;
	if (msg_time_parse(json_object_get(m, "created_datetime"), &ms) == AG_OK &&
	    ms / 1000 < k->active_since - HISTORY_SLACK_S)
		return 0;
	return 1;
}

static int reply_load(struct executor_run *r)
{
	struct reply_run *k = r->kind;
	json_t *list = NULL, *m = NULL;
	size_t i;
	int rc;

	if (k->message_id) {
		rc = gorgias_reply_get(&r->g, k->ticket_id, k->message_id, &m);
		k->msgs = json_array();
		if (rc == AG_ENOTFOUND)          /* deleted meanwhile: nothing to send */
			return k->msgs ? AG_OK : AG_ENOMEM;
		if (!rc && json_array_append_new(k->msgs, m))
			rc = AG_ENOMEM;
		return rc;
	}
	/* {{message.id}} rendered empty: every agent message of the ticket
	 * that sms_reply does not show as settled is looked at. */
	if ((rc = gorgias_reply_list(&r->g, k->ticket_id, &list)))
		return rc;
	if (!(k->msgs = json_array())) {
		json_decref(list);
		return AG_ENOMEM;
	}
	json_array_foreach(list, i, m)
		if (candidate(k, m))
			json_array_append(k->msgs, m);
	json_decref(list);
	return AG_OK;
}

static int load_record(struct executor_run *r)
{
	struct reply_run *k = r->kind;

	return sms_reply_load(&r->app->db, r->in->id, k->cur.id, &k->rec, k->reason,
			      sizeof k->reason);
}

static int reply_next(struct executor_run *r, int *more)
{
	struct reply_run *k = r->kind;
	int rc;

	*more = 0;
	reply_parts_free(&k->parts);
	if (r->offline || !k->msgs || k->next >= json_array_size(k->msgs))
		return AG_OK;
	if (reply_msg_read(json_array_get(k->msgs, k->next++), &k->cur)) {
		snprintf(r->out->note, sizeof r->out->note, "Gorgias message without an id");
		return AG_ETEMP;
	}
	if ((rc = load_record(r)) ||
	    (rc = sms_opt_out_get(&r->app->db, r->in->id, k->number_id, k->phone, &k->opted_out,
				  k->opt_word, sizeof k->opt_word)))
		return rc;
	rc = reply_parts_make(&k->cur, &k->parts);
	if (rc == AG_ETOOBIG)            /* more than REPLY_MAX_PARTS SMS: refused as such */
		rc = k->rec.part[0] == PART_FAILED ? AG_OK : sms_reply_failed(&r->app->db, r->in->id, k->cur.id, k->ticket_id, 0,
				      "too long to send as SMS");
	if (rc || (rc = load_record(r)))
		return rc;
	if (k->cur.sender_email && strcmp(k->cur.sender_email, k->user_email) != 0) {
		k->user_resolved = 0;
		k->aircall_user = 0;
	}
	*more = 1;
	return AG_OK;
}

static int reply_plan(struct executor_run *r, void *planned, struct executor_step *s)
{
	struct reply_run *k = r->kind;
	struct reply_op *op = planned;
	struct reply_state st;
	int rc;

	memset(&st, 0, sizeof st);
	st.msg = &k->cur;
	st.conversation = k->conversation;
	st.number_selected = k->selected;
	st.opted_out = k->opted_out;
	st.opt_word = k->opt_word;
	st.rec = &k->rec;
	st.nparts = k->parts.n;
	st.user_resolved = k->user_resolved;
	st.final_attempt = r->ev->attempts >= r->app->cfg->max_attempts;
	st.locale = r->in->locale;
	if ((rc = plan_reply(&st, op)))
		return rc;
	log_debug("reply %" PRId64 ": next %s", k->cur.id, reply_op_name(op->kind));
	if (op->kind == REPLY_OP_NONE && op->reason)
		snprintf(r->out->note, sizeof r->out->note, "message %" PRId64 ": %s", k->cur.id,
			 op->reason);
	s->done = op->kind == REPLY_OP_NONE;
	s->lookup = op->kind == REPLY_OP_RESOLVE_USER;
	return AG_OK;
}

/* Aircall refused the part for good: recorded with its words, reported next. */
static int refused(struct executor_run *r, size_t part)
{
	struct reply_run *k = r->kind;
	const char *why = r->a.reason[0] ? r->a.reason : r->a.last_error;

	log_info("reply %" PRId64 " part %zu refused by Aircall: %s", k->cur.id, part, why);
	return sms_reply_failed(&r->app->db, r->in->id, k->cur.id, k->ticket_id, part, why);
}

static int exec_send(struct executor_run *r, size_t part)
{
	struct reply_run *k = r->kind;
	const char *body = k->parts.part[part];
	char id[AIRCALL_MSG_ID_MAX + 1];
	int rc;

	rc = sms_reply_intent(&r->app->db, r->in->id, k->cur.id, k->ticket_id, part, k->number_id,
			      k->phone, body);
	if (rc == AG_ECONFLICT)                  /* recorded meanwhile: plan again */
		return load_record(r);
	if (rc)
		return rc;
	rc = aircall_native_send(&r->a, k->number_id, k->phone, body, k->aircall_user, id,
				 sizeof id);
	switch (rc) {
	case AG_OK:
		log_info("reply %" PRId64 " part %zu sent as Aircall message %s", k->cur.id, part, id);
		rc = sms_reply_sent(&r->app->db, r->in->id, k->cur.id, part, id);
		break;
	case AG_ERATE:
	case AG_EBUDGET:
	case AG_EAUTH:
		/* Refused before sending (429, 401/403) or never asked (the
		 * shared budget): owed again. */
		if (sms_reply_unsent(&r->app->db, r->in->id, k->cur.id, part))
			return AG_EDB;
		break;
	case AG_ETEMP:
	case AG_ENET:
		/* No answer, a 5xx (a gateway's timeout often comes after the
		 * SMS went out) or an unusable 2xx: it may have been sent. Kept
		 * as in doubt: Aircall's echo completes it, else the last
		 * attempt reports it failed; never sent twice. */
		break;
	default:
		rc = refused(r, part);
		break;
	}
	if (!rc)
		rc = load_record(r);
	return rc;
}

/* Tells Gorgias the outcome: on the message when it takes it, else as an
 * internal note by the agent who wrote the reply. */
static int exec_report(struct executor_run *r, int sent, const char *reason)
{
	struct reply_run *k = r->kind;
	char text[480];
	int rc = gorgias_reply_mark(&r->g, k->ticket_id, k->cur.id, sent, reason);

	if (rc == AG_EREJECT && k->cur.sender_id) {
		if (sent)
			snprintf(text, sizeof text, "This reply was sent as an SMS to %s.", k->phone);
		else
			snprintf(text, sizeof text, "This reply was not sent as an SMS: %s", reason);
		rc = gorgias_reply_note(&r->g, k->ticket_id, k->cur.id, k->cur.sender_id, text);
	}
	if (rc == AG_ENOTFOUND || rc == AG_EREJECT)
		rc = AG_OK;                      /* nowhere to tell it: nothing left owed */
	if (!rc && !(rc = sms_reply_reported(&r->app->db, r->in->id, k->cur.id)))
		rc = load_record(r);
	return rc;
}

static int reply_execute(struct executor_run *r, void *planned)
{
	struct reply_run *k = r->kind;
	struct reply_op *op = planned;
	int rc;

	switch (op->kind) {
	case REPLY_OP_SKIP:
		log_info("reply %" PRId64 " not sent: %s", k->cur.id, op->reason);
		snprintf(r->out->note, sizeof r->out->note, "message %" PRId64 " not sent: %s",
			 k->cur.id, op->reason);
		if ((rc = sms_reply_skipped(&r->app->db, r->in->id, k->cur.id, k->ticket_id, op->reason,
					    !op->note)))
			return rc;
		return load_record(r);
	case REPLY_OP_RESOLVE_USER:
		/* Without a matching Aircall user the SMS still goes, from the line. */
		rc = aircall_user_by_email(&r->a, k->cur.sender_email, &k->aircall_user);
		if (rc && ag_err_retryable(rc))
			return rc;
		if (rc)
			log_info("reply %" PRId64 ": Aircall users not listed (%s), sent without user",
				 k->cur.id, r->a.last_error);
		snprintf(k->user_email, sizeof k->user_email, "%s", k->cur.sender_email);
		k->user_resolved = 1;
		return AG_OK;
	case REPLY_OP_SEND:
		return exec_send(r, op->part);
	case REPLY_OP_WAIT:
		snprintf(r->out->note, sizeof r->out->note,
			 "message %" PRId64 ": %s; waiting for Aircall's message.sent", k->cur.id,
			 op->reason);
		return AG_ETEMP;
	case REPLY_OP_GIVE_UP:
		if ((rc = sms_reply_failed(&r->app->db, r->in->id, k->cur.id, k->ticket_id, op->part,
					   op->reason)))
			return rc;
		return load_record(r);
	case REPLY_OP_MARK_SENT:
		return exec_report(r, 1, NULL);
	case REPLY_OP_MARK_FAILED:
		return exec_report(r, 0, op->text);
	case REPLY_OP_NOTE:
		rc = k->cur.sender_id ? gorgias_reply_note(&r->g, k->ticket_id, k->cur.id, k->cur.sender_id,
						   op->text)
				      : AG_OK;
		if (!rc && !(rc = sms_reply_reported(&r->app->db, r->in->id, k->cur.id)))
			rc = load_record(r);
		return rc;
	default:
		return AG_OK;
	}
}

static void reply_op_free(void *op)
{
	(void)op;
}

static void reply_release(struct executor_run *r)
{
	struct reply_run *k = r->kind;

	reply_parts_free(&k->parts);
	json_decref(k->msgs);
}

const struct executor_kind reply_executor = {
	.event_prefix = "gorgias.",
	.what = "reply",
	.kind_size = sizeof(struct reply_run),
	.op_size = sizeof(struct reply_op),
	.max_steps = 4 + 2 * REPLY_MAX_PARTS,
	.read = reply_read,
	.prepare = reply_prepare,
	.load = reply_load,
	.next = reply_next,
	.plan = reply_plan,
	.execute = reply_execute,
	.op_free = reply_op_free,
	.release = reply_release,
};
