#include "core/call.h"
#include "base/err.h"
#include "base/num.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int is_empty(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0);
}

static int status_rank(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "done") == 0)
		return 2;
	if (strcmp(s, "answered") == 0)
		return 1;
	return 0;
}

/* Comments only ever accumulate: union by Aircall comment id. */
static int merge_comments(json_t *sd, json_t *incoming)
{
	json_t *have = json_object_get(sd, "comments"), *c;
	size_t i, j;

	if (!json_is_array(incoming))
		return AG_OK;
	if (!json_is_array(have)) {
		have = json_array();
		if (!have || json_object_set_new(sd, "comments", have))
			return AG_ENOMEM;
	}
	json_array_foreach(incoming, i, c) {
		json_t *id = json_object_get(c, "id"), *h;
		int dup = 0;

		if (!json_is_integer(id))
			continue;
		json_array_foreach(have, j, h) {
			if (json_equal(json_object_get(h, "id"), id)) {
				dup = 1;
				break;
			}
		}
		if (!dup && json_array_size(have) < CALL_MAX_COMMENTS &&
		    json_array_append(have, c))
			return AG_ENOMEM;
	}
	return AG_OK;
}

/* The options a caller picked only accumulate, whichever way they came
 * (call.ivr_option_selected, or the call's timeline from the REST API). */
static int merge_ivr(json_t *sd, json_t *incoming)
{
	json_t *have = json_object_get(sd, "ivr_options_selected"), *o, *h;
	size_t i, j;

	if (json_is_object(incoming))
		incoming = json_pack("[O]", incoming);
	else
		json_incref(incoming);
	if (!json_is_array(incoming)) {
		json_decref(incoming);
		return AG_OK;
	}
	if (!json_is_array(have)) {
		have = json_array();
		if (!have || json_object_set_new(sd, "ivr_options_selected", have)) {
			json_decref(incoming);
			return AG_ENOMEM;
		}
	}
	json_array_foreach(incoming, i, o) {
		int dup = 0;

		if (!json_is_object(o))
			continue;
		json_array_foreach(have, j, h)
			if (json_equal(h, o) || (json_object_get(o, "id") &&
						 json_equal(json_object_get(h, "id"), json_object_get(o, "id"))))
				dup = 1;
		if (!dup && json_array_size(have) < CALL_MAX_IVR && json_array_append(have, o)) {
			json_decref(incoming);
			return AG_ENOMEM;
		}
	}
	json_decref(incoming);
	return AG_OK;
}

int call_merge(json_t *stored, const char *event, int64_t ts, json_t *data)
{
	json_t *sd, *seen, *latest_v, *v;
	json_int_t latest;
	const char *key;
	int newer;

	if (!json_is_object(stored) || !json_is_object(data))
		return AG_EINVAL;
	sd = json_object_get(stored, "data");
	if (!json_is_object(sd)) {
		sd = json_object();
		if (!sd || json_object_set_new(stored, "data", sd))
			return AG_ENOMEM;
	}
	seen = json_object_get(stored, "seen");
	if (!json_is_object(seen)) {
		seen = json_object();
		if (!seen || json_object_set_new(stored, "seen", seen))
			return AG_ENOMEM;
	}
	v = json_object_get(seen, event);
	if ((!json_is_integer(v) || json_integer_value(v) > ts) &&
	    json_object_set_new(seen, event, json_integer(ts)))
		return AG_ENOMEM;

	latest_v = json_object_get(stored, "ts");
	latest = json_is_integer(latest_v) ? json_integer_value(latest_v) : -1;
	newer = ts >= latest;

	json_object_foreach(data, key, v) {
		json_t *old = json_object_get(sd, key);
		int set = 0;

		if (strcmp(key, "comments") == 0) {
			if (merge_comments(sd, v))
				return AG_ENOMEM;
		} else if (strcmp(key, "ivr_options_selected") == 0 || strcmp(key, "ivr_option") == 0) {
			if (merge_ivr(sd, v))
				return AG_ENOMEM;
		} else if (strcmp(key, "started_at") == 0 || strcmp(key, "answered_at") == 0 ||
			   strcmp(key, "ended_at") == 0) {
			/* A moment, once known, does not change. */
			set = is_empty(old) && !is_empty(v);
		} else if (strcmp(key, "status") == 0) {
			set = !json_is_string(old) ||
			      status_rank(json_string_value(v)) > status_rank(json_string_value(old));
		} else if (strcmp(key, "tags") == 0) {
			/* The tag list is a snapshot: the newest one wins, even empty. */
			set = json_is_array(v) && (newer || !json_is_array(old));
		} else if (is_empty(v)) {
			if (!old && json_object_set_new(sd, key, json_null()))
				return AG_ENOMEM;
		} else {
			set = is_empty(old) || newer;
		}
		if (set && json_object_set(sd, key, v))
			return AG_ENOMEM;
	}
	if (newer && json_object_set_new(stored, "ts", json_integer(ts)))
		return AG_ENOMEM;
	return AG_OK;
}

static const char *str_at(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	return s && *s ? s : NULL;
}

static int64_t int_at(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	int64_t n;

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v) && num_double_to_i64(json_real_value(v), &n))
		return n;
	return 0;
}

