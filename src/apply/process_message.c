/* Applies message events (MC1-MC7): plan → execute → record, one Gorgias
 * operation at a time, for the messages of one conversation in the order
 * of their own timestamps.
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
#include "vendor/aircall.h"
#include "base/crypto.h"
#include "apply/customer_make.h"
#include "apply/degrade.h"
#include "base/err.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "base/log.h"
#include "apply/lookup.h"
#include "core/phone.h"
#include "core/plan_message.h"
#include "vendor/media.h"
#include "apply/process.h"
#include "apply/progress.h"
#include "apply/vendor_settle.h"
#include "apply/tags.h"
#include "store/conversation_store.h"
#include "store/subject_lock.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_HOLD_MS 1000
/* MMS files are small; a bigger file is linked, not uploaded. */
#define MEDIA_MAX (20LL * 1000 * 1000)
#define MAX_STEPS 24
#define MAX_BATCH 50

struct msg_run {
	struct app *app;
	struct installation *in;
	struct gorgias g;
	struct aircall a;
	const char *subject;
	char phone[PHONE_MAX];
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
	struct posted done;         /* op keys already recorded */
	struct caller_hold caller;   /* the caller lock (progress.h) */
	int gone_retries;            /* cached ids found gone in this run */
	struct outcome *out;
};

static void set_name(struct msg_run *r, const char *name)
{
	free(r->customer_name);
	r->customer_name = name ? strndup(name, 200) : NULL;
}

static int load_posted(struct msg_run *r)
{
	return posted_load(&r->app->db, r->in->id, r->subject, &r->done);
}

static int record_key(struct msg_run *r, const char *key, int64_t gorgias_id)
{
	int rc = posted_record(&r->app->db, r->in->id, r->subject, key, gorgias_id);

	return rc ? rc : load_posted(r);
}

static int load_conversation(struct msg_run *r, int64_t number_id)
{
	json_decref(r->work);
	return conversation_open(&r->app->db, r->in->id, r->phone, number_id, &r->customer_id,
				 &r->ticket_id, &r->work);
}

static int save_conversation(struct msg_run *r, int64_t number_id)
{
	return conversation_save(&r->app->db, r->in->id, r->phone, number_id, r->customer_id,
				 r->ticket_id, r->work);
}

/* The in-flight work of one message (created on demand). */
static json_t *work_of(struct msg_run *r, const char *id)
{
	json_t *w = json_object_get(r->work, id);

	if (!json_is_object(w)) {
		w = json_object();
		json_object_set_new(r->work, id, w);
	}
	return w;
}

static int exec_find_customer(struct msg_run *r, const struct msg_facts *f)
{
	int64_t id = 0;
	char *name = NULL;
	int rc = caller_hold(&r->caller, &r->app->db, r->in->id, r->phone);

	if (!rc)
		rc = lookup_customer(&r->g, r->phone, &id, &name);
	if (rc)
		return rc;
	r->looked_up = 1;
	if (id) {
		r->customer_id = id;
		set_name(r, name);
		rc = save_conversation(r, f->number_id);
	}
	free(name);
	return rc;
}

static int exec_create_customer(struct msg_run *r, const struct msg_facts *f, struct msg_op *op)
{
	struct customer_made made;
	int rc = caller_hold(&r->caller, &r->app->db, r->in->id, r->phone);

	if (!rc)
		rc = customer_make(&r->g, r->phone, op->body, &made);
	if (rc)
		return rc;
	r->customer_id = made.id;
	set_name(r, made.name);
	if (made.unsaved_note)
		log_info("gorgias %s: customer %" PRId64 " created without its note (refused)",
			 r->in->account, made.id);
	customer_made_free(&made);
	return save_conversation(r, f->number_id);
}

/* MC3-MC5 from Gorgias's own view of the ticket, which an agent may have
 * closed, marked as spam or trashed at any time. */
