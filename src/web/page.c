#include "web/page.h"
#include "core/html.h"

#include <stdio.h>
#include <string.h>

static const struct { const char *en, *de; } words[] = {
	{ "Connect Aircall to Gorgias", "Aircall mit Gorgias verbinden" },
	{ "Your Gorgias subdomain (the acme in acme.gorgias.com)",
	  "Ihre Gorgias-Subdomain (acme in acme.gorgias.com)" },
	{ "Continue", "Weiter" },
	{ "Aircall for Gorgias", "Aircall f\xc3\xbcr Gorgias" },
	{ "Install failed", "Installation fehlgeschlagen" },
	{ "Not available", "Nicht verf\xc3\xbcgbar" },
	{ "Session expired", "Sitzung abgelaufen" },
	{ "Settings", "Einstellungen" },
	{ "State", "Status" },
	{ "Enabled", "Aktiv" },
	{ "Disabled", "Deaktiviert" },
	{ "Reason", "Grund" },
	{ "How to fix", "Abhilfe" },
	{ "Re-enable", "Wieder aktivieren" },
	{ "Install again", "Erneut installieren" },
	{ "Numbers", "Nummern" },
	{ "Only calls and messages on the checked numbers reach Gorgias.",
	  "Nur Anrufe und Nachrichten der markierten Nummern gelangen zu Gorgias." },
	{ "Save", "Speichern" },
	{ "Saved.", "Gespeichert." },
	{ "Activity", "Aktivit\xc3\xa4t" },
	{ "Pending events", "Wartende Ereignisse" },
	{ "Failed events", "Fehlgeschlagene Ereignisse" },
	{ "Last events processed", "Zuletzt verarbeitete Ereignisse" },
	{ "None yet.", "Noch keine." },
	{ "API budget", "API-Budget" },
	{ "Gorgias requests in the current window", "Gorgias-Anfragen im aktuellen Fenster" },
	{ "Requests in total", "Anfragen insgesamt" },
	{ "Rate limited", "Ratenbegrenzt" },
	{ "Two-way SMS", "SMS in beide Richtungen" },
	{ "On", "An" },
	{ "Off", "Aus" },
	{ "An agent's public reply in an SMS ticket is sent as an SMS from the Aircall number of the conversation.",
	  "Die \xc3\xb6" "ffentliche Antwort eines Agenten in einem SMS-Ticket wird als SMS von der "
	  "Aircall-Nummer der Unterhaltung gesendet." },
	{ "This installation was made before two-way SMS: agents' replies in Gorgias are not sent as SMS.",
	  "Diese Installation stammt von vor der SMS in beide Richtungen: Antworten der Agenten in "
	  "Gorgias werden nicht als SMS gesendet." },
	{ "The Gorgias integration was removed when the app was uninstalled.",
	  "Die Gorgias-Integration wurde beim Deinstallieren der App entfernt." },
	{ "Gorgias refused to create the integration", "Gorgias hat die Integration abgelehnt" },
	{ "To turn it on, install again (the app asks Gorgias for the integrations:write scope; with an API key, run the install command again). The installation and its history are kept.",
	  "Zum Einschalten erneut installieren (die App fragt Gorgias nach dem Scope "
	  "integrations:write; mit einem API-Schl\xc3\xbcssel den install-Befehl erneut ausf\xc3\xbchren). "
	  "Installation und Verlauf bleiben erhalten." },
	{ "Defaults", "Voreinstellungen" },
	{ "Default country (ISO code)", "Standardland (ISO-Code)" },
	{ "Language of notes", "Sprache der Notizen" },
	{ "Time zone", "Zeitzone" },
	{ "Aircall is not connected yet.", "Aircall ist noch nicht verbunden." },
	{ "The Aircall numbers could not be listed right now; the stored list is shown.",
	  "Die Aircall-Nummern konnten gerade nicht abgerufen werden; die gespeicherte Liste wird angezeigt." },
	{ "The app was uninstalled or its authorisation was revoked.",
	  "Die App wurde deinstalliert oder ihre Berechtigung widerrufen." },
	{ "Install the app again from Gorgias or Aircall: the installation and its history are kept.",
	  "Installieren Sie die App erneut aus Gorgias oder Aircall: Installation und Verlauf bleiben erhalten." },
	{ "The Gorgias API limit kept being reached.", "Das Gorgias-API-Limit wurde wiederholt erreicht." },
	{ "Re-enable below; kept events are then sent in order.",
	  "Unten wieder aktivieren; aufbewahrte Ereignisse werden dann der Reihe nach gesendet." },
	{ "No Gorgias admin could be found to author notes.",
	  "Es wurde kein Gorgias-Administrator als Verfasser der Notizen gefunden." },
	{ "Make sure the account has an active admin, then re-enable.",
	  "Sorgen Sie f\xc3\xbcr einen aktiven Administrator und aktivieren Sie dann wieder." },
	{ "Disabled by an operator.", "Von einem Betreiber deaktiviert." },
	{ "Re-enable when ready.", "Wieder aktivieren, wenn bereit." },
	{ "Open this page again from the link in your install email or run the settings-link command.",
	  "\xc3\x96" "ffnen Sie die Seite erneut \xc3\xbc" "ber einen neuen Link (Befehl settings-link)." },
	{ "Gorgias refused a request because the app's authorisation lacks a scope.",
	  "Gorgias hat eine Anfrage abgelehnt, weil der Berechtigung der App ein Scope fehlt." },
	{ "Install the app again so that Gorgias grants the scopes it asks for.",
	  "Installieren Sie die App erneut, damit Gorgias die angefragten Scopes gew\xc3\xa4hrt." },
	{ "Retry failed events", "Fehlgeschlagene Ereignisse erneut versuchen" },
	{ "What this Gorgias account refuses", "Was dieses Gorgias-Konto ablehnt" },
	{ "Requests are sent without these fields (or with the value shown):",
	  "Anfragen werden ohne diese Felder (oder mit dem gezeigten Wert) gesendet:" },
	{ "Event", "Ereignis" },
	{ "Result", "Ergebnis" },
	{ "When", "Wann" },
};

