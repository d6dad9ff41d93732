#include "core/phone.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define E164_MIN 7   /* the shortest real numbers: +290 xxxx, +683 xxxx */
#define E164_MAX 15  /* ITU-T E.164 */
#define TYPED_MIN 4  /* fewer digits is a typo or an internal extension */
#define RAW_MAX 20   /* a 4-digit international prefix + 15 digits + a "(0)" */
#define NO_ZERO SIZE_MAX

enum {
	/* National numbers are commonly written without the trunk prefix
	 * (NANP "949 431 0000", Chinese and Indian mobiles, Brazil "(11) 9…"),
	 * so bare digits are national before they are international. */
	F_BARE_NATIONAL = 1,
	/* The leading 0 belongs to the number (Italy): "+39 06…" keeps it. */
	F_ZERO_IN_NSN = 2
};

struct country {
	const char *iso2;
	const char *cc;        /* calling code */
	const char *trunk;     /* national (trunk) prefix, "" if none */
	const char *trunk_alt; /* a second accepted trunk prefix, or NULL */
	const char *idd;       /* international prefix dialled from there */
	unsigned char nsn_min, nsn_max; /* national significant number length */
	unsigned char flags;
};

/*
 * Lengths are deliberately generous ranges (after libphonenumber's metadata):
 * they only decide between "national" and "international without +" for bare
 * digits, never whether a number with "+" is accepted.
 * Where two countries share a code (US/CA, RU/KZ) the first one is used when
 * the code is read from a number; their data agree.
 */
