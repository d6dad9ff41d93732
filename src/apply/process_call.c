/* Applies call events: merge into the stored call, then plan → execute →
 * record, one Gorgias operation at a time, until nothing is owed. A crash
 * at any point leaves the call in a state the next attempt continues from. */
#include "vendor/aircall.h"
#include "core/call.h"
#include "apply/card.h"
#include "base/crypto.h"
#include "apply/customer_make.h"
#include "base/err.h"
#include "vendor/gorgias.h"
#include "vendor/http.h"
#include "base/log.h"
#include "apply/lookup.h"
#include "vendor/media.h"
#include "core/plan_call.h"
#include "apply/process.h"
#include "apply/progress.h"
#include "apply/vendor_settle.h"
#include "apply/tags.h"
#include "store/call_record_store.h"
#include "store/subject_lock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* TS5: recordings above this are linked instead of uploaded. */
#define MEDIA_UPLOAD_MAX (500LL * 1000 * 1000)
#define MAX_STEPS 40

struct call_run {
	struct app *app;
	struct installation *in;
	struct gorgias g;
	struct aircall a;
	char subject[64];
	json_t *stored;              /* the merged call + bridge notes (owned) */
	struct call_facts facts;
	struct call_state st;
	char phone[PHONE_MAX];
	char *customer_name;         /* owned */
	char digits[12];
	struct posted done;         /* op keys already recorded */
	struct caller_hold caller;   /* the caller lock (progress.h) */
	int gone_retries;            /* cached ids found gone in this run */
	int64_t selected_for;        /* number_id st.number_selected was computed for */
	struct outcome *out;
};

static int load_posted(struct call_run *r)
{
	int rc = posted_load(&r->app->db, r->in->id, r->subject, &r->done);

	r->st.posted = (const char *const *)r->done.keys;
	r->st.nposted = r->done.n;
	return rc;
}

static json_t *bridge_notes(struct call_run *r)
{
	json_t *b = json_object_get(r->stored, "bridge");

	if (!json_is_object(b)) {
		b = json_object();
		json_object_set_new(r->stored, "bridge", b);
	}
	return b;
}

/* Stores the merged call (its events and the bridge's notes). */
static int save_call(struct call_run *r, int64_t call_id)
{
	return call_record_save_call(&r->app->db, r->in->id, call_id, r->stored);
}

/* Loads (or starts) the call record and folds this event into it. */
static int merge_event(struct call_run *r, struct inbox_event *ev, int64_t call_id)
{
	json_t *data = json_object_get(ev->payload, "data");
	json_int_t ts = json_integer_value(json_object_get(ev->payload, "timestamp"));
	int rc = call_record_open(&r->app->db, r->in->id, call_id, &r->stored, &r->st.customer_id,
				  &r->st.ticket_id);

	if (rc)
		return rc;
	rc = call_merge(r->stored, ev->event, (int64_t)ts, data);
	return rc ? rc : save_call(r, call_id);
}

static int save_bridge(struct call_run *r)
{
	return call_record_save_bridge(&r->app->db, r->in->id, r->facts.id, bridge_notes(r));
}

static int save_ids(struct call_run *r)
{
	return call_record_save_ids(&r->app->db, r->in->id, r->facts.id, r->st.customer_id,
				    r->st.ticket_id);
}

static int record_keys(struct call_run *r, const struct op *op, int64_t gorgias_id)
{
	int rc = AG_OK;

	for (size_t i = 0; i < op->nkeys && !rc; i++)
		rc = posted_record(&r->app->db, r->in->id, r->subject, op->keys[i], gorgias_id);
	for (size_t i = 0; i < op->nunkeys && !rc; i++)
		rc = posted_forget(&r->app->db, r->in->id, r->subject, op->unkeys[i]);
	return rc ? rc : load_posted(r);
}

static void set_customer_name(struct call_run *r, const char *name)
{
	free(r->customer_name);
	r->customer_name = name ? strdup(name) : NULL;
	r->st.customer_name = r->customer_name;
	json_object_set_new(bridge_notes(r), "customer_name",
			    name ? json_string(name) : json_null());
}

static int exec_find_customer(struct call_run *r)
{
	int64_t id = 0;
	char *name = NULL;
	int rc = lookup_customer(&r->g, r->phone, &id, &name);

	if (rc)
		return rc;
	r->st.customer_looked_up = 1;
	/* Remembered for this call: the ticket need not ask again. */
	json_object_set_new(bridge_notes(r), "looked_up", json_true());
	if (id) {
		r->st.customer_id = id;
		set_customer_name(r, name);
		rc = save_ids(r);
	}
	if (!rc)
		rc = save_bridge(r);
	free(name);
	return rc;
}

