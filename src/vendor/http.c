#include "vendor/http.h"
#include "base/err.h"
#include "base/log.h"
#include "vendor/netpolicy.h"

#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static CURL *handle;

int http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? AG_OK : AG_ENOMEM;
}

void http_global_cleanup(void)
{
	if (handle)
		curl_easy_cleanup(handle);
	handle = NULL;
	curl_global_cleanup();
}

struct sink {
	struct http_resp *resp;
	FILE *file;
	long long limit;
	long long written;
	int too_big;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n;

	if (s->file) {
		/* A declared size over the limit stops the transfer at once. */
		if (s->limit > 0 && (s->written + (long long)len > s->limit ||
				     s->resp->content_length > s->limit)) {
			s->too_big = 1;
			return 0;
		}
		if (fwrite(data, 1, len, s->file) != len)
			return 0;
		s->written += (long long)len;
		return len;
	}
	if (buf_append(&s->resp->body, data, len)) {
		s->too_big = 1;
		return 0;
	}
	return len;
}

static long header_long(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	/* a negative count, wait or size is no value: absent */
	if (errno || end == v || n < 0)
		return -1;
	return n;
}

void http_resp_header(struct http_resp *r, const char *data, size_t len)
{
	char line[512], *colon, *v;

	if (len >= sizeof line)
		return;
	memcpy(line, data, len);
	line[len] = '\0';
	colon = strchr(line, ':');
	if (!colon)
		return;
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	for (char *e = v + strlen(v); e > v && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	if (strcasecmp(line, "Retry-After") == 0) {
		r->retry_after = header_long(v);
	} else if (strcasecmp(line, "X-Gorgias-Account-Api-Call-Limit") == 0) {
		int used, max;
		if (sscanf(v, "%d/%d", &used, &max) == 2 && used >= 0 && max > 0) {
			r->call_limit_used = used;
			r->call_limit_max = max;
		}
	} else if (strcasecmp(line, "X-AircallApi-Limit") == 0) {
		r->aircall_limit = header_long(v);
	} else if (strcasecmp(line, "X-AircallApi-Remaining") == 0) {
		r->aircall_remaining = header_long(v);
	} else if (strcasecmp(line, "X-AircallApi-Reset") == 0) {
		r->aircall_reset = header_long(v);
	} else if (strcasecmp(line, "Content-Length") == 0) {
		r->content_length = header_long(v);
	} else if (strcasecmp(line, "Content-Type") == 0) {
		snprintf(r->content_type, sizeof r->content_type, "%s", v);
	}
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	http_resp_header(arg, data, size * n);
	return size * n;
}

/* Runs for every address curl is about to connect to, after resolution:
 * the address checked is the one connected (no second lookup to rebind). */
static curl_socket_t open_public(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_resp *r = arg;

	if (purpose != CURLSOCKTYPE_IPCXN || !netpolicy_addr_public(&a->addr)) {
		r->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* An upload read from an open file by offset (the file has no name: it
 * was unlinked right after it was created). */
struct upload {
	int fd;
	off_t at;
};

static size_t read_fd(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	ssize_t got = pread(u->fd, buf, size * n, u->at);

	if (got < 0)
		return CURL_READFUNC_ABORT;
	u->at += got;
	return (size_t)got;
}

static int seek_fd(void *arg, curl_off_t offset, int origin)
{
	struct upload *u = arg;

	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	u->at = (off_t)offset;
	return CURL_SEEKFUNC_OK;
}

void http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, HTTP_MAX_RESPONSE);
	r->retry_after = -1;
	r->aircall_limit = r->aircall_remaining = r->aircall_reset = -1;
	r->content_length = -1;
}

void http_resp_free(struct http_resp *r)
{
	buf_free(&r->body);
}

int http_do(const struct http_req *req, struct http_resp *resp)
{
	struct curl_slist *headers = NULL;
	curl_mime *mime = NULL;
	struct sink sink = { resp, NULL, req->download_limit, 0, 0 };
	struct upload upload = { req->upload_fd, 0 };
	char auth[4096];
	CURLcode cc;
	int rc = AG_ENET;

	http_resp_init(resp);
	if (!handle)
		handle = curl_easy_init();
	else
		curl_easy_reset(handle);
	if (!handle)
		return AG_ENOMEM;

	curl_easy_setopt(handle, CURLOPT_URL, req->url);
	curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
	curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(handle, CURLOPT_USERAGENT, "aircall-gorgias/1.0");
	curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(handle, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, resp->error);
	curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
	if (req->https_only)
		curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");
	if (req->public_only) {
		curl_easy_setopt(handle, CURLOPT_PROXY, "");
		/* A kept-alive connection was never checked: always a new one. */
		curl_easy_setopt(handle, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(handle, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, open_public);
		curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, resp);
	}

	if (req->basic_user) {
		curl_easy_setopt(handle, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(handle, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(handle, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
	} else if (req->bearer) {
		if ((size_t)snprintf(auth, sizeof auth, "Authorization: Bearer %s", req->bearer) >= sizeof auth)
			return AG_EINVAL;
		headers = curl_slist_append(headers, auth);
	}
	headers = curl_slist_append(headers, "Accept: application/json");
	/* No "100-continue" round trip before every POST. */
	headers = curl_slist_append(headers, "Expect:");
	if (req->body) {
		char ct[160];
		snprintf(ct, sizeof ct, "Content-Type: %s",
			 req->content_type ? req->content_type : "application/json");
		headers = curl_slist_append(headers, ct);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS, req->body);
	} else if (req->upload_fd > 0) {
		curl_mimepart *part;
		mime = curl_mime_init(handle);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, req->upload_field ? req->upload_field : "file");
		/* curl streams the file from disk: recordings never sit in memory. */
		if (curl_mime_data_cb(part, (curl_off_t)req->upload_size, read_fd, seek_fd, NULL,
				      &upload) != CURLE_OK)
			goto out;
		if (req->upload_filename)
			curl_mime_filename(part, req->upload_filename);
		if (req->upload_type)
			curl_mime_type(part, req->upload_type);
		curl_easy_setopt(handle, CURLOPT_MIMEPOST, mime);
	}
	if (req->method && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0)
		curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, req->method);
	else if (req->method && strcmp(req->method, "POST") == 0 && !req->body && req->upload_fd <= 0) {
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

	if (req->low_speed_bps > 0 && req->low_speed_s > 0) {
		curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, req->low_speed_bps);
		curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, req->low_speed_s);
	}
	if (req->download_fd > 0) {
		int fd = dup(req->download_fd);

		sink.file = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!sink.file) {
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	cc = curl_easy_perform(handle);
	if (sink.file && fclose(sink.file) != 0 && cc == CURLE_OK)
		cc = CURLE_WRITE_ERROR;
	sink.file = NULL;
	curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &resp->status);
	if (sink.too_big) {
		rc = AG_ETOOBIG;
	} else if (resp->refused || (req->https_only && cc == CURLE_UNSUPPORTED_PROTOCOL)) {
		snprintf(resp->error, sizeof resp->error, "%s",
			 resp->refused ? "address not public" : "not https");
		resp->status = 0;
		rc = AG_EPOLICY;
	} else if (cc != CURLE_OK) {
		if (!resp->error[0])
			snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(cc));
		resp->status = 0;
		rc = AG_ENET;
	} else {
		rc = AG_OK;
	}
out:
	if (sink.file)
		fclose(sink.file);
	/* The Authorization header must not outlive the request. */
	memset(auth, 0, sizeof auth);
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	if (handle)
		curl_easy_setopt(handle, CURLOPT_MIMEPOST, NULL);
	return rc;
}

char *http_escape(const char *s)
{
	char *e, *out;

	if (!handle)
		handle = curl_easy_init();
	if (!handle)
		return NULL;
	e = curl_easy_escape(handle, s, 0);
	if (!e)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

int http_status_error(long status)
{
	if (status >= 200 && status < 300)
		return AG_OK;
	if (status == 401 || status == 403)
		return AG_EAUTH;
	if (status == 404)
		return AG_ENOTFOUND;
	if (status == 409)
		return AG_ECONFLICT;
	if (status == 429)
		return AG_ERATE;
	if (status >= 500)
		return AG_ETEMP;
	return AG_EREJECT;
}
