#include "web/request.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void response_init(struct response *r)
{
	r->status = 200;
	r->content_type = "application/json";
	buf_init(&r->headers, 16384);
	buf_init(&r->body, 0);
}

void response_free(struct response *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
}

void response_json(struct response *r, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	buf_reset(&r->body);
	r->status = text ? status : 500;
	r->content_type = "application/json";
	buf_puts(&r->body, text ? text : "{\"error\":\"internal\"}");
	buf_puts(&r->body, "\n");
	free(text);
}

void response_error(struct response *r, int status, const char *code, const char *message)
{
	response_json(r, status, json_pack("{s:s, s:s}", "error", code, "message", message));
}

int response_header(struct response *r, const char *name, const char *value)
{
	/* Header values never carry line breaks (no response splitting). */
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return AG_EINVAL;
	return buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 302: return "Found";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void request_set_path(struct request *req, const char *request_uri, const char *script_name,
		      const char *path_info, const char *public_url)
{
	const char *prefix = "", *p;
	size_t plen = 0, n;

	req->path[0] = '\0';
	/* Servers disagree on SCRIPT_NAME (mod_proxy_fcgi puts the route
	 * there): the route is PATH_INFO when set, else REQUEST_URI's path. */
	if (path_info && *path_info) {
		snprintf(req->path, sizeof req->path, "%s", path_info);
		return;
	}
	if (request_uri && *request_uri) {
		n = strcspn(request_uri, "?#");
		if (n >= sizeof req->path)
			n = sizeof req->path - 1;
		memcpy(req->path, request_uri, n);
		req->path[n] = '\0';
	} else {
		snprintf(req->path, sizeof req->path, "%s%s", script_name ? script_name : "",
			 path_info ? path_info : "");
	}
	/* The bridge may live under a prefix (https://host/ag): strip it. */
	if (public_url && (p = strstr(public_url, "://")) && (p = strchr(p + 3, '/'))) {
		prefix = p;
		plen = strlen(prefix);
	}
	if (plen > 0 && strncmp(req->path, prefix, plen) == 0 &&
	    (req->path[plen] == '/' || req->path[plen] == '\0'))
		memmove(req->path, req->path + plen, strlen(req->path + plen) + 1);
	if (req->path[0] == '\0')
		snprintf(req->path, sizeof req->path, "/");
}

int request_webhook_refused(const struct request *req, unsigned long max_body,
			    struct response *resp, const char *what)
{
	if (req->body_too_big) {
		log_warn("%s rejected: body over %lu bytes", what, max_body);
		response_error(resp, 413, "too_large", "the body exceeds the size limit");
		return 1;
	}
	if (req->content_type && !strstr(req->content_type, "json")) {
		log_warn("%s rejected: content type %.60s", what, req->content_type);
		response_error(resp, 415, "unsupported_media_type", "send application/json");
		return 1;
	}
	return 0;
}