static int exec_check_ticket(struct msg_run *r, int64_t ticket_id)
{
	char path[64];
	json_t *t = NULL;
	const json_t *trashed, *cust;
	const char *status;
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64, ticket_id);
	rc = gorgias_call(&r->g, "GET", path, NULL, &t);
	if (rc == AG_ENOTFOUND) {
		r->ticket = TICKET_UNUSABLE;
		return AG_OK;
	}
	if (rc)
		return rc;
	trashed = json_object_get(t, "trashed_datetime");
	status = json_string_value(json_object_get(t, "status"));
	cust = json_object_get(t, "customer");
	if (json_is_true(json_object_get(t, "spam")) || (trashed && !json_is_null(trashed))) {
		r->ticket = TICKET_UNUSABLE;              /* MC4 */
	} else if (status && strcmp(status, "open") == 0) {
		r->ticket = TICKET_OPEN;
	} else {
		int64_t ms = 0;
		r->ticket = TICKET_CLOSED;
		/* Without a close time, the last update bounds it from above:
		 * MC5's "72 h or more" still holds when that is old enough. */
		if (msg_time_parse(json_object_get(t, "closed_datetime"), &ms) &&
		    msg_time_parse(json_object_get(t, "updated_datetime"), &ms))
			ms = 0;
		r->closed_at = ms / 1000;
	}
	/* The ticket's customer is the conversation's (a merge moves it). */
	if (r->ticket != TICKET_UNUSABLE && gorgias_id(cust)) {
		r->customer_id = gorgias_id(cust);
		if (json_string_value(json_object_get(cust, "name")))
			set_name(r, json_string_value(json_object_get(cust, "name")));
	}
	json_decref(t);
	return AG_OK;
}

static int exec_upload(struct msg_run *r, const struct msg_facts *f, const struct msg_op *op)
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

/* A creation sent before a crash may have landed: find it by its
 * external id before sending it again (costs a request only then). */
static int already_there(struct msg_run *r, const char *path, const char *ext, int64_t *id)
{
	json_t *list = NULL, *x;
	size_t i;
	int rc = gorgias_call(&r->g, "GET", path, NULL, &list);

	*id = 0;
	json_array_foreach(json_object_get(list, "data"), i, x) {
		const char *e = json_string_value(json_object_get(x, "external_id"));
		if (e && strcmp(e, ext) == 0)
			*id = gorgias_id(x) ? gorgias_id(x) : 1;
	}
	json_decref(list);
	return rc == AG_ENOTFOUND ? AG_OK : rc;
}

static int intent(struct msg_run *r, const struct msg_facts *f, const char *what)
{
	json_object_set_new(work_of(r, f->id), "intent", json_string(what));
	return save_conversation(r, f->number_id);
}

static int landed(struct msg_run *r, const struct msg_facts *f, const char *key, int64_t id)
{
	int rc;

	json_object_del(r->work, f->id);
	if ((rc = save_conversation(r, f->number_id)))
		return rc;
	return record_key(r, key, id);
}

/* RB2: a refusal naming a cached customer or user gone in Gorgias:
 * forgotten, resolved again by the planner, once per run. AG_OK when the
 * planner should go on, else AG_EREJECT (the caller keeps its refusal). */
static int recover_gone(struct msg_run *r)
{
	const char *what = lookup_forget_gone(&r->g, r->phone, &r->g.refusal);

	if (!what || r->gone_retries++)
		return AG_EREJECT;
	if (strcmp(what, "customer") == 0) {
		r->customer_id = 0;
		r->looked_up = 0;
	} else {
		r->agent_resolved = r->admin_resolved = 0;
		r->agent_user_id = r->admin_user_id = 0;
	}
	return AG_OK;
}

