/* libFuzzer target: what the bridge reads out of an Aircall webhook body
 * or API answer once it is JSON: the call merge and its facts, the message
 * facts and subject, for every event name the bridge handles. */
#include "core/call.h"
#include "core/plan_message.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *events[] = {
		"call.created", "call.answered", "call.hungup", "call.ended", "call.voicemail_left",
		"call.commented", "call.tagged", "call.untagged", "call.comm_assets_generated",
		"call.assigned", "call.transferred", "call.archived", "message.received",
		"message.sent", "message.status_updated",
	};
	json_t *body = json_loadb((const char *)data, size, 0, NULL), *stored, *d;
	const char *event;
	json_int_t ts;
	struct call_facts cf;
	struct msg_facts mf;
	char subject[96];

	if (!body)
		return 0;
	event = json_string_value(json_object_get(body, "event"));
	if (!event)
		event = events[size % (sizeof events / sizeof events[0])];
	ts = json_integer_value(json_object_get(body, "timestamp"));
	d = json_object_get(body, "data");
	stored = json_object();
	if (stored && json_is_object(d) && call_merge(stored, event, (int64_t)ts, d) == 0 &&
	    call_merge(stored, "call.ended", (int64_t)ts + 1, d) == 0 &&
	    call_facts_read(stored, &cf) == 0) {
		(void)call_is_missed(&cf);
		(void)call_is_over(&cf);
	}
	json_decref(stored);
	if (json_is_object(d)) {
		(void)msg_facts_read(d, event, (int64_t)ts, &mf);
		msg_subject(d, subject, sizeof subject);
	}
	json_decref(body);
	return 0;
}
