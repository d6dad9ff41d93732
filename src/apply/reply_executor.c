/* Two-way SMS (docs/two-way-sms.md): a delivery of the Gorgias integration
 * names a ticket (and a message when the template renders it). This first
 * version records the delivery as done without sending. */
#include "apply/executor.h"
#include "base/err.h"

#include <stdio.h>

struct reply_run { int unit; };
struct reply_op { int none; };

static int reply_read(struct executor_run *r)
{
	snprintf(r->subject, sizeof r->subject, "%s", r->ev->subject);
	return AG_OK;
}

static int reply_prepare(struct executor_run *r)
{
	r->offline = 1;
	return AG_OK;
}

static int reply_load(struct executor_run *r)
{
	return executor_load_posted(r);
}

static int reply_next(struct executor_run *r, int *more)
{
	struct reply_run *k = r->kind;

	*more = k->unit++ == 0;
	return AG_OK;
}

static int reply_plan(struct executor_run *r, void *op, struct executor_step *s)
{
	(void)op;
	s->done = 1;
	snprintf(r->out->note, sizeof r->out->note, "two-way SMS: not sent by this version");
	return AG_OK;
}

static int reply_execute(struct executor_run *r, void *op)
{
	(void)r;
	(void)op;
	return AG_OK;
}

static void reply_op_free(void *op)
{
	(void)op;
}

const struct executor_kind reply_executor = {
	.event_prefix = "gorgias.", .what = "reply", .kind_size = sizeof(struct reply_run),
	.op_size = sizeof(struct reply_op), .max_steps = 8,
	.read = reply_read, .prepare = reply_prepare, .load = reply_load, .next = reply_next,
	.plan = reply_plan, .execute = reply_execute, .op_free = reply_op_free,
};
