/* The call plug of the executor skeleton (executor.h): merges the event
 * into the stored call, then plans, executes and records one Gorgias
 * operation at a time until nothing is owed. A crash at any point leaves
 * the call in a state the next attempt continues from. */
#include "apply/card.h"
#include "apply/customer_make.h"
#include "apply/executor.h"
#include "apply/lookup.h"
#include "apply/tags.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/log.h"
#include "core/call.h"
#include "core/plan_call.h"
#include "store/call_record_store.h"
#include "store/installation_store.h"
#include "vendor/aircall.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "vendor/media.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TS5: recordings above this are linked instead of uploaded. */
#define MEDIA_UPLOAD_MAX (500LL * 1000 * 1000)
#define MAX_STEPS 40

/* The call's own part of a run (executor_run.kind). */
struct call_run {
	int64_t call_id;             /* the event's data.id */
	json_t *stored;              /* the merged call + bridge notes (owned) */
	struct call_facts facts;
	struct call_state st;
	char *customer_name;         /* owned */
	char digits[12];
	int64_t selected_for;        /* number_id st.number_selected was computed for */
	struct plan_settings ps;
	int unit_done;               /* the one unit of work was handed out */
};

static json_t *bridge_notes(struct executor_run *r)
{
	struct call_run *c = r->kind;
	json_t *b = json_object_get(c->stored, "bridge");

	if (!json_is_object(b)) {
		b = json_object();
		json_object_set_new(c->stored, "bridge", b);
	}
	return b;
}

/* Stores the merged call (its events and the bridge's notes). */
static int save_call(struct executor_run *r, int64_t call_id)
{
	struct call_run *c = r->kind;

	return call_record_save_call(&r->app->db, r->in->id, call_id, c->stored);
}

/* Loads (or starts) the call record and folds this event into it. */
static int merge_event(struct executor_run *r, struct inbox_event *ev, int64_t call_id)
{
	struct call_run *c = r->kind;
	json_t *data = json_object_get(ev->payload, "data");
	json_int_t ts = json_integer_value(json_object_get(ev->payload, "timestamp"));
	int rc = call_record_open(&r->app->db, r->in->id, call_id, &c->stored, &c->st.customer_id,
				  &c->st.ticket_id);

	if (rc)
		return rc;
	rc = call_merge(c->stored, ev->event, (int64_t)ts, data);
	return rc ? rc : save_call(r, call_id);
}

static int save_bridge(struct executor_run *r)
{
	struct call_run *c = r->kind;

	return call_record_save_bridge(&r->app->db, r->in->id, c->facts.id, bridge_notes(r));
}

static int save_ids(struct executor_run *r)
{
	struct call_run *c = r->kind;

	return call_record_save_ids(&r->app->db, r->in->id, c->facts.id, c->st.customer_id,
				    c->st.ticket_id);
}

static int record_keys(struct executor_run *r, const struct op *op, int64_t gorgias_id)
{
	int rc = AG_OK;

	for (size_t i = 0; i < op->nkeys && !rc; i++)
		rc = executor_record(r, op->keys[i], gorgias_id);
	for (size_t i = 0; i < op->nunkeys && !rc; i++)
		rc = executor_unrecord(r, op->unkeys[i]);
	return rc ? rc : executor_load_posted(r);
}

static void set_customer_name(struct executor_run *r, const char *name)
{
	struct call_run *c = r->kind;

	free(c->customer_name);
	c->customer_name = name ? strdup(name) : NULL;
	c->st.customer_name = c->customer_name;
	json_object_set_new(bridge_notes(r), "customer_name",
			    name ? json_string(name) : json_null());
}

static int exec_find_customer(struct executor_run *r)
{
	struct call_run *c = r->kind;
	int64_t id = 0;
	char *name = NULL;
	int rc = lookup_customer(&r->g, r->phone, &id, &name);

	if (rc)
		return rc;
	c->st.customer_looked_up = 1;
	/* Remembered for this call: the ticket need not ask again. */
	json_object_set_new(bridge_notes(r), "looked_up", json_true());
	if (id) {
		c->st.customer_id = id;
		set_customer_name(r, name);
		rc = save_ids(r);
	}
	if (!rc)
		rc = save_bridge(r);
	free(name);
	return rc;
}

