#include "web/handlers.h"
#include "base/err.h"
#include "store/db.h"
#include "base/log.h"

#include <string.h>

/* Anonymous and cheap: one constant query whatever the inbox holds, and
 * nothing about any installation (the inbox's figures are on /metrics,
 * behind the operator's token: docs/operations.md). */
void handle_healthz(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	(void)req;
	(void)after;
	if (db_ping(&app->db) != AG_OK) {
		response_json(resp, 503, json_pack("{s:s, s:s}", "status", "unavailable",
						   "database", "unreachable"));
		return;
	}
	response_json(resp, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}
