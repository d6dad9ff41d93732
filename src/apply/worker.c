#include "apply/worker.h"
#include "base/err.h"
#include "store/worker_store.h"
#include "store/inbox.h"
#include "base/log.h"
#include "store/retention.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A free worker refreshes its heartbeat at least this often; the request
 * path trusts heartbeats younger than 10 s (inbox.c). */
#define HEARTBEAT_MS 2000L
/* Events applied between two looks at the notifications. */
#define BATCH 50
#define HOUSEKEEPING_S 60
/* A drainer that unregistered waits this long for a notification from a
 * request that still counted on it, before it exits. */
#define LEAVE_GRACE_MS 300L
/* A drainer stays while an event falls due within this: budget waits
 * and the first retries; later ones wait for a webhook or a worker. */
#define DRAIN_HORIZON_S 60.0

void worker_housekeeping(struct app *app)
{
	struct retention_counts n;

	/* The retention policy (store_retention.h); a failure waits for the
	 * next round. */
	if (store_retention(&app->db, app->cfg->retention_days, &n))
		log_warn("retention sweep failed; the next one tries again");
}

static void name_self(char *id, size_t idlen, char *host, size_t hostlen)
{
	if (gethostname(host, hostlen) != 0)
		snprintf(host, hostlen, "localhost");
	host[hostlen - 1] = '\0';
	snprintf(id, idlen, "%s:%ld", host, (long)getpid());
}

/* A row that could not be removed is harmless: the request path trusts
 * only heartbeats younger than a few seconds, and rows an hour old are
 * deleted by the next process that starts. */
static void leave(struct app *app, const char *id)
{
	if (heartbeat_stop(&app->db, id) != AG_OK)
		log_info("worker %s: heartbeat row left to age out", id);
}

/* LISTEN and the heartbeat row, again after every new connection (a
 * reconnect loses both). */
static int attach(struct app *app, const char *id, const char *kind, const char *host,
		  unsigned *generation)
{
	if (db_ensure(&app->db))
		return AG_EDB;
	if (app->db.generation == *generation)
		return AG_OK;
	if (db_listen(&app->db, INBOX_CHANNEL) || heartbeat_start(&app->db, id, kind, host))
		return AG_EDB;
	*generation = app->db.generation;
	log_info("%s %s listening", kind, id);
	return AG_OK;
}

/* How long to sleep when nothing could be claimed: until the next due
 * event, at most one heartbeat period, at least a moment (an event may
 * be due yet held by another process's claim for an instant). */
static long sleep_ms(double due_s)
{
	long ms;

	if (due_s < 0)
		return HEARTBEAT_MS;
	ms = (long)(due_s * 1000.0) + 20;
	if (ms > HEARTBEAT_MS)
		ms = HEARTBEAT_MS;
	return ms < 100 ? 100 : ms;
}

/* A request that found every slot taken stored its event before it
 * looked: once the slot is free, one more look finds that event. */
static void release_slot(int *slot_fd)
{
	if (*slot_fd > 2)
		close(*slot_fd);
	*slot_fd = -1;
}

int worker_run(struct app *app, int drainer, int slot_fd)
{
	const char *kind = drainer ? "drainer" : "worker";
	char id[160], host[64];
	unsigned generation = 0;
	time_t idle_since = time(NULL), housekeeping = 0;
	long linger = app->cfg->drain_linger_s;
	int handled = 0;

	name_self(id, sizeof id, host, sizeof host);
	while (!ag_stop) {
		double due;
		int n, woke, registered, lost;

		if (attach(app, id, kind, host, &generation)) {
			if (drainer)
				return 1;
			sleep(2);
			continue;
		}
		n = process_drain(app, id, BATCH, time(NULL) + 30);
		handled += n;
		if (n > 0) {
			idle_since = time(NULL);
			continue;
		}
		if (!drainer && time(NULL) >= housekeeping) {
			worker_housekeeping(app);
			housekeeping = time(NULL) + HOUSEKEEPING_S;
		}
		if (inbox_next_due(&app->db, id, &due, &registered)) {
			if (drainer)
				break;
			sleep(1);
			continue;
		}
		if (!registered) {
			/* Someone removed the row (an operator, a test's clean
			 * slate): a worker comes back, a drainer takes the hint. */
			log_info("%s %s: heartbeat row gone", kind, id);
			if (drainer) {
				/* Sent away (an operator, a test's clean slate):
				 * no last look. */
				release_slot(&slot_fd);
				break;
			}
			generation = 0;
			continue;
		}
		if (drainer && time(NULL) - idle_since >= linger && (due < 0 || due > DRAIN_HORIZON_S)) {
			/* Leave: no request counts on this process from now on.
			 * One that saw the row a moment ago still notifies, and
			 * its event is committed by then: look once more. */
			leave(app, id);
			release_slot(&slot_fd);
			/* A broken connection is found by the drain just below. */
			if (db_wait_notify(&app->db, LEAVE_GRACE_MS, &woke) != AG_OK)
				woke = 0;
			n = process_drain(app, NULL, BATCH, time(NULL) + 30);
			handled += n;
			if (!woke && n == 0)
				break;
			/* More came: stay, over the slot bound for a moment. */
			generation = 0; /* register again */
			idle_since = time(NULL);
			continue;
		}
		lost = db_wait_notify(&app->db, sleep_ms(due), &woke) != AG_OK;
		if (lost && drainer)
			break;
	}
	if (app->db.conn)
		leave(app, id);
	release_slot(&slot_fd);
	log_info("%s %s stopping after %d event(s)", kind, id, handled);
	return 0;
}
