/* Unit tests for src/core/phone.c: the Zammad vectors, the formats users report as
 * duplicate-makers, and hostile input (run under ASan/UBSan). */
#include "core/phone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (cond) {                                           \
			passed++;                                     \
		} else {                                              \
			failed++;                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                 \
			fputc('\n', stderr);                          \
		}                                                     \
	} while (0)

static const char *rc_name(enum phone_result rc)
{
	switch (rc) {
	case PHONE_OK:
		return "OK";
	case PHONE_ANONYMOUS:
		return "ANONYMOUS";
	case PHONE_INVALID:
		return "INVALID";
	}
	return "?";
}

/* want NULL: only the result code is checked (out must then be empty). */
#define NORM(raw, country, want_rc, want) \
	norm_case(__LINE__, raw, country, want_rc, want)

static void norm_case(int line, const char *raw, const char *country,
		      enum phone_result want_rc, const char *want)
{
	char out[PHONE_MAX];
	enum phone_result rc;

	memset(out, 'Z', sizeof(out));
	rc = phone_normalize(raw, country, out);
	CHECK(rc == want_rc && strcmp(out, want ? want : "") == 0,
	      "line %d: phone_normalize(\"%.40s\", %s): expected %s \"%s\", got %s \"%s\"",
	      line, raw ? raw : "(null)", country ? country : "(null)",
	      rc_name(want_rc), want ? want : "", rc_name(rc), out);
	if (rc == PHONE_OK) {
		char again[PHONE_MAX];

		CHECK(phone_normalize(out, country, again) == PHONE_OK &&
			      strcmp(again, out) == 0,
		      "line %d: \"%s\" is not a fixed point", line, out);
	}
}

static void test_zammad_vectors(void)
{
	NORM("0049 1234 123456789", "DE", PHONE_OK, "+491234123456789");
	NORM("(09)1234321", "DE", PHONE_OK, "+4991234321");
	NORM("1-888-407-4747", "US", PHONE_OK, "+18884074747");
	NORM("1-888-407-4747", "DE", PHONE_OK, "+18884074747");
	NORM("+1 (949) 431 0000", "DE", PHONE_OK, "+19494310000");
	/* Zammad stores 4930600000000: "(0)" dropped, the final "-0" kept */
	NORM("+49 (0) 30 60 00 00 00-0", "DE", PHONE_OK, "+4930600000000");
	NORM("030/600000", "DE", PHONE_OK, "+4930600000");
	/* Zammad's own storage format, read back in a German installation */
	NORM("4930600000000", "DE", PHONE_OK, "+4930600000000");
}

static void test_spain_france(void)
{
	NORM("+34 666 44 45 55", "DE", PHONE_OK, "+34666444555");
	NORM("0034666444555", "DE", PHONE_OK, "+34666444555");
	NORM("666 44 45 55", "ES", PHONE_OK, "+34666444555");
	NORM("34666444555", "ES", PHONE_OK, "+34666444555");
	NORM("01 76 36 06 95", "FR", PHONE_OK, "+33176360695");
	NORM("+33 1 76 36 06 95", "FR", PHONE_OK, "+33176360695");
	NORM("+33176360695", "US", PHONE_OK, "+33176360695");
	NORM("0033176360695", "FR", PHONE_OK, "+33176360695");
	/* too long for a French national number, so international */
	NORM("33176360695", "FR", PHONE_OK, "+33176360695");
	NORM("33176360695", "DE", PHONE_OK, "+33176360695");
	NORM("33176360695", NULL, PHONE_OK, "+33176360695");
	/* French grouping with no-break spaces pasted from a web page */
	NORM("01\xc2\xa0" "76\xc2\xa0" "36\xe2\x80\xaf" "06 95", "FR", PHONE_OK,
	     "+33176360695");
}

