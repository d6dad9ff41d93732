/* The one skeleton every kind of event is applied through:
 *
 *   claim (process.c) → read the event → lock its subject → prepare →
 *   open the vendors → load the stored state → for each unit of work:
 *   plan (pure, core/) → execute one operation → record → ... until
 *   nothing is owed → end the run (note, vendor_settle, unlock) →
 *   settle the inbox row (process.c).
 *
 * A kind of event is a plug: a `struct executor_kind` of callbacks plus its
 * own run state (kind_size bytes, zeroed, at run->kind). The skeleton owns
 * the subject lock, the vendor clients, the recorded op keys, the caller
 * lock, the step loop with its progress rule and the end of the run; the
 * plug owns what its subject's state is and how each of its operations is
 * done.
 *
 * A third kind plugs in with one new file and one line:
 *
 *   // apply/reply_executor.c
 *   struct reply_run { struct reply_facts f; struct reply_op op; ... };
 *   static int reply_read(struct executor_run *r)
 *   {       // fills r->subject from r->ev, AG_EINVAL with a note if unusable
 *   }
 *   static int reply_load(struct executor_run *r) { ...; return executor_load_posted(r); }
 *   static int reply_next(struct executor_run *r, int *more) { ... one unit ... }
 *   static int reply_plan(struct executor_run *r, void *op, struct executor_step *s)
 *   {       // plan_reply(...) from core/: s->done when nothing is owed
 *   }
 *   static int reply_execute(struct executor_run *r, void *op)
 *   {       // one vendor request, executor_record(r, key, id), executor_load_posted(r)
 *   }
 *   const struct executor_kind reply_executor = {
 *           .event_prefix = "gorgias.", .what = "reply", .kind_size = sizeof(struct reply_run),
 *           .op_size = sizeof(struct reply_op), .max_steps = 8,
 *           .read = reply_read, .load = reply_load, .next = reply_next,
 *           .plan = reply_plan, .execute = reply_execute, .op_free = reply_op_free,
 *   };
 *
 *   // process.c: the table of kinds
 *   static const struct executor_kind *const kinds[] = { &call_executor, &message_executor,
 *                                                        &reply_executor };
 */
#ifndef AG_EXECUTOR_H
#define AG_EXECUTOR_H

#include "apply/process.h"
#include "apply/progress.h"
#include "base/err.h"
#include "core/optional.h"
#include "core/phone.h"
#include "store/posted_op_store.h"
#include "vendor/aircall.h"
#include "vendor/gorgias.h"

#include <stddef.h>
#include <stdint.h>

/* What the skeleton holds for one run, whatever the kind. */
struct executor_run {
	struct app *app;
	struct installation *in;
	struct inbox_event *ev;
	struct outcome *out;
	const struct executor_kind *kind_of;
	void *kind;                   /* the plug's run state (kind_size bytes, owned) */
	char subject[96];             /* locked for the run; posted_op keys live under it */
	struct gorgias g;
	struct aircall a;
	int offline;                  /* set by prepare: no vendors, no load (see prepare) */
	struct posted done;           /* op keys recorded for the subject */
	char phone[PHONE_MAX];        /* the caller's number, for the caller lock */
	struct caller_hold caller;
	int gone_retries;             /* cached ids found gone in this run (RB2) */
	long hold_s;                  /* a plug's own wait (with AG_EBUSY), before the vendors' */
};

/* What plan says about the operation it kept in *op. */
struct executor_step {
	int done;      /* nothing owed for this unit (a skip sets out->note itself) */
	int lookup;    /* a lookup: progress only when it needed a Gorgias request */
};

struct executor_kind {
	const char *event_prefix;     /* the inbox events it applies ("call.") */
	const char *what;             /* its subject, in notes ("call") */
	size_t kind_size;             /* its run state */
	size_t op_size;               /* its planned operation */
	int max_steps;                /* operations per unit and run */
	/* Reads the event before anything is locked: fills r->subject;
	 * AG_EINVAL with a note for an event it cannot apply. */
	int (*read)(struct executor_run *r);
	/* Optional, under the lock and before the vendors are opened: may set
	 * r->offline when nothing will be sent (the planner says why); then
	 * neither the vendors are opened nor load is called, and prepare sets
	 * up what next and plan need. */
	int (*prepare)(struct executor_run *r);
	/* Loads the stored state, the recorded keys among it (executor_load_posted). */
	int (*load)(struct executor_run *r);
	/* Moves to the next unit of work (one event may apply several: a
	 * conversation's waiting messages); *more = 0 when none is left. */
	int (*next)(struct executor_run *r, int *more);
	/* Plans the unit's next operation into op (zeroed, op_size bytes). */
	int (*plan)(struct executor_run *r, void *op, struct executor_step *s);
	/* Executes the planned operation and records what landed. */
	int (*execute)(struct executor_run *r, void *op);
	/* Optional: frees what a planned operation owns. */
	void (*op_free)(void *op);
	/* Optional: is the caller's customer known (the caller lock is let go)? */
	int (*customer_known)(const struct executor_run *r);
	/* Optional: frees what the run state owns. */
	void (*release)(struct executor_run *r);
};

/* Applies one claimed event of this kind; the result in *out. */
void executor_apply(const struct executor_kind *kind, struct app *app, struct installation *in,
		    struct inbox_event *ev, struct outcome *out);

/* Services of the skeleton for the plugs. */
/* (Re)loads the op keys recorded for r->subject into r->done. */
AG_MUST_USE int executor_load_posted(struct executor_run *r);
/* Records key as done (gorgias_id: what it made, 0 for nothing); after
 * the last of an operation's keys, executor_load_posted. */
AG_MUST_USE int executor_record(struct executor_run *r, const char *key, int64_t gorgias_id);
/* Forgets key (owed again); NULL: every key of the subject. */
AG_MUST_USE int executor_unrecord(struct executor_run *r, const char *key);
/* A creation sent before a crash may have landed: before sending it again
 * (a request only then), looks for ext among the external ids of the
 * Gorgias list at path. *id: what has it (1 when it has no id), 0 when
 * none does; a 404 of the list is "none". */
AG_MUST_USE int executor_find_sent(struct executor_run *r, const char *path, const char *ext,
				   int64_t *id);
/* POST /api/tickets with body (modified in place): its tags as ids where
 * the account creates none from names (TC3: learnt from the refusal, then
 * sent again), the optional fields left out where refused (RB2,
 * degrade.h). *made: Gorgias's answer (owned), or NULL. */
AG_MUST_USE int executor_post_ticket(struct executor_run *r, json_t *body,
				     const struct optional_field *opt, size_t nopt, json_t **made);
/* TC3: this account does not create tags from names; from now on they are
 * sent as ids (remembered for the installation). */
void executor_tags_by_id(struct executor_run *r);
/* Takes the caller lock for r->phone (kept until the customer is known). */
AG_MUST_USE int executor_hold_caller(struct executor_run *r);

/* The kinds (call_executor.c, message_executor.c). */
extern const struct executor_kind call_executor;
extern const struct executor_kind message_executor;
extern const struct executor_kind reply_executor;     /* reply_executor.c: two-way SMS */

#endif
