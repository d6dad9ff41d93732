/* What a webhook's answer adds to the counters (after it was sent). */
#ifndef AG_WEBHOOK_COUNT_H
#define AG_WEBHOOK_COUNT_H

#include "web/request.h"

/* For POST /webhooks/aircall: the acknowledgement latency, and the answer
 * unless it stored a new event (the inbox counts those). A 503 is not
 * counted: it means PostgreSQL, where counts go, is out of reach. */
void webhook_count(const struct request *req, const struct response *resp, double seconds);

#endif