static int exec_create_customer(struct executor_run *r, struct op *op)
{
	struct call_run *c = r->kind;
	struct customer_made made;
	int rc = customer_make(&r->g, c->st.phone, op->body, &made);

	if (!rc) {
		c->st.customer_id = made.id;
		set_customer_name(r, made.name);
		/* CS1 refused on the customer: the ticket's first note carries it. */
		if (made.unsaved_note)
			json_object_set_new(bridge_notes(r), "customer_note", json_string(made.unsaved_note));
		c->st.customer_note = json_string_value(json_object_get(bridge_notes(r), "customer_note"));
		rc = save_ids(r);
		if (!rc)
			rc = save_bridge(r);
	}
	customer_made_free(&made);
	return rc;
}

/* RB2: a refusal naming a cached customer or user that Gorgias no longer
 * has: forget it and resolve it again, once per run. AG_OK when the
 * planner should go on (it will resolve again), else the refusal. */
static int recover_gone(struct executor_run *r, int rc)
{
	struct call_run *c = r->kind;
	const char *what;

	if (rc != AG_EREJECT && rc != AG_ENOTFOUND)
		return rc;
	what = lookup_forget_gone(&r->g, c->st.phone ? r->phone : NULL, &r->g.refusal);
	if (!what)
		return rc;
	if (r->gone_retries++) {
		snprintf(r->out->note, sizeof r->out->note, "Gorgias refuses the %s again after it was "
			 "looked up afresh: %s", what, r->g.refusal.reason);
		return AG_EREJECT;
	}
	log_info("gorgias %s: %s %" PRId64 " is gone (%s); resolving it again", r->in->account,
		 what, r->g.refusal.id, r->g.refusal.reason);
	if (strcmp(what, "customer") == 0) {
		c->st.customer_id = 0;
		c->st.customer_looked_up = 0;
		json_object_del(bridge_notes(r), "looked_up");
	} else if (strcmp(what, "user") == 0) {
		c->st.agent_resolved = c->st.assignee_resolved = c->st.admin_resolved = 0;
		c->st.agent_user_id = c->st.assignee_user_id = c->st.admin_user_id = 0;
	}
	return save_ids(r) || save_bridge(r) ? AG_EDB : AG_OK;
}

/* After a crash between sending and recording, the ticket may exist:
 * find it by its external id rather than creating a second one. */
static int adopt_existing_ticket(struct executor_run *r, int *found)
{
	struct call_run *c = r->kind;
	char path[128], ext[48];
	json_t *list = NULL;
	int rc;

	*found = 0;
	call_external_id(ext, sizeof ext, c->facts.id, NULL);
	snprintf(path, sizeof path, "/api/tickets?external_id=%s&limit=1", ext);
	rc = gorgias_call(&r->g, "GET", path, NULL, &list);
	if (!rc && gorgias_first_id(list)) {
		c->st.ticket_id = gorgias_first_id(list);
		*found = 1;
	}
	json_decref(list);
	if (rc || !*found)
		return rc;
	/* What the lost creation carried is on the ticket: record those
	 * notes as done, so that only what is missing gets sent. */
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", c->st.ticket_id);
	rc = gorgias_call(&r->g, "GET", path, NULL, &list);
	if (!rc) {
		struct op seen = { .kind = OP_ADD_MESSAGE };
		size_t i;
		json_t *m;

		snprintf(seen.keys[seen.nkeys++], sizeof seen.keys[0], "ticket");
		json_array_foreach(json_object_get(list, "data"), i, m) {
			const char *e = json_string_value(json_object_get(m, "external_id"));
			if (seen.nkeys < PLAN_MAX_KEYS &&
			    call_note_key(e, c->facts.id, seen.keys[seen.nkeys], sizeof seen.keys[0]))
				seen.nkeys++;
		}
		rc = record_keys(r, &seen, c->st.ticket_id);
	}
	json_decref(list);
	return rc;
}

