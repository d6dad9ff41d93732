#include "apply/degrade.h"
#include "base/err.h"
#include "base/log.h"
#include "core/refusal.h"
#include "store/installation_store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* At most this many fields degrade in one request: each costs a request. */
#define DEGRADE_MAX_RETRIES 4

void degrade_key(const char *method, const char *path, const char *field, char *out, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(out, len, "%s ", method);
	/* The route, not the resource: ids become {id}, the query goes. */
	for (const char *p = path; *p && *p != '?' && n + 5 < len;) {
		if (isdigit((unsigned char)*p) && p > path && p[-1] == '/') {
			n += (size_t)snprintf(out + n, len - n, "{id}");
			while (isdigit((unsigned char)*p))
				p++;
		} else {
			out[n++] = *p++;
			out[n] = '\0';
		}
	}
	if (n < len)
		snprintf(out + n, len - n, " %s", field);
}

int degrade_matches(const char *declared, const char *refused)
{
	size_t d = strlen(declared), r = strlen(refused);

	if (!r)
		return 0;
	if (d == r)
		return strcmp(declared, refused) == 0;
	if (d > r) /* the vendor named the object holding the field */
		return strncmp(declared, refused, r) == 0 && declared[r] == '.';
	return strncmp(declared, refused, d) == 0 && refused[d] == '.';
}

static size_t apply_at(json_t *node, const char *path, const struct optional_field *f)
{
	const char *fallback = f->fallback;
	const char *dot = strchr(path, '.');
	char seg[64];
	size_t len = dot ? (size_t)(dot - path) : strlen(path), changed = 0, i;
	json_t *v;

	if (len == 0 || len >= sizeof seg)
		return 0;
	memcpy(seg, path, len);
	seg[len] = '\0';
	if (strcmp(seg, "*") == 0) {
		json_array_foreach(node, i, v)
			changed += dot ? apply_at(v, dot + 1, f) : 0;
		return changed;
	}
	if (!json_is_object(node) || !(v = json_object_get(node, seg)))
		return 0;
	if (dot)
		return apply_at(v, dot + 1, f);
	if (!fallback)
		return json_object_del(node, seg) == 0;
	if (json_is_string(v) && strcmp(json_string_value(v), fallback) == 0)
		return 0;
	if (f->when && !(json_is_string(v) && strcmp(json_string_value(v), f->when) == 0))
		return 0;
	return json_object_set_new(node, seg, json_string(fallback)) == 0;
}

size_t degrade_apply(json_t *body, const struct optional_field *f)
{
	return apply_at(body, f->path, f);
}

int degrade_call(struct gorgias *g, const char *method, const char *path, json_t *body,
		 const struct optional_field *opt, size_t nopt, json_t **out)
{
	char key[256];
	int rc;

	/* What this account is known to refuse is never sent again. */
	for (size_t i = 0; i < nopt; i++) {
		degrade_key(method, path, opt[i].path, key, sizeof key);
		if (store_refuses(g->in, key))
			degrade_apply(body, &opt[i]);
	}
	for (int attempt = 0;; attempt++) {
		size_t i;

		rc = gorgias_call(g, method, path, body, out);
		if (rc != AG_EREJECT || g->refusal.kind != REFUSAL_FIELD ||
		    attempt >= DEGRADE_MAX_RETRIES)
			return rc;
		for (i = 0; i < nopt; i++)
			if (degrade_matches(opt[i].path, g->refusal.field) &&
			    degrade_apply(body, &opt[i]))
				break;
		if (i == nopt)
			return rc; /* not ours to leave out: the caller decides */
		degrade_key(method, path, opt[i].path, key, sizeof key);
		log_info("gorgias %s: %s refused (%s); sent %s from now on", g->in->account, key,
			 g->refusal.reason, opt[i].fallback ? opt[i].fallback : "without it");
		if ((rc = store_add_refused(g->db, g->in, key)))
			return rc;
		if (out) {
			json_decref(*out);
			*out = NULL;
		}
	}
}
