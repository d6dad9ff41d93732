/* GET /metrics: the Prometheus text format (0.0.4), for those presenting
 * AG_METRICS_TOKEN as a Bearer token, or for loopback clients when no token
 * is configured. With a token, loopback is no pass: a reverse proxy or TLS
 * terminator on the same host makes every client look local. */
#include "store/counter_store.h"
#include "base/crypto.h"
#include "web/handlers.h"
#include "base/log.h"
#include "store/metrics_store.h"

#include <string.h>
#include <strings.h>

static int loopback(const char *addr)
{
	return addr && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
			strncmp(addr, "::ffff:127.", 11) == 0);
}

/* Compared as keyed digests: constant time, whatever the lengths. */
static int bearer_ok(const char *token, const char *authorization)
{
	char want[65], got[65];
	const char *v;

	if (!token || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	v = authorization + 7;
	if (strlen(v) > 1024 || crypto_hmac_hex("metrics-token", token, strlen(token), want) ||
	    crypto_hmac_hex("metrics-token", v, strlen(v), got))
		return 0;
	return crypto_ct_equal(want, got, 64);
}

static int series(void *arg, const char *name, const char *labels, const char *value)
{
	struct buf *out = arg;

	return buf_printf(out, "%s%s%s%s %s\n", name, labels && *labels ? "{" : "",
			  labels ? labels : "", labels && *labels ? "}" : "", value);
}

static int render_family(struct db *db, const struct metric_family *f, struct buf *out)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
	return metric_family_read(db, f, series, out);
}

void handle_metrics(struct app *app, struct request *req, struct response *resp,
		    struct after *after)
{
	(void)after;
	if (app->cfg->metrics_token ? !bearer_ok(app->cfg->metrics_token, req->authorization)
				    : !loopback(req->remote_addr)) {
		log_warn("metrics refused to %.64s", req->remote_addr ? req->remote_addr : "?");
		response_error(resp, app->cfg->metrics_token ? 401 : 403, "forbidden",
			       "metrics are served with the metrics token (or to loopback when none is set)");
		if (app->cfg->metrics_token)
			response_header(resp, "WWW-Authenticate", "Bearer");
		return;
	}
	/* This process's own unsaved counts first, so it answers like any other. */
	if (counters_flush(&app->db, 1) != AG_OK)
		log_warn("metrics: this process's counts are not in this answer");
	buf_reset(&resp->body);
	for (size_t i = 0; i < metric_families_count; i++)
		if (render_family(&app->db, metric_families[i], &resp->body)) {
			response_error(resp, 503, "unavailable", "storage unavailable, retry later");
			return;
		}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
