/* Unit tests of src/base/crypto.c and src/base/sealed.c ("tokens are
 * encrypted at rest", SPEC quality bars): seal/open round trip, tamper
 * detection (any flipped byte, truncation, wrong key, wrong row or column),
 * one HKDF subkey per purpose, sealed values bound to row and column, the
 * previous scheme readable only by the migration. */
#include "check.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/sealed.h"

#include <stdlib.h>

static const char secret[] = "0123456789abcdef0123456789abcdef-unit-test";

/* The sealing API answers AG_OK with a string, or an error with none. */
static char *t_sealed_seal(const struct config *cfg, const char *account, const char *column,
			   const char *plain)
{
	char *out = (char *)1;
	int rc = sealed_seal(cfg, account, column, plain, &out);

	CHECK(rc == AG_OK ? out != NULL : out == NULL);
	return rc == AG_OK ? out : NULL;
}

static char *t_sealed_open(const struct config *cfg, const char *account, const char *column,
			   const char *sealed)
{
	char *out = (char *)1;
	int rc = sealed_open(cfg, account, column, sealed, &out);

	CHECK(rc == AG_OK ? out != NULL : out == NULL && rc == AG_EINVAL);
	return rc == AG_OK ? out : NULL;
}

static char *t_seal(const char *key, const char *aad, const char *plain)
{
	char *out = (char *)1;
	int rc = crypto_seal(key, aad, plain, &out);

	CHECK(rc == AG_OK ? out != NULL : out == NULL);
	return rc == AG_OK ? out : NULL;
}

static char *t_open(const char *key, const char *aad, const char *sealed)
{
	char *out = (char *)1;
	int rc = crypto_open(key, aad, sealed, &out);

	CHECK(rc == AG_OK ? out != NULL : out == NULL && rc == AG_EINVAL);
	return rc == AG_OK ? out : NULL;
}

static char *t_open_v1(const char *secret_, const char *sealed)
{
	char *out = (char *)1;
	int rc = crypto_open_v1(secret_, sealed, &out);

	CHECK(rc == AG_OK ? out != NULL : out == NULL && rc == AG_EINVAL);
	return rc == AG_OK ? out : NULL;
}

static void test_subkeys(void)
{
	char a[CRYPTO_KEY_HEX], b[CRYPTO_KEY_HEX], c[CRYPTO_KEY_HEX], mac[65];

	CHECK(crypto_subkey(secret, "seal", a) == AG_OK && strlen(a) == 64);
	CHECK(crypto_subkey(secret, "seal", b) == AG_OK && strcmp(a, b) == 0);   /* stable */
	CHECK(crypto_subkey(secret, "webhook-token", c) == AG_OK && strcmp(a, c) != 0);
	CHECK(crypto_subkey("another secret of at least thirty-two bytes", "seal", b) == AG_OK &&
	      strcmp(a, b) != 0);
	/* The old weakness: the webhook lookup hashed an attacker-chosen token
	 * under the key the sealing key was derived with, so posting the
	 * label as token put the sealing key into PostgreSQL's log. Now the
	 * lookup key is its own: the hash of the label is not the sealing key. */
	CHECK(crypto_hmac_hex(c, "aircall-gorgias token sealing v1", 32, mac) == AG_OK);
	CHECK(strcmp(mac, a) != 0);
	CHECK(crypto_hmac_hex(secret, "aircall-gorgias token sealing v1", 32, mac) == AG_OK);
	CHECK(strcmp(mac, a) != 0);
}

static void test_sealed_bound_to_row_and_column(void)
{
	struct config cfg;
	char *s, *o;

	memset(&cfg, 0, sizeof cfg);
	CHECK(crypto_subkey(secret, "seal", cfg.key_seal) == AG_OK);
	CHECK(crypto_subkey(secret, "webhook-token", cfg.key_webhook) == AG_OK);
	s = t_sealed_seal(&cfg, "acme", "gorgias_secret", "gorgias-api-key");
	CHECK(s && strncmp(s, "v2:", 3) == 0);
	o = t_sealed_open(&cfg, "acme", "gorgias_secret", s);
	CHECK_STR(o, "gorgias-api-key");
	free(o);
	/* copied to another column or another installation: does not open */
	CHECK(t_sealed_open(&cfg, "acme", "aircall_secret", s) == NULL);
	CHECK(t_sealed_open(&cfg, "evil", "gorgias_secret", s) == NULL);
	CHECK(t_sealed_open(&cfg, "", "gorgias_secret", s) == NULL);
	/* another key, or one flipped byte: does not open */
	CHECK(t_open(cfg.key_webhook, "installation/acme/gorgias_secret", s) == NULL);
	s[10] = s[10] == 'A' ? 'B' : 'A';
	CHECK(t_sealed_open(&cfg, "acme", "gorgias_secret", s) == NULL);
	free(s);
	CHECK(t_seal("not-hex", "x", "y") == NULL);
}

