/* Crypto primitives, all from OpenSSL's libcrypto (never hand-written):
 * randomness, keyed hashes, constant-time comparison, and the sealing of
 * vendor tokens at rest with AES-256-GCM under a key derived from
 * AG_SECRET_KEY. */
#ifndef AG_CRYPTO_H
#define AG_CRYPTO_H

#include "base/err.h"

#include <stddef.h>

AG_MUST_USE int crypto_random(void *out, size_t n);
/* 2*nbytes hex chars + NUL into out (size >= 2*nbytes+1). */
AG_MUST_USE int crypto_random_hex(char *out, size_t nbytes);
/* Random decimal digits (for placeholder emails), ndigits + NUL. */
AG_MUST_USE int crypto_random_digits(char *out, size_t ndigits);
/* HMAC-SHA256(key, data) as 64 hex chars + NUL (key: a subkey's hex or a
 * fixed label, never AG_SECRET_KEY itself). */
AG_MUST_USE int crypto_hmac_hex(const char *key, const void *data, size_t len, char out[65]);
AG_MUST_USE int crypto_ct_equal(const void *a, const void *b, size_t n);

#define CRYPTO_KEY_HEX 65      /* a 32-byte key as hex + NUL */

/* One key per purpose from AG_SECRET_KEY: HKDF-SHA256 (OpenSSL EVP_KDF)
 * with a fixed salt and the purpose as info. A value computed under one
 * purpose's key (a webhook-token hash, which an attacker may choose the
 * input of and PostgreSQL may log) says nothing about another's (the
 * sealing key). */
AG_MUST_USE int crypto_subkey(const char *secret, const char *purpose, char out[CRYPTO_KEY_HEX]);

/* Seals plaintext for storage under a subkey (hex), with AES-256-GCM:
 * "v2:" base64url(nonce | ciphertext | tag). aad (not stored) names where
 * the value lives (row and column): opened anywhere else it fails, so a
 * value copied to another row or column is useless. AG_OK with *out a
 * malloc'd string the caller frees; AG_EINVAL (bad key or aad),
 * AG_ETOOBIG (over 1 MiB) or AG_ENOMEM with *out NULL. */
AG_MUST_USE int crypto_seal(const char *key_hex, const char *aad, const char *plaintext,
			    char **out);
/* Opens what crypto_seal produced with the same aad: AG_OK with *out the
 * malloc'd plaintext; AG_EINVAL when tampered with, moved, or sealed under
 * another key; AG_ENOMEM. *out is NULL unless AG_OK. */
AG_MUST_USE int crypto_open(const char *key_hex, const char *aad, const char *sealed, char **out);
/* Opens a "v1:" value of the previous scheme (one HMAC-derived key, no
 * aad), as crypto_open: only for `migrate`, which reseals them. */
AG_MUST_USE int crypto_open_v1(const char *secret, const char *sealed, char **out);

/* base64url without padding (for OAuth state, cookies): AG_OK with *out
 * malloc'd (the caller frees), AG_ETOOBIG or AG_ENOMEM. */
AG_MUST_USE int crypto_b64url(const void *data, size_t len, char **out);
/* Decodes base64url (padding optional): AG_OK with *out malloc'd and
 * *outlen set, AG_EINVAL when s is not base64url, AG_ETOOBIG, AG_ENOMEM. */
AG_MUST_USE int crypto_b64url_decode(const char *s, unsigned char **out, size_t *outlen);

#endif
