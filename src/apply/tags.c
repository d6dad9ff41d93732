#include "apply/tags.h"
#include "base/err.h"
#include "vendor/http.h"
#include "base/log.h"
#include "store/cache_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tags_forget(struct gorgias *g)
{
	return tag_cache_forget(g->db, g->in->id);
}

/* Tags are case-sensitive: only an exact name is the same tag. */
static int search(struct gorgias *g, const char *name, int64_t *id)
{
	char path[600], *esc = http_escape(name);
	json_t *list = NULL, *t;
	size_t i;
	int rc;

	*id = 0;
	if (!esc)
		return AG_ENOMEM;
	snprintf(path, sizeof path, "/api/tags?search=%s&limit=100", esc);
	free(esc);
	rc = gorgias_call(g, "GET", path, NULL, &list);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(list, "data"), i, t) {
		const char *n = json_string_value(json_object_get(t, "name"));
		if (n && strcmp(n, name) == 0) {
			*id = gorgias_id(t);
			break;
		}
	}
	json_decref(list);
	return AG_OK;
}

static int resolve_one(struct gorgias *g, const char *name, int64_t *id)
{
	json_t *body, *made = NULL;
	int rc = tag_cache_get(g->db, g->in->id, name, id);

	if (rc || *id)
		return rc;
	rc = search(g, name, id);
	if (rc)
		return rc;
	if (!*id) {
		body = json_pack("{s:s}", "name", name);
		if (!body)
			return AG_ENOMEM;
		rc = gorgias_call(g, "POST", "/api/tags", body, &made);
		json_decref(body);
		if (rc == AG_ECONFLICT)
			rc = search(g, name, id); /* created meanwhile by someone else */
		else if (!rc)
			*id = gorgias_id(made);
		json_decref(made);
		if (rc)
			return rc;
	}
	return *id ? tag_cache_put(g->db, g->in->id, name, *id) : AG_ETEMP;
}

int tags_resolve(struct gorgias *g, const json_t *names, json_t **ids)
{
	const json_t *n;
	size_t i;
	int rc;

	*ids = json_array();
	if (!*ids)
		return AG_ENOMEM;
	json_array_foreach(names, i, n) {
		int64_t id;
		if (!json_is_string(n))
			continue;
		rc = resolve_one(g, json_string_value(n), &id);
		if (rc) {
			json_decref(*ids);
			*ids = NULL;
			return rc;
		}
		json_array_append_new(*ids, json_integer(id));
	}
	return AG_OK;
}

int tags_body_to_ids(struct gorgias *g, json_t *body)
{
	json_t *tags = json_object_get(body, "tags"), *t;
	size_t i;
	int rc;

	json_array_foreach(tags, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		int64_t id;

		if (!name)
			continue;
		rc = resolve_one(g, name, &id);
		if (rc)
			return rc;
		json_object_del(t, "name");
		json_object_set_new(t, "id", json_integer(id));
	}
	return AG_OK;
}

int tags_refusal(const char *vendor_error)
{
	return vendor_error && (strstr(vendor_error, "tag") || strstr(vendor_error, "Tag"));
}

int tags_cached_ids(struct gorgias *g, json_t *body)
{
	json_t *tags = json_object_get(body, "tags"), *names = json_object_get(body, "names"), *t;
	json_t *ids, *rest;
	size_t i;
	int64_t id;

	json_array_foreach(tags, i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		if (!name)
			continue;
		if (tag_cache_get(g->db, g->in->id, name, &id))
			return AG_EDB;
		if (id) {
			json_object_del(t, "name");
			json_object_set_new(t, "id", json_integer(id));
		}
	}
	if (!json_is_array(names))
		return AG_OK;
	ids = json_array();
	rest = json_array();
	if (!ids || !rest) {
		json_decref(ids);
		json_decref(rest);
		return AG_ENOMEM;
	}
	json_array_foreach(names, i, t) {
		if (!json_is_string(t))
			continue;
		if (tag_cache_get(g->db, g->in->id, json_string_value(t), &id)) {
			json_decref(ids);
			json_decref(rest);
			return AG_EDB;
		}
		json_array_append_new(id ? ids : rest, id ? json_integer(id) : json_incref(t));
	}
	if (json_array_size(ids))
		json_object_set_new(body, "ids", ids);
	else
		json_decref(ids);
	if (json_array_size(rest))
		json_object_set_new(body, "names", rest);
	else {
		json_object_del(body, "names");
		json_decref(rest);
	}
	return AG_OK;
}

int tags_prepare(struct gorgias *g, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		int rc;

		if (!names[i] || !*names[i])
			continue;
		rc = resolve_one(g, names[i], &id);
		if (rc)
			return rc;
	}
	return AG_OK;
}