static void test_v1_only_for_the_migration(void)
{
	/* Made by the previous release (9f9be3e) with this secret. */
	struct config cfg;
	const char *old = "v1:zOfAhRyoGuX2FmESetSa-6zRWqbrrrl8U2T5wZsSsbXdsKm6tVa61_s4XO4YEjg";
	const char *dump_key = "e2e-test-secret-0123456789abcdef0123456789abcdef";
	char *o;

	memset(&cfg, 0, sizeof cfg);
	CHECK(crypto_subkey(dump_key, "seal", cfg.key_seal) == AG_OK);
	o = t_open_v1(dump_key, old);
	CHECK_STR(o, "gorgias-api-key-e2e");
	free(o);
	CHECK(t_open_v1(secret, old) == NULL);
	CHECK(t_sealed_open(&cfg, "acme", "gorgias_secret", old) == NULL);
}

/* A vendor token comes back exactly as sealed, whatever its length or
 * bytes; two seals of one value differ (fresh nonce: equal tokens are not
 * visible as equal in a dump). */
static void test_round_trip(void)
{
	char key[CRYPTO_KEY_HEX], *plain, *a, *b, *o;
	static const size_t lens[] = { 0, 1, 15, 16, 17, 255, 4096 };

	CHECK(crypto_subkey(secret, "seal", key) == AG_OK);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		plain = malloc(lens[i] + 1);
		for (size_t j = 0; j < lens[i]; j++)
			plain[j] = (char)(1 + (j * 37) % 255);      /* every non-NUL byte */
		plain[lens[i]] = '\0';
		a = t_seal(key, "installation/acme/gorgias_secret", plain);
		b = t_seal(key, "installation/acme/gorgias_secret", plain);
		CHECK(a && b && strcmp(a, b) != 0);
		/* "v2:" + base64url(12-byte nonce | ciphertext | 16-byte tag) */
		CHECK(a && strlen(a) == 3 + (4 * (12 + lens[i] + 16) + 2) / 3);
		CHECK(a && strspn(a + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
			   strlen(a + 3));
		o = a ? t_open(key, "installation/acme/gorgias_secret", a) : NULL;
		CHECK(o && strcmp(o, plain) == 0);
		free(o);
		o = b ? t_open(key, "installation/acme/gorgias_secret", b) : NULL;
		CHECK(o && strcmp(o, plain) == 0);
		free(o);
		free(a);
		free(b);
		free(plain);
	}
}

/* Any change to a sealed value — one bit anywhere (nonce, ciphertext,
 * tag), a truncation, an extension, another prefix — and it does not
 * open: a tampered token is never used as if it were the vendor's. */
