/* The web processes serve only a database schema they understand. */
#ifndef AG_SCHEMA_GATE_H
#define AG_SCHEMA_GATE_H

#include "apply/process.h"
#include "web/request.h"

/* 0 when the schema fits this binary (or PostgreSQL is unreachable: the
 * handlers answer that themselves); otherwise sets a 503 on resp, logs
 * why once per check and returns 1. Checked again after a while, so a
 * `migrate` run while the processes live is noticed without a restart. */
int schema_gate(struct app *app, struct response *resp);

#endif
