#include "base/crypto.h"
#include "base/err.h"

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define GCM_NONCE 12
#define GCM_TAG 16

int crypto_random(void *out, size_t n)
{
	if (n > 0x7fffffff || RAND_bytes(out, (int)n) != 1)
		return AG_EINVAL;
	return AG_OK;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int crypto_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof raw || crypto_random(raw, nbytes))
		return AG_EINVAL;
	to_hex(raw, nbytes, out);
	return AG_OK;
}

int crypto_random_digits(char *out, size_t ndigits)
{
	unsigned char raw[64];

	if (ndigits > sizeof raw || crypto_random(raw, ndigits))
		return AG_EINVAL;
	/* 250 is the largest multiple of 10 below 256: reject above it so
	 * every digit is equally likely. */
	for (size_t i = 0; i < ndigits; i++) {
		while (raw[i] >= 250)
			if (crypto_random(&raw[i], 1))
				return AG_EINVAL;
		out[i] = (char)('0' + raw[i] % 10);
	}
	out[ndigits] = '\0';
	return AG_OK;
}

int crypto_hmac_hex(const char *key, const void *data, size_t len, char out[65])
{
	unsigned char mac[32];
	unsigned int maclen = 0;

	if (!HMAC(EVP_sha256(), key, (int)strlen(key), data, len, mac, &maclen) ||
	    maclen != 32)
		return AG_EINVAL;
	to_hex(mac, 32, out);
	return AG_OK;
}

int crypto_ct_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* The scheme before per-purpose keys: kept only to open "v1:" values
 * while `migrate` reseals them. */
static int derive_key_v1(const char *secret, unsigned char key[32])
{
	static const char label[] = "aircall-gorgias token sealing v1";
	unsigned int len = 0;

	return HMAC(EVP_sha256(), secret, (int)strlen(secret),
		    (const unsigned char *)label, sizeof label - 1, key, &len) &&
	       len == 32 ? AG_OK : AG_EINVAL;
}

int crypto_subkey(const char *secret, const char *purpose, char out[CRYPTO_KEY_HEX])
{
	static const char salt[] = "aircall-gorgias AG_SECRET_KEY v2";
	unsigned char key[32];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = AG_EINVAL;

	EVP_KDF_free(kdf);
	if (!ctx || !secret || !purpose)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, strlen(secret));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof salt - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)purpose,
						 strlen(purpose));
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, key, sizeof key, params) != 1)
		goto out;
	to_hex(key, sizeof key, out);
	rc = AG_OK;
out:
	OPENSSL_cleanse(key, sizeof key);
	EVP_KDF_CTX_free(ctx);
	return rc;
}

static int hex_key(const char *hex, unsigned char key[32])
{
	if (!hex || strlen(hex) != 64)
		return AG_EINVAL;
	for (int i = 0; i < 32; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];
			v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -256);
		}
		if (v < 0)
			return AG_EINVAL;
		key[i] = (unsigned char)v;
	}
	return AG_OK;
}

int crypto_b64url(const void *data, size_t len, char **out)
{
	char *b;
	int n;

	*out = NULL;
	if (len > 0x3fffffff)
		return AG_ETOOBIG;
	b = malloc(4 * ((len + 2) / 3) + 1);
	if (!b)
		return AG_ENOMEM;
	n = EVP_EncodeBlock((unsigned char *)b, data, (int)len);
	if (n < 0) {
		free(b);
		return AG_EINVAL;
	}
	for (int i = 0; i < n; i++) {
		if (b[i] == '+')
			b[i] = '-';
		else if (b[i] == '/')
			b[i] = '_';
	}
	while (n > 0 && b[n - 1] == '=')
		n--;
	b[n] = '\0';
	*out = b;
	return AG_OK;
}

int crypto_b64url_decode(const char *s, unsigned char **out, size_t *outlen)
{
	size_t n = strlen(s), padded = (n + 3) / 4 * 4;
	char *tmp = NULL;
	unsigned char *raw = NULL;
	int got, rc = AG_ENOMEM;

	*out = NULL;
	*outlen = 0;
	if (n > 0x3fffffff)
		return AG_ETOOBIG;
	tmp = malloc(padded + 1);
	raw = malloc(padded / 4 * 3 + 1);
	if (!tmp || !raw)
		goto out;
	rc = AG_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
			goto out;
		tmp[i] = c;
	}
	for (size_t i = n; i < padded; i++)
		tmp[i] = '=';
	tmp[padded] = '\0';
	got = EVP_DecodeBlock(raw, (unsigned char *)tmp, (int)padded);
	if (got < 0)
		goto out;
	/* EVP_DecodeBlock counts padding as zero bytes. */
	for (size_t i = padded; i > 0 && tmp[i - 1] == '='; i--)
		got--;
	*out = raw;
	*outlen = (size_t)got;
	raw = NULL;
	rc = AG_OK;
