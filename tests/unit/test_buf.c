/* Unit tests of the byte buffer's sticky error (src/base/buf.h): page and
 * body writers append many pieces and check once, so a failure must stay
 * visible after later appends succeed in size — otherwise a cut page or a
 * malformed PostgreSQL array literal ("{1,3}" with 2 lost) goes out as if
 * whole. */
#include "check.h"
#include "base/buf.h"
#include "base/err.h"

#include <stdlib.h>

static void test_limit_sticks(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 8);
	CHECK(buf_puts(&b, "{1,") == AG_OK);
	CHECK(buf_puts(&b, "22222222") == AG_ETOOBIG);   /* over the limit */
	CHECK(b.err == AG_ETOOBIG);
	CHECK(buf_puts(&b, "}") == AG_ETOOBIG);          /* would fit, refused */
	CHECK(buf_printf(&b, "%d", 3) == AG_ETOOBIG);
	CHECK(buf_append(&b, "x", 1) == AG_ETOOBIG);
	CHECK_STR(b.p, "{1,");                            /* nothing after the failure */
	s = buf_steal(&b);
	CHECK(s == NULL);                                 /* never handed out cut */
	CHECK(b.p == NULL && b.len == 0 && b.err == AG_OK);
	buf_free(&b);
}

static void test_reset_clears(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 4);
	CHECK(buf_puts(&b, "12345") == AG_ETOOBIG);
	buf_reset(&b);                                    /* an error page is written afresh */
	CHECK(b.err == AG_OK);
	CHECK(buf_puts(&b, "ok") == AG_OK);
	s = buf_steal(&b);
	CHECK_STR(s, "ok");
	free(s);
	buf_free(&b);
}

static void test_unlimited(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		CHECK(buf_printf(&b, "%03d", i) == AG_OK);
	CHECK(b.len == 3000 && b.err == AG_OK);
	s = buf_steal(&b);
	CHECK(s && strncmp(s, "000001002", 9) == 0 && strcmp(s + 2997, "999") == 0);
	free(s);
	/* an empty buffer steals as "" (callers print it), not NULL */
	buf_init(&b, 0);
	s = buf_steal(&b);
	CHECK_STR(s, "");
	free(s);
}

int main(void)
{
	test_limit_sticks();
	test_reset_clears();
	test_unlimited();
	CHECK_DONE("test_buf");
}
