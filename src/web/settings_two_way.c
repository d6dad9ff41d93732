#include "web/settings_two_way.h"
#include "base/err.h"
#include "core/html.h"
#include "store/gorgias_hook_store.h"


static void para(struct buf *b, const char *cls, enum lang l, const char *text)
{
	buf_puts(b, cls ? "<p class=\"" : "<p>");
	if (cls) {
		buf_puts(b, cls);
		buf_puts(b, "\">");
	}
	html_txt(b, tr(l, text));
	buf_puts(b, "</p>\n");
}

int settings_render_two_way(struct buf *b, enum lang l, struct app *app,
			    const struct installation *in)
{
	struct hook_row row;

	if (hook_load(&app->db, in->id, &row))
		return AG_EDB;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "Two-way SMS"));
	buf_puts(b, "</h2>\n<p id=\"two-way\" class=\"");
	buf_puts(b, row.state == HOOK_ACTIVE ? "ok\">" : "bad\">");
	html_txt(b, tr(l, row.state == HOOK_ACTIVE ? "On" : "Off"));
	buf_puts(b, "</p>\n");
	if (row.state == HOOK_ACTIVE) {
		para(b, "note", l, "An agent's public reply in an SMS ticket is sent as an SMS from "
				   "the Aircall number of the conversation.");
		return AG_OK;
	}
	if (row.state == HOOK_NONE)
		para(b, NULL, l, "This installation was made before two-way SMS: agents' replies "
				 "in Gorgias are not sent as SMS.");
	else if (row.state == HOOK_REMOVED)
		para(b, NULL, l, "The Gorgias integration was removed when the app was uninstalled.");
	if (row.state == HOOK_FAILED) {
		buf_puts(b, "<p>");
		html_txt(b, tr(l, "Gorgias refused to create the integration"));
		buf_puts(b, ": <code>");
		html_txt(b, row.error);
		buf_puts(b, "</code></p>\n");
	}
	para(b, "note", l, "To turn it on, install again (the app asks Gorgias for the "
			   "integrations:write scope; with an API key, run the install command "
			   "again). The installation and its history are kept.");
	if (in->gorgias_oauth)
		page_install_link(b, l, app->cfg->public_url, in->account);
	return AG_OK;
}
