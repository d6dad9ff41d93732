/* Unit tests for src/web/form.c (the one parser of browser input), the JWT
 * expiry reader of src/vendor/oauth.c and the shape checks of the settings form,
 * with hostile input (run under ASan/UBSan). */
#include "check.h"
#include "base/err.h"
#include "web/form.h"
#include "apply/install_setup.h"
#include "vendor/oauth.h"
#include "base/crypto.h"

#include <stdlib.h>

static int valid_lang(const char *v)
{
	return strcmp(v, "en") == 0 || strcmp(v, "de") == 0;
}

static const struct form_field spec[] = {
	{ "csrf", 64, valid_hex, 0 },
	{ "number", 18, valid_digits, 1 },
	{ "locale", 2, valid_lang, 0 },
	{ "note", 20, NULL, 0 },
};

static int parse(const char *s, struct form *f)
{
	return form_parse(s, s ? strlen(s) : 0, spec, sizeof spec / sizeof spec[0], f);
}

static void test_form(void)
{
	struct form f;

	CHECK(parse("csrf=ab12&number=1&number=22&locale=de&other=x", &f) == AG_OK);
	CHECK_STR(form_get(&f, "csrf"), "ab12");
	CHECK_STR(form_get(&f, "locale"), "de");
	CHECK(form_get(&f, "other") == NULL);   /* undeclared: dropped */
	CHECK(f.n == 4);
	form_free(&f);

	CHECK(parse("note=a+b%20c%2B", &f) == AG_OK);
	CHECK_STR(form_get(&f, "note"), "a b c+");
	form_free(&f);

	CHECK(parse(NULL, &f) == AG_OK && f.n == 0);
	form_free(&f);
	CHECK(parse("&&=&note", &f) == AG_OK);
	CHECK_STR(form_get(&f, "note"), "");
	form_free(&f);

	/* refused: repeated single field, failed validators, bad escapes,
	 * control characters, NUL, over-long values */
	const char *bad[] = {
		"locale=en&locale=de", "locale=fr", "number=1%29+or+true", "number=12345678901234567890",
		"csrf=ABCD", "note=%", "note=%4", "note=%zz", "note=a%00b", "note=a%0Ab",
		"note=123456789012345678901", "locale=en%27+or+%271%27%3D%271",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(bad[i], &f);
		CHECK(rc == AG_EINVAL);
		if (rc != AG_EINVAL)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		form_free(&f);
	}
}

static void test_cookie(void)
{
	char out[65];

	CHECK(cookie_get("a=1; ag_session=abc; b=2", "ag_session", out, sizeof out) == AG_OK);
	CHECK_STR(out, "abc");
	CHECK(cookie_get("xag_session=abc", "ag_session", out, sizeof out) == AG_ENOTFOUND);
	CHECK(cookie_get(NULL, "ag_session", out, sizeof out) == AG_ENOTFOUND);
	CHECK(cookie_get("ag_session=0123456789", "ag_session", out, 5) == AG_EINVAL);
}

static void test_jwt(void)
{
	const char *payload = "{\"iss\":\"https://acme.gorgias.com\",\"exp\":1900000000,\"sub\":10}";
	char *b64 = NULL, jwt[512];
	long long exp = -1;

	CHECK(crypto_b64url(payload, strlen(payload), &b64) == AG_OK);
	snprintf(jwt, sizeof jwt, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", b64);
	CHECK(oauth_jwt_exp(jwt, &exp) == AG_OK && exp == 1900000000LL);
	CHECK(oauth_jwt_exp("not-a-jwt", &exp) == AG_EINVAL && exp == 0);
	CHECK(oauth_jwt_exp("a.!!!.b", &exp) == AG_EINVAL && exp == 0);
	CHECK(oauth_jwt_exp("a..b", &exp) == AG_EINVAL && exp == 0);
	CHECK(oauth_jwt_exp(NULL, &exp) == AG_EINVAL && exp == 0);
	free(b64);
}

static void test_settings_shapes(void)
{
	CHECK(installation_valid_time_zone("Europe/Berlin"));
	CHECK(installation_valid_time_zone("America/Argentina/Buenos_Aires"));
	CHECK(!installation_valid_time_zone("../etc/passwd"));
	CHECK(!installation_valid_time_zone("Europe/Berlin'; drop table x; --"));
	CHECK(!installation_valid_time_zone("<script>"));
	CHECK(installation_valid_country("DE"));
	CHECK(!installation_valid_country("de"));
	CHECK(!installation_valid_country("D'"));
	CHECK(!installation_valid_country("DEU"));
}

int main(void)
{
	test_form();
	test_cookie();
	test_jwt();
	test_settings_shapes();
	CHECK_DONE("test_form");
}