static const struct country countries[] = {
	{ "US", "1", "1", NULL, "011", 10, 10, F_BARE_NATIONAL },
	{ "CA", "1", "1", NULL, "011", 10, 10, F_BARE_NATIONAL },
	{ "GB", "44", "0", NULL, "00", 7, 10, 0 },
	{ "IE", "353", "0", NULL, "00", 7, 10, 0 },
	{ "DE", "49", "0", NULL, "00", 5, 13, 0 },
	{ "AT", "43", "0", NULL, "00", 4, 13, 0 },
	{ "CH", "41", "0", NULL, "00", 9, 12, 0 },
	{ "LI", "423", "", NULL, "00", 7, 9, 0 },
	{ "FR", "33", "0", NULL, "00", 9, 9, 0 },
	{ "BE", "32", "0", NULL, "00", 8, 9, 0 },
	{ "NL", "31", "0", NULL, "00", 7, 10, 0 },
	{ "LU", "352", "", NULL, "00", 4, 11, 0 },
	{ "ES", "34", "", NULL, "00", 9, 9, 0 },
	{ "PT", "351", "", NULL, "00", 9, 9, 0 },
	{ "IT", "39", "", NULL, "00", 6, 11, F_ZERO_IN_NSN },
	{ "MT", "356", "", NULL, "00", 8, 8, 0 },
	{ "GR", "30", "", NULL, "00", 10, 10, 0 },
	{ "CY", "357", "", NULL, "00", 8, 8, 0 },
	{ "DK", "45", "", NULL, "00", 8, 8, 0 },
	{ "SE", "46", "0", NULL, "00", 6, 10, 0 },
	{ "NO", "47", "", NULL, "00", 5, 8, 0 },
	{ "FI", "358", "0", NULL, "00", 5, 12, 0 },
	{ "IS", "354", "", NULL, "00", 7, 9, 0 },
	{ "EE", "372", "", NULL, "00", 7, 10, 0 },
	{ "LV", "371", "", NULL, "00", 8, 8, 0 },
	/* Lithuania is moving its trunk prefix from 8 to 0: accept both. */
	{ "LT", "370", "8", "0", "00", 8, 8, 0 },
	{ "PL", "48", "", NULL, "00", 9, 9, 0 },
	{ "CZ", "420", "", NULL, "00", 9, 12, 0 },
	{ "SK", "421", "0", NULL, "00", 6, 9, 0 },
	{ "HU", "36", "06", NULL, "00", 8, 9, 0 },
	{ "SI", "386", "0", NULL, "00", 8, 8, 0 },
	{ "HR", "385", "0", NULL, "00", 6, 9, 0 },
	{ "RO", "40", "0", NULL, "00", 6, 9, 0 },
	{ "BG", "359", "0", NULL, "00", 6, 9, 0 },
	{ "RS", "381", "0", NULL, "00", 6, 12, 0 },
	{ "UA", "380", "0", NULL, "00", 9, 9, 0 },
	{ "RU", "7", "8", NULL, "810", 10, 10, 0 },
	{ "KZ", "7", "8", NULL, "810", 10, 10, 0 },
	{ "TR", "90", "0", NULL, "00", 10, 10, 0 },
	{ "IL", "972", "0", NULL, "00", 8, 10, 0 },
	{ "AE", "971", "0", NULL, "00", 8, 9, 0 },
	{ "SA", "966", "0", NULL, "00", 8, 9, 0 },
	{ "EG", "20", "0", NULL, "00", 8, 10, 0 },
	{ "MA", "212", "0", NULL, "00", 9, 9, 0 },
	{ "DZ", "213", "0", NULL, "00", 8, 9, 0 },
	{ "TN", "216", "", NULL, "00", 8, 8, 0 },
	{ "NG", "234", "0", NULL, "009", 8, 10, 0 },
	{ "KE", "254", "0", NULL, "000", 9, 9, 0 },
	{ "ZA", "27", "0", NULL, "00", 9, 9, 0 },
	{ "IN", "91", "0", NULL, "00", 10, 10, F_BARE_NATIONAL },
	{ "PK", "92", "0", NULL, "00", 8, 11, 0 },
	{ "BD", "880", "0", NULL, "00", 8, 10, 0 },
	{ "CN", "86", "0", NULL, "00", 7, 12, F_BARE_NATIONAL },
	{ "HK", "852", "", NULL, "001", 8, 8, 0 },
	{ "TW", "886", "0", NULL, "002", 8, 9, 0 },
	{ "JP", "81", "0", NULL, "010", 8, 10, 0 },
	{ "KR", "82", "0", NULL, "001", 8, 10, 0 },
	{ "SG", "65", "", NULL, "001", 8, 8, 0 },
	{ "MY", "60", "0", NULL, "00", 8, 10, 0 },
	{ "TH", "66", "0", NULL, "001", 8, 9, 0 },
	{ "ID", "62", "0", NULL, "001", 8, 12, 0 },
	{ "PH", "63", "0", NULL, "00", 8, 10, 0 },
	{ "VN", "84", "0", NULL, "00", 9, 10, 0 },
	{ "AU", "61", "0", NULL, "0011", 5, 10, 0 },
	{ "NZ", "64", "0", NULL, "00", 8, 10, 0 },
	{ "BR", "55", "0", NULL, "00", 10, 11, F_BARE_NATIONAL },
	{ "MX", "52", "", NULL, "00", 10, 10, 0 },
	{ "AR", "54", "0", NULL, "00", 10, 11, 0 },
	{ "CL", "56", "", NULL, "00", 9, 9, 0 },
	{ "CO", "57", "0", NULL, "00", 10, 10, F_BARE_NATIONAL },
	{ "PE", "51", "0", NULL, "00", 8, 9, 0 },
};

#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

/* What a caller ID says when there is no number to match. */
static const char *const anonymous_words[] = {
	"anonymous", "unknown", "private", "restricted", "withheld",
	"unavailable",
};

/* The digits as typed, before any interpretation. */
struct digits {
	char d[RAW_MAX + 1];
	size_t n;
	size_t zero_at; /* index in d of the 0 of a "(0)", or NO_ZERO */
	int plus;
};

/* Our own ASCII tests: <ctype.h> is locale-dependent and undefined for
 * negative chars, and inputs may be arbitrary bytes. */
static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static unsigned char to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive prefix test (prefix in lower case) that stops at the first
 * mismatch, so it never reads past the NUL of s. */
static int starts_with_ci(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (to_lower((unsigned char)*s) != (unsigned char)*prefix)
			return 0;
	return 1;
}

static int digits_start_with(const char *d, size_t n, const char *prefix)
{
	size_t len = strlen(prefix);

	return len > 0 && len <= n && memcmp(d, prefix, len) == 0;
}

