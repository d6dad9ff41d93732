/* aircall-gorgias: one binary, three modes, decided by the environment
 * (never by argv alone: CGI servers pass query words as arguments):
 *   FastCGI   fd 0 is a listening socket (lighttpd, mod_fcgid, spawn-fcgi)
 *   CGI       GATEWAY_INTERFACE is set (shared hosting)
 *   command   otherwise: migrate, worker, install, status, retry, enable */
#include "cli/cli.h"
#include "base/config.h"
#include "store/counter_store.h"
#include "apply/drainer.h"
#include "base/err.h"
#include "web/handlers.h"
#include "vendor/http.h"
#include "base/log.h"
#include "apply/process.h"
#include "web/schema_gate.h"
#include "web/webhook_count.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef const char *(*param_fn)(void *ctx, const char *name);
typedef int (*read_fn)(void *ctx, char *buf, int n);

static void on_term(int sig)
{
	(void)sig;
	ag_stop = 1;
	FCGX_ShutdownPending();
}

static const char *fcgx_param(void *ctx, const char *name)
{
	return FCGX_GetParam(name, ((FCGX_Request *)ctx)->envp);
}

static int fcgx_read(void *ctx, char *buf, int n)
{
	return FCGX_GetStr(buf, n, ((FCGX_Request *)ctx)->in);
}

static const char *cgi_param(void *ctx, const char *name)
{
	(void)ctx;
	return getenv(name);
}

static int cgi_read(void *ctx, char *buf, int n)
{
	(void)ctx;
	return (int)fread(buf, 1, (size_t)n, stdin);
}

/* Reads the request line data and at most max_body bytes of body. */
static void read_request(struct request *req, const struct config *cfg, param_fn param,
			 read_fn rd, void *ctx)
{
	const char *cl;
	char chunk[8192];
	int n;

	memset(req, 0, sizeof *req);
	buf_init(&req->body, cfg->max_body);
	req->method = param(ctx, "REQUEST_METHOD");
	req->query = param(ctx, "QUERY_STRING");
	req->content_type = param(ctx, "CONTENT_TYPE");
	req->cookie = param(ctx, "HTTP_COOKIE");
	req->remote_addr = param(ctx, "REMOTE_ADDR");
	req->authorization = param(ctx, "HTTP_AUTHORIZATION");
	req->hook_secret = param(ctx, "HTTP_X_AIRCALL_GORGIAS_TOKEN");
	request_set_path(req, param(ctx, "REQUEST_URI"), param(ctx, "SCRIPT_NAME"),
			 param(ctx, "PATH_INFO"), cfg->public_url);
	cl = param(ctx, "CONTENT_LENGTH");
	req->content_length = cl && *cl ? strtoll(cl, NULL, 10) : -1;
	if (req->content_length > (long long)cfg->max_body) {
		/* Refused without reading: the server discards the rest. */
		req->body_too_big = 1;
		return;
	}
	if (req->content_length <= 0 && !(req->method && strcmp(req->method, "POST") == 0))
		return;
	while ((n = rd(ctx, chunk, sizeof chunk)) > 0) {
		if (buf_append(&req->body, chunk, (size_t)n)) {
			req->body_too_big = 1;
			break;
		}
		if (req->content_length > 0 && (long long)req->body.len >= req->content_length)
			break;
	}
}

static void handle(struct app *app, struct request *req, struct response *resp,
		   struct after *after)
{
	response_init(resp);
	memset(after, 0, sizeof *after);
	if (app->cfg->error[0]) {
		response_error(resp, 503, "misconfigured",
			       "the bridge is not configured; see its log");
		return;
	}
	if (schema_gate(app, resp))
		return;
	route(app, req, resp, after);
	/* Pages are written piece by piece into buffers whose first failed
	 * append sticks (buf.h): checked here once, so that a page cut short
	 * is never sent as if whole. */
	if (resp->body.err || resp->headers.err) {
		log_error("%.8s %.64s: the answer could not be built (%s)", req->method ? req->method : "?",
			  req->path, ag_strerror(resp->body.err ? resp->body.err : resp->headers.err));
		buf_reset(&resp->headers);
		response_error(resp, 500, "internal", "the answer could not be built");
	}
}

