#include "vendor/gorgias.h"
#include "base/counters.h"
#include "vendor/budget.h"
#include "base/err.h"
#include "vendor/http.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int gorgias_open(struct gorgias *g, const struct config *cfg, struct db *db,
		 struct installation *in)
{
	int rc;

	memset(g, 0, sizeof *g);
	g->cfg = cfg;
	g->db = db;
	g->in = in;
	snprintf(g->scope, sizeof g->scope, "gorgias:%s", in->account);
	rc = config_gorgias_base(cfg, in->account, &g->base);
	if (rc)
		return rc;
	if (!in->gorgias_secret)
		return AG_EAUTH;
	return AG_OK;
}

void gorgias_close(struct gorgias *g)
{
	free(g->base);
	g->base = NULL;
}

/* Gorgias errors: {"error": {"msg": ..., "data": ...}} or {"error": "..."}. */
static void vendor_message(const struct http_resp *resp, char *out, size_t len)
{
	json_t *j = json_loadb(resp->body.p ? resp->body.p : "", resp->body.len, 0, NULL);
	json_t *e = json_object_get(j, "error");
	const char *msg = NULL;
	char *data = NULL;

	if (json_is_string(e))
		msg = json_string_value(e);
	else if (json_is_object(e)) {
		msg = json_string_value(json_object_get(e, "msg"));
		if (json_object_get(e, "data"))
			data = json_dumps(json_object_get(e, "data"), JSON_COMPACT);
	}
	snprintf(out, len, "HTTP %ld%s%s%s%s", resp->status, msg ? ": " : "", msg ? msg : "",
		 data ? " " : "", data ? data : "");
	free(data);
	json_decref(j);
}

static int send_once(struct gorgias *g, struct http_req *req, const char *method,
		     const char *path, json_t **out)
{
	struct http_resp resp;
	char url[2048];
	int rc;

	if (out)
		*out = NULL;
	g->wait_s = 0;
	g->last_error[0] = '\0';
	memset(&g->refusal, 0, sizeof g->refusal);
	if ((size_t)snprintf(url, sizeof url, "%s%s", g->base, path) >= sizeof url)
		return AG_EINVAL;
	rc = budget_take(g->db, g->scope, g->cfg->budget_reserve_pct, &g->wait_s);
	if (rc)
		return rc;
	req->method = method;
	req->url = url;
	if (req->timeout_ms <= 0)
		req->timeout_ms = g->cfg->http_timeout_ms;
	if (g->in->gorgias_oauth) {
		req->bearer = g->in->gorgias_secret;
	} else {
		req->basic_user = g->in->gorgias_email;
		req->basic_pass = g->in->gorgias_secret;
	}
	g->requests++;
	rc = http_do(req, &resp);
	counter_vendor_request("gorgias", method, path, resp.status);
	g->last_status = resp.status;
	g->limited_for_s = budget_observe(g->db, g->scope, &resp);
	if (rc) {
		snprintf(g->last_error, sizeof g->last_error, "%s %s: %s", method, path,
			 resp.error[0] ? resp.error : ag_strerror(rc));
		log_warn("gorgias %s: %s", g->in->account, g->last_error);
		goto out;
	}
	rc = http_status_error(resp.status);
	log_debug("gorgias %s %s %s -> %ld", g->in->account, method, path, resp.status);
	if (rc) {
		char msg[200];
		refusal_classify(resp.status, method, path, resp.body.p, resp.body.len, &g->refusal);
		vendor_message(&resp, msg, sizeof msg);
		snprintf(g->last_error, sizeof g->last_error, "%s %s: %s", method, path,
			 g->refusal.kind == REFUSAL_NONE ? msg : g->refusal.reason);
		if (rc == AG_ERATE)
			g->wait_s = resp.retry_after > 0 ? resp.retry_after : 5;
		if (rc != AG_ENOTFOUND)
			log_warn("gorgias %s: %s", g->in->account, g->last_error);
		goto out;
	}
	if (out && resp.body.len > 0) {
		json_error_t jerr;
		*out = json_loadb(resp.body.p, resp.body.len, 0, &jerr);
		if (!*out) {
			snprintf(g->last_error, sizeof g->last_error, "%s %s: answer is not JSON: %s",
				 method, path, jerr.text);
			log_warn("gorgias %s: %s", g->in->account, g->last_error);
			rc = AG_ETEMP;
		}
	}
out:
	http_resp_free(&resp);
	return rc;
}