static void test_other_countries(void)
{
	NORM("+44 7474 626067", "DE", PHONE_OK, "+447474626067");
	NORM("07474 626067", "GB", PHONE_OK, "+447474626067");
	NORM("07474 626067", "uk", PHONE_OK, "+447474626067");
	NORM("+44 (0)7474 626067", "US", PHONE_OK, "+447474626067");
	NORM("447474626067", "GB", PHONE_OK, "+447474626067");
	NORM("7474 626067", "GB", PHONE_OK, "+447474626067"); /* trunk left out */
	/* Italy keeps its 0, even after "(0)" */
	NORM("06 1234 5678", "IT", PHONE_OK, "+390612345678");
	NORM("+39 06 1234 5678", "DE", PHONE_OK, "+390612345678");
	NORM("+39 (0)6 1234 5678", "DE", PHONE_OK, "+390612345678");
	NORM("333 123 4567", "IT", PHONE_OK, "+393331234567");
	NORM("+41 81 288 63 93", "CH", PHONE_OK, "+41812886393");
	NORM("081 288 63 93", "CH", PHONE_OK, "+41812886393");
	NORM("8 (495) 123-45-67", "RU", PHONE_OK, "+74951234567");
	NORM("8 10 49 30 600000", "RU", PHONE_OK, "+4930600000");
	NORM("06 1 234 5678", "HU", PHONE_OK, "+3612345678");
	NORM("0412 345 678", "AU", PHONE_OK, "+61412345678");
	NORM("0011 49 30 600000", "AU", PHONE_OK, "+4930600000");
	NORM("090-1234-5678", "JP", PHONE_OK, "+819012345678");
	NORM("(11) 98765-4321", "BR", PHONE_OK, "+5511987654321");
	NORM("98765 43210", "IN", PHONE_OK, "+919876543210");
	NORM("138 0013 8000", "CN", PHONE_OK, "+8613800138000");
	NORM("8 600 12345", "LT", PHONE_OK, "+37060012345");
	NORM("0 600 12345", "LT", PHONE_OK, "+37060012345");
	NORM("+52 1 55 1234 5678", "MX", PHONE_OK, "+525512345678");
	NORM("55 1234 5678", "MX", PHONE_OK, "+525512345678");
	NORM("+49 030 600000", "DE", PHONE_OK, "+4930600000");
	NORM("(+49) 30 600000", "FR", PHONE_OK, "+4930600000");
}

static void test_nanp(void)
{
	NORM("(949) 431-0000", "US", PHONE_OK, "+19494310000");
	NORM("949.431.0000", "CA", PHONE_OK, "+19494310000");
	NORM("011 49 30 600000", "US", PHONE_OK, "+4930600000");
	NORM("0049 30 600000", "US", PHONE_OK, "+4930600000");
	/* a DC number must not become Egyptian (+20 2…) */
	NORM("202 555 0123", "US", PHONE_OK, "+12025550123");
	NORM("4930600000000", "US", PHONE_OK, "+4930600000000");
	NORM("1234567890", "US", PHONE_INVALID, NULL);
}

static void test_prefixes_and_extensions(void)
{
	NORM("tel:+1-800-123-4567", "DE", PHONE_OK, "+18001234567");
	NORM("TEL:+1-800-123-4567;ext=12", "DE", PHONE_OK, "+18001234567");
	NORM("+1 800-123-4567", NULL, PHONE_OK, "+18001234567");
	NORM("+1 800 123 4567 ext. 89", "US", PHONE_OK, "+18001234567");
	NORM("+1 800 123 4567 x89", "US", PHONE_OK, "+18001234567");
	NORM("+1 800 123 4567#89", "US", PHONE_OK, "+18001234567");
	NORM("030 600000,12", "DE", PHONE_OK, "+4930600000");
	NORM("  +49 30 600000  ", "DE", PHONE_OK, "+4930600000");
	NORM("+00 49 30 600000", "DE", PHONE_OK, "+4930600000");
	NORM("x123", "DE", PHONE_INVALID, NULL);
}

