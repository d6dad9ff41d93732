/* What the end of an event's run says about its installation, whichever
 * vendor's answer ended it: refused credentials disable it with
 * authorization_removed (AD1), a missing scope with missing_scope (SU1),
 * Gorgias 429s for longer than AG_RATE_PATIENCE_S with rate_limited (AD2). The event itself is
 * settled by process.c, which keeps it for re-enabling only when the
 * installation is now disabled. */
#ifndef AG_VENDOR_SETTLE_H
#define AG_VENDOR_SETTLE_H

#include "vendor/aircall.h"
#include "vendor/gorgias.h"

/* g: the run's Gorgias client (its installation names the row); a: its
 * Aircall client, or NULL when none was opened. */
void vendor_settle(struct gorgias *g, const struct aircall *a, int rc);

#endif