/* Refresh margin: a token this close to its expiry is renewed first, so
 * that a request never starts with a token that dies in flight. */
#define REFRESH_MARGIN_S 300

static int send_request(struct gorgias *g, struct http_req *req, const char *method,
			const char *path, json_t **out)
{
	int oauth = g->in->gorgias_oauth && g->in->id > 0, rc;

	if (oauth && g->in->gorgias_expires_at > 0 &&
	    g->in->gorgias_expires_at - (long long)time(NULL) < REFRESH_MARGIN_S) {
		rc = gorgias_refresh(g);
		if (rc)
			return rc;
	}
	rc = send_once(g, req, method, path, out);
	if (rc != AG_EAUTH || g->last_status != 401 || !oauth)
		return rc;
	/* A 401 with a token we thought valid: expired early or revoked.
	 * One refresh and one retry; a second 401 means the grant is gone. */
	rc = gorgias_refresh(g);
	if (rc)
		return rc;
	rc = send_once(g, req, method, path, out);
	/* Not disabled (PostgreSQL out of reach): the event fails as refused
	 * all the same, and the next 401 disables. */
	if (rc == AG_EAUTH && g->last_status == 401 &&
	    store_disable(g->db, g->in->id, "authorization_removed") != AG_OK)
		log_warn("gorgias %s: authorization gone, installation not disabled yet", g->in->account);
	return rc;
}

int gorgias_call(struct gorgias *g, const char *method, const char *path,
		 const json_t *body, json_t **out)
{
	struct http_req req;
	char *text = NULL;
	int rc;

	memset(&req, 0, sizeof req);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return AG_ENOMEM;
		req.body = text;
		req.body_len = strlen(text);
		req.content_type = "application/json";
	}
	rc = send_request(g, &req, method, path, out);
	free(text);
	return rc;
}

int gorgias_upload(struct gorgias *g, int fd, long long size, const char *name,
		   const char *content_type, json_t **attachment)
{
	struct http_req req;
	json_t *list = NULL, *first;
	int rc;

	*attachment = NULL;
	memset(&req, 0, sizeof req);
	req.upload_fd = fd;
	req.upload_size = size;
	/* Up to 500 MB: its own bound, not the API's; a stalled one ends sooner. */
	req.timeout_ms = g->cfg->upload_timeout_s * 1000;
	req.low_speed_bps = g->cfg->low_speed_bps;
	req.low_speed_s = g->cfg->low_speed_s;
	/* The form field's name becomes the file's label in Gorgias. */
	req.upload_field = name;
	req.upload_filename = name;
	req.upload_type = content_type;
	rc = send_request(g, &req, "POST", "/api/upload?type=attachment", &list);
	if (rc)
		return rc;
	first = json_is_array(list) ? json_array_get(list, 0) : NULL;
	if (!json_is_object(first) || !json_is_string(json_object_get(first, "url"))) {
		json_decref(list);
		snprintf(g->last_error, sizeof g->last_error, "upload answer has no file url");
		return AG_ETEMP;
	}
	/* Gorgias shows size as a string in examples: store it as a number. */
	{
		json_t *sz = json_object_get(first, "size");
		json_int_t n = json_is_integer(sz) ? json_integer_value(sz)
			     : json_is_string(sz) ? strtoll(json_string_value(sz), NULL, 10) : 0;
		*attachment = json_pack("{s:O, s:s, s:s, s:I}", "url", json_object_get(first, "url"),
					"name", name, "content_type", content_type, "size", n);
	}
	json_decref(list);
	return *attachment ? AG_OK : AG_ENOMEM;
}

int64_t gorgias_id(const json_t *obj)
{
	const json_t *id = json_object_get(obj, "id");

	return json_is_integer(id) ? (int64_t)json_integer_value(id) : 0;
}

int64_t gorgias_first_id(const json_t *list)
{
	const json_t *arr = json_is_array(list) ? list : json_object_get(list, "data");

	return json_is_array(arr) ? gorgias_id(json_array_get(arr, 0)) : 0;
}

