/* Unit tests for the route classes of src/base/counters.c: one series per
 * vendor route whatever ids, queries or hostile bytes the path holds. */
#include "check.h"
#include "base/counters.h"

static const char *rc(const char *path)
{
	static char out[96];

	counter_route_class(path, out, sizeof out);
	return out;
}

int main(void)
{
	CHECK_STR(rc("/api/tickets"), "/api/tickets");
	CHECK_STR(rc("/api/tickets/500001/messages"), "/api/tickets/:id/messages");
	CHECK_STR(rc("/api/customers?phone=%2B3412&limit=1"), "/api/customers");
	CHECK_STR(rc("/v1/calls/880002/insight_cards"), "/v1/calls/:id/insight_cards");
	CHECK_STR(rc("/v1/numbers/2001/messages/SM6f3c1a2b"), "/v1/numbers/:id/messages/:id");
	CHECK_STR(rc("/v10/oauth/token"), "/v10/oauth/token");
	CHECK_STR(rc("/api/tags/"), "/api/tags/");
	CHECK_STR(rc(""), "");
	/* quotes, backslashes and newlines never reach a label */
	CHECK_STR(rc("/api/a\"b\\c\nd"), "/api/a_b_c_d");
	{
		char small[8];
		counter_route_class("/api/tickets/1/messages", small, sizeof small);
		CHECK(strlen(small) < sizeof small);
	}
	CHECK_DONE("test_counters");
}