out:
	free(tmp);
	free(raw);
	return rc;
}

int crypto_seal(const char *key_hex, const char *aad, const char *plaintext, char **out)
{
	unsigned char key[32], *raw = NULL;
	size_t plen;
	EVP_CIPHER_CTX *ctx = NULL;
	char *b64 = NULL;
	int len = 0, fin = 0, rc = AG_EINVAL;

	*out = NULL;
	if (!plaintext || !aad || hex_key(key_hex, key))
		goto out;
	plen = strlen(plaintext);
	if (plen > 0x100000 || strlen(aad) > 0x10000) {
		rc = AG_ETOOBIG;
		goto out;
	}
	rc = AG_ENOMEM;
	raw = malloc(GCM_NONCE + plen + GCM_TAG);
	ctx = EVP_CIPHER_CTX_new();
	if (!raw || !ctx)
		goto out;
	rc = AG_EINVAL;
	if (crypto_random(raw, GCM_NONCE) ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, raw + GCM_NONCE, &len,
			      (const unsigned char *)plaintext, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, raw + GCM_NONCE + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG,
				raw + GCM_NONCE + plen) != 1)
		goto out;
	rc = crypto_b64url(raw, GCM_NONCE + plen + GCM_TAG, &b64);
	if (rc)
		goto out;
	rc = AG_ENOMEM;
	*out = malloc(strlen(b64) + 4);
	if (!*out)
		goto out;
	memcpy(*out, "v2:", 3);
	memcpy(*out + 3, b64, strlen(b64) + 1);
	rc = AG_OK;
out:
	OPENSSL_cleanse(key, sizeof key);
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	free(b64);
	return rc;
}

static int open_with(const unsigned char key[32], const char *aad, const char *sealed, char **out)
{
	unsigned char *raw = NULL;
	size_t rawlen = 0, clen = 0;
	EVP_CIPHER_CTX *ctx = NULL;
	char *plain = NULL;
	int len = 0, fin = 0, rc;

	*out = NULL;
	rc = crypto_b64url_decode(sealed + 3, &raw, &rawlen);
	if (rc)
		goto out;
	rc = AG_EINVAL;
	if (rawlen < GCM_NONCE + GCM_TAG)
		goto out;
	clen = rawlen - GCM_NONCE - GCM_TAG;
	rc = AG_ENOMEM;
	plain = malloc(clen + 1);
	ctx = EVP_CIPHER_CTX_new();
	if (!plain || !ctx)
		goto out;
	rc = AG_EINVAL;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, raw) != 1 ||
	    (aad && EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad,
				      (int)strlen(aad)) != 1) ||
	    EVP_DecryptUpdate(ctx, (unsigned char *)plain, &len, raw + GCM_NONCE,
			      (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG,
				raw + GCM_NONCE + clen) != 1 ||
	    EVP_DecryptFinal_ex(ctx, (unsigned char *)plain + len, &fin) != 1)
		goto out;
	plain[clen] = '\0';
	*out = plain;
	plain = NULL;
	rc = AG_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(raw);
	if (plain) {
		OPENSSL_cleanse(plain, clen);
		free(plain);
	}
	return rc;
}

int crypto_open(const char *key_hex, const char *aad, const char *sealed, char **out)
{
	unsigned char key[32];
	int rc = AG_EINVAL;

	*out = NULL;
	if (sealed && aad && strlen(aad) <= 0x10000 && strncmp(sealed, "v2:", 3) == 0 &&
	    hex_key(key_hex, key) == AG_OK)
		rc = open_with(key, aad, sealed, out);
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

int crypto_open_v1(const char *secret, const char *sealed, char **out)
{
	unsigned char key[32];
	int rc = AG_EINVAL;

	*out = NULL;
	if (sealed && strncmp(sealed, "v1:", 3) == 0 && derive_key_v1(secret, key) == AG_OK)
		rc = open_with(key, NULL, sealed, out);
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}
