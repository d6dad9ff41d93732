/* POST /webhooks/gorgias: a delivery of the installation's Gorgias HTTP
 * integration (a new ticket message, two-way SMS). Authenticated by the
 * keyed hash of the secret in its header, stored on the same one-statement
 * path as Aircall's webhooks, acknowledged; no vendor call on the way. */
#include "base/err.h"
#include "base/log.h"
#include "store/inbox.h"
#include "web/handlers.h"
#include "web/hook_read.h"

#include <inttypes.h>
#include <string.h>

void handle_gorgias_hook(struct app *app, struct request *req, struct response *resp,
			 struct after *after)
{
	struct hook_in h;
	struct inbox_accepted acc;
	int rc;

	memset(&h, 0, sizeof h);
	if (request_webhook_refused(req, (unsigned long)app->cfg->max_body, resp, "gorgias hook"))
		return;
	if (hook_read(app->cfg, req->hook_secret, req->body.p, req->body.len, &h)) {
		response_error(resp, h.status, h.code, h.message);
		goto out;
	}
	/* The secret is never compared itself: its HMAC under the secret key
	 * is what the unique index finds (no timing to learn it from). */
	rc = inbox_accept_gorgias(&app->db, h.secret_hash, h.ticket_id,
				  h.own ? HOOK_OWN : h.sms_ticket ? HOOK_SMS : HOOK_OTHER, h.key,
				  HOOK_EVENT, h.subject, h.stored, &acc);
	if (rc == AG_ENOTFOUND) {
		log_warn("gorgias hook rejected: unknown secret (fingerprint %s)", h.fingerprint);
		response_error(resp, 401, "unknown_token", "the secret matches no installation");
		goto out;
	}
	if (rc) {
		response_error(resp, 503, "unavailable", "storage unavailable, retry later");
		goto out;
	}
	if (acc.unwanted) {
		/* A call's note, an email, a message the bridge wrote: nothing
		 * to send, nothing kept. */
		response_json(resp, 200, json_pack("{s:s}", "status", h.own ? "own" : "not_sms"));
		goto out;
	}
	if (acc.duplicate) {
		log_info("gorgias hook for installation %" PRId64 ": duplicate delivery of message %"
			 PRId64 " acknowledged", acc.installation_id, h.message_id);
		response_json(resp, 200, json_pack("{s:s}", "status", "duplicate"));
		goto out;
	}
	log_info("gorgias hook %s (message %" PRId64 ") for installation %" PRId64
		 " stored as inbox %" PRId64, h.subject, h.message_id, acc.installation_id, acc.id);
	response_json(resp, 200, json_pack("{s:s, s:I}", "status", "accepted", "id",
					   (json_int_t)acc.id));
	if (!acc.listener && acc.enabled)
		after->spawn_drainer = 1;
out:
	hook_in_free(&h);
}