static void test_anonymous_and_invalid(void)
{
	NORM("anonymous", "DE", PHONE_ANONYMOUS, NULL);
	NORM("Anonymous", "DE", PHONE_ANONYMOUS, NULL);
	NORM(" UNKNOWN ", "DE", PHONE_ANONYMOUS, NULL);
	NORM("private", "US", PHONE_ANONYMOUS, NULL);
	NORM("restricted", NULL, PHONE_ANONYMOUS, NULL);
	NORM("", "DE", PHONE_ANONYMOUS, NULL);
	NORM("   ", "DE", PHONE_ANONYMOUS, NULL);
	NORM(NULL, "DE", PHONE_ANONYMOUS, NULL);
	NORM("anonymously", "DE", PHONE_INVALID, NULL);
	NORM("abc", "DE", PHONE_INVALID, NULL);
	NORM("+49 30 6OO000", "DE", PHONE_INVALID, NULL); /* letter O */
	NORM("123", "DE", PHONE_INVALID, NULL);
	NORM("+1 23", "DE", PHONE_INVALID, NULL);
	NORM("1234567890123456", NULL, PHONE_INVALID, NULL);
	NORM("+1234567890123456", "DE", PHONE_INVALID, NULL);
	NORM("+49 30 600000 +49 30 700000", "DE", PHONE_INVALID, NULL);
	NORM("030 600000", NULL, PHONE_INVALID, NULL); /* national, no country */
	NORM("030 600000", "XX", PHONE_INVALID, NULL);
	NORM("+030 600000", "DE", PHONE_INVALID, NULL);
	NORM("+49 00 30 600000", "DE", PHONE_INVALID, NULL); /* one 0 too many */
	NORM("+39 00 30 600000", "DE", PHONE_OK, "+390030600000"); /* Italy: kept */
	NORM("*31#030600000", "DE", PHONE_INVALID, NULL);
	NORM("tel:", "DE", PHONE_INVALID, NULL);
	NORM("-", "DE", PHONE_INVALID, NULL);
}

static void test_hostile(void)
{
	size_t big = 10 * 1024;
	char *s = malloc(big + 1);
	char out[PHONE_MAX];

	if (!s) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(s, '1', big);
	s[big] = '\0';
	NORM(s, "DE", PHONE_INVALID, NULL);
	memset(s, ' ', big);
	memcpy(s + big - 12, "030 600000", 10);
	NORM(s, "DE", PHONE_OK, "+4930600000");
	memset(s, 'a', big);
	NORM(s, "DE", PHONE_INVALID, NULL);
	memset(s, '(', big);
	NORM(s, "DE", PHONE_INVALID, NULL);
	memcpy(s, "+49 30 600000 ", 14);
	memset(s + 14, 'x', big - 14);
	NORM(s, "DE", PHONE_OK, "+4930600000"); /* the rest is an extension */
	free(s);

	NORM("\xff\xfe\x80", "DE", PHONE_INVALID, NULL);
	NORM("030 600000\xe2\x80", "DE", PHONE_INVALID, NULL); /* cut UTF-8 */
	NORM("030 600000\xc2", "DE", PHONE_INVALID, NULL);
	NORM("+49 30 (0", "DE", PHONE_INVALID, NULL);
	/* unbalanced parentheses are only separators */
	NORM("+49 30 600000 (0", "DE", PHONE_OK, "+49306000000");
	NORM("030 600000", "DEU", PHONE_INVALID, NULL);
	NORM("030 600000", "D", PHONE_INVALID, NULL);
	NORM("030 600000", "", PHONE_INVALID, NULL);
	NORM("030 600000", "\xff\xff", PHONE_INVALID, NULL);
	CHECK(phone_normalize("+4930600000", "DE", NULL) == PHONE_INVALID,
	      "NULL out must be refused");
	CHECK(phone_normalize("+4930600000", "DE", out) == PHONE_OK,
	      "sanity after hostile input");
}