/* The CGI head of resp into out: AG_OK or AG_ENOMEM (out then empty). */
static int format_head(struct buf *out, const struct response *resp)
{
	return buf_printf(out, "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %lu\r\n"
			"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s\r\n",
		   resp->status, status_text(resp->status), resp->content_type,
		   (unsigned long)resp->body.len, resp->headers.p ? resp->headers.p : "");
}

/* A serving process never applies events itself: that would keep the
 * next request waiting behind a vendor. */
static void after_response(struct app *app, const struct after *after, int cgi)
{
	if (after->spawn_drainer)
		drainer_spawn(app->cfg, cgi);
	if (counters_flush(&app->db, 0) != AG_OK)
		log_debug("metrics: counts kept for the next flush");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int serve_fastcgi(struct app *app)
{
	FCGX_Request rq;

	if (FCGX_InitRequest(&rq, 0, 0) != 0)
		return 1;
	log_info("FastCGI worker ready");
	while (!ag_stop && FCGX_Accept_r(&rq) >= 0) {
		struct request req;
		struct response resp;
		struct after after;
		struct buf head;
		struct timespec t0;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		read_request(&req, app->cfg, fcgx_param, fcgx_read, &rq);
		handle(app, &req, &resp, &after);
		buf_init(&head, 0);
		if (format_head(&head, &resp))
			log_error("no memory left to answer %.64s", req.path);
		/* FCGX_FPrintF knows no %zu: write preformatted bytes only. */
		FCGX_PutStr(head.p, (int)head.len, rq.out);
		if (req.method && strcmp(req.method, "HEAD") != 0)
			FCGX_PutStr(resp.body.p ? resp.body.p : "", (int)resp.body.len, rq.out);
		FCGX_Finish_r(&rq);
		webhook_count(&req, &resp, seconds_since(&t0));
		buf_free(&head);
		buf_free(&req.body);
		response_free(&resp);
		after_response(app, &after, 0);
	}
	log_info("FastCGI worker stopping");
	return 0;
}

static int serve_cgi(struct app *app)
{
	struct request req;
	struct response resp;
	struct after after;
	struct buf head;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	read_request(&req, app->cfg, cgi_param, cgi_read, NULL);
	handle(app, &req, &resp, &after);
	buf_init(&head, 0);
	if (format_head(&head, &resp))
		log_error("no memory left to answer %.64s", req.path);
	if (head.p)
		fwrite(head.p, 1, head.len, stdout);
	if (req.method && strcmp(req.method, "HEAD") != 0)
		fwrite(resp.body.p ? resp.body.p : "", 1, resp.body.len, stdout);
	fflush(stdout);
	/* Closing stdout lets the web server finish the response while this
	 * process starts a drainer. */
	fclose(stdout);
	webhook_count(&req, &resp, seconds_since(&t0));
	buf_free(&head);
	buf_free(&req.body);
	response_free(&resp);
	after_response(app, &after, 1);
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct sigaction sa;
	int rc, fastcgi, cgi;

	/* Read everything from the environment before any FastCGI accept. */
	/* A configuration error is kept in cfg.error: every request then
	 * answers 503 and the log says why (below), rather than no answer. */
	AG_IGNORE(config_load(&cfg));
	log_init(cfg.log_level, cfg.log_file);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fastcgi = !FCGX_IsCGI();
	cgi = !fastcgi && getenv("GATEWAY_INTERFACE") != NULL;
	if (cfg.error[0])
		log_error("configuration: %s", cfg.error);
	if (http_global_init()) {
		log_error("libcurl could not be initialised");
		return 1;
	}
	app.cfg = &cfg;
	db_init(&app.db, cfg.database_url);
	app.db.bounded = fastcgi || cgi;
	if (fastcgi) {
		FCGX_Init();
		rc = serve_fastcgi(&app);
	} else if (cgi) {
		rc = serve_cgi(&app);
	} else {
		rc = cli_main(&app, argc, argv);
	}
	if (!cfg.error[0] && counters_flush(&app.db, 1) != AG_OK)
		log_warn("metrics: this process's last counts were not stored");
	db_close(&app.db);
	http_global_cleanup();
	config_free(&cfg);
	log_close();
	return rc;
}
