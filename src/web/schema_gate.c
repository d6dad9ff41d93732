#include "web/schema_gate.h"
#include "base/err.h"
#include "store/db.h"
#include "base/log.h"

#include <time.h>

/* A fitting schema is looked at again once a minute (one statement per
 * process per minute); a refused one every few seconds, so that service
 * resumes soon after `migrate`. */
#define RECHECK_FIT_S 60
#define RECHECK_REFUSED_S 5

static time_t checked_at;
static int refused;

/* *fits 0 (and why logged) when the schema is not the one this binary
 * needs. AG_EDB when PostgreSQL is unreachable: no verdict on the schema. */
static int check(struct app *app, int *fits)
{
	struct schema_fit fit = { 0 };
	int rc = migrate_gate_query(&app->db, &fit);

	*fits = 0;
	if (rc != AG_OK) {
		if (!app->db.conn)
			return AG_EDB;
		log_error("database schema: schema_version is unreadable; run "
			  "`aircall-gorgias.fcgi migrate` (refusing requests with 503)");
	} else if (fit.current > fit.known) {
		log_error("database schema: version %d is newer than this binary understands (%d); "
			  "deploy the matching binary (refusing requests with 503)",
			  fit.current, fit.known);
	} else if (fit.pending > 0) {
		log_error("database schema: version %d, this binary needs %d (%d migration(s) "
			  "pending); run `aircall-gorgias.fcgi migrate` (refusing requests with 503)",
			  fit.current, fit.known, fit.pending);
	} else {
		*fits = 1;
	}
	return AG_OK;
}

int schema_gate(struct app *app, struct response *resp)
{
	time_t now = time(NULL);

	if (!checked_at || now - checked_at >= (refused ? RECHECK_REFUSED_S : RECHECK_FIT_S)) {
		int fits;

		if (check(app, &fits) != AG_OK)
			return 0;
		if (refused && fits)
			log_info("database schema: version fits again; serving");
		refused = !fits;
		checked_at = now;
	}
	if (refused)
		response_error(resp, 503, "schema_mismatch",
			       "the database schema does not match this version of the bridge; "
			       "see its log");
	return refused;
}
