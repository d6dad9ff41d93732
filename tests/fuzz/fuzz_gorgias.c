/* libFuzzer target: the readers of Gorgias answers: list and object ids,
 * the JWT expiry hint of an OAuth answer, and the Insight Card built from
 * a customer and its tickets. Input: JSON [customer, tickets] or any JSON. */
#include "apply/card.h"
#include "vendor/gorgias.h"
#include "vendor/oauth.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL), *card;
	char *s;

	if (v) {
		(void)gorgias_first_id(v);
		(void)gorgias_id(v);
		card = card_contents(json_array_get(v, 0), json_array_get(v, 1),
				     "https://acme.gorgias.com", size & 1 ? "de" : "en");
		json_decref(card);
		json_decref(v);
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	{
		long long exp;

		/* Only its safety on any input is under test here. */
		AG_IGNORE(oauth_jwt_exp(s, &exp));
	}
	free(s);
	return 0;
}
