/* Owner of the tables web_session, oauth_state and settings_link: the
 * browser sessions of the install flow and the settings page, single-use
 * OAuth states and one-time settings links. Only keyed hashes of the
 * secrets are stored (session_key), so a copy of these tables opens
 * nothing. */
#ifndef AG_SESSION_STORE_H
#define AG_SESSION_STORE_H

#include "base/config.h"
#include "base/err.h"
#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

#define LINK_TTL_S 900

/* The keyed hash (AG_SECRET_KEY's web subkey) of a|b|c under a purpose
 * label ("session", "csrf", "state", "link"), so that a value made for one
 * use is never valid for another; out gets 64 hex chars + NUL. */
AG_MUST_USE int session_key(const struct config *cfg, const char *label, const char *a,
			    const char *b, const char *c, char out[65]);

/* A new session row (installation_id 0: none yet), valid ttl_s; expired
 * ones leave with it. */
AG_MUST_USE int session_store_create(struct db *db, const char *id_hash, int64_t installation_id,
				     int ttl_s);
/* The live session with this hash: AG_OK with *installation_id (0: none
 * yet), AG_ENOTFOUND or AG_EDB. */
AG_MUST_USE int session_store_find(struct db *db, const char *id_hash, int64_t *installation_id);
/* The session old_hash continues as new_hash, bound to installation_id. */
AG_MUST_USE int session_store_rebind(struct db *db, const char *old_hash, const char *new_hash,
				     int64_t installation_id, int ttl_s);

/* Records an OAuth state nonce for a session (account may be NULL). */
AG_MUST_USE int oauth_state_put(struct db *db, const char *nonce, const char *session_hash,
				const char *vendor, const char *account, int ttl_s);
/* Marks the state used in one statement (two racing callbacks cannot both
 * pass): AG_OK with its account copied (account may be NULL), AG_ENOTFOUND
 * when used, expired or unknown. */
AG_MUST_USE int oauth_state_take(struct db *db, const char *nonce, const char *vendor,
				 const char *session_hash, char *account, size_t alen);

/* A one-time settings link for an installation (the settings-link and
 * install commands); url gets <public_url>/settings?link=<token>.
 * AG_ENOTFOUND when there is no such installation. */
AG_MUST_USE int settings_link_new(struct db *db, const struct config *cfg, int64_t installation_id,
				  char *url, size_t len);
/* Consumes a link token: AG_OK with *installation_id, else AG_ENOTFOUND. */
AG_MUST_USE int settings_link_take(struct db *db, const struct config *cfg, const char *token,
				   int64_t *installation_id);

struct session_sweep {
	long long sessions;   /* expired web sessions deleted */
	long long states;     /* expired OAuth states deleted */
	long long links;      /* expired settings links deleted */
};
/* Deletes expired rows of the three tables, at most batch of each per
 * call (the retention sweep). */
AG_MUST_USE int session_store_sweep(struct db *db, int batch, struct session_sweep *n);

#endif
