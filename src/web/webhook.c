/* POST /webhooks/aircall: authenticate, store durably, acknowledge. No
 * vendor call happens before the answer (Aircall gives up after 5 s and
 * disables webhooks that keep failing). */
#include "base/err.h"
#include "web/handlers.h"
#include "store/inbox.h"
#include "base/log.h"
#include "web/webhook_read.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void handle_webhook(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	struct webhook_in w;
	struct inbox_accepted acc;
	unsigned long trips;
	int rc;

	if (request_webhook_refused(req, (unsigned long)app->cfg->max_body, resp, "webhook"))
		return;
	if (webhook_read(app->cfg, req->body.p, req->body.len, &w)) {
		response_error(resp, w.status, w.code, w.message);
		goto out;
	}
	trips = app->db.round_trips;
	rc = inbox_accept(&app->db, w.token_hash, w.key, w.event, w.subject, w.stored,
			  w.handled ? "pending" : "ignored", &acc);
	trips = app->db.round_trips - trips;
	if (rc == AG_ENOTFOUND) {
		/* The token is a secret: log a fingerprint of it, never the token. */
		log_warn("webhook rejected: unknown token (fingerprint %s)", w.fingerprint);
		response_error(resp, 401, "unknown_token", "the token matches no installation");
		goto out;
	}
	if (rc) {
		response_error(resp, 503, "unavailable", "storage unavailable, retry later");
		goto out;
	}
	if (acc.duplicate) {
		log_info("webhook %s for installation %" PRId64 ": duplicate delivery acknowledged "
			 "(%lu round trip%s)", w.event, acc.installation_id, trips, trips == 1 ? "" : "s");
		response_json(resp, 200, json_pack("{s:s}", "status", "duplicate"));
		goto out;
	}
	log_info("webhook %s %s for installation %" PRId64 " stored as inbox %" PRId64
		 " (%lu round trip%s, %s)", w.event, w.subject, acc.installation_id, acc.id, trips,
		 trips == 1 ? "" : "s", acc.listener ? "a worker listens" : "no free worker");
	response_json(resp, 200, json_pack("{s:s, s:I}", "status", "accepted", "id",
					   (json_int_t)acc.id));
	/* Nobody free to apply it: once the answer is out, this process
	 * starts a drainer (it never applies the event itself). */
	/* A disabled installation's events are kept, not applied: a drainer
	 * would find nothing to claim. */
	if (w.handled && !acc.listener && acc.enabled)
		after->spawn_drainer = 1;
out:
	webhook_in_free(&w);
}
