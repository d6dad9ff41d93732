/* Unit tests for the key separation of src/base/crypto.c and src/base/sealed.c:
 * one HKDF subkey per purpose, sealed values bound to row and column, the
 * previous scheme readable only by the migration. */
#include "check.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/err.h"
#include "base/sealed.h"

#include <stdlib.h>

static const char secret[] = "0123456789abcdef0123456789abcdef-unit-test";

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
	s = sealed_seal(&cfg, "acme", "gorgias_secret", "gorgias-api-key");
	CHECK(s && strncmp(s, "v2:", 3) == 0);
	o = sealed_open(&cfg, "acme", "gorgias_secret", s);
	CHECK_STR(o, "gorgias-api-key");
	free(o);
	/* copied to another column or another installation: does not open */
	CHECK(sealed_open(&cfg, "acme", "aircall_secret", s) == NULL);
	CHECK(sealed_open(&cfg, "evil", "gorgias_secret", s) == NULL);
	CHECK(sealed_open(&cfg, "", "gorgias_secret", s) == NULL);
	/* another key, or one flipped byte: does not open */
	CHECK(crypto_open(cfg.key_webhook, "installation/acme/gorgias_secret", s) == NULL);
	s[10] = s[10] == 'A' ? 'B' : 'A';
	CHECK(sealed_open(&cfg, "acme", "gorgias_secret", s) == NULL);
	free(s);
	CHECK(crypto_seal("not-hex", "x", "y") == NULL);
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
	o = crypto_open_v1(dump_key, old);
	CHECK_STR(o, "gorgias-api-key-e2e");
	free(o);
	CHECK(crypto_open_v1(secret, old) == NULL);
	CHECK(sealed_open(&cfg, "acme", "gorgias_secret", old) == NULL);
}

int main(void)
{
	test_subkeys();
	test_sealed_bound_to_row_and_column();
	test_v1_only_for_the_migration();
	CHECK_DONE("test_crypto");
}
