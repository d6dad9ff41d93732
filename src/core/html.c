#include "core/html.h"
#include "base/err.h"

#include <string.h>
#include <strings.h>

size_t html_utf8_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	/* Each continuation byte is checked before the next is read, so a
	 * sequence cut by the terminating NUL never reads past it. */
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80)
			return 0;
		/* overlong forms and UTF-16 surrogates */
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80)
			return 0;
		/* overlong forms and code points beyond U+10FFFF */
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		if ((s[2] & 0xc0) != 0x80)
			return 0;
		return (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

static int escape(struct buf *b, const char *s, int in_attr)
{
	const char *p = s ? s : "";
	int rc = AG_OK;

	while (*p && !rc) {
		const char *rep = NULL;
		size_t n;

		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '\n': rep = in_attr ? "&#10;" : NULL; break;
		case '\t': rep = in_attr ? "&#9;" : NULL; break;
		default: break;
		}
		if (rep) {
			rc = buf_puts(b, rep);
			p++;
			continue;
		}
		n = html_utf8_len(p);
		if (n == 0) {
			rc = buf_puts(b, "\xef\xbf\xbd");
			p++;
		} else if (n == 1 && ((unsigned char)*p < 0x20 || *p == 0x7f) && *p != '\n' && *p != '\t') {
			p++; /* control characters carry nothing a reader needs */
		} else {
			rc = buf_append(b, p, n);
			p += n;
		}
	}
	return rc;
}

int html_txt(struct buf *b, const char *s)
{
	return escape(b, s, 0);
}

int html_attr(struct buf *b, const char *s)
{
	return escape(b, s, 1);
}

int html_url_ok(const char *url)
{
	const char *host;

	if (!url)
		return 0;
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return 0;
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
		return 0;
	/* Browsers strip tabs and newlines inside URLs; refusing them keeps
	 * what we checked equal to what a browser follows. */
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int html_url_attr(struct buf *b, const char *url)
{
	if (html_url_ok(url))
		return html_attr(b, url);
	return buf_puts(b, "#");
}
