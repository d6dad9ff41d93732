/* Owner of sms_reply (sql/020_two_way_sms.sql, 021). */
#include "store/sms_reply_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sms_reply_load(struct db *db, int64_t installation_id, int64_t message_id,
		   struct reply_record *rec, char *reason, size_t reason_len)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id);
	const char *p[] = { a.s, m.s };
	PGresult *r;

	memset(rec, 0, sizeof *rec);
	reason[0] = '\0';
	r = db_query(db, "select part, state, coalesce(reason, ''), reported from sms_reply "
			 "where installation_id = $1 and gorgias_message_id = $2 order by part", 2, p);
	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t part = db_i64(r, i, 0);
		const char *state = db_str(r, i, 1);

		if (strcmp(state, "skipped") == 0)
			rec->skipped = 1;
		else if (part >= 0 && part < REPLY_MAX_PARTS)
			rec->part[part] = strcmp(state, "sent") == 0 ? PART_SENT
					: strcmp(state, "failed") == 0 ? PART_FAILED : PART_SENDING;
		if (db_str(r, i, 2)[0] && !reason[0])
			snprintf(reason, reason_len, "%s", db_str(r, i, 2));
		rec->reported = rec->reported || db_bool(r, i, 3);
	}
	PQclear(r);
	rec->reason = reason[0] ? reason : NULL;
	return AG_OK;
}

int sms_reply_intent(struct db *db, int64_t installation_id, int64_t message_id,
		     int64_t ticket_id, size_t part, int64_t number_id, const char *phone,
		     const char *body)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id), t = db_n(ticket_id),
		      pt = db_n((int64_t)part), n = db_n(number_id);
	const char *p[] = { a.s, m.s, t.s, pt.s, n.s, phone, body };
	PGresult *r = db_query(db,
		"insert into sms_reply (installation_id, gorgias_message_id, gorgias_ticket_id, part, "
		"  state, number_id, customer_phone, body) "
		"values ($1, $2, $3, $4, 'sending', $5, $6, $7) on conflict do nothing returning part",
		7, p);
	int inserted;

	if (!r)
		return AG_EDB;
	inserted = PQntuples(r) == 1;
	PQclear(r);
	return inserted ? AG_OK : AG_ECONFLICT;
}

int sms_reply_sent(struct db *db, int64_t installation_id, int64_t message_id, size_t part,
		   const char *aircall_id)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id), pt = db_n((int64_t)part);
	const char *p[] = { a.s, m.s, pt.s, aircall_id };

	/* The echo may have completed it already (sms_reply_echo): same id. */
	return db_exec(db, "update sms_reply set state = 'sent', aircall_message_id = $4, "
			   "  updated_at = now() "
			   "where installation_id = $1 and gorgias_message_id = $2 and part = $3 "
			   "  and (aircall_message_id is null or aircall_message_id = $4)", 4, p);
}

int sms_reply_unsent(struct db *db, int64_t installation_id, int64_t message_id, size_t part)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id), pt = db_n((int64_t)part);
	const char *p[] = { a.s, m.s, pt.s };

	return db_exec(db, "delete from sms_reply where installation_id = $1 and "
			   "gorgias_message_id = $2 and part = $3 and state = 'sending' "
			   "and aircall_message_id is null", 3, p);
}

int sms_reply_failed(struct db *db, int64_t installation_id, int64_t message_id,
		     int64_t ticket_id, size_t part, const char *reason)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id), t = db_n(ticket_id),
		      pt = db_n((int64_t)part);
	const char *p[] = { a.s, m.s, t.s, pt.s, reason };

	return db_exec(db,
		"insert into sms_reply (installation_id, gorgias_message_id, gorgias_ticket_id, part, "
		"  state, reason) values ($1, $2, $3, $4, 'failed', left($5, 300)) "
		"on conflict (installation_id, gorgias_message_id, part) do update set "
		"  state = 'failed', reason = excluded.reason, reported = false, updated_at = now() "
		"where sms_reply.state <> 'failed'", 5, p);
}

int sms_reply_skipped(struct db *db, int64_t installation_id, int64_t message_id,
		      int64_t ticket_id, const char *reason, int reported)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id), t = db_n(ticket_id);
	const char *p[] = { a.s, m.s, t.s, reason, reported ? "true" : "false" };

	return db_exec(db,
		"insert into sms_reply (installation_id, gorgias_message_id, gorgias_ticket_id, part, "
		"  state, reason, reported) values ($1, $2, $3, 0, 'skipped', left($4, 300), $5) "
		"on conflict do nothing", 5, p);
}

int sms_reply_reported(struct db *db, int64_t installation_id, int64_t message_id)
{
	struct db_num a = db_n(installation_id), m = db_n(message_id);
	const char *p[] = { a.s, m.s };

	return db_exec(db, "update sms_reply set reported = true, updated_at = now() "
			   "where installation_id = $1 and gorgias_message_id = $2", 2, p);
}

int sms_reply_echo(struct db *db, int64_t installation_id, const char *aircall_id,
		   int64_t number_id, const char *phone, const char *body, int64_t *message_id)
{
	struct db_num a = db_n(installation_id), n = db_n(number_id);
	const char *p[] = { a.s, aircall_id, n.s, phone, body };
	PGresult *r;

	*message_id = 0;
	r = db_query(db,
		"with known as (select gorgias_message_id from sms_reply "
		"  where installation_id = $1 and aircall_message_id = $2), "
		"pending as (select installation_id, gorgias_message_id, part from sms_reply "
		"  where installation_id = $1 and state = 'sending' and aircall_message_id is null "
		"    and number_id = $3 and customer_phone = $4 and body = $5 "
		"    and not exists (select 1 from known) "
		"  order by created_at, part limit 1 for update skip locked), "
		"claimed as (update sms_reply s set state = 'sent', aircall_message_id = $2, "
		"    updated_at = now() from pending "
		"  where (s.installation_id, s.gorgias_message_id, s.part) = "
		"    (pending.installation_id, pending.gorgias_message_id, pending.part) "
		"  returning s.gorgias_message_id) "
		"select coalesce((select gorgias_message_id from known limit 1), "
		"  (select gorgias_message_id from claimed))", 5, p);
	if (!r)
		return AG_EDB;
	*message_id = db_i64(r, 0, 0);
	PQclear(r);
	return AG_OK;
}

int sms_reply_of_aircall(struct db *db, int64_t installation_id, const char *aircall_id,
			 int64_t *message_id, int64_t *ticket_id, size_t *part)
{
	struct db_num a = db_n(installation_id);
	const char *p[] = { a.s, aircall_id };
	PGresult *r = db_query(db, "select gorgias_message_id, gorgias_ticket_id, part from sms_reply "
				   "where installation_id = $1 and aircall_message_id = $2", 2, p);

	*message_id = *ticket_id = 0;
	*part = 0;
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1) {
		*message_id = db_i64(r, 0, 0);
		*ticket_id = db_i64(r, 0, 1);
		*part = (size_t)db_i64(r, 0, 2);
	}
	PQclear(r);
	return AG_OK;
}
