/* Owner of web_session, oauth_state and settings_link (session_store.h). */
#include "store/session_store.h"
#include "base/crypto.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int session_key(const struct config *cfg, const char *label, const char *a, const char *b,
		const char *c, char out[65])
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "%s|%s|%s|%s", label, a, b ? b : "", c ? c : "");

	if (n < 0 || (size_t)n >= sizeof msg)
		return AG_EINVAL;
	return crypto_hmac_hex(cfg->key_web, msg, (size_t)n, out);
}

int session_store_create(struct db *db, const char *id_hash, int64_t installation_id, int ttl_s)
{
	struct db_num inst = db_n(installation_id), ttl = db_n(ttl_s);
	const char *p[] = { id_hash, installation_id > 0 ? inst.s : NULL, ttl.s };

	/* Expired sessions leave with each new one: no cron job needed. */
	return db_exec(db, "with gone as (delete from web_session where expires_at < now()) "
			   "insert into web_session (id_hash, installation_id, expires_at) "
			   "values ($1, $2, now() + make_interval(secs => $3::int))", 3, p);
}

int session_store_find(struct db *db, const char *id_hash, int64_t *installation_id)
{
	const char *p[] = { id_hash };

	return db_query_i64(db, "select coalesce(installation_id, 0) from web_session "
				"where id_hash = $1 and expires_at > now()", 1, p, installation_id);
}

int session_store_rebind(struct db *db, const char *old_hash, const char *new_hash,
			 int64_t installation_id, int ttl_s)
{
	struct db_num inst = db_n(installation_id), ttl = db_n(ttl_s);
	const char *p[] = { old_hash, inst.s, new_hash, ttl.s };

	return db_exec(db, "update web_session set id_hash = $3, installation_id = $2, "
			   "expires_at = now() + make_interval(secs => $4::int) where id_hash = $1",
		       4, p);
}

int oauth_state_put(struct db *db, const char *nonce, const char *session_hash, const char *vendor,
		    const char *account, int ttl_s)
{
	struct db_num ttl = db_n(ttl_s);
	const char *p[] = { nonce, session_hash, vendor, account, ttl.s };

	/* States a day past their expiry leave with each new one. */
	return db_exec(db, "with gone as (delete from oauth_state "
			   "  where expires_at < now() - interval '1 day') "
			   "insert into oauth_state (nonce, session_hash, vendor, account, expires_at) "
			   "values ($1, $2, $3, $4, now() + make_interval(secs => $5::int))", 5, p);
}

int oauth_state_take(struct db *db, const char *nonce, const char *vendor, const char *session_hash,
		     char *account, size_t alen)
{
	const char *p[] = { nonce, vendor, session_hash };
	PGresult *r;
	int rc = AG_ENOTFOUND;

	if (account && alen)
		account[0] = '\0';
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
	PGresult *r = NULL;
	int rc = AG_EINVAL;

	if (crypto_random_hex(token, 32) || session_key(cfg, "link", token, NULL, NULL, hash))
		goto out;
	/* Reads installation by design: the link exists only for an
	 * installation that does, decided in the same statement. */
	r = db_query(db, "insert into settings_link (token_hash, installation_id, expires_at) "
			 "select $1, id, now() + make_interval(secs => $3::int) from installation "
			 "where id = $2 returning installation_id", 3, p);
	rc = !r ? AG_EDB : PQntuples(r) != 1 ? AG_ENOTFOUND : AG_OK;
	if (rc == AG_OK &&
	    (size_t)snprintf(url, len, "%s/settings?link=%s", cfg->public_url, token) >= len)
		rc = AG_EINVAL;
out:
	PQclear(r);
	return rc;
}

int settings_link_take(struct db *db, const struct config *cfg, const char *token,
		       int64_t *installation_id)
{
	char hash[65];
	const char *p[] = { hash };

	*installation_id = 0;
	if (!token || strlen(token) != 64 || strspn(token, "0123456789abcdef") != 64 ||
	    session_key(cfg, "link", token, NULL, NULL, hash))
		return AG_ENOTFOUND;
	return db_query_i64(db, "update settings_link set used_at = now() where token_hash = $1 "
				"and used_at is null and expires_at > now() returning installation_id",
			    1, p, installation_id);
}

int session_store_sweep(struct db *db, int batch, struct session_sweep *n)
{
	struct db_num b = db_n(batch);
	const char *p[] = { b.s };
	int rc;

	*n = (struct session_sweep){ 0 };
	rc = db_exec_rows(db, "delete from web_session where id_hash in (select id_hash "
			      "from web_session where expires_at < now() limit $1::int)", 1, p,
			  &n->sessions);
	if (rc == AG_OK)
		rc = db_exec_rows(db, "delete from oauth_state where nonce in (select nonce "
				      "from oauth_state where expires_at < now() limit $1::int)", 1, p,
				  &n->states);
	if (rc == AG_OK)
		rc = db_exec_rows(db, "delete from settings_link where token_hash in (select token_hash "
				      "from settings_link where expires_at < now() limit $1::int)", 1, p,
				  &n->links);
	return rc;
}
