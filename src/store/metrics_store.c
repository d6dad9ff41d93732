/* GET /metrics: the families in the order it shows them, each read by the
 * owner of its table(s) (see their *_metrics arrays), all from PostgreSQL
 * so that every process of every host answers the same. */
#include "store/metrics_store.h"
#include "store/budget_store.h"
#include "store/counter_store.h"
#include "store/inbox.h"
#include "store/installation_store.h"
#include "store/worker_store.h"

const struct metric_family *const metric_families[] = {
	&inbox_metrics[0],
	&inbox_metrics[1],
	&inbox_metrics[2],
	&inbox_metrics[3],
	&counter_metrics[0],
	&counter_metrics[1],
	&budget_metrics[0],
	&budget_metrics[1],
	&budget_metrics[2],
	&budget_metrics[3],
	&installation_metrics[0],
	&counter_metrics[2],
	&worker_metrics[0],
	&worker_metrics[1],
	&migrate_metrics[0],
};

const size_t metric_families_count = sizeof metric_families / sizeof metric_families[0];

int metric_family_read(struct db *db, const struct metric_family *f, metric_row_fn row, void *arg)
{
	PGresult *r = db_query(db, f->sql, 0, NULL);
	int rc = AG_OK;

	if (!r)
		return AG_EDB;
	for (int i = 0; i < PQntuples(r) && rc == AG_OK; i++)
		rc = row(arg, db_str(r, i, 0), db_str(r, i, 1), db_str(r, i, 2));
	PQclear(r);
	return rc;
}
