/* libFuzzer target: the browser-input parsers of src/web/form.c (query strings,
 * url-encoded bodies, the Cookie header) and the OAuth callback's fields
 * (code, state, error) as the install flow declares them. */
#include "base/err.h"
#include "web/form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct form_field spec[] = {
	{ "csrf", 64, valid_hex, 0 },
	{ "number", 18, valid_digits, 1 },
	{ "code", 512, valid_token, 0 },
	{ "state", 97, valid_token, 0 },
	{ "error", 64, NULL, 0 },
	{ "note", 200, NULL, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[65];
	struct form f;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* The length given, not the NUL, bounds the parse: both must hold. */
	if (form_parse((const char *)data, size, spec, sizeof spec / sizeof spec[0], &f) == AG_OK) {
		for (size_t i = 0; i < f.n; i++)
			if (strlen(f.v[i].value) > 512)
				abort();
		(void)form_get(&f, "state");
	}
	form_free(&f);
	if (cookie_get(s, "ag_session", out, sizeof out) == AG_OK && strlen(out) >= sizeof out)
		abort();
	(void)cookie_get(s, "__Host-ag_session", out, sizeof out);
	free(s);
	return 0;
}