static const struct country *country_by_iso2(const char *iso2)
{
	char code[3];
	size_t i;

	if (!iso2 || !iso2[0] || !iso2[1] || iso2[2])
		return NULL;
	code[0] = (char)to_lower((unsigned char)iso2[0]);
	code[1] = (char)to_lower((unsigned char)iso2[1]);
	code[2] = '\0';
	/* "UK" is not ISO 3166 but is what people type for GB. */
	if (strcmp(code, "uk") == 0)
		memcpy(code, "gb", 3);
	for (i = 0; i < NCOUNTRIES; i++)
		if (starts_with_ci(countries[i].iso2, code))
			return &countries[i];
	return NULL;
}

/* Calling codes are prefix-free, so the first table entry whose code starts
 * the digits is the country (or one sharing its code). */
static const struct country *country_by_digits(const char *d, size_t n)
{
	size_t i;

	for (i = 0; i < NCOUNTRIES; i++)
		if (digits_start_with(d, n, countries[i].cc))
			return &countries[i];
	return NULL;
}

static int is_nanp(const struct country *c)
{
	return c && strcmp(c->cc, "1") == 0;
}

static int is_anonymous(const char *s)
{
	size_t i, len;

	for (i = 0; i < sizeof(anonymous_words) / sizeof(anonymous_words[0]); i++) {
		if (!starts_with_ci(s, anonymous_words[i]))
			continue;
		len = strlen(anonymous_words[i]);
		while (is_space((unsigned char)s[len]))
			len++;
		if (!s[len])
			return 1;
	}
	return 0;
}

/* Bytes taken by a visual separator at p, 0 if there is none. Besides ASCII
 * punctuation, accept the no-break spaces and dashes that copy-pasting from
 * web pages and word processors leaves in numbers (UTF-8 encoded). Each test
 * stops at the first byte that differs, so a NUL ends it safely. */
static size_t separator_len(const unsigned char *p)
{
	if (is_space(p[0]) || p[0] == '-' || p[0] == '.' || p[0] == '/' ||
	    p[0] == '(' || p[0] == ')')
		return 1;
	if (p[0] == 0xC2 && p[1] == 0xA0) /* U+00A0 no-break space */
		return 2;
	if (p[0] == 0xE2 && p[1] == 0x80 &&
	    (p[2] == 0x87 || p[2] == 0x89 || p[2] == 0xAF || /* figure, thin, narrow nbsp */
	     (p[2] >= 0x90 && p[2] <= 0x95)))                /* hyphens and dashes */
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) /* U+2212 minus */
		return 3;
	return 0;
}

/* Length of a "(0)" group (spaces allowed inside) at p, 0 if not one. */
static size_t paren_zero_len(const unsigned char *p)
{
	size_t i = 1;

	if (p[0] != '(')
		return 0;
	while (p[i] == ' ')
		i++;
	if (p[i++] != '0')
		return 0;
	while (p[i] == ' ')
		i++;
	return p[i] == ')' ? i + 1 : 0;
}

/* An extension or dial-string suffix: the number ends here. */
static int is_extension_marker(const unsigned char *p)
{
	return p[0] == ',' || p[0] == ';' || p[0] == '#' ||
	       to_lower(p[0]) == 'x' || starts_with_ci((const char *)p, "ext");
}

static enum phone_result scan(const char *s, struct digits *g)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	memset(g, 0, sizeof(*g));
	g->zero_at = NO_ZERO;
	while (*p) {
		if (is_digit(*p)) {
			/* stop early: a 10 kB string of digits is not a number */
			if (g->n >= RAW_MAX)
				return PHONE_INVALID;
			g->d[g->n++] = (char)*p++;
		} else if (*p == '+') {
			if (g->plus || g->n)
				return PHONE_INVALID;
			g->plus = 1;
			p++;
		} else if (g->n && g->zero_at == NO_ZERO &&
			   (len = paren_zero_len(p)) > 0) {
			/* Kept as a digit for now: it is dropped only if the
			 * number turns out to be international. */
			if (g->n >= RAW_MAX)
				return PHONE_INVALID;
			g->zero_at = g->n;
			g->d[g->n++] = '0';
			p += len;
		} else if ((len = separator_len(p)) > 0) {
			p += len;
		} else if (g->n && is_extension_marker(p)) {
			break;
		} else {
			return PHONE_INVALID;
		}
	}
	g->d[g->n] = '\0';
	return PHONE_OK;
}