static void test_tamper_detected(void)
{
	char key[CRYPTO_KEY_HEX], other[CRYPTO_KEY_HEX], *s, *t, *o;
	size_t n;
	int opened = 0;

	CHECK(crypto_subkey(secret, "seal", key) == AG_OK);
	CHECK(crypto_subkey(secret, "seal2", other) == AG_OK);
	s = t_seal(key, "aad", "refresh-token-value");
	CHECK(s != NULL);
	if (!s)
		return;
	n = strlen(s);
	t = malloc(n + 2);
	/* every position after the prefix, every character class */
	for (size_t i = 3; i < n; i++) {
		memcpy(t, s, n + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		o = t_open(key, "aad", t);
		/* the last character carries 2 padding bits that base64 ignores
		 * only in lenient decoders: the tag then differs anyway */
		opened += o != NULL && strcmp(o, "refresh-token-value") != 0;
		if (o && i < n - 1)
			fprintf(stderr, "  opened with byte %zu flipped\n", i);
		CHECK(o == NULL || i == n - 1);
		free(o);
	}
	CHECK(opened == 0);
	for (size_t cut = 3; cut < n; cut++) {      /* truncated */
		memcpy(t, s, cut);
		t[cut] = '\0';
		o = t_open(key, "aad", t);
		CHECK(o == NULL);
		free(o);
	}
	memcpy(t, s, n);
	t[n] = 'A';
	t[n + 1] = '\0';
	CHECK(t_open(key, "aad", t) == NULL);   /* extended */
	memcpy(t, s, n + 1);
	t[1] = '1';
	CHECK(t_open(key, "aad", t) == NULL);   /* "v1:" is not "v2:" */
	CHECK(t_open_v1(secret, t) == NULL);
	memcpy(t, s, n + 1);
	t[5] = '*';
	CHECK(t_open(key, "aad", t) == NULL);   /* not base64url */
	CHECK(t_open(other, "aad", s) == NULL); /* wrong key */
	CHECK(t_open(key, "aad2", s) == NULL);  /* wrong place */
	CHECK(t_open(key, "", s) == NULL);
	CHECK(t_open(key, "aad", "v2:") == NULL);
	CHECK(t_open(key, "aad", "") == NULL);
	CHECK(t_open(key, "aad", NULL) == NULL);
	CHECK(t_open(key, NULL, s) == NULL);
	/* a malformed key opens nothing and seals nothing */
	CHECK(t_open("", "aad", s) == NULL);
	memcpy(other, key, sizeof other);
	other[63] = 'g';                             /* not hex */
	CHECK(t_open(other, "aad", s) == NULL);
	other[63] = '\0';                            /* 63 digits */
	CHECK(t_open(other, "aad", s) == NULL);
	CHECK(t_seal(key, NULL, "x") == NULL);
	o = t_open(key, "aad", s);              /* the original still opens */
	CHECK_STR(o, "refresh-token-value");
	free(o);
	free(t);
	free(s);
}

/* Every purpose has its own key: none equals another, none equals the
 * secret, and the derivation is stable across processes (a restart must
 * still open yesterday's tokens and recognise yesterday's sessions). */
static void test_subkeys_per_purpose(void)
{
	static const char *purposes[] = { "seal", "webhook-token", "web", "log" };
	char k[4][CRYPTO_KEY_HEX], again[CRYPTO_KEY_HEX];

	for (int i = 0; i < 4; i++) {
		CHECK(crypto_subkey(secret, purposes[i], k[i]) == AG_OK);
		CHECK(strlen(k[i]) == 64 && strspn(k[i], "0123456789abcdef") == 64);
		CHECK(strstr(secret, k[i]) == NULL);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(k[i], k[j]) != 0);
	}
	/* pinned: HKDF-SHA256 output must not drift with a library upgrade */
	CHECK(crypto_subkey(secret, "seal", again) == AG_OK);
	CHECK_STR(again, k[0]);
	/* a value sealed under the web key does not open under the seal key */
	{
		char *s = t_seal(k[2], "x", "y");
		CHECK(s && t_open(k[0], "x", s) == NULL);
		free(s);
	}
}

/* The primitives behind session ids, CSRF tokens and placeholder emails. */
static void test_primitives(void)
{
	char a[65], b[65], d[20], *e;
	unsigned char *raw;
	size_t n;
	int counts[10] = { 0 };

	CHECK(crypto_random_hex(a, 32) == AG_OK && strlen(a) == 64 &&
	      strspn(a, "0123456789abcdef") == 64);
	CHECK(crypto_random_hex(b, 32) == AG_OK && strcmp(a, b) != 0);
	CHECK(crypto_random_hex(a, 65) == AG_EINVAL);  /* over its buffer: refused */
	for (int i = 0; i < 200; i++) {
		CHECK(crypto_random_digits(d, 8) == AG_OK && strlen(d) == 8 && strspn(d, "0123456789") == 8);
		for (int j = 0; j < 8; j++)
			counts[d[j] - '0']++;
	}
	for (int i = 0; i < 10; i++)
		CHECK(counts[i] > 100);                /* 1600 digits: each appears */
	CHECK(crypto_ct_equal("abcdef", "abcdef", 6));
	CHECK(!crypto_ct_equal("abcdef", "abcdeF", 6));
	CHECK(crypto_ct_equal("abcdef", "abcdeF", 5));
	/* HMAC-SHA256 (RFC 4231 test case 2) */
	CHECK(crypto_hmac_hex("Jefe", "what do ya want for nothing?", 28, a) == AG_OK);
	CHECK_STR(a, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* base64url without padding, both ways; padding optional on input */
	CHECK(crypto_b64url("\xfb\xff\xfe", 3, &e) == AG_OK);
	CHECK_STR(e, "-__-");
	free(e);
	CHECK(crypto_b64url("ab", 2, &e) == AG_OK);
	CHECK_STR(e, "YWI");
	CHECK(crypto_b64url_decode(e, &raw, &n) == AG_OK);
	CHECK(raw && n == 2 && memcmp(raw, "ab", 2) == 0);
	free(raw);
	free(e);
	CHECK(crypto_b64url_decode("YWI=", &raw, &n) == AG_OK);
	CHECK(raw && n == 2 && memcmp(raw, "ab", 2) == 0);
	free(raw);
	CHECK(crypto_b64url_decode("YW I", &raw, &n) == AG_EINVAL && raw == NULL);
}

int main(void)
{
	test_round_trip();
	test_tamper_detected();
	test_subkeys_per_purpose();
	test_primitives();
	test_subkeys();
	test_sealed_bound_to_row_and_column();
	test_v1_only_for_the_migration();
	CHECK_DONE("test_crypto");
}
