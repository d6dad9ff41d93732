/* One HTTP request as the handlers see it, whether it came through
 * FastCGI or plain CGI, and the response they build. */
#ifndef AG_REQUEST_H
#define AG_REQUEST_H

#include "base/buf.h"

#include <jansson.h>
#include <stdint.h>

struct request {
	const char *method;
	char path[256];           /* routed path: no query, no mount prefix */
	const char *query;
	const char *content_type;
	const char *cookie;
	const char *remote_addr;
	const char *authorization; /* HTTP_AUTHORIZATION, when the server passes it */
	const char *hook_secret;  /* X-Aircall-Gorgias-Token (the Gorgias integration's) */
	long long content_length; /* -1 when not given */
	struct buf body;          /* bounded by the configured maximum */
	int body_too_big;
	int body_unreadable;
};

struct response {
	int status;
	const char *content_type;
	struct buf headers;       /* extra "Name: value\r\n" lines */
	struct buf body;
};

/* What the process does once the response is out (after FCGI_Finish). */
struct after {
	int spawn_drainer;        /* no worker is free: start a detached drainer */
};

void response_init(struct response *r);
void response_free(struct response *r);
/* Sets a JSON answer (steals j). */
void response_json(struct response *r, int status, json_t *j);
/* A JSON error: {"error": code, "message": message}. */
void response_error(struct response *r, int status, const char *code, const char *message);
int response_header(struct response *r, const char *name, const char *value);
const char *status_text(int status);

/* A webhook's body checks before it is read: 413 beyond max_body, 415
 * for a content type that is not JSON (then answered in resp: 1). what
 * names the endpoint in the log. */
int request_webhook_refused(const struct request *req, unsigned long max_body,
			    struct response *resp, const char *what);

/* Fills path from PATH_INFO when set, else from REQUEST_URI (or
 * SCRIPT_NAME), removing the
 * query and the mount prefix of public_url. */
void request_set_path(struct request *req, const char *request_uri, const char *script_name,
		      const char *path_info, const char *public_url);

#endif
