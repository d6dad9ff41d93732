/* TC3: tags by id when the account refuses unknown tag names. Names are
 * resolved through a PostgreSQL cache, then Gorgias (search, else create). */
#ifndef AG_TAGS_H
#define AG_TAGS_H

#include "gorgias.h"

#include <jansson.h>

/* names: array of strings; *ids receives an array of ids (caller decrefs). */
int tags_resolve(struct gorgias *g, const json_t *names, json_t **ids);
/* Rewrites [{"name": n}...] of a ticket body into [{"id": i}...] in place. */
int tags_body_to_ids(struct gorgias *g, json_t *ticket_body);
/* Is this refusal about tags (so that retrying with ids can help)? */
int tags_refusal(const char *vendor_error);

#endif
