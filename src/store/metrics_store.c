#include "store/metrics_store.h"

/* Label values come from the bridge's own checked columns: event names are
 * [a-z0-9._] (webhook.c); unhandled events (stored ignored, never claimed),
 * whose names the sender chooses, count as "other", or the label set would
 * grow without bound; accounts [a-z0-9-] (a check constraint), scopes
 * "<vendor>:<account or id>"; none needs escaping. Host names do: ESC. */
#define ESC(col) "replace(replace(replace(" col ", '\\', '\\\\'), '\"', '\\\"'), chr(10), '\\n')"
/* Inbox counts read the whole table: with years of events, prune it
 * before scrapes grow slow. */
const struct metric_family metric_families[] = {
	{ "ag_webhooks_received_total", "counter",
	  "Aircall webhooks answered, by event, HTTP status and result (accepted ones "
	  "from the inbox; 503s, answered while PostgreSQL was out of reach, are not counted)",
	  "select 'ag_webhooks_received_total', "
	  "  format('event=\"%s\",status=\"200\",result=\"accepted\"', "
	  "    case when status = 'ignored' and attempts = 0 then 'other' else event end), "
	  "  count(*)::text "
	  "from inbox group by 2 "
	  "union all select name, labels, value::text from metric_counter "
	  "where name = 'ag_webhooks_received_total' order by 2" },
	{ "ag_events", "gauge",
	  "Inbox events by installation and state (applied, failed, pending, ignored)",
	  "select 'ag_events', format('installation=\"%s\",state=\"%s\"', n.id, s.state), "
	  "  count(i.id)::text "
	  "from installation n "
	  "cross join (values ('applied'), ('failed'), ('ignored'), ('pending')) s(state) "
	  "left join inbox i on i.installation_id = n.id and s.state = case i.status "
	  "  when 'done' then 'applied' when 'working' then 'pending' else i.status end "
	  "group by n.id, s.state order by n.id, s.state" },
	{ "ag_inbox_depth", "gauge", "Events waiting in the inbox (pending or being applied)",
	  "select 'ag_inbox_depth', '', count(*)::text from inbox "
	  "where status in ('pending', 'working')" },
	{ "ag_inbox_oldest_due_seconds", "gauge",
	  "Age of the oldest event of an enabled installation that is due and not applied "
	  "(0 when none): how far behind the bridge is",
	  "select 'ag_inbox_oldest_due_seconds', '', "
	  "  coalesce(extract(epoch from now() - min(i.next_attempt_at)), 0)::text "
	  "from inbox i join installation n on n.id = i.installation_id and n.state = 'enabled' "
	  "where i.status in ('pending', 'working') and i.next_attempt_at <= now()" },
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
	{ "ag_rate_limited_total", "counter",
	  "429 answers per budget scope (gorgias:<account>, aircall:<installation>)",
	  "select 'ag_rate_limited_total', format('scope=\"%s\"', scope), total_limited::text "
	  "from rate_limit order by scope" },
	{ "ag_budget_used", "gauge", "Requests sent in the current window per budget scope",
	  "select 'ag_budget_used', format('scope=\"%s\"', r.scope), "
	  "  (select count(*) from rate_use u where u.scope = r.scope "
	  "   and u.at > now() - make_interval(secs => r.window_seconds))::text "
	  "from rate_limit r order by r.scope" },
	{ "ag_budget_limit", "gauge", "The vendor's request limit per window per budget scope",
	  "select 'ag_budget_limit', format('scope=\"%s\"', scope), request_limit::text "
	  "from rate_limit order by scope" },
	{ "ag_budget_window_seconds", "gauge", "The vendor's rate-limit window per budget scope",
	  "select 'ag_budget_window_seconds', format('scope=\"%s\"', scope), "
	  "  window_seconds::text from rate_limit order by scope" },
	{ "ag_installation_enabled", "gauge",
	  "1 while an installation is enabled, 0 once it disabled itself (reason label)",
	  "select 'ag_installation_enabled', "
	  "  format('installation=\"%s\",account=\"%s\",reason=\"%s\"', id, gorgias_account, "
	  "  coalesce(disabled_reason, '')), (state = 'enabled')::int::text "
	  "from installation order by id" },
	{ "ag_media_bytes_total", "counter",
	  "Bytes of recordings, voicemails and MMS media moved from Aircall into Gorgias",
	  "select 'ag_media_bytes_total', '', coalesce(sum(value), 0)::text from metric_counter "
	  "where name = 'ag_media_bytes_total'" },
	{ "ag_worker_heartbeat_age_seconds", "gauge",
	  "Seconds since each event-applying process (worker, or a web process's drainer) last "
	  "said it is alive; a row whose age keeps growing is a process that died",
	  "select 'ag_worker_heartbeat_age_seconds', "
	  "  format('worker=\"%s\",kind=\"%s\",host=\"%s\"', " ESC("id") ", kind, " ESC("host") "), "
	  "  extract(epoch from now() - seen_at)::text from worker order by id" },
	{ "ag_worker_busy", "gauge", "1 while a worker applies events, 0 while it waits for them",
	  "select 'ag_worker_busy', "
	  "  format('worker=\"%s\",kind=\"%s\",host=\"%s\"', " ESC("id") ", kind, " ESC("host") "), "
	  "  (busy_since is not null)::int::text from worker order by id" },
	{ "ag_schema_version", "gauge", "The database schema version (last applied migration)",
	  "select 'ag_schema_version', '', coalesce(max(version), 0)::text from schema_version" },
};

const size_t metric_families_count = sizeof metric_families / sizeof metric_families[0];
