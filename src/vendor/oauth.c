#include "vendor/oauth.h"
#include "base/counters.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/err.h"
#include "vendor/http.h"
#include "base/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Gorgias answers expires_in: 0; when the JWT has no exp either, refresh
 * after an hour rather than trust a token forever. */
#define FALLBACK_TTL_S 3600

static void wipe(char **s)
{
	if (*s) {
		memset(*s, 0, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void oauth_tokens_free(struct oauth_tokens *t)
{
	wipe(&t->access);
	wipe(&t->refresh);
	t->expires_at = 0;
}

int oauth_redirect_uri(const struct config *cfg, const char *vendor, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/oauth/%s/callback", cfg->public_url, vendor);

	/* A cut URI would send the vendor's answer somewhere else. */
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return AG_ETOOBIG;
	}
	return AG_OK;
}

int oauth_jwt_exp(const char *jwt, long long *exp)
{
	const char *a = jwt ? strchr(jwt, '.') : NULL, *b = a ? strchr(a + 1, '.') : NULL;
	char part[4096];
	unsigned char *raw;
	size_t n, rawlen = 0;
	json_t *j, *e;
	int rc;

	*exp = 0;
	if (!b || (n = (size_t)(b - a - 1)) == 0 || n >= sizeof part)
		return AG_EINVAL;
	memcpy(part, a + 1, n);
	part[n] = '\0';
	rc = crypto_b64url_decode(part, &raw, &rawlen);
	if (rc)
		return rc;
	j = json_loadb((const char *)raw, rawlen, 0, NULL);
	e = json_object_get(j, "exp");
	rc = json_is_integer(e) ? AG_OK : AG_EINVAL;
	if (!rc)
		*exp = (long long)json_integer_value(e);
	json_decref(j);
	free(raw);
	return rc;
}

/* Reads a token answer; the error field of a refusal goes into err. */
static int read_answer(const struct http_resp *resp, struct oauth_tokens *t, char *err,
		       size_t errlen)
{
	json_t *j = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *at = json_string_value(json_object_get(j, "access_token"));
	const char *rt = json_string_value(json_object_get(j, "refresh_token"));
	json_t *ei = json_object_get(j, "expires_in");
	int rc = http_status_error(resp->status);

	if (rc) {
		snprintf(err, errlen, "HTTP %ld%s%.60s", resp->status, e ? ": " : "", e ? e : "");
		/* invalid_grant: the grant is gone for good (revoked, uninstalled). */
		if (e && strcmp(e, "invalid_grant") == 0)
			rc = AG_EAUTH;
		else if (rc == AG_EAUTH)
			rc = AG_EREJECT;   /* our client credentials: a configuration error */
		goto out;
	}
	if (!at || strlen(at) > 8192 || (rt && strlen(rt) > 4096)) {
		snprintf(err, errlen, "token answer without a usable access_token");
		rc = AG_EREJECT;
		goto out;
	}
	t->access = strdup(at);
	t->refresh = rt ? strdup(rt) : NULL;
	if (!t->access || (rt && !t->refresh)) {
		rc = AG_ENOMEM;
		goto out;
	}
	/* An opaque token (not a JWT) says nothing of its lifetime: expires_in,
	 * else the fallback, tells it. */
	if (oauth_jwt_exp(at, &t->expires_at))
		t->expires_at = 0;
	if (t->expires_at <= 0 && json_is_integer(ei) && json_integer_value(ei) > 0)
		t->expires_at = (long long)time(NULL) + (long long)json_integer_value(ei);
	if (t->expires_at <= 0)
		t->expires_at = (long long)time(NULL) + FALLBACK_TTL_S;
out:
	json_decref(j);
	if (rc)
		oauth_tokens_free(t);
	return rc;
}

int oauth_gorgias_token(const struct config *cfg, const char *account, const char *grant,
			const char *value, struct oauth_tokens *t, char *err, size_t errlen)
{
	struct http_req req;
	struct http_resp resp;
	struct buf body;
	char url[1024], redirect[1024], *base = NULL;
	char *ev = value ? http_escape(value) : NULL, *er = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	buf_init(&body, 0);
	err[0] = '\0';
	if (config_gorgias_base(cfg, account, &base) || !ev || !cfg->gorgias_client_id || !cfg->gorgias_client_secret) {
		snprintf(err, errlen, "Gorgias OAuth is not configured");
		rc = AG_EINVAL;
		goto out;
	}
	snprintf(url, sizeof url, "%s/oauth/token", base);
	if (strcmp(grant, "authorization_code") == 0) {
		rc = oauth_redirect_uri(cfg, "gorgias", redirect, sizeof redirect);
		er = rc ? NULL : http_escape(redirect);
		rc = rc ? rc : !er ? AG_ENOMEM : buf_printf(&body, "grant_type=authorization_code&code=%s&redirect_uri=%s", ev,
				er ? er : "");
	} else {
		rc = buf_printf(&body, "grant_type=refresh_token&refresh_token=%s", ev);
	}
	if (rc)
		goto out;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.timeout_ms = cfg->http_timeout_ms;
	req.basic_user = cfg->gorgias_client_id;
	req.basic_pass = cfg->gorgias_client_secret;
	req.content_type = "application/x-www-form-urlencoded";
	req.body = body.p;
	req.body_len = body.len;
	rc = http_do(&req, &resp);
	counter_vendor_request("gorgias", "POST", "/oauth/token", resp.status);
	if (rc)
		snprintf(err, errlen, "%s", resp.error);
	else
		rc = read_answer(&resp, t, err, errlen);
	http_resp_free(&resp);
out:
	if (body.p)
		memset(body.p, 0, body.len);
	buf_free(&body);
	wipe(&ev);
	free(er);
	free(base);
	return rc;
}

int oauth_aircall_token(const struct config *cfg, const char *code, struct oauth_tokens *t,
			char *err, size_t errlen)
{
	struct http_req req;
	struct http_resp resp;
	char url[1024], redirect[1024], *text = NULL;
	json_t *body;
	int rc;

	memset(t, 0, sizeof *t);
	err[0] = '\0';
	if (!cfg->aircall_client_id || !cfg->aircall_client_secret) {
		snprintf(err, errlen, "Aircall OAuth is not configured");
		return AG_EINVAL;
	}
	if (oauth_redirect_uri(cfg, "aircall", redirect, sizeof redirect)) {
		snprintf(err, errlen, "AG_PUBLIC_URL is too long for a redirect URI");
		return AG_EINVAL;
	}
	snprintf(url, sizeof url, "%s/v1/oauth/token", cfg->aircall_api_url);
	body = json_pack("{s:s, s:s, s:s, s:s, s:s}", "grant_type", "authorization_code",
			 "code", code, "redirect_uri", redirect, "client_id", cfg->aircall_client_id,
			 "client_secret", cfg->aircall_client_secret);
	text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text)
		return AG_ENOMEM;
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = url;
	req.timeout_ms = cfg->http_timeout_ms;
	req.content_type = "application/json";
	req.body = text;
	req.body_len = strlen(text);
	rc = http_do(&req, &resp);
	counter_vendor_request("aircall", "POST", "/v1/oauth/token", resp.status);
	if (rc)
		snprintf(err, errlen, "%s", resp.error);
	else
		rc = read_answer(&resp, t, err, errlen);
	http_resp_free(&resp);
	wipe(&text);
	return rc;
}
