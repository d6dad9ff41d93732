/* The imperative shell around the planners: claims inbox events, hands
 * each to the executor of its kind (executor.h) and settles it. */
#ifndef AG_PROCESS_H
#define AG_PROCESS_H

#include "base/config.h"
#include "store/db.h"
#include "store/inbox.h"
#include "store/installation_store.h"

#include <signal.h>
#include <time.h>

/* Set by SIGTERM/SIGINT: loops finish the event at hand and stop. */
extern volatile sig_atomic_t ag_stop;

struct app {
	struct config *cfg;
	struct db db;
};

/* What became of one event. */
struct outcome {
	int rc;                 /* AG_OK or the error that stopped it */
	long wait_s;            /* for AG_ERATE / AG_EBUDGET */
	char note[256];         /* reason for skip/failure */
	int ignored;            /* nothing to do, ever */
	int progressed;         /* at least one operation landed before rc */
	int gorgias_requests;
};

/* Claims and applies due events until none is due, max events were
 * handled, or the deadline passed; worker_id names the heartbeat row
 * (NULL: none). Returns how many were handled. */
int process_drain(struct app *app, const char *worker_id, int max, time_t deadline);
/* Applies one claimed event: its kind's executor, or what an event with
 * no executor means (integration.deleted, ignored). */
void process_event(struct app *app, struct inbox_event *ev, struct outcome *out);

#endif
