/* The message plug of the executor skeleton (executor.h): applies message
 * events (MC1-MC7), plan → execute → record, one Gorgias operation at a
 * time, for the messages of one conversation in the order of their own
 * timestamps.
 *
 * Order: the inbox's subject is the conversation, so its events are
 * applied one at a time (also across processes and hosts). Aircall may
 * deliver a later message first; a message is therefore applied no
 * sooner than MESSAGE_HOLD_MS after it was received, and then together
 * with every message of the conversation already waiting in the inbox
 * whose own timestamp is earlier, earliest first. A message delivered
 * more than the hold after a later one still lands (after it); Gorgias
 * then shows it by its sent_datetime. A held event is postponed, not
 * slept on (a FastCGI process that sleeps after answering still delays
 * the next webhook the web server hands it): the worker, or the next
 * webhook's drain, applies it once due. */
#include "apply/customer_make.h"
#include "apply/degrade.h"
#include "apply/executor.h"
#include "apply/reply_observe.h"
#include "apply/lookup.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "core/phone.h"
#include "core/plan_message.h"
#include "store/conversation_store.h"
#include "store/inbox.h"
#include "store/installation_store.h"
#include "vendor/aircall.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "vendor/media.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MESSAGE_HOLD_MS 1000
/* MMS files are small; a bigger file is linked, not uploaded. */
#define MEDIA_MAX (20LL * 1000 * 1000)
#define MAX_STEPS 24
#define MAX_BATCH 50

/* A message waiting in the conversation, applied in this run. */
struct pending {
	json_t *payload;              /* owned; NULL for the claimed event's own */
	struct msg_facts f;
	int64_t age_ms;
};

/* The conversation's own part of a run (executor_run.kind). */
struct msg_run {
	struct msg_facts self;        /* the claimed event's message */
	int have_phone;
	char digits[12];
	int selected;
	int64_t customer_id, ticket_id;
	char *customer_name;          /* owned */
	int looked_up;
	int admin_resolved;
	int64_t admin_user_id;
	int agent_resolved;
	int64_t agent_user_id;
	enum ticket_seen ticket;      /* what Gorgias said this run */
	int64_t closed_at;
	json_t *work;                 /* conversation.work (owned) */
	/* the units of work: the messages applied in this run, in order */
	struct pending list[MAX_BATCH + 1];
	size_t n, next;
	const struct msg_facts *cur;  /* the message being applied */
	int two_way;                  /* the current message is two-way SMS's own (reply_observe.h) */
};

static void set_name(struct executor_run *r, const char *name)
{
	struct msg_run *c = r->kind;

	free(c->customer_name);
	c->customer_name = name ? strndup(name, 200) : NULL;
}

static int record_key(struct executor_run *r, const char *key, int64_t gorgias_id)
{
	int rc = executor_record(r, key, gorgias_id);

	return rc ? rc : executor_load_posted(r);
}

static int load_conversation(struct executor_run *r, int64_t number_id)
{
	struct msg_run *c = r->kind;

	json_decref(c->work);
	return conversation_open(&r->app->db, r->in->id, r->phone, number_id, &c->customer_id,
				 &c->ticket_id, &c->work);
}

static int save_conversation(struct executor_run *r, int64_t number_id)
{
	struct msg_run *c = r->kind;

	return conversation_save(&r->app->db, r->in->id, r->phone, number_id, c->customer_id,
				 c->ticket_id, c->work);
}

/* The in-flight work of one message (created on demand). */
static json_t *work_of(struct executor_run *r, const char *id)
{
	struct msg_run *c = r->kind;
	json_t *w = json_object_get(c->work, id);

	if (!json_is_object(w)) {
		w = json_object();
		json_object_set_new(c->work, id, w);
	}
	return w;
}

static int exec_find_customer(struct executor_run *r, const struct msg_facts *f)
{
	struct msg_run *c = r->kind;
	int64_t id = 0;
	char *name = NULL;
	int rc = executor_hold_caller(r);

	if (!rc)
		rc = lookup_customer(&r->g, r->phone, &id, &name);
	if (rc)
		return rc;
	c->looked_up = 1;
	if (id) {
		c->customer_id = id;
		set_name(r, name);
		rc = save_conversation(r, f->number_id);
	}
	free(name);
	return rc;
}

static int exec_create_customer(struct executor_run *r, const struct msg_facts *f, struct msg_op *op)
{
	struct msg_run *c = r->kind;
	struct customer_made made;
	int rc = executor_hold_caller(r);

	if (!rc)
		rc = customer_make(&r->g, r->phone, op->body, &made);
	if (rc)
		return rc;
	c->customer_id = made.id;
	set_name(r, made.name);
	if (made.unsaved_note)
		log_info("gorgias %s: customer %" PRId64 " created without its note (refused)",
			 r->in->account, made.id);
	customer_made_free(&made);
	return save_conversation(r, f->number_id);
}

