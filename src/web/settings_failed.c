#include "web/settings_failed.h"
#include "base/err.h"
#include "core/html.h"

#include <inttypes.h>
#include <string.h>

/* How many rows an event table shows (`status` lists failed ones too). */
#define FAILED_SHOWN 20

void settings_events_table(struct buf *b, enum lang l, const struct inbox_row *rows, size_t n,
			   const char *id)
{
	buf_puts(b, "<table id=\"");
	html_attr(b, id);
	buf_puts(b, "\"><tr><th>");
	html_txt(b, tr(l, "When"));
	buf_puts(b, " (UTC)</th><th>");
	html_txt(b, tr(l, "Event"));
	buf_puts(b, "</th><th>");
	html_txt(b, tr(l, "Result"));
	buf_puts(b, "</th></tr>\n");
	for (size_t i = 0; i < n && i < FAILED_SHOWN; i++) {
		buf_puts(b, "<tr><td>");
		html_txt(b, rows[i].at);
		buf_puts(b, "</td><td>");
		html_txt(b, rows[i].event);
		buf_puts(b, " <small>");
		html_txt(b, rows[i].subject);
		buf_puts(b, "</small></td><td>");
		html_txt(b, rows[i].status);
		if (rows[i].detail[0]) {
			buf_puts(b, " <small class=\"reason\">");
			html_txt(b, rows[i].detail);
			buf_puts(b, "</small>");
		}
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

int settings_render_failed(struct buf *b, enum lang l, struct app *app,
			   const struct installation *in, const struct session *s)
{
	struct inbox_row failed[FAILED_SHOWN];
	size_t n;

	if (inbox_failed(&app->db, in->id, failed, FAILED_SHOWN, &n) != AG_OK)
		return AG_EDB;
	if (n == 0)
		return AG_OK;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "Failed events"));
	buf_puts(b, "</h2>\n");
	settings_events_table(b, l, failed, n, "failed-events");
	buf_puts(b, "<form method=\"post\" action=\"settings\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, s->csrf);
	buf_puts(b, "\"><input type=\"hidden\" name=\"action\" value=\"retry\">"
		    "<button type=\"submit\" id=\"retry\">");
	html_txt(b, tr(l, "Retry failed events"));
	return buf_puts(b, "</button></form>\n") ? AG_ENOMEM : AG_OK;
}

void settings_render_refused(struct buf *b, enum lang l, const struct installation *in)
{
	const char *s = in->refused;

	if (!s || !*s)
		return;
	buf_puts(b, "<h2>");
	html_txt(b, tr(l, "What this Gorgias account refuses"));
	buf_puts(b, "</h2>\n<p class=\"note\">");
	html_txt(b, tr(l, "Requests are sent without these fields (or with the value shown):"));
	buf_puts(b, "</p>\n<ul id=\"refused\">");
	while (*s) {
		const char *end = strchr(s, '\n');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char line[256];

		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), s);
		buf_puts(b, "<li><code>");
		html_txt(b, line);
		buf_puts(b, "</code></li>");
		s += len + (end ? 1 : 0);
	}
	buf_puts(b, "</ul>\n");
}
