/* What a vendor refusal means: the one place that reads a 4xx answer
 * (status, path and body, whatever shape Gorgias gives its errors) and
 * says what the bridge should do about it (SPEC RB2). Pure: no I/O.
 *
 *   REFUSAL_FIELD   a field (or its value) was refused: drop it or use its
 *                   declared fallback when it is optional, and remember
 *                   that per installation (degrade.h)
 *   REFUSAL_GONE    an id the request referenced no longer exists
 *                   (deleted, merged): forget the cache entry it came
 *                   from, resolve again, retry once
 *   REFUSAL_SCOPE   the OAuth token lacks a scope: only a reinstall with
 *                   the right scopes helps
 *   REFUSAL_AUTH    credentials refused
 *   REFUSAL_CONFLICT the thing exists already (409)
 *   REFUSAL_FINAL   nothing to adapt: the event fails with `reason`
 */
#ifndef AG_REFUSAL_H
#define AG_REFUSAL_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

enum refusal_kind {
	REFUSAL_NONE = 0,
	REFUSAL_FIELD,
	REFUSAL_GONE,
	REFUSAL_SCOPE,
	REFUSAL_AUTH,
	REFUSAL_CONFLICT,
	REFUSAL_FINAL
};

struct refusal {
	enum refusal_kind kind;
	char field[96];      /* REFUSAL_FIELD: dotted path, array indices as "*" */
	char what[16];       /* REFUSAL_GONE: "customer", "user", "ticket" or "" */
	int64_t id;          /* REFUSAL_GONE: the id named, 0 when none */
	char reason[240];    /* for a human: what was refused, in the vendor's words */
};

/* Classifies the answer to `method path` (path as sent, e.g.
 * "/api/tickets/12/messages"); body may be NULL or not JSON. A 2xx or a
 * 429/5xx (not refusals: retried later) give REFUSAL_NONE. */
void refusal_classify(long status, const char *method, const char *path, const char *body,
		      size_t len, struct refusal *out);

AG_MUST_USE const char *refusal_name(enum refusal_kind kind);
/* A 404 on a ticket's sub-resource means the ticket is gone only when the
 * body names the ticket or nothing. */
AG_MUST_USE int refusal_names_ticket(const struct refusal *r);

#endif
