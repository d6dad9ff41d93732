#include "web/form.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+' of s[0..len) into out (room for len+1). A NUL
 * byte, a control character or a broken escape is refused: no value
 * reaching SQL or HTML carries them. */
static int decode(const char *s, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h, l;
			if (i + 2 >= len)
				return AG_EINVAL;
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0)
				return AG_EINVAL;
			c = (unsigned char)(h * 16 + l);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return AG_EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return AG_OK;
}

int form_parse(const char *s, size_t len, const struct form_field *spec, size_t nspec,
	       struct form *f)
{
	size_t pos = 0;
	char key[64];

	memset(f, 0, sizeof *f);
	if (!s)
		return AG_OK;
	while (pos < len) {
		size_t end = pos, eq, klen;
		const struct form_field *fd = NULL;
		char *val;

		while (end < len && s[end] != '&')
			end++;
		for (eq = pos; eq < end && s[eq] != '='; eq++)
			;
		klen = eq - pos;
		if (klen == 0) {
			pos = end + 1;
			continue;
		}
		if (klen >= sizeof key || decode(s + pos, klen, key))
			return AG_EINVAL;
		for (size_t k = 0; k < nspec; k++)
			if (strcmp(spec[k].name, key) == 0)
				fd = &spec[k];
		if (fd) {
			size_t vlen = eq < end ? end - eq - 1 : 0;
			/* Encoded length bounds the decoded one from above. */
			if (vlen > fd->max * 3 || f->n >= FORM_MAX_VALUES)
				return AG_EINVAL;
			if (!fd->repeat && form_get(f, fd->name))
				return AG_EINVAL;
			val = malloc(vlen + 1);
			if (!val)
				return AG_ENOMEM;
			f->v[f->n].name = fd->name;
			f->v[f->n].value = val;
			f->n++;
			if (decode(s + eq + (eq < end), vlen, val) || strlen(val) > fd->max ||
			    (fd->valid && !fd->valid(val)))
				return AG_EINVAL;
		}
		pos = end + 1;
	}
	return AG_OK;
}

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].value);
	f->n = 0;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].name, name) == 0)
			return f->v[i].value;
	return NULL;
}

int cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (!p)
		return AG_ENOTFOUND;
	while (*p) {
		size_t vlen;
		while (*p == ' ' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, ";");
			while (vlen > 0 && p[vlen - 1] == ' ')
				vlen--;
			if (vlen >= outlen)
				return AG_EINVAL;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return AG_OK;
		}
		p += strcspn(p, ";");
	}
	return AG_ENOTFOUND;
}

static int all_of(const char *v, const char *set, size_t max)
{
	size_t n = strlen(v);

	return n > 0 && n <= max && strspn(v, set) == n;
}

int valid_hex(const char *v)
{
	return all_of(v, "0123456789abcdef", 4096);
}

int valid_digits(const char *v)
{
	return all_of(v, "0123456789", 18);
}

int valid_token(const char *v)
{
	return all_of(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-", 4096);
}