static int exec_create_customer(struct call_run *r, struct op *op)
{
	struct customer_made made;
	int rc = customer_make(&r->g, r->st.phone, op->body, &made);

	if (!rc) {
		r->st.customer_id = made.id;
		set_customer_name(r, made.name);
		/* CS1 refused on the customer: the ticket's first note carries it. */
		if (made.unsaved_note)
			json_object_set_new(bridge_notes(r), "customer_note", json_string(made.unsaved_note));
		r->st.customer_note = json_string_value(json_object_get(bridge_notes(r), "customer_note"));
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
static int recover_gone(struct call_run *r, int rc)
{
	const char *what;

	if (rc != AG_EREJECT && rc != AG_ENOTFOUND)
		return rc;
	what = lookup_forget_gone(&r->g, r->st.phone ? r->phone : NULL, &r->g.refusal);
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
		r->st.customer_id = 0;
		r->st.customer_looked_up = 0;
		json_object_del(bridge_notes(r), "looked_up");
	} else if (strcmp(what, "user") == 0) {
		r->st.agent_resolved = r->st.assignee_resolved = r->st.admin_resolved = 0;
		r->st.agent_user_id = r->st.assignee_user_id = r->st.admin_user_id = 0;
	}
	return save_ids(r) || save_bridge(r) ? AG_EDB : AG_OK;
}

/* After a crash between sending and recording, the ticket may exist:
 * find it by its external id rather than creating a second one. */
static int adopt_existing_ticket(struct call_run *r, int *found)
{
	char path[128], ext[48];
	json_t *list = NULL;
	int rc;

	*found = 0;
	call_external_id(ext, sizeof ext, r->facts.id, NULL);
	snprintf(path, sizeof path, "/api/tickets?external_id=%s&limit=1", ext);
	rc = gorgias_call(&r->g, "GET", path, NULL, &list);
	if (!rc && gorgias_first_id(list)) {
		r->st.ticket_id = gorgias_first_id(list);
		*found = 1;
	}
	json_decref(list);
	if (rc || !*found)
		return rc;
	/* What the lost creation carried is on the ticket: record those
	 * notes as done, so that only what is missing gets sent. */
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", r->st.ticket_id);
	rc = gorgias_call(&r->g, "GET", path, NULL, &list);
	if (!rc) {
		struct op seen = { .kind = OP_ADD_MESSAGE };
		size_t i;
		json_t *m;

		snprintf(seen.keys[seen.nkeys++], sizeof seen.keys[0], "ticket");
		json_array_foreach(json_object_get(list, "data"), i, m) {
			const char *e = json_string_value(json_object_get(m, "external_id"));
			if (seen.nkeys < PLAN_MAX_KEYS &&
			    call_note_key(e, r->facts.id, seen.keys[seen.nkeys], sizeof seen.keys[0]))
				seen.nkeys++;
		}
		rc = record_keys(r, &seen, r->st.ticket_id);
	}
	json_decref(list);
	return rc;
}

static int exec_create_ticket(struct call_run *r, struct op *op)
{
	json_t *b = bridge_notes(r), *made = NULL;
	int rc, found = 0;

	if (json_is_true(json_object_get(b, "ticket_intent"))) {
		rc = adopt_existing_ticket(r, &found);
		if (rc)
			return rc;
		if (found) {
			log_info("call %" PRId64 ": ticket %" PRId64 " had been created already",
				 r->facts.id, r->st.ticket_id);
			json_object_del(b, "ticket_intent");
			rc = save_ids(r);
			return rc ? rc : save_bridge(r);
		}
	}
	if (!found) {
		json_object_set_new(b, "ticket_intent", json_true());
		if ((rc = save_bridge(r)))
			return rc;
		if ((rc = tags_cached_ids(&r->g, op->body)))
			return rc;
		if (r->in->tags_by_id && (rc = tags_body_to_ids(&r->g, op->body)))
			return rc;
		rc = gorgias_call(&r->g, "POST", "/api/tickets", op->body, &made);
		if (rc == AG_EREJECT && !r->in->tags_by_id && tags_refusal(r->g.last_error)) {
			/* TC3: this account does not create tags from names. */
			log_info("gorgias %s: tag names refused, resolving tags to ids", r->in->account);
			store_set_capability(&r->app->db, r->in->id, "gorgias_tags_by_id", "true");
			r->in->tags_by_id = 1;
			if (!(rc = tags_body_to_ids(&r->g, op->body)))
				rc = gorgias_call(&r->g, "POST", "/api/tickets", op->body, &made);
		}
		if (rc) {
			json_decref(made);
			return recover_gone(r, rc);
		}
		r->st.ticket_id = gorgias_id(made);
		json_decref(made);
		if (!r->st.ticket_id)
			return AG_ETEMP;
	}
	json_object_del(b, "ticket_intent");
	if ((rc = save_ids(r)) || (rc = save_bridge(r)))
		return rc;
	return record_keys(r, op, r->st.ticket_id);
}

/* A note sent once may have landed even though no answer came back (a
 * timeout, a lost connection): before sending it again, look for it by its
 * external id. Costs a request only after such a failure. */
static int note_already_there(struct call_run *r, const struct op *op, int *found)
{
	const char *ext = json_string_value(json_object_get(op->body, "external_id"));
	char path[96];
	json_t *list = NULL, *m;
	size_t i;
	int rc;

	*found = 0;
	if (!ext)
		return AG_OK;
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", op->ticket_id);
	rc = gorgias_call(&r->g, "GET", path, NULL, &list);
	json_array_foreach(json_object_get(list, "data"), i, m) {
		const char *e = json_string_value(json_object_get(m, "external_id"));
		if (e && strcmp(e, ext) == 0)
			*found = 1;
	}
	json_decref(list);
	return rc == AG_ENOTFOUND ? AG_OK : rc;
}

static int intent_set(struct call_run *r, const char *key, int on)
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

static int intent_pending(struct call_run *r, const char *key)
{
	return json_is_true(json_object_get(json_object_get(bridge_notes(r), "intents"), key));
}

static int forget_ticket(struct call_run *r)
{
	int rc;

	log_info("gorgias %s: ticket %" PRId64 " of call %" PRId64 " is gone; a new one carries "
		 "the call", r->in->account, r->st.ticket_id, r->facts.id);
	r->st.ticket_id = 0;
	json_object_del(bridge_notes(r), "intents");
	json_object_del(bridge_notes(r), "ticket_intent");
	rc = posted_forget_all(&r->app->db, r->in->id, r->subject);
	if (!rc)
		rc = save_ids(r);
	if (!rc)
		rc = save_bridge(r);
	return rc ? rc : load_posted(r);
}

static int exec_ticket_op(struct call_run *r, struct op *op)
{
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
				log_info("call %" PRId64 ": %s had landed already", r->facts.id, op->keys[0]);
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
		store_set_capability(&r->app->db, r->in->id, "gorgias_tags_by_id", "true");
		r->in->tags_by_id = 1;
		json_decref(made);
		return exec_ticket_op(r, op);
	}
	if (rc == AG_ENOTFOUND && refusal_names_ticket(&r->g.refusal) &&
	    op->ticket_id == r->st.ticket_id && !r->gone_retries++) {
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
static int transfer_from_api(struct call_run *r, const struct op *op, const char *name,
			     json_t **att, enum media_result *got)
{
	json_t *call = NULL;
	const char *url;
	int rc = aircall_get_call(&r->a, r->facts.id, 0, &call);

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

static int exec_upload(struct call_run *r, struct op *op)
{
	json_t *b = bridge_notes(r), *uploads = json_object_get(b, "uploads"), *att = NULL, *entry;
	enum media_result got;
	char name[64];
	int rc;

	if (!json_is_object(uploads)) {
		uploads = json_object();
		json_object_set_new(b, "uploads", uploads);
	}
	snprintf(name, sizeof name, "%s-%" PRId64 ".mp3", op->media_kind, r->facts.id);
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
	r->st.uploads = uploads;
	return save_bridge(r);
}

static int exec_card(struct call_run *r)
{
	struct op done = { .kind = OP_INSIGHT_CARD };
	int64_t customer_id = r->st.customer_id;
	char *name = NULL;
	int rc;

	snprintf(done.keys[0], sizeof done.keys[0], "card");
	done.nkeys = 1;
	rc = card_push(&r->g, &r->a, r->facts.id, r->phone, &customer_id, &name);
	if (customer_id && name) {
		/* CT5: the ticket made at answer or end is titled with it. */
		set_customer_name(r, name);
		save_bridge(r);
	}
	free(name);
	if (customer_id && !r->st.customer_id) {
		r->st.customer_id = customer_id;
		save_ids(r);
	} else if (rc == AG_ENOTFOUND && !customer_id) {
		r->st.customer_looked_up = 1;
		json_object_set_new(bridge_notes(r), "looked_up", json_true());
		save_bridge(r);
	}
	/* IC: best effort. Whatever happened, the card is not tried again
	 * and ticket work goes on; only a lost database is worth a retry. */
	if (rc && rc != AG_EDB)
		log_info("insight card for call %" PRId64 " not shown: %s", r->facts.id, ag_strerror(rc));
	return rc == AG_EDB ? rc : record_keys(r, &done, 0);
}

/* The call as Aircall's API has it: fills what the webhooks left out (a
 * number sent as {}, the IVR options of the timeline) without overriding
 * what they said. A call Aircall will not give is noted and planned
 * without: the notes lose a line, the event is not lost. */
static int exec_fetch_call(struct call_run *r, const struct op *op)
{
	json_t *b = bridge_notes(r), *call = NULL;
	int rc = aircall_get_call(&r->a, r->facts.id, op->timeline, &call);

	if (rc && ag_err_retryable(rc))
		return rc;
	if (rc)
		log_warn("call %" PRId64 ": not read from Aircall (%s); going on without it",
			 r->facts.id, r->a.last_error);
	else if ((rc = call_merge(r->stored, "call.fetched", 0, call)))
		goto out;
	json_object_set_new(b, "call_fetched", json_true());
	if (op->timeline)
		json_object_set_new(b, "timeline_fetched", json_true());
	r->st.call_fetched = 1;
	r->st.timeline_fetched |= op->timeline;
	rc = save_call(r, r->facts.id);
out:
	json_decref(call);
	return rc;
}

static int load_context(struct call_run *r)
{
	const json_t *b = bridge_notes(r);
	int sel, rc;

	sel = store_number_selected(&r->app->db, r->in, r->facts.number_id);
	if (sel < 0)
		return AG_EDB;
	r->st.number_selected = sel;
	r->selected_for = r->facts.number_id;
	r->st.call_fetched = json_is_true(json_object_get(b, "call_fetched"));
	r->st.timeline_fetched = json_is_true(json_object_get(b, "timeline_fetched"));
	r->st.uploads = json_object_get(b, "uploads");
	r->st.customer_looked_up = json_is_true(json_object_get(b, "looked_up"));
	r->st.customer_note = json_string_value(json_object_get(b, "customer_note"));
	if (!r->customer_name && json_is_string(json_object_get(b, "customer_name")))
		set_customer_name(r, json_string_value(json_object_get(b, "customer_name")));
	if (r->facts.callback_of &&
	    (rc = call_record_ticket(&r->app->db, r->in->id, r->facts.callback_of,
				     &r->st.callback_ticket_id)))
		return rc;
	if ((rc = call_record_callback_requested(&r->app->db, r->in->id, r->facts.id,
						 &r->st.callback_requested)))
		return rc;
	return load_posted(r);
}

static int step(struct call_run *r, const struct plan_settings *ps, int *finished)
{
	struct op op;
	int rc, requests;

	*finished = 0;
	requests = r->g.requests;
	rc = call_facts_read(r->stored, &r->facts);
	if (rc)
		return rc;
	r->st.call = &r->facts;
	if (r->facts.number_id != r->selected_for) {
		/* The number became known (fetched from Aircall): SU3 again. */
		int sel = store_number_selected(&r->app->db, r->in, r->facts.number_id);
		if (sel < 0)
			return AG_EDB;
		r->st.number_selected = sel;
		r->selected_for = r->facts.number_id;
	}
	rc = plan_call(&r->st, ps, &op);
	if (rc)
		return rc;
	log_debug("call %" PRId64 ": next %s", r->facts.id, op_name(op.kind));
	switch (op.kind) {
	case OP_NONE:
		*finished = 1;
		break;
	case OP_SKIP:
		*finished = 1;
		snprintf(r->out->note, sizeof r->out->note, "%s", op.reason);
		break;
	case OP_RESOLVE_AGENT:
		rc = lookup_agent(&r->g, op.email, &r->st.agent_user_id);
		r->st.agent_resolved = !rc;
		break;
	case OP_RESOLVE_ASSIGNEE:
		rc = lookup_agent(&r->g, op.email, &r->st.assignee_user_id);
		r->st.assignee_resolved = !rc;
		break;
	case OP_RESOLVE_ADMIN:
		rc = lookup_admin(&r->g, &r->st.admin_user_id);
		r->st.admin_resolved = !rc;
		break;
	case OP_FIND_CUSTOMER:
		rc = caller_hold(&r->caller, &r->app->db, r->in->id, r->phone);
		if (!rc)
			rc = exec_find_customer(r);
		break;
	case OP_CREATE_CUSTOMER:
		rc = r->st.phone ? caller_hold(&r->caller, &r->app->db, r->in->id, r->phone) : AG_OK;
		if (!rc)
			rc = exec_create_customer(r, &op);
		break;
	case OP_CREATE_TICKET:
		rc = exec_create_ticket(r, &op);
		break;
	case OP_UPLOAD_MEDIA:
		rc = exec_upload(r, &op);
		break;
	case OP_INSIGHT_CARD:
		rc = exec_card(r);
		break;
	case OP_FETCH_CALL:
		rc = exec_fetch_call(r, &op);
		break;
	default:
		rc = exec_ticket_op(r, &op);
		break;
	}
	/* Attempts bound failures in a row, not work: a write, or a lookup
	 * that needed Gorgias, is progress; one answered from the cache
	 * succeeds again on every attempt and is not. */
	if (!rc && op.kind != OP_NONE && op.kind != OP_SKIP &&
	    ((op.kind != OP_RESOLVE_AGENT && op.kind != OP_RESOLVE_ASSIGNEE &&
	      op.kind != OP_RESOLVE_ADMIN && op.kind != OP_FIND_CUSTOMER) ||
	     r->g.requests > requests))
		r->out->progressed = 1;
	op_free(&op);
	if (r->st.customer_id)
		caller_release(&r->caller, &r->app->db, r->in->id, r->phone);
	return rc;
}

void process_call(struct app *app, struct installation *in, struct inbox_event *ev,
		  struct outcome *out)
{
	struct call_run r;
	struct plan_settings ps;
	json_t *data = json_object_get(ev->payload, "data");
	json_int_t call_id = json_integer_value(json_object_get(data, "id"));
	int rc, finished = 0;

	memset(&r, 0, sizeof r);
	r.app = app;
	r.in = in;
	r.out = out;
	call_subject(r.subject, sizeof r.subject, (int64_t)call_id);
	if (call_id <= 0) {
		out->rc = AG_EINVAL;
		snprintf(out->note, sizeof out->note, "call event without data.id");
		return;
	}
	/* One process per call at a time, also across hosts. */
	if ((rc = subject_try_lock(&app->db, in->id, r.subject))) {
		out->rc = rc;
		snprintf(out->note, sizeof out->note, "call is being processed elsewhere");
		return;
	}
	rc = gorgias_open(&r.g, app->cfg, &app->db, in);
	if (rc) {
		snprintf(out->note, sizeof out->note, "Gorgias credentials unusable");
		goto done;
	}
	aircall_open(&r.a, app->cfg, &app->db, in->id,
		     in->aircall_oauth ? NULL : in->aircall_api_id, in->aircall_secret);
	r.a.final_attempt = ev->attempts >= app->cfg->max_attempts;
	if ((rc = merge_event(&r, ev, (int64_t)call_id)))
		goto done;
	if ((rc = call_facts_read(r.stored, &r.facts)))
		goto done;
	if (phone_normalize(r.facts.raw_digits, in->country, r.phone) == PHONE_OK)
		r.st.phone = r.phone;
	if (crypto_random_digits(r.digits, 8) == AG_OK)
		r.st.placeholder_digits = r.digits;
	if ((rc = load_context(&r)))
		goto done;
	ps.locale = in->locale;
	ps.time_zone = in->time_zone;
	ps.dashboard_url = app->cfg->aircall_dashboard_url;
	ps.account_url = r.g.base;
	for (int i = 0; i < MAX_STEPS && !finished && !rc; i++) {
		rc = step(&r, &ps, &finished);
	}
	if (!rc && !finished)
		snprintf(out->note, sizeof out->note, "stopped after %d steps", MAX_STEPS);
done:
	if (rc && !out->note[0])
		snprintf(out->note, sizeof out->note, "%s%s%s", ag_strerror(rc),
			 r.g.last_error[0] ? ": " : "", r.g.last_error);
	out->rc = rc;
	out->wait_s = r.g.wait_s ? r.g.wait_s : r.a.wait_s;
	out->gorgias_requests = r.g.requests;
	vendor_settle(&r.g, &r.a, rc);
	caller_release(&r.caller, &app->db, in->id, r.phone);
	/* Only a broken connection fails this, and a lost session holds no
	 * advisory lock any more. */
	if (subject_unlock(&app->db, in->id, r.subject))
		log_warn("%s: not unlocked (the connection's end releases it)", r.subject);
	gorgias_close(&r.g);
	posted_free(&r.done);
	free(r.customer_name);
	json_decref(r.stored);
}