static void test_country_code(void)
{
	CHECK(phone_country_code("DE") == 49, "DE -> %d", phone_country_code("DE"));
	CHECK(phone_country_code("fr") == 33, "fr -> %d", phone_country_code("fr"));
	CHECK(phone_country_code("US") == 1, "US");
	CHECK(phone_country_code("CA") == 1, "CA");
	CHECK(phone_country_code("GB") == 44, "GB");
	CHECK(phone_country_code("UK") == 44, "UK");
	CHECK(phone_country_code("IE") == 353, "IE");
	CHECK(phone_country_code("AE") == 971, "AE");
	CHECK(phone_country_code("RU") == 7, "RU");
	CHECK(phone_country_code("XX") == 0, "XX");
	CHECK(phone_country_code("") == 0, "empty");
	CHECK(phone_country_code("DEU") == 0, "DEU");
	CHECK(phone_country_code(NULL) == 0, "NULL");
}

static void test_equal(void)
{
	CHECK(phone_equal("+34 666 44 45 55", "0034666444555", "ES"), "ES 00");
	CHECK(phone_equal("+34 666 44 45 55", "666 44 45 55", "ES"), "ES national");
	CHECK(phone_equal("+49 (0) 30 600000", "030/600000", "DE"), "DE (0) and /");
	CHECK(!phone_equal("030/600000", "030/600001", "DE"), "different numbers");
	CHECK(!phone_equal("666 44 45 55", "+34666444555", "FR"),
	      "national form depends on the default country");
	CHECK(!phone_equal("anonymous", "anonymous", "DE"), "anonymous never matches");
	CHECK(!phone_equal("abc", "abc", "DE"), "invalid never matches");
	CHECK(!phone_equal(NULL, NULL, "DE"), "NULL never matches");
}

static int has_variant(char v[][PHONE_MAX], size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], want) == 0)
			return 1;
	return 0;
}

/* Every variant must be distinct and normalise back to the number. */
static void check_variant_invariants(const char *e164, const char *country)
{
	char v[8][PHONE_MAX], back[PHONE_MAX];
	size_t n = phone_variants(e164, country, v, 8), i, j;

	CHECK(n >= 2 && n <= 6, "%s/%s: %zu variants", e164, country ? country : "-", n);
	CHECK(n > 0 && strcmp(v[0], e164) == 0, "%s/%s: E.164 first, got \"%s\"",
	      e164, country ? country : "-", n ? v[0] : "");
	for (i = 0; i < n; i++) {
		CHECK(phone_normalize(v[i], country, back) == PHONE_OK &&
			      strcmp(back, e164) == 0,
		      "%s/%s: variant \"%s\" normalises to \"%s\"", e164,
		      country ? country : "-", v[i], back);
		for (j = i + 1; j < n; j++)
			CHECK(strcmp(v[i], v[j]) != 0, "%s: duplicate variant \"%s\"",
			      e164, v[i]);
	}
}