static int exec_create_ticket(struct executor_run *r, struct op *op)
{
	struct call_run *c = r->kind;
	json_t *b = bridge_notes(r), *made = NULL;
	int rc, found = 0;

	if (json_is_true(json_object_get(b, "ticket_intent"))) {
		rc = adopt_existing_ticket(r, &found);
		if (rc)
			return rc;
		if (found) {
			log_info("call %" PRId64 ": ticket %" PRId64 " had been created already",
				 c->facts.id, c->st.ticket_id);
			json_object_del(b, "ticket_intent");
			rc = save_ids(r);
			return rc ? rc : save_bridge(r);
		}
	}
	if (!found) {
		json_object_set_new(b, "ticket_intent", json_true());
		if ((rc = save_bridge(r)))
			return rc;
		rc = executor_post_ticket(r, op->body, NULL, 0, &made);
		if (rc) {
			json_decref(made);
			return recover_gone(r, rc);
		}
		c->st.ticket_id = gorgias_id(made);
		json_decref(made);
		if (!c->st.ticket_id)
			return AG_ETEMP;
	}
	json_object_del(b, "ticket_intent");
	if ((rc = save_ids(r)) || (rc = save_bridge(r)))
		return rc;
	return record_keys(r, op, c->st.ticket_id);
}

/* A note sent once may have landed even though no answer came back (a
 * timeout, a lost connection): before sending it again, look for it by its
 * external id. Costs a request only after such a failure. */
static int note_already_there(struct executor_run *r, const struct op *op, int *found)
{
	const char *ext = json_string_value(json_object_get(op->body, "external_id"));
	char path[96];
	int64_t id = 0;
	int rc;

	*found = 0;
	if (!ext)
		return AG_OK;
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", op->ticket_id);
	rc = executor_find_sent(r, path, ext, &id);
	*found = id != 0;
	return rc;
}

static int intent_set(struct executor_run *r, const char *key, int on)
{
	json_t *b = bridge_notes(r), *in = json_object_get(b, "intents");

	if (!json_is_object(in)) {
		in = json_object();
		json_object_set_new(b, "intents", in);
	}
	if (on)
		json_object_set_new(in, key, json_true());
	else
		json_object_del(in, key);
	return save_bridge(r);
}

static int intent_pending(struct executor_run *r, const char *key)
{
	return json_is_true(json_object_get(json_object_get(bridge_notes(r), "intents"), key));
}

static int forget_ticket(struct executor_run *r)
{
	struct call_run *c = r->kind;
	int rc;

	log_info("gorgias %s: ticket %" PRId64 " of call %" PRId64 " is gone; a new one carries "
		 "the call", r->in->account, c->st.ticket_id, c->facts.id);
	c->st.ticket_id = 0;
	json_object_del(bridge_notes(r), "intents");
	json_object_del(bridge_notes(r), "ticket_intent");
	rc = executor_unrecord(r, NULL);
	if (!rc)
		rc = save_ids(r);
	if (!rc)
		rc = save_bridge(r);
	return rc ? rc : executor_load_posted(r);
}

static int exec_ticket_op(struct executor_run *r, struct op *op)
{
	struct call_run *c = r->kind;
	char path[96];
	const char *method = "POST";
	json_t *made = NULL;
	int rc;

	switch (op->kind) {
	case OP_ADD_MESSAGE:
		snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages", op->ticket_id);
		if (op->nkeys && intent_pending(r, op->keys[0])) {
			int found;
			if ((rc = note_already_there(r, op, &found)))
				return rc;
			if (found) {
				log_info("call %" PRId64 ": %s had landed already", c->facts.id, op->keys[0]);
				if ((rc = record_keys(r, op, 0)))
					return rc;
				return intent_set(r, op->keys[0], 0);
			}
		}
		if (op->nkeys && (rc = intent_set(r, op->keys[0], 1)))
			return rc;
		break;
	case OP_UPDATE_TICKET:
		method = "PUT";
		snprintf(path, sizeof path, "/api/tickets/%" PRId64, op->ticket_id);
		break;
	case OP_ADD_TAGS:
	case OP_REMOVE_TAGS:
		method = op->kind == OP_ADD_TAGS ? "POST" : "DELETE";
		snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/tags", op->ticket_id);
		if ((rc = tags_cached_ids(&r->g, op->body)))
			return rc;
		if (r->in->tags_by_id && json_object_get(op->body, "names")) {
			json_t *ids = NULL, *have = json_object_get(op->body, "ids"), *v;
			size_t i;
			if ((rc = tags_resolve(&r->g, json_object_get(op->body, "names"), &ids)))
				return rc;
			json_array_foreach(have, i, v)
				json_array_append(ids, v);
			json_object_del(op->body, "names");
			json_object_set_new(op->body, "ids", ids);
		}
		break;
	default:
		return AG_EINVAL;
	}
	rc = gorgias_call(&r->g, method, path, op->body, &made);
	if (rc == AG_EREJECT && (op->kind == OP_ADD_TAGS || op->kind == OP_REMOVE_TAGS) &&
	    !r->in->tags_by_id && tags_refusal(r->g.last_error)) {
		executor_tags_by_id(r);
		json_decref(made);
		return exec_ticket_op(r, op);
	}
	if (rc == AG_ENOTFOUND && refusal_names_ticket(&r->g.refusal) &&
	    op->ticket_id == c->st.ticket_id && !r->gone_retries++) {
		/* RB2: the call's ticket was deleted in Gorgias. Forget it and
		 * what was posted on it: the next plan makes a new ticket that
		 * carries the call's notes (once per run). */
		json_decref(made);
		return forget_ticket(r);
	}
	if (rc == AG_ENOTFOUND && refusal_names_ticket(&r->g.refusal)) {
		/* Another call's ticket (a callback tag), or gone twice: nowhere to land. */
		log_warn("gorgias %s: ticket %" PRId64 " is gone; %s dropped", r->in->account,
			 op->ticket_id, op_name(op->kind));
		rc = AG_OK;
	} else if (rc == AG_EREJECT || rc == AG_ENOTFOUND) {
		/* RB2: a cached sender or assignee gone: resolved again, then planned again. */
		json_decref(made);
		return recover_gone(r, rc);
	}
	if (!rc)
		rc = record_keys(r, op, gorgias_id(made));
	if (!rc && op->kind == OP_ADD_MESSAGE && op->nkeys)
		rc = intent_set(r, op->keys[0], 0);
	json_decref(made);
	return rc;
}