/* Removes len characters at index at from t (of *n characters). */
static void cut(char *t, size_t *n, size_t at, size_t len)
{
	if (at > *n || len > *n - at)
		return;
	memmove(t + at, t + at + len, *n - at - len);
	*n -= len;
	t[*n] = '\0';
}

/* Where the trunk prefix begins with 0, no national number begins with 0
 * (Italy, flagged, is the exception to the rule). */
static int nsn_never_starts_with_zero(const struct country *c)
{
	return !(c->flags & F_ZERO_IN_NSN) &&
	       (c->trunk[0] == '0' || (c->trunk_alt && c->trunk_alt[0] == '0'));
}

static int trunk_after_cc(const struct country *c, const char *t, size_t n,
			  size_t cclen, const char *trunk)
{
	/* Only a 0-trunk is removed after the code: an 8 after +7 or +370
	 * may be part of the number (toll-free 800). */
	return trunk && trunk[0] == '0' && nsn_never_starts_with_zero(c) &&
	       digits_start_with(t + cclen, n - cclen, trunk);
}

/* Copies the digits after an international prefix of skip digits into t and
 * undoes the usual human additions: the "(0)" and a trunk prefix written
 * after the calling code ("+49 030…", "+44 (0)20…"), and Mexico's obsolete
 * mobile "1" ("+52 1 55…"). Returns the number of digits in t. */
static size_t to_international(const struct digits *g, size_t skip, char *t)
{
	const struct country *c;
	size_t n = g->n - skip, cclen;

	memcpy(t, g->d + skip, n);
	t[n] = '\0';
	c = country_by_digits(t, n);
	if (g->zero_at != NO_ZERO && g->zero_at > skip &&
	    !(c && (c->flags & F_ZERO_IN_NSN))) {
		cut(t, &n, g->zero_at - skip, 1);
		c = country_by_digits(t, n);
	}
	if (!c)
		return n;
	cclen = strlen(c->cc);
	if (trunk_after_cc(c, t, n, cclen, c->trunk))
		cut(t, &n, cclen, strlen(c->trunk));
	else if (trunk_after_cc(c, t, n, cclen, c->trunk_alt))
		cut(t, &n, cclen, strlen(c->trunk_alt));
	if (strcmp(c->cc, "52") == 0 && n - cclen == 11 && t[cclen] == '1')
		cut(t, &n, cclen, 1);
	return n;
}

static enum phone_result emit(const char *t, size_t n, char out[PHONE_MAX])
{
	const struct country *c;

	if (n < E164_MIN || n > E164_MAX || t[0] == '0')
		return PHONE_INVALID;
	/* "+49 00 30…" has one 0 too many to be a typo we can undo; refusing
	 * it also keeps the result a fixed point of phone_normalize. */
	c = country_by_digits(t, n);
	if (c && nsn_never_starts_with_zero(c) && t[strlen(c->cc)] == '0')
		return PHONE_INVALID;
	snprintf(out, PHONE_MAX, "+%.*s", (int)n, t);
	return PHONE_OK;
}

/* Could bare digits (no "+", no prefix) be a complete international number?
 * A known calling code needs a national part of that country's length; an
 * unknown one is only trusted when there is no default country to prefer. */
static int plausible_international(const char *t, size_t n, int have_default)
{
	const struct country *c = country_by_digits(t, n);
	size_t cclen, nsn;

	if (n < E164_MIN || n > E164_MAX || t[0] == '0')
		return 0;
	if (!c)
		return !have_default && n >= 8;
	cclen = strlen(c->cc);
	nsn = n - cclen;
	if (nsn < c->nsn_min || nsn > c->nsn_max)
		return 0;
	/* NANP area codes and exchanges start with 2-9; this keeps a
	 * Brazilian "11 9…" from becoming a +1 number. */
	if (is_nanp(c))
		return t[1] >= '2' && t[4] >= '2';
	return 1;
}

static int fits_national(const struct country *c, size_t nsn)
{
	return nsn >= c->nsn_min && nsn <= c->nsn_max;
}

