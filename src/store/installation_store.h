/* Installations: loading them (with their vendor secrets opened) and the
 * small lookups every event needs. */
#ifndef AG_STORE_H
#define AG_STORE_H

#include "base/config.h"
#include "store/db.h"

#include <stdint.h>

struct installation {
	int64_t id;
	char account[64];
	int gorgias_oauth;           /* else basic email + API key */
	char *gorgias_email;
	char *gorgias_secret;        /* opened: API key or access token */
	char *gorgias_refresh;       /* opened refresh token, or NULL */
	long long gorgias_expires_at; /* OAuth access token expiry (unix s), 0 unknown */
	int aircall_oauth;
	char *aircall_api_id;
	char *aircall_secret;        /* opened: API token or access token */
	int enabled;
	char disabled_reason[32];
	int numbers_all;
	char locale[4];
	char country[4];
	char time_zone[64];
	char phone_lookup[12];       /* "", "substring", "search" or "filter" (lookup.c) */
	int tags_by_id;
	int note_on_create;          /* -1 unknown, 0 ignored, 1 accepted */
	char *refused;               /* owned: what Gorgias refused, one key a line (degrade.h) */
};

void installation_free(struct installation *in);
/* AG_OK, AG_ENOTFOUND or AG_EDB. */
int store_installation_load(struct db *db, const struct config *cfg, int64_t id,
			    struct installation *in);
/* SU3: is this Aircall number connected? */
int store_number_selected(struct db *db, const struct installation *in, int64_t number_id);
int store_disable(struct db *db, int64_t installation_id, const char *reason);
/* 1 when the installation is (now) disabled, 0 when not, -1 on error. */
int store_is_disabled(struct db *db, int64_t installation_id);
int store_set_capability(struct db *db, int64_t installation_id, const char *column,
			 const char *value);
/* RB2: remembers that this account refuses `key` ("POST /api/customers
 * note"), in memory and in PostgreSQL; and asks whether it does. */
int store_add_refused(struct db *db, struct installation *in, const char *key);
int store_refuses(const struct installation *in, const char *key);

#endif
