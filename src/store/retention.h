/* Bounded storage (docs/security.md): what the bridge no longer needs is
 * deleted by the worker, so that neither Aircall's traffic nor anonymous
 * visitors can grow the database without end. A job across tables: each
 * owner deletes its own rows (inbox_sweep, session_store_sweep); this
 * module holds no SQL. */
#ifndef AG_STORE_RETENTION_H
#define AG_STORE_RETENTION_H

#include "base/err.h"
#include "store/db.h"

struct retention_counts {
	long long events;     /* done/ignored inbox rows older than the retention */
	long long sessions;   /* expired web sessions */
	long long states;     /* expired OAuth states */
	long long links;      /* expired settings links */
};

/* Deletes, in bounded batches: inbox events done or ignored more than
 * days ago (failed ones stay for the operator), and expired sessions,
 * OAuth states and settings links. AG_OK or AG_EDB. */
AG_MUST_USE int store_retention(struct db *db, int days, struct retention_counts *n);

#endif
