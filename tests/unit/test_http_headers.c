/* Unit tests of the response-header reading in src/vendor/http.c: the
 * headers the rate-limit budget is built from (RL1: "budget from those
 * headers, not a constant"; RL3: "honours the server's rate-limit headers
 * and 429 Retry-After") and the media type and size of downloads. A
 * garbled or oversized header must read as absent, never as a wait of
 * hours or a limit of zero. */
#include "check.h"
#include "vendor/http.h"

#include <stdio.h>

static struct http_resp r;

static void hdr(const char *line)
{
	http_resp_header(&r, line, strlen(line));
}

static void fresh(void)
{
	http_resp_free(&r);
	http_resp_init(&r);
}

static void test_absent_by_default(void)
{
	fresh();
	CHECK(r.status == 0);
	CHECK(r.retry_after == -1);
	CHECK(r.call_limit_max == 0 && r.call_limit_used == 0);
	CHECK(r.aircall_limit == -1 && r.aircall_remaining == -1 && r.aircall_reset == -1);
	CHECK(r.content_length == -1);
	CHECK(r.content_type[0] == '\0');
	/* the status line and the blank line end are not headers */
	hdr("HTTP/1.1 429 Too Many Requests\r\n");
	hdr("\r\n");
	CHECK(r.retry_after == -1 && r.content_type[0] == '\0');
}

/* RL3: 429 Retry-After, in seconds; the name in any case, any spacing. */
static void test_retry_after(void)
{
	fresh();
	hdr("Retry-After: 30\r\n");
	CHECK(r.retry_after == 30);
	fresh();
	hdr("retry-after:7\r\n");
	CHECK(r.retry_after == 7);
	fresh();
	hdr("RETRY-AFTER: \t 12 \t\r\n");
	CHECK(r.retry_after == 12);
	fresh();
	hdr("Retry-After: 0\r\n");
	CHECK(r.retry_after == 0);
	/* an HTTP date, a negative number, an empty value, a number too large
	 * for a long: absent (the caller's default wait applies) */
	fresh();
	hdr("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n");
	CHECK(r.retry_after == -1);
	fresh();
	hdr("Retry-After: -5\r\n");
	CHECK(r.retry_after == -1);
	fresh();
	hdr("Retry-After:\r\n");
	CHECK(r.retry_after == -1);
	fresh();
	hdr("Retry-After: 99999999999999999999999999\r\n");
	CHECK(r.retry_after == -1);
	/* a look-alike name is another header */
	fresh();
	hdr("X-Retry-After: 30\r\n");
	hdr("Retry-After-Ms: 30\r\n");
	CHECK(r.retry_after == -1);
}

/* RL1: Gorgias's "X-Gorgias-Account-Api-Call-Limit: used/limit". */
static void test_gorgias_call_limit(void)
{
	fresh();
	hdr("X-Gorgias-Account-Api-Call-Limit: 12/80\r\n");
	CHECK(r.call_limit_used == 12 && r.call_limit_max == 80);
	fresh();
	hdr("x-gorgias-account-api-call-limit:40/40\r\n");
	CHECK(r.call_limit_used == 40 && r.call_limit_max == 40);
	/* a zero or negative limit, a negative use, or no slash: absent (a
	 * limit of 0 would stop every request) */
	static const char *bad[] = {
		"X-Gorgias-Account-Api-Call-Limit: 12/0\r\n",
		"X-Gorgias-Account-Api-Call-Limit: -1/80\r\n",
		"X-Gorgias-Account-Api-Call-Limit: 12\r\n",
		"X-Gorgias-Account-Api-Call-Limit: twelve/eighty\r\n",
		"X-Gorgias-Account-Api-Call-Limit: 12/-80\r\n",
		"X-Gorgias-Account-Api-Call-Limit:\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fresh();
		hdr(bad[i]);
		CHECK(r.call_limit_max == 0 && r.call_limit_used == 0);
		if (r.call_limit_max)
			fprintf(stderr, "  accepted: %s", bad[i]);
	}
	/* a garbled header after a good one does not erase it */
	fresh();
	hdr("X-Gorgias-Account-Api-Call-Limit: 3/80\r\n");
	hdr("X-Gorgias-Account-Api-Call-Limit: x\r\n");
	CHECK(r.call_limit_used == 3 && r.call_limit_max == 80);
}

/* Aircall's X-AircallApi-Limit / -Remaining / -Reset (a unix time). */
static void test_aircall_limits(void)
{
	fresh();
	hdr("X-AircallApi-Limit: 60\r\n");
	hdr("X-AircallApi-Remaining: 0\r\n");
	hdr("X-AircallApi-Reset: 1700000060\r\n");
	CHECK(r.aircall_limit == 60 && r.aircall_remaining == 0 && r.aircall_reset == 1700000060);
	fresh();
	hdr("x-aircallapi-remaining: lots\r\n");
	hdr("X-AircallApi-Limit: -60\r\n");
	CHECK(r.aircall_remaining == -1 && r.aircall_limit == -1);
}

/* The type and declared size of a download (recordings, MMS media). */
static void test_content_headers(void)
{
	char line[600];

	fresh();
	hdr("Content-Type: audio/mpeg\r\n");
	hdr("Content-Length: 1048576\r\n");
	CHECK_STR(r.content_type, "audio/mpeg");
	CHECK(r.content_length == 1048576);
	fresh();
	hdr("content-type:   application/json; charset=utf-8  \r\n");
	CHECK_STR(r.content_type, "application/json; charset=utf-8");
	/* a value with a colon keeps it (only the first colon splits) */
	fresh();
	hdr("Content-Type: text/plain; x=a:b\r\n");
	CHECK_STR(r.content_type, "text/plain; x=a:b");
	/* longer than its field: cut to the field, never past it */
	fresh();
	snprintf(line, sizeof line, "Content-Type: image/%0300d\r\n", 0);
	hdr(line);
	CHECK(strlen(r.content_type) == sizeof r.content_type - 1);
	CHECK(strncmp(r.content_type, "image/000", 9) == 0);
	/* a line of 512 bytes or more is skipped whole (not read cut short) */
	fresh();
	memset(line, ' ', sizeof line);
	memcpy(line, "Content-Length: 42", 18);
	line[510] = '\r';
	line[511] = '\n';
	http_resp_header(&r, line, 512);
	CHECK(r.content_length == -1);
	http_resp_header(&r, line, 511);              /* one byte less: read */
	CHECK(r.content_length == 42);
	/* a NUL inside the line ends it; no read past len (ASan watches) */
	fresh();
	http_resp_header(&r, "Content-Length: 7\0 99\r\n", 23);
	CHECK(r.content_length == 7);
	http_resp_header(&r, "Content-Length: 8", 16);   /* "Content-Length: " only */
	CHECK(r.content_length == -1);
}

int main(void)
{
	test_absent_by_default();
	test_retry_after();
	test_gorgias_call_limit();
	test_aircall_limits();
	test_content_headers();
	http_resp_free(&r);
	CHECK_DONE("test_http_headers");
}
