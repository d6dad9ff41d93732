#include "web/session.h"
#include "base/crypto.h"
#include "base/err.h"
#include "web/form.h"
#include "base/log.h"
#include "store/session_store.h"

#include <stdio.h>
#include <string.h>

static int fill(const struct config *cfg, struct session *s)
{
	if (session_key(cfg, "session", s->id, NULL, NULL, s->hash) ||
	    session_key(cfg, "csrf", s->id, NULL, NULL, s->csrf))
		return AG_EINVAL;
	return AG_OK;
}

int session_create(struct db *db, const struct config *cfg, int64_t installation_id,
		   struct session *s)
{
	memset(s, 0, sizeof *s);
	if (crypto_random_hex(s->id, 32) || fill(cfg, s))
		return AG_EINVAL;
	s->installation_id = installation_id;
	return session_store_create(db, s->hash, installation_id, SESSION_TTL_S);
}

int session_from_cookie(const struct config *cfg, const char *cookie, struct session *s)
{
	memset(s, 0, sizeof *s);
	if (cookie_get(cookie, session_cookie_name(cfg), s->id, sizeof s->id) ||
	    strlen(s->id) != 64 || !valid_hex(s->id) || fill(cfg, s)) {
		memset(s, 0, sizeof *s);
		return AG_ENOTFOUND;
	}
	return AG_OK;
}

int session_load(struct db *db, const struct config *cfg, const struct request *req,
		 struct session *s)
{
	if (session_from_cookie(cfg, req->cookie, s))
		return AG_ENOTFOUND;
	return session_store_find(db, s->hash, &s->installation_id);
}

int session_bind(struct db *db, const struct config *cfg, struct session *s,
		 int64_t installation_id)
{
	struct session fresh;
	int rc;

	/* A new id as the session gains an installation: an id planted in
	 * the browser beforehand (fixation) is worth nothing afterwards. */
	memset(&fresh, 0, sizeof fresh);
	if (crypto_random_hex(fresh.id, 32) || fill(cfg, &fresh))
		return AG_EINVAL;
	rc = session_store_rebind(db, s->hash, fresh.hash, installation_id, SESSION_TTL_S);
	if (rc != AG_OK)
		return rc;
	fresh.installation_id = installation_id;
	*s = fresh;
	return AG_OK;
}

/* "__Host-" over https: the browser then accepts the cookie only from
 * this very origin, Secure, with Path=/ (no sibling subdomain or plain
 * http page can plant or shadow it). */
static int cookie_host_prefixed(const struct config *cfg)
{
	return strncmp(cfg->public_url, "https://", 8) == 0;
}

const char *session_cookie_name(const struct config *cfg)
{
	return cookie_host_prefixed(cfg) ? "__Host-" SESSION_COOKIE : SESSION_COOKIE;
}

int session_set_cookie(const struct config *cfg, const struct session *s, struct response *resp)
{
	const char *path = "/", *p;
	int secure = cookie_host_prefixed(cfg);
	char value[512];

	/* Over plain http, scope the cookie to the bridge's mount point
	 * (http://host/ag); "__Host-" requires Path=/. */
	if (!secure && (p = strstr(cfg->public_url, "://")) && (p = strchr(p + 3, '/')))
		path = p;
	if ((size_t)snprintf(value, sizeof value, "%s=%s; Path=%s; Max-Age=%d; HttpOnly; SameSite=Lax%s",
			     session_cookie_name(cfg), s->id, path, SESSION_TTL_S,
			     secure ? "; Secure" : "") >= sizeof value)
		return AG_EINVAL;
	return response_header(resp, "Set-Cookie", value);
}

int session_csrf_ok(const struct session *s, const char *token)
{
	return token && strlen(token) == 64 && s->csrf[0] && crypto_ct_equal(token, s->csrf, 64);
}

int session_state_sign(const struct config *cfg, const struct session *s, const char *vendor,
		       const char *nonce, char out[STATE_LEN + 1])
{
	char m[65];

	if (strlen(nonce) != 32 || !valid_hex(nonce) ||
	    session_key(cfg, "state", vendor, nonce, s->id, m))
		return AG_EINVAL;
	snprintf(out, STATE_LEN + 1, "%s.%s", nonce, m);
	return AG_OK;
}

int session_state_check(const struct config *cfg, const struct session *s, const char *vendor,
			const char *state, char nonce[33])
{
	char want[STATE_LEN + 1];

	nonce[0] = '\0';
	if (!state || strlen(state) != STATE_LEN || state[32] != '.')
		return AG_EINVAL;
	memcpy(nonce, state, 32);
	nonce[32] = '\0';
	if (session_state_sign(cfg, s, vendor, nonce, want) ||
	    !crypto_ct_equal(want, state, STATE_LEN)) {
		nonce[0] = '\0';
		return AG_EINVAL;
	}
	return AG_OK;
}

int session_state_new(struct db *db, const struct config *cfg, const struct session *s,
		      const char *vendor, const char *account, char out[STATE_LEN + 1])
{
	char nonce[33], state[STATE_LEN + 1];

	if (crypto_random_hex(nonce, 16) || session_state_sign(cfg, s, vendor, nonce, state))
		return AG_EINVAL;
	if (oauth_state_put(db, nonce, s->hash, vendor, account, STATE_TTL_S) != AG_OK)
		return AG_EDB;
	memcpy(out, state, STATE_LEN + 1);
	return AG_OK;
}

int session_state_take(struct db *db, const struct config *cfg, const struct session *s,
		       const char *vendor, const char *state, char *account, size_t alen)
{
	char nonce[33];

	if (account && alen)
		account[0] = '\0';
	if (session_state_check(cfg, s, vendor, state, nonce))
		return AG_EINVAL;
	return oauth_state_take(db, nonce, vendor, s->hash, account, alen);
}
