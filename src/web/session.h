/* Browser sessions of the install flow and the settings page, their CSRF
 * tokens, OAuth state values and one-time settings links.
 *
 * A session id is 32 random bytes (hex) sent only in an HttpOnly cookie;
 * the database keeps HMAC(AG_SECRET_KEY, id), so a copy of the table opens
 * nothing. The CSRF token and OAuth state are HMACs bound to the session
 * id: a value taken from another browser, or altered, never verifies.
 * What is stored lives in store/session_store.c; one-time settings links
 * too (the command line makes them). */
#ifndef AG_SESSION_H
#define AG_SESSION_H

#include "base/config.h"
#include "store/db.h"
#include "web/request.h"

#include <stdint.h>

#define SESSION_COOKIE "ag_session"
#define SESSION_TTL_S (8 * 3600)
#define STATE_TTL_S 900
#define STATE_LEN 97            /* 32 hex nonce + '.' + 64 hex MAC */

struct session {
	char id[65];
	char hash[65];
	int64_t installation_id;    /* 0 while the install flow has no account yet */
	char csrf[65];
};

/* A new session (never one the browser proposes: no fixation). */
int session_create(struct db *db, const struct config *cfg, int64_t installation_id,
		   struct session *s);
/* The session a Cookie header names (pure: no database): AG_OK with id,
 * hash and csrf filled, or AG_ENOTFOUND (no cookie, or not 64 hex). Whether
 * it is still live is the database's answer (session_load). */
int session_from_cookie(const struct config *cfg, const char *cookie, struct session *s);
/* The live session named by the request's cookie: AG_OK or AG_ENOTFOUND. */
int session_load(struct db *db, const struct config *cfg, const struct request *req,
		 struct session *s);
/* Binds the session to an installation under a new id (s gets it): the
 * caller sends the cookie again (session_set_cookie). */
int session_bind(struct db *db, const struct config *cfg, struct session *s,
		 int64_t installation_id);
/* "__Host-ag_session" when AG_PUBLIC_URL is https, else "ag_session". */
const char *session_cookie_name(const struct config *cfg);
/* Set-Cookie: HttpOnly; SameSite=Lax; over https Secure, Path=/ and the
 * "__Host-" name. */
int session_set_cookie(const struct config *cfg, const struct session *s, struct response *resp);
/* Constant-time check of a submitted CSRF token. */
int session_csrf_ok(const struct session *s, const char *token);

/* A single-use OAuth state for vendor ("gorgias"/"aircall"), bound to the
 * session; out gets STATE_LEN chars + NUL. */
int session_state_new(struct db *db, const struct config *cfg, const struct session *s,
		      const char *vendor, const char *account, char out[STATE_LEN + 1]);
/* The state for a nonce (32 hex): "<nonce>.<MAC of vendor, nonce, session id>". */
int session_state_sign(const struct config *cfg, const struct session *s, const char *vendor,
		       const char *nonce, char out[STATE_LEN + 1]);
/* Checks a state's form and MAC (pure): AG_OK with its nonce, else
 * AG_EINVAL. Whether it is unused and unexpired is session_state_take's. */
int session_state_check(const struct config *cfg, const struct session *s, const char *vendor,
			const char *state, char nonce[33]);
/* Verifies and consumes a state: AG_EINVAL when forged or altered,
 * AG_ENOTFOUND when already used or expired. account (may be NULL) gets
 * the account recorded with it. */
int session_state_take(struct db *db, const struct config *cfg, const struct session *s,
		       const char *vendor, const char *state, char *account, size_t alen);

#endif
