/* The Gorgias REST client (reference: ../shared/reference/gorgias-api.md).
 * Every request first takes a unit of the account's shared budget, and its
 * answer feeds the budget back (RL1-RL3). */
#ifndef AG_GORGIAS_H
#define AG_GORGIAS_H

#include "base/err.h"
#include "base/config.h"
#include "store/db.h"
#include "core/refusal.h"
#include "store/installation_store.h"

#include <jansson.h>
#include <stdint.h>

struct gorgias {
	const struct config *cfg;
	struct db *db;
	struct installation *in;   /* learns capabilities as it goes */
	char *base;              /* owned: https://acme.gorgias.com */
	char scope[96];          /* rate_limit scope */
	long last_status;        /* HTTP status of the last request */
	long wait_s;             /* how long to wait after AG_ERATE / AG_EBUDGET */
	long limited_for_s;      /* how long 429s have lasted without a break */
	char last_error[256];    /* the vendor's message for the last failure */
	struct refusal refusal;  /* what the last 4xx means (refusal.h) */
	int requests;            /* requests sent through this client */
};

AG_MUST_USE int gorgias_open(struct gorgias *g, const struct config *cfg, struct db *db,
			     struct installation *in);
void gorgias_close(struct gorgias *g);

/* One request. path starts with "/api/"; body may be NULL; *out (may be
 * NULL) receives the parsed JSON answer, owned by the caller.
 * 2xx → AG_OK; 401/403 → AG_EAUTH; 404 → AG_ENOTFOUND; 409 → AG_ECONFLICT;
 * 429 → AG_ERATE; 5xx → AG_ETEMP; other 4xx → AG_EREJECT; no answer → AG_ENET. */
AG_MUST_USE int gorgias_call(struct gorgias *g, const char *method, const char *path,
			     const json_t *body, json_t **out);
/* Uploads size bytes of the open file fd (from its start) as a private
 * attachment (multipart, streamed from disk) within AG_UPLOAD_TIMEOUT_S;
 * *attachment receives {url, name, content_type, size}. */
AG_MUST_USE int gorgias_upload(struct gorgias *g, int fd, long long size, const char *name,
			       const char *content_type, json_t **attachment);

/* Renews the OAuth access token now (gorgias_auth.c). AG_EAUTH when the
 * grant was refused: the installation is then disabled with reason
 * authorization_removed (AD1). */
AG_MUST_USE int gorgias_refresh(struct gorgias *g);

/* The id of the first element of a list answer ({"data": [...]}) or of an
 * array, 0 when empty. */
AG_MUST_USE int64_t gorgias_first_id(const json_t *list);
AG_MUST_USE int64_t gorgias_id(const json_t *obj);

#endif
