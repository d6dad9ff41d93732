/* The skeleton of executor.h: what every kind's run does around its own
 * plan and execute. */
#include "apply/executor.h"
#include "apply/degrade.h"
#include "apply/tags.h"
#include "apply/vendor_settle.h"
#include "base/err.h"
#include "base/log.h"
#include "store/installation_store.h"
#include "store/subject_lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int executor_load_posted(struct executor_run *r)
{
	return posted_load(&r->app->db, r->in->id, r->subject, &r->done);
}

int executor_record(struct executor_run *r, const char *key, int64_t gorgias_id)
{
	return posted_record(&r->app->db, r->in->id, r->subject, key, gorgias_id);
}

int executor_unrecord(struct executor_run *r, const char *key)
{
	return key ? posted_forget(&r->app->db, r->in->id, r->subject, key)
		   : posted_forget_all(&r->app->db, r->in->id, r->subject);
}

int executor_hold_caller(struct executor_run *r)
{
	return caller_hold(&r->caller, &r->app->db, r->in->id, r->phone);
}

int executor_find_sent(struct executor_run *r, const char *path, const char *ext, int64_t *id)
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

int executor_post_ticket(struct executor_run *r, json_t *body, const struct optional_field *opt,
			 size_t nopt, json_t **made)
{
	int rc;

	*made = NULL;
	if ((rc = tags_cached_ids(&r->g, body)))
		return rc;
	if (r->in->tags_by_id && (rc = tags_body_to_ids(&r->g, body)))
		return rc;
	rc = degrade_call(&r->g, "POST", "/api/tickets", body, opt, nopt, made);
	if (rc == AG_EREJECT && !r->in->tags_by_id && tags_refusal(r->g.last_error)) {
		executor_tags_by_id(r);
		json_decref(*made);
		*made = NULL;
		if (!(rc = tags_body_to_ids(&r->g, body)))
			rc = degrade_call(&r->g, "POST", "/api/tickets", body, opt, nopt, made);
	}
	return rc;
}

void executor_tags_by_id(struct executor_run *r)
{
	log_info("gorgias %s: tag names refused, resolving tags to ids", r->in->account);
	r->in->tags_by_id = 1;
	/* Not remembered: the next run learns it again from the same refusal. */
	if (store_set_capability(&r->app->db, r->in->id, "gorgias_tags_by_id", "true"))
		log_warn("gorgias %s: tags by id not remembered", r->in->account);
}

static void release_caller(struct executor_run *r)
{
	caller_release(&r->caller, &r->app->db, r->in->id, r->phone);
}

/* Plans and executes the current unit's operations until nothing is owed
 * or a failure stops the run. */
static int run_unit(struct executor_run *r, void *op)
{
	const struct executor_kind *k = r->kind_of;
	int rc = AG_OK;

	for (int i = 0; i < k->max_steps; i++) {
		struct executor_step s = { 0 };
		int requests = r->g.requests;

		memset(op, 0, k->op_size);
		if ((rc = k->plan(r, op, &s)))
			goto out;
		if (!s.done)
			rc = k->execute(r, op);
		if (k->op_free)
			k->op_free(op);
		if (s.done)
			goto out;
		/* Attempts bound failures in a row, not work: a write, or a
		 * lookup that needed Gorgias, is progress; one answered from the
		 * cache succeeds again on every attempt and is not. */
		if (!rc && (!s.lookup || r->g.requests > requests))
			r->out->progressed = 1;
		if (k->customer_known && k->customer_known(r))
			release_caller(r);
		if (rc)
			goto out;
	}
	snprintf(r->out->note, sizeof r->out->note, "stopped after %d steps", k->max_steps);
out:
	return rc;
}

/* The stages between the lock and the end of the run. */
static int run(struct executor_run *r)
{
	const struct executor_kind *k = r->kind_of;
	struct app *app = r->app;
	void *op = NULL;
	int rc, more = 1;

	if (k->prepare && (rc = k->prepare(r)))
		goto out;
	if (!r->offline) {
		if ((rc = gorgias_open(&r->g, app->cfg, &app->db, r->in))) {
			snprintf(r->out->note, sizeof r->out->note, "Gorgias credentials unusable");
			goto out;
		}
		aircall_open(&r->a, app->cfg, &app->db, r->in->id,
			     r->in->aircall_oauth ? NULL : r->in->aircall_api_id, r->in->aircall_secret);
		r->a.final_attempt = r->ev->attempts >= app->cfg->max_attempts;
		if ((rc = k->load(r)))
			goto out;
	}
	if (!(op = malloc(k->op_size))) {
		rc = AG_ENOMEM;
		goto out;
	}
	while (!(rc = k->next(r, &more)) && more && !(rc = run_unit(r, op)))
		;
out:
	free(op);
	return rc;
}

void executor_apply(const struct executor_kind *kind, struct app *app, struct installation *in,
		    struct inbox_event *ev, struct outcome *out)
{
	struct executor_run r;
	int rc, locked = 0;

	memset(&r, 0, sizeof r);
	r.app = app;
	r.in = in;
	r.ev = ev;
	r.out = out;
	r.kind_of = kind;
	if (!(r.kind = calloc(1, kind->kind_size))) {
		rc = AG_ENOMEM;
		goto out;
	}
	if ((rc = kind->read(&r)))
		goto out;
	/* One process per subject at a time, also across hosts. */
	if ((rc = subject_try_lock(&app->db, in->id, r.subject))) {
		snprintf(out->note, sizeof out->note, "%s is being processed elsewhere", kind->what);
		goto out;
	}
	locked = 1;
	rc = run(&r);
out:
	if (rc && !out->note[0])
		snprintf(out->note, sizeof out->note, "%s%s%s", ag_strerror(rc),
			 r.g.last_error[0] ? ": " : "", r.g.last_error);
	out->rc = rc;
	out->wait_s = r.hold_s ? r.hold_s : r.g.wait_s ? r.g.wait_s : r.a.wait_s;
	out->gorgias_requests = r.g.requests;
	vendor_settle(&r.g, &r.a, rc);
	release_caller(&r);
	/* Only a broken connection fails this, and a lost session holds no
	 * advisory lock any more. */
	if (locked && subject_unlock(&app->db, in->id, r.subject))
		log_warn("%s: not unlocked (the connection's end releases it)", r.subject);
	gorgias_close(&r.g);
	posted_free(&r.done);
	if (r.kind && kind->release)
		kind->release(&r);
	free(r.kind);
}
