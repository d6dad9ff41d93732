#include "web/schema_gate.h"
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

static int check(struct app *app)
{
	struct schema_fit fit = { 0 };
	int rc = migrate_gate_query(&app->db, &fit);

	if (rc) {
		if (!app->db.conn)
			return -1;	/* unreachable: not a verdict on the schema */
		log_error("database schema: schema_version is unreadable; run "
			  "`aircall-gorgias.fcgi migrate` (refusing requests with 503)");
		return 1;
	}
	if (fit.current > fit.known) {
		log_error("database schema: version %d is newer than this binary understands (%d); "
			  "deploy the matching binary (refusing requests with 503)",
			  fit.current, fit.known);
		return 1;
	}
	if (fit.pending > 0) {
		log_error("database schema: version %d, this binary needs %d (%d migration(s) "
			  "pending); run `aircall-gorgias.fcgi migrate` (refusing requests with 503)",
			  fit.current, fit.known, fit.pending);
		return 1;
	}
	return 0;
}

int schema_gate(struct app *app, struct response *resp)
{
	time_t now = time(NULL);

	if (!checked_at || now - checked_at >= (refused ? RECHECK_REFUSED_S : RECHECK_FIT_S)) {
		int verdict = check(app);

		if (verdict < 0)
			return 0;
		if (refused && !verdict)
			log_info("database schema: version fits again; serving");
		refused = verdict;
		checked_at = now;
	}
	if (refused)
		response_error(resp, 503, "schema_mismatch",
			       "the database schema does not match this version of the bridge; "
			       "see its log");
	return refused;
}
