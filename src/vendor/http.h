/* Outgoing HTTP over libcurl: one reused handle per process (keep-alive
 * to the vendors), bounded response bodies, the rate-limit headers of both
 * vendors parsed on every response. */
#ifndef AG_HTTP_H
#define AG_HTTP_H

#include "base/err.h"
#include "base/buf.h"

#include <stddef.h>

#define HTTP_MAX_RESPONSE (8u << 20)

struct http_req {
	const char *method;       /* GET, POST, PUT, DELETE */
	const char *url;
	const char *basic_user;   /* HTTP Basic when set */
	const char *basic_pass;
	const char *bearer;       /* Authorization: Bearer when set */
	const char *content_type; /* for body */
	const char *body;
	size_t body_len;
	long timeout_ms;
	/* multipart upload of one open file from its start (body must be NULL) */
	int upload_fd;            /* > 0 when set */
	long long upload_size;
	const char *upload_field;
	const char *upload_filename;
	const char *upload_type;
	/* download the body to this open file instead of memory (bounded) */
	int download_fd;          /* > 0 when set */
	long long download_limit;
	/* a transfer slower than low_speed_bps for low_speed_s seconds is
	 * abandoned (0: no such bound; timeout_ms still applies) */
	long low_speed_bps;
	long low_speed_s;
	/* media fetches (netpolicy.h): connect to public addresses only, over
	 * https only; never through a proxy, never following a redirect */
	int public_only;
	int https_only;
};

struct http_resp {
	long status;              /* 0 when no HTTP answer arrived */
	struct buf body;
	long retry_after;         /* seconds, -1 when absent */
	int call_limit_used;      /* X-Gorgias-Account-Api-Call-Limit used/limit */
	int call_limit_max;       /* 0 when absent */
	long aircall_limit;       /* X-AircallApi-Limit, -1 when absent */
	long aircall_remaining;
	long aircall_reset;
	long long content_length; /* -1 when absent */
	char content_type[128];
	char error[256];          /* transport error text */
	int refused;              /* public_only refused the address */
};

/* An empty response: no status, every header absent. */
void http_resp_init(struct http_resp *resp);
/* Reads one response header line as curl hands it ("Name: value\r\n",
 * not NUL-terminated) into resp: Retry-After, both vendors' rate-limit
 * headers, Content-Length, Content-Type. A line of 512 bytes or more or
 * without a colon is skipped; a number that is not a non-negative decimal
 * (Retry-After as an HTTP date too) reads as absent (-1). */
void http_resp_header(struct http_resp *resp, const char *line, size_t len);

AG_MUST_USE int http_global_init(void);
void http_global_cleanup(void);
/* AG_OK when an HTTP answer (any status) arrived; AG_ENET on connection
 * errors and timeouts; AG_ETOOBIG when the body exceeded its bound;
 * AG_EPOLICY when public_only/https_only refused the address.
 * resp must be released with http_resp_free whatever the result. */
AG_MUST_USE int http_do(const struct http_req *req, struct http_resp *resp);
void http_resp_free(struct http_resp *resp);

/* The bridge's error for a vendor's HTTP status (both vendors alike):
 * 2xx AG_OK, 401/403 AG_EAUTH, 404 AG_ENOTFOUND, 409 AG_ECONFLICT,
 * 429 AG_ERATE, 5xx AG_ETEMP, any other AG_EREJECT. */
AG_MUST_USE int http_status_error(long status);

/* Percent-encodes s for a query value; caller frees. */
AG_MUST_USE char *http_escape(const char *s);

#endif