static unsigned seen_bits(const json_t *seen)
{
	static const struct { const char *event; unsigned bit; } map[] = {
		{ "call.created", SEEN_CREATED },
		{ "call.answered", SEEN_ANSWERED },
		{ "call.hungup", SEEN_HUNGUP },
		{ "call.ended", SEEN_ENDED },
		{ "call.voicemail_left", SEEN_VOICEMAIL },
		{ "call.commented", SEEN_COMMENTED },
		{ "call.tagged", SEEN_TAGGED },
		{ "call.untagged", SEEN_TAGGED },
		{ "call.comm_assets_generated", SEEN_ASSETS },
		{ "call.assigned", SEEN_ASSIGNED },
		{ "call.transferred", SEEN_TRANSFERRED },
		{ "call.external_transferred", SEEN_TRANSFERRED },
		{ "call.ivr_option_selected", SEEN_IVR },
	};
	unsigned bits = 0;

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (json_object_get(seen, map[i].event))
			bits |= map[i].bit;
	return bits;
}

int call_facts_read(const json_t *stored, struct call_facts *f)
{
	const json_t *d = json_object_get(stored, "data"), *o, *v;
	const char *s;
	size_t i;

	memset(f, 0, sizeof *f);
	f->duration = -1;
	if (!json_is_object(d))
		return AG_EINVAL;
	f->id = int_at(d, "id");
	if (f->id <= 0)
		return AG_EINVAL;
	s = str_at(d, "direction");
	f->direction = s && strcmp(s, "outbound") == 0 ? CALL_OUTBOUND : CALL_INBOUND;
	f->seen = seen_bits(json_object_get(stored, "seen"));
	f->started_at = int_at(d, "started_at");
	f->answered_at = int_at(d, "answered_at");
	f->ended_at = int_at(d, "ended_at");
	v = json_object_get(d, "duration");
	if (json_is_integer(v) && (f->ended_at || json_integer_value(v) > 0))
		f->duration = (int64_t)json_integer_value(v);
	f->raw_digits = str_at(d, "raw_digits");
	f->missed_call_reason = str_at(d, "missed_call_reason");
	f->voicemail_url = str_at(d, "voicemail");
	f->recording_url = str_at(d, "recording");
	f->asset_url = str_at(d, "asset");
	f->hangup_cause = str_at(d, "hangup_cause");
	f->callback_of = int_at(d, "automatic_callback_call_id");

	o = json_object_get(d, "number");
	f->number_id = int_at(o, "id");
	f->number_name = str_at(o, "name");
	f->number_digits = str_at(o, "digits");
	if (!f->number_digits)
		f->number_digits = str_at(o, "e164_digits");
	f->number_is_ivr = json_is_true(json_object_get(o, "is_ivr"));

	o = json_object_get(d, "user");
	f->user_id = int_at(o, "id");
	f->user_name = str_at(o, "name");
	f->user_email = str_at(o, "email");
	o = json_object_get(d, "assigned_to");
	f->assigned_email = str_at(o, "email");
	f->assigned_name = str_at(o, "name");
	o = json_object_get(d, "transferred_to");
	f->transferred_to_name = str_at(o, "name");

	o = json_object_get(d, "contact");
	f->contact_id = int_at(o, "id");
	f->contact_first_name = str_at(o, "first_name");
	f->contact_last_name = str_at(o, "last_name");
	v = json_object_get(o, "emails");
	if (json_is_array(v) && json_array_size(v) > 0)
		f->contact_email = str_at(json_array_get(v, 0), "value");

	json_array_foreach(json_object_get(d, "teams"), i, v) {
		if (f->nteams < CALL_MAX_TEAMS && (s = str_at(v, "name")))
			f->teams[f->nteams++] = s;
	}
	json_array_foreach(json_object_get(d, "tags"), i, v) {
		if (f->ntags < CALL_MAX_TAGS && (s = str_at(v, "name")))
			f->tags[f->ntags++] = s;
	}
	json_array_foreach(json_object_get(d, "comments"), i, v) {
		struct call_comment *c;
		const json_t *by;

		if (f->ncomments >= CALL_MAX_COMMENTS || int_at(v, "id") <= 0)
			continue;
		c = &f->comments[f->ncomments++];
		c->id = int_at(v, "id");
		c->content = str_at(v, "content");
		c->posted_at = int_at(v, "posted_at");
		by = json_object_get(v, "posted_by");
		c->author_name = str_at(by, "name");
		c->author_email = str_at(by, "email");
	}
	json_array_foreach(json_object_get(d, "ivr_options_selected"), i, v) {
		if (f->nivr < CALL_MAX_IVR) {
			f->ivr[f->nivr].title = str_at(v, "title");
			f->ivr[f->nivr].key = str_at(v, "key");
			f->nivr++;
		}
	}
	return AG_OK;
}

int call_through_ivr(const struct call_facts *f)
{
	return f->number_is_ivr || (f->seen & SEEN_IVR) ||
	       (f->missed_call_reason && strcmp(f->missed_call_reason, "abandoned_in_ivr") == 0);
}

int call_is_over(const struct call_facts *f)
{
	return (f->seen & SEEN_ENDED) != 0;
}

int call_is_missed(const struct call_facts *f)
{
	return call_is_over(f) && f->answered_at == 0;
}

void call_subject(char *out, size_t len, int64_t call_id)
{
	snprintf(out, len, "call:%" PRId64, call_id);
}