/* MC3-MC5 from Gorgias's own view of the ticket, which an agent may have
 * closed, marked as spam or trashed at any time. */
static int exec_check_ticket(struct executor_run *r, int64_t ticket_id)
{
	struct msg_run *c = r->kind;
	char path[64];
	json_t *t = NULL;
	const json_t *trashed, *cust;
	const char *status;
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64, ticket_id);
	rc = gorgias_call(&r->g, "GET", path, NULL, &t);
	if (rc == AG_ENOTFOUND) {
		c->ticket = TICKET_UNUSABLE;
		return AG_OK;
	}
	if (rc)
		return rc;
	trashed = json_object_get(t, "trashed_datetime");
	status = json_string_value(json_object_get(t, "status"));
	cust = json_object_get(t, "customer");
	if (json_is_true(json_object_get(t, "spam")) || (trashed && !json_is_null(trashed))) {
		c->ticket = TICKET_UNUSABLE;              /* MC4 */
	} else if (status && strcmp(status, "open") == 0) {
		c->ticket = TICKET_OPEN;
	} else {
		int64_t ms = 0;
		c->ticket = TICKET_CLOSED;
		/* Without a close time, the last update bounds it from above:
		 * MC5's "72 h or more" still holds when that is old enough. */
		if (msg_time_parse(json_object_get(t, "closed_datetime"), &ms) &&
		    msg_time_parse(json_object_get(t, "updated_datetime"), &ms))
			ms = 0;
		c->closed_at = ms / 1000;
	}
	/* The ticket's customer is the conversation's (a merge moves it). */
	if (c->ticket != TICKET_UNUSABLE && gorgias_id(cust)) {
		c->customer_id = gorgias_id(cust);
		if (json_string_value(json_object_get(cust, "name")))
			set_name(r, json_string_value(json_object_get(cust, "name")));
	}
	json_decref(t);
	return AG_OK;
}

