#include "base/counters.h"
#include "base/err.h"
#include "base/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* COUNTERS_MAX (counters.h) is well above what one event or one flush
 * interval produces; beyond it a count is dropped (and said once) rather
 * than memory grown. */
#define FLUSH_AGE_S 5

struct counter {
	char name[48];
	char labels[200];
	long long value;
};

static struct counter pending[COUNTERS_MAX];
static int npending;
static int urgent;
static time_t oldest;

static const double ack_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };

void counter_add(const char *name, const char *labels, long long delta)
{
	static int warned;
	int i;

	for (i = 0; i < npending; i++)
		if (strcmp(pending[i].name, name) == 0 && strcmp(pending[i].labels, labels) == 0)
			break;
	if (i == npending) {
		if (npending == COUNTERS_MAX ||
		    strlen(name) >= sizeof pending[0].name || strlen(labels) >= sizeof pending[0].labels) {
			if (!warned++)
				log_warn("metrics: a count was dropped (too many series)");
			return;
		}
		snprintf(pending[i].name, sizeof pending[i].name, "%s", name);
		snprintf(pending[i].labels, sizeof pending[i].labels, "%s", labels);
		pending[i].value = 0;
		if (npending++ == 0)
			oldest = time(NULL);
	}
	pending[i].value += delta;
}

void counter_route_class(const char *path, char *out, size_t len)
{
	size_t o = 0;
	const char *p = path, *end = path + strcspn(path, "?#");

	if (len == 0)
		return;
	while (p < end && o + 1 < len) {
		const char *seg_end;
		int digit = 0;

		if (*p == '/') {
			out[o++] = *p++;
			continue;
		}
		for (seg_end = p; seg_end < end && *seg_end != '/'; seg_end++)
			if (*seg_end >= '0' && *seg_end <= '9')
				digit = 1;
		/* A version segment ("v1") keeps its name; any other segment
		 * with a digit is an id. */
		if (digit && !(p[0] == 'v' && seg_end - p <= 3)) {
			o += (size_t)snprintf(out + o, len - o, ":id");
		} else {
			for (; p < seg_end && o + 1 < len; p++) {
				char c = *p;

				out[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					   (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'
					   ? c : '_';
			}
		}
		if (o >= len)
			o = len - 1;
		p = seg_end;
	}
	out[o] = '\0';
}

void counter_vendor_request(const char *vendor, const char *method, const char *path,
			    long status)
{
	char route[96], labels[200];

	counter_route_class(path, route, sizeof route);
	snprintf(labels, sizeof labels, "vendor=\"%s\",method=\"%s\",route=\"%s\",status=\"%ld\"",
		 vendor, method, route, status);
	counter_add("ag_vendor_requests_total", labels, 1);
}

/* A label value of [a-z0-9._] only (event names, the bridge's codes). */
static void plain(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s && s[i] && i + 1 < len; i++)
		out[i] = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			 s[i] == '.' || s[i] == '_' ? s[i] : '_';
	out[i] = '\0';
	if (i == 0)
		snprintf(out, len, "unknown");
}

void counter_webhook_answer(const char *event, int status, const char *result)
{
	char labels[200], ev[65], code[48];

	plain(event, ev, sizeof ev);
	plain(result, code, sizeof code);
	snprintf(labels, sizeof labels, "event=\"%s\",status=\"%d\",result=\"%s\"", ev, status,
		 code);
	counter_add("ag_webhooks_received_total", labels, 1);
	urgent = 1;
}

void counter_ack_latency(double seconds)
{
	char labels[32];

	/* Every bucket is written, zero or not, so that each one exists from
	 * the first webhook on. */
	for (size_t i = 0; i < sizeof ack_buckets / sizeof ack_buckets[0]; i++) {
		snprintf(labels, sizeof labels, "le=\"%g\"", ack_buckets[i]);
		counter_add("ag_webhook_ack_seconds_bucket", labels, seconds <= ack_buckets[i]);
	}
	counter_add("ag_webhook_ack_seconds_bucket", "le=\"+Inf\"", 1);
	counter_add("ag_webhook_ack_seconds_count", "", 1);
	counter_add("ag_webhook_ack_seconds_sum_us", "", (long long)(seconds * 1e6));
}

size_t counters_pending(int always, struct counter_row *rows, size_t max)
{
	size_t n = 0;

	if (npending == 0 || (!always && !urgent && time(NULL) - oldest < FLUSH_AGE_S))
		return 0;
	for (int i = 0; i < npending && n < max; i++, n++)
		rows[n] = (struct counter_row){ pending[i].name, pending[i].labels, pending[i].value };
	return n;
}

void counters_written(void)
{
	npending = 0;
	urgent = 0;
}
