#include "core/events.h"

#include <string.h>

const char *const events_handled[] = {
	"call.created", "call.answered", "call.hungup", "call.ended",
	"call.voicemail_left", "call.commented", "call.tagged", "call.untagged",
	"call.comm_assets_generated", "call.assigned", "call.transferred",
	"call.external_transferred", "call.ivr_option_selected", "integration.deleted",
	"message.sent", "message.received", "message.status_updated",
};
const size_t events_handled_n = sizeof events_handled / sizeof events_handled[0];

int event_handled(const char *event)
{
	for (size_t i = 0; i < events_handled_n; i++)
		if (strcmp(event, events_handled[i]) == 0)
			return 1;
	return 0;
}
