#include "vendor/gorgias_integration.h"
#include "base/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static json_t *integration_body(const char *url, const char *secret)
{
	/* {{message.id}} is UNCONFIRMED as a template variable: when Gorgias
	 * renders it empty, the ticket id alone is enough (the executor lists
	 * the ticket's messages). {{ticket.channel}} (a documented ticket
	 * field) lets the request path keep an SMS ticket's delivery that
	 * comes before the bridge stored the ticket as a conversation's;
	 * {{message.external_id}} (UNCONFIRMED like message.id), when it
	 * renders, names a message the bridge wrote itself ("aircall:..."),
	 * which is then not even stored. */
	return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s}, "
			 "s:{s:b}}}",
			 "name", HOOK_NAME, "type", "http", "http",
			 "url", url, "method", "POST",
			 "request_content_type", "application/json",
			 "response_content_type", "application/json",
			 "headers", HOOK_HEADER, secret,
			 "form", "ticket_id", "{{ticket.id}}", "message_id", "{{message.id}}",
			 "ticket_channel", "{{ticket.channel}}",
			 "message_external_id", "{{message.external_id}}",
			 "event", "ticket_message_created",
			 "triggers", "ticket_message_created", 1);
}

static const char *http_url(const json_t *integ)
{
	return json_string_value(json_object_get(json_object_get(integ, "http"), "url"));
}

/* The bridge's own integration among the account's, by name and URL. */
static int find_own(struct gorgias *g, const char *url, int64_t *id)
{
	json_t *list = NULL, *x;
	size_t i;
	int rc = gorgias_call(g, "GET", "/api/integrations?type=http&limit=100", NULL, &list);

	*id = 0;
	json_array_foreach(json_object_get(list, "data"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *u = http_url(x);

		if (name && u && strcmp(name, HOOK_NAME) == 0 && strcmp(u, url) == 0 && !*id)
			*id = gorgias_id(x);
	}
	json_decref(list);
	return rc;
}

int gorgias_integration_ensure(struct gorgias *g, const char *url, const char *secret,
			       int64_t *id)
{
	json_t *body = integration_body(url, secret), *made = NULL;
	char path[64];
	int rc;

	if (!body)
		return AG_ENOMEM;
	if (!*id && (rc = find_own(g, url, id)))
		goto out;
	if (*id) {
		snprintf(path, sizeof path, "/api/integrations/%" PRId64, *id);
		rc = gorgias_call(g, "PUT", path, body, NULL);
		if (rc != AG_ENOTFOUND)
			goto out;
		/* Deleted by an admin meanwhile: made again below. */
		log_info("gorgias %s: integration %" PRId64 " is gone, creating it again",
			 g->in->account, *id);
		*id = 0;
	}
	rc = gorgias_call(g, "POST", "/api/integrations", body, &made);
	*id = gorgias_id(made);
	if (!rc && !*id)
		rc = AG_ETEMP;
out:
	json_decref(made);
	json_decref(body);
	return rc;
}

int gorgias_integration_remove(struct gorgias *g, int64_t id)
{
	char path[64];
	int rc;

	snprintf(path, sizeof path, "/api/integrations/%" PRId64, id);
	rc = gorgias_call(g, "DELETE", path, NULL, NULL);
	return rc == AG_ENOTFOUND ? AG_OK : rc;
}
