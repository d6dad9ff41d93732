/* Owner of sms_opt_out (sql/020_two_way_sms.sql). */
#include "store/sms_opt_out_store.h"

#include <stdio.h>

int sms_opt_out_note(struct db *db, int64_t installation_id, int64_t number_id, const char *phone,
		     int opted_out, const char *word, int64_t said_ms)
{
	struct db_num a = db_n(installation_id), n = db_n(number_id), t = db_n(said_ms);
	const char *p[] = { a.s, n.s, phone, opted_out ? "true" : "false", word, t.s };

	return db_exec(db,
		"insert into sms_opt_out (installation_id, number_id, phone, opted_out, word, said_ms) "
		"values ($1, $2, $3, $4::boolean, left($5, 40), $6) "
		"on conflict (installation_id, number_id, phone) do update set "
		"  opted_out = excluded.opted_out, word = excluded.word, said_ms = excluded.said_ms, "
		"  updated_at = now() where sms_opt_out.said_ms <= excluded.said_ms", 6, p);
}

int sms_opt_out_get(struct db *db, int64_t installation_id, int64_t number_id, const char *phone,
		    int *opted_out, char *word, size_t word_len)
{
	struct db_num a = db_n(installation_id), n = db_n(number_id);
	const char *p[] = { a.s, n.s, phone };
	PGresult *r = db_query(db, "select opted_out, word from sms_opt_out where installation_id = $1 "
				   "and number_id = $2 and phone = $3", 3, p);

	*opted_out = 0;
	word[0] = '\0';
	if (!r)
		return AG_EDB;
	if (PQntuples(r) == 1 && db_bool(r, 0, 0)) {
		*opted_out = 1;
		snprintf(word, word_len, "%s", db_str(r, 0, 1));
	}
	PQclear(r);
	return AG_OK;
}
