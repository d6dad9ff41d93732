#include "apply/vendor_settle.h"
#include "base/err.h"
#include "core/refusal.h"
#include "base/log.h"
#include "store/installation_store.h"

/* Not disabled (PostgreSQL out of reach): the event is settled by its
 * result all the same, and the next refusal disables. */
static void disable(struct gorgias *g, const char *reason)
{
	if (store_disable(g->db, g->in->id, reason) != AG_OK)
		log_warn("installation %lld: not disabled for %s yet", (long long)g->in->id, reason);
}

void vendor_settle(struct gorgias *g, const struct aircall *a, int rc)
{
	if (!g->in || g->in->id <= 0)
		return;
	if (rc == AG_EAUTH && g->refusal.kind == REFUSAL_SCOPE)
		disable(g, "missing_scope");
	else if (rc == AG_EAUTH && ((g->last_status >= 401 && g->last_status <= 403) ||
				    (a && a->auth_refused)))
		disable(g, "authorization_removed");
	else if (rc == AG_ERATE && g->limited_for_s > g->cfg->rate_patience_s)
		disable(g, "rate_limited");
}
