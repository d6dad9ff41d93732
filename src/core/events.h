/* The Aircall events the bridge applies: one list, used both to accept a
 * webhook and to subscribe the webhook created at install (so that the
 * subscription can never miss an event the bridge handles). */
#ifndef AG_EVENTS_H
#define AG_EVENTS_H

#include "base/err.h"

#include <stddef.h>

extern const char *const events_handled[];
extern const size_t events_handled_n;

AG_MUST_USE int event_handled(const char *event);

#endif