static int exec_create_ticket(struct msg_run *r, const struct msg_facts *f, struct msg_op *op)
{
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
		if ((rc = already_there(r, path, ext, &id)))
			return rc;
	}
	if (!id) {
		if ((rc = intent(r, f, "ticket")) || (rc = tags_cached_ids(&r->g, op->body)))
			return rc;
		if (r->in->tags_by_id && (rc = tags_body_to_ids(&r->g, op->body)))
			return rc;
		rc = degrade_call(&r->g, "POST", "/api/tickets", op->body, op->optional,
				  op->noptional, &made);
		if (rc == AG_EREJECT && !r->in->tags_by_id && tags_refusal(r->g.last_error)) {
			/* TC3: this account does not create tags from names. */
			store_set_capability(&r->app->db, r->in->id, "gorgias_tags_by_id", "true");
			r->in->tags_by_id = 1;
			json_decref(made);
			made = NULL;
			if (!(rc = tags_body_to_ids(&r->g, op->body)))
				rc = degrade_call(&r->g, "POST", "/api/tickets", op->body, op->optional,
						  op->noptional, &made);
		}
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
	r->ticket_id = id;
	r->ticket = TICKET_OPEN;
	return landed(r, f, op->key, id);
}

static int exec_add_message(struct msg_run *r, const struct msg_facts *f, struct msg_op *op)
{
	const char *ext = json_string_value(json_object_get(op->body, "external_id"));
	const char *was = json_string_value(json_object_get(work_of(r, f->id), "intent"));
	json_t *made = NULL;
	char path[96];
	int64_t id = 0;
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", op->ticket_id);
	if (was && strcmp(was, "message") == 0 && ext && (rc = already_there(r, path, ext, &id)))
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
			r->ticket = TICKET_UNUSABLE;
			return AG_OK;
		}
		if (rc == AG_ENOTFOUND)
			rc = AG_OK; /* a failure note on a deleted ticket: nowhere to go */
		if (rc)
			return rc;
	}
	return landed(r, f, op->key, id);
}

static int exec_reopen(struct msg_run *r, struct msg_op *op)
{
	char path[64];
	int rc;

	snprintf(path, sizeof path, "/api/tickets/%" PRId64, op->ticket_id);
	rc = gorgias_call(&r->g, "PUT", path, op->body, NULL);
	if (rc == AG_ENOTFOUND) {
		r->ticket = TICKET_UNUSABLE;
		return AG_OK;
	}
	if (!rc)
		r->ticket = TICKET_OPEN;
	return rc;
}

/* Runs the planner for one message until it owes nothing. */
static int apply(struct msg_run *r, const struct msg_facts *f)
{
	struct msg_state st;
	int rc = AG_OK;

	for (int i = 0; i < MAX_STEPS; i++) {
		struct msg_op op;
		int wrote, requests = r->g.requests;

		memset(&st, 0, sizeof st);
		st.msg = f;
		st.number_selected = r->selected;
		st.phone = r->have_phone ? r->phone : NULL;
		st.locale = r->in->locale;
		st.customer_id = r->customer_id;
		st.customer_name = r->customer_name;
		st.customer_looked_up = r->looked_up;
		st.agent_resolved = r->agent_resolved;
		st.agent_user_id = r->agent_user_id;
		st.admin_resolved = r->admin_resolved;
		st.admin_user_id = r->admin_user_id;
		/* A ticket Gorgias made unusable is no longer the conversation's. */
		st.ticket_id = r->ticket == TICKET_UNUSABLE ? 0 : r->ticket_id;
		st.ticket = r->ticket;
		st.closed_at = r->closed_at;
		st.posted = (const char *const *)r->done.keys;
		st.nposted = r->done.n;
		st.uploads = json_object_get(json_object_get(r->work, f->id), "uploads");
		st.placeholder_digits = r->digits;
		st.now = (int64_t)time(NULL);
		if ((rc = plan_message(&st, &op)))
			return rc;
		log_debug("message %s: next %s", f->id, msg_op_name(op.kind));
		switch (op.kind) {
		case MSG_OP_NONE:
			break;
		case MSG_OP_SKIP:
			snprintf(r->out->note, sizeof r->out->note, "%s", op.reason);
			break;
		case MSG_OP_RESOLVE_AGENT:
			rc = lookup_agent(&r->g, op.email, &r->agent_user_id);
			r->agent_resolved = !rc;
			break;
		case MSG_OP_RESOLVE_ADMIN:
			rc = lookup_admin(&r->g, &r->admin_user_id);
			r->admin_resolved = !rc;
			break;
		case MSG_OP_FIND_CUSTOMER:
			rc = exec_find_customer(r, f);
			break;
		case MSG_OP_CREATE_CUSTOMER:
			rc = exec_create_customer(r, f, &op);
			break;
		case MSG_OP_CHECK_TICKET:
			rc = exec_check_ticket(r, op.ticket_id);
			break;
		case MSG_OP_REOPEN:
			rc = exec_reopen(r, &op);
			break;
		case MSG_OP_UPLOAD:
			rc = exec_upload(r, f, &op);
			break;
		case MSG_OP_CREATE_TICKET:
			rc = exec_create_ticket(r, f, &op);
			break;
		case MSG_OP_ADD_MESSAGE:
		case MSG_OP_FAILURE_NOTE:
			rc = exec_add_message(r, f, &op);
			break;
		}
		if (op.kind == MSG_OP_NONE || op.kind == MSG_OP_SKIP) {
			msg_op_free(&op);
			break;
		}
		/* A write, or a lookup that needed Gorgias, is progress; one
		 * answered from the cache succeeds on every attempt and is not. */
		wrote = (op.kind != MSG_OP_RESOLVE_AGENT && op.kind != MSG_OP_RESOLVE_ADMIN &&
			 op.kind != MSG_OP_FIND_CUSTOMER && op.kind != MSG_OP_CHECK_TICKET) ||
			r->g.requests > requests;
		msg_op_free(&op);
		if (r->customer_id)
			caller_release(&r->caller, &r->app->db, r->in->id, r->phone);
		if (rc)
			return rc;
		if (wrote)
			r->out->progressed = 1;
	}
	return rc;
}