static enum phone_result emit_national(const struct country *c, const char *nsn,
				       size_t n, char out[PHONE_MAX])
{
	char t[E164_MAX + 1];
	size_t cclen = strlen(c->cc);

	if (!fits_national(c, n) || cclen + n > E164_MAX)
		return PHONE_INVALID;
	memcpy(t, c->cc, cclen);
	memcpy(t + cclen, nsn, n);
	return emit(t, cclen + n, out);
}

/* Digits of an international prefix the number starts with, 0 if none. "00"
 * is accepted whatever the default country: it is what most of the world
 * dials, and customers type their own numbers. */
static size_t intl_prefix_len(const struct digits *g, const struct country *c)
{
	if (c && digits_start_with(g->d, g->n, c->idd))
		return strlen(c->idd);
	if (digits_start_with(g->d, g->n, "00"))
		return 2;
	return 0;
}

static size_t national_prefix_len(const struct digits *g, const struct country *c)
{
	if (digits_start_with(g->d, g->n, c->trunk))
		return strlen(c->trunk);
	if (c->trunk_alt && digits_start_with(g->d, g->n, c->trunk_alt))
		return strlen(c->trunk_alt);
	return 0;
}

/* Bare digits: no "+", no international or trunk prefix. */
static enum phone_result classify_bare(const struct digits *g,
				       const struct country *c, char out[PHONE_MAX])
{
	char t[RAW_MAX + 1];
	size_t n = to_international(g, 0, t);
	int intl = plausible_international(t, n, c != NULL);

	if (!c)
		return intl ? emit(t, n, out) : PHONE_INVALID;
	/* Where the national form is written without a trunk prefix, bare
	 * digits are national first ("949 431 0000" in the US); elsewhere a
	 * national number always has its trunk, so bare digits are first an
	 * international number without "+" ("4930600000000" in Germany: the
	 * libphonenumber #705 lesson), and only then a national number whose
	 * trunk was left out ("7474 626067" in the UK). */
	if (c->trunk[0] == '\0' || (c->flags & F_BARE_NATIONAL)) {
		if (fits_national(c, g->n))
			return emit_national(c, g->d, g->n, out);
		return intl ? emit(t, n, out) : PHONE_INVALID;
	}
	if (intl)
		return emit(t, n, out);
	return emit_national(c, g->d, g->n, out);
}

enum phone_result phone_normalize(const char *raw, const char *default_country,
				  char out[PHONE_MAX])
{
	const struct country *c = country_by_iso2(default_country);
	struct digits g;
	char t[RAW_MAX + 1];
	size_t skip, n;
	enum phone_result rc;

	if (!out)
		return PHONE_INVALID;
	out[0] = '\0';
	if (!raw)
		return PHONE_ANONYMOUS;
	while (is_space((unsigned char)*raw))
		raw++;
	if (!*raw || is_anonymous(raw))
		return PHONE_ANONYMOUS;
	if (starts_with_ci(raw, "tel:"))
		raw += 4;
	rc = scan(raw, &g);
	if (rc != PHONE_OK)
		return rc;
	if (g.n < TYPED_MIN)
		return PHONE_INVALID;

	if (g.plus) {
		/* "+00 49…": a "+" typed in front of a dialled prefix */
		skip = digits_start_with(g.d, g.n, "00") ? 2 : 0;
		n = to_international(&g, skip, t);
		return emit(t, n, out);
	}
	skip = intl_prefix_len(&g, c);
	if (skip) {
		n = to_international(&g, skip, t);
		return emit(t, n, out);
	}
	if (c && (skip = national_prefix_len(&g, c)) > 0)
		return emit_national(c, g.d + skip, g.n - skip, out);
	return classify_bare(&g, c, out);
}

int phone_is_e164(const char *s)
{
	size_t n = 0;

	if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (s++; *s; s++)
		if (!is_digit((unsigned char)*s) || ++n > E164_MAX)
			return 0;
	return n >= E164_MIN;
}

int phone_country_code(const char *iso2)
{
	const struct country *c = country_by_iso2(iso2);
	const char *p;
	int code = 0;

	if (!c)
		return 0;
	for (p = c->cc; *p; p++)
		code = code * 10 + (*p - '0');
	return code;
}

