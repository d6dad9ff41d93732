/* Subject and key formats, each defined once: what the inbox, posted_op and
 * Gorgias's external ids hold must read back the way it was written (a
 * ticket adopted after a lost answer is matched by these strings). */
#include "check.h"
#include "core/call.h"
#include "core/plan_call.h"
#include "core/plan_message.h"

int main(void)
{
	char out[128], key[64];

	call_subject(out, sizeof out, 735001);
	CHECK_STR(out, "call:735001");
	call_external_id(out, sizeof out, 735001, NULL);
	CHECK_STR(out, "aircall:call:735001");
	call_external_id(out, sizeof out, 735001, "answered");
	CHECK_STR(out, "aircall:call:735001:answered");
	msg_posted_key(out, sizeof out, "m-42");
	CHECK_STR(out, "msg:m-42");

	/* A note's external id maps back to the key the planner recorded. */
	CHECK(call_note_key("aircall:call:735001:answered", 735001, key, sizeof key) == 1);
	CHECK_STR(key, "note:answered");
	CHECK(call_note_key("aircall:call:735001:comment:9", 735001, key, sizeof key) == 1);
	CHECK_STR(key, "comment:9");
	CHECK(call_note_key("aircall:call:735001:media:recording", 735001, key, sizeof key) == 1);
	CHECK_STR(key, "media:recording");
	/* Every note the planner writes reads back as its own key. */
	{
		const char *suffix[] = { "missed", "answered", "ended", "comment:12", "media:voicemail" };
		const char *want[] = { "note:missed", "note:answered", "note:ended", "comment:12",
				       "media:voicemail" };
		for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
			call_external_id(out, sizeof out, 8, suffix[i]);
			CHECK(call_note_key(out, 8, key, sizeof key) == 1);
			CHECK_STR(key, want[i]);
		}
	}
	/* Another call's notes, the ticket's own id, other strings: not this call's notes. */
	CHECK(call_note_key("aircall:call:7350012:answered", 735001, key, sizeof key) == 0);
	CHECK(call_note_key("aircall:call:73500:answered", 735001, key, sizeof key) == 0);
	CHECK(call_note_key("aircall:call:735001", 735001, key, sizeof key) == 0);
	CHECK(call_note_key("aircall:message:735001:x", 735001, key, sizeof key) == 0);
	CHECK(call_note_key(NULL, 735001, key, sizeof key) == 0);
	CHECK_DONE("test_keys");
}