static int is_posted(struct msg_run *r, const struct msg_facts *f)
{
	char key[MSG_ID_MAX + 8];

	msg_posted_key(key, sizeof key, f->id);
	return posted_has(&r->done, key);
}

/* How much longer this event is held (PostgreSQL's clock, the same for
 * every host), so that an earlier message delivered just after it is in
 * the inbox when it is applied. */
static int hold_left_ms(struct msg_run *r, int64_t event_id, int64_t *left)
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

struct pending { json_t *payload; struct msg_facts f; int64_t age_ms; };

static int cmp_pending(const void *a, const void *b)
{
	return msg_order_cmp(&((const struct pending *)a)->f, &((const struct pending *)b)->f);
}

/* This message together with the conversation's others waiting in the
 * inbox, earliest own time first: every earlier one, then this one, then
 * later ones as long as their own hold is over (the first still held
 * stops the run, so nothing overtakes it). One run reads the ticket's
 * state once for all of them: a burst costs about one request a message. */
static int apply_in_order(struct msg_run *r, const struct msg_facts *self)
{
	struct inbox_waiting waiting[MAX_BATCH];
	struct pending list[MAX_BATCH + 1];
	size_t n = 0, nw = 0;
	int rc = inbox_waiting_messages(&r->app->db, r->in->id, r->subject, waiting, MAX_BATCH, &nw);

	if (rc)
		return rc;
	for (size_t i = 0; i < nw; i++) {
		json_t *pl = waiting[i].payload;
		json_int_t ts = json_integer_value(json_object_get(pl, "timestamp"));

		if (pl && !msg_facts_read(json_object_get(pl, "data"), waiting[i].event, ts,
					  &list[n].f) &&
		    strcmp(list[n].f.id, self->id) != 0 && !is_posted(r, &list[n].f)) {
			list[n].age_ms = waiting[i].age_ms;
			list[n++].payload = pl;
		} else {
			json_decref(pl);
		}
	}
	list[n].f = *self;      /* this one, due now */
	list[n].age_ms = MESSAGE_HOLD_MS;
	list[n++].payload = NULL;
	qsort(list, n, sizeof list[0], cmp_pending);
	for (size_t i = 0; i < n && !rc; i++) {
		int later = msg_order_cmp(&list[i].f, self) > 0;

		if (later && list[i].age_ms < MESSAGE_HOLD_MS)
			break;
		if (list[i].payload)
			log_info("message %s applied with %s (%s)", list[i].f.id, self->id,
				 later ? "later, hold over" : "earlier");
		rc = apply(r, &list[i].f);
	}
	for (size_t i = 0; i < n; i++)
		json_decref(list[i].payload);
	return rc;
}

