/* Untrusted browser input parsed in one place (kcgi's model): query
 * strings, url-encoded form bodies and the Cookie header. Every accepted
 * field is declared up front with its length bound and validator; values
 * of undeclared fields are dropped, a declared field that fails its check
 * fails the whole parse. */
#ifndef AG_FORM_H
#define AG_FORM_H

#include <stddef.h>

#define FORM_MAX_VALUES 512

struct form_field {
	const char *name;
	size_t max;                    /* longest accepted value, in bytes */
	int (*valid)(const char *v);   /* NULL: any text without control characters */
	int repeat;                    /* may appear more than once */
};

struct form_value {
	const char *name;              /* the spec's name (static) */
	char *value;                   /* decoded, owned */
};

struct form {
	struct form_value v[FORM_MAX_VALUES];
	size_t n;
};

/* Parses application/x-www-form-urlencoded text (s may be NULL). AG_OK,
 * AG_EINVAL (malformed, too long, failed validation, repeated) or
 * AG_ENOMEM. f must be released with form_free whatever the result. */
int form_parse(const char *s, size_t len, const struct form_field *spec, size_t nspec,
	       struct form *f);
void form_free(struct form *f);
/* First value of a field, or NULL. */
const char *form_get(const struct form *f, const char *name);

/* The value of cookie name from a Cookie header into out: AG_OK,
 * AG_ENOTFOUND, or AG_EINVAL when it does not fit. */
int cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* Validators shared by the handlers. */
int valid_hex(const char *v);           /* [0-9a-f]+ */
int valid_digits(const char *v);        /* [0-9]{1,18} */
int valid_token(const char *v);         /* [A-Za-z0-9._~-]+ (OAuth codes, states) */

#endif
