#include "apply/vendor_settle.h"
#include "base/err.h"
#include "core/refusal.h"
#include "store/installation_store.h"

void vendor_settle(struct gorgias *g, const struct aircall *a, int rc)
{
	if (!g->in || g->in->id <= 0)
		return;
	if (rc == AG_EAUTH && g->refusal.kind == REFUSAL_SCOPE)
		store_disable(g->db, g->in->id, "missing_scope");
	else if (rc == AG_EAUTH && ((g->last_status >= 401 && g->last_status <= 403) ||
				    (a && a->auth_refused)))
		store_disable(g->db, g->in->id, "authorization_removed");
	else if (rc == AG_ERATE && g->limited_for_s > g->cfg->rate_patience_s)
		store_disable(g->db, g->in->id, "rate_limited");
}
