/* libFuzzer target: the one timestamp parser (msg_time_parse) with the
 * input as a JSON string, and as JSON text (numbers: integer and real). */
#include "core/plan_message.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = json_stringn((const char *)data, size);
	int64_t ms;
	char iso[32];

	if (v && msg_time_parse(v, &ms) == 0)
		msg_time_iso(ms, iso);
	json_decref(v);
	v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (v && msg_time_parse(v, &ms) == 0)
		msg_time_iso(ms, iso);
	json_decref(v);
	return 0;
}