/* The recording or voicemail as Aircall's API has it now: the body's URL
 * is never fetched (anyone holding the webhook token writes bodies), and
 * the API's is fresh where the body's may be past its hour. */
static int transfer_from_api(struct executor_run *r, const struct op *op, const char *name,
			     json_t **att, enum media_result *got)
{
	struct call_run *c = r->kind;
	json_t *call = NULL;
	const char *url;
	int rc = aircall_get_call(&r->a, c->facts.id, 0, &call);

	*got = MEDIA_UNAVAILABLE;
	if (rc == AG_ENOTFOUND)
		return AG_OK;
	if (rc == AG_EAUTH && r->a.last_status == 403) {
		/* Refused for this call only (a 401 refuses the credentials:
		 * vendor_settle disables, AD1): the note links the page and says why. */
		snprintf(r->a.last_error, sizeof r->a.last_error,
			 "Aircall refused access to the call (HTTP 403)");
		*got = MEDIA_FAILED;
		return AG_OK;
	}
	if (rc)
		return rc;
	url = json_string_value(json_object_get(call, op->media_kind));
	/* Aircall's recordings and voicemails are mp3 (its served type wins
	 * only when we name none). */
	if (url && *url)
		rc = media_transfer(&r->a, &r->g, url, MEDIA_UPLOAD_MAX, name, "audio/mpeg", att, got);
	json_decref(call);
	return rc;
}

static int exec_upload(struct executor_run *r, struct op *op)
{
	struct call_run *c = r->kind;
	json_t *b = bridge_notes(r), *uploads = json_object_get(b, "uploads"), *att = NULL, *entry;
	enum media_result got;
	char name[64];
	int rc;

	if (!json_is_object(uploads)) {
		uploads = json_object();
		json_object_set_new(b, "uploads", uploads);
	}
	snprintf(name, sizeof name, "%s-%" PRId64 ".mp3", op->media_kind, c->facts.id);
	rc = transfer_from_api(r, op, name, &att, &got);
	if (rc)
		return rc;
	if (got == MEDIA_UPLOADED)
		entry = json_pack("{s:o}", "attachment", att);
	else /* the note links the asset page and says why (TS5) */
		entry = json_pack("{s:s}", "not_uploaded", got == MEDIA_TOO_LARGE ? "too_large"
						   : got == MEDIA_REFUSED ? "refused"
						   : got == MEDIA_FAILED ? r->a.last_error : "expired");
	if (!entry)
		return AG_ENOMEM;
	json_object_set_new(uploads, op->media_kind, entry);
	c->st.uploads = uploads;
	return save_bridge(r);
}

