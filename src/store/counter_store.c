/* Owner of metric_counter (counter_store.h). */
#include "store/counter_store.h"
#include "base/buf.h"
#include "base/counters.h"

/* One element of a PostgreSQL text[] literal. */
static void array_item(struct buf *b, const char *s)
{
	buf_puts(b, b->len > 1 ? ",\"" : "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_append(b, "\\", 1);
		buf_append(b, s, 1);
	}
	buf_puts(b, "\"");
}

int counters_flush(struct db *db, int always)
{
	struct counter_row rows[COUNTERS_MAX];
	size_t n = counters_pending(always, rows, COUNTERS_MAX);
	struct buf names, labels, values;
	int rc = AG_ENOMEM;

	if (n == 0)
		return AG_OK;
	buf_init(&names, 0);
	buf_init(&labels, 0);
	buf_init(&values, 0);
	buf_puts(&names, "{");
	buf_puts(&labels, "{");
	buf_puts(&values, "{");
	for (size_t i = 0; i < n; i++) {
		array_item(&names, rows[i].name);
		array_item(&labels, rows[i].labels);
		buf_printf(&values, "%s%lld", i ? "," : "", rows[i].value);
	}
	if (buf_puts(&names, "}") != AG_OK || buf_puts(&labels, "}") != AG_OK ||
	    buf_puts(&values, "}") != AG_OK)
		goto out;
	rc = db_exec(db, "insert into metric_counter (name, labels, value) "
			 "select * from unnest($1::text[], $2::text[], $3::bigint[]) "
			 "on conflict (name, labels) do update "
			 "set value = metric_counter.value + excluded.value", 3,
		     (const char *const[]){ names.p, labels.p, values.p });
	if (rc == AG_OK)
		counters_written();
out:
	buf_free(&names);
	buf_free(&labels);
	buf_free(&values);
	return rc;
}

/* metric_counter's figures for /metrics (metrics_store.h). */
const struct metric_family counter_metrics[] = {
	{ "ag_webhook_ack_seconds", "histogram",
	  "Time from a webhook's arrival to its answer, in the bridge process",
	  "select case name when 'ag_webhook_ack_seconds_sum_us' then 'ag_webhook_ack_seconds_sum' "
	  "  else name end, labels, "
	  "  case name when 'ag_webhook_ack_seconds_sum_us' then (value / 1e6)::text "
	  "  else value::text end "
	  "from metric_counter where name in ('ag_webhook_ack_seconds_bucket', "
	  "  'ag_webhook_ack_seconds_count', 'ag_webhook_ack_seconds_sum_us') "
	  "order by name, nullif(substring(labels from 'le=\"([^\"]*)\"'), '+Inf')::float8 "
	  "  nulls last" },
	{ "ag_vendor_requests_total", "counter",
	  "Requests to Gorgias and Aircall by method, route class and HTTP status (0: no answer)",
	  "select name, labels, value::text from metric_counter "
	  "where name = 'ag_vendor_requests_total' order by labels" },
	{ "ag_media_bytes_total", "counter",
	  "Bytes of recordings, voicemails and MMS media moved from Aircall into Gorgias",
	  "select 'ag_media_bytes_total', '', coalesce(sum(value), 0)::text from metric_counter "
	  "where name = 'ag_media_bytes_total'" },
};