static int exec_upload(struct executor_run *r, const struct msg_facts *f, const struct msg_op *op)
{
	const struct msg_media *m = &f->media[op->media_index];
	json_t *w = work_of(r, f->id), *ups = json_object_get(w, "uploads"), *att = NULL, *entry;
	enum media_result got;
	char name[160], idx[24];
	int rc;

	if (!json_is_object(ups)) {
		ups = json_object();
		json_object_set_new(w, "uploads", ups);
	}
	/* The name Aircall gave, bounded and reduced to harmless bytes (it
	 * becomes a multipart filename and the file's label). */
	snprintf(name, sizeof name, "%.150s", m->name ? m->name : "attachment");
	for (char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._- ", *c))
			*c = '_';
	rc = media_transfer(&r->a, &r->g, m->url, MEDIA_MAX, name, m->type, &att, &got);
	if (rc)
		return rc;
	if (got == MEDIA_UPLOADED)
		entry = json_pack("{s:o}", "attachment", att);
	else
		entry = json_pack("{s:s}", "link", got == MEDIA_TOO_LARGE ? "too large to upload"
						   : got == MEDIA_REFUSED ? "not fetched: only public https addresses are"
						   : got == MEDIA_FAILED ? r->a.last_error
						   : "could not be downloaded");
	if (!entry)
		return AG_ENOMEM;
	snprintf(idx, sizeof idx, "%zu", op->media_index);
	json_object_set_new(ups, idx, entry);
	return save_conversation(r, f->number_id);
}

static int intent(struct executor_run *r, const struct msg_facts *f, const char *what)
{
	json_object_set_new(work_of(r, f->id), "intent", json_string(what));
	return save_conversation(r, f->number_id);
}

static int landed(struct executor_run *r, const struct msg_facts *f, const char *key, int64_t id)
{
	struct msg_run *c = r->kind;
	int rc;

	json_object_del(c->work, f->id);
	if ((rc = save_conversation(r, f->number_id)))
		return rc;
	return record_key(r, key, id);
}

/* RB2: a refusal naming a cached customer or user gone in Gorgias:
 * forgotten, resolved again by the planner, once per run. AG_OK when the
 * planner should go on, else AG_EREJECT (the caller keeps its refusal). */
static int recover_gone(struct executor_run *r)
{
	struct msg_run *c = r->kind;
	const char *what = lookup_forget_gone(&r->g, r->phone, &r->g.refusal);

	if (!what || r->gone_retries++)
		return AG_EREJECT;
	if (strcmp(what, "customer") == 0) {
		c->customer_id = 0;
		c->looked_up = 0;
	} else {
		c->agent_resolved = c->admin_resolved = 0;
		c->agent_user_id = c->admin_user_id = 0;
	}
	return AG_OK;
}

static int exec_create_ticket(struct executor_run *r, const struct msg_facts *f, struct msg_op *op)
{
	struct msg_run *c = r->kind;
	const char *ext = json_string_value(json_object_get(op->body, "external_id"));
	const char *was = json_string_value(json_object_get(work_of(r, f->id), "intent"));
	json_t *made = NULL;
	char path[200], *esc;
	int64_t id = 0;
	int rc;

	if (was && strcmp(was, "ticket") == 0 && ext) {
		if (!(esc = http_escape(ext)))
			return AG_ENOMEM;
		snprintf(path, sizeof path, "/api/tickets?external_id=%.150s&limit=1", esc);
		free(esc);
		if ((rc = executor_find_sent(r, path, ext, &id)))
			return rc;
	}
	if (!id) {
		if ((rc = intent(r, f, "ticket")))
			return rc;
		rc = executor_post_ticket(r, op->body, op->optional, op->noptional, &made);
		if ((rc == AG_EREJECT || rc == AG_ENOTFOUND) &&
		    recover_gone(r) == AG_OK) {
			json_decref(made);
			return save_conversation(r, f->number_id);
		}
		id = gorgias_id(made);
		json_decref(made);
		if (rc)
			return rc;
		if (!id)
			return AG_ETEMP;
	}
	c->ticket_id = id;
	c->ticket = TICKET_OPEN;
	return landed(r, f, op->key, id);
}

static int exec_add_message(struct executor_run *r, const struct msg_facts *f, struct msg_op *op)
{
	struct msg_run *c = r->kind;
	const char *ext = json_string_value(json_object_get(op->body, "external_id"));
	const char *was = json_string_value(json_object_get(work_of(r, f->id), "intent"));
	json_t *made = NULL;
	char path[96];
	int64_t id = 0;
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", op->ticket_id);
	if (was && strcmp(was, "message") == 0 && ext &&
	    (rc = executor_find_sent(r, path, ext, &id)))
		return rc;
	if (!id) {
		if (op->kind == MSG_OP_ADD_MESSAGE && (rc = intent(r, f, "message")))
			return rc;
		snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages", op->ticket_id);
		rc = degrade_call(&r->g, "POST", path, op->body, op->optional, op->noptional, &made);
		id = gorgias_id(made);
		json_decref(made);
		if ((rc == AG_EREJECT || (rc == AG_ENOTFOUND && !refusal_names_ticket(&r->g.refusal))) &&
		    recover_gone(r) == AG_OK)
			return save_conversation(r, f->number_id);
		if (rc == AG_ENOTFOUND && op->kind == MSG_OP_ADD_MESSAGE) {
			/* Deleted in Gorgias meanwhile: the next step opens a new one. */
			c->ticket = TICKET_UNUSABLE;
			return AG_OK;
		}
		if (rc == AG_ENOTFOUND)
			rc = AG_OK; /* a failure note on a deleted ticket: nowhere to go */
		if (rc)
			return rc;
	}
	return landed(r, f, op->key, id);
}

static int exec_reopen(struct executor_run *r, struct msg_op *op)
{
	struct msg_run *c = r->kind;
	char path[64];
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64, op->ticket_id);
	rc = gorgias_call(&r->g, "PUT", path, op->body, NULL);
	if (rc == AG_ENOTFOUND) {
		c->ticket = TICKET_UNUSABLE;
		return AG_OK;
	}
	if (!rc)
		c->ticket = TICKET_OPEN;
	return rc;
}

static int is_posted(struct executor_run *r, const struct msg_facts *f)
{
	char key[MSG_ID_MAX + 8];

	msg_posted_key(key, sizeof key, f->id);
	return posted_has(&r->done, key);
}

/* How much longer this event is held (PostgreSQL's clock, the same for
 * every host), so that an earlier message delivered just after it is in
 * the inbox when it is applied. */
static int hold_left_ms(struct executor_run *r, int64_t event_id, int64_t *left)
{
	int64_t age;
	int rc = inbox_age_ms(&r->app->db, event_id, &age);

	if (rc == AG_ENOTFOUND)
		age = MESSAGE_HOLD_MS;
	else if (rc)
		return rc;
	*left = age >= 0 && age < MESSAGE_HOLD_MS ? MESSAGE_HOLD_MS - age : 0;
	return AG_OK;
}

