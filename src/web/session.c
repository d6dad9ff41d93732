#include "web/session.h"
#include "base/crypto.h"
#include "base/err.h"
#include "web/form.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>

/* Every keyed hash carries a purpose label, so that a value made for one
 * use (a session's CSRF token) is never valid for another (a state). */
static int mac(const struct config *cfg, const char *label, const char *a, const char *b,
	       const char *c, char out[65])
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "%s|%s|%s|%s", label, a, b ? b : "", c ? c : "");

	if (n < 0 || (size_t)n >= sizeof msg)
		return AG_EINVAL;
	return crypto_hmac_hex(cfg->key_web, msg, (size_t)n, out);
}

static int fill(const struct config *cfg, struct session *s)
{
	if (mac(cfg, "session", s->id, NULL, NULL, s->hash) ||
	    mac(cfg, "csrf", s->id, NULL, NULL, s->csrf))
		return AG_EINVAL;
	return AG_OK;
}

int session_create(struct db *db, const struct config *cfg, int64_t installation_id,
		   struct session *s)
{
	struct db_num inst = db_n(installation_id), ttl = db_n(SESSION_TTL_S);
	const char *p[3];

	memset(s, 0, sizeof *s);
	if (crypto_random_hex(s->id, 32) || fill(cfg, s))
		return AG_EINVAL;
	s->installation_id = installation_id;
	p[0] = s->hash;
	p[1] = installation_id > 0 ? inst.s : NULL;
	p[2] = ttl.s;
	/* Expired sessions leave with each new one: no cron job needed. */
	db_exec(db, "delete from web_session where expires_at < now()", 0, NULL);
	return db_exec(db, "insert into web_session (id_hash, installation_id, expires_at) "
			   "values ($1, $2, now() + make_interval(secs => $3::int))", 3, p);
}

int session_load(struct db *db, const struct config *cfg, const struct request *req,
		 struct session *s)
{
	const char *p[1];
	PGresult *r;
	int rc = AG_ENOTFOUND;

	memset(s, 0, sizeof *s);
	if (cookie_get(req->cookie, session_cookie_name(cfg), s->id, sizeof s->id) ||
	    strlen(s->id) != 64 || !valid_hex(s->id) || fill(cfg, s))
		return AG_ENOTFOUND;
	p[0] = s->hash;
	r = db_query(db, "select coalesce(installation_id, 0) from web_session "
			 "where id_hash = $1 and expires_at > now()", 1, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		s->installation_id = db_i64(r, 0, 0);
		rc = AG_OK;
	}
	PQclear(r);
	return rc;
}

int session_bind(struct db *db, const struct config *cfg, struct session *s,
		 int64_t installation_id)
{
	struct session fresh;
	struct db_num inst = db_n(installation_id), ttl = db_n(SESSION_TTL_S);
	const char *p[4];
	int rc;

	/* A new id as the session gains an installation: an id planted in
	 * the browser beforehand (fixation) is worth nothing afterwards. */
	memset(&fresh, 0, sizeof fresh);
	if (crypto_random_hex(fresh.id, 32) || fill(cfg, &fresh))
		return AG_EINVAL;
	p[0] = s->hash;
	p[1] = inst.s;
	p[2] = fresh.hash;
	p[3] = ttl.s;
	rc = db_exec(db, "update web_session set id_hash = $3, installation_id = $2, "
			 "expires_at = now() + make_interval(secs => $4::int) where id_hash = $1",
		     4, p);
	if (rc)
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

int session_state_new(struct db *db, const struct config *cfg, const struct session *s,
		      const char *vendor, const char *account, char out[STATE_LEN + 1])
{
	char nonce[33], m[65];
	struct db_num ttl = db_n(STATE_TTL_S);
	const char *p[5];

	if (crypto_random_hex(nonce, 16) || mac(cfg, "state", vendor, nonce, s->id, m))
		return AG_EINVAL;
	p[0] = nonce;
	p[1] = s->hash;
	p[2] = vendor;
	p[3] = account;
	p[4] = ttl.s;
	db_exec(db, "delete from oauth_state where expires_at < now() - interval '1 day'", 0, NULL);
	if (db_exec(db, "insert into oauth_state (nonce, session_hash, vendor, account, expires_at) "
			"values ($1, $2, $3, $4, now() + make_interval(secs => $5::int))", 5, p))
		return AG_EDB;
	snprintf(out, STATE_LEN + 1, "%s.%s", nonce, m);
	return AG_OK;
}

int session_state_take(struct db *db, const struct config *cfg, const struct session *s,
		       const char *vendor, const char *state, char *account, size_t alen)
{
	char nonce[33], m[65];
	const char *p[3];
	PGresult *r;
	int rc = AG_ENOTFOUND;

	if (account && alen)
		account[0] = '\0';
	if (!state || strlen(state) != STATE_LEN || state[32] != '.')
		return AG_EINVAL;
	memcpy(nonce, state, 32);
	nonce[32] = '\0';
	if (!valid_hex(nonce) || mac(cfg, "state", vendor, nonce, s->id, m) ||
	    !crypto_ct_equal(m, state + 33, 64))
		return AG_EINVAL;
	p[0] = nonce;
	p[1] = vendor;
	p[2] = s->hash;
	/* One statement marks it used: two callbacks racing with the same
	 * state cannot both pass. */
	r = db_query(db, "update oauth_state set used_at = now() where nonce = $1 and vendor = $2 "
			 "and session_hash = $3 and used_at is null and expires_at > now() "
			 "returning coalesce(account, '')", 3, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		if (account && alen)
			snprintf(account, alen, "%s", db_str(r, 0, 0));
		rc = AG_OK;
	}
	PQclear(r);
	return rc;
}

int settings_link_new(struct db *db, const struct config *cfg, int64_t installation_id,
		      char *url, size_t len)
{
	char token[65], hash[65];
	struct db_num inst = db_n(installation_id), ttl = db_n(LINK_TTL_S);
	const char *p[3] = { hash, inst.s, ttl.s };
	PGresult *r;
	int found;

	if (crypto_random_hex(token, 32) || mac(cfg, "link", token, NULL, NULL, hash))
		return AG_EINVAL;
	r = db_query(db, "insert into settings_link (token_hash, installation_id, expires_at) "
			 "select $1, id, now() + make_interval(secs => $3::int) from installation "
			 "where id = $2 returning installation_id", 3, p);
	if (!r)
		return AG_EDB;
	found = PQntuples(r) == 1;
	PQclear(r);
	if (!found)
		return AG_ENOTFOUND;
	if ((size_t)snprintf(url, len, "%s/settings?link=%s", cfg->public_url, token) >= len)
		return AG_EINVAL;
	return AG_OK;
}

int settings_link_take(struct db *db, const struct config *cfg, const char *token,
		       int64_t *installation_id)
{
	char hash[65];
	const char *p[] = { hash };
	PGresult *r;
	int rc = AG_ENOTFOUND;

	*installation_id = 0;
	if (!token || strlen(token) != 64 || !valid_hex(token) ||
	    mac(cfg, "link", token, NULL, NULL, hash))
		return AG_ENOTFOUND;
	r = db_query(db, "update settings_link set used_at = now() where token_hash = $1 "
			 "and used_at is null and expires_at > now() returning installation_id", 1, p);
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*installation_id = db_i64(r, 0, 0);
		rc = AG_OK;
	}
	PQclear(r);
	return rc;
}