const char *tr(enum lang l, const char *en)
{
	if (l == LANG_DE)
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			if (strcmp(words[i].en, en) == 0)
				return words[i].de;
	return en;
}

enum lang lang_of(const char *locale)
{
	return locale && strcmp(locale, "de") == 0 ? LANG_DE : LANG_EN;
}

void page_begin(struct buf *b, enum lang l, const char *title)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"");
	buf_puts(b, l == LANG_DE ? "de" : "en");
	buf_puts(b, "\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_txt(b, title);
	buf_puts(b, "</title><style>"
		    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
		    "line-height:1.4;color:#222}"
		    "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ddd}"
		    "label{display:block;margin:.4rem 0}input[type=text],select{width:100%;padding:.5rem;"
		    "box-sizing:border-box;font-size:1rem}"
		    "button{padding:.6rem 1.2rem;font-size:1rem;margin:.6rem 0}"
		    ".ok{color:#1a7f37}.bad{color:#b42318}.num label{display:flex;gap:.6rem;align-items:center}"
		    "table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;"
		    "padding:.25rem;border-bottom:1px solid #eee;word-break:break-word}"
		    ".note{background:#f4f6f8;padding:.6rem;border-radius:4px}"
		    "</style></head><body>\n<h1>");
	html_txt(b, title);
	buf_puts(b, "</h1>\n");
}

void page_end(struct buf *b)
{
	buf_puts(b, "</body></html>\n");
}

void page_security_headers(struct response *resp)
{
	response_header(resp, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
			"frame-ancestors 'none'; base-uri 'none'");
	response_header(resp, "X-Frame-Options", "DENY");
	response_header(resp, "Referrer-Policy", "no-referrer");
}

void page_message(struct response *resp, int status, enum lang l, const char *title,
		  const char *text)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	page_begin(&resp->body, l, tr(l, title));
	buf_puts(&resp->body, "<p>");
	html_txt(&resp->body, text);
	buf_puts(&resp->body, "</p>\n");
	page_end(&resp->body);
}

void page_redirect(struct response *resp, int status, const char *location)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	if (response_header(resp, "Location", location))
		resp->status = 500;
}

void page_install_link(struct buf *b, enum lang l, const char *public_url, const char *account)
{
	char url[512];

	snprintf(url, sizeof url, "%s/install?account=%s", public_url, account);
	buf_puts(b, "<p><a href=\"");
	html_url_attr(b, url);
	buf_puts(b, "\">");
	html_txt(b, tr(l, "Install again"));
	buf_puts(b, "</a></p>\n");
}
