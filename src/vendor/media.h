/* Moving a file from Aircall's short-lived, pre-signed URL into a private
 * Gorgias attachment (CN4, TS5, MC7): streamed through a temporary file,
 * never held in memory, bounded while it streams. */
#ifndef AG_MEDIA_H
#define AG_MEDIA_H

#include "base/err.h"
#include "vendor/aircall.h"
#include "vendor/gorgias.h"

#include <jansson.h>

enum media_result {
	MEDIA_UPLOADED,     /* *attachment is set */
	MEDIA_TOO_LARGE,    /* over the limit (ours or Gorgias's 413): link it instead */
	MEDIA_UNAVAILABLE,  /* the link expired or was refused: link the stable page */
	MEDIA_REFUSED,      /* the address is not one the bridge fetches from (netpolicy.h) */
	MEDIA_FAILED        /* the host failed on the event's last attempt: link it, the
			       reason in a->last_error */
};

/* AG_OK with *result set, or an error worth retrying (network, 5xx, 429,
 * too slow, budget) unless a->final_attempt. *attachment ({url, name, content_type, size}) is the caller's.
 * The URL must be https and every address connected public, unless
 * AG_MEDIA_ALLOW_PRIVATE=1 (test rigs only); no credentials are sent and
 * no redirect is followed. */
AG_MUST_USE int media_transfer(struct aircall *a, struct gorgias *g, const char *url, long long limit,
			       const char *name, const char *content_type, json_t **attachment,
			       enum media_result *result);

#endif
