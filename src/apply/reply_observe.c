#include "apply/reply_observe.h"
#include "base/err.h"
#include "base/log.h"
#include "core/plan_reply.h"
#include "store/sms_opt_out_store.h"
#include "store/sms_reply_store.h"
#include "vendor/gorgias_reply.h"

#include <inttypes.h>
#include <stdio.h>

/* Aircall reports a reply the bridge sent as not delivered: its Gorgias
 * message is marked failed (a note where Gorgias takes no such update). */
static int delivery_failed(struct executor_run *r, const struct msg_facts *f, int *handled,
			   char *note, size_t note_len)
{
	int64_t message_id, ticket_id;
	size_t part;
	char reason[120];
	int rc = sms_reply_of_aircall(&r->app->db, r->in->id, f->id, &message_id, &ticket_id, &part);

	if (rc || !message_id)
		return rc;
	*handled = 1;
	snprintf(note, note_len, "delivery of the reply to Gorgias message %" PRId64 " failed",
		 message_id);
	snprintf(reason, sizeof reason, "Aircall delivery status: %.40s", f->status);
	if ((rc = sms_reply_failed(&r->app->db, r->in->id, message_id, ticket_id, part, reason)))
		return rc;
	if (r->offline)
		return AG_OK;            /* told on the next event with the vendors open */
	rc = gorgias_reply_mark(&r->g, ticket_id, message_id, 0, reason);
	if (rc == AG_EREJECT || rc == AG_ENOTFOUND)
		rc = AG_OK;              /* the message executor's failure note is not written
					  * for it: the reason stays in sms_reply */
	if (!rc)
		rc = sms_reply_reported(&r->app->db, r->in->id, message_id);
	return rc;
}

int reply_observe(struct executor_run *r, const struct msg_facts *f, const char *phone,
		  int *handled, char *note, size_t note_len)
{
	int64_t message_id = 0;
	int opt_out, rc;

	*handled = 0;
	if (f->status_event)
		return msg_status_failed(f->status) ? delivery_failed(r, f, handled, note, note_len)
						    : AG_OK;
	if (!phone)
		return AG_OK;
	if (!f->outbound) {
		/* STOP/START: the later word wins, by the customer's own time. */
		if (reply_opt_word(f->body, &opt_out)) {
			log_info("customer on line %" PRId64 " texted an opt-%s word", f->number_id,
				 opt_out ? "out" : "in");
			return sms_opt_out_note(&r->app->db, r->in->id, f->number_id, phone, opt_out,
						f->body, f->sent_ms);
		}
		return AG_OK;
	}
	rc = sms_reply_echo(&r->app->db, r->in->id, f->id, f->number_id, phone,
			    f->body ? f->body : "", &message_id);
	if (!rc && message_id) {
		*handled = 1;
		snprintf(note, note_len, "the echo of Gorgias message %" PRId64 ", sent from Gorgias",
			 message_id);
	}
	return rc;
}