static int subject_lock(struct msg_run *r, int on)
{
	return on ? subject_try_lock(&r->app->db, r->in->id, r->subject)
		  : subject_unlock(&r->app->db, r->in->id, r->subject);
}

void process_message(struct app *app, struct installation *in, struct inbox_event *ev,
		     struct outcome *out)
{
	struct msg_run r;
	struct msg_facts f;
	json_t *data = json_object_get(ev->payload, "data");
	json_int_t ts = json_integer_value(json_object_get(ev->payload, "timestamp"));
	int rc, locked = 0;
	long hold_s = 0;

	memset(&r, 0, sizeof r);
	r.app = app;
	r.in = in;
	r.out = out;
	r.subject = ev->subject;
	if ((rc = msg_facts_read(data, ev->event, (int64_t)ts, &f))) {
		snprintf(out->note, sizeof out->note, "message event without data.id");
		goto done;
	}
	/* One process per conversation at a time, also across hosts. */
	if ((rc = subject_lock(&r, 1))) {
		snprintf(out->note, sizeof out->note, "conversation is being processed elsewhere");
		goto done;
	}
	locked = 1;
	if ((r.selected = store_number_selected(&app->db, in, f.number_id)) < 0) {
		rc = AG_EDB;
		goto done;
	}
	r.have_phone = phone_normalize(f.external, in->country, r.phone) == PHONE_OK;
	if (!r.selected || !r.have_phone) {
		/* SU3 or no conversation to speak of: the planner says why. */
		rc = apply(&r, &f);
		goto done;
	}
	if ((rc = gorgias_open(&r.g, app->cfg, &app->db, in))) {
		snprintf(out->note, sizeof out->note, "Gorgias credentials unusable");
		goto done;
	}
	aircall_open(&r.a, app->cfg, &app->db, in->id,
		     in->aircall_oauth ? NULL : in->aircall_api_id, in->aircall_secret);
	r.a.final_attempt = ev->attempts >= app->cfg->max_attempts;
	if (crypto_random_digits(r.digits, 8) != AG_OK)
		snprintf(r.digits, sizeof r.digits, "%08ld", (long)(time(NULL) % 100000000));
	if ((rc = load_conversation(&r, f.number_id)) || (rc = load_posted(&r)))
		goto done;
	if (f.status_event) {
		rc = apply(&r, &f);
		goto done;
	}
	if (!is_posted(&r, &f)) {
		int64_t left = 0;

		if ((rc = hold_left_ms(&r, ev->id, &left)))
			goto done;
		if (left > 0) {
			/* Not a failure: due again when the hold is over. */
			rc = AG_EBUSY;
			hold_s = (long)((left + 999) / 1000);
			snprintf(out->note, sizeof out->note, "held %lld ms for ordering", (long long)left);
			goto done;
		}
	}
	rc = apply_in_order(&r, &f);
done:
	if (rc && !out->note[0])
		snprintf(out->note, sizeof out->note, "%s%s%s", ag_strerror(rc),
			 r.g.last_error[0] ? ": " : "", r.g.last_error);
	out->rc = rc;
	out->wait_s = hold_s ? hold_s : r.g.wait_s ? r.g.wait_s : r.a.wait_s;
	out->gorgias_requests = r.g.requests;
	vendor_settle(&r.g, &r.a, rc);
	caller_release(&r.caller, &app->db, in->id, r.phone);
	if (locked && subject_lock(&r, 0))
		log_warn("%s: not unlocked (the connection's end releases it)", r.subject);
	gorgias_close(&r.g);
	posted_free(&r.done);
	free(r.customer_name);
	json_decref(r.work);
}
