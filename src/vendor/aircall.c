#include "vendor/aircall.h"
#include "base/counters.h"
#include "vendor/budget.h"
#include "base/err.h"
#include "vendor/http.h"
#include "base/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Aircall's limit is per company and undocumented in detail (60 or 120 a
 * minute): the scope's row learns it from X-AircallApi-* when present. */
void aircall_open(struct aircall *a, const struct config *cfg, struct db *db,
		  int64_t installation_id, const char *api_id, const char *secret)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->db = db;
	a->api_id = api_id;
	a->secret = secret;
	snprintf(a->scope, sizeof a->scope, "aircall:%lld", (long long)installation_id);
}

static void observe(struct aircall *a, const struct http_resp *resp)
{
	struct http_resp shaped = *resp;

	/* Feed Aircall's headers to the shared budget in Gorgias's terms. */
	if (resp->aircall_limit > 0 && resp->aircall_remaining >= 0) {
		shaped.call_limit_max = (int)resp->aircall_limit;
		shaped.call_limit_used = (int)(resp->aircall_limit - resp->aircall_remaining);
	}
	if (resp->status == 429 && shaped.retry_after <= 0 && resp->aircall_reset > 0) {
		long wait = resp->aircall_reset - (long)time(NULL);
		shaped.retry_after = wait > 0 && wait < 3600 ? wait : 60;
	}
	/* How long Aircall has been limiting is not acted on (a 429 is retried
	 * after its wait anyway); only what the budget learns counts. */
	AG_IGNORE(budget_observe(a->db, a->scope, &shaped));
}

/* {"error": "Unprocessable Entity", "troubleshoot": "The recipient has
 * opted out"}: the troubleshoot text says what happened, the error only
 * the status. */
static void refusal_words(const struct http_resp *resp, char *out, size_t len)
{
	json_t *j = resp->body.p ? json_loadb(resp->body.p, resp->body.len, 0, NULL) : NULL;
	const char *t = json_string_value(json_object_get(j, "troubleshoot"));
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *m = json_string_value(json_object_get(j, "message"));

	if (resp->status)
		snprintf(out, len, "HTTP %ld: %.160s", resp->status, t ? t : m ? m : e ? e : "");
	else
		snprintf(out, len, "no answer: %.160s", resp->error);
	json_decref(j);
}

int aircall_call(struct aircall *a, const char *method, const char *path,
		 const json_t *body, json_t **out)
{
	struct http_req req;
	struct http_resp resp;
	char url[2048], *text = NULL;
	int rc;

	if (out)
		*out = NULL;
	a->last_error[0] = '\0';
	a->reason[0] = '\0';
	if ((size_t)snprintf(url, sizeof url, "%s%s", a->cfg->aircall_api_url, path) >= sizeof url)
		return AG_EINVAL;
	rc = budget_take(a->db, a->scope, 0, &a->wait_s);
	if (rc)
		return rc;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = url;
	req.timeout_ms = a->cfg->http_timeout_ms;
	if (a->api_id) {
		req.basic_user = a->api_id;
		req.basic_pass = a->secret;
	} else {
		req.bearer = a->secret;
	}
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return AG_ENOMEM;
		req.body = text;
		req.body_len = strlen(text);
	}
	rc = http_do(&req, &resp);
	counter_vendor_request("aircall", method, path, resp.status);
	a->last_status = resp.status;
	observe(a, &resp);
	if (!rc)
		rc = http_status_error(resp.status);
	a->auth_refused = rc == AG_EAUTH;
	if (rc) {
		snprintf(a->last_error, sizeof a->last_error, "%s %s: %s%.160s", method, path,
			 resp.status ? "" : resp.error,
			 resp.status && resp.body.p ? resp.body.p : "");
		refusal_words(&resp, a->reason, sizeof a->reason);
		if (rc == AG_ERATE)
			a->wait_s = resp.retry_after > 0 ? resp.retry_after : 60;
		log_warn("aircall: %s (HTTP %ld)", a->last_error, resp.status);
	} else if (out && resp.body.len) {
		*out = json_loadb(resp.body.p, resp.body.len, 0, NULL);
		if (!*out)
			rc = AG_ETEMP;
	}
	http_resp_free(&resp);
	free(text);
	return rc;
}

int aircall_get_call(struct aircall *a, int64_t call_id, int timeline, json_t **call)
{
	char path[96];
	json_t *answer = NULL;
	int rc;

	*call = NULL;
	if (call_id <= 0)
		return AG_EINVAL;
	snprintf(path, sizeof path, "/v1/calls/%lld%s", (long long)call_id,
		 timeline ? "?fetch_call_timeline=true" : "");
	rc = aircall_call(a, "GET", path, NULL, &answer);
	if (rc)
		return rc;
	if (!json_is_object(json_object_get(answer, "call"))) {
		snprintf(a->last_error, sizeof a->last_error, "GET %s: answer has no call", path);
		json_decref(answer);
		return AG_ETEMP;
	}
	*call = json_incref(json_object_get(answer, "call"));
	json_decref(answer);
	return AG_OK;
}

int aircall_download(struct aircall *a, const char *url, int fd, long long limit,
		     char *content_type, size_t ctlen, long long *size)
{
	struct http_req req;
	struct http_resp resp;
	struct stat sb;
	int rc;

	*size = 0;
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return AG_EINVAL;
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = url;
	req.public_only = req.https_only = !a->cfg->media_allow_private;
	/* Large recordings take time, a host that trickles bytes does not
	 * get to keep the process. */
	req.timeout_ms = a->cfg->media_timeout_s * 1000;
	req.low_speed_bps = a->cfg->low_speed_bps;
	req.low_speed_s = a->cfg->low_speed_s;
	req.download_fd = fd;
	req.download_limit = limit;
	rc = http_do(&req, &resp);
	/* The pre-signed media URL is not an API route: one class for all. */
	counter_vendor_request("aircall", "GET", "/media", resp.status);
	a->last_status = resp.status;
	if (!rc && resp.content_length > limit)
		rc = AG_ETOOBIG;
	if (!rc)
		rc = resp.status == 429 ? AG_ETEMP : http_status_error(resp.status);
	if (!rc && fstat(fd, &sb) == 0)
		*size = (long long)sb.st_size;
	snprintf(content_type, ctlen, "%s", resp.content_type);
	if (rc)
		snprintf(a->last_error, sizeof a->last_error, "media download: HTTP %ld %s",
			 resp.status, resp.error);
	http_resp_free(&resp);
	return rc;
}

int aircall_each_number(struct aircall *a, int (*fn)(void *arg, const json_t *number), void *arg)
{
	char path[128];
	int rc = AG_OK;

	for (int page = 1; page <= 200; page++) {
		json_t *list = NULL, *n, *meta;
		size_t i;
		int more;

		snprintf(path, sizeof path, "/v1/numbers?page=%d&per_page=50", page);
		rc = aircall_call(a, "GET", path, NULL, &list);
		if (rc)
			return rc;
		json_array_foreach(json_object_get(list, "numbers"), i, n) {
			rc = fn(arg, n);
			if (rc)
				break;
		}
		meta = json_object_get(list, "meta");
		more = json_is_string(json_object_get(meta, "next_page_link"));
		json_decref(list);
		if (rc || !more)
			break;
	}
	return rc;
}