int phone_equal(const char *a, const char *b, const char *default_country)
{
	char na[PHONE_MAX], nb[PHONE_MAX];

	if (phone_normalize(a, default_country, na) != PHONE_OK ||
	    phone_normalize(b, default_country, nb) != PHONE_OK)
		return 0;
	return strcmp(na, nb) == 0;
}

/* Collects variants: distinct, and only those that normalise back to the same
 * number (so a search hit is never a different number for phone_equal). */
struct variants {
	char (*out)[PHONE_MAX];
	size_t n, max;
	const char *e164;
	const char *country;
};

static void add_variant(struct variants *v, const char *s)
{
	char back[PHONE_MAX];
	size_t i;

	if (v->n >= v->max || !s[0] || strlen(s) >= PHONE_MAX)
		return;
	for (i = 0; i < v->n; i++)
		if (strcmp(v->out[i], s) == 0)
			return;
	if (phone_normalize(s, v->country, back) != PHONE_OK ||
	    strcmp(back, v->e164) != 0)
		return;
	snprintf(v->out[v->n], PHONE_MAX, "%s", s);
	v->n++;
}

/* NANP numbers have one fixed grouping, and US agents type it. */
static void add_nanp_forms(struct variants *v, const char *nsn, int same)
{
	char s[2 * PHONE_MAX];

	if (strlen(nsn) != 10)
		return;
	if (same) {
		snprintf(s, sizeof(s), "(%.3s) %.3s-%.4s", nsn, nsn + 3, nsn + 6);
		add_variant(v, s);
		snprintf(s, sizeof(s), "%.3s-%.3s-%.4s", nsn, nsn + 3, nsn + 6);
		add_variant(v, s);
		snprintf(s, sizeof(s), "1%s", nsn);
		add_variant(v, s);
	}
	snprintf(s, sizeof(s), "+1 %.3s-%.3s-%.4s", nsn, nsn + 3, nsn + 6);
	add_variant(v, s);
}

size_t phone_variants(const char *e164, const char *default_country,
		      char out[][PHONE_MAX], size_t max)
{
	const struct country *home = country_by_iso2(default_country);
	const struct country *c;
	const char *digits, *nsn;
	/* s is larger than any variant so that the compiler can see that no
	 * snprintf truncates; add_variant refuses what would not fit out. */
	char norm[PHONE_MAX], s[2 * PHONE_MAX];
	struct variants v;
	int same;

	if (!out || !max ||
	    phone_normalize(e164, default_country, norm) != PHONE_OK)
		return 0;
	v.out = out;
	v.n = 0;
	v.max = max;
	v.e164 = norm;
	v.country = default_country;
	add_variant(&v, norm);

	digits = norm + 1;
	c = country_by_digits(digits, strlen(digits));
	nsn = c ? digits + strlen(c->cc) : NULL;
	same = c && home && strcmp(c->cc, home->cc) == 0;

	if (same && is_nanp(c)) {
		add_variant(&v, nsn);
		add_nanp_forms(&v, nsn, 1);
		return v.n;
	}
	if (same) {
		snprintf(s, sizeof(s), "%s%s", home->trunk, nsn);
		add_variant(&v, s);
	}
	add_variant(&v, digits); /* Zammad, WhatsApp and CSV imports */
	snprintf(s, sizeof(s), "%s%s", home ? home->idd : "00", digits);
	add_variant(&v, s);
	snprintf(s, sizeof(s), "00%s", digits);
	add_variant(&v, s);
	if (c) {
		snprintf(s, sizeof(s), "+%s %s", c->cc, nsn);
		add_variant(&v, s);
		if (is_nanp(c))
			add_nanp_forms(&v, nsn, 0);
	}
	return v.n;
}

int phone_nsn(const char *e164, char out[PHONE_MAX])
{
	const struct country *c;
	const char *digits;

	out[0] = '\0';
	if (!phone_is_e164(e164))
		return 0;
	digits = e164 + 1;
	c = country_by_digits(digits, strlen(digits));
	if (!c || strlen(digits) <= strlen(c->cc))
		return 0;
	snprintf(out, PHONE_MAX, "%s", digits + strlen(c->cc));
	return 1;
}
