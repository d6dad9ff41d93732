#include "apply/process.h"
#include "apply/executor.h"
#include "apply/hook_setup.h"
#include "base/counters.h"
#include "store/counter_store.h"
#include "base/err.h"
#include "base/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t ag_stop;

/* Exponential backoff with jitter for temporary failures: 2, 4, 8 ... s,
 * capped at 15 minutes, ±25 %. */
static long backoff(int attempts)
{
	long base = 2;

	for (int i = 1; i < attempts && base < 900; i++)
		base *= 2;
	if (base > 900)
		base = 900;
	return base - base / 4 + (long)(rand() % (int)(base / 2 + 1));
}

/* The kinds of event an executor applies (executor.h). */
static const struct executor_kind *const kinds[] = { &call_executor, &message_executor,
						     &reply_executor };

static const struct executor_kind *kind_of(const char *event)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strncmp(event, kinds[i]->event_prefix, strlen(kinds[i]->event_prefix)) == 0)
			return kinds[i];
	return NULL;
}

void process_event(struct app *app, struct inbox_event *ev, struct outcome *out)
{
	const struct executor_kind *kind;
	struct installation in;
	int rc;

	memset(out, 0, sizeof *out);
	rc = store_installation_load(&app->db, app->cfg, ev->installation_id, &in);
	if (rc) {
		out->rc = rc;
		snprintf(out->note, sizeof out->note, "installation: %s", ag_strerror(rc));
		return;
	}
	if (!in.enabled) {
		out->rc = AG_EDISABLED;
		snprintf(out->note, sizeof out->note, "installation disabled (%s)", in.disabled_reason);
	} else if ((kind = kind_of(ev->event))) {
		executor_apply(kind, app, &in, ev, out);
	} else if (strcmp(ev->event, "integration.deleted") == 0) {
		/* AD1: the app was uninstalled on the Aircall side. */
		out->rc = store_disable(&app->db, in.id, "authorization_removed");
		/* Two-way SMS stops with it: no reply could go out any more. A
		 * Gorgias that does not answer only leaves an integration whose
		 * deliveries are refused (hook_teardown logs it). Not retried: the
		 * installation is disabled now, and its events wait for an enable. */
		if (!out->rc && (rc = hook_teardown(&app->db, app->cfg, in.id)))
			log_warn("installation %" PRId64 ": two-way SMS not stopped: %s", in.id,
				 ag_strerror(rc));
		snprintf(out->note, sizeof out->note, "Aircall integration deleted");
	} else {
		out->ignored = 1;
		snprintf(out->note, sizeof out->note, "event %s is not handled", ev->event);
	}
	installation_free(&in);
}

/* Records what became of the event in the inbox. */
static int settle(struct app *app, struct inbox_event *ev, struct outcome *o)
{
	int gave_up = 0, off = 0;

	if (o->ignored)
		return inbox_done(&app->db, ev, "ignored", o->note);
	if (o->rc == AG_OK)
		return inbox_done(&app->db, ev, "done", o->note[0] ? o->note : NULL);
	if (o->rc == AG_ERATE || o->rc == AG_EBUDGET || o->rc == AG_EBUSY)
		/* Waiting for budget is not a failed attempt. */
		return inbox_postpone(&app->db, ev, o->wait_s > 0 ? o->wait_s : 2, o->note);
	if (o->rc == AG_EAUTH && installation_disabled(&app->db, ev->installation_id, &off) != AG_OK)
		off = 1; /* not known: kept rather than an attempt spent */
	if (o->rc == AG_EDISABLED || (o->rc == AG_EAUTH && off))
		/* Kept, not failed: re-enabling replays it (AD1, AD2). */
		return inbox_postpone(&app->db, ev, 60, o->note);
	if (o->rc == AG_EAUTH)
		/* Refused while the installation stays enabled: an attempt like
		 * any other, so it ends failed and visible instead of waiting forever. */
		return inbox_retry(&app->db, ev, backoff(ev->attempts), o->note,
				   app->cfg->max_attempts, &gave_up);
	if (ag_err_retryable(o->rc) && o->progressed)
		/* Attempts bound failures in a row, not work: an event that got
		 * further this time starts counting afresh. */
		return inbox_postpone(&app->db, ev, backoff(1), o->note);
	if (ag_err_retryable(o->rc))
		return inbox_retry(&app->db, ev, backoff(ev->attempts), o->note,
				   app->cfg->max_attempts, &gave_up);
	log_error("inbox %lld (%s) failed: %s", (long long)ev->id, ev->event, o->note);
	return inbox_done(&app->db, ev, "failed", o->note);
}

int process_drain(struct app *app, const char *worker_id, int max, time_t deadline)
{
	int handled = 0;

	while (handled < max && time(NULL) < deadline && !ag_stop) {
		struct inbox_event ev;
		struct outcome out;
		int rc = inbox_claim(&app->db, worker_id, app->cfg->lease_s, &ev);

		if (rc == AG_ENOTFOUND || rc == AG_EDB)
			break;
		handled++;
		if (rc)
			continue;
		process_event(app, &ev, &out);
		log_info("inbox %lld %s %s: %s%s%s (%d Gorgias requests)", (long long)ev.id, ev.event,
			 ev.subject, out.ignored ? "ignored" : ag_strerror(out.rc),
			 out.note[0] ? " - " : "", out.note, out.gorgias_requests);
		/* Unsettled, the event stays claimed until its lease ends: then
		 * it is due again, and what was recorded keeps it from repeating. */
		if ((rc = settle(app, &ev, &out)))
			log_warn("inbox %lld not settled: %s", (long long)ev.id, ag_strerror(rc));
		inbox_event_free(&ev);
	}
	/* Unflushed counts stay in memory for the next flush. */
	if (counters_flush(&app->db, 0))
		log_debug("counters not flushed yet");
	return handled;
}
