#include "core/refusal.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *refusal_name(enum refusal_kind kind)
{
	static const char *names[] = { "none", "field", "gone", "scope", "auth", "conflict", "final" };

	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static int has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return 1;
	return 0;
}

/* Messages the vendors use for an id that points at nothing (any case). */
static int says_gone(const char *m)
{
	return has_word(m, "does not exist") || has_word(m, "not found") ||
	       has_word(m, "no longer exist") || has_word(m, "was deleted") ||
	       has_word(m, "was merged") || has_word(m, "unknown customer") ||
	       has_word(m, "unknown user") || has_word(m, "unknown ticket");
}

/* Messages that refuse a field or its value. */
static int says_field(const char *m)
{
	return has_word(m, "unknown field") || has_word(m, "not a valid") ||
	       has_word(m, "must be one of") || has_word(m, "not allowed") ||
	       has_word(m, "unexpected field") || has_word(m, "invalid value") ||
	       has_word(m, "not supported");
}

static void kind_of(const char *msg, const char *last_segment, char *what, size_t len)
{
	/* "tag" last: "Tag not found." on a tag id the bridge cached. */
	static const char *kinds[] = { "customer", "user", "ticket", "tag" };

	what[0] = '\0';
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (has_word(msg, kinds[i])) {
			snprintf(what, len, "%s", kinds[i]);
			return;
		}
	if (last_segment && strcmp(last_segment, "customer") == 0)
		snprintf(what, len, "customer");
	else if (last_segment && strcmp(last_segment, "assignee_user") == 0)
		snprintf(what, len, "user");
}

static int64_t first_number(const char *s)
{
	for (; *s; s++)
		if (isdigit((unsigned char)*s)) {
			char *end;
			long long v = strtoll(s, &end, 10);
			return v > 0 ? (int64_t)v : 0;
		}
	return 0;
}

struct walk {
	struct refusal *out;
	int found_field;
	int found_gone;
};

static void leaf(struct walk *w, const char *path, const char *last, const char *msg)
{
	struct refusal *r = w->out;

	if (!w->found_gone && says_gone(msg)) {
		w->found_gone = 1;
		kind_of(msg, last, r->what, sizeof r->what);
		r->id = first_number(msg);
		snprintf(r->field, sizeof r->field, "%s", path);
		snprintf(r->reason, sizeof r->reason, "%.80s: %.150s", path[0] ? path : "request", msg);
	} else if (!w->found_gone && !w->found_field && says_field(msg)) {
		w->found_field = 1;
		snprintf(r->field, sizeof r->field, "%s", path);
		snprintf(r->reason, sizeof r->reason, "field %.80s refused: %.150s", path, msg);
	}
}

/* Depth-first over a field-error map: {"messages": {"0": {"sender":
 * ["..."]}}}; array indices (numeric keys) become "*". */
static void walk(struct walk *w, const json_t *node, char *path, size_t plen, size_t cap,
		 const char *last, int depth)
{
	const char *key;
	json_t *v;
	size_t i;

	if (depth > 8)
		return;
	if (json_is_string(node)) {
		leaf(w, path, last, json_string_value(node));
		return;
	}
	if (json_is_array(node)) {
		json_array_foreach(node, i, v) {
			if (json_is_string(v))
				leaf(w, path, last, json_string_value(v));
			else
				walk(w, v, path, plen, cap, last, depth + 1);
		}
		return;
	}
	if (!json_is_object(node))
		return;
	json_object_foreach((json_t *)node, key, v) {
		int numeric = key[0] != '\0';
		int n;

		for (const char *k = key; *k; k++)
			if (!isdigit((unsigned char)*k))
				numeric = 0;
		n = snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", numeric ? "*" : key);
		if (n < 0 || (size_t)n >= cap - plen)
			continue;
		walk(w, v, path, plen + (size_t)n, cap, numeric ? last : key, depth + 1);
		path[plen] = '\0';
	}
}