static int cmp_pending(const void *a, const void *b)
{
	return msg_order_cmp(&((const struct pending *)a)->f, &((const struct pending *)b)->f);
}

/* This message together with the conversation's others waiting in the
 * inbox, earliest own time first: every earlier one, then this one, then
 * later ones as long as their own hold is over (msg_next stops at the
 * first still held, so nothing overtakes it). One run reads the ticket's
 * state once for all of them: a burst costs about one request a message. */
static int gather_in_order(struct executor_run *r)
{
	struct msg_run *c = r->kind;
	struct inbox_waiting waiting[MAX_BATCH];
	size_t nw = 0;
	int rc = inbox_waiting_messages(&r->app->db, r->in->id, r->subject, waiting, MAX_BATCH, &nw);

	if (rc)
		return rc;
	for (size_t i = 0; i < nw; i++) {
		struct pending *p = &c->list[c->n];
		json_t *pl = waiting[i].payload;
		json_int_t ts = json_integer_value(json_object_get(pl, "timestamp"));

		if (pl && !msg_facts_read(json_object_get(pl, "data"), waiting[i].event, ts, &p->f) &&
		    strcmp(p->f.id, c->self.id) != 0 && !is_posted(r, &p->f)) {
			p->age_ms = waiting[i].age_ms;
			p->payload = pl;
			c->n++;
		} else {
			json_decref(pl);
		}
	}
	return AG_OK;
}

/* ---------------------------------------------------------- the plug */

/* The claimed message alone, due now. */
static void only_self(struct msg_run *c)
{
	c->list[0].f = c->self;
	c->list[0].age_ms = MESSAGE_HOLD_MS;
	c->list[0].payload = NULL;
	c->n = 1;
}

static int msg_read(struct executor_run *r)
{
	struct msg_run *c = r->kind;
	json_int_t ts = json_integer_value(json_object_get(r->ev->payload, "timestamp"));

	snprintf(r->subject, sizeof r->subject, "%s", r->ev->subject);
	if (msg_facts_read(json_object_get(r->ev->payload, "data"), r->ev->event, (int64_t)ts,
			   &c->self)) {
		snprintf(r->out->note, sizeof r->out->note, "message event without data.id");
		return AG_EINVAL;
	}
	return AG_OK;
}

/* SU3, or no conversation to speak of: nothing is sent, the planner says why. */
static int msg_prepare(struct executor_run *r)
{
	struct msg_run *c = r->kind;

	int rc = installation_number_selected(&r->app->db, r->in, c->self.number_id, &c->selected);

	if (rc)
		return rc;
	c->have_phone = phone_normalize(c->self.external, r->in->country, r->phone) == PHONE_OK;
	if (!c->selected || !c->have_phone) {
		r->offline = 1;
		only_self(c);
	}
	return AG_OK;
}

static int msg_load(struct executor_run *r)
{
	struct msg_run *c = r->kind;
	int64_t left = 0;
	int rc;

	if (crypto_random_digits(c->digits, 8) != AG_OK)
		snprintf(c->digits, sizeof c->digits, "%08ld", (long)(time(NULL) % 100000000));
	if ((rc = load_conversation(r, c->self.number_id)) || (rc = executor_load_posted(r)))
		return rc;
	if (c->self.status_event) {
		only_self(c);
		return AG_OK;
	}
	if (!is_posted(r, &c->self)) {
		if ((rc = hold_left_ms(r, r->ev->id, &left)))
			return rc;
		if (left > 0) {
			/* Not a failure: due again when the hold is over. */
			r->hold_s = (long)((left + 999) / 1000);
			snprintf(r->out->note, sizeof r->out->note, "held %lld ms for ordering",
				 (long long)left);
			return AG_EBUSY;
		}
	}
	if ((rc = gather_in_order(r)))
		return rc;
	c->list[c->n].f = c->self;      /* this one, due now */
	c->list[c->n].age_ms = MESSAGE_HOLD_MS;
	c->list[c->n++].payload = NULL;
	qsort(c->list, c->n, sizeof c->list[0], cmp_pending);
	return AG_OK;
}

static int msg_next(struct executor_run *r, int *more)
{
	struct msg_run *c = r->kind;
	const struct pending *p;
	int later;

	*more = 0;
	if (c->next >= c->n)
		return AG_OK;
	p = &c->list[c->next];
	later = msg_order_cmp(&p->f, &c->self) > 0;
	if (later && p->age_ms < MESSAGE_HOLD_MS)
		return AG_OK;
	if (p->payload)
		log_info("message %s applied with %s (%s)", p->f.id, c->self.id,
			 later ? "later, hold over" : "earlier");
	c->cur = &p->f;
	c->next++;
	*more = 1;
	return reply_observe(r, c->cur, c->have_phone ? r->phone : NULL, &c->two_way,
			     r->out->note, sizeof r->out->note);
}

