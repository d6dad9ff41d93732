/* Unit test: every HTTP status the bridge sends has its reason phrase
 * (a "502 Unknown" status line confuses proxies and operators). */
#include "check.h"
#include "web/request.h"

int main(void)
{
	/* grep -rhoE '(response_error|page_message|page_redirect|response_json)\(resp, [0-9]+' src */
	static const int sent[] = { 200, 302, 303, 400, 401, 403, 404, 405, 409, 411, 413, 415,
				    429, 500, 502, 503 };

	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++) {
		if (strcmp(status_text(sent[i]), "Unknown") == 0)
			fprintf(stderr, "  no reason phrase for %d\n", sent[i]);
		CHECK(strcmp(status_text(sent[i]), "Unknown") != 0);
	}
	CHECK_STR(status_text(502), "Bad Gateway");
	CHECK_STR(status_text(409), "Conflict");
	CHECK_DONE("test_request");
}