/* "/api/customers/12" → customer 12; "/api/tickets/5/messages" → ticket 5. */
static void gone_from_path(const char *path, struct refusal *r)
{
	static const struct { const char *prefix, *what; } map[] = {
		{ "/api/customers/", "customer" },
		{ "/api/users/", "user" },
		{ "/api/tickets/", "ticket" },
	};

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(map[i].prefix);
		if (path && strncmp(path, map[i].prefix, n) == 0 && isdigit((unsigned char)path[n])) {
			snprintf(r->what, sizeof r->what, "%s", map[i].what);
			r->id = first_number(path + n);
			return;
		}
	}
}

int refusal_names_ticket(const struct refusal *r)
{
	return r->kind == REFUSAL_GONE && (!r->what[0] || strcmp(r->what, "ticket") == 0);
}

void refusal_classify(long status, const char *method, const char *path, const char *body,
		      size_t len, struct refusal *r)
{
	json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error"), *map = NULL;
	const char *msg = NULL;
	char where[96] = "";
	struct walk w = { r, 0, 0 };

	memset(r, 0, sizeof *r);
	if ((status >= 200 && status < 300) || status == 429 || status >= 500 || status == 0)
		goto out;
	/* Gorgias: {"error": {"msg", "data": {field: [...]}}}, {"error": "..."},
	 * or the field map alone ({"note": ["Unknown field."]}); Aircall:
	 * {"error": "...", "troubleshoot": "..."}. */
	if (json_is_string(e)) {
		msg = json_string_value(e);
		map = json_object_get(j, "troubleshoot");
	} else if (json_is_object(e)) {
		msg = json_string_value(json_object_get(e, "msg"));
		map = json_object_get(e, "data");
	} else if (json_is_object(j)) {
		map = j;
	}
	if (status == 401 || status == 403) {
		const char *t = body && len ? body : "";
		char copy[512];

		snprintf(copy, sizeof copy, "%.*s", (int)(len < sizeof copy - 1 ? len : sizeof copy - 1), t);
		r->kind = status == 403 && has_word(copy, "scope") ? REFUSAL_SCOPE : REFUSAL_AUTH;
		snprintf(r->reason, sizeof r->reason, "HTTP %ld: %.200s", status, msg ? msg : copy);
		goto out;
	}
	if (map)
		walk(&w, map, where, 0, sizeof where, NULL, 0);
	if (!w.found_gone && msg && says_gone(msg) && status != 404) {
		w.found_gone = 1;
		kind_of(msg, NULL, r->what, sizeof r->what);
		r->id = first_number(msg);
		snprintf(r->reason, sizeof r->reason, "%.200s", msg);
	}
	if (status == 404) {
		/* What the body names ("sender: User 5 not found" on a note),
		 * else the resource the path addresses. */
		if (!r->what[0] && msg && says_gone(msg)) {
			kind_of(msg, NULL, r->what, sizeof r->what);
			r->id = r->what[0] ? first_number(msg) : 0;
		}
		if (!r->what[0])
			gone_from_path(path, r);
		r->kind = REFUSAL_GONE;
		snprintf(r->reason, sizeof r->reason, "%s %.100s: %.120s", method ? method : "",
			 path ? path : "", msg ? msg : "not found");
	} else if (w.found_gone) {
		r->kind = REFUSAL_GONE;
	} else if (status == 409) {
		r->kind = REFUSAL_CONFLICT;
		snprintf(r->reason, sizeof r->reason, "%.200s", msg ? msg : "already exists");
	} else if (w.found_field) {
		r->kind = REFUSAL_FIELD;
	} else {
		char *dump = map ? json_dumps(map, JSON_COMPACT) : NULL;

		r->kind = REFUSAL_FINAL;
		snprintf(r->reason, sizeof r->reason, "HTTP %ld%s%.100s%s%.120s", status,
			 msg ? ": " : "", msg ? msg : "", dump ? " " : "", dump ? dump : "");
		free(dump);
	}
out:
	json_decref(j);
}
