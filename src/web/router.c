#include "web/handlers.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>

struct route {
	const char *path;
	const char *methods;     /* space-separated, for Allow */
	handler_fn fn;
};

static const struct route routes[] = {
	{ "/webhooks/aircall", "POST", handle_webhook },
	{ "/webhooks/gorgias", "POST", handle_gorgias_hook },
	{ "/healthz", "GET HEAD", handle_healthz },
	{ "/metrics", "GET", handle_metrics },
	{ "/install", "GET", handle_install },
	{ "/oauth/gorgias/callback", "GET", handle_gorgias_callback },
	{ "/oauth/aircall/callback", "GET", handle_aircall_callback },
	{ "/settings", "GET POST", handle_settings },
};

static int method_allowed(const char *methods, const char *m)
{
	size_t n = strlen(m);

	for (const char *p = methods; (p = strstr(p, m)); p += n)
		if ((p == methods || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

void route(struct app *app, struct request *req, struct response *resp, struct after *after)
{
	const char *m = req->method ? req->method : "";

	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *r = &routes[i];

		if (strcmp(req->path, r->path) != 0)
			continue;
		if (!*m || !method_allowed(r->methods, m)) {
			char allow[64];
			snprintf(allow, sizeof allow, "%s", r->methods);
			for (char *c = allow; *c; c++)
				if (*c == ' ')
					*c = ',';
			response_error(resp, 405, "method_not_allowed",
				       "this route does not accept that method");
			response_header(resp, "Allow", allow);
			return;
		}
		r->fn(app, req, resp, after);
		return;
	}
	response_error(resp, 404, "not_found", "no such route");
}
