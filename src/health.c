#include "handlers.h"
#include "db.h"
#include "log.h"

#include <string.h>

void handle_healthz(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	PGresult *r;
	json_t *j;

	(void)req;
	(void)after;
	r = db_query(&app->db,
		"select count(*) filter (where status in ('pending', 'working')), "
		"       count(*) filter (where status = 'failed') from inbox", 0, NULL);
	if (!r) {
		response_json(resp, 503, json_pack("{s:s, s:s}", "status", "unavailable",
						   "database", "unreachable"));
		return;
	}
	j = json_pack("{s:s, s:s, s:{s:I, s:I}}", "status", "ok", "database", "ok", "inbox",
		      "pending", (json_int_t)db_i64(r, 0, 0), "failed", (json_int_t)db_i64(r, 0, 1));
	PQclear(r);
	response_json(resp, 200, j);
}