static int exec_card(struct executor_run *r)
{
	struct call_run *c = r->kind;
	struct op done = { .kind = OP_INSIGHT_CARD };
	int64_t customer_id = c->st.customer_id;
	char *name = NULL;
	int rc, saved = AG_OK;

	snprintf(done.keys[0], sizeof done.keys[0], "card");
	done.nkeys = 1;
	rc = card_push(&r->g, &r->a, c->facts.id, r->phone, &customer_id, &name);
	if (customer_id && name) {
		/* CT5: the ticket made at answer or end is titled with it. */
		set_customer_name(r, name);
		saved = save_bridge(r);
	}
	free(name);
	if (!saved && customer_id && !c->st.customer_id) {
		c->st.customer_id = customer_id;
		saved = save_ids(r);
	} else if (!saved && rc == AG_ENOTFOUND && !customer_id) {
		c->st.customer_looked_up = 1;
		json_object_set_new(bridge_notes(r), "looked_up", json_true());
		saved = save_bridge(r);
	}
	/* IC: best effort. Whatever happened, the card is not tried again
	 * and ticket work goes on; only a lost database is worth a retry. */
	if (rc && rc != AG_EDB)
		log_info("insight card for call %" PRId64 " not shown: %s", c->facts.id, ag_strerror(rc));
	if (rc == AG_EDB)
		return rc;
	return saved ? saved : record_keys(r, &done, 0);
}

/* The call as Aircall's API has it: fills what the webhooks left out (a
 * number sent as {}, the IVR options of the timeline) without overriding
 * what they said. A call Aircall will not give is noted and planned
 * without: the notes lose a line, the event is not lost. */
static int exec_fetch_call(struct executor_run *r, const struct op *op)
{
	struct call_run *c = r->kind;
	json_t *b = bridge_notes(r), *call = NULL;
	int rc = aircall_get_call(&r->a, c->facts.id, op->timeline, &call);

	if (rc && ag_err_retryable(rc))
		return rc;
	if (rc)
		log_warn("call %" PRId64 ": not read from Aircall (%s); going on without it",
			 c->facts.id, r->a.last_error);
	else if ((rc = call_merge(c->stored, "call.fetched", 0, call)))
		goto out;
	json_object_set_new(b, "call_fetched", json_true());
	if (op->timeline)
		json_object_set_new(b, "timeline_fetched", json_true());
	c->st.call_fetched = 1;
	c->st.timeline_fetched |= op->timeline;
	rc = save_call(r, c->facts.id);
out:
	json_decref(call);
	return rc;
}

static int load_context(struct executor_run *r)
{
	struct call_run *c = r->kind;
	const json_t *b = bridge_notes(r);
	int sel, rc;

	if ((rc = installation_number_selected(&r->app->db, r->in, c->facts.number_id, &sel)))
		return rc;
	c->st.number_selected = sel;
	c->selected_for = c->facts.number_id;
	c->st.call_fetched = json_is_true(json_object_get(b, "call_fetched"));
	c->st.timeline_fetched = json_is_true(json_object_get(b, "timeline_fetched"));
	c->st.uploads = json_object_get(b, "uploads");
	c->st.customer_looked_up = json_is_true(json_object_get(b, "looked_up"));
	c->st.customer_note = json_string_value(json_object_get(b, "customer_note"));
	if (!c->customer_name && json_is_string(json_object_get(b, "customer_name")))
		set_customer_name(r, json_string_value(json_object_get(b, "customer_name")));
	if (c->facts.callback_of &&
	    (rc = call_record_ticket(&r->app->db, r->in->id, c->facts.callback_of,
				     &c->st.callback_ticket_id)))
		return rc;
	if ((rc = call_record_callback_requested(&r->app->db, r->in->id, c->facts.id,
						 &c->st.callback_requested)))
		return rc;
	return executor_load_posted(r);
}

/* ---------------------------------------------------------- the plug */

static int call_read(struct executor_run *r)
{
	struct call_run *c = r->kind;

	c->call_id = json_integer_value(json_object_get(json_object_get(r->ev->payload, "data"), "id"));
	call_subject(r->subject, sizeof r->subject, c->call_id);
	if (c->call_id <= 0) {
		snprintf(r->out->note, sizeof r->out->note, "call event without data.id");
		return AG_EINVAL;
	}
	return AG_OK;
}

