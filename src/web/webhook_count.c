#include "web/webhook_count.h"
#include "base/counters.h"

#include <jansson.h>
#include <string.h>

void webhook_count(const struct request *req, const struct response *resp, double seconds)
{
	json_t *answer, *body;
	const char *result;

	if (strcmp(req->path, "/webhooks/aircall") != 0 || resp->status == 503)
		return;
	counter_ack_latency(seconds);
	answer = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, NULL);
	result = json_string_value(json_object_get(answer, resp->status == 200 ? "status" : "error"));
	if (!(resp->status == 200 && result && strcmp(result, "accepted") == 0)) {
		/* Parsed again only on these rare answers, after the response.
		 * A refused request's event name is anyone's choice: not a
		 * label (a flood of made-up names would be a flood of series). */
		body = resp->status != 200 ? NULL
		       : json_loadb(req->body.p ? req->body.p : "", req->body.len, 0, NULL);
		counter_webhook_answer(json_string_value(json_object_get(body, "event")),
				       resp->status, result ? result : "unknown");
		json_decref(body);
	}
	json_decref(answer);
}
