/* The figures behind GET /metrics, all read from PostgreSQL (so every
 * process of every host answers the same). */
#ifndef AG_METRICS_STORE_H
#define AG_METRICS_STORE_H

#include "store/db.h"

struct metric_family {
	const char *name;
	const char *type;   /* counter, gauge, histogram */
	const char *help;
	/* rows: series name, label text (k="v",... or ""), value */
	const char *sql;
};

extern const struct metric_family metric_families[];
extern const size_t metric_families_count;

#endif