static int call_load(struct executor_run *r)
{
	struct call_run *c = r->kind;
	int rc;

	if ((rc = merge_event(r, r->ev, c->call_id)) || (rc = call_facts_read(c->stored, &c->facts)))
		return rc;
	if (phone_normalize(c->facts.raw_digits, r->in->country, r->phone) == PHONE_OK)
		c->st.phone = r->phone;
	if (crypto_random_digits(c->digits, 8) == AG_OK)
		c->st.placeholder_digits = c->digits;
	if ((rc = load_context(r)))
		return rc;
	c->ps.locale = r->in->locale;
	c->ps.time_zone = r->in->time_zone;
	c->ps.dashboard_url = r->app->cfg->aircall_dashboard_url;
	c->ps.account_url = r->g.base;
	return AG_OK;
}

/* A call event is one unit of work: the call. */
static int call_next(struct executor_run *r, int *more)
{
	struct call_run *c = r->kind;

	*more = !c->unit_done;
	c->unit_done = 1;
	return AG_OK;
}

static int call_plan(struct executor_run *r, void *planned, struct executor_step *s)
{
	struct call_run *c = r->kind;
	struct op *op = planned;
	int rc = call_facts_read(c->stored, &c->facts);

	if (rc)
		return rc;
	c->st.call = &c->facts;
	c->st.posted = (const char *const *)r->done.keys;
	c->st.nposted = r->done.n;
	if (c->facts.number_id != c->selected_for) {
		/* The number became known (fetched from Aircall): SU3 again. */
		int sel;

		if ((rc = installation_number_selected(&r->app->db, r->in, c->facts.number_id, &sel)))
			return rc;
		c->st.number_selected = sel;
		c->selected_for = c->facts.number_id;
	}
	if ((rc = plan_call(&c->st, &c->ps, op)))
		return rc;
	log_debug("call %" PRId64 ": next %s", c->facts.id, op_name(op->kind));
	if (op->kind == OP_SKIP)
		snprintf(r->out->note, sizeof r->out->note, "%s", op->reason);
	s->done = op->kind == OP_NONE || op->kind == OP_SKIP;
	s->lookup = op->kind == OP_RESOLVE_AGENT || op->kind == OP_RESOLVE_ASSIGNEE ||
		    op->kind == OP_RESOLVE_ADMIN || op->kind == OP_FIND_CUSTOMER;
	return AG_OK;
}

static int call_execute(struct executor_run *r, void *planned)
{
	struct call_run *c = r->kind;
	struct op *op = planned;
	int rc;

	switch (op->kind) {
	case OP_RESOLVE_AGENT:
		rc = lookup_agent(&r->g, op->email, &c->st.agent_user_id);
		c->st.agent_resolved = !rc;
		return rc;
	case OP_RESOLVE_ASSIGNEE:
		rc = lookup_agent(&r->g, op->email, &c->st.assignee_user_id);
		c->st.assignee_resolved = !rc;
		return rc;
	case OP_RESOLVE_ADMIN:
		rc = lookup_admin(&r->g, &c->st.admin_user_id);
		c->st.admin_resolved = !rc;
		return rc;
	case OP_FIND_CUSTOMER:
		return (rc = executor_hold_caller(r)) ? rc : exec_find_customer(r);
	case OP_CREATE_CUSTOMER:
		if (c->st.phone && (rc = executor_hold_caller(r)))
			return rc;
		return exec_create_customer(r, op);
	case OP_CREATE_TICKET:
		return exec_create_ticket(r, op);
	case OP_UPLOAD_MEDIA:
		return exec_upload(r, op);
	case OP_INSIGHT_CARD:
		return exec_card(r);
	case OP_FETCH_CALL:
		return exec_fetch_call(r, op);
	default:
		return exec_ticket_op(r, op);
	}
}

static void call_op_free(void *op)
{
	op_free(op);
}

static int call_customer_known(const struct executor_run *r)
{
	const struct call_run *c = r->kind;

	return c->st.customer_id != 0;
}

static void call_release(struct executor_run *r)
{
	struct call_run *c = r->kind;

	free(c->customer_name);
	json_decref(c->stored);
}

const struct executor_kind call_executor = {
	.event_prefix = "call.",
	.what = "call",
	.kind_size = sizeof(struct call_run),
	.op_size = sizeof(struct op),
	.max_steps = MAX_STEPS,
	.read = call_read,
	.load = call_load,
	.next = call_next,
	.plan = call_plan,
	.execute = call_execute,
	.op_free = call_op_free,
	.customer_known = call_customer_known,
	.release = call_release,
};