static void test_variants(void)
{
	static const char *const numbers[] = {
		"+4930600000000", "+19494310000", "+34666444555", "+390612345678",
		"+33176360695", "+447474626067", "+74951234567", "+3612345678",
		"+61412345678", "+5511987654321", "+37060012345",
	};
	static const char *const homes[] = {
		"DE", "US", "ES", "IT", "FR", "GB", "RU", "HU", "AU", "BR", "LT",
		"JP", NULL,
	};
	char v[8][PHONE_MAX];
	size_t n, i, j;

	n = phone_variants("+4930600000000", "DE", v, 8);
	CHECK(n == 5, "DE variants: %zu", n);
	CHECK(n >= 1 && strcmp(v[0], "+4930600000000") == 0, "E.164 first");
	CHECK(n >= 2 && strcmp(v[1], "030600000000") == 0, "national second: %s", v[1]);
	CHECK(has_variant(v, n, "4930600000000"), "digits only");
	CHECK(has_variant(v, n, "004930600000000"), "00 form");
	CHECK(has_variant(v, n, "+49 30600000000"), "spaced code");

	n = phone_variants("+19494310000", "US", v, 8);
	CHECK(n == 6, "US variants: %zu", n);
	CHECK(n >= 2 && strcmp(v[1], "9494310000") == 0, "US national second");
	CHECK(has_variant(v, n, "(949) 431-0000"), "US (aaa) bbb-cccc");
	CHECK(has_variant(v, n, "949-431-0000"), "US aaa-bbb-cccc");
	CHECK(has_variant(v, n, "19494310000"), "US 1 + national");
	CHECK(!has_variant(v, n, "0019494310000"), "no 00 form at home");

	n = phone_variants("+4930600000000", "US", v, 8);
	CHECK(has_variant(v, n, "0114930600000000"), "011 form from the US");
	CHECK(has_variant(v, n, "004930600000000"), "00 form from the US");
	CHECK(!has_variant(v, n, "030600000000"), "no foreign national form");

	n = phone_variants("+34666444555", "ES", v, 8);
	CHECK(n >= 2 && strcmp(v[1], "666444555") == 0, "ES national second");

	/* accepts sloppy input and respects max */
	n = phone_variants("+49 (0) 30 600000", "DE", v, 2);
	CHECK(n == 2 && strcmp(v[0], "+4930600000") == 0 &&
		      strcmp(v[1], "030600000") == 0,
	      "max 2: %zu", n);
	CHECK(phone_variants("anonymous", "DE", v, 8) == 0, "anonymous: none");
	CHECK(phone_variants("abc", "DE", v, 8) == 0, "invalid: none");
	CHECK(phone_variants(NULL, "DE", v, 8) == 0, "NULL: none");
	CHECK(phone_variants("+4930600000", "DE", v, 0) == 0, "max 0: none");
	CHECK(phone_variants("+4930600000", "DE", NULL, 8) == 0, "NULL out: none");

	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		for (j = 0; j < sizeof(homes) / sizeof(homes[0]); j++)
			check_variant_invariants(numbers[i], homes[j]);
}

static void test_is_e164(void)
{
	CHECK(phone_is_e164("+4930600000000"), "valid");
	CHECK(!phone_is_e164("4930600000000"), "no +");
	CHECK(!phone_is_e164("+0930600000000"), "leading 0");
	CHECK(!phone_is_e164("+49 30600000"), "space");
	CHECK(!phone_is_e164("+1234567890123456"), "16 digits");
	CHECK(!phone_is_e164("+123456"), "6 digits");
	CHECK(!phone_is_e164(NULL), "NULL");
	CHECK(!phone_is_e164("+"), "+ alone");
}

/* TS1 in one request: every stored form of a number contains its national
 * significant number in one piece. */
static void test_nsn(void)
{
	char nsn[PHONE_MAX], v[8][PHONE_MAX];
	size_t n;

	CHECK(phone_nsn("+34611000005", nsn) && strcmp(nsn, "611000005") == 0, "nsn %s", nsn);
	CHECK(phone_nsn("+4930600000000", nsn) && strcmp(nsn, "30600000000") == 0, "nsn %s", nsn);
	CHECK(phone_nsn("+19494310000", nsn) && strcmp(nsn, "9494310000") == 0, "nsn %s", nsn);
	CHECK(!phone_nsn("anonymous", nsn) && nsn[0] == '\0', "nsn of anonymous");
	CHECK(!phone_nsn(NULL, nsn), "nsn of NULL");
	n = phone_variants("+4930600000000", "DE", v, 8);
	CHECK(phone_nsn("+4930600000000", nsn), "nsn");
	for (size_t i = 0; i < n; i++)
		CHECK(strstr(v[i], nsn) != NULL, "variant %s lacks %s", v[i], nsn);
}

int main(void)
{
	test_nsn();
	test_zammad_vectors();
	test_spain_france();
	test_other_countries();
	test_nanp();
	test_prefixes_and_extensions();
	test_anonymous_and_invalid();
	test_hostile();
	test_country_code();
	test_equal();
	test_variants();
	test_is_e164();
	if (failed) {
		fprintf(stderr, "test_phone: %d failed, %d passed\n", failed, passed);
		return 1;
	}
	printf("test_phone: %d passed\n", passed);
	return 0;
}
