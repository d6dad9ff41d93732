/* The retention sweep (retention.h): owns no table; each owner deletes its
 * own rows. */
#include "store/retention.h"
#include "base/err.h"
#include "base/log.h"
#include "store/inbox.h"
#include "store/session_store.h"

/* At most this many rows per statement: a sweep never holds long locks
 * against the webhook path; the next sweep continues. */
#define BATCH 5000

int store_retention(struct db *db, int days, struct retention_counts *n)
{
	struct session_sweep s;
	int rc;

	*n = (struct retention_counts){ 0 };
	rc = inbox_sweep(db, days, BATCH, &n->events);
	if (rc != AG_OK)
		goto out;
	rc = session_store_sweep(db, BATCH, &s);
	n->sessions = s.sessions;
	n->states = s.states;
	n->links = s.links;
	if (rc == AG_OK && (n->events || n->sessions || n->states || n->links))
		log_info("retention: deleted %lld event(s), %lld session(s), %lld state(s), %lld link(s)",
			 n->events, n->sessions, n->states, n->links);
out:
	return rc;
}
