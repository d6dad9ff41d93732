/* TC3: tags by id when the account refuses unknown tag names. Names are
 * resolved through a PostgreSQL cache, then Gorgias (search, else create). */
#ifndef AG_TAGS_H
#define AG_TAGS_H

#include "vendor/gorgias.h"

#include <jansson.h>

/* names: array of strings; *ids receives an array of ids (caller decrefs). */
int tags_resolve(struct gorgias *g, const json_t *names, json_t **ids);
/* Rewrites [{"name": n}...] of a ticket body into [{"id": i}...] in place. */
int tags_body_to_ids(struct gorgias *g, json_t *ticket_body);
/* Rewrites the tags of a ticket body, or the "names" of a tags body, to
 * ids where the cache knows them: no API request, and an account that
 * refuses unknown names then never sees one it already has. */
int tags_cached_ids(struct gorgias *g, json_t *body);
/* Makes sure these tags exist and are cached (G7: an app adds its tags on
 * install). */
int tags_prepare(struct gorgias *g, const char *const *names, size_t n);
/* Is this refusal about tags (so that retrying with ids can help)? */
int tags_refusal(const char *vendor_error);

/* Forgets every tag id cached for the installation (a cached tag was
 * deleted in Gorgias): the next request resolves the names again. */
int tags_forget(struct gorgias *g);

#endif
