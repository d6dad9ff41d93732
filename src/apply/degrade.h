/* Degrade, never drop (SPEC RB2): a Gorgias request whose builder declared
 * some fields optional. When Gorgias refuses one of them (refusal.h:
 * REFUSAL_FIELD), the field is dropped, or replaced by its declared
 * fallback, the request is sent again, and the installation remembers it
 * (installation.gorgias_refused, shown on the settings page) so that
 * later requests are built without it and cost nothing extra. A refusal of
 * anything not declared optional is returned to the caller as it is. */
#ifndef AG_DEGRADE_H
#define AG_DEGRADE_H

#include "vendor/gorgias.h"
#include "core/optional.h"

#include <jansson.h>
#include <stddef.h>

/* Like gorgias_call, with body modified in place: on return it is what
 * Gorgias accepted (or last refused), so the caller can tell what was
 * left out. */
int degrade_call(struct gorgias *g, const char *method, const char *path, json_t *body,
		 const struct optional_field *opt, size_t nopt, json_t **out);

/* The remembered key for a field of a request: "POST /api/tickets/{id}/messages
 * source.type". */
void degrade_key(const char *method, const char *path, const char *field, char *out, size_t len);

/* Applies one optional field's degradation to body; how many values
 * changed. Pure (exported for the unit tests). */
size_t degrade_apply(json_t *body, const struct optional_field *f);

/* Does the refused field path (array indices as "*") concern the declared
 * one: equal, or one inside the other? Pure. */
int degrade_matches(const char *declared, const char *refused);

#endif
