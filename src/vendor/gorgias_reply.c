#include "vendor/gorgias_reply.h"
#include "base/buf.h"
#include "core/html.h"
#include "core/plan_message.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

int gorgias_reply_get(struct gorgias *g, int64_t ticket_id, int64_t message_id, json_t **msg)
{
	char path[96];

	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages/%" PRId64, ticket_id,
		 message_id);
	return gorgias_call(g, "GET", path, NULL, msg);
}

int gorgias_reply_list(struct gorgias *g, int64_t ticket_id, json_t **list)
{
	char path[96];
	json_t *answer = NULL;
	int rc;

	*list = NULL;
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages?limit=100", ticket_id);
	if ((rc = gorgias_call(g, "GET", path, NULL, &answer)))
		return rc;
	*list = json_is_array(json_object_get(answer, "data"))
		? json_incref(json_object_get(answer, "data"))
		: json_is_array(answer) ? json_incref(answer) : json_array();
	json_decref(answer);
	return *list ? AG_OK : AG_ENOMEM;
}

int gorgias_reply_mark(struct gorgias *g, int64_t ticket_id, int64_t message_id, int sent,
		       const char *reason)
{
	char path[96], now[32];
	json_t *body;
	int rc;

	msg_time_iso((int64_t)time(NULL) * 1000, now);
	body = sent ? json_pack("{s:s}", "sent_datetime", now)
		    : json_pack("{s:s, s:s}", "failed_datetime", now, "last_sending_error",
				reason ? reason : "not sent");
	if (!body)
		return AG_ENOMEM;
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages/%" PRId64, ticket_id,
		 message_id);
	rc = gorgias_call(g, "PUT", path, body, NULL);
	json_decref(body);
	return rc;
}

int gorgias_reply_note(struct gorgias *g, int64_t ticket_id, int64_t message_id, int64_t author,
		       const char *text)
{
	char ext[64];
	struct buf html;
	char path[64];
	json_t *body = NULL;
	int rc = AG_ENOMEM;

	buf_init(&html, 0);
	if (buf_puts(&html, "<p>") || html_txt(&html, text) || buf_puts(&html, "</p>"))
		goto out;
	/* "aircall:" marks it as the bridge's: its own delivery is not kept. */
	snprintf(ext, sizeof ext, "aircall:sms-reply:%" PRId64, message_id);
	body = json_pack("{s:s, s:s, s:b, s:{s:I}, s:{s:s}, s:s, s:s, s:s}", "channel",
			 "internal-note", "via", "api", "from_agent", 1, "sender", "id",
			 (json_int_t)author, "source", "type", "internal-note", "body_text", text,
			 "body_html", html.p, "external_id", ext);
	if (!body)
		goto out;
	snprintf(path, sizeof path, "/api/tickets/%" PRId64 "/messages", ticket_id);
	rc = gorgias_call(g, "POST", path, body, NULL);
out:
	json_decref(body);
	buf_free(&html);
	return rc;
}
