#include "vendor/aircall_sms.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int aircall_native_send(struct aircall *a, int64_t number_id, const char *to, const char *body,
			int64_t user_id, char *id, size_t id_len)
{
	json_t *req, *answer = NULL, *mid;
	char path[96];
	int rc;

	id[0] = '\0';
	req = json_pack("{s:s, s:s}", "to", to, "body", body);
	if (!req)
		return AG_ENOMEM;
	if (user_id > 0)
		json_object_set_new(req, "user_id", json_integer((json_int_t)user_id));
	snprintf(path, sizeof path, "/v1/numbers/%" PRId64 "/messages/native/send", number_id);
	rc = aircall_call(a, "POST", path, req, &answer);
	json_decref(req);
	if (rc)
		goto out;
	/* The bare message object, no envelope (§4); ids are strings, a number
	 * is taken too. */
	mid = json_object_get(answer, "id");
	if (json_is_string(mid) && *json_string_value(mid) &&
	    strlen(json_string_value(mid)) < id_len && strlen(json_string_value(mid)) < AIRCALL_MSG_ID_MAX)
		snprintf(id, id_len, "%s", json_string_value(mid));
	else if (json_is_integer(mid))
		snprintf(id, id_len, "%" JSON_INTEGER_FORMAT, json_integer_value(mid));
	else
		rc = AG_ETEMP;
out:
	json_decref(answer);
	return rc;
}

int aircall_user_by_email(struct aircall *a, const char *email, int64_t *user_id)
{
	char path[96];
	int rc = AG_OK;

	*user_id = 0;
	for (int page = 1; page <= 50 && !*user_id; page++) {
		json_t *list = NULL, *u;
		size_t i;
		int more;

		snprintf(path, sizeof path, "/v1/users?page=%d&per_page=50", page);
		if ((rc = aircall_call(a, "GET", path, NULL, &list)))
			return rc;
		json_array_foreach(json_object_get(list, "users"), i, u) {
			const char *e = json_string_value(json_object_get(u, "email"));

			if (e && strcasecmp(e, email) == 0 && json_is_integer(json_object_get(u, "id"))) {
				*user_id = (int64_t)json_integer_value(json_object_get(u, "id"));
				break;
			}
		}
		more = json_is_string(json_object_get(json_object_get(list, "meta"), "next_page_link"));
		json_decref(list);
		if (!more)
			break;
	}
	return rc;
}
