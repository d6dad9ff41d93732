/* Counters of what this process did that no table records by itself:
 * vendor requests by route class and status, media bytes moved, webhooks
 * answered with anything but a fresh store, acknowledgement latency. Kept
 * in memory and added to metric_counter in one statement (counters_flush,
 * store/counter_store.c), so that every process's /metrics shows the sum
 * of all of them. */
#ifndef AG_COUNTERS_H
#define AG_COUNTERS_H

#include "base/err.h"

#include <stddef.h>

/* Adds delta to name{labels} (labels already in Prometheus text form). */
void counter_add(const char *name, const char *labels, long long delta);
/* One vendor request: vendor "gorgias"/"aircall", the path it went to
 * (reduced to its route class) and the HTTP status (0: no answer). */
void counter_vendor_request(const char *vendor, const char *method, const char *path,
			    long status);
/* A webhook answered by this process: its event (NULL when unknown),
 * status and result code; answers that stored a new event are counted
 * from the inbox instead. */
void counter_webhook_answer(const char *event, int status, const char *result);
/* Time from a webhook's arrival to its answer. */
void counter_ack_latency(double seconds);

/* What was counted and not yet written, when it is due: always = 0 only
 * when something urgent was counted or the oldest count is 5 s old. Fills
 * at most max rows (pointing into the counters, valid until the next
 * counter_* call) and says how many; 0 when nothing is due. */
#define COUNTERS_MAX 128
struct counter_row {
	const char *name;
	const char *labels;
	long long value;
};
AG_MUST_USE size_t counters_pending(int always, struct counter_row *rows, size_t max);
/* The rows counters_pending gave are stored: start counting afresh. */
void counters_written(void);

/* The route class of a vendor path: no query, every segment holding a
 * digit replaced by ":id" (so one route is one series). Pure. */
void counter_route_class(const char *path, char *out, size_t len);

#endif
