/* libFuzzer target: the phone normaliser (src/core/phone.c). First byte picks
 * the default country; the rest is the number as a caller ID or an agent
 * would type it. Each variant must normalise back to the same E.164. */
#include "core/phone.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *countries[] = { "FR", "DE", "GB", "US", "ES", "it", "UK", "XX", NULL };
	const char *cc;
	char *s, e164[PHONE_MAX], back[PHONE_MAX], vars[6][PHONE_MAX];
	size_t n;

	if (size < 1)
		return 0;
	cc = countries[data[0] % (sizeof countries / sizeof countries[0])];
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (phone_normalize(s, cc, e164) == PHONE_OK) {
		if (!phone_is_e164(e164))
			abort();
		n = phone_variants(e164, cc, vars, 6);
		for (size_t i = 0; i < n; i++)
			if (phone_normalize(vars[i], cc, back) != PHONE_OK || strcmp(back, e164) != 0)
				abort();
		(void)phone_equal(s, e164, cc);
	}
	(void)phone_country_code(s);
	free(s);
	return 0;
}
