/* Crypto primitives, all from OpenSSL's libcrypto (never hand-written):
 * randomness, keyed hashes, constant-time comparison, and the sealing of
 * vendor tokens at rest with AES-256-GCM under a key derived from
 * AG_SECRET_KEY. */
#ifndef AG_CRYPTO_H
#define AG_CRYPTO_H

#include <stddef.h>

int crypto_random(void *out, size_t n);
/* 2*nbytes hex chars + NUL into out (size >= 2*nbytes+1). */
int crypto_random_hex(char *out, size_t nbytes);
/* Random decimal digits (for placeholder emails), ndigits + NUL. */
int crypto_random_digits(char *out, size_t ndigits);
/* HMAC-SHA256(key, data) as 64 hex chars + NUL. */
int crypto_hmac_hex(const char *key, const void *data, size_t len, char out[65]);
int crypto_ct_equal(const void *a, const void *b, size_t n);

/* Seals plaintext for storage: "v1:" base64(nonce | ciphertext | tag).
 * Returns a malloc'd string the caller frees, or NULL. */
char *crypto_seal(const char *secret, const char *plaintext);
/* Opens what crypto_seal produced; malloc'd plaintext or NULL when the
 * value was tampered with or sealed under another key. */
char *crypto_open(const char *secret, const char *sealed);

/* base64url without padding (for OAuth state, cookies); caller frees. */
char *crypto_b64url(const void *data, size_t len);
/* Decodes base64url (padding optional) into a malloc'd buffer; *outlen set. */
unsigned char *crypto_b64url_decode(const char *s, size_t *outlen);

#endif
