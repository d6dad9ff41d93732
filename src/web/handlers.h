/* The routes and their handlers (one file each). */
#ifndef AG_HANDLERS_H
#define AG_HANDLERS_H

#include "apply/process.h"
#include "web/request.h"

typedef void (*handler_fn)(struct app *app, struct request *req, struct response *resp,
			   struct after *after);

/* Routes the request: 404 for unknown paths, 405 for wrong methods. */
void route(struct app *app, struct request *req, struct response *resp, struct after *after);

void handle_webhook(struct app *app, struct request *req, struct response *resp,
		    struct after *after);
void handle_gorgias_hook(struct app *app, struct request *req, struct response *resp,
			 struct after *after);
void handle_healthz(struct app *app, struct request *req, struct response *resp,
		    struct after *after);
void handle_metrics(struct app *app, struct request *req, struct response *resp,
		    struct after *after);
void handle_install(struct app *app, struct request *req, struct response *resp,
		    struct after *after);
void handle_gorgias_callback(struct app *app, struct request *req, struct response *resp,
			     struct after *after);
void handle_aircall_callback(struct app *app, struct request *req, struct response *resp,
			     struct after *after);
void handle_settings(struct app *app, struct request *req, struct response *resp,
		     struct after *after);

#endif
