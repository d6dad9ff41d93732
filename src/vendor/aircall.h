/* The Aircall REST client (reference: ../shared/reference/aircall-api.md):
 * webhooks, numbers, Insight Cards, and downloads of short-lived media. */
#ifndef AG_AIRCALL_H
#define AG_AIRCALL_H

#include "base/err.h"
#include "base/config.h"
#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

struct aircall {
	const struct config *cfg;
	struct db *db;
	char scope[64];          /* rate_limit scope of the company */
	const char *api_id;      /* Basic auth user, or NULL with bearer */
	const char *secret;      /* API token or OAuth access token */
	long last_status;
	long wait_s;
	int auth_refused;        /* the API refused the credentials (401/403) on
				  * the last request (vendor_settle.h) */
	char last_error[256];
	char reason[200];        /* Aircall's own words for the last refusal
				  * ("troubleshoot", else "error"), for people */
	/* The event's last attempt: a media host that keeps failing ends in
	 * a link with the reason (media.h), not in a failed event. */
	int final_attempt;
};

void aircall_open(struct aircall *a, const struct config *cfg, struct db *db,
		  int64_t installation_id, const char *api_id, const char *secret);
/* Same status mapping as gorgias_call. path starts with "/v1/". */
AG_MUST_USE int aircall_call(struct aircall *a, const char *method, const char *path,
			     const json_t *body, json_t **out);
/* GET /v1/calls/:id: *call receives the call object (caller decrefs).
 * With timeline, Aircall adds ivr_options_selected (fetch_call_timeline);
 * the request counts against the company's Aircall budget like any other. */
AG_MUST_USE int aircall_get_call(struct aircall *a, int64_t call_id, int timeline, json_t **call);
/* Downloads a pre-signed media URL (no credentials sent: it is not
 * Aircall's API host) into the open file fd, at most limit bytes:
 * AG_ETOOBIG beyond; AG_EPOLICY when the address is refused (netpolicy.h).
 * Bounded in time (AG_MEDIA_TIMEOUT_S) and speed (AG_LOW_SPEED_*). The
 * host is not Aircall's API: its 429 is a failed attempt (AG_ETEMP), not
 * the API budget.
 * *content_type (caller's buffer) gets the served type. */
AG_MUST_USE int aircall_download(struct aircall *a, const char *url, int fd, long long limit,
				 char *content_type, size_t ctlen, long long *size);
/* Calls fn for every number of the company (paginated GET /v1/numbers). */
AG_MUST_USE int aircall_each_number(struct aircall *a, int (*fn)(void *arg, const json_t *number), void *arg);

#endif
