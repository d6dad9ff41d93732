/* The figures behind GET /metrics, all read from PostgreSQL (so every
 * process of every host answers the same). Each family's statement lives
 * with the owner of the table it reads (its *_metrics array); this module
 * only orders them and runs one. Label values come from the bridge's own
 * checked columns; the owners escape what needs it. */
#ifndef AG_METRICS_STORE_H
#define AG_METRICS_STORE_H

#include "base/err.h"
#include "store/db.h"

#include <stddef.h>

struct metric_family {
	const char *name;
	const char *type;   /* counter, gauge, histogram */
	const char *help;
	/* rows: series name, label text (k="v",... or ""), value */
	const char *sql;
};

/* In the order /metrics shows them. */
extern const struct metric_family *const metric_families[];
extern const size_t metric_families_count;

/* Called per series of a family; a non-AG_OK answer stops the reading. */
typedef int (*metric_row_fn)(void *arg, const char *series, const char *labels,
			     const char *value);
/* Runs one family's statement: AG_EDB when it cannot be read. */
AG_MUST_USE int metric_family_read(struct db *db, const struct metric_family *f,
				   metric_row_fn row, void *arg);

/* The schema version's figure (migrate.c, the owner of schema_version). */
extern const struct metric_family migrate_metrics[];

#endif