static int msg_plan(struct executor_run *r, void *planned, struct executor_step *s)
{
	struct msg_run *c = r->kind;
	const struct msg_facts *f = c->cur;
	struct msg_op *op = planned;
	struct msg_state st;
	int rc;

	if (c->two_way) {               /* never imported: the bridge sent it itself */
		s->done = 1;
		return AG_OK;
	}
	memset(&st, 0, sizeof st);
	st.msg = f;
	st.number_selected = c->selected;
	st.phone = c->have_phone ? r->phone : NULL;
	st.locale = r->in->locale;
	st.customer_id = c->customer_id;
	st.customer_name = c->customer_name;
	st.customer_looked_up = c->looked_up;
	st.agent_resolved = c->agent_resolved;
	st.agent_user_id = c->agent_user_id;
	st.admin_resolved = c->admin_resolved;
	st.admin_user_id = c->admin_user_id;
	/* A ticket Gorgias made unusable is no longer the conversation's. */
	st.ticket_id = c->ticket == TICKET_UNUSABLE ? 0 : c->ticket_id;
	st.ticket = c->ticket;
	st.closed_at = c->closed_at;
	st.posted = (const char *const *)r->done.keys;
	st.nposted = r->done.n;
	st.uploads = json_object_get(json_object_get(c->work, f->id), "uploads");
	st.placeholder_digits = c->digits;
	st.now = (int64_t)time(NULL);
	if ((rc = plan_message(&st, op)))
		return rc;
	log_debug("message %s: next %s", f->id, msg_op_name(op->kind));
	if (op->kind == MSG_OP_SKIP)
		snprintf(r->out->note, sizeof r->out->note, "%s", op->reason);
	s->done = op->kind == MSG_OP_NONE || op->kind == MSG_OP_SKIP;
	s->lookup = op->kind == MSG_OP_RESOLVE_AGENT || op->kind == MSG_OP_RESOLVE_ADMIN ||
		    op->kind == MSG_OP_FIND_CUSTOMER || op->kind == MSG_OP_CHECK_TICKET;
	return AG_OK;
}

static int msg_execute(struct executor_run *r, void *planned)
{
	struct msg_run *c = r->kind;
	const struct msg_facts *f = c->cur;
	struct msg_op *op = planned;
	int rc;

	switch (op->kind) {
	case MSG_OP_RESOLVE_AGENT:
		rc = lookup_agent(&r->g, op->email, &c->agent_user_id);
		c->agent_resolved = !rc;
		return rc;
	case MSG_OP_RESOLVE_ADMIN:
		rc = lookup_admin(&r->g, &c->admin_user_id);
		c->admin_resolved = !rc;
		return rc;
	case MSG_OP_FIND_CUSTOMER:
		return exec_find_customer(r, f);
	case MSG_OP_CREATE_CUSTOMER:
		return exec_create_customer(r, f, op);
	case MSG_OP_CHECK_TICKET:
		return exec_check_ticket(r, op->ticket_id);
	case MSG_OP_REOPEN:
		return exec_reopen(r, op);
	case MSG_OP_UPLOAD:
		return exec_upload(r, f, op);
	case MSG_OP_CREATE_TICKET:
		return exec_create_ticket(r, f, op);
	case MSG_OP_ADD_MESSAGE:
	case MSG_OP_FAILURE_NOTE:
		return exec_add_message(r, f, op);
	default:
		return AG_OK;
	}
}

static void msg_op_release(void *op)
{
	msg_op_free(op);
}

static int msg_customer_known(const struct executor_run *r)
{
	const struct msg_run *c = r->kind;

	return c->customer_id != 0;
}

static void msg_release(struct executor_run *r)
{
	struct msg_run *c = r->kind;

	for (size_t i = 0; i < c->n; i++)
		json_decref(c->list[i].payload);
	free(c->customer_name);
	json_decref(c->work);
}

const struct executor_kind message_executor = {
	.event_prefix = "message.",
	.what = "conversation",
	.kind_size = sizeof(struct msg_run),
	.op_size = sizeof(struct msg_op),
	.max_steps = MAX_STEPS,
	.read = msg_read,
	.prepare = msg_prepare,
	.load = msg_load,
	.next = msg_next,
	.plan = msg_plan,
	.execute = msg_execute,
	.op_free = msg_op_release,
	.customer_known = msg_customer_known,
	.release = msg_release,
};
