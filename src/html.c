#include "html.h"
#include "err.h"

#include <string.h>
#include <strings.h>

/* Length of the valid UTF-8 sequence at s (1-4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

int html_txt(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = AG_OK;

	while (*p && !rc) {
		size_t n;

		switch (*p) {
		case '&': rc = buf_puts(b, "&amp;"); p++; continue;
		case '<': rc = buf_puts(b, "&lt;"); p++; continue;
		case '>': rc = buf_puts(b, "&gt;"); p++; continue;
		case '"': rc = buf_puts(b, "&quot;"); p++; continue;
		case '\'': rc = buf_puts(b, "&#39;"); p++; continue;
		default: break;
		}
		n = utf8_len(p);
		if (n == 0) {
			rc = buf_puts(b, "\xef\xbf\xbd");
			p++;
		} else if (n == 1 && *p < 0x20 && *p != '\n' && *p != '\t') {
			p++; /* control characters carry nothing a reader needs */
		} else {
			rc = buf_append(b, p, n);
			p += n;
		}
	}
	return rc;
}

int html_attr(struct buf *b, const char *s)
{
	return html_txt(b, s);
}

int html_url_attr(struct buf *b, const char *url)
{
	if (url && (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0))
		return html_attr(b, url);
	return buf_puts(b, "#");
}
