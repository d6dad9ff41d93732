/* The request path's way out when no worker is free: a detached
 * `worker --until-idle` with its own database connection, started after
 * the answer is out, at most cfg->drainers at once per host. */
#ifndef AG_DRAINER_H
#define AG_DRAINER_H

#include "base/config.h"

/* Starts a drainer unless every slot of this host is taken; never waits
 * for it. quiet: its stderr goes to /dev/null (plain CGI, whose server
 * would wait for the end of stderr); else it shares this process's. */
void drainer_spawn(const struct config *cfg, int quiet);

#endif
